"""The queue's cost does not depend on what people wrote: flags are computed once, when the text is written,
and the queue reads them with a fixed number of queries however many items wait."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.accounts.services import token_issue
from cryoview.comments.models import Comment
from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import posted
from cryoview.core.flags import flags_from_json
from cryoview.moderation.selectors import moderation_queue
from cryoview.reviews.models import Review
from cryoview.reviews.services import followup_add, review_update
from cryoview.reviews.tests.factories import pending_review, person, published_review, ready_video, review_input
from cryoview.videos.models import Transcript
from cryoview.videos.transcripts import transcript_flags

PHONE_TEXT = "Call me on +7 912 345 67 89 for a discount."


def _codes(stored) -> set[str]:
    return {flag.code for flag in flags_from_json(stored)}


def test_flags_are_stored_when_a_review_is_submitted_and_when_it_is_edited(massage, member):
    review = pending_review(massage, member, body=PHONE_TEXT)
    assert {"phone", "new_account"} <= _codes(review.flags)
    published = published_review(massage.__class__.objects.exclude(pk=massage.pk).first(), member)
    assert "phone" not in _codes(published.flags)
    review_update(review=published, by=member, data=review_input(body="see frozenface.ru"))
    published.refresh_from_db()
    assert "link" in _codes(published.flags), "an edit of a published review is flagged for what it says"


def test_follow_ups_and_comments_carry_their_flags(massage, member):
    review = published_review(massage, member)
    followup = followup_add(review=review, by=member, body="It worked, 100% guaranteed")
    assert "medical_claim" in _codes(followup.flags)
    comment = posted(Target(procedure=massage), None, "write to anna@mail.example.com")
    assert "email" in _codes(comment.flags)


def test_the_queue_reads_the_stored_flags_and_scans_no_text(massage, member):
    review = pending_review(massage, member, body="Nothing to see here.")
    # Changed behind the services' back: the queue must not be re-reading the text to flag it.
    Review.objects.filter(pk=review.pk).update(body=PHONE_TEXT)
    [item] = [i for i in moderation_queue() if i.review.pk == review.pk]
    assert "phone" not in {flag.code for flag in item.flags}
    assert "new_account" in {flag.code for flag in item.flags}, "the stored flags are there"


def test_the_queue_shows_the_flags_of_the_video_transcript(massage, member):
    video = ready_video(member)
    segments = [{"start": 0.0, "end": 2.0, "text": "Visit frozenface.ru and call 8 912 345 67 89"}]
    Transcript.objects.create(video=video, lang="en", segments=segments, flags=transcript_flags(segments))
    review = pending_review(massage, member, video_id=str(video.pk))
    [item] = [i for i in moderation_queue() if i.review.pk == review.pk]
    reasons = " ".join(flag.reason for flag in item.flags)
    assert "in the video transcript" in reasons and "frozenface.ru" in reasons


def _fill_queue(procedures, n: int) -> None:
    """n of each kind of item: new reviews, edits of published ones, follow-ups, held and spam comments."""
    for i in range(n):
        author = person(f"author{i}-{Review.objects.count()}@example.org")
        pending_review(procedures[0], author, body=f"{PHONE_TEXT} number {i}")
        published = published_review(procedures[1], author)
        review_update(review=published, by=author, data=review_input(body=f"edit {i}: frozenface.ru"))
        published.refresh_from_db()
        followup_add(review=published, by=author, body=f"update {i}: 100% effective")
        posted(Target(procedure=procedures[0]), None, f"guest {i}: me{i}@mail.example.com", guest_name=f"G{i}")
        spam = posted(Target(procedure=procedures[0]), None, f"spam {i}", guest_name=f"S{i}")
        Comment.objects.filter(pk=spam.pk).update(status="spam")


@pytest.mark.parametrize(
    "url",
    ["/moderation/", "/moderation/spam/", "/api/v1/moderation/queue", "/api/v1/moderation/spam"],
)
def test_the_queue_costs_the_same_number_of_queries_for_one_item_and_for_many(client, moderator, massage, warts, url):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=moderator, name='test').secret}"}
    client.force_login(moderator)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    _fill_queue([massage, warts], 1)
    queries()  # the first request records the token's last use and the session: not the queue's cost
    few, page = queries()
    assert "number 0" in page or "spam 0" in page or "+7 912" in page
    _fill_queue([massage, warts], 6)
    many, page = queries()
    assert ("number 5" in page or "spam 5" in page) and many == few, f"{url}: {few} queries for 1, {many} for 7"
