from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from cryoview.core.pagecache import per_generation
from cryoview.procedures.enums import ClaimSection
from cryoview.procedures.models import (
    Claim,
    ClaimSource,
    Condition,
    Conflict,
    Procedure,
    ProcedureRevision,
    Source,
)

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class CitedSource:
    number: int
    source: Source


@dataclass
class GuideClaim:
    claim: Claim
    citations: list[tuple[int, ClaimSource]]  # (number in the guide's source list, citation)
    in_conflict: bool


@dataclass
class GuideSection:
    key: str
    label: str
    claims: list[GuideClaim]


@dataclass
class Guide:
    """A guide page's data, fetched with a fixed number of queries."""

    procedure: Procedure
    sections: dict[str, GuideSection]
    conflicts: list[tuple[Conflict, list[GuideClaim]]]
    sources: list[CitedSource] = field(default_factory=list)

    def section(self, key: str) -> list[GuideClaim]:
        found = self.sections.get(key)
        return found.claims if found else []

    @property
    def contraindicated_conditions(self) -> list[GuideClaim]:
        return [item for item in self.section("contraindication") if item.claim.condition_id is not None]


def procedure_list_published() -> QuerySet[Procedure]:
    return Procedure.objects.filter(is_published=True).order_by("position", "name")


def condition_list() -> QuerySet[Condition]:
    return Condition.objects.order_by("slug")


def _claims_prefetch() -> Prefetch[str]:
    return Prefetch(
        "claims",
        queryset=Claim.objects.select_related("condition")
        .prefetch_related(Prefetch("citations", queryset=ClaimSource.objects.select_related("source")))
        .order_by("position"),
    )


def procedure_get_for_page(*, slug: str) -> Procedure | None:
    """The published procedure's own fields plus `revision_hash`, the hash of its latest revision: the page
    caches its rendered body under that hash, so any import or admin edit shows at once. Read once per
    generation of the procedure's scope in each process (every change of the guide, publishing and
    unpublishing included, records a revision, which bumps it)."""
    if not SLUG.fullmatch(slug):
        return None

    def read() -> Procedure | None:
        latest = ProcedureRevision.objects.filter(procedure=OuterRef("pk")).order_by("-number").values("content_hash")
        published = Procedure.objects.filter(slug=slug, is_published=True)
        return published.annotate(revision_hash=Subquery(latest[:1])).first()

    return per_generation(procedure_scope(slug), "procedure-for-page", read)


def procedure_scope(slug: str) -> str:
    """The page-cache scope of everything shown about one procedure (its guide, its reviews): bumped when a
    revision of the guide is recorded, when it is unpublished, and when its published reviews change."""
    return f"procedure:{slug}"


def procedure_get_published(*, slug: str) -> Procedure | None:
    """The published procedure with its claims, citations, conditions and conflicts prefetched."""
    if not SLUG.fullmatch(slug):
        return None  # also keeps NUL bytes away from PostgreSQL
    return (
        Procedure.objects.filter(slug=slug, is_published=True)
        .prefetch_related(
            _claims_prefetch(),
            Prefetch(
                "conflicts",
                queryset=Conflict.objects.select_related("condition")
                .prefetch_related(Prefetch("claims", queryset=Claim.objects.only("id")))
                .order_by("position"),
            ),
        )
        .first()
    )


def guide_build(*, procedure: Procedure) -> Guide:
    """Group a prefetched procedure into sections and number its sources in order of first citation."""
    numbers: dict[int, int] = {}
    sources: list[CitedSource] = []
    conflict_claim_ids = {c.id for k in procedure.conflicts.all() for c in k.claims.all()}
    by_id: dict[int, GuideClaim] = {}
    sections: dict[str, GuideSection] = {}
    for claim in procedure.claims.all():
        citations = []
        for citation in claim.citations.all():
            if citation.source_id not in numbers:
                numbers[citation.source_id] = len(numbers) + 1
                sources.append(CitedSource(numbers[citation.source_id], citation.source))
            citations.append((numbers[citation.source_id], citation))
        item = GuideClaim(claim=claim, citations=citations, in_conflict=claim.id in conflict_claim_ids)
        by_id[claim.id] = item
        section = sections.setdefault(claim.section, GuideSection(claim.section, ClaimSection(claim.section).label, []))
        section.claims.append(item)
    ordered = {key: sections[key] for key in ClaimSection.values if key in sections}
    conflicts = [(k, [by_id[c.id] for c in k.claims.all() if c.id in by_id]) for k in procedure.conflicts.all()]
    return Guide(procedure=procedure, sections=ordered, conflicts=conflicts, sources=sources)
