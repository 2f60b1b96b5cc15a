"""The authorising media view: HEAD answers like GET without a body, and file names it never wrote (NUL,
Unicode digits, traversal) are a 404, never a file-system error."""

from __future__ import annotations

import pytest

from cryoview.reviews.tests.factories import ready_video

pytestmark = pytest.mark.django_db


def _url(video, name: str) -> str:
    return f"/media/videos/{video.pk}/{name}"


@pytest.mark.parametrize("name", ["360.mp4", "poster.jpg"])
def test_head_has_the_headers_of_get_and_no_body(client, member, other_member, name):
    video = ready_video(member)
    client.force_login(member)
    got, head = client.get(_url(video, name)), client.head(_url(video, name))
    assert got.status_code == head.status_code == 200
    for header in ("Content-Type", "Content-Length", "Cache-Control", "X-Content-Type-Options"):
        assert head[header] == got[header], header
    assert head.content == b""
    ranged = client.head(_url(video, name), HTTP_RANGE="bytes=0-3")
    assert ranged.status_code == 206 and ranged["Content-Length"] == "4" and ranged.content == b""
    client.force_login(other_member)
    assert client.head(_url(video, name)).status_code == 404  # the same authorisation as GET
    client.logout()
    assert client.head(_url(video, name)).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "captions.%00.vtt",
        "%00",
        "360.mp4%00",
        "\uff13\uff16\uff10.mp4",
        "²60.mp4",
        "captions.....vtt",
        "captions.en.vtt",
    ],
)
def test_names_the_pipeline_never_writes_are_404(client, member, name):
    video = ready_video(member)  # it has no captions: captions.en.vtt is a well-formed name with no file
    client.force_login(member)
    assert client.get(_url(video, name)).status_code == 404
    assert client.head(_url(video, name)).status_code == 404


def test_a_range_in_unicode_digits_is_ignored_not_a_500(client, member):
    video = ready_video(member)
    client.force_login(member)
    response = client.get(_url(video, "360.mp4"), HTTP_RANGE="bytes=²-")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("vtt", "message"),
    [
        ("WEBVTT\n\n00:00.000 --> 00:1e308\nCold.\n", "is not a time"),
        ("WEBVTT\n\n00:00.000 --> 00:00:61.000\nCold.\n", "above 59"),
        ("WEBVTT\n\n00:00.000 --> 00:02.000\nCo\x00ld.\n", "NUL"),
        ("WEBVTT\n\n00:00.000 --> 00:02.000\nCo\ud800ld.\n", "surrogates"),
    ],
)
def test_captions_with_impossible_times_or_nul_are_refused_with_a_message(vtt, message):
    from cryoview.videos.transcripts import parse_webvtt

    with pytest.raises(ValueError, match=message):
        parse_webvtt(vtt)


def test_well_formed_captions_still_parse():
    from cryoview.videos.transcripts import parse_webvtt

    segments = parse_webvtt("WEBVTT\n\n1\n00:01.500 --> 01:00:02.250\nCold\nbut fine.\n")
    assert [(s.start, s.end, s.text) for s in segments] == [(1.5, 3602.25, "Cold but fine.")]
