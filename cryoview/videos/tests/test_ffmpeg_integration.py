"""Real ffmpeg 5.1 on tiny clips made at test time (DESIGN.md rule 6). No database needed."""

from __future__ import annotations

import array
import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cryoview.videos import ffmpeg
from cryoview.videos.ffmpeg import Limits, MediaRejected, MediaToolError, TranscodeSpec
from cryoview.videos.tests import clips

# No skip when ffmpeg is missing: `make test` installs it (scripts/system-packages), and a suite that
# silently skipped the hostile-input tests would prove nothing.

QUICK = Limits(probe_timeout_s=10, check_timeout_s=10)
ROOT = Path(__file__).resolve().parents[3]


class Clips:
    """Clips shared by the module; each made once, lazily."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, name: str, make: object) -> Path:
        path = self.folder / name
        if not path.exists():
            assert callable(make)
            make(path)
        return path

    @property
    def small(self) -> Path:  # 320x240, 2 s, with sound, index at the end (no faststart)
        return self.get("small.mp4", clips.make_video)

    @property
    def silent(self) -> Path:
        return self.get("silent.mp4", lambda p: clips.make_video(p, audio=False))

    @property
    def iphone(self) -> Path:
        return self.get("iphone.mov", lambda p: clips.make_video(p, width=1280, height=720, tags=clips.IPHONE_TAGS))

    @property
    def vertical_small(self) -> Path:
        return self.get("vertical-360x640.mp4", lambda p: clips.make_video(p, width=360, height=640))

    @property
    def vertical_hd(self) -> Path:  # a real phone-sized frame, 1 s
        return self.get(
            "vertical-1080x1920.mp4", lambda p: clips.make_video(p, width=1080, height=1920, seconds=1, fps=30)
        )

    @property
    def rotated(self) -> Path:  # stored 640x360 with a 90-degree display matrix: shows as 360x640
        return self.get("rotated.mp4", lambda p: clips.make_left_white_right_black(p, rotate=90))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips(tmp_path_factory.mktemp("clips"))


def transcode(source: Path, out: Path, limits: Limits = QUICK) -> ffmpeg.TranscodeResult:
    probe = ffmpeg.probe(source, limits)
    return ffmpeg.run_transcode(TranscodeSpec(input_path=source, output_dir=out, limits=limits), probe)


def rejected_code(path: Path, limits: Limits = QUICK) -> str:
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.probe(path, limits)
    assert caught.value.message
    return caught.value.code


# --- (1) private metadata never survives ---------------------------------------------------------

PRIVATE_KEYS = {"location", "location-eng", "com.apple.quicktime.location.iso6709", "creation_time"}
PRIVATE_KEYS |= {"com.apple.quicktime.make", "com.apple.quicktime.model", "make", "model"}
PRIVATE_WORDS = ("48.8584", "002.2945", "Apple", "iPhone", "2026-05-01")


def test_iphone_tags_are_stripped_from_every_output(made: Clips, tmp_path: Path) -> None:
    source_tags = clips.all_tags(clips.ffprobe_json(made.iphone))
    assert "format:location" in source_tags and "format:com.apple.quicktime.model" in source_tags, (
        "the source must carry the tags, or this test proves nothing"
    )
    assert any(key.endswith(":creation_time") and key.startswith("stream") for key in source_tags)

    result = transcode(made.iphone, tmp_path / "out")

    outputs = [item.file.path for item in result.renditions] + [result.poster.path]
    assert result.audio_16k is not None
    outputs.append(result.audio_16k.path)
    assert [path.name for path in outputs] == ["720.mp4", "360.mp4", "poster.jpg", "audio16k.wav"]
    for path in outputs:
        tags = clips.all_tags(clips.ffprobe_json(path))
        names = {key.split(":", 1)[1].lower() for key in tags}
        assert not names & PRIVATE_KEYS, (path.name, tags)
        raw = path.read_bytes()
        for word in PRIVATE_WORDS:
            assert word not in " ".join(tags.values()), (path.name, word)
            assert word.encode() not in raw, (path.name, word)


def test_outputs_carry_no_encoder_version_or_chapters(made: Clips, tmp_path: Path) -> None:
    result = transcode(made.small, tmp_path / "out")
    info = clips.ffprobe_json(result.renditions[0].file.path)
    assert "encoder" not in (info["format"].get("tags") or {}), "+bitexact drops the Lavf version tag"
    for stream in info["streams"]:
        assert "handler_name" not in (stream.get("tags") or {}), "-empty_hdlr_name"
        assert (stream.get("tags") or {}).get("encoder", "Lavc libx264") == "Lavc libx264", "no version"
    assert b"Lavf" not in result.renditions[0].file.path.read_bytes()
    assert b"Lavc" not in result.poster.path.read_bytes(), "+bitexact drops the JPEG comment"


# --- (2) orientation -----------------------------------------------------------------------------------


def test_small_vertical_video_stays_vertical(made: Clips, tmp_path: Path) -> None:
    result = transcode(made.vertical_small, tmp_path / "out")
    assert [(r.rendition.short_side, r.file.width, r.file.height) for r in result.renditions] == [(360, 360, 640)]
    assert (result.poster.width, result.poster.height) == (360, 640)


def test_real_1080x1920_phone_frame_gives_720x1280_and_360x640(made: Clips, tmp_path: Path) -> None:
    result = transcode(made.vertical_hd, tmp_path / "out")
    sizes = [(r.file.path.name, r.file.width, r.file.height) for r in result.renditions]
    assert sizes == [("720.mp4", 720, 1280), ("360.mp4", 360, 640)]
    assert (result.poster.width, result.poster.height) == (720, 1280)
    for rendition in result.renditions:
        assert rendition.file.duration == pytest.approx(1.0, abs=0.1)


def test_rotated_input_is_turned_upright_and_output_has_no_display_matrix(made: Clips, tmp_path: Path) -> None:
    probe = ffmpeg.probe(made.rotated, QUICK)
    assert (probe.width, probe.height, probe.rotation) == (360, 640, 90)

    result = transcode(made.rotated, tmp_path / "out")

    video = result.renditions[0].file
    assert (video.width, video.height) == (360, 640)
    stream = clips.ffprobe_json(video.path)["streams"][0]
    assert not stream.get("side_data_list"), "no display matrix: players must not rotate it again"
    assert "rotate" not in (stream.get("tags") or {})
    # The picture itself was turned as a player turns it (plain ffmpeg autorotates the source),
    # not squeezed: the source's left/right halves must become top/bottom.
    reference, ours = (clips.gray_frame(path, width=36, height=64) for path in (made.rotated, result.poster.path))
    for frame in (reference, ours, clips.gray_frame(video.path, width=36, height=64)):
        top, bottom = sum(frame[: 36 * 32]) / (36 * 32), sum(frame[36 * 32 :]) / (36 * 32)
        assert abs(top - bottom) > 150
        assert (top > bottom) == (sum(reference[: 36 * 32]) > sum(reference[36 * 32 :]))


def test_vertical_4k_passes_the_decoder_pixel_bound(tmp_path: Path) -> None:
    # Decoders check the 64-aligned width: a 2160-wide frame counts as 2176x3840, above 3840x2160.
    source = clips.make_video(tmp_path / "4k.mp4", width=2160, height=3840, seconds=0.4, fps=5, audio=False)
    probe = ffmpeg.probe(source, QUICK)
    assert (probe.width, probe.height) == (2160, 3840)


def test_vertical_fits_landscape_limits_either_way_round(made: Clips) -> None:
    probe = ffmpeg.probe(made.vertical_small, Limits(max_width=640, max_height=360))
    assert (probe.width, probe.height) == (360, 640)


# --- (3) canaries: disguised playlists must not make ffmpeg read anything else ---------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def disguise(kind: str, target: str, port: int) -> str:
    return {
        "hls": (
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n"
            f"{target}\n#EXTINF:1.0,\nhttp://127.0.0.1:{port}/x.ts\n#EXT-X-ENDLIST\n"
        ),
        "ffconcat": f"ffconcat version 1.0\nfile '{target}'\nfile 'http://127.0.0.1:{port}/x.mp4'\n",
        "dash": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT1S" '
            'minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period>'
            '<AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000">'
            f"<BaseURL>{target}</BaseURL></Representation></AdaptationSet></Period></MPD>\n"
        ),
        "sdp": (
            "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\n"
            f"m=video {port} RTP/AVP 96\na=rtpmap:96 H264/90000\n"
        ),
    }[kind]


@pytest.mark.parametrize("kind", ["hls", "ffconcat", "dash", "sdp"])
def test_disguised_playlist_is_refused_and_nothing_it_names_is_opened(
    kind: str, tmp_path: Path, listener: socket.socket
) -> None:
    # The file it points at is a FIFO: opening it for reading would block until our timeout, so a
    # hardening gap shows up as `timeout` (or a hang), never as `not_a_video`.
    canary = tmp_path / f"canary-{uuid.uuid4().hex}.mp4"
    os.mkfifo(canary)
    disguised = tmp_path / "my-review.mp4"
    target = canary.name if kind == "ffconcat" else str(canary)
    if kind == "dash":
        target = f"file://{canary}"
    disguised.write_text(disguise(kind, target, listener.getsockname()[1]), encoding="utf-8")

    started = time.monotonic()
    assert rejected_code(disguised, Limits(probe_timeout_s=5, check_timeout_s=5)) == "not_a_video"

    assert time.monotonic() - started < 4
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected to the internal address


@pytest.mark.parametrize("kind", ["ffconcat", "dash"])
def test_the_canary_trap_is_real_for_an_unhardened_ffprobe(kind: str, made: Clips, tmp_path: Path) -> None:
    """Without the whitelists, plain ffprobe follows the disguise to another file. This is what the
    test above guards against; if this ever stops being true, the test above stops proving much."""
    canary = tmp_path / "canary.mp4"
    shutil.copy(made.vertical_small, canary)
    disguised = tmp_path / "my-review.mp4"
    if kind == "ffconcat":  # one relative entry: the concat demuxer's own "safe" mode allows it
        disguised.write_text(f"ffconcat version 1.0\nfile '{canary.name}'\n", encoding="utf-8")
    else:
        disguised.write_text(disguise(kind, f"file://{canary}", 9), encoding="utf-8")
    info = clips.ffprobe_json(disguised)
    assert info["format"]["format_name"] in {"concat", "dash"}
    assert [s.get("width") for s in info["streams"] if s["codec_type"] == "video"] == [360], "read the canary"


def test_probe_of_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "upload.mp4"
    os.mkfifo(fifo)
    assert rejected_code(fifo) == "not_a_video"


# --- (4)-(9) and the other rejection codes, on real files ------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert rejected_code(empty) == "empty"


@pytest.mark.parametrize("faststart", [False, True], ids=["index-at-end", "index-at-start"])
def test_mp4_cut_in_half_is_truncated(made: Clips, tmp_path: Path, faststart: bool) -> None:
    source = made.small
    if faststart:
        source = tmp_path / "faststart.mp4"
        clips.run_ffmpeg("-i", str(made.small), "-c", "copy", "-movflags", "+faststart", str(source))
    assert rejected_code(clips.cut(source, tmp_path / "half.mp4")) == "truncated"


def test_matroska_cut_in_half_is_truncated(made: Clips, tmp_path: Path) -> None:
    whole = tmp_path / "whole.mkv"
    clips.run_ffmpeg("-i", str(made.small), "-c", "copy", str(whole))
    assert rejected_code(clips.cut(whole, tmp_path / "half.mkv")) == "truncated"


def test_scrambled_picture_data_is_undecodable(made: Clips, tmp_path: Path) -> None:
    assert rejected_code(clips.scramble_middle(made.small, tmp_path / "scrambled.mp4")) == "undecodable"


def test_audio_only_m4a(tmp_path: Path) -> None:
    assert rejected_code(clips.make_audio_only(tmp_path / "voice.m4a")) == "audio_only"


def test_subtitles_only_has_no_video_stream(tmp_path: Path) -> None:
    assert rejected_code(clips.make_subtitles_only(tmp_path / "subs.mkv")) == "no_video_stream"


def test_too_long(made: Clips) -> None:
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.probe(made.small, Limits(max_duration_s=1))
    assert caught.value.code == "too_long"
    assert "the limit is 1 s" in caught.value.message


def test_too_many_pixels(made: Clips) -> None:
    assert rejected_code(made.small, Limits(max_width=160, max_height=120)) == "too_large_pixels"


def test_absurd_frame_rate(made: Clips) -> None:
    assert rejected_code(made.small, Limits(max_fps=10)) == "absurd_frame_rate"


def test_too_many_streams(tmp_path: Path) -> None:
    assert rejected_code(clips.make_many_tracks(tmp_path / "tracks.mkv", audio_tracks=9)) == "too_many_streams"


def test_too_large_bytes(made: Clips) -> None:
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.probe(made.small, Limits(max_bytes=1000))
    assert caught.value.code == "too_large_bytes"
    assert caught.value.message.endswith("KB; the limit is 1000 bytes.")


def test_random_bytes_named_mp4_are_not_a_video(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(os.urandom(200_000))
    assert rejected_code(noise) == "not_a_video"


def test_a_text_file_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.mov"
    text.write_text("hello, this is not a video\n" * 100, encoding="utf-8")
    assert rejected_code(text) == "not_a_video"


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ".webm"])
def test_accepted_containers(suffix: str, tmp_path: Path) -> None:
    clip = clips.make_video(tmp_path / f"clip{suffix}", width=160, height=120, seconds=1, fps=10)
    probe = ffmpeg.probe(clip, QUICK)
    assert (probe.width, probe.height, probe.has_audio) == (160, 120, True)
    assert probe.duration == pytest.approx(1.0, abs=0.1)
    assert probe.fps == 10


def test_probe_describes_a_good_clip(made: Clips) -> None:
    probe = ffmpeg.probe(made.small, QUICK)
    assert (probe.width, probe.height, probe.rotation, probe.fps) == (320, 240, 0, 15)
    assert (probe.video_codec, probe.audio_codec, probe.stream_count) == ("h264", "aac", 2)
    assert probe.duration == pytest.approx(2.0, abs=0.1)


def test_missing_ffmpeg_is_our_error_not_the_uploaders(
    made: Clips, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MediaToolError, match="ffprobe is not installed"):
        ffmpeg.probe(made.small)


def test_missing_file_is_our_error(tmp_path: Path) -> None:
    with pytest.raises(MediaToolError, match="no file"):
        ffmpeg.probe(tmp_path / "gone.mp4")


# --- (10) timeouts kill the whole process group ----------------------------------------------------


def running(marker: str) -> bool:
    return subprocess.run(["pgrep", "-f", marker], capture_output=True, check=False).returncode == 0


def test_timeout_kills_a_stuck_ffmpeg(made: Clips, tmp_path: Path) -> None:
    """ffmpeg is made to block for certain (its input is a FIFO nobody writes), so the watchdog must act."""
    folder = tmp_path / f"stuck-{uuid.uuid4().hex}"
    folder.mkdir()
    fifo = folder / "input.mp4"
    os.mkfifo(fifo)
    probe = ffmpeg.probe(made.small, QUICK)
    spec = TranscodeSpec(input_path=fifo, output_dir=folder / "out", limits=Limits(transcode_timeout_s=1))
    seen_running = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline and not seen_running.is_set():
            if running(str(folder)):
                seen_running.set()
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.run_transcode(spec, probe)
    watcher.join()

    assert caught.value.code == "timeout"
    assert 0.9 < time.monotonic() - started < 5
    assert seen_running.is_set(), "the check below must be able to see ffmpeg"
    assert not running(str(folder))


def test_timeout_mid_encode_kills_ffmpeg_and_removes_partial_outputs(made: Clips, tmp_path: Path) -> None:
    folder = tmp_path / f"slow-{uuid.uuid4().hex}"
    folder.mkdir()
    source = folder / "input.mp4"
    shutil.copy(made.vertical_hd, source)
    probe = ffmpeg.probe(source, QUICK)
    spec = TranscodeSpec(input_path=source, output_dir=folder / "out", limits=Limits(transcode_timeout_s=0.2))
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.run_transcode(spec, probe)
    assert caught.value.code == "timeout"
    assert not running(str(folder))
    assert list((folder / "out").iterdir()) == []


# --- (10b) ffmpeg dies with the process that started it ------------------------------------------------

# The folder comes in through the environment, not argv, so that only ffmpeg's command line names it.
ORPHAN_SCRIPT = """
import os
from cryoview.videos.ffmpeg.process import _run

out = os.path.join(os.environ["CRYOVIEW_TEST_ORPHAN_DIR"], "out.nut")
argv = [
    "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
    "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=600",
    "-c:v", "rawvideo", "-f", "nut", "file:" + out,
]
_run(argv, timeout_s=600, timeout_message="too slow", stdout_limit=1 << 20)
"""


def pids(marker: str) -> list[int]:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False)
    return [int(pid) for pid in found.stdout.split()]


def test_ffmpeg_dies_with_the_python_process_that_started_it(tmp_path: Path) -> None:
    """A worker SIGKILLed mid-transcode runs no cleanup and no watchdog: the kernel must end its ffmpeg
    (PR_SET_PDEATHSIG), or an orphan keeps writing files for up to the whole transcode timeout."""
    folder = tmp_path / f"orphan-{uuid.uuid4().hex}"
    folder.mkdir()
    output = folder / "out.nut"
    env = {**os.environ, "CRYOVIEW_TEST_ORPHAN_DIR": str(folder)}
    worker = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 10
        while not (running(str(folder)) and output.exists() and output.stat().st_size > 0):
            assert worker.poll() is None, "the runner exited before ffmpeg got going"
            assert time.monotonic() < deadline, "ffmpeg never started writing"
            time.sleep(0.05)

        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL

        deadline = time.monotonic() + 5
        while running(str(folder)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(str(folder)), "ffmpeg outlived the Python process that started it"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for pid in pids(str(folder)):  # never leave an orphan behind, even when the test fails
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# --- (11) progress ------------------------------------------------------------------------------------------


def test_progress_rises_and_ends_at_one(tmp_path: Path) -> None:
    source = clips.make_video(tmp_path / "six.mp4", width=720, height=1280, seconds=6, fps=30)
    probe = ffmpeg.probe(source, QUICK)
    seen: list[float] = []
    ffmpeg.run_transcode(TranscodeSpec(input_path=source, output_dir=tmp_path / "out"), probe, seen.append)
    assert seen[-1] == 1.0
    assert len(seen) >= 2, f"expected progress before the end, got {seen}"
    assert all(0 < a < b for a, b in itertools.pairwise(seen))


# --- outputs -----------------------------------------------------------------------------------------------


def test_silent_video_gets_no_audio_track_and_no_wav(made: Clips, tmp_path: Path) -> None:
    result = transcode(made.silent, tmp_path / "out")
    assert result.audio_16k is None
    assert not (tmp_path / "out" / "audio16k.wav").exists()
    kinds = [s["codec_type"] for s in clips.ffprobe_json(result.renditions[0].file.path)["streams"]]
    assert kinds == ["video"]


def test_outputs_are_browser_friendly(made: Clips, tmp_path: Path) -> None:
    result = transcode(made.small, tmp_path / "out")
    info = clips.ffprobe_json(result.renditions[0].file.path)
    video, audio = info["streams"]
    assert (video["codec_name"], video["pix_fmt"], audio["codec_name"]) == ("h264", "yuv420p", "aac")
    raw = result.renditions[0].file.path.read_bytes()
    assert raw.index(b"moov") < raw.index(b"mdat"), "+faststart: the index comes first"
    assert result.audio_16k is not None
    wav = clips.ffprobe_json(result.audio_16k.path)["streams"][0]
    assert (wav["codec_name"], wav["sample_rate"], wav["channels"]) == ("pcm_s16le", "16000", 1)
    assert result.poster.size_bytes > 0 and result.elapsed_s > 0


def test_transcode_can_be_rerun_into_the_same_folder(made: Clips, tmp_path: Path) -> None:
    first = transcode(made.small, tmp_path / "out")
    second = transcode(made.small, tmp_path / "out")
    assert [r.file.path for r in first.renditions] == [r.file.path for r in second.renditions]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["360.mp4", "audio16k.wav", "poster.jpg"]


def test_decode_audio_gives_16k_mono_float32(made: Clips, tmp_path: Path) -> None:
    data = ffmpeg.decode_audio_16k_mono_f32(made.small)
    samples = array.array("f")
    samples.frombytes(data)
    assert len(samples) == pytest.approx(2 * 16000, rel=0.05)
    assert max(abs(s) for s in samples) <= 1.0
    assert max(abs(s) for s in samples) > 0.05, "the sine is audible"


def test_decode_audio_reads_back_our_own_wav(made: Clips, tmp_path: Path) -> None:
    result = transcode(made.small, tmp_path / "out")
    assert result.audio_16k is not None
    from_wav = ffmpeg.decode_audio_16k_mono_f32(result.audio_16k.path)
    assert len(from_wav) == pytest.approx(2 * 16000 * 4, rel=0.05)


def test_decode_audio_of_a_silent_video_is_empty(made: Clips) -> None:
    assert ffmpeg.decode_audio_16k_mono_f32(made.silent) == b""


def test_decode_audio_refuses_disguised_playlists(tmp_path: Path, listener: socket.socket) -> None:
    disguised = tmp_path / "speech.mp4"
    disguised.write_text(disguise("hls", f"http://127.0.0.1:{listener.getsockname()[1]}/a.ts", 9), encoding="utf-8")
    with pytest.raises(MediaRejected) as caught:
        ffmpeg.decode_audio_16k_mono_f32(disguised)
    assert caught.value.code == "not_a_video"
    with pytest.raises(BlockingIOError):
        listener.accept()
