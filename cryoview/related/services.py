"""Writes of related reading: compute and store an item's "It is also interesting to read" list.

How candidates are chosen (bounded whatever the number of reviews):
- the pool is every published guide plus the latest `POOL_PER_PROCEDURE` visible reviews of each, so one
  computation reads and weighs at most guides * (1 + POOL_PER_PROCEDURE) texts;
- a guide's candidates are the other published guides and the pooled reviews of the `SIMILAR_PROCEDURES`
  other guides most similar to it (its own reviews already have their section on the page);
- a review's candidates are every published guide (its own included) and the other pooled reviews;
- the engine keeps 3 to 5 of them (see `SELECTION`), at most `REVIEWS_PER_PROCEDURE` reviews of one
  procedure, never the item itself, never one with nothing in common.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cryoview.core.pagecache import bump
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_scope
from cryoview.related.engine import Document, Index, Match, Selection, build_index, rank_related
from cryoview.related.enums import RelatedKind
from cryoview.related.models import RelatedLink, RelatedList
from cryoview.related.selectors import (
    guide_document,
    guide_key,
    guides_due,
    guides_published_with_claims,
    key_parse,
    related_targets,
    review_document,
    review_key,
    reviews_latest_visible,
    reviews_never_computed,
    source_filter,
)
from cryoview.reviews.models import Review

POOL_PER_PROCEDURE = 200
SIMILAR_PROCEDURES = 2
REVIEWS_PER_PROCEDURE = 3
SELECTION = Selection(limit=5, minimum=3, keep_ratio=0.5, per_group=REVIEWS_PER_PROCEDURE)
BACKFILL_BATCH = 100
BACKFILL_IDLE_KEY = "related:reviews-backfilled"
BACKFILL_IDLE_SECONDS = 60  # after a look that found nothing, reviews are not looked for again for this long


@dataclass
class Pool:
    """What one computation ranks against: published guides, pooled reviews, their vectors."""

    guides: dict[int, Procedure]
    reviews: dict[int, Review]
    documents: dict[str, Document]
    index: Index

    def guide_candidates(self, *, besides: int | None = None) -> list[Document]:
        return [self.documents[guide_key(pk)] for pk in self.guides if pk != besides]

    def review_candidates(self, *, of: set[int] | None = None) -> list[Document]:
        return [
            self.documents[review_key(pk)]
            for pk, review in self.reviews.items()
            if of is None or review.procedure_id in of
        ]


def _pool_load(*, extra_reviews: list[Review]) -> Pool:
    """Read and weigh the pool; `extra_reviews` (items being computed) join it if they are shown."""
    guides = {guide.pk: guide for guide in guides_published_with_claims()}
    reviews = {r.pk: r for r in reviews_latest_visible(procedure_ids=guides, per_procedure=POOL_PER_PROCEDURE)}
    for review in extra_reviews:
        if review.procedure_id in guides and review.is_visible:
            reviews.setdefault(review.pk, review)
    documents = {guide_key(pk): guide_document(guide) for pk, guide in guides.items()}
    for review in reviews.values():
        document = review_document(review, procedure_name=guides[review.procedure_id].name)
        documents[document.key] = document
    return Pool(guides=guides, reviews=reviews, documents=documents, index=build_index(documents.values()))


def _rank_guide(pool: Pool, procedure: Procedure) -> list[Match]:
    target = pool.documents[guide_key(procedure.pk)]
    guides = pool.guide_candidates(besides=procedure.pk)
    nearest = Selection(limit=SIMILAR_PROCEDURES, minimum=SIMILAR_PROCEDURES, keep_ratio=0.0)
    similar = {key_parse(match.key)[1] for match in rank_related(target, guides, selection=nearest, index=pool.index)}
    candidates = guides + pool.review_candidates(of=similar)
    return rank_related(target, candidates, selection=SELECTION, index=pool.index)


def _rank_review(pool: Pool, review: Review) -> list[Match]:
    target = pool.documents[review_key(review.pk)]
    candidates = pool.guide_candidates() + pool.review_candidates()
    return rank_related(target, candidates, selection=SELECTION, index=pool.index)


def _link(match: Match, rank: int) -> RelatedLink:
    kind, pk = key_parse(match.key)
    target = {"target_procedure_id": pk} if kind == RelatedKind.GUIDE else {"target_review_id": pk}
    return RelatedLink(rank=rank, score=match.score, **target)


def _store(*, procedure: Procedure | None, review: Review | None, matches: list[Match]) -> bool:
    """Replace the item's links and mark it computed; True if the list (its targets, in order) changed."""
    item = {"procedure": procedure} if procedure is not None else {"review": review}
    with transaction.atomic():
        # Two workers computing the same item take turns here (the row is locked), so ranks never collide.
        marker, _ = RelatedList.objects.select_for_update().get_or_create(
            **item, defaults={"computed_at": timezone.now()}
        )
        before = related_targets(procedure=procedure, review=review)
        RelatedLink.objects.filter(source_filter(procedure=procedure, review=review)).delete()
        links = [_link(match, rank) for rank, match in enumerate(matches, start=1)]
        for link in links:
            link.source_procedure, link.source_review = procedure, review
        RelatedLink.objects.bulk_create(links)
        RelatedList.objects.filter(pk=marker.pk).update(computed_at=timezone.now(), links=len(links))
        changed = before != [match.key for match in matches]
        if changed and procedure is not None:
            # Before (no visitor is served the old list from now on) and after commit (no page rendered
            # from the old rows in between is kept under the new generation).
            scope = procedure_scope(procedure.slug)
            bump(scope)
            transaction.on_commit(partial(bump, scope))
    return changed


def _refresh_in(pool: Pool, *, procedure: Procedure | None = None, review: Review | None = None) -> bool:
    if procedure is not None:
        matches = _rank_guide(pool, procedure) if procedure.pk in pool.guides else []
        return _store(procedure=procedure, review=None, matches=matches)
    assert review is not None
    matches = _rank_review(pool, review) if review.pk in pool.reviews else []
    return _store(procedure=None, review=review, matches=matches)


def related_refresh(*, procedure: Procedure | None = None, review: Review | None = None) -> bool:
    """Recompute one guide's or one review's list; True if it changed. An unpublished guide or a review that
    is not visible gets an empty list.

    Side effects: the item's RelatedLink rows replaced, its RelatedList row written; a guide whose list
    changed has its visitors' cached pages expired (`procedure_scope`).
    """
    source_filter(procedure=procedure, review=review)  # exactly one
    pool = _pool_load(extra_reviews=[review] if review is not None else [])
    return _refresh_in(pool, procedure=procedure, review=review)


def related_refresh_after_publish(*, procedure: Procedure | None = None, review: Review | None = None) -> int:
    """Something was published (or changed): recompute its list and every published guide's (guides are
    few, and each may now rank it), against one pool. Returns how many lists changed.

    Side effects: as `related_refresh`, for the item and for every published guide.
    """
    source_filter(procedure=procedure, review=review)
    pool = _pool_load(extra_reviews=[review] if review is not None else [])
    changed = int(_refresh_in(pool, procedure=procedure, review=review))
    for guide in pool.guides.values():
        if procedure is None or guide.pk != procedure.pk:
            changed += _refresh_in(pool, procedure=guide)
    return changed


def related_refresh_guides() -> int:
    """Recompute every published guide's list (after an import). Returns how many changed.

    Side effects: as `related_refresh`, for every published guide.
    """
    pool = _pool_load(extra_reviews=[])
    return sum(_refresh_in(pool, procedure=guide) for guide in pool.guides.values())


def related_refresh_later(*, procedure: Procedure | None = None, review: Review | None = None) -> None:
    """Queue `related_refresh_after_publish` for the item once the surrounding transaction commits.

    Side effects: one task enqueued after commit (none if the transaction rolls back).
    """
    from cryoview.related.tasks import refresh_related  # tasks import services: import at call time

    source_filter(procedure=procedure, review=review)
    ids = {"procedure_id": procedure.pk if procedure else None, "review_id": review.pk if review else None}
    transaction.on_commit(lambda: refresh_related.enqueue(**ids))


def related_backfill(*, batch: int = BACKFILL_BATCH) -> dict[str, int]:
    """Compute what no event computed: guides never computed, edited since, or linking to something no
    longer shown; and up to `batch` visible reviews never computed (e.g. published before this app existed).
    Cheap when there is nothing to do: one small query on the guides, and the reviews' look is skipped for
    a minute after it found none.

    Side effects: as `related_refresh` for each item computed; a cache key while no review is left.
    """
    guides = list(guides_due())
    reviews = []
    if not cache.get(BACKFILL_IDLE_KEY):
        reviews = reviews_never_computed(limit=batch)
        if not reviews:
            cache.set(BACKFILL_IDLE_KEY, True, timeout=BACKFILL_IDLE_SECONDS)
    if not guides and not reviews:
        return {"related_guides": 0, "related_reviews": 0}
    pool = _pool_load(extra_reviews=reviews)
    for guide in guides:
        _refresh_in(pool, procedure=guide)
    for review in reviews:
        _refresh_in(pool, review=review)
    return {"related_guides": len(guides), "related_reviews": len(reviews)}
