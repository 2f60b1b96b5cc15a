"""Table tests of the pure argv builders and transcode plans of cryoview.videos.ffmpeg (DESIGN.md rule 9).
No process is started here."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryoview.videos import ffmpeg
from cryoview.videos.ffmpeg import (
    Limits,
    ProbeResult,
    Rendition,
    TranscodeSpec,
)
from cryoview.videos.tests.ffmpeg_cases import OUT, SOURCE, WHITELIST, has_pair, output_groups, probe_result, spec


def all_argvs() -> list[tuple[str, list[str]]]:
    limits = Limits()
    vertical = probe_result(width=1080, height=1920)
    return [
        ("probe", ffmpeg.build_probe_argv(SOURCE, limits)),
        (
            "probe-own-poster",
            ffmpeg.build_probe_argv(OUT / "poster.jpg", formats=("jpeg_pipe",), forced_format="jpeg_pipe"),
        ),
        ("demux-check", ffmpeg.build_demux_check_argv(SOURCE, vertical, limits)),
        ("decode-check", ffmpeg.build_decode_check_argv(SOURCE, vertical, limits)),
        ("audio-decode", ffmpeg.build_audio_decode_argv(SOURCE, limits)),
        ("transcode-landscape", ffmpeg.build_transcode_argv(spec(), probe_result())),
        ("transcode-vertical", ffmpeg.build_transcode_argv(spec(), vertical)),
        ("transcode-small", ffmpeg.build_transcode_argv(spec(), probe_result(width=320, height=240))),
        ("transcode-silent", ffmpeg.build_transcode_argv(spec(), probe_result(has_audio=False))),
        ("transcode-rotated", ffmpeg.build_transcode_argv(spec(), probe_result(width=1080, height=1920, rotation=90))),
    ]


# --- every argv is hardened the same way ---------------------------------------------------------


@pytest.mark.parametrize(("name", "argv"), all_argvs(), ids=[name for name, _ in all_argvs()])
class TestEveryArgvIsHardened:
    def test_is_a_list_of_strings_for_the_tool_itself(self, name: str, argv: list[str]) -> None:
        assert isinstance(argv, list)
        assert all(isinstance(arg, str) for arg in argv)
        assert argv[0] in {"ffmpeg", "ffprobe"}
        assert not {"sh", "bash", "/bin/sh", "|", ";", "&&", ">"} & set(argv)

    def test_has_exactly_one_input_with_a_file_prefix_and_absolute_path(self, name: str, argv: list[str]) -> None:
        inputs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-i"]
        assert len(inputs) == 1
        assert inputs[0].startswith("file:/")

    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("-protocol_whitelist", "file"),
            ("-probesize", "10000000"),
            ("-analyzeduration", "10000000"),
            ("-max_streams", "8"),
            ("-max_pixels", str((3840 + 64) * (2160 + 64))),
        ],
    )
    def test_bounds_are_input_options(self, name: str, argv: list[str], option: str, value: str) -> None:
        before_input = argv[: argv.index("-i")]
        assert has_pair(before_input, option, value)
        assert argv.count(option) == 1

    def test_demuxer_whitelist_is_an_input_option(self, name: str, argv: list[str]) -> None:
        before_input = argv[: argv.index("-i")]
        allowed = before_input[before_input.index("-format_whitelist") + 1].split(",")
        assert set(allowed) <= {*WHITELIST.split(","), "wav", "jpeg_pipe"}
        assert not {"hls", "dash", "concat", "sdp", "image2", "tty", "rtsp"} & set(allowed)

    def test_ffmpeg_never_reads_stdin_and_logs_errors_only(self, name: str, argv: list[str]) -> None:
        if argv[0] == "ffmpeg":
            assert "-nostdin" in argv
        assert has_pair(argv, "-loglevel", "error")


def test_default_whitelist_is_exactly_the_video_demuxers() -> None:
    argv = ffmpeg.build_probe_argv(SOURCE)
    assert has_pair(argv, "-format_whitelist", WHITELIST)
    assert argv[-2:] == ["-i", "file:/srv/uploads/original.mov"]


def test_probe_asks_for_json_of_format_and_streams() -> None:
    argv = ffmpeg.build_probe_argv(SOURCE)
    assert {"-show_format", "-show_streams"} <= set(argv)
    assert has_pair(argv, "-of", "json")


@pytest.mark.parametrize(
    ("limits", "max_streams", "max_pixels"),
    [
        (Limits(), "8", str(3904 * 2224)),
        (Limits(max_streams=3, max_width=1920, max_height=1080), "3", str(1984 * 1144)),
        (Limits(max_width=1080, max_height=1920), "8", str(1984 * 1144)),  # either way round
    ],
)
def test_input_options_follow_the_limits(limits: Limits, max_streams: str, max_pixels: str) -> None:
    options = ffmpeg.input_options(limits)
    assert has_pair(options, "-max_streams", max_streams)
    assert has_pair(options, "-max_pixels", max_pixels)


@pytest.mark.parametrize(
    "hostile",
    [
        "a b.mp4",
        "quote'and\"double.mp4",
        "semi;colon$(touch pwned)`id`.mp4",
        "-leading-dash.mp4",
        "http:not-a-url.mp4",
        "concat:one|two.mp4",
        "new\nline.mp4",
        "[0:v]split.mp4",
    ],
)
def test_hostile_file_names_stay_one_argument_behind_file_prefix(hostile: str) -> None:
    source = Path("/srv/uploads") / hostile
    for argv in (
        ffmpeg.build_probe_argv(source),
        ffmpeg.build_decode_check_argv(source, probe_result()),
        ffmpeg.build_transcode_argv(TranscodeSpec(input_path=source, output_dir=OUT), probe_result()),
    ):
        assert f"file:/srv/uploads/{hostile}" in argv
        assert sum(hostile in arg for arg in argv) == 1
        if "-filter_complex" in argv:
            assert hostile not in argv[argv.index("-filter_complex") + 1]


def test_relative_paths_become_absolute() -> None:
    assert ffmpeg.file_url("clip.mp4") == f"file:{Path.cwd() / 'clip.mp4'}"


# --- transcode plans ---------------------------------------------------------------------------------

PLAN_CASES = [
    # (case, width, height, [(file, width, height), ...] largest first, poster size)
    ("landscape 1920x1080", 1920, 1080, [("720.mp4", 1280, 720), ("360.mp4", 640, 360)], (1280, 720)),
    ("vertical 1080x1920", 1080, 1920, [("720.mp4", 720, 1280), ("360.mp4", 360, 640)], (720, 1280)),
    ("vertical 4K 2160x3840", 2160, 3840, [("720.mp4", 720, 1280), ("360.mp4", 360, 640)], (720, 1280)),
    ("landscape 4K 3840x2160", 3840, 2160, [("720.mp4", 1280, 720), ("360.mp4", 640, 360)], (1280, 720)),
    ("exactly 720p", 1280, 720, [("720.mp4", 1280, 720), ("360.mp4", 640, 360)], (1280, 720)),
    ("square", 1080, 1080, [("720.mp4", 720, 720), ("360.mp4", 360, 360)], (720, 720)),
    ("480p: no 720 upscale", 854, 480, [("360.mp4", 640, 360)], (640, 360)),
    ("vertical 480x854", 480, 854, [("360.mp4", 360, 640)], (360, 640)),
    ("small 320x240 kept at source size", 320, 240, [("360.mp4", 320, 240)], (320, 240)),
    ("small vertical 240x320", 240, 320, [("360.mp4", 240, 320)], (240, 320)),
    ("odd small 321x241 rounds down to even", 321, 241, [("360.mp4", 320, 240)], (320, 240)),
    ("odd 1366x768 rounds to nearest even", 1366, 768, [("720.mp4", 1280, 720), ("360.mp4", 640, 360)], (1280, 720)),
    ("anamorphic-ish 1440x1080", 1440, 1080, [("720.mp4", 960, 720), ("360.mp4", 480, 360)], (960, 720)),
    ("ultra wide 2560x1080", 2560, 1080, [("720.mp4", 1706, 720), ("360.mp4", 854, 360)], (1706, 720)),
    ("tiny 100x50", 100, 50, [("360.mp4", 100, 50)], (100, 50)),
    ("exactly 360 short side", 640, 360, [("360.mp4", 640, 360)], (640, 360)),
]


@pytest.mark.parametrize(
    ("width", "height", "videos", "poster"),
    [case[1:] for case in PLAN_CASES],
    ids=[case[0] for case in PLAN_CASES],
)
def test_plan_scales_by_the_short_side_and_never_up(
    width: int, height: int, videos: list[tuple[str, int, int]], poster: tuple[int, int]
) -> None:
    plan = ffmpeg.plan_transcode(spec(), probe_result(width=width, height=height))
    assert [(v.path.name, v.width, v.height) for v in plan.videos] == videos
    for video in plan.videos:
        assert video.width % 2 == 0 and video.height % 2 == 0
        assert video.width <= max(width, 2) and video.height <= max(height, 2)
        assert (video.width >= video.height) == (width >= height), "orientation kept"
        assert video.path.parent == OUT
    # The poster comes from the largest rendition's frames, so it has that rendition's size.
    graph = ffmpeg.build_filter_graph(probe_result(width=width, height=height), plan)
    assert graph.startswith(f"[0:0]scale=w={poster[0]}:h={poster[1]},")
    assert graph.endswith("[p]trim=start=1:duration=1,setpts=PTS-STARTPTS[poster]")


@pytest.mark.parametrize(
    ("renditions", "width", "height", "expected"),
    [
        ((Rendition(1080), Rendition(720), Rendition(360), Rendition(240)), 1920, 1080, [1080, 720, 360, 240]),
        ((Rendition(360), Rendition(720)), 1920, 1080, [720, 360]),  # ordered largest first
        ((Rendition(720),), 640, 360, [720]),  # the only rendition, at source size
        ((Rendition(240), Rendition(480)), 640, 360, [240]),
    ],
)
def test_plan_with_custom_renditions(
    renditions: tuple[Rendition, ...], width: int, height: int, expected: list[int]
) -> None:
    plan = ffmpeg.plan_transcode(spec(renditions=renditions), probe_result(width=width, height=height))
    assert [video.rendition.short_side for video in plan.videos] == expected


@pytest.mark.parametrize(
    ("requested", "duration", "expected"),
    [
        (None, 10.0, 1.0),
        (None, 1.2, 0.6),
        (None, 0.3, 0.15),
        (5.0, 60.0, 5.0),
        (5.0, 3.0, 2.75),
        (-1.0, 3.0, 0.0),
    ],
)
def test_poster_time(requested: float | None, duration: float, expected: float) -> None:
    plan = ffmpeg.plan_transcode(spec(poster_at_s=requested), probe_result(duration=duration))
    assert plan.poster_at_s == pytest.approx(expected)


@pytest.mark.parametrize(
    ("has_audio", "audio_16k", "expected_names"),
    [
        (True, True, ["720.mp4", "360.mp4", "poster.jpg", "audio16k.wav"]),
        (True, False, ["720.mp4", "360.mp4", "poster.jpg"]),
        (False, True, ["720.mp4", "360.mp4", "poster.jpg"]),
    ],
)
def test_outputs_have_fixed_names_in_the_given_folder(
    has_audio: bool, audio_16k: bool, expected_names: list[str]
) -> None:
    argv = ffmpeg.build_transcode_argv(spec(audio_16k=audio_16k), probe_result(has_audio=has_audio))
    urls = [group[-1] for group in output_groups(argv)]
    assert urls == [f"file:{OUT / name}" for name in expected_names]
    assert ffmpeg.plan_transcode(spec(audio_16k=audio_16k), probe_result(has_audio=has_audio)).paths == tuple(
        OUT / name for name in expected_names
    )


# --- the filter graph ------------------------------------------------------------------------------

GRAPH_CASES = [
    (
        "landscape 1920x1080: 360p is scaled from the 720p frames, the poster taken from them",
        probe_result(),
        "[0:0]scale=w=1280:h=720,setsar=1,format=yuv420p,split=3[v0][c0][p];"
        "[c0]scale=w=640:h=360,setsar=1,format=yuv420p[v1];"
        "[p]trim=start=1:duration=1,setpts=PTS-STARTPTS[poster]",
    ),
    (
        "vertical 1080x1920",
        probe_result(width=1080, height=1920),
        "[0:0]scale=w=720:h=1280,setsar=1,format=yuv420p,split=3[v0][c0][p];"
        "[c0]scale=w=360:h=640,setsar=1,format=yuv420p[v1];"
        "[p]trim=start=1:duration=1,setpts=PTS-STARTPTS[poster]",
    ),
    (
        # ffprobe said 1920x1080 coded + rotation 90 -> display 1080x1920; ffmpeg autorotates before the
        # graph, so the graph is the vertical one and adds no transpose of its own.
        "rotated phone video",
        probe_result(width=1080, height=1920, rotation=90),
        "[0:0]scale=w=720:h=1280,setsar=1,format=yuv420p,split=3[v0][c0][p];"
        "[c0]scale=w=360:h=640,setsar=1,format=yuv420p[v1];"
        "[p]trim=start=1:duration=1,setpts=PTS-STARTPTS[poster]",
    ),
    (
        "small 320x240, short clip",
        probe_result(width=320, height=240, duration=1.5),
        "[0:0]scale=w=320:h=240,setsar=1,format=yuv420p,split=2[v0][p];"
        "[p]trim=start=0.75:duration=1,setpts=PTS-STARTPTS[poster]",
    ),
    (
        "240 fps slow motion is capped at 60 once, before any scaling",
        probe_result(fps=240.0, video_stream_index=2, audio_stream_index=0),
        "[0:2]fps=60,scale=w=1280:h=720,setsar=1,format=yuv420p,split=3[v0][c0][p];"
        "[c0]scale=w=640:h=360,setsar=1,format=yuv420p[v1];"
        "[p]trim=start=1:duration=1,setpts=PTS-STARTPTS[poster]",
    ),
]


@pytest.mark.parametrize(("probe", "graph"), [c[1:] for c in GRAPH_CASES], ids=[c[0] for c in GRAPH_CASES])
def test_filter_graph(probe: ProbeResult, graph: str) -> None:
    argv = ffmpeg.build_transcode_argv(spec(), probe)
    assert argv[argv.index("-filter_complex") + 1] == graph
    assert argv.count("-filter_complex") == 1, "one run, one decode"
    assert "transpose" not in graph and "-noautorotate" not in argv


def test_rotation_is_left_to_autorotate_and_never_written_to_outputs() -> None:
    argv = ffmpeg.build_transcode_argv(spec(), probe_result(width=1080, height=1920, rotation=90))
    assert not any(arg.startswith("-metadata") for arg in argv)
    assert not any("rotate" in arg for arg in argv)


# --- what each output carries --------------------------------------------------------------------


@pytest.mark.parametrize(
    "probe",
    [probe_result(), probe_result(has_audio=False), probe_result(width=320, height=240)],
    ids=["with audio", "silent", "small"],
)
def test_every_output_drops_metadata_and_chapters_and_is_bitexact(probe: ProbeResult) -> None:
    for group in output_groups(ffmpeg.build_transcode_argv(spec(), probe)):
        assert has_pair(group, "-map_metadata", "-1")
        assert has_pair(group, "-map_chapters", "-1")
        assert has_pair(group, "-fflags", "+bitexact")
        assert "-f" in group, "muxer chosen explicitly, not from the file name"


def test_mp4_renditions_are_browser_h264_aac_with_faststart() -> None:
    groups = output_groups(ffmpeg.build_transcode_argv(spec(), probe_result()))
    for label, group in zip(("[v0]", "[v1]"), groups[:2], strict=True):
        assert group[:2] == ["-map", label]
        for option, value in [
            ("-map", "0:1"),
            ("-c:v", "libx264"),
            ("-preset", "veryfast"),
            ("-crf", "23"),
            ("-pix_fmt", "yuv420p"),
            ("-c:a", "aac"),
            ("-b:a", "128k"),
            ("-movflags", "+faststart"),
            ("-empty_hdlr_name", "1"),
            ("-flags:v", "+bitexact"),
            ("-flags:a", "+bitexact"),
            ("-f", "mp4"),
        ]:
            assert has_pair(group, option, value), (option, value)


def test_silent_source_gets_no_audio_track_and_no_wav() -> None:
    argv = ffmpeg.build_transcode_argv(spec(), probe_result(has_audio=False))
    assert "-c:a" not in argv and "-flags:a" not in argv
    assert not any(arg.startswith("0:") for arg in argv[argv.index("-filter_complex") + 2 :])
    assert not any(arg.endswith(".wav") for arg in argv)


def test_poster_is_one_bitexact_jpeg_frame() -> None:
    poster = output_groups(ffmpeg.build_transcode_argv(spec(), probe_result()))[2]
    assert poster[:2] == ["-map", "[poster]"]
    for option, value in [("-frames:v", "1"), ("-update", "1"), ("-c:v", "mjpeg"), ("-flags:v", "+bitexact")]:
        assert has_pair(poster, option, value)
    assert poster[-1] == f"file:{OUT / 'poster.jpg'}"


def test_speech_wav_is_16k_mono_s16_of_the_chosen_audio_stream() -> None:
    wav = output_groups(ffmpeg.build_transcode_argv(spec(), probe_result(audio_stream_index=3)))[3]
    for option, value in [
        ("-map", "0:3"),
        ("-ac", "1"),
        ("-ar", "16000"),
        ("-c:a", "pcm_s16le"),
        ("-f", "wav"),
        ("-flags:a", "+bitexact"),
    ]:
        assert has_pair(wav, option, value)


def test_transcode_reports_progress_on_stdout_and_overwrites_a_retry() -> None:
    argv = ffmpeg.build_transcode_argv(spec(), probe_result())
    before_input = argv[: argv.index("-i")]
    assert has_pair(before_input, "-progress", "pipe:1")
    assert "-nostats" in before_input and "-y" in before_input
    assert has_pair(before_input, "-t", "600"), "input read no further than the duration limit"


def test_checks_map_only_the_chosen_streams() -> None:
    probe = probe_result(video_stream_index=1, audio_stream_index=4)
    demux = ffmpeg.build_demux_check_argv(SOURCE, probe)
    decode = ffmpeg.build_decode_check_argv(SOURCE, probe)
    for argv in (demux, decode):
        assert has_pair(argv, "-map", "0:1") and has_pair(argv, "-map", "0:4")
        assert argv[-3:] == ["-f", "null", "-"]
    assert has_pair(demux, "-c", "copy") and has_pair(demux, "-t", "601")
    assert "-xerror" in decode and has_pair(decode, "-t", "2")
    assert decode.index("-t") < decode.index("-i"), "decode check reads only the first seconds"


def test_audio_decode_is_raw_f32_16k_mono_on_stdout() -> None:
    argv = ffmpeg.build_audio_decode_argv(SOURCE, Limits(max_duration_s=30))
    for option, value in [("-map", "0:a:0?"), ("-ac", "1"), ("-ar", "16000"), ("-f", "f32le"), ("-t", "30")]:
        assert has_pair(argv, option, value)
    assert argv[-1] == "pipe:1"
