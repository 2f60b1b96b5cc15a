"""Private playback: every artefact through the authorising view, Range requests, X-Accel-Redirect, the API."""

from __future__ import annotations

import dataclasses
import math

import pytest

from cryoview.accounts.services import token_issue
from cryoview.videos import storage
from cryoview.videos.enums import JobState
from cryoview.videos.models import Video
from cryoview.videos.tests.test_pipeline import new_video

ARTEFACTS = ("720.mp4", "360.mp4", "poster.jpg", "captions.en.vtt", "transcript.json")


@pytest.fixture
def ready_video(db, member, speaking_media):
    """A member's processed video with speech: its own rows and its own copy of the pipeline's outputs."""
    return speaking_media.video_for(member)


def url(video, name):
    return f"/media/videos/{video.pk}/{name}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ARTEFACTS)
def test_each_artefact_is_private_until_published(client, ready_video, member, other_member, moderator, name):
    assert client.get(url(ready_video, name)).status_code == 404  # visitor
    client.force_login(other_member)
    assert client.get(url(ready_video, name)).status_code == 404
    client.force_login(moderator)
    assert client.get(url(ready_video, name)).status_code == 200
    client.force_login(member)
    response = client.get(url(ready_video, name))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    client.logout()
    Video.objects.filter(pk=ready_video.pk).update(is_published=True)
    assert client.get(url(ready_video, name)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_bearer_token_opens_media_and_the_api(client, ready_video, member):
    secret = token_issue(user=member, name="app").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(url(ready_video, "poster.jpg"), **auth).status_code == 200
    body = client.get(f"/api/v1/videos/{ready_video.pk}", **auth).json()
    assert body["status"] == "ready" and body["progress"] == 1.0 and body["error"] is None
    assert [r["height"] for r in body["renditions"]] == [720, 360]
    assert body["captions"][0]["automatic"] is True
    for item in [*body["renditions"], *body["captions"]]:
        assert client.get(item["url"], **auth).status_code == 200
    assert client.get(f"/api/v1/videos/{ready_video.pk}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_range_requests_let_the_player_seek(client, ready_video, member):
    client.force_login(member)
    whole = b"".join(client.get(url(ready_video, "720.mp4")).streaming_content)
    size = len(whole)
    response = client.get(url(ready_video, "720.mp4"), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{size}"
    assert response["Accept-Ranges"] == "bytes"
    assert b"".join(response.streaming_content) == whole[100:200]
    tail = client.get(url(ready_video, "720.mp4"), HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == whole[-50:]
    open_ended = client.get(url(ready_video, "720.mp4"), HTTP_RANGE=f"bytes={size - 10}-")
    assert b"".join(open_ended.streaming_content) == whole[-10:]
    assert client.get(url(ready_video, "720.mp4"), HTTP_RANGE=f"bytes={size}-").status_code == 416
    assert client.get(url(ready_video, "720.mp4"), HTTP_RANGE="bytes=0-1,5-6").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_behind_nginx_the_file_is_handed_over(client, ready_video, member, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, media_accel_prefix="/_private/")
    client.force_login(member)
    response = client.get(url(ready_video, "720.mp4"))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{ready_video.output_dir}/720.mp4"
    assert response.content == b""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "name", ["original", "manifest.json", "..%2Foriginal", "audio16k.wav", "720.mp4x", "captions.en.vtt%00"]
)
def test_other_names_are_404(client, ready_video, member, name):
    client.force_login(member)
    assert client.get(url(ready_video, name)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_player_page_plays_renditions_with_captions_and_transcript(client, ready_video, member):
    client.force_login(member)
    html = client.get(f"/videos/{ready_video.pk}/").content.decode()
    # One rendition in the element (the largest without Save-Data), both in the quality switch.
    assert 'src="/media/videos/' in html and 'data-quality="720p"' in html and '<track kind="captions"' in html
    assert html.count("data-quality-src=") == 2 and "(saves data)" in html
    assert f'src="/media/videos/{ready_video.pk}/720.mp4"' in html
    saving = client.get(f"/videos/{ready_video.pk}/", HTTP_SAVE_DATA="on")
    assert f'src="/media/videos/{ready_video.pk}/360.mp4"' in saving.text and "Save-Data" in saving["Vary"]
    assert "data-seek=" in html and "nitrogen" in html.lower()
    assert client.get(f"/videos/{ready_video.pk}/").status_code == 200
    client.logout()
    assert client.get(f"/videos/{ready_video.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_owner_edits_captions(client, ready_video, member, other_member):
    client.force_login(member)
    vtt = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nFacial cryomassage with liquid nitrogen.\n"
    response = client.put(f"/api/v1/videos/{ready_video.pk}/captions/en", {"vtt": vtt}, content_type="application/json")
    assert response.status_code == 200 and response.json()["automatic"] is False
    served = b"".join(client.get(url(ready_video, "captions.en.vtt")).streaming_content).decode()
    assert "Facial cryomassage with liquid nitrogen." in served
    bad = client.put(f"/api/v1/videos/{ready_video.pk}/captions/en", {"vtt": "hello"}, content_type="application/json")
    assert bad.status_code == 422 and "WEBVTT" in bad.json()["detail"]
    client.force_login(other_member)
    assert (
        client.put(
            f"/api/v1/videos/{ready_video.pk}/captions/en", {"vtt": vtt}, content_type="application/json"
        ).status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_delete_through_the_api(client, ready_video, member, other_member):
    client.force_login(other_member)
    assert client.delete(f"/api/v1/videos/{ready_video.pk}").status_code == 404
    client.force_login(member)
    assert client.delete(f"/api/v1/videos/{ready_video.pk}").status_code == 204
    assert not storage.video_dir(ready_video.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_status_while_queued_says_estimating_until_there_is_data_then_uses_it(client, member, clip, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from cryoview.videos.tests.clips import make_video

    client.force_login(member)
    first = new_video(member, clip)
    second = new_video(member, make_video(tmp_path / "second.mp4", seconds=2))
    body = client.get(f"/api/v1/videos/{first.pk}").json()
    assert body["status"] == "queued" and body["stage"] == "waiting"
    assert body["stage_label"] == "Waiting for its turn"
    # Nothing has been processed here yet: no number rather than a wrong one.
    assert body["queue_position"] == 0 and body["eta_seconds"] is None
    page = client.get(f"/videos/{first.pk}/").text
    assert "estimating the time left" in page
    # Earlier jobs: 40 s for 4 s of video, 55 s for 10 s, 80 s for 20 s: 30 s of overhead + 2.5 s per second.
    for seconds, took in ((4.0, 40), (10.0, 55), (20.0, 80)):
        done = new_video(member, make_video(tmp_path / f"done-{seconds}.mp4", seconds=1))
        Video.objects.filter(pk=done.pk).update(duration=seconds, status="ready")
        finished = timezone.now() - timedelta(minutes=5)
        done.job.__class__.objects.filter(pk=done.job.pk).update(
            state=JobState.SUCCEEDED, attempts=1, started_at=finished - timedelta(seconds=took), finished_at=finished
        )
    body = client.get(f"/api/v1/videos/{first.pk}").json()
    assert body["eta_seconds"] == math.ceil(30 + 2.5 * first.duration)
    later = client.get(f"/api/v1/videos/{second.pk}").json()
    assert later["queue_position"] >= 1 and later["eta_seconds"] > body["eta_seconds"]


@pytest.mark.django_db(transaction=True)
def test_owner_corrects_captions_on_the_player_page(client, ready_video, member):
    client.force_login(member)
    html = client.get(f"/videos/{ready_video.pk}/").content.decode()
    # Rows of start, end and words (plus one blank row to add to), never raw WebVTT.
    assert "Correct the captions" in html and "WEBVTT" not in html
    assert html.count('name="cue-start"') >= 2 and 'aria-label="Start of caption 1"' in html
    rows = {
        "cue-start": ["00:00:02.000", "00:00.000", ""],
        "cue-end": ["00:00:03.000", "00:01.500", ""],
        "cue-text": ["Liquid nitrogen.", "Cryomassage\n\nwith", ""],
    }
    response = client.post(f"/videos/{ready_video.pk}/", rows)
    assert response.status_code == 302
    caption = ready_video.captions.get()
    assert caption.automatic is False
    served = b"".join(client.get(url(ready_video, caption.filename)).streaming_content).decode()
    # Rebuilt as WebVTT, in time order; a blank line inside a cue's words cannot end the cue early.
    assert served == (
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nCryomassage with\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\nLiquid nitrogen.\n"
    )
    before = served
    bad = client.post(
        f"/videos/{ready_video.pk}/",
        {"cue-start": ["00:00:61.000", "00:02.000"], "cue-end": ["00:00:02.000", "00:01.000"], "cue-text": ["a", ""]},
    )
    text = bad.content.decode()
    assert bad.status_code == 422 and "not saved" in text
    assert "Caption 1 start:" in text and "minutes or seconds above 59" in text
    assert "Caption 2 end: must come after its start." in text and "Caption 2 text:" in text
    assert 'value="00:00:61.000"' in text, "what was typed stays in the form"
    assert b"".join(client.get(url(ready_video, caption.filename)).streaming_content).decode() == before


def test_long_speech_becomes_short_caption_cues():
    from cryoview.videos.transcripts import MAX_CUE_CHARS, MAX_CUE_SECONDS, cues_from_words

    words = [(i * 0.4, i * 0.4 + 0.3, f" word{i}" + ("." if i % 9 == 8 else "")) for i in range(60)]
    cues = cues_from_words(words)
    assert len(cues) > 5
    assert all(c.end - c.start <= MAX_CUE_SECONDS + 0.4 and len(c.text) <= MAX_CUE_CHARS + 10 for c in cues)
    assert " ".join(c.text for c in cues).split() == [w.strip() for _, _, w in words]
