"""A review may be sent while its video is still processing: it waits for the video before a moderator sees
it (queue page, queue selector and API queue), its author is told so, and a failed video is the author's to
replace or drop."""

from __future__ import annotations

import pytest

from cryoview.core.errors import ApplicationError
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import queue_reviews
from cryoview.reviews.services import review_update
from cryoview.reviews.tests.factories import (
    pending_review,
    processing_video,
    published_review,
    ready_video,
    review_input,
)
from cryoview.videos.enums import VideoStage, VideoStatus
from cryoview.videos.models import Video

pytestmark = pytest.mark.django_db

TITLE = "Brighter skin, video still processing"


def finish(video: Video, status: VideoStatus = VideoStatus.READY, message: str = "") -> None:
    """What the pipeline leaves in the row when it ends (the pipeline itself is tested in videos)."""
    stage = VideoStage.DONE if status == VideoStatus.READY else VideoStage.TRANSCODE
    Video.objects.filter(pk=video.pk).update(
        status=status, stage=stage, error_code="x" if message else "", error_message=message
    )


def queued_titles(client, moderator) -> tuple[set[int], str, list[str]]:
    client.force_login(moderator)
    page = client.get("/moderation/").text
    api = client.get("/api/v1/moderation/queue").json()
    return {r.pk for r in queue_reviews()}, page, [i["review"]["title"] for i in api if i.get("review")]


def test_a_review_sent_with_a_processing_video_waits_for_it(client, massage, member, moderator):
    video = processing_video(member)
    review = pending_review(massage, member, title=TITLE, video_id=str(video.pk))
    assert review.status == "pending" and review.video_id == video.pk

    ids, page, api = queued_titles(client, moderator)
    assert review.pk not in ids and TITLE not in page and TITLE not in api

    client.force_login(member)
    shown = client.get(f"/reviews/{review.pk}/").text
    assert "Waiting for your video to finish processing" in shown

    finish(video)
    ids, page, api = queued_titles(client, moderator)
    assert review.pk in ids and TITLE in page and TITLE in api


def test_the_form_accepts_a_processing_video_and_says_the_review_waits(client, massage, member):
    from cryoview.reviews.tests.test_pages import FORM

    video = processing_video(member)
    client.force_login(member)
    form = client.get(f"/procedures/facial-cryomassage/reviews/new/?video={video.pk}").text
    assert f'value="{video.pk}" selected' in form and "(still processing)" in form
    response = client.post("/procedures/facial-cryomassage/reviews/new/", {**FORM, "video": str(video.pk)}, follow=True)
    assert response.redirect_chain and Review.objects.get().video_id == video.pk
    assert "waiting for your video to finish processing" in response.text


def test_a_failed_video_is_told_to_the_author_who_replaces_or_drops_it(client, massage, member, moderator):
    video = processing_video(member)
    review = pending_review(massage, member, title=TITLE, video_id=str(video.pk))
    finish(video, VideoStatus.FAILED, "The file has no video stream.")

    ids, page, api = queued_titles(client, moderator)
    assert review.pk not in ids and TITLE not in page and TITLE not in api, "nothing to approve yet"
    client.force_login(member)
    shown = client.get(f"/reviews/{review.pk}/").text
    assert "Your video could not be processed" in shown and "The file has no video stream." in shown
    assert f"/reviews/{review.pk}/edit/" in shown

    # The failed video is not offered again, and sending it again is refused in words.
    edit = client.get(f"/reviews/{review.pk}/edit/").text
    assert f'value="{video.pk}"' not in edit
    with pytest.raises(ApplicationError) as caught:
        review_update(review=review, by=member, data=review_input(title=TITLE, video_id=str(video.pk)))
    assert "could not be processed" in caught.value.problems[0].message

    # Another video (still processing: it waits again) ...
    other = processing_video(member)
    review_update(review=review, by=member, data=review_input(title=TITLE, video_id=str(other.pk)))
    assert review.pk not in {r.pk for r in queue_reviews()}
    # ... or none: the review reaches the moderators at once.
    review_update(review=review, by=member, data=review_input(title=TITLE, video_id=None))
    assert review.pk in {r.pk for r in queue_reviews()}


def test_a_ready_video_goes_to_the_queue_at_once(massage, member):
    review = pending_review(massage, member, video_id=str(ready_video(member).pk))
    assert review.pk in {r.pk for r in queue_reviews()}


def test_an_edit_of_a_published_review_needs_a_ready_video(massage, member):
    review = published_review(massage, member)
    busy = processing_video(member)
    with pytest.raises(ApplicationError) as caught:
        review_update(review=review, by=member, data=review_input(video_id=str(busy.pk)), submit=True)
    assert "not ready yet" in caught.value.problems[0].message
    review.refresh_from_db()
    assert review.pending_edit is None
