"""The embeddable player (/videos/<id>/embed/): the player alone with captions on and the way back to the review
and its guide; the only page other sites may frame; a 404 for anything a visitor may not watch."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from cryoview.accounts.tests.factories import UserFactory
from cryoview.journeys.privacy import account_delete
from cryoview.reviews.models import Review
from cryoview.reviews.services import review_hide, review_take_down, review_withdraw
from cryoview.reviews.tests.factories import factory_moderator, pending_review, published_review, ready_video
from cryoview.videos import storage
from cryoview.videos.enums import VideoStatus
from cryoview.videos.models import Caption, Rendition, Video

pytestmark = pytest.mark.django_db
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def captioned_video(author) -> Video:
    """A ready video as the pipeline leaves a phone's clip: 360p and 720p, a poster, English captions."""
    video = ready_video(author)
    out = storage.absolute(video.output_dir)
    (out / "720.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    Rendition.objects.create(video=video, height=1280, width=720, path=storage.relative(out / "720.mp4"), bytes=12)
    (out / "captions.en.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello.\n")
    Caption.objects.create(video=video, lang="en", path=storage.relative(out / "captions.en.vtt"))
    return video


def embeddable(procedure, *, title: str = "Cold but fine") -> tuple[Review, Video]:
    author = UserFactory()
    video = captioned_video(author)
    review = published_review(procedure, author, video_id=video.pk, title=title)
    video.refresh_from_db()
    assert video.is_published, "publishing the review published its video"
    return review, video


def embed_path(video_id: object) -> str:
    return reverse("videos:embed", kwargs={"video_id": video_id})


def test_the_embed_is_the_player_alone_with_captions_on_and_the_way_back(client, massage, clean_private_store):
    review, video = embeddable(massage)
    response = client.get(embed_path(video.pk))
    assert response.status_code == 200
    html = response.content.decode()
    media = f"/media/videos/{video.pk}/"
    assert f'poster="{media}poster.jpg"' in html
    assert re.search(rf'<track kind="captions" srclang="en" [^>]*src="{media}captions.en.vtt" default>', html)
    assert f'src="{media}360.mp4" data-quality="360p"' in html, "the smallest rendition first"
    assert f'data-quality-src="{media}720.mp4"' in html, "and the switch to the larger"
    site = settings.CONFIG.site_url
    review_url = site + reverse("reviews:detail", args=[review.pk])
    guide_url = site + reverse("procedures:detail", kwargs={"slug": massage.slug})
    assert f'<a href="{review_url}" target="_blank" rel="noopener">Watch on Cryoview · Cold but fine</a>' in html
    assert f'<a href="{guide_url}" target="_blank" rel="noopener">Guide: {massage.name}</a>' in html
    assert "js/player.js" in html, "the main player's script: ?t=, the quality switch"
    assert "site-header" not in html and "site-footer" not in html, "no site chrome"
    assert "my-review.mp4" not in html, "never the file's name"


def test_the_embed_starts_wherever_the_link_says_and_ignores_a_bad_t(client, massage, clean_private_store):
    _, video = embeddable(massage)
    for query in ("?t=2", "?t=abc", "?t=-1", "?t=1e308"):
        response = client.get(embed_path(video.pk) + query)
        assert response.status_code == 200, query  # player.js reads t; a bad one is ignored there


def test_only_the_embed_may_be_framed_by_other_sites(client, massage, clean_private_store):
    review, video = embeddable(massage)
    embed = client.get(embed_path(video.pk))
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"], "the rest of the policy stays"
    others = [
        reverse("videos:player", kwargs={"video_id": video.pk}),
        reverse("reviews:detail", args=[review.pk]),
        reverse("home"),
        reverse("findable:oembed") + "?url=x",
        embed_path(uuid.uuid4()),  # a 404 on the embed's own address is not framable either
    ]
    for path in others:
        response = client.get(path)
        assert response.headers.get("X-Frame-Options") == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_the_embed_sets_no_cookie(client, massage, clean_private_store):
    _, video = embeddable(massage)
    response = client.get(embed_path(video.pk))
    assert response.status_code == 200
    assert not response.cookies, f"cookies set: {list(response.cookies)}"
    assert "Set-Cookie" not in response.headers


def test_a_hostile_review_title_is_text_in_the_embed(client, massage, clean_private_store):
    _, video = embeddable(massage, title=HOSTILE)
    html = client.get(embed_path(video.pk)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "Watch on Cryoview · &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_head_and_get_only(client, massage, clean_private_store):
    _, video = embeddable(massage)
    assert client.head(embed_path(video.pk)).status_code == 200
    assert client.post(embed_path(video.pk)).status_code == 405


def assert_not_embeddable(client, video_id: object) -> None:
    response = client.get(embed_path(video_id))
    assert response.status_code == 404
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_404_for_an_unknown_or_malformed_id(client, clean_private_store):
    assert_not_embeddable(client, uuid.uuid4())
    for path in ("/videos/not-a-uuid/embed/", "/videos/1234/embed/", "/videos/%00/embed/"):
        assert client.get(path).status_code == 404, path


def test_404_while_the_review_awaits_moderation_even_for_its_author(client, massage, clean_private_store):
    author = UserFactory()
    video = captioned_video(author)
    pending_review(massage, author, video_id=video.pk)
    assert_not_embeddable(client, video.pk)
    client.force_login(author)
    assert client.get(reverse("videos:player", kwargs={"video_id": video.pk})).status_code == 200
    assert_not_embeddable(client, video.pk)  # an embed is what a visitor sees, whoever asks


def test_404_for_a_video_that_is_not_ready(client, massage, clean_private_store):
    _, video = embeddable(massage)
    Video.objects.filter(pk=video.pk).update(status=VideoStatus.PROCESSING)
    assert_not_embeddable(client, video.pk)


def test_404_for_a_published_video_in_no_review(client, clean_private_store):
    video = captioned_video(UserFactory())
    Video.objects.filter(pk=video.pk).update(is_published=True)
    assert client.get(reverse("videos:player", kwargs={"video_id": video.pk})).status_code == 200
    assert_not_embeddable(client, video.pk)


def test_404_once_the_review_is_hidden_even_while_the_video_flag_lags(client, massage, clean_private_store):
    review, video = embeddable(massage)
    review_hide(review=review)
    Video.objects.filter(pk=video.pk).update(is_published=True)  # whatever the hide did to the flag
    assert_not_embeddable(client, video.pk)


def test_404_once_taken_down(client, massage, clean_private_store):
    review, video = embeddable(massage)
    review_take_down(review=review, by=factory_moderator(), reason="Names a person who did not agree.")
    assert_not_embeddable(client, video.pk)


def test_404_once_withdrawn(client, massage, clean_private_store):
    review, video = embeddable(massage)
    review_withdraw(review=review, by=review.author)
    assert_not_embeddable(client, video.pk)


def test_404_once_the_account_is_deleted(client, massage, clean_private_store):
    review, video = embeddable(massage)
    account_delete(user=review.author)
    assert_not_embeddable(client, video.pk)
