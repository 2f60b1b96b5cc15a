"""Reads of related reading: what a page shows (filtered again at read time) and what the services rank."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.text import Truncator

from cryoview.procedures.models import Claim, Procedure
from cryoview.related.engine import Document
from cryoview.related.enums import RelatedKind
from cryoview.related.models import RelatedLink
from cryoview.reviews.enums import SIDE_EFFECT_NONE, SIDE_EFFECT_OTHER, ReviewStatus
from cryoview.reviews.models import Review

SHOWN_AT_MOST = 5
GUIDE_LINE_CHARS = 140
NOT_SHOWN_STATUSES = [status for status in ReviewStatus.values if status != ReviewStatus.PUBLISHED]


@dataclass(frozen=True)
class RelatedEntry:
    kind: RelatedKind
    title: str
    url: str
    line: str


def source_filter(*, procedure: Procedure | None, review: Review | None, prefix: str = "source_") -> Q:
    """The rows of exactly one item, a guide or a review (anything else is a programming error)."""
    if (procedure is None) == (review is None):
        raise TypeError("give exactly one of procedure= or review=")
    if procedure is not None:
        return Q(**{f"{prefix}procedure": procedure})
    return Q(**{f"{prefix}review": review})


def shown_target() -> Q:
    """A link may be shown: to a published guide, or to a visible review of a published guide."""
    return Q(target_procedure__is_published=True) | Q(
        target_review__status=ReviewStatus.PUBLISHED,
        target_review__hidden_at__isnull=True,
        target_review__procedure__is_published=True,
    )


def hidden_target() -> Q:
    """The opposite of `shown_target`, written without negation (NULLs of the other side stay out)."""
    return Q(target_procedure__is_published=False) | Q(
        Q(target_review__status__in=NOT_SHOWN_STATUSES)
        | Q(target_review__hidden_at__isnull=False)
        | Q(target_review__procedure__is_published=False),
        target_review__isnull=False,
    )


def _entry(link: RelatedLink) -> RelatedEntry:
    if link.target_procedure is not None:
        guide = link.target_procedure
        line = Truncator(guide.summary).chars(GUIDE_LINE_CHARS)
        return RelatedEntry(RelatedKind.GUIDE, guide.name, guide.get_absolute_url(), line)
    review = link.target_review
    assert review is not None  # a check constraint: exactly one target
    line = f"Review of {review.procedure.name} · rated {review.rating} of 5"
    return RelatedEntry(RelatedKind.REVIEW, review.title, review.get_absolute_url(), line)


def related_for(*, procedure: Procedure | None = None, review: Review | None = None) -> list[RelatedEntry]:
    """The item's related reading, best first, in one query however long the list: unpublished guides and
    reviews that are not (or no longer) visible are left out here, whatever was stored."""
    links = (
        RelatedLink.objects.filter(source_filter(procedure=procedure, review=review))
        .filter(shown_target())
        .select_related("target_procedure", "target_review__procedure")
        .only(
            "rank",
            "target_procedure__slug",
            "target_procedure__name",
            "target_procedure__summary",
            "target_review__title",
            "target_review__rating",
            "target_review__procedure__name",
        )
        .order_by("rank")
    )
    return [_entry(link) for link in links[:SHOWN_AT_MOST]]


def related_targets(*, procedure: Procedure | None = None, review: Review | None = None) -> list[str]:
    """The stored list as document keys ("guide:3", "review:17"), best first, shown or not."""
    rows = (
        RelatedLink.objects.filter(source_filter(procedure=procedure, review=review))
        .order_by("rank")
        .values_list("target_procedure_id", "target_review_id")
    )
    return [guide_key(guide_id) if guide_id else review_key(review_id or 0) for guide_id, review_id in rows]


# --- what the services rank ---------------------------------------------------------------------------------


def guide_key(procedure_id: int) -> str:
    return f"guide:{procedure_id}"


def review_key(review_id: int) -> str:
    return f"review:{review_id}"


def key_parse(key: str) -> tuple[RelatedKind, int]:
    """("guide", 3) from "guide:3": the inverse of `guide_key` and `review_key`."""
    kind, _, pk = key.partition(":")
    return RelatedKind(kind), int(pk)


def review_group(procedure_id: int) -> str:
    return f"reviews-of:{procedure_id}"


REVIEW_TEXT_FIELDS = ("id", "procedure_id", "status", "hidden_at", "title", "body", "side_effects", "side_effect_other")


def guide_document(procedure: Procedure) -> Document:
    """Name (twice: it is what the guide is about), summary and every claim; claims must be prefetched."""
    claims = " ".join(claim.text for claim in procedure.claims.all())
    text = f"{procedure.name}. {procedure.name}. {procedure.summary} {claims}"
    return Document(key=guide_key(procedure.pk), text=text)


def review_document(review: Review, *, procedure_name: str) -> Document:
    """Title, the member's words, the side effects they reported and the procedure's name."""
    effects = " ".join(
        slug.replace("-", " ")
        for slug in review.side_effects or []
        if slug not in (SIDE_EFFECT_NONE, SIDE_EFFECT_OTHER)
    )
    text = f"{review.title}. {review.body} {effects} {review.side_effect_other} {procedure_name}"
    return Document(key=review_key(review.pk), text=text, group=review_group(review.procedure_id))


def guides_published_with_claims() -> list[Procedure]:
    """Every published guide with its claims' text: two queries (guides are few)."""
    claims = Claim.objects.only("id", "procedure_id", "text").order_by("position")
    return list(
        Procedure.objects.filter(is_published=True).prefetch_related(Prefetch("claims", queryset=claims)).order_by("pk")
    )


def reviews_latest_visible(*, procedure_ids: Iterable[int], per_procedure: int) -> list[Review]:
    """The latest `per_procedure` visible reviews of each procedure, text fields only: one bounded query per
    procedure, whatever the total number of reviews."""
    pool: list[Review] = []
    for procedure_id in procedure_ids:
        latest = (
            Review.objects.filter(procedure_id=procedure_id, status=ReviewStatus.PUBLISHED, hidden_at__isnull=True)
            .only(*REVIEW_TEXT_FIELDS)
            .order_by("-published_at", "-id")
        )
        pool.extend(latest[:per_procedure])
    return pool


def guides_due() -> QuerySet[Procedure]:
    """Published guides whose list was never computed, was computed before the guide last changed, or links
    to something no longer shown (visitors' cached pages would show it until recomputed)."""
    stale_sources = RelatedLink.objects.filter(source_procedure__isnull=False).filter(hidden_target())
    return Procedure.objects.filter(is_published=True).filter(
        Q(related_list__isnull=True)
        | Q(related_list__computed_at__lt=F("updated_at"))
        | Q(pk__in=stale_sources.values("source_procedure_id"))
    )


def reviews_never_computed(*, limit: int) -> list[Review]:
    """Visible reviews of published guides whose list was never computed, newest first (by id, which walks
    the primary key and stops after `limit` rows)."""
    return list(
        Review.objects.filter(
            status=ReviewStatus.PUBLISHED,
            hidden_at__isnull=True,
            procedure__is_published=True,
            related_list__isnull=True,
        )
        .select_related("procedure")
        .order_by("-id")[:limit]
    )
