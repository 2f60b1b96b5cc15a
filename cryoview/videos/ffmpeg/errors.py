"""What can go wrong: the uploader's file is refused (MediaRejected) or our side failed (MediaToolError)."""

from __future__ import annotations

from enum import StrEnum


class RejectionCode(StrEnum):
    NOT_A_VIDEO = "not_a_video"
    EMPTY = "empty"
    TRUNCATED = "truncated"
    NO_VIDEO_STREAM = "no_video_stream"
    AUDIO_ONLY = "audio_only"
    TOO_LONG = "too_long"
    TOO_LARGE_PIXELS = "too_large_pixels"
    ABSURD_FRAME_RATE = "absurd_frame_rate"
    TOO_MANY_STREAMS = "too_many_streams"
    UNDECODABLE = "undecodable"
    TOO_LARGE_BYTES = "too_large_bytes"
    TIMEOUT = "timeout"


class MediaRejected(Exception):
    """The file is not something we accept; `message` is plain language for the uploader."""

    def __init__(self, code: RejectionCode | str, message: str) -> None:
        super().__init__(code, message)
        self.code = RejectionCode(code)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class MediaToolError(Exception):
    """Our side failed (ffmpeg missing, a crash on a file we accepted, an output not written)."""
