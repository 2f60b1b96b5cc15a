"""Nothing that is not public is ever found: every way an item stops being public removes its rows in the very
transaction that made the change (before any task runs), and the indexing itself runs in a task after commit.

Every change of what everyone sees, found by grepping the services for state changes (and core.visibility's
callers), and the test of each here:
- review (reviews.services.review_set_state and its callers): taken down by a moderator (review_take_down),
  rejected by a moderator after reports (moderation.review_decide REJECT), withdrawn by its author
  (review_withdraw), hidden after reports (review_hide), its author's account deleted (journeys.account_delete
  -> review_delete_all_of) -> test_a_review_that_stops_being_public...; a hidden review kept by a moderator
  comes back; an edit awaiting moderation (review_update -> pending edit) keeps the published text and never
  shows the edit; never-published (pending, or rejected on submission: review_reject) -> never indexed.
- follow-up: awaiting moderation -> never indexed; approved (followup_decide) -> found after the task;
  rejected (followup_decide approve=False) -> never found.
- video: deleted (reviews.video_remove / video_remove_for) -> its cues leave, the review stays without it;
  unpublished (videos.video_set_published False) -> its cues leave at once, the review's own row stays;
  captions edited (captions_update, captions_update_cues) -> the cues replaced after the task.
- comment (comments.services through _expire_guide_page): spam (comment_mark_spam, or a moderator's
  comment_decide SPAM), hidden after reports (comment_hide), deleted by its author (comment_delete) or a
  moderator (comment_remove, comment_decide DELETE), edited into the queue (comment_edit -> held), its author's
  account deleted (comments_delete_all_of); held on posting -> never indexed; under a review that leaves -> leaves.
- guide: withdrawn from content/ (procedures.importer guides_import) -> everything under it leaves.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import transaction

from cryoview.comments.enums import CommentStatus
from cryoview.comments.selectors import Target
from cryoview.comments.services import comment_delete, comment_edit, comment_hide, comment_mark_spam, comment_remove
from cryoview.comments.tests.factories import approved, posted
from cryoview.journeys.privacy import account_delete
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import comment_decide, review_decide
from cryoview.procedures.importer import guides_import
from cryoview.reviews.services import (
    followup_add,
    followup_decide,
    review_hide,
    review_take_down,
    review_update,
    review_withdraw,
    video_remove_for,
)
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review, review_input
from cryoview.search.models import SearchDocument
from cryoview.search.selectors import search_run
from cryoview.search.services import search_rebuild, search_reconcile
from cryoview.search.tests.conftest import keys, run_index_tasks, video_review
from cryoview.videos import storage
from cryoview.videos.models import Caption
from cryoview.videos.services import captions_update, captions_update_cues, video_set_published
from cryoview.videos.transcripts import CueRow

pytestmark = pytest.mark.django_db
CONTENT = Path(__file__).resolve().parents[3] / "content"


@pytest.fixture
def world(massage, member, cues, clean_private_store):
    """A published review with a video and a transcript, comments under it and under the guide, all indexed."""
    review = video_review(massage, cues, title="Zebrafinch review")
    on_review = approved(Target(review=review), member, "Zebrafinch comment under the review")
    on_guide = approved(Target(procedure=massage), member, "Zebrafinch comment under the guide")
    search_rebuild()
    found = keys()
    assert {f"review:{review.pk}", f"comment:{on_review.pk}", f"comment:{on_guide.pk}"} <= found
    assert sum(k.startswith("transcript:") for k in found) == 3
    # Asked once now, so this process keeps the page of results: every path below must make it stale.
    assert "Zebrafinch review" in found_titles()
    return {"review": review, "on_review": on_review, "on_guide": on_guide}


def found_titles(query: str = "zebrafinch") -> set[str]:
    return {r.title for r in search_run(query=query).results}


def review_keys(review) -> set[str]:
    return set(SearchDocument.objects.filter(review=review).values_list("key", flat=True))


REVIEW_PATHS: dict[str, Callable] = {
    "taken down by a moderator": lambda r: review_take_down(review=r, by=factory_moderator(), reason="Advertising."),
    "withdrawn by its author": lambda r: review_withdraw(review=r, by=r.author),
    "hidden after reports": lambda r: review_hide(review=r),
    "its author's account deleted": lambda r: account_delete(user=r.author),
    "rejected by a moderator after reports": lambda r: _hide_then_reject(r),
}


def _hide_then_reject(review) -> None:
    review_hide(review=review)
    review_decide(review=review, by=factory_moderator(), decision=Decision.REJECT, reason="Advertising.")


@pytest.mark.parametrize("path", list(REVIEW_PATHS))
def test_a_review_that_stops_being_public_leaves_with_its_cues_and_comments_at_once(world, path):
    review = world["review"]
    REVIEW_PATHS[path](review)
    # No task has run: the rows went in the transaction that made the change.
    assert review_keys(review) == set()
    assert not SearchDocument.objects.filter(key=f"comment:{world['on_review'].pk}").exists()
    assert found_titles() <= {"Comment on Facial cryomassage with liquid nitrogen"}
    run_index_tasks()
    assert review_keys(review) == set(), "the task after commit does not bring it back"
    search_reconcile()
    assert review_keys(review) == set()


def test_a_rollback_keeps_the_rows_with_the_review(world):
    review = world["review"]
    before = review_keys(review)
    with pytest.raises(RuntimeError), transaction.atomic():
        review_withdraw(review=review, by=review.author)
        assert review_keys(review) == set()
        raise RuntimeError
    assert review_keys(review) == before


def test_a_hidden_review_that_a_moderator_keeps_comes_back_after_the_task(world, django_capture_on_commit_callbacks):
    review = world["review"]
    review_hide(review=review)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(review=review, by=factory_moderator(), decision=Decision.APPROVE)
    assert review_keys(review) == set(), "indexing waits for the worker"
    run_index_tasks()
    assert len(review_keys(review)) == 5  # the review, three cues, one comment


def test_an_edit_awaiting_moderation_is_not_searchable_the_published_text_stays(world):
    review = world["review"]
    review_update(review=review, by=review.author, data=review_input(title="Quokkamarmot edit"))
    run_index_tasks()
    assert "Zebrafinch review" in found_titles() and search_run(query="quokkamarmot").results == []


def test_a_deleted_video_takes_its_cues_the_review_stays(world, django_capture_on_commit_callbacks):
    review = world["review"]
    with django_capture_on_commit_callbacks(execute=True):
        video_remove_for(user=review.author, video_id=review.video_id)
    assert not SearchDocument.objects.filter(kind="transcript").exists()
    run_index_tasks()
    assert SearchDocument.objects.get(key=f"review:{review.pk}").has_video is False


def test_edited_captions_replace_the_cues_after_the_task(world, django_capture_on_commit_callbacks):
    review = world["review"]
    captions = storage.absolute(f"{review.video.output_dir}/captions.en.vtt")
    captions.write_text("WEBVTT\n", encoding="utf-8")
    Caption.objects.create(video=review.video, lang="en", path=storage.relative(captions))
    vtt = "WEBVTT\n\n1\n00:00:05.000 --> 00:00:08.000\nA pelicanfeather moment.\n"
    with django_capture_on_commit_callbacks(execute=True):
        captions_update(video=review.video, lang="en", vtt=vtt, by=review.author)
    run_index_tasks()
    assert search_run(query="blister", filters=None).results[0].kind != "transcript"
    hit = search_run(query="pelicanfeather").results[0]
    assert hit.kind == "transcript" and hit.url.endswith("?t=5")


COMMENT_PATHS: dict[str, Callable] = {
    "marked as spam": lambda c: comment_mark_spam(comment=c, reason="links"),
    "hidden after reports": lambda c: comment_hide(comment=c, reason="reported"),
    "deleted by its author": lambda c: comment_delete(comment=c, by=c.author),
    "deleted by a moderator": lambda c: comment_remove(comment=c),
    "edited into the queue": lambda c: comment_edit(
        comment=c, by=c.author, text="Zebrafinch https://a.example https://b.example https://c.example"
    ),
    "its author's account deleted": lambda c: account_delete(user=c.author),
    "marked as spam by a moderator": lambda c: comment_decide(
        comment=c, by=factory_moderator(), decision=Decision.SPAM, reason="Links to a shop."
    ),
    "deleted by a moderator's decision": lambda c: comment_decide(
        comment=c, by=factory_moderator(), decision=Decision.DELETE, reason="Insults."
    ),
}


@pytest.mark.parametrize("path", list(COMMENT_PATHS))
def test_a_comment_that_stops_being_shown_leaves_at_once(world, path):
    comment = world["on_guide"]
    COMMENT_PATHS[path](comment)
    comment.refresh_from_db()
    assert comment.status != CommentStatus.APPROVED
    assert not SearchDocument.objects.filter(key=f"comment:{comment.pk}").exists()
    run_index_tasks()
    assert not SearchDocument.objects.filter(comment_id=comment.pk).exists()


def test_a_withdrawn_guide_takes_everything_under_it(world, massage, tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    (folder / "procedures" / "facial-cryomassage.yaml").unlink()
    guides_import(folder=folder)
    assert not SearchDocument.objects.filter(procedure=massage).exists()
    run_index_tasks()
    search_reconcile()
    assert not SearchDocument.objects.filter(procedure=massage).exists()


def test_what_was_never_public_is_never_indexed(massage, member, other_member):
    waiting = pending_review(massage, other_member, title="Nightjarwing pending")
    published = published_review(massage, member, title="Visible one", body="Plain words.")
    posted(
        Target(procedure=massage),
        None,
        "Nightjarwing https://a.example https://b.example https://c.example",
        guest_name="Guest",
        guest_email="secret-guest@example.org",
        ip_hash="hash-of-an-address",
    )  # held
    followup_add(review=published, by=member, body="Nightjarwing follow-up awaiting moderation")
    search_rebuild()
    run_index_tasks()
    assert search_run(query="nightjarwing").results == []
    assert not SearchDocument.objects.filter(review=waiting).exists()
    every_text = " ".join(
        " ".join(row) for row in SearchDocument.objects.values_list("title", "summary", "body", "transcript")
    )
    for secret in ("secret-guest@example.org", "hash-of-an-address", member.email, other_member.email):
        assert secret not in every_text


def test_an_approved_follow_up_is_found_after_the_task(massage, member, django_capture_on_commit_callbacks):
    review = published_review(massage, member, title="Plain title")
    search_rebuild()
    followup = followup_add(review=review, by=member, body="Three months on: a kingfisherblue patch.")
    with django_capture_on_commit_callbacks(execute=True):
        followup_decide(followup=followup, approve=True)
    assert search_run(query="kingfisherblue").results == [], "not in the moderator's request"
    run_index_tasks()
    assert [r.title for r in search_run(query="kingfisherblue").results] == ["Plain title"]


def test_publishing_through_the_moderators_page_indexes_in_the_worker_not_the_request(
    client, massage, moderator, django_capture_on_commit_callbacks
):
    review = pending_review(massage, title="Wombatcrest review")
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/moderation/reviews/{review.pk}/decision", {"decision": "approve"})
    assert response.status_code == 302
    assert search_run(query="wombatcrest").results == []
    assert run_index_tasks() >= 1
    assert [r.title for r in search_run(query="wombatcrest").results] == ["Wombatcrest review"]


def test_the_reconcile_removes_what_a_lost_task_left_and_indexes_what_it_missed(world, massage):
    review = world["review"]
    SearchDocument.objects.filter(review=review).update(title="stale")
    type(review).objects.filter(pk=review.pk).update(hidden_at=review.published_at)  # no service: no listener
    late = published_review(massage, title="Pangolinshell late")
    SearchDocument.objects.filter(review=late).delete()
    result = search_reconcile()
    assert result["search_removed"] >= 5 and result["search_indexed"] >= 1
    assert review_keys(review) == set() and review_keys(late) == {f"review:{late.pk}"}


def test_an_unpublished_video_takes_its_cues_at_once_the_review_stays(world, django_capture_on_commit_callbacks):
    review = world["review"]
    with django_capture_on_commit_callbacks(execute=True):
        video_set_published(video=review.video, published=False)
    assert not SearchDocument.objects.filter(kind="transcript").exists(), "in the same transaction"
    run_index_tasks()
    assert not SearchDocument.objects.filter(kind="transcript").exists()
    assert "Zebrafinch review" in found_titles(), "the review's own text is still public"


def test_cues_edited_in_the_caption_editor_replace_the_old_words(world, django_capture_on_commit_callbacks):
    review = world["review"]
    captions = storage.absolute(f"{review.video.output_dir}/captions.en.vtt")
    captions.write_text("WEBVTT\n", encoding="utf-8")
    Caption.objects.create(video=review.video, lang="en", path=storage.relative(captions))
    rows = [CueRow(start="00:00:01.000", end="00:00:03.000", text="An ibisfeather moment.")]
    with django_capture_on_commit_callbacks(execute=True):
        captions_update_cues(video=review.video, lang="en", rows=rows, by=review.author)
    run_index_tasks()
    assert not [r for r in search_run(query="nitrogen cheeks").results if r.kind == "transcript"]
    hit = search_run(query="ibisfeather").results[0]
    assert hit.kind == "transcript" and hit.url.endswith("?t=1")


def test_a_rejected_follow_up_is_never_found(massage, member, django_capture_on_commit_callbacks):
    review = published_review(massage, member, title="Plain title")
    search_rebuild()
    followup = followup_add(review=review, by=member, body="Three months on: a lyrebirdtail patch.")
    with django_capture_on_commit_callbacks(execute=True):
        followup_decide(followup=followup, approve=False, reason="Not about the treatment.")
    run_index_tasks()
    search_reconcile()
    assert search_run(query="lyrebirdtail").results == []
    assert SearchDocument.objects.filter(review=review).exists(), "the review itself stays"
