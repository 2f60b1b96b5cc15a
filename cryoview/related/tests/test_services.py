"""Related reading computed from real rows: never the item itself, never unpublished, ordered by similarity."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.procedures.models import Procedure
from cryoview.related import services
from cryoview.related.enums import RelatedKind
from cryoview.related.models import RelatedLink, RelatedList
from cryoview.related.selectors import guide_key, related_for, related_targets, review_key
from cryoview.related.services import (
    related_backfill,
    related_refresh,
    related_refresh_after_publish,
    related_refresh_guides,
)
from cryoview.reviews.services import review_hide, review_reject, review_withdraw
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review

WARTS_REVIEW = {
    "title": "My warts froze off",
    "body": "The doctor froze two warts on my hand with liquid nitrogen. A blister came and the wart fell off.",
}
KERATOMA_REVIEW = {
    "title": "Keratoma gone",
    "body": "A dermatologist removed a keratoma on my back by freezing it. It scabbed and healed in two weeks.",
}
MASSAGE_REVIEW = {
    "title": "Fresh face",
    "body": "The cryomassage felt cold, and my face looked fresh and pink for a day.",
}
PHORESIS_REVIEW = {"title": "Electrophoresis for my skin", "body": "Cold current on the face; my skin felt smoother."}


@pytest.fixture
def content(massage, warts, phoresis):
    """Two reviews of each guide, published without the moderation trigger (nothing computed yet)."""
    return {
        "warts": [published_review(warts, **WARTS_REVIEW), published_review(warts, **KERATOMA_REVIEW)],
        "massage": [published_review(massage, **MASSAGE_REVIEW), published_review(massage)],
        "phoresis": [
            published_review(phoresis, **PHORESIS_REVIEW),
            published_review(phoresis, title="Tingling", body="It tingled on my cheeks; the skin looked fresh."),
        ],
    }


def all_items(content) -> list[dict]:
    guides = [{"procedure": p} for p in Procedure.objects.filter(is_published=True)]
    return guides + [{"review": r} for reviews in content.values() for r in reviews]


def self_key(item: dict) -> str:
    return guide_key(item["procedure"].pk) if "procedure" in item else review_key(item["review"].pk)


def test_every_list_has_three_to_five_items_and_never_the_item_itself(content):
    for item in all_items(content):
        related_refresh(**item)
        stored = related_targets(**item)
        assert 3 <= len(stored) <= 5, (item, stored)
        assert self_key(item) not in stored
        assert len(related_for(**item)) == len(stored)


def test_a_review_about_warts_ranks_the_warts_guide_above_the_massage_guide(content, warts, massage):
    review = content["warts"][0]
    related_refresh(review=review)
    stored = related_targets(review=review)
    assert guide_key(warts.pk) in stored
    assert guide_key(massage.pk) not in stored or stored.index(guide_key(warts.pk)) < stored.index(
        guide_key(massage.pk)
    )
    assert stored[0] == review_key(content["warts"][1].pk), "the other review of warts is the closest"


def test_a_guide_lists_other_guides_and_reviews_of_other_procedures_never_its_own(content, massage, warts):
    related_refresh(procedure=massage)
    entries = related_for(procedure=massage)
    titles = [e.title for e in entries]
    assert massage.name not in titles
    assert warts.name in titles
    own = {r.title for r in content["massage"]}
    assert not own & set(titles), "its own reviews have their own section on the guide page"
    assert {e.kind for e in entries} == {RelatedKind.GUIDE, RelatedKind.REVIEW}


def test_entries_carry_a_title_an_address_and_a_short_line(content, warts):
    review, reader = content["warts"]
    related_refresh(review=reader)
    entries = {e.title: e for e in related_for(review=reader)}
    entry = entries[review.title]
    assert entry.kind == RelatedKind.REVIEW
    assert entry.url == f"/reviews/{review.pk}/"
    assert entry.line == f"Review of {warts.name} · rated {review.rating} of 5"
    guide = entries[warts.name]
    assert guide.url == f"/procedures/{warts.slug}/"
    assert guide.line.startswith("A medical treatment") and len(guide.line) <= 140


def test_unpublished_guides_and_hidden_pending_withdrawn_reviews_are_never_computed(
    content, massage, warts, phoresis, member
):
    pending = pending_review(warts, title="Warts frozen, pending", body="Warts froze with liquid nitrogen, a blister.")
    withdrawn = published_review(warts, member, title="Warts frozen, withdrawn", body="Warts froze off, blister.")
    review_withdraw(review=withdrawn, by=member)
    hidden = published_review(warts, title="Warts frozen, hidden", body="Warts froze with nitrogen and blistered.")
    review_hide(review=hidden)
    rejected = pending_review(warts, title="Warts frozen, rejected", body="My warts froze and blistered.")
    review_reject(review=rejected, by=factory_moderator(), reason="spam")
    Procedure.objects.filter(pk=phoresis.pk).update(is_published=False)
    never = {review_key(r.pk) for r in (pending, withdrawn, hidden, rejected)} | {guide_key(phoresis.pk)}
    never |= {review_key(r.pk) for r in content["phoresis"]}  # reviews of an unpublished guide
    for item in all_items(content):
        related_refresh(**item)
        assert not never & set(related_targets(**item)), item
    related_refresh(review=pending)
    assert related_targets(review=pending) == [], "a review nobody may see gets no list"


def test_what_stops_being_shown_after_the_computation_is_left_out_when_read(content, massage, warts, phoresis, member):
    target = content["warts"][0]
    related_refresh(review=content["warts"][1])
    related_refresh(procedure=massage)
    assert target.title in [e.title for e in related_for(review=content["warts"][1])]
    assert warts.name in [e.title for e in related_for(procedure=massage)]

    review_hide(review=target)
    Procedure.objects.filter(pk=warts.pk).update(is_published=False)

    assert target.title not in [e.title for e in related_for(review=content["warts"][1])]
    assert warts.name not in [e.title for e in related_for(procedure=massage)]
    stored = RelatedLink.objects.filter(source_procedure=massage, target_procedure=warts)
    assert stored.exists(), "still stored: it is the read that filters"


@pytest.mark.parametrize("change", ["withdraw", "reject-after-reports", "unpublish-guide"])
def test_a_review_no_longer_visible_is_left_out_when_read(content, warts, change):
    reader, target = content["warts"][1], content["warts"][0]
    related_refresh(review=reader)
    assert review_key(target.pk) in related_targets(review=reader)
    if change == "withdraw":
        review_withdraw(review=target, by=target.author)
    elif change == "reject-after-reports":
        review_hide(review=target)
        review_reject(review=target, by=factory_moderator(), reason="reported: advertising")
    else:
        Procedure.objects.filter(pk=warts.pk).update(is_published=False)
    assert target.title not in [e.title for e in related_for(review=reader)]


def test_refresh_after_publish_recomputes_the_item_and_every_published_guide(content, massage, warts, phoresis):
    review = published_review(warts, title="Plantar wart frozen", body="A plantar wart on my foot was frozen twice.")
    changed = related_refresh_after_publish(review=review)
    assert changed == 4, "the review's new list and the three guides' first ones"
    assert RelatedList.objects.filter(procedure__in=[massage, warts, phoresis]).count() == 3
    assert RelatedList.objects.filter(review=review).exists()
    assert related_refresh_after_publish(review=review) == 0, "nothing new: nothing changed"


def test_refresh_guides_computes_every_published_guide(content, massage, phoresis):
    Procedure.objects.filter(pk=phoresis.pk).update(is_published=False)
    assert related_refresh_guides() == 2
    assert set(RelatedList.objects.values_list("procedure__slug", flat=True)) == {
        "facial-cryomassage",
        "cryodestruction-of-benign-growths",
    }


def test_an_unpublished_guide_loses_its_list(content, phoresis):
    related_refresh(procedure=phoresis)
    assert related_targets(procedure=phoresis)
    Procedure.objects.filter(pk=phoresis.pk).update(is_published=False)
    phoresis.refresh_from_db()
    assert related_refresh(procedure=phoresis) is True
    assert related_targets(procedure=phoresis) == []


def test_exactly_one_item(content, massage):
    with pytest.raises(TypeError):
        related_refresh()
    with pytest.raises(TypeError):
        related_refresh(procedure=massage, review=content["massage"][0])
    with pytest.raises(TypeError):
        related_for()


def test_candidates_come_from_a_bounded_pool_of_the_latest_reviews(content, warts, monkeypatch):
    monkeypatch.setattr(services, "POOL_PER_PROCEDURE", 2)
    oldest = content["warts"][0]
    newer = [published_review(warts, **WARTS_REVIEW) for _ in range(2)]
    reader = content["massage"][0]
    related_refresh(review=newer[0])
    stored = related_targets(review=newer[0])
    assert review_key(newer[1].pk) in stored
    assert review_key(oldest.pk) not in stored, "outside the latest two: not a candidate"
    related_refresh(review=reader)
    assert review_key(oldest.pk) not in related_targets(review=reader)


def test_the_cost_of_a_refresh_does_not_grow_with_the_number_of_reviews(content, warts, massage, monkeypatch):
    monkeypatch.setattr(services, "POOL_PER_PROCEDURE", 3)
    related_refresh_after_publish(procedure=massage)  # the first time also creates the RelatedList rows
    with CaptureQueriesContext(connection) as few:
        related_refresh_after_publish(procedure=massage)
    for _ in range(8):
        published_review(warts, **KERATOMA_REVIEW)
    with CaptureQueriesContext(connection) as many:
        related_refresh_after_publish(procedure=massage)
    assert len(many) == len(few)


def test_a_guide_list_that_changes_expires_visitors_cached_guide_page(client, content, massage, warts):
    related_refresh_guides()
    url = f"/procedures/{massage.slug}/"
    before = client.get(url).text
    assert "It is also interesting to read" in before
    fresh = published_review(
        warts,
        title="Cryomassage of the face, then my wart",
        body="After facial cryomassage with liquid nitrogen the cosmetologist sent me to a dermatologist for a wart.",
    )
    assert related_refresh(procedure=massage) is True
    assert fresh.title in client.get(url).text


def test_backfill_computes_what_was_never_computed_in_bounded_batches(content):
    assert related_backfill(batch=4) == {"related_guides": 3, "related_reviews": 4}
    assert related_backfill(batch=4) == {"related_guides": 0, "related_reviews": 2}
    assert related_backfill(batch=4) == {"related_guides": 0, "related_reviews": 0}
    assert RelatedList.objects.filter(review__isnull=False).count() == 6


def test_backfill_rests_a_minute_after_finding_no_review(content, warts):
    from django.core.cache import cache

    related_backfill(batch=10)
    assert related_backfill(batch=10)["related_reviews"] == 0
    late = published_review(warts, **WARTS_REVIEW)
    assert related_backfill(batch=10)["related_reviews"] == 0, "resting: the last look found none"
    cache.delete(services.BACKFILL_IDLE_KEY)
    assert related_backfill(batch=10)["related_reviews"] == 1
    assert RelatedList.objects.filter(review=late).exists()


def test_backfill_recomputes_a_guide_edited_since_or_linking_to_what_is_no_longer_shown(content, massage, warts):
    related_backfill()
    assert related_backfill()["related_guides"] == 0
    linked = next(
        link.target_review for link in RelatedLink.objects.filter(source_procedure=warts, target_review__isnull=False)
    )
    linking = RelatedLink.objects.filter(source_procedure__isnull=False, target_review=linked).count()
    review_hide(review=linked)
    assert related_backfill()["related_guides"] == linking
    assert review_key(linked.pk) not in related_targets(procedure=warts)
    massage.save()  # an admin edit moves updated_at
    assert related_backfill()["related_guides"] == 1
    assert related_backfill()["related_guides"] == 0
