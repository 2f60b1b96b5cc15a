from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from cryoview.core.errors import NotFoundError
from cryoview.procedures.schemas import ConditionOut, ProcedureOut, ProcedureSummaryOut
from cryoview.procedures.selectors import (
    condition_list,
    guide_build,
    procedure_get_published,
    procedure_list_published,
)

router = Router(tags=["guides"])


@router.get("/procedures", response=list[ProcedureSummaryOut], summary="List the published guides")
def list_procedures(request: HttpRequest) -> list[ProcedureSummaryOut]:
    return [ProcedureSummaryOut.of(p) for p in procedure_list_published()]


@router.get("/procedures/{slug}", response=ProcedureOut, summary="One guide with every structured field")
def get_procedure(request: HttpRequest, slug: str) -> ProcedureOut:
    procedure = procedure_get_published(slug=slug)
    if procedure is None:
        raise NotFoundError(f"No published guide with the slug {slug!r}.")
    return ProcedureOut.of_guide(guide_build(procedure=procedure))


@router.get("/conditions", response=list[ConditionOut], summary="Conditions, with slugs and synonyms")
def list_conditions(request: HttpRequest) -> list[ConditionOut]:
    return [ConditionOut.of(c) for c in condition_list()]
