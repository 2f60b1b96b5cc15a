"""A deleted video leaves no trace in reviews; a published video is never named after its file."""

from __future__ import annotations

import pytest

from cryoview.accounts.services import token_issue
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_update
from cryoview.reviews.tests.factories import published_review, ready_video, review_input
from cryoview.videos import storage
from cryoview.videos.models import Video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_private_store")]
LIST_PAGE = "/procedures/facial-cryomassage/reviews/"
LIST_API = "/api/v1/procedures/facial-cryomassage/reviews"
BADGE = '<span class="badge">video'


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


def video_traces(client) -> dict[str, object]:
    """Everything a visitor can see that is derived from a review's video."""
    return {
        "badge": BADGE in client.get(LIST_PAGE).text,
        "video_filter_page": "has-video" in client.get(f"{LIST_PAGE}?video=on").text,
        "api_video": [i["video"] is not None for i in client.get(LIST_API).json()["items"]],
        "api_filter": len(client.get(f"{LIST_API}?has_video=true").json()["items"]),
        "guide_badge": BADGE in client.get("/procedures/facial-cryomassage/").text,
    }


@pytest.mark.parametrize("who", ["owner", "moderator"])
def test_a_deleted_video_leaves_no_trace_in_reviews_or_visitors_cached_pages(client, massage, member, moderator, who):
    video = ready_video(member)
    review = published_review(massage, member, video_id=str(video.pk), title="Calm and cold")
    published_review(massage, rating=2)
    before = video_traces(client)  # also stores visitors' copies of these pages
    assert before == {
        "badge": True,
        "video_filter_page": True,
        "api_video": [True, False],
        "api_filter": 1,
        "guide_badge": True,
    }

    deleter = member if who == "owner" else moderator
    assert client.delete(f"/api/v1/videos/{video.pk}", **auth(deleter)).status_code == 204

    review.refresh_from_db()
    assert (review.status, review.video_id, review.has_video) == ("published", None, False)
    assert video_traces(client) == {
        "badge": False,
        "video_filter_page": False,
        "api_video": [False, False],
        "api_filter": 0,
        "guide_badge": False,
    }
    assert client.get("/api/v1/procedures/facial-cryomassage/stats").json()["count"] == 2
    assert not Video.objects.exists() and not storage.video_dir(video.pk).exists()


def test_someone_elses_video_cannot_be_deleted(client, massage, member, other_member):
    video = ready_video(member)
    published_review(massage, member, video_id=str(video.pk))
    assert client.delete(f"/api/v1/videos/{video.pk}", **auth(other_member)).status_code == 404
    assert client.delete("/api/v1/videos/not-a-uuid", **auth(member)).status_code in (404, 422)
    assert Review.objects.get().has_video and storage.video_dir(video.pk).exists()


def test_an_edit_waiting_with_a_deleted_video_can_still_be_approved(client, massage, member, moderator):
    first = ready_video(member)
    review = published_review(massage, member, video_id=str(first.pk))
    second = ready_video(member)
    review_update(review=review, by=member, data=review_input(title="Edited", video_id=str(second.pk)))
    assert client.delete(f"/api/v1/videos/{second.pk}", **auth(member)).status_code == 204
    review.refresh_from_db()
    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    review.refresh_from_db()
    assert (review.title, review.video_id, review.has_video) == ("Edited", first.pk, True)
    assert storage.video_dir(first.pk).exists()


def test_a_published_video_is_named_after_its_review_never_its_file(client, massage, member, other_member):
    video = ready_video(member)
    Video.objects.filter(pk=video.pk).update(original_name="IMG_2024_alice_smith_home.mp4")
    published_review(massage, member, video_id=str(video.pk), title="Calm and cold")
    pages = {
        "player": f"/videos/{video.pk}/",
        "review list": LIST_PAGE,
        "api video": f"/api/v1/videos/{video.pk}",
        "api list": LIST_API,
    }
    for viewer in (None, other_member):
        if viewer is not None:
            client.force_login(viewer)
        for name, url in pages.items():
            text = client.get(url).text
            assert "alice_smith" not in text, (viewer, name)
    client.logout()
    assert "<h1>Calm and cold</h1>" in client.get(pages["player"]).text
    client.force_login(member)
    assert "IMG_2024_alice_smith_home.mp4" in client.get(pages["player"]).text
    assert "IMG_2024_alice_smith_home.mp4" in client.get("/videos/new/").text
