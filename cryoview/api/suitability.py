from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.core.validation import PlainStr
from cryoview.procedures.selectors import procedure_list_published
from cryoview.suitability.selectors import goals_all, rules_get, vocabulary_build
from cryoview.suitability.services import RawAnswers, answers_validate, suitability_assess

router = Router(tags=["suitability"])


class SuitabilityIn(Schema):
    procedure: PlainStr = Field(max_length=100, description="a guide slug, see GET /api/v1/procedures")
    conditions: list[PlainStr] = Field(
        default_factory=list,
        max_length=40,
        description="condition slugs or synonyms, see GET /api/v1/conditions",
    )
    areas: list[PlainStr] = Field(default_factory=list, max_length=10, description="face, eye-area, lips, body")
    goal: PlainStr | None = Field(default=None, max_length=100, description="e.g. deep-wrinkles")
    lesion_confirmed_benign: bool | None = None
    setting: Literal["clinic", "home"] | None = None
    date: dt.date | None = Field(default=None, description="YYYY-MM-DD; defaults to today")
    hemisphere: Literal["north", "south"] = "north"


class ReasonOut(Schema):
    code: str
    kind: str
    verdict: str
    message: str
    source: str
    claims: list[str]


class PrecautionOut(Schema):
    code: str
    message: str
    source: str


class SuitabilityOut(Schema):
    procedure: str
    verdict: Literal["no_go", "see_doctor", "caution", "go"]
    headline: str = Field(description="the verdict in words, for people; `verdict` is for programs")
    summary: str
    reasons: list[ReasonOut]
    precautions: list[PrecautionOut]
    practitioner: Literal["cosmetologist", "dermatologist"]
    practitioner_label: str
    referrals: list[str]
    date: dt.date
    season: str
    disclaimer: str


@router.post("/suitability", response=SuitabilityOut, summary="Is this procedure right for me? Nothing is stored.")
def suitability(request: HttpRequest, payload: SuitabilityIn) -> SuitabilityOut:
    found = rules_get(slug=payload.procedure)
    if found is None:
        accepted = ", ".join(procedure_list_published().values_list("slug", flat=True))
        raise ApplicationError(
            "Unknown procedure.",
            problems=[FieldProblem("procedure", f"unknown procedure {payload.procedure!r}; accepted: {accepted}")],
        )
    _, rules = found
    answers = answers_validate(
        raw=RawAnswers(
            conditions=payload.conditions,
            areas=payload.areas,
            goal=payload.goal,
            lesion_confirmed_benign=payload.lesion_confirmed_benign,
            setting=payload.setting,
            on=payload.date,
            hemisphere=payload.hemisphere,
        ),
        vocabulary=vocabulary_build(),
        goals=goals_all(),
    )
    result = suitability_assess(rules=rules, answers=answers)
    return SuitabilityOut(
        procedure=result.procedure,
        verdict=result.verdict.value,
        headline=result.headline,
        summary=result.summary,
        reasons=[
            ReasonOut(
                code=r.code,
                kind=r.kind.value,
                verdict=r.verdict.value,
                message=r.message,
                source=r.source,
                claims=list(r.claims),
            )
            for r in result.reasons
        ],
        precautions=[PrecautionOut(code=p.code, message=p.message, source=p.source) for p in result.precautions],
        practitioner=result.practitioner,  # type: ignore[arg-type]
        practitioner_label=result.practitioner_label,
        referrals=list(result.referrals),
        date=result.on,
        season=result.season,
        disclaimer=result.disclaimer,
    )
