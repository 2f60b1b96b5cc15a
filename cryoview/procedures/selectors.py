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
    label: str  # how this guide cites it: title and what it is, or only what it is (Source.label_for)


@dataclass
class GuideCitation:
    number: int  # in the guide's source list
    quote: str
    cited: CitedSource


@dataclass
class GuideClaim:
    claim: Claim
    citations: list[GuideCitation]
    in_conflict: bool  # a disagreement is about this very statement (and its condition, if it has one)


@dataclass
class GuideSection:
    key: str
    label: str
    claims: list[GuideClaim]

    @property
    def has_evidence(self) -> bool:
        return any(item.claim.evidence or item.citations for item in self.claims)


# Shown at the top of the guide, not again in its body.
SUMMARY_SECTIONS = (ClaimSection.CONTRAINDICATION, ClaimSection.SAFETY_STEP)


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

    @property
    def contraindication_notes(self) -> list[GuideClaim]:
        """Statements of the contraindication section that name no condition (e.g. "no special ones")."""
        return [item for item in self.section("contraindication") if item.claim.condition_id is None]

    @property
    def body_sections(self) -> list[GuideSection]:
        """The long text: every section but those the top of the page already shows in full."""
        return [section for key, section in self.sections.items() if key not in SUMMARY_SECTIONS]


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
                .prefetch_related(Prefetch("claims", queryset=Claim.objects.only("id", "condition_id")))
                .order_by("position"),
            ),
        )
        .first()
    )


def _conflicted_claim_ids(procedure: Procedure) -> set[int]:
    """Claims a recorded disagreement is about. A disagreement about a condition marks only the claims on that
    condition; one about no condition (e.g. "are there contraindications at all?") marks only the claims that
    name no condition, so a listed condition is not flagged for a dispute that is not about it."""
    return {
        claim.id
        for conflict in procedure.conflicts.all()
        for claim in conflict.claims.all()
        if claim.condition_id == conflict.condition_id
    }


def guide_build(*, procedure: Procedure) -> Guide:
    """Group a prefetched procedure into sections and number its sources in order of first citation."""
    cited: dict[int, CitedSource] = {}
    conflicted = _conflicted_claim_ids(procedure)
    by_id: dict[int, GuideClaim] = {}
    sections: dict[str, GuideSection] = {}
    for claim in procedure.claims.all():
        citations = []
        for citation in claim.citations.all():
            source = citation.source
            if citation.source_id not in cited:
                cited[citation.source_id] = CitedSource(len(cited) + 1, source, source.label_for(procedure.slug))
            entry = cited[citation.source_id]
            citations.append(GuideCitation(number=entry.number, quote=citation.quote, cited=entry))
        item = GuideClaim(claim=claim, citations=citations, in_conflict=claim.id in conflicted)
        by_id[claim.id] = item
        section = sections.setdefault(claim.section, GuideSection(claim.section, ClaimSection(claim.section).label, []))
        section.claims.append(item)
    ordered = {key: sections[key] for key in ClaimSection.values if key in sections}
    conflicts = [(k, [by_id[c.id] for c in k.claims.all() if c.id in by_id]) for k in procedure.conflicts.all()]
    return Guide(procedure=procedure, sections=ordered, conflicts=conflicts, sources=list(cited.values()))
