"""The web process's memory while it receives a large tus upload: `python bench/uploads.py` (1 GB by default).

For each store (the local folder, and S3 on a moto server in its own process), it prepares a throw-away SQLite
database, starts gunicorn (one sync worker, --timeout 60, as `make run`), creates an upload of --mb MiB and
sends it in PATCHes of --patch-mb MiB, generated on the fly (never held in memory or on disk by the client).
A thread reads the worker's VmRSS from /proc every 20 ms. It prints, per store, the worker's resident memory
after warm-up and at its peak, the throughput, and PASS or MISS against the bound: **peak < 150 MB**. The
stored file's SHA-256 is checked against what was sent. A MISS is a result; the exit status is non-zero only
for errors (a refused PATCH, a digest that differs, a crash).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
BOUND = 150 * 1000 * 1000  # "under 150 MB"
ACCESS_KEY, SECRET_KEY, REGION = "bench-key", "bench-secret", "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listened on {port} within 60 s")


def worker_pid(master: int) -> int:
    """gunicorn's only worker (it may fork a moment after the master listens)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise SystemExit("gunicorn started no worker within 30 s")


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopping = pid, rss(pid), threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            self.peak = max(self.peak, rss(self.pid))


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def blocks(size: int) -> Iterator[bytes]:
    rng = random.Random(2026)
    while size > 0:
        block = rng.randbytes(min(MiB, size))
        size -= len(block)
        yield block


def send(port: int, token: str, size: int, patch: int) -> tuple[str, float]:
    """Create the upload and send it; (its SHA-256, seconds the last PATCH took)."""
    auth = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", "/api/v1/uploads/", headers={**auth, "Upload-Length": str(size)})
    created = connection.getresponse()
    created.read()
    connection.close()
    if created.status != 201:
        raise SystemExit(f"creating the upload: {created.status}")
    path = urlsplit(created.headers["Location"]).path
    digest, source, offset = hashlib.sha256(), blocks(size), 0
    last = 0.0
    while offset < size:
        length = min(patch, size - offset)
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        connection.putrequest("PATCH", path)
        headers = {**auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)}
        for name, value in {**headers, "Content-Length": str(length)}.items():
            connection.putheader(name, value)
        connection.endheaders()
        sent = 0
        while sent < length:
            block = next(source)
            digest.update(block)
            connection.send(block)
            sent += len(block)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 204:
            raise SystemExit(f"PATCH at {offset}: {response.status}")
        offset = int(response.headers["Upload-Offset"])
        last = time.perf_counter() - started
    return digest.hexdigest(), last


def stored_digest(env: dict[str, str], folder: Path) -> str:
    """SHA-256 of the finished upload, read where the store keeps it."""
    code = (
        "import hashlib, tempfile, pathlib;"
        "from cryoview.videos.models import Upload;"
        "from cryoview.videos.uploads import upload_bytes_to_file;"
        "u = Upload.objects.get(); assert u.is_complete;"
        f"p = pathlib.Path(tempfile.mkdtemp(dir={str(folder)!r})) / 'copy';"
        "upload_bytes_to_file(upload=u, path=p);"
        "h = hashlib.sha256();"
        "f = p.open('rb');"
        "[h.update(b) for b in iter(lambda: f.read(1 << 20), b'')];"
        "print(h.hexdigest())"
    )
    return manage(env, "shell", "--no-imports", "-c", code).strip()


def run(store: str, size: int, patch: int, timeout: int) -> bool:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")}
        env.update(
            CRYOVIEW_DATA_DIR=name,
            CRYOVIEW_DATABASE_URL=f"sqlite:///{name}/bench.sqlite3",
            CRYOVIEW_MEDIA_ROOT=f"{name}/media",
            CRYOVIEW_PRIVATE_MEDIA_ROOT=f"{name}/private",
            CRYOVIEW_SCRATCH_DIR=f"{name}/scratch",
            CRYOVIEW_WORKER_MODE="immediate",
            CRYOVIEW_LOG_LEVEL="WARNING",
            CRYOVIEW_UPLOAD_MAX_BYTES=str(max(size, 2 * 1024**3)),
            CRYOVIEW_UPLOAD_QUOTA_BYTES=str(max(size, 2 * 1024**3)),
        )
        children: list[subprocess.Popen[bytes]] = []
        try:
            if store == "s3":
                children.append(start_moto(env, folder))
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "createcachetable")
            token = manage(
                env,
                "shell",
                "--no-imports",
                "-c",
                "from cryoview.accounts.models import User; from cryoview.accounts.services import token_issue;"
                "print(token_issue(user=User.objects.create_user(email='bench@example.org'), name='bench').secret)",
            ).strip()
            port = free_port()
            argv = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            web = subprocess.Popen(
                [*argv, "--workers", "1", "--timeout", str(timeout), "--log-level", "warning"],
                cwd=ROOT,
                env=env,
            )
            children.append(web)
            wait_listening(port, web)
            worker = worker_pid(web.pid)
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            warm.request("OPTIONS", "/api/v1/uploads/")  # the worker has imported the views
            warm.getresponse().read()
            warm.close()
            baseline = rss(worker)
            sampler = Sampler(worker)
            sampler.start()
            started = time.perf_counter()
            sent, last = send(port, token, size, patch)
            seconds = time.perf_counter() - started
            sampler.stopping.set()
            sampler.join()
            if stored_digest(env, folder) != sent:
                raise SystemExit(f"{store}: the stored file differs from what was sent")
            verdict = "PASS" if sampler.peak < BOUND else "MISS"
            print(
                f"{store:6} {size / MiB:8.0f} {patch / MiB:6.0f} {seconds:8.1f} {size / MiB / seconds:8.1f} "
                f"{last:7.1f} {baseline / 1e6:9.1f} {sampler.peak / 1e6:9.1f}   {verdict}",
                flush=True,
            )
            return sampler.peak < BOUND
        finally:
            for child in reversed(children):
                child.terminate()
                child.wait(timeout=30)


def start_moto(env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    """moto's S3 server in its own process (it keeps objects in memory: its growth is not the web node's)."""
    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_listening(port, moto)
    import boto3

    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )
    for bucket in ("bench-private", "bench-public"):
        client.create_bucket(Bucket=bucket)
    env.update(
        CRYOVIEW_S3_ENDPOINT_URL=endpoint,
        CRYOVIEW_S3_REGION=REGION,
        CRYOVIEW_S3_ACCESS_KEY_ID=ACCESS_KEY,
        CRYOVIEW_S3_SECRET_ACCESS_KEY=SECRET_KEY,
        CRYOVIEW_S3_PRIVATE_BUCKET="bench-private",
        CRYOVIEW_S3_PUBLIC_BUCKET="bench-public",
    )
    return moto


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["local", "s3", "both"], default="both")
    parser.add_argument("--mb", type=int, default=1024, help="MiB to upload")
    parser.add_argument("--patch-mb", type=int, default=64, help="MiB per PATCH (a tus client's chunk size)")
    parser.add_argument(
        "--timeout",
        type=int,
        default=600,
        help="gunicorn's worker timeout (make run: 60); moto assembles a completed object in Python, slowly",
    )
    args = parser.parse_args()
    stores = ["local", "s3"] if args.store == "both" else [args.store]
    print("gunicorn, 1 sync worker; VmRSS of the worker; bound: peak < 150 MB")
    print(f"{'store':6} {'MiB':>8} {'PATCH':>6} {'seconds':>8} {'MiB/s':>8} {'last s':>7} {'RSS MB':>9} {'peak MB':>9}")
    results = [run(store, args.mb * MiB, args.patch_mb * MiB, args.timeout) for store in stores]
    if not all(results):
        print("MISS: the worker's memory went past the bound")


if __name__ == "__main__":
    main()
