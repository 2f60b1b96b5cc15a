"""run_transcode(): one ffmpeg run writes every output; decode_audio_16k_mono_f32(): sound for speech recognition."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .argv import build_audio_decode_argv, build_probe_argv, build_transcode_argv, plan_transcode
from .errors import MediaRejected, MediaToolError, RejectionCode
from .parsing import _FAILURE_MARKERS, ProgressTracker, _number, classify_failure, describe_duration
from .probing import _check_file, _read_head, _slow
from .process import _Finished, _OutputTooLarge, _run
from .specs import (
    _JSON_LIMIT,
    _PROGRESS_LIMIT,
    DEFAULT_LIMITS,
    SPEECH_SAMPLE_RATE,
    VIDEO_FORMATS,
    Limits,
    MediaFile,
    ProbeResult,
    RenditionFile,
    TranscodePlan,
    TranscodeResult,
    TranscodeSpec,
)


def run_transcode(
    spec: TranscodeSpec,
    probe: ProbeResult,
    on_progress: Callable[[float], None] | None = None,
) -> TranscodeResult:
    """One ffmpeg run writes every rendition, the poster and the speech WAV into `spec.output_dir`.

    Side effects: creates the folder if needed and writes the fixed-name files; on any failure
    removes the files it planned, so a re-run starts clean. `on_progress` runs on the calling thread."""
    plan = plan_transcode(spec, probe)
    plan.poster_path.parent.mkdir(parents=True, exist_ok=True)
    tracker = ProgressTracker(probe.duration, on_progress)
    started = time.monotonic()
    try:
        finished = _run(
            build_transcode_argv(spec, probe),
            timeout_s=spec.limits.transcode_timeout_for(probe.duration),
            timeout_message=_slow("Converting"),
            stdout_limit=_PROGRESS_LIMIT,
            on_line=tracker.feed,
        )
        if finished.returncode != 0:
            raise _transcode_failure(finished, spec.limits)
        result = _describe_outputs(plan, spec.limits, time.monotonic() - started)
    except BaseException:
        for path in plan.paths:
            path.unlink(missing_ok=True)
        raise
    tracker.finish()
    return result


def _transcode_failure(finished: _Finished, limits: Limits) -> Exception:
    """The input passed probe(), so a failure is ours unless ffmpeg says the input is at fault."""
    blame_input = ("Error while decoding", "Invalid data found", *(marker for marker, _ in _FAILURE_MARKERS))
    if any(marker in finished.stderr for marker in blame_input):
        return classify_failure(finished.stderr, default=RejectionCode.UNDECODABLE, limits=limits)
    return MediaToolError(f"ffmpeg failed with exit code {finished.returncode}: {finished.stderr[-2000:]}")


def _describe_outputs(plan: TranscodePlan, limits: Limits, elapsed_s: float) -> TranscodeResult:
    renditions = tuple(
        RenditionFile(video.rendition, _describe_output(video.path, "mp4", VIDEO_FORMATS, limits))
        for video in plan.videos
    )
    poster = _describe_output(plan.poster_path, "jpeg_pipe", ("jpeg_pipe",), limits)
    audio = None if plan.audio_path is None else _describe_output(plan.audio_path, "wav", ("wav",), limits)
    return TranscodeResult(renditions=renditions, poster=poster, audio_16k=audio, elapsed_s=elapsed_s)


def _describe_output(path: Path, forced_format: str, formats: Sequence[str], limits: Limits) -> MediaFile:
    """Our own output, still read with the same hardening (forced demuxer, whitelists, `file:`)."""
    if not path.is_file() or path.stat().st_size == 0:
        raise MediaToolError(f"ffmpeg finished but did not write {path.name}.")
    argv = build_probe_argv(path, limits, formats=formats, forced_format=forced_format)
    finished = _run(argv, timeout_s=limits.probe_timeout_s, timeout_message=_slow("Reading"), stdout_limit=_JSON_LIMIT)
    if finished.returncode != 0:
        raise MediaToolError(f"ffprobe could not read our own {path.name}: {finished.stderr[-2000:]}")
    info = json.loads(finished.stdout)
    streams = [s for s in info.get("streams") or [] if isinstance(s, dict)]
    picture = next((s for s in streams if s.get("codec_type") == "video"), None)
    duration = _number((info.get("format") or {}).get("duration"))
    return MediaFile(
        path=path,
        size_bytes=path.stat().st_size,
        width=int(picture["width"]) if picture else None,
        height=int(picture["height"]) if picture else None,
        duration=duration,
    )


def decode_audio_16k_mono_f32(path: Path | str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The first audio track as raw float32 little-endian PCM, 16 kHz mono (empty if there is none).
    The caller makes the array: `numpy.frombuffer(data, dtype="<f4")`."""
    source = Path(path).absolute()
    _check_file(source, limits)
    most = math.ceil(limits.max_duration_s * SPEECH_SAMPLE_RATE) * 4 + 65536
    try:
        finished = _run(
            build_audio_decode_argv(source, limits),
            timeout_s=limits.check_timeout_s,
            timeout_message=_slow("Decoding the sound of"),
            stdout_limit=most,
        )
    except _OutputTooLarge as exc:
        raise MediaRejected(
            "too_long", f"The sound is longer than {describe_duration(limits.max_duration_s)}."
        ) from exc
    if finished.returncode != 0 and "does not contain any stream" in finished.stderr:
        return b""  # the input opened fine and has no audio track: `-map 0:a:0?` mapped nothing
    if finished.returncode != 0:
        head = _read_head(source)
        raise classify_failure(finished.stderr, default=RejectionCode.UNDECODABLE, head=head, limits=limits)
    data = finished.stdout
    return data[: len(data) - len(data) % 4]
