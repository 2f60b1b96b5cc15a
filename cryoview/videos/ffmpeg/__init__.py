"""The one door to ffmpeg and ffprobe (DESIGN.md rule 6).

Every call builds an argv list from typed dataclasses and runs it without a shell, in its own
session, under a watchdog that kills the whole process group when the time is up. Every input is
opened with `-protocol_whitelist file`, a demuxer `-format_whitelist`, a `file:` prefix on an
absolute path, and bounds on probing, streams and decoded pixels: a text file named `.mp4` that
is really an HLS/DASH/ffconcat/SDP description is refused instead of followed. Every output is
written with `-map_metadata -1 -map_chapters -1` and bit-exact flags, so no location, device or
date tag survives.

Pure standard library on purpose: no Django, no settings; callers pass `Limits`.

Import from here; the submodules are an internal layout, each depending only on those above it:
`errors` -> `specs` -> `argv` -> `parsing` (pure) -> `process` (runs a tool) -> `probing` -> `transcode`.
Private helpers are not re-exported: patch them where they live (e.g. `ffmpeg.process._executable`).
"""

from __future__ import annotations

from .argv import (
    build_audio_decode_argv,
    build_decode_check_argv,
    build_demux_check_argv,
    build_filter_graph,
    build_probe_argv,
    build_transcode_argv,
    file_url,
    fit_short_side,
    input_options,
    plan_transcode,
)
from .errors import MediaRejected, MediaToolError, RejectionCode
from .parsing import (
    NOT_A_VIDEO_MESSAGE,
    ProgressTracker,
    classify_failure,
    describe_bytes,
    describe_duration,
    parse_probe_json,
)
from .probing import probe
from .specs import (
    ANALYZE_DURATION_US,
    AUDIO_16K_NAME,
    DECODE_CHECK_S,
    DEFAULT_LIMITS,
    DEFAULT_RENDITIONS,
    MAX_OUTPUT_FPS,
    POSTER_NAME,
    PROBESIZE_BYTES,
    SPEECH_SAMPLE_RATE,
    VIDEO_FORMATS,
    Limits,
    MediaFile,
    PlannedVideo,
    ProbeResult,
    Rendition,
    RenditionFile,
    TranscodePlan,
    TranscodeResult,
    TranscodeSpec,
)
from .transcode import decode_audio_16k_mono_f32, run_transcode

__all__ = [
    "ANALYZE_DURATION_US",
    "AUDIO_16K_NAME",
    "DECODE_CHECK_S",
    "DEFAULT_LIMITS",
    "DEFAULT_RENDITIONS",
    "MAX_OUTPUT_FPS",
    "NOT_A_VIDEO_MESSAGE",
    "POSTER_NAME",
    "PROBESIZE_BYTES",
    "SPEECH_SAMPLE_RATE",
    "VIDEO_FORMATS",
    "Limits",
    "MediaFile",
    "MediaRejected",
    "MediaToolError",
    "PlannedVideo",
    "ProbeResult",
    "ProgressTracker",
    "RejectionCode",
    "Rendition",
    "RenditionFile",
    "TranscodePlan",
    "TranscodeResult",
    "TranscodeSpec",
    "build_audio_decode_argv",
    "build_decode_check_argv",
    "build_demux_check_argv",
    "build_filter_graph",
    "build_probe_argv",
    "build_transcode_argv",
    "classify_failure",
    "decode_audio_16k_mono_f32",
    "describe_bytes",
    "describe_duration",
    "file_url",
    "fit_short_side",
    "input_options",
    "parse_probe_json",
    "plan_transcode",
    "probe",
    "run_transcode",
]
