"""Typed inputs and outputs of the wrapper: limits, the probe's description of a file, what a transcode
writes, and the numbers and file names every run shares. Pure data: nothing here starts a process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

VIDEO_FORMATS: Final = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm")
PROBESIZE_BYTES: Final = 10_000_000
ANALYZE_DURATION_US: Final = 10_000_000
DECODE_CHECK_S: Final = 2.0
MAX_OUTPUT_FPS: Final = 60
SPEECH_SAMPLE_RATE: Final = 16_000
POSTER_NAME: Final = "poster.jpg"
AUDIO_16K_NAME: Final = "audio16k.wav"
_JSON_LIMIT: Final = 1024 * 1024
_PROGRESS_LIMIT: Final = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_bytes: int = 2 * 1024**3
    max_duration_s: float = 600.0
    max_width: int = 3840
    max_height: int = 2160
    max_fps: float = 240.0
    max_streams: int = 8
    probe_timeout_s: float = 20.0
    check_timeout_s: float = 120.0  # the integrity passes of probe() and decode_audio_16k_mono_f32()
    transcode_timeout_s: float | None = None  # None: derived from the duration

    def __post_init__(self) -> None:
        bounds = (self.max_bytes, self.max_duration_s, self.max_width, self.max_height, self.max_fps)
        counts = (self.max_streams, self.probe_timeout_s, self.check_timeout_s)
        given = () if self.transcode_timeout_s is None else (self.transcode_timeout_s,)
        if min(*bounds, *counts, *given) <= 0:
            raise ValueError("Every limit must be positive.")

    @property
    def max_long_side(self) -> int:
        return max(self.max_width, self.max_height)

    @property
    def max_short_side(self) -> int:
        return min(self.max_width, self.max_height)

    @property
    def decoder_max_pixels(self) -> int:
        # Decoders check the stride-aligned width (a vertical 2160-wide frame counts as 2176), so the
        # decoder bound has headroom; the exact limit is enforced on the probed size.
        return (self.max_long_side + 64) * (self.max_short_side + 64)

    def transcode_timeout_for(self, duration_s: float) -> float:
        if self.transcode_timeout_s is not None:
            return self.transcode_timeout_s
        # Measured: 60 s of 1080x1920 to 720p+360p took 19.6 s on 2 cores; leave room for a busy box.
        return 60.0 + 4.0 * duration_s


DEFAULT_LIMITS: Final = Limits()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    format_name: str
    duration: float
    width: int  # as displayed: after rotation and sample aspect ratio
    height: int
    rotation: int  # degrees as ffprobe reports the display matrix, normalised to 0..359
    fps: float  # 0.0 when the container does not say
    has_audio: bool
    video_codec: str
    audio_codec: str | None
    stream_count: int
    video_stream_index: int
    audio_stream_index: int | None

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def long_side(self) -> int:
        return max(self.width, self.height)


@dataclass(frozen=True, slots=True)
class Rendition:
    """An H.264/AAC MP4 whose SHORT side is `short_side` pixels, so vertical video stays vertical."""

    short_side: int
    crf: int = 23
    audio_bitrate_k: int = 128

    @property
    def filename(self) -> str:
        return f"{self.short_side}.mp4"


DEFAULT_RENDITIONS: Final = (Rendition(720), Rendition(360))


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscodeSpec:
    input_path: Path
    output_dir: Path  # a per-attempt temp folder; outputs get the fixed names below
    renditions: tuple[Rendition, ...] = DEFAULT_RENDITIONS
    poster_at_s: float | None = None  # None: min(1 s, half the duration)
    audio_16k: bool = True  # 16 kHz mono s16 WAV for speech recognition, when there is audio
    limits: Limits = DEFAULT_LIMITS

    def __post_init__(self) -> None:
        sides = [rendition.short_side for rendition in self.renditions]
        if not sides or len(set(sides)) != len(sides) or min(sides) < 2:
            raise ValueError("Renditions must be distinct, at least one, each at least 2 pixels.")


@dataclass(frozen=True, slots=True)
class PlannedVideo:
    rendition: Rendition
    path: Path
    width: int
    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscodePlan:
    videos: tuple[PlannedVideo, ...]
    poster_path: Path
    poster_at_s: float
    audio_path: Path | None

    @property
    def paths(self) -> tuple[Path, ...]:
        extra = (self.poster_path,) if self.audio_path is None else (self.poster_path, self.audio_path)
        return (*(video.path for video in self.videos), *extra)


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFile:
    path: Path
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class RenditionFile:
    rendition: Rendition
    file: MediaFile


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscodeResult:
    renditions: tuple[RenditionFile, ...]  # largest first
    poster: MediaFile
    audio_16k: MediaFile | None
    elapsed_s: float
