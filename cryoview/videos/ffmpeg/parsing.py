"""Reading ffmpeg's answers (pure): ffprobe's JSON, its error output, and `-progress` lines."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from .errors import MediaRejected, RejectionCode
from .specs import DEFAULT_LIMITS, Limits, ProbeResult


def parse_probe_json(info: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> ProbeResult:
    """Turn `ffprobe -show_format -show_streams -of json` into a ProbeResult, or reject.
    `duration` is 0.0 when the container does not state it (probe() then measures it)."""
    streams = [s for s in info.get("streams") or [] if isinstance(s, dict)]
    container = info.get("format") or {}
    stream_count = max(len(streams), int(_number(container.get("nb_streams")) or 0))
    if stream_count > limits.max_streams:
        raise MediaRejected(
            "too_many_streams", f"The file has {stream_count} tracks; the limit is {limits.max_streams}."
        )
    videos = [s for s in streams if s.get("codec_type") == "video" and not _disposition(s, "attached_pic")]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos:
        if audios:
            raise MediaRejected("audio_only", "The file has sound but no picture; please upload a video.")
        raise MediaRejected("no_video_stream", "The file has no video track.")
    video, audio = videos[0], (audios[0] if audios else None)
    if not video.get("codec_name") or video.get("codec_name") == "none":
        raise MediaRejected("undecodable", "The video is in a format we cannot decode.")
    rotation = _rotation(video)
    width, height = _display_size(video, rotation)
    _check_size(width, height, limits)
    fps = _frame_rate(video)
    if fps > limits.max_fps:
        raise MediaRejected(
            "absurd_frame_rate",
            f"The video claims {fps:g} frames per second; the limit is {limits.max_fps:g}.",
        )
    duration = _declared_duration(container, video, audio)
    _check_duration(duration, limits)
    return ProbeResult(
        format_name=str(container.get("format_name", "")),
        duration=duration,
        width=width,
        height=height,
        rotation=rotation,
        fps=fps,
        has_audio=audio is not None,
        video_codec=str(video["codec_name"]),
        audio_codec=(str(audio.get("codec_name") or "") or None) if audio else None,
        stream_count=stream_count,
        video_stream_index=int(video.get("index", 0)),
        audio_stream_index=int(audio.get("index", 0)) if audio else None,
    )


def _disposition(stream: Mapping[str, Any], flag: str) -> bool:
    disposition = stream.get("disposition") or {}
    return bool(disposition.get(flag))


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _ratio(value: Any, separator: str) -> float | None:
    numerator, _, denominator = str(value).partition(separator)
    top, bottom = _number(numerator), _number(denominator)
    if top is None or not bottom or top <= 0:
        return None
    return top / bottom if bottom > 0 else None


def _rotation(stream: Mapping[str, Any]) -> int:
    for side_data in stream.get("side_data_list") or []:
        angle = _number(side_data.get("rotation")) if isinstance(side_data, dict) else None
        if angle is not None:
            return round(angle) % 360
    angle = _number((stream.get("tags") or {}).get("rotate"))
    return round(angle) % 360 if angle is not None else 0


def _display_size(stream: Mapping[str, Any], rotation: int) -> tuple[int, int]:
    width, height = int(_number(stream.get("width")) or 0), int(_number(stream.get("height")) or 0)
    if width <= 0 or height <= 0:
        raise MediaRejected("undecodable", "We could not read the size of the picture.")
    aspect = _ratio(stream.get("sample_aspect_ratio"), ":")
    if aspect is not None and aspect != 1:
        width = max(1, round(width * aspect))
    return (height, width) if rotation in (90, 270) else (width, height)


def _check_size(width: int, height: int, limits: Limits) -> None:
    if max(width, height) > limits.max_long_side or min(width, height) > limits.max_short_side:
        raise MediaRejected(
            "too_large_pixels",
            f"The picture is {width}x{height} pixels; the largest we accept is "
            f"{limits.max_long_side}x{limits.max_short_side} (either way round).",
        )


def _frame_rate(stream: Mapping[str, Any]) -> float:
    for key in ("avg_frame_rate", "r_frame_rate"):  # average first: phones record variable frame rate
        rate = _ratio(stream.get(key), "/")
        if rate is not None:
            return round(rate, 3)
    return 0.0


def _declared_duration(container: Mapping[str, Any], *streams: Mapping[str, Any] | None) -> float:
    # The streams we will use, not the container: an idle data track must not make a clip "too long".
    stated = [_number(stream.get("duration")) for stream in streams if stream is not None]
    positive = [value for value in stated if value is not None and value > 0]
    if positive:
        return max(positive)
    overall = _number(container.get("duration"))
    return overall if overall is not None and overall > 0 else 0.0


def _check_duration(duration: float, limits: Limits) -> None:
    if duration > limits.max_duration_s:
        raise MediaRejected(
            "too_long",
            f"The video is {describe_duration(duration)} long; "
            f"the limit is {describe_duration(limits.max_duration_s)}.",
        )


def describe_duration(seconds: float) -> str:
    """`723.2` -> "12 min 4 s", `600` -> "10 min", `2.04` -> "2.0 s"."""
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f} s"
    minutes, rest = divmod(math.ceil(seconds - 0.0005), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


def describe_bytes(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


# Markers in ffmpeg's error output, first match wins.
_FAILURE_MARKERS: Final = (
    ("exceeds max_streams", RejectionCode.TOO_MANY_STREAMS),
    ("exceeds specified max pixel count", RejectionCode.TOO_LARGE_PIXELS),
    ("partial file", RejectionCode.TRUNCATED),
    ("File ended prematurely", RejectionCode.TRUNCATED),
    ("not on whitelist", RejectionCode.NOT_A_VIDEO),
)
NOT_A_VIDEO_MESSAGE: Final = "This file is not a video we can read. Please upload MP4, MOV, MKV or WebM."


def _failure_message(code: RejectionCode, limits: Limits) -> str:
    if code is RejectionCode.TOO_MANY_STREAMS:
        return f"The file has more than {limits.max_streams} tracks; the limit is {limits.max_streams}."
    if code is RejectionCode.TOO_LARGE_PIXELS:
        return (
            f"The picture is larger than {limits.max_long_side}x{limits.max_short_side} pixels "
            "(either way round), the largest we accept."
        )
    if code is RejectionCode.TRUNCATED:
        return "The file is incomplete: it seems to have been cut off. Please upload it again."
    if code is RejectionCode.NOT_A_VIDEO:
        return NOT_A_VIDEO_MESSAGE
    return "The video is damaged or in a format we cannot decode."


def classify_failure(
    stderr: str, *, default: RejectionCode, head: bytes = b"", limits: Limits = DEFAULT_LIMITS
) -> MediaRejected:
    """Name what went wrong from ffmpeg's error output. `head` (the file's first bytes) tells an MP4
    that lost its index at the end from random bytes named `.mp4`: both say "moov atom not found"."""
    code = next((code for marker, code in _FAILURE_MARKERS if marker in stderr), None)
    if code is None and "moov atom not found" in stderr and head[4:8] == b"ftyp":
        code = RejectionCode.TRUNCATED
    code = code or default
    return MediaRejected(code, _failure_message(code, limits))


class ProgressTracker:
    """Reads `-progress pipe:1` lines; reports a rising 0..1 fraction of `duration_s`."""

    def __init__(self, duration_s: float = 0.0, on_progress: Callable[[float], None] | None = None) -> None:
        self.duration_s = duration_s
        self.out_time_s = 0.0
        self.frames = 0
        self.ended = False
        self._on_progress = on_progress
        self._reported = 0.0

    def feed(self, line: str) -> None:
        key, _, value = line.strip().partition("=")
        number = _number(value)
        # ffmpeg 5.1 prints microseconds under both names (out_time_ms is a misnomer).
        if key in ("out_time_us", "out_time_ms") and number is not None and number >= 0:
            self.out_time_s = max(self.out_time_s, number / 1_000_000)
        elif key == "frame" and number is not None:
            self.frames = max(self.frames, int(number))
        elif key == "progress":
            self.ended = value.strip() == "end"
        if self.duration_s > 0:
            self._report(min(1.0, self.out_time_s / self.duration_s))

    def finish(self) -> None:
        self._report(1.0)

    def _report(self, fraction: float) -> None:
        if self._on_progress is not None and fraction > self._reported:
            self._reported = fraction
            self._on_progress(fraction)
