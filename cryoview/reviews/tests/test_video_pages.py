"""The pages around a video review: the video's page is named after its review and links back to it; the
uploaded file's name is for its owner's eyes only; the upload box lets phones pick a recorded video."""

from __future__ import annotations

import pytest

from cryoview.moderation.enums import Decision
from cryoview.moderation.services import review_decide
from cryoview.reviews.tests.factories import pending_review, ready_video

pytestmark = pytest.mark.django_db

FILE_NAME = "my-review.mp4"  # what ready_video() records as the uploaded name


def test_the_video_page_has_the_reviews_title_and_a_link_back(client, massage, member, moderator, clean_private_store):
    video = ready_video(member)
    review = pending_review(massage, member, title="Calmer skin in a week", video_id=str(video.pk))

    client.force_login(member)
    owner = client.get(f"/videos/{video.pk}/").text
    assert "<h1>Calmer skin in a week</h1>" in owner and f'href="/reviews/{review.pk}/"' in owner
    assert FILE_NAME in owner and "only you see this name" in owner

    client.force_login(moderator)
    checking = client.get(f"/videos/{video.pk}/").text
    assert "<h1>Calmer skin in a week</h1>" in checking and f'href="/reviews/{review.pk}/"' in checking
    assert FILE_NAME not in checking

    review_decide(review=review, by=moderator, decision=Decision.APPROVE)
    client.logout()
    visitor = client.get(f"/videos/{video.pk}/")
    assert visitor.status_code == 200 and "<h1>Calmer skin in a week</h1>" in visitor.text
    assert f'href="/reviews/{review.pk}/"' in visitor.text and FILE_NAME not in visitor.text
    assert "Save-Data" in visitor["Vary"]


def test_a_video_without_a_review_is_not_named_after_its_file(client, member, moderator, clean_private_store):
    video = ready_video(member)
    client.force_login(moderator)
    page = client.get(f"/videos/{video.pk}/").text
    assert "<h1>Video review</h1>" in page and FILE_NAME not in page and "Back to the review" not in page
    client.force_login(member)
    assert "Attach the video to a review to publish it." in client.get(f"/videos/{video.pk}/").text


def test_the_upload_box_uses_the_standard_client_and_lets_phones_pick_a_recorded_video(client, member, massage):
    client.force_login(member)
    for path in ("/videos/new/?procedure=facial-cryomassage", "/procedures/facial-cryomassage/reviews/new/"):
        page = client.get(path).text
        assert 'type="file"' in page and "capture" not in page.split('type="file"')[1].split(">")[0]
        assert "vendor/tus-js-client-4.3.1/tus.min.js" in page and "js/upload-page.js" in page
        assert "js/upload.js" not in page
    form = client.get("/procedures/facial-cryomassage/reviews/new/").text
    assert 'data-target-select="id_video"' in form, "the upload box inside the form fills its video field"
    upload = client.get("/videos/new/?procedure=facial-cryomassage").text
    assert 'data-review-url="/procedures/facial-cryomassage/reviews/new/"' in upload
    # The link to the review form is in the page but hidden until there is a video to write about.
    assert "<p data-review-offer hidden>" in upload


def test_the_owner_of_an_unused_video_can_start_a_review_with_it_even_while_it_processes(
    client, massage, member, moderator, clean_private_store
):
    from cryoview.reviews.tests.factories import processing_video

    for video in (processing_video(member), ready_video(member)):
        client.force_login(member)
        page = client.get(f"/videos/{video.pk}/").text
        assert "Write your review with this video" in page
        for slug in ("facial-cryomassage", "cryoelectrophoresis"):
            assert f'href="/procedures/{slug}/reviews/new/?video={video.pk}"' in page
        # The form it leads to has the video chosen.
        form = client.get(f"/procedures/facial-cryomassage/reviews/new/?video={video.pk}").text
        assert f'<option value="{video.pk}" selected>' in form
        # Nobody else is offered to write a review with someone's video.
        client.force_login(moderator)
        assert "Write your review with this video" not in client.get(f"/videos/{video.pk}/").text

    # Once the video is in a review, the page links back to it instead.
    used = ready_video(member)
    review = pending_review(massage, member, video_id=str(used.pk))
    client.force_login(member)
    page = client.get(f"/videos/{used.pk}/").text
    assert "Write your review with this video" not in page and f'href="/reviews/{review.pk}/"' in page
