"""Table tests of reading ffmpeg's output: ffprobe JSON, failure messages, progress, limits and words.
No process is started here."""

from __future__ import annotations

from typing import Any

import pytest

from cryoview.videos import ffmpeg
from cryoview.videos.ffmpeg import (
    Limits,
    MediaRejected,
    ProgressTracker,
    RejectionCode,
    Rendition,
)
from cryoview.videos.tests.ffmpeg_cases import spec

# --- reading ffprobe's JSON ------------------------------------------------------------------------


def video_stream(**fields: Any) -> dict[str, Any]:
    stream: dict[str, Any] = {
        "index": 0,
        "codec_type": "video",
        "codec_name": "h264",
        "width": 1920,
        "height": 1080,
        "avg_frame_rate": "30/1",
        "r_frame_rate": "30/1",
        "sample_aspect_ratio": "1:1",
        "duration": "10.0",
        "disposition": {"default": 1, "attached_pic": 0},
    }
    stream.update(fields)
    return stream


def audio_stream(**fields: Any) -> dict[str, Any]:
    return {"index": 1, "codec_type": "audio", "codec_name": "aac", "duration": "10.0", **fields}


def info(*streams: dict[str, Any], **container: Any) -> dict[str, Any]:
    return {
        "streams": list(streams),
        "format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "10.0", **container},
    }


def rotated(angle: float) -> dict[str, Any]:
    return {"side_data_list": [{"side_data_type": "Display Matrix", "rotation": angle}]}


ACCEPTED = [
    # (case, ffprobe JSON, limits, expected fields)
    ("landscape", info(video_stream(), audio_stream()), Limits(), {"width": 1920, "height": 1080, "has_audio": True}),
    ("rotation 90", info(video_stream(**rotated(90))), Limits(), {"width": 1080, "height": 1920, "rotation": 90}),
    ("rotation -90", info(video_stream(**rotated(-90))), Limits(), {"width": 1080, "height": 1920, "rotation": 270}),
    ("rotation 180", info(video_stream(**rotated(180))), Limits(), {"width": 1920, "height": 1080, "rotation": 180}),
    ("old rotate tag", info(video_stream(tags={"rotate": "90"})), Limits(), {"width": 1080, "height": 1920}),
    ("sample aspect 4:3", info(video_stream(width=1440, sample_aspect_ratio="4:3")), Limits(), {"width": 1920}),
    ("unknown aspect 0:1", info(video_stream(sample_aspect_ratio="0:1")), Limits(), {"width": 1920}),
    ("vertical 4K", info(video_stream(width=2160, height=3840)), Limits(), {"width": 2160, "height": 3840}),
    ("landscape 4K", info(video_stream(width=3840, height=2160)), Limits(), {"width": 3840}),
    ("ntsc rate", info(video_stream(avg_frame_rate="30000/1001")), Limits(), {"fps": 29.97}),
    ("avg rate unknown", info(video_stream(avg_frame_rate="0/0", r_frame_rate="25/1")), Limits(), {"fps": 25.0}),
    ("no rate at all", info(video_stream(avg_frame_rate="0/0", r_frame_rate="0/0")), Limits(), {"fps": 0.0}),
    ("240 fps is the limit", info(video_stream(avg_frame_rate="240/1")), Limits(), {"fps": 240.0}),
    ("600 s is the limit", info(video_stream(duration="600.0")), Limits(), {"duration": 600.0}),
    (
        "stream durations, not an idle data track's",
        info(
            video_stream(duration="8.0"),
            audio_stream(duration="8.5"),
            {"index": 2, "codec_type": "data", "duration": "900"},
            duration="900",
        ),
        Limits(),
        {"duration": 8.5, "stream_count": 3},
    ),
    ("container duration as fallback", info(video_stream(duration=None), duration="7.5"), Limits(), {"duration": 7.5}),
    ("unknown duration", info(video_stream(duration="N/A"), duration="N/A"), Limits(), {"duration": 0.0}),
    (
        "cover art is not the video",
        info(video_stream(index=0, disposition={"attached_pic": 1}), video_stream(index=2), audio_stream(index=1)),
        Limits(),
        {"video_stream_index": 2, "audio_stream_index": 1},
    ),
    (
        "first audio track is used",
        info(audio_stream(index=0, codec_name="opus"), video_stream(index=1), audio_stream(index=2)),
        Limits(),
        {"video_stream_index": 1, "audio_stream_index": 0, "audio_codec": "opus"},
    ),
    ("silent", info(video_stream()), Limits(), {"has_audio": False, "audio_codec": None, "audio_stream_index": None}),
    (
        "vertical fits landscape limits either way round",
        info(video_stream(width=720, height=1280)),
        Limits(max_width=1280, max_height=720),
        {"width": 720, "height": 1280},
    ),
    ("eight streams is the limit", info(video_stream(), *[audio_stream(index=i) for i in range(1, 8)]), Limits(), {}),
]


@pytest.mark.parametrize(
    ("ffprobe_json", "limits", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_parse_accepts(ffprobe_json: dict[str, Any], limits: Limits, expected: dict[str, Any]) -> None:
    result = ffmpeg.parse_probe_json(ffprobe_json, limits)
    assert {key: getattr(result, key) for key in expected} == expected
    assert result.video_codec == "h264" and result.format_name.startswith("mov")


REJECTED = [
    # (case, ffprobe JSON, limits, code, words the message must contain)
    ("nothing at all", {}, Limits(), "no_video_stream", ["no video"]),
    ("audio only", info(audio_stream(index=0)), Limits(), "audio_only", ["no picture"]),
    (
        "audio with cover art",
        info(audio_stream(index=0), video_stream(index=1, disposition={"attached_pic": 1})),
        Limits(),
        "audio_only",
        [],
    ),
    ("subtitles only", info({"index": 0, "codec_type": "subtitle"}), Limits(), "no_video_stream", []),
    ("no codec", info(video_stream(codec_name=None)), Limits(), "undecodable", []),
    ("unknown codec", info(video_stream(codec_name="none")), Limits(), "undecodable", []),
    ("no size", info(video_stream(width=0)), Limits(), "undecodable", ["size"]),
    ("8K", info(video_stream(width=7680, height=4320)), Limits(), "too_large_pixels", ["7680x4320", "3840x2160"]),
    ("long side 3841", info(video_stream(width=3841, height=1000)), Limits(), "too_large_pixels", []),
    ("short side 2161", info(video_stream(width=2161, height=2161)), Limits(), "too_large_pixels", []),
    (
        "rotated beyond a small limit",
        info(video_stream(width=1920, height=1080, **rotated(90))),
        Limits(max_width=1280, max_height=720),
        "too_large_pixels",
        ["1080x1920", "1280x720"],
    ),
    ("1000 fps", info(video_stream(avg_frame_rate="1000/1")), Limits(), "absurd_frame_rate", ["1000", "240"]),
    ("240.5 fps", info(video_stream(avg_frame_rate="481/2")), Limits(), "absurd_frame_rate", []),
    ("12 min 3 s", info(video_stream(duration="723")), Limits(), "too_long", ["12 min 3 s", "10 min"]),
    ("600.5 s", info(video_stream(duration="600.5")), Limits(), "too_long", ["10 min 1 s", "limit is 10 min."]),
    ("2 s over 1 s", info(video_stream(duration="2.04")), Limits(max_duration_s=1), "too_long", ["2.0 s", "1 s"]),
    (
        "nine streams",
        info(video_stream(), *[audio_stream(index=i) for i in range(1, 9)]),
        Limits(),
        "too_many_streams",
        ["9 tracks", "limit is 8"],
    ),
    (
        "container counts more streams than it lists",
        info(video_stream(), nb_streams=40),
        Limits(),
        "too_many_streams",
        ["40"],
    ),
]


@pytest.mark.parametrize(
    ("ffprobe_json", "limits", "code", "words"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED]
)
def test_parse_rejects(ffprobe_json: dict[str, Any], limits: Limits, code: str, words: list[str]) -> None:
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.parse_probe_json(ffprobe_json, limits)
    assert caught.value.code == code
    for word in words:
        assert word in caught.value.message


# --- naming failures from ffmpeg's own words ---------------------------------------------------------

MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"
FAILURES = [
    (
        "Number of streams exceeds max_streams parameter (8), see the documentation",
        b"",
        "too_many_streams",
    ),
    (
        "[IMGUTILS @ 0x7f] Picture size 2176x3840 exceeds specified max pixel count 8294400",
        b"",
        "too_large_pixels",
    ),
    ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5] stream 1, offset 0x36cdf: partial file", b"", "truncated"),
    ("[matroska,webm @ 0x5] File ended prematurely", b"", "truncated"),
    ("[hls @ 0x5] Format not on whitelist 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm'", b"", "not_a_video"),
    ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5] moov atom not found", MP4_HEAD, "truncated"),
    ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5] moov atom not found", b"\x8f\x13random bytes", "not_a_video"),
    ("file:/x.mp4: Invalid data found when processing input", b"", "not_a_video"),
    ("", b"", "not_a_video"),
]


@pytest.mark.parametrize(("stderr", "head", "code"), FAILURES)
def test_classify_probe_failure(stderr: str, head: bytes, code: str) -> None:
    rejected = ffmpeg.classify_failure(stderr, default=RejectionCode.NOT_A_VIDEO, head=head)
    assert rejected.code == code
    assert rejected.message and "ffmpeg" not in rejected.message.lower()


def test_classified_messages_name_the_limit() -> None:
    limits = Limits(max_streams=5, max_width=1920, max_height=1080)
    streams = ffmpeg.classify_failure("exceeds max_streams", default=RejectionCode.UNDECODABLE, limits=limits)
    pixels = ffmpeg.classify_failure(
        "exceeds specified max pixel count", default=RejectionCode.UNDECODABLE, limits=limits
    )
    assert "5" in streams.message
    assert "1920x1080" in pixels.message


# --- progress ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "lines", "reported", "frames"),
    [
        (
            4.0,
            [
                *("frame=0", "out_time_us=N/A", "out_time_us=1000000", "progress=continue", "frame=60"),
                *("out_time_ms=2000000", "out_time_us=1500000", "out_time_us=4000000", "progress=end"),
            ],
            [0.25, 0.5, 1.0],
            60,
        ),
        (2.0, ["out_time_us=3000000"], [1.0], 0),  # capped at 1
        (0.0, ["out_time_us=3000000"], [], 0),  # unknown duration: no fraction
        (10.0, ["garbage", "", "out_time_us=-5", "out_time_us=500000"], [0.05], 0),
    ],
)
def test_progress_lines(duration: float, lines: list[str], reported: list[float], frames: int) -> None:
    seen: list[float] = []
    tracker = ProgressTracker(duration, seen.append)
    for line in lines:
        tracker.feed(line)
    assert seen == pytest.approx(reported)
    assert tracker.frames == frames


def test_progress_finish_reports_one_once() -> None:
    seen: list[float] = []
    tracker = ProgressTracker(10.0, seen.append)
    tracker.feed("out_time_us=9000000")
    tracker.finish()
    tracker.finish()
    assert seen == [0.9, 1.0]


# --- limits, codes, words ------------------------------------------------------------------------------


def test_rejection_codes_are_exactly_the_agreed_twelve() -> None:
    assert {code.value for code in RejectionCode} == {
        "not_a_video",
        "empty",
        "truncated",
        "no_video_stream",
        "audio_only",
        "too_long",
        "too_large_pixels",
        "absurd_frame_rate",
        "too_many_streams",
        "undecodable",
        "too_large_bytes",
        "timeout",
    }


def test_media_rejected_refuses_unknown_codes_and_compares_as_text() -> None:
    rejected = MediaRejected("too_long", "The video is 11 min long; the limit is 10 min.")
    assert rejected.code == "too_long"
    assert rejected.message.endswith("10 min.")
    with pytest.raises(ValueError, match="bogus"):
        MediaRejected("bogus", "x")


def test_default_limits() -> None:
    limits = Limits()
    assert (limits.max_bytes, limits.max_duration_s, limits.max_fps, limits.max_streams) == (2 * 1024**3, 600, 240, 8)
    assert (limits.max_long_side, limits.max_short_side) == (3840, 2160)
    assert limits.probe_timeout_s == 20


@pytest.mark.parametrize(
    ("limits", "duration", "timeout"),
    [(Limits(), 60.0, 300.0), (Limits(), 600.0, 2460.0), (Limits(transcode_timeout_s=5), 600.0, 5.0)],
)
def test_transcode_timeout_is_derived_or_given(limits: Limits, duration: float, timeout: float) -> None:
    assert limits.transcode_timeout_for(duration) == timeout


@pytest.mark.parametrize("changes", [{"max_bytes": 0}, {"max_fps": -1}, {"max_streams": 0}, {"transcode_timeout_s": 0}])
def test_limits_must_be_positive(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="positive"):
        Limits(**changes)


@pytest.mark.parametrize(
    "renditions", [(), (Rendition(720), Rendition(720)), (Rendition(0),)], ids=["none", "twice", "zero"]
)
def test_spec_refuses_bad_renditions(renditions: tuple[Rendition, ...]) -> None:
    with pytest.raises(ValueError, match="Renditions"):
        spec(renditions=renditions)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (723.0, "12 min 3 s"),
        (600.0, "10 min"),
        (600.4, "10 min 1 s"),
        (60.0, "1 min"),
        (45.0, "45 s"),
        (2.04, "2.0 s"),
        (1.0, "1 s"),
        (0.4, "0.4 s"),
    ],
)
def test_describe_duration(seconds: float, words: str) -> None:
    assert ffmpeg.describe_duration(seconds) == words


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (2 * 1024**3, "2 GB"),
        (int(2.5 * 1024**3), "2.5 GB"),
        (300 * 1024**2, "300 MB"),
        (1500, "1.5 KB"),
        (12, "12 bytes"),
    ],
)
def test_describe_bytes(size: int, words: str) -> None:
    assert ffmpeg.describe_bytes(size) == words
