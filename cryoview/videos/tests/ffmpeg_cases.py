"""Shared cases for the table tests of cryoview.videos.ffmpeg (no process is started)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from cryoview.videos.ffmpeg import ProbeResult, TranscodeSpec

WHITELIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
OUT = Path("/srv/work/attempt-1")
SOURCE = Path("/srv/uploads/original.mov")


def probe_result(**changes: Any) -> ProbeResult:
    base = ProbeResult(
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        duration=10.0,
        width=1920,
        height=1080,
        rotation=0,
        fps=30.0,
        has_audio=True,
        video_codec="h264",
        audio_codec="aac",
        stream_count=2,
        video_stream_index=0,
        audio_stream_index=1,
    )
    if changes.get("has_audio") is False:
        changes = {"audio_codec": None, "audio_stream_index": None, "stream_count": 1, **changes}
    return replace(base, **changes)


def spec(**changes: Any) -> TranscodeSpec:
    return TranscodeSpec(input_path=SOURCE, output_dir=OUT, **changes)


def output_groups(argv: list[str]) -> list[list[str]]:
    """The options of each output file of a transcode argv, ending with the output URL."""
    start = argv.index("-filter_complex") + 2
    groups: list[list[str]] = [[]]
    for arg in argv[start:]:
        groups[-1].append(arg)
        if arg.startswith("file:"):
            groups.append([])
    assert groups[-1] == [], "anything after the last output would be ignored by ffmpeg"
    return groups[:-1]


def has_pair(args: list[str], option: str, value: str) -> bool:
    return any(args[i] == option and args[i + 1] == value for i in range(len(args) - 1))
