"""The video pipeline with local folders against S3, in one run (issue 13: ratio S3/local, target <= 1.15x).

It makes a phone-like clip at run time (ffmpeg -f lavfi: 20 s 720x1280 30 fps H.264 high profile, AAC audio),
prepares two throw-away SQLite databases and data folders, one with the media on local folders and one on S3 (a
moto server in its own process on loopback, CRYOVIEW_S3_* as in cryoview/core/tests/objectstore.py), then runs
the real pipeline --runs times on each, interleaved (local, s3, local, s3, ...) so that a shared machine's load
falls on both alike. Each run is a fresh process: a member uploads the clip (tus service, multipart parts on
S3), the upload becomes a video (video_create_from_upload), and `video_process` runs its job with a `timings`
dict; only video_process is timed for the ratio. Then the video is made public (video_set_published, as when
its review is published: on S3 a copy of the outputs to the public bucket), timed apart. Captions are off
(ffmpeg dominates, as in production) unless --captions. It prints each run's seconds per stage, the medians
and the ratio with PASS or MISS. A MISS is a result; the exit status is non-zero only for errors (a job that
did not succeed, a crash).

Usage: make bench-pipeline   (or: .venv/bin/python bench/pipeline_stores.py --runs 3 --seconds 20)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from uploads import ROOT, manage, start_moto  # bench/ is the script folder, first on sys.path

TARGET = 1.15
STORES = ("local", "s3")


def make_clip(path: Path, seconds: int) -> None:
    """Like a phone recording: portrait 720x1280, H.264 high profile (CABAC, B-frames), AAC 48 kHz stereo."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-y", "-loglevel", "error",
         "-f", "lavfi", "-i", f"testsrc2=size=720x1280:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-crf", "20", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-ac", "2", "-b:a", "128k", "-shortest", str(path)],
        check=True,
    )  # fmt: skip


def store_env(store: str, folder: Path, captions: bool) -> tuple[dict[str, str], list[subprocess.Popen[bytes]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        CRYOVIEW_DATA_DIR=str(folder),
        CRYOVIEW_DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
        CRYOVIEW_MEDIA_ROOT=f"{folder}/media",
        CRYOVIEW_PRIVATE_MEDIA_ROOT=f"{folder}/private",
        CRYOVIEW_SCRATCH_DIR=f"{folder}/scratch",
        CRYOVIEW_WORKER_MODE="db",  # the job is queued, and run here by video_process, not by a worker
        CRYOVIEW_CAPTIONS="true" if captions else "false",
        CRYOVIEW_LOG_LEVEL="WARNING",
    )
    children = [start_moto(env, folder)] if store == "s3" else []
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    return env, children


def one_run(env: dict[str, str], clip: Path, run: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(clip), "--run", str(run)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def child(clip: Path, run: int) -> None:
    """One upload → video → video_process in this process's store; prints the timings as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from cryoview.accounts.models import User
    from cryoview.videos.enums import JobState
    from cryoview.videos.pipeline import video_process
    from cryoview.videos.services import video_create_from_upload, video_set_published
    from cryoview.videos.uploads import upload_append, upload_create

    user = User.objects.create_user(email=f"bench-{run}@example.org")
    size = clip.stat().st_size
    started = time.perf_counter()
    upload = upload_create(user=user, length=size, metadata="")
    with clip.open("rb") as stream:
        upload_append(upload=upload, offset=0, stream=stream, content_length=size)
    video, _ = video_create_from_upload(user=user, upload_id=upload.pk)
    ingest = time.perf_counter() - started
    timings: dict[str, float] = {}
    started = time.perf_counter()
    state = video_process(job_id=video.job.pk, timings=timings)
    total = time.perf_counter() - started
    if state != JobState.SUCCEEDED:
        raise SystemExit(f"video_process ended {state}: {video.job.__class__.objects.get(pk=video.job.pk).last_error}")
    video.refresh_from_db()
    started = time.perf_counter()
    video_set_published(video=video, published=True, title="bench")  # on S3: the copy to the public bucket
    shown = time.perf_counter() - started
    print(
        json.dumps(
            {"upload+create": round(ingest, 3), **timings, "pipeline": round(total, 3), "make public": round(shown, 3)}
        )
    )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs per store, interleaved")
    parser.add_argument("--seconds", type=int, default=20, help="the clip's duration")
    parser.add_argument("--captions", action="store_true", help="run speech recognition too (off by default)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.run)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as name:
        folder = Path(name)
        clip = folder / "clip.mp4"
        make_clip(clip, args.seconds)
        print(
            f"clip: {args.seconds} s 720x1280 30 fps H.264 high + AAC, {clip.stat().st_size / 1e6:.1f} MB; "
            f"captions {'on' if args.captions else 'off'}; {os.cpu_count()} cores; load average {loadavg()}"
        )
        children: list[subprocess.Popen[bytes]] = []
        try:
            envs = {}
            for store in STORES:
                (folder / store).mkdir()
                envs[store], started = store_env(store, folder / store, args.captions)
                children += started
            results: dict[str, list[dict[str, float]]] = {store: [] for store in STORES}
            for run in range(1, args.runs + 1):
                for store in STORES:
                    timings = one_run(envs[store], clip, run)
                    results[store].append(timings)
                    stages = "  ".join(f"{k} {v:.2f}" for k, v in timings.items())
                    print(f"  run {run} {store:5}  {stages}   (load {loadavg()})", flush=True)
        finally:
            for process in children:
                process.terminate()
                process.wait(timeout=30)
    return report(results)


def report(results: dict[str, list[dict[str, float]]]) -> int:
    print("\nmedians (s):")
    medians: dict[str, dict[str, float]] = {}
    for store, runs in results.items():
        medians[store] = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
        print(f"  {store:5}  " + "  ".join(f"{k} {v:.2f}" for k, v in medians[store].items()))
    local, s3 = medians["local"]["pipeline"], medians["s3"]["pipeline"]
    ratio = s3 / local
    extra = {k: medians["s3"].get(k, 0.0) for k in ("download", "upload")}
    print(
        f"\npipeline (video_process) S3 {s3:.2f} s / local {local:.2f} s = {ratio:.2f} x (target <= {TARGET})"
        f"   {'PASS' if ratio <= TARGET else 'MISS'}"
    )
    print(
        f"S3-only stages (medians): download {extra['download']:.2f} s, upload {extra['upload']:.2f} s; "
        f"publish local {medians['local'].get('publish', 0):.2f} s, S3 {medians['s3'].get('publish', 0):.2f} s; "
        f"load average now {loadavg()}"
    )
    # ffmpeg's time swings with the machine's load far more than the store's own work: this ratio counts
    # only what S3 adds (the same local run plus download, upload and the slower publish).
    added = extra["download"] + extra["upload"] + medians["s3"].get("publish", 0) - medians["local"].get("publish", 0)
    print(f"local + what S3 adds: {(local + added) / local:.2f} x (S3 adds {added:.2f} s a video)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
