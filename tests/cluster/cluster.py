"""A Cryoview cluster on one machine, on loopback addresses, with its own everything.

nginx (deploy/nginx/cryoview.conf) on 127.0.0.1 in front of two web nodes (deploy/systemd/cryoview-web.service)
on 127.0.0.2 and 127.0.0.3, two workers (cryoview-worker@.service), each node and worker with its own data,
media and scratch folders (nothing shared but the database, the cache and the object store), its own PostgreSQL
database, its own Redis and its own S3 endpoint (moto's server, behind a Gate the drill can close). Nothing of
the machine's own services is touched; `stop()` removes everything it made, also after a failure.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.cluster import deploy
from tests.cluster.processes import Gate, Service, free_port

ROOT = deploy.ROOT
PYTHON = str(ROOT / ".venv" / "bin" / "python")
S3_KEY, S3_SECRET, S3_REGION = "cryoview-drill", "cryoview-drill-secret", "us-east-1"
NODES = {"web-a": "127.0.0.2", "web-b": "127.0.0.3"}
WORKERS = ("worker-1", "worker-2")


def admin_database_url() -> str:
    """The PostgreSQL server to make the drill's database on: the test suite's (CI), else the local default;
    reached through its maintenance database `postgres`, which is always there."""
    url = os.environ.get("CRYOVIEW_TEST_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlsplit(url)._replace(path="/postgres", query="").geturl()


def insecure_tls() -> ssl.SSLContext:
    """The drill's certificate is made at run time for 127.0.0.1; its clients do not verify it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def wait_until(condition: Any, *, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Cluster:
    object_storage: bool = True
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="cryoview-drill-")))
    services: dict[str, Service] = field(default_factory=dict)
    database: str = field(default_factory=lambda: f"cryoview_drill_{secrets.token_hex(4)}")
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    moto_port: int = field(default_factory=free_port)
    gate: Gate | None = None
    node_ports: dict[str, int] = field(default_factory=dict)
    buckets: tuple[str, str] = ("drill-private", "drill-public")
    database_made: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    log: Any = print

    # --- addresses -------------------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def node_url(self, node: str) -> str:
        return f"http://{NODES[node]}:{self.node_ports[node]}"

    @property
    def database_url(self) -> str:
        admin = urlsplit(admin_database_url())
        return admin._replace(path=f"/{self.database}", query="").geturl()

    @property
    def s3_endpoint(self) -> str:
        assert self.gate is not None
        return f"http://127.0.0.1:{self.gate.port}"

    # --- environment -----------------------------------------------------------------------------------------
    def environment(self, name: str, **extra: str) -> dict[str, str]:
        """A node's or worker's environment: what its systemd EnvironmentFile would hold."""
        own = self.folder / name
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CRYOVIEW_", "DJANGO_"))}
        env.update(
            CRYOVIEW_ENVIRONMENT="prod",
            CRYOVIEW_SECRET_KEY=self.secret_key,
            CRYOVIEW_ALLOWED_HOSTS="127.0.0.1",
            CRYOVIEW_SITE_URL=self.base,
            CRYOVIEW_DATABASE_URL=self.database_url,
            CRYOVIEW_CACHE_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CRYOVIEW_PROXY_HOPS="1",
            CRYOVIEW_STATIC_ROOT=str(self.folder / "static"),
            CRYOVIEW_DATA_DIR=str(own / "data"),
            CRYOVIEW_MEDIA_ROOT=str(own / "media" / "public"),
            CRYOVIEW_PRIVATE_MEDIA_ROOT=str(own / "media" / "private"),
            CRYOVIEW_SCRATCH_DIR=str(own / "scratch"),
            CRYOVIEW_EMAIL_URL=f"file://{own / 'mail'}",
            # Captions (faster-whisper) would add minutes and 400 MB per worker; the drill is about failures.
            CRYOVIEW_CAPTIONS="false",
            # Re-queue a dead worker's job after 10 s (the minimum), not the default two minutes.
            CRYOVIEW_JOB_STALE_SECONDS="10",
            CRYOVIEW_WORKER_HEARTBEAT_SECONDS="1",
            CRYOVIEW_LOG_LEVEL="INFO",
        )
        if self.object_storage:
            env.update(
                CRYOVIEW_S3_ENDPOINT_URL=self.s3_endpoint,
                CRYOVIEW_S3_REGION=S3_REGION,
                CRYOVIEW_S3_ACCESS_KEY_ID=S3_KEY,
                CRYOVIEW_S3_SECRET_ACCESS_KEY=S3_SECRET,
                CRYOVIEW_S3_PRIVATE_BUCKET=self.buckets[0],
                CRYOVIEW_S3_PUBLIC_BUCKET=self.buckets[1],
                # Through nginx (deploy/nginx/cryoview.conf, /public-media/): the pages' origin, over TLS.
                CRYOVIEW_S3_PUBLIC_URL=f"{self.base}/public-media",
            )
        else:
            # Without object storage the nodes can only share one media folder (served by nginx's /_private/).
            shared = self.folder / "shared-media"
            env.update(
                CRYOVIEW_MEDIA_ROOT=str(shared / "public"),
                CRYOVIEW_PRIVATE_MEDIA_ROOT=str(shared / "private"),
                CRYOVIEW_MEDIA_ACCEL_PREFIX="/_private/",
            )
        env.update(extra)
        return env

    def manage(self, *args: str, timeout: float = 300, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env or self.environment("admin"),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    # --- start -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        """`make run`'s sequence for a cluster: what can run side by side does (collectstatic beside migrate; the
        guides' import beside the processes' start-up), each part timed in `timings`."""
        self.folder.chmod(0o755)
        (self.folder / "logs").mkdir()
        with self.timed("database, Redis, S3"):
            self._database_create()
            self._start_redis()
            if self.object_storage:
                self._start_object_store()
        static = self._background("collectstatic", "--noinput", "--verbosity", "0")
        migrate = self._background("migrate", "--noinput")
        # The web nodes boot while the database is migrated (they touch it only when asked something), but only
        # once the static files are all there: WhiteNoise and the manifest are read when a node boots.
        with self.timed("collectstatic"):
            self._finish("collectstatic", static)
        for node in NODES:
            self.start_web(node)
        self._start_nginx()
        with self.timed("migrate"):
            self._finish("migrate", migrate)
            self.manage("createcachetable")
        guides = self._background("import_guides")
        with self.timed("workers, web nodes"):
            for worker in WORKERS:
                self.start_worker(worker)
            for node in NODES:
                self.wait_web(node)
        with self.timed("import_guides"):
            self._finish("import_guides", guides)

    def _finish(self, name: str, process: subprocess.Popen[bytes]) -> None:
        _, errors = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"manage.py {name} failed: {errors.decode(errors='replace')}")

    @contextlib.contextmanager
    def timed(self, what: str) -> Iterator[None]:
        began = time.monotonic()
        yield
        self.timings[what] = time.monotonic() - began

    def _background(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.environment("admin"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def _service(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Service:
        service = Service(name, argv, env=env or dict(os.environ), cwd=ROOT, log_dir=self.folder / "logs")
        self.services[name] = service
        return service.start()

    def _database_create(self) -> None:
        import psycopg

        with psycopg.connect(admin_database_url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self.database_made = True

    def _database_drop(self) -> None:
        import psycopg

        with psycopg.connect(admin_database_url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def _start_redis(self) -> None:
        argv = [
            "redis-server",
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        self._service("redis", argv)
        wait_until(lambda: _tcp_open(self.redis_port), timeout=20, what="Redis")

    def start_redis(self) -> None:
        self.services["redis"].start()
        wait_until(lambda: _tcp_open(self.redis_port), timeout=20, what="Redis")

    def _start_object_store(self) -> None:
        moto = str(ROOT / ".venv" / "bin" / "moto_server")
        self._service("s3", [moto, "-H", "127.0.0.1", "-p", str(self.moto_port)])
        wait_until(lambda: _tcp_open(self.moto_port), timeout=30, what="the S3 server")
        self.gate = Gate(self.moto_port)
        self.gate.open()
        client = self.s3_client()
        for bucket in self.buckets:
            client.create_bucket(Bucket=bucket)
        # What the README tells operators: the public bucket is readable by anyone, the private one by no one.
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{self.buckets[1]}/*",
                }
            ],
        }
        client.put_bucket_policy(Bucket=self.buckets[1], Policy=json.dumps(policy))

    def s3_client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.moto_port}",  # not through the gate: readable while it is closed
            region_name=S3_REGION,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
        )

    def start_web(self, node: str) -> None:
        port = self.node_ports.setdefault(node, free_port(NODES[node]))
        env = self.environment(node, CRYOVIEW_BIND=f"{NODES[node]}:{port}", CRYOVIEW_WEB_WORKERS="2")
        argv = deploy.unit_command(deploy.WEB_UNIT, values=deploy.unit_placeholders(), environ=env)
        if node in self.services:
            self.services[node].start()
        else:
            self._service(node, argv, env)

    def wait_web(self, node: str) -> None:
        def answers() -> bool:
            connection = http.client.HTTPConnection(urlsplit(self.node_url(node)).netloc, timeout=5)
            try:
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
                connection.getresponse().read()  # any answer, a 503 too, means Django is serving
                return True
            except OSError:
                if not self.services[node].alive():
                    raise RuntimeError(f"{node} exited:\n{self.services[node].tail()}") from None
                return False
            finally:
                connection.close()

        wait_until(answers, timeout=60, what=f"{node} to answer")

    def start_worker(self, worker: str) -> None:
        env = self.environment(worker)
        argv = deploy.unit_command(deploy.WORKER_UNIT, values=deploy.unit_placeholders(), environ=env)
        if worker in self.services:
            self.services[worker].start()
        else:
            self._service(worker, argv, env)

    def _start_nginx(self) -> None:
        prefix = self.folder / "nginx"
        prefix.mkdir()
        cert, key = deploy.self_signed_certificate(prefix)
        site = prefix / "cryoview.conf"
        values = {
            "SERVER_NAME": "127.0.0.1",
            "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
            "HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
            "TLS_CERTIFICATE": str(cert),
            "TLS_CERTIFICATE_KEY": str(key),
            "WEB_NODE_A": f"{NODES['web-a']}:{self.node_ports['web-a']}",
            "WEB_NODE_B": f"{NODES['web-b']}:{self.node_ports['web-b']}",
            "STATIC_ROOT": str(self.folder / "static"),
            "PRIVATE_MEDIA_ROOT": str(self.folder / "shared-media" / "private"),
            "S3_PUBLIC_BUCKET_URL": f"{self.s3_endpoint}/{self.buckets[1]}" if self.gate else "http://127.0.0.1:9",
        }
        site.write_text(deploy.render(deploy.NGINX_SITE.read_text(), values))
        conf = prefix / "nginx.conf"
        conf.write_text(deploy.nginx_main_conf(prefix=prefix, site=site))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        argv = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"), "-g", "daemon off;"]
        self._service("nginx", argv)
        wait_until(lambda: _tcp_open(self.https_port), timeout=20, what="nginx")

    # --- stop ------------------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Everything this cluster started, in reverse order; the database dropped; the folder kept only when
        asked (CRYOVIEW_DRILL_KEEP=1), for its logs."""
        for service in reversed(list(self.services.values())):
            with contextlib.suppress(Exception):
                service.stop(grace=5)
        if self.gate is not None:
            self.gate.close()
        if self.database_made:
            with contextlib.suppress(Exception):
                self._database_drop()
        if not os.environ.get("CRYOVIEW_DRILL_KEEP"):
            shutil.rmtree(self.folder, ignore_errors=True)

    def logs(self, lines: int = 15) -> str:
        return "\n".join(f"--- {name}\n{service.tail(lines)}" for name, service in self.services.items())


def _tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
