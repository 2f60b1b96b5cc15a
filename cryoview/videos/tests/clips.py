"""Tiny clips made at test time with `ffmpeg -f lavfi` (DESIGN.md rule 6): no binary fixtures in git.

These run the plain, unhardened ffmpeg/ffprobe on purpose: they make and inspect our own files,
and the canary tests use them to show that an unhardened tool really follows a disguised playlist.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

IPHONE_TAGS = {
    "location": "+48.8584+002.2945/",
    "com.apple.quicktime.location.ISO6709": "+48.8584+002.2945/",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 15",
    "creation_time": "2026-05-01T10:00:00Z",
}


def run_ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        timeout=120,
    )


def make_video(
    path: Path,
    *,
    width: int = 320,
    height: int = 240,
    seconds: float = 2.0,
    fps: int = 15,
    audio: bool = True,
    rotate: int | None = None,
    tags: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Path:
    """H.264/AAC (VP9/Opus for .webm). `rotate` writes a display matrix as phones do;
    `tags` become container tags the way an iPhone writes them (`mdta` keys)."""
    picture = source or f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"
    inputs = ["-f", "lavfi", "-i", picture]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    codecs = _codecs(path.suffix, audio)
    target = path.with_name(f"unrotated-{path.name}") if rotate is not None else path
    tag_args = _tag_args(tags, stream_tags=audio) if tags else []
    run_ffmpeg(*inputs, *codecs, *tag_args, "-shortest", str(target))
    if rotate is not None:
        # ffmpeg 5.1 only turns a `rotate` tag into a display matrix when stream-copying.
        run_ffmpeg("-i", str(target), "-map", "0", "-c", "copy", "-metadata:s:v:0", f"rotate={rotate}", str(path))
        target.unlink()
    return path


def make_speaking_video(
    path: Path, speech_wav: Path, *, width: int, height: int, seconds: float, tags: Mapping[str, str] | None = None
) -> Path:
    """A test picture with real speech on it (for captions): the picture from make_video, the voice muxed in.
    `tags` become container tags written the way an iPhone writes them (`mdta` keys)."""
    picture = make_video(
        path.with_name(f"picture-{path.name}"), width=width, height=height, seconds=seconds, audio=False
    )
    run_ffmpeg(
        "-i",
        str(picture),
        "-i",
        str(speech_wav),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "copy",
        "-c:a",
        "aac",
        "-shortest",
        *(["-movflags", "use_metadata_tags"] if tags else []),
        *[arg for key, value in (tags or {}).items() for arg in ("-metadata", f"{key}={value}")],
        str(path),
    )
    picture.unlink()
    return path


def _codecs(suffix: str, audio: bool) -> list[str]:
    if suffix == ".webm":
        video = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"]
        return video + (["-c:a", "libopus"] if audio else [])
    video = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    return video + (["-c:a", "aac"] if audio else [])


def _tag_args(tags: Mapping[str, str], *, stream_tags: bool) -> list[str]:
    args = ["-movflags", "use_metadata_tags"]
    for key, value in tags.items():
        args += ["-metadata", f"{key}={value}"]
    for key in ("creation_time",):
        if key in tags:
            args += ["-metadata:s:v:0", f"{key}={tags[key]}"]
            if stream_tags:
                args += ["-metadata:s:a:0", f"{key}={tags[key]}"]
    return args


def make_left_white_right_black(path: Path, *, rotate: int | None = None) -> Path:
    """640x360, white left half, black right half: shows which way a picture was turned."""
    source = (
        "color=white:size=320x360:rate=10:duration=1[l];color=black:size=320x360:rate=10:duration=1[r];[l][r]hstack"
    )
    return make_video(path, source=source, audio=False, rotate=rotate)


def make_audio_only(path: Path, *, seconds: float = 2.0) -> Path:
    run_ffmpeg("-f", "lavfi", "-i", f"sine=duration={seconds}", "-c:a", "aac", str(path))
    return path


def make_many_tracks(path: Path, *, audio_tracks: int) -> Path:
    """Matroska with one small video and `audio_tracks` audio tracks."""
    inputs = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1"]
    maps = ["-map", "0"]
    for number in range(audio_tracks):
        inputs += ["-f", "lavfi", "-i", f"sine=frequency={300 + 50 * number}:duration=1"]
        maps += ["-map", str(number + 1)]
    run_ffmpeg(*inputs, *maps, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(path))
    return path


def make_subtitles_only(path: Path) -> Path:
    subtitles = path.with_suffix(".srt")
    subtitles.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n", encoding="utf-8")
    run_ffmpeg("-i", str(subtitles), "-c:s", "srt", str(path))
    subtitles.unlink()
    return path


def cut(source: Path, target: Path, *, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def scramble_middle(source: Path, target: Path) -> Path:
    """Overwrite the middle half with random bytes, leaving the container's index intact
    (use a file whose index is at the end, i.e. written without +faststart)."""
    data = bytearray(source.read_bytes())
    start, stop = 64, len(data) // 2
    data[start:stop] = os.urandom(stop - start)
    target.write_bytes(bytes(data))
    return target


def ffprobe_json(path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def all_tags(info: Mapping[str, Any]) -> dict[str, str]:
    """Every tag in the container and its streams, keyed `where:name`."""
    tags = {f"format:{key}": value for key, value in (info.get("format", {}).get("tags") or {}).items()}
    for stream in info.get("streams", []):
        for key, value in (stream.get("tags") or {}).items():
            tags[f"stream{stream['index']}:{key}"] = value
    return tags


def gray_frame(path: Path, *, width: int, height: int) -> bytes:
    """The first frame, scaled to width x height, as 8-bit gray bytes (plain ffmpeg: autorotates)."""
    completed = subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-frames:v", "1"),
            *("-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return completed.stdout
