"""Writes of the index: an item's rows replaced, removed, or all rebuilt; and the listener that keeps it honest.

How the index follows the apps (they cannot import search: DESIGN rule 3). Each app calls
core.visibility.visibility_changed(kind, pk) inside the transaction of every change of what everyone sees of an
item (a review's review_set_state and follow-ups; a comment shown, edited, held, hidden, spammed or deleted; a
video published, unpublished or its captions edited; a guide imported or withdrawn). search registers
`search_item_changed` for it: if the item is no longer public its rows are deleted there and then, in the same
transaction (a rollback keeps them); in every case a task re-reads the item after commit and writes its rows
(indexing never runs in a visitor's request). Deletions need no call: every row has a cascading key to its
review, comment, video and guide, so deleting any of them (or an account, with its reviews and videos) deletes
the rows in the same transaction. A periodic reconcile (`search_reconcile`, run by the workers' maintenance)
catches what a lost task missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from cryoview.core.pagecache import bump
from cryoview.core.visibility import ItemId, Kind
from cryoview.search.backends import backend
from cryoview.search.models import SearchDocument, SearchTerm
from cryoview.search.selectors import SEARCH_SCOPE
from cryoview.search.sources import (
    all_documents,
    comment_documents,
    item_documents,
    item_is_public,
    shown_comments,
    visible_reviews,
)
from cryoview.search.text import STOP_WORDS, words

BATCH = 500
RECONCILE_KEY = "search:reconciled"
RECONCILE_SECONDS = 300  # the reconcile reads every row's owner: not more often than this
RECONCILE_BATCH = 200


def _rows_of(kind: Kind, pk: str, *, gone: bool = False) -> Q:
    """The rows an item owns (a guide that is gone takes every row of its procedure with it)."""
    if kind == "guide":
        return Q(procedure_id=pk) if gone else Q(procedure_id=pk, review__isnull=True)
    if kind == "review":
        return Q(review_id=pk)
    if kind == "comment":
        return Q(comment_id=pk)
    return Q(video_id=pk) | Q(review__video_id=pk)


def _vocabulary(documents: list[SearchDocument], seen: set[str]) -> None:
    """Add the documents' words to the vocabulary; `seen` holds the words this run already added (a rebuild's
    batches repeat most of their words: each is sent to the database once)."""
    found: set[str] = set()
    for d in documents:
        for text in (d.title, d.summary, d.body, d.transcript):
            found.update(words(text))
    new = {w for w in found - seen if 3 <= len(w) <= 40 and not w.isdigit() and w not in STOP_WORDS}
    SearchTerm.objects.bulk_create([SearchTerm(word=w) for w in sorted(new)], ignore_conflicts=True)
    seen.update(found)


def index_changed() -> None:
    """Kept pages of results (selectors.search_run, visitors' /search/ pages) are stale: now, so no request in
    this instant keeps one, and again once the transaction commits, so none keeps what it read just before (a
    reader takes the generation before it reads the index). For whatever takes an item out of the index.
    Side effects: the search scope's generation (now, and after commit)."""
    bump(SEARCH_SCOPE)
    transaction.on_commit(lambda: bump(SEARCH_SCOPE))


def _store(documents: Iterable[SearchDocument]) -> int:
    count = 0
    seen: set[str] = set()
    iterator = iter(documents)
    while batch := list(islice(iterator, BATCH)):
        created = SearchDocument.objects.bulk_create(batch)
        backend().stored(created)
        _vocabulary(created, seen)
        count += len(created)
    return count


def search_index_item(*, kind: Kind, pk: ItemId) -> int:
    """Replace an item's rows with what is public of it now. Returns how many rows it has.

    Side effects: its SearchDocument rows (and the engine's index) replaced; new words added to the vocabulary;
    a guide that has none of its visible reviews indexed (it was just published again) has them indexed too.
    """
    pk = str(pk)
    with transaction.atomic():
        SearchDocument.objects.filter(_rows_of(kind, pk, gone=not item_is_public(kind, pk))).delete()
        count = _store(item_documents(kind, pk))
        if kind == "guide" and count:
            missing = visible_reviews().filter(procedure_id=pk).exclude(_indexed_reviews())
            for review_id in missing.values_list("pk", flat=True):
                count += search_index_item(kind="review", pk=review_id)
        # The task's rows are (re)written: kept results go, with one write just before the commit rather than a
        # second transaction after it (the time to index one review counts it). What leaves the index because
        # it stopped being public went in the change's own transaction, through index_changed().
        bump(SEARCH_SCOPE)
    return count


def search_remove_item(*, kind: Kind, pk: ItemId) -> int:
    """Delete an item's rows now (it is no longer public). Side effects: rows deleted. Returns how many."""
    deleted, _ = SearchDocument.objects.filter(_rows_of(kind, str(pk), gone=True)).delete()
    index_changed()
    return deleted


def owner_deleted(**_: object) -> None:
    """A review, comment, video, guide or account was deleted: its rows went with it (cascading keys), in the
    same transaction; the kept pages of results go too. Connected in SearchConfig.ready()."""
    index_changed()


def search_item_changed(kind: Kind, pk: ItemId) -> None:
    """The listener (core.visibility): called inside the transaction that changed what everyone sees.

    Side effects: an item no longer public loses its rows in this transaction (and nothing is queued: there is
    nothing left to write; but a video loses only its cues, and a task rewrites its reviews' rows); a public one
    gets one indexing task queued for after commit (none on rollback)."""
    from cryoview.search.tasks import index_item  # tasks import services: import at call time

    key = str(pk)
    if not item_is_public(kind, key):
        if kind == "video":
            # Its cues leave now; the reviews that showed it may still be public (without it): the task rewrites
            # their rows. Removing every row of its reviews here lost their text until the next reconcile.
            SearchDocument.objects.filter(video_id=key).delete()
            index_changed()
        else:
            search_remove_item(kind=kind, pk=key)
            return
    transaction.on_commit(lambda: index_item.enqueue(kind=kind, pk=key))


def search_rebuild() -> int:
    """Rebuild the whole index from the public items; running it twice leaves the same rows. Returns how many.

    Side effects: every SearchDocument row (and the engine's index) replaced, in one transaction; the
    vocabulary rebuilt from the new rows."""
    with transaction.atomic():
        index_changed()
        SearchDocument.objects.all().delete()
        backend().cleared()
        SearchTerm.objects.all().delete()
        return _store(all_documents())


def _indexed_reviews() -> Q:
    return Q(pk__in=SearchDocument.objects.filter(review__isnull=False).values("review_id"))


def search_reconcile(*, batch: int = RECONCILE_BATCH) -> dict[str, int]:
    """Remove rows of items no longer public and index up to `batch` public reviews and comments that have no
    row (a task lost, or items published before search existed). Cheap when nothing changed: skipped for
    RECONCILE_SECONDS after a run. Side effects: rows deleted and written; a cache key."""
    if cache.get(RECONCILE_KEY):
        return {"search_removed": 0, "search_indexed": 0}
    stale = (
        SearchDocument.objects.filter(review__isnull=False).exclude(review__in=visible_reviews())
        | SearchDocument.objects.filter(comment__isnull=False).exclude(comment__in=shown_comments())
        | SearchDocument.objects.exclude(procedure__is_published=True)
    )
    removed, _ = SearchDocument.objects.filter(pk__in=list(stale.values_list("pk", flat=True)[:10_000])).delete()
    if removed:
        index_changed()
    reviews = visible_reviews().exclude(pk__in=SearchDocument.objects.filter(kind="review").values("review_id"))
    comments = shown_comments().exclude(pk__in=SearchDocument.objects.filter(kind="comment").values("comment_id"))
    indexed = 0
    for review_id in reviews.values_list("pk", flat=True)[:batch]:
        indexed += search_index_item(kind="review", pk=review_id)
    with transaction.atomic():
        indexed += _store(comment_documents(shown_comments().filter(pk__in=comments.values("pk")[:batch])))
    if not removed and not indexed:
        cache.set(RECONCILE_KEY, True, timeout=RECONCILE_SECONDS)
    return {"search_removed": removed, "search_indexed": indexed}
