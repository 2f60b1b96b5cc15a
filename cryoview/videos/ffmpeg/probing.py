"""probe(): check a user's file against every rule and describe it, in three bounded runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .argv import build_decode_check_argv, build_demux_check_argv, build_probe_argv
from .errors import MediaRejected, MediaToolError, RejectionCode
from .parsing import (
    _FAILURE_MARKERS,
    NOT_A_VIDEO_MESSAGE,
    ProgressTracker,
    _check_duration,
    classify_failure,
    describe_bytes,
    describe_duration,
    parse_probe_json,
)
from .process import _run
from .specs import _JSON_LIMIT, _PROGRESS_LIMIT, DEFAULT_LIMITS, Limits, ProbeResult


def probe(path: Path | str, limits: Limits = DEFAULT_LIMITS) -> ProbeResult:
    """Check a user's file against every rule and describe it; raises MediaRejected or MediaToolError.

    Three bounded runs: ffprobe (JSON), a demux pass over every packet (truncation, real duration)
    and a real decode of the first seconds (damage)."""
    source = Path(path).absolute()
    _check_file(source, limits)
    head = _read_head(source)
    argv = build_probe_argv(source, limits)
    finished = _run(argv, timeout_s=limits.probe_timeout_s, timeout_message=_slow("Reading"), stdout_limit=_JSON_LIMIT)
    if finished.returncode != 0:
        raise classify_failure(finished.stderr, default=RejectionCode.NOT_A_VIDEO, head=head, limits=limits)
    try:
        info = json.loads(finished.stdout)
    except ValueError as exc:
        raise MediaToolError("ffprobe answered with something that is not JSON.") from exc
    declared = parse_probe_json(info, limits)
    return _verify_packets_and_decode(source, declared, limits)


def _check_file(source: Path, limits: Limits) -> None:
    try:
        status = source.stat()
    except FileNotFoundError as exc:
        raise MediaToolError(f"There is no file at {source}.") from exc
    if not source.is_file():
        raise MediaRejected("not_a_video", NOT_A_VIDEO_MESSAGE)
    if status.st_size == 0:
        raise MediaRejected("empty", "The file is empty (0 bytes); the upload may have failed.")
    if status.st_size > limits.max_bytes:
        raise MediaRejected(
            "too_large_bytes",
            f"The file is {describe_bytes(status.st_size)}; the limit is {describe_bytes(limits.max_bytes)}.",
        )


def _read_head(source: Path) -> bytes:
    with source.open("rb") as handle:
        return handle.read(16)


def _slow(what: str) -> str:
    return f"{what} the video took longer than allowed; the file may be damaged or unusually complex."


def _verify_packets_and_decode(source: Path, declared: ProbeResult, limits: Limits) -> ProbeResult:
    packets = ProgressTracker()
    demux = _run(
        build_demux_check_argv(source, declared, limits),
        timeout_s=limits.check_timeout_s,
        timeout_message=_slow("Checking"),
        stdout_limit=_PROGRESS_LIMIT,
        on_line=packets.feed,
    )
    if demux.returncode != 0 or any(marker in demux.stderr for marker, _ in _FAILURE_MARKERS):
        raise classify_failure(demux.stderr, default=RejectionCode.UNDECODABLE, limits=limits)
    duration = _checked_duration(declared.duration, packets.out_time_s, limits)
    frames = ProgressTracker()
    decode = _run(
        build_decode_check_argv(source, declared, limits),
        timeout_s=limits.check_timeout_s,
        timeout_message=_slow("Decoding"),
        stdout_limit=_PROGRESS_LIMIT,
        on_line=frames.feed,
    )
    if decode.returncode != 0 or frames.frames == 0:
        raise classify_failure(decode.stderr, default=RejectionCode.UNDECODABLE, limits=limits)
    return replace(declared, duration=duration)


def _checked_duration(declared: float, measured: float, limits: Limits) -> float:
    if declared <= 0:
        _check_duration(measured, limits)
        if measured <= 0:
            raise MediaRejected("undecodable", "We could not tell how long the video is.")
        return measured
    if measured < declared - max(0.5, 0.05 * declared):
        raise MediaRejected(
            "truncated",
            f"The file is incomplete: it stops after {describe_duration(measured)} of the "
            f"{describe_duration(declared)} it announces. Please upload it again.",
        )
    return declared
