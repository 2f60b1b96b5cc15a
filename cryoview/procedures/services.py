from __future__ import annotations

import hashlib
import json
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from cryoview.core.pagecache import bump
from cryoview.core.visibility import visibility_changed
from cryoview.procedures.enums import RevisionOrigin
from cryoview.procedures.models import (
    Claim,
    ClaimSource,
    Condition,
    Conflict,
    Procedure,
    ProcedureRevision,
    Source,
)
from cryoview.procedures.selectors import procedure_scope

if TYPE_CHECKING:
    from cryoview.accounts.models import User
    from cryoview.procedures.content_schema import ProcedureFile


def procedure_snapshot(*, procedure: Procedure) -> dict[str, Any]:
    """Everything a guide says, as plain data (stored in each revision)."""
    claims = procedure.claims.select_related("condition").prefetch_related("citations__source")
    return {
        "slug": procedure.slug,
        "name": procedure.name,
        "kind": procedure.kind,
        "position": procedure.position,
        "summary": procedure.summary,
        "practitioner": procedure.practitioner,
        "home_use_allowed": procedure.home_use_allowed,
        "duration_minutes": [procedure.duration_min_minutes, procedure.duration_max_minutes],
        "course_sessions": [
            procedure.course_sessions_min,
            procedure.course_sessions_max,
            procedure.course_note,
        ],
        "avoid_seasons": procedure.avoid_seasons,
        "areas": procedure.areas,
        "disclaimer": procedure.disclaimer,
        "reviewed": [procedure.reviewed_by, procedure.reviewed_on.isoformat()],
        "is_published": procedure.is_published,
        "claims": [
            {
                "code": c.code,
                "section": c.section,
                "text": c.text,
                "evidence": c.evidence,
                "condition": c.condition.slug if c.condition else None,
                "area": c.area,
                "goal": c.goal,
                "trigger": c.trigger,
                "specialist": c.specialist,
                "recheck": c.recheck,
                "sources": [{"source": s.source.slug, "quote": s.quote} for s in c.citations.all()],
            }
            for c in claims
        ],
        "conflicts": [
            {
                "code": k.code,
                "title": k.title,
                "summary": k.summary,
                "advice": k.advice,
                "condition": k.condition.slug if k.condition else None,
                "claims": sorted(k.claims.values_list("code", flat=True)),
            }
            for k in procedure.conflicts.select_related("condition")
        ],
    }


def procedure_record_revision(
    *, procedure: Procedure, origin: RevisionOrigin, author: User | None = None
) -> ProcedureRevision | None:
    """Store a snapshot if the guide differs from its last revision.

    Side effects: at most one new ProcedureRevision row; visitors' cached pages of the guide expire.
    """
    snapshot = procedure_snapshot(procedure=procedure)
    digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    last = procedure.revisions.order_by("-number").first()
    if last is not None and last.content_hash == digest:
        return None
    number = (procedure.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    # Before (nobody is served the old page from now on) and after commit (nobody stores a page rendered
    # from the old rows in between under the new generation).
    scope = procedure_scope(procedure.slug)
    bump(scope)
    transaction.on_commit(partial(bump, scope))
    return ProcedureRevision.objects.create(
        procedure=procedure,
        number=number,
        origin=origin,
        author=author,
        content_hash=digest,
        snapshot=snapshot,
    )


def procedure_apply_content(
    *,
    procedure: Procedure | None,
    guide: ProcedureFile,
    digest: str,
    source_file: str,
    sources: dict[str, Source],
    conditions: dict[str, Condition],
    origin: RevisionOrigin,
) -> Procedure:
    """Make the guide in the database say exactly what `guide` says.

    Side effects: creates or updates the Procedure; replaces its claims, citations and conflicts;
    records a revision. Runs inside the caller's transaction (the importer's all-or-nothing one).
    """
    with transaction.atomic():
        procedure = procedure or Procedure(slug=guide.slug)
        procedure.name = guide.name
        procedure.kind = guide.kind
        procedure.position = guide.position
        procedure.summary = guide.summary
        procedure.practitioner = guide.practitioner.role
        procedure.home_use_allowed = guide.practitioner.home_use
        procedure.duration_min_minutes = guide.duration_minutes.min if guide.duration_minutes else None
        procedure.duration_max_minutes = guide.duration_minutes.max if guide.duration_minutes else None
        procedure.course_sessions_min = guide.course_sessions.min if guide.course_sessions else None
        procedure.course_sessions_max = guide.course_sessions.max if guide.course_sessions else None
        procedure.course_note = guide.course_sessions.note if guide.course_sessions else ""
        procedure.avoid_seasons = [str(s) for s in guide.avoid_seasons]
        procedure.areas = list(guide.areas)
        procedure.disclaimer = guide.disclaimer
        procedure.reviewed_by = guide.reviewed.by
        procedure.reviewed_on = guide.reviewed.on
        procedure.is_published = True
        procedure.imported_hash = digest
        procedure.source_file = source_file
        procedure.save()
        _replace_claims(procedure, guide, sources, conditions)
        procedure_record_revision(procedure=procedure, origin=origin)
        visibility_changed(kind="guide", pk=procedure.pk)
    return procedure


def _replace_claims(
    procedure: Procedure, guide: ProcedureFile, sources: dict[str, Source], conditions: dict[str, Condition]
) -> None:
    procedure.conflicts.all().delete()
    procedure.claims.all().delete()
    claims = Claim.objects.bulk_create(
        [
            Claim(
                procedure=procedure,
                section=c.section,
                code=c.code,
                text=c.text,
                evidence=c.evidence,
                condition=conditions[c.condition] if c.condition else None,
                area=c.area or "",
                goal=c.goal or "",
                trigger=c.trigger or "",
                specialist=c.specialist or "",
                recheck=c.recheck or "",
                position=index,
            )
            for index, c in enumerate(guide.claims)
        ]
    )
    by_code = {claim.code: claim for claim in claims}
    ClaimSource.objects.bulk_create(
        [
            ClaimSource(claim=by_code[c.code], source=sources[citation.source], quote=citation.quote, position=i)
            for c in guide.claims
            for i, citation in enumerate(c.sources)
        ]
    )
    for index, k in enumerate(guide.conflicts):
        conflict = Conflict.objects.create(
            procedure=procedure,
            code=k.code,
            title=k.title,
            summary=k.summary,
            advice=k.advice,
            condition=conditions[k.condition] if k.condition else None,
            position=index,
        )
        conflict.claims.set([by_code[code] for code in k.claims])
