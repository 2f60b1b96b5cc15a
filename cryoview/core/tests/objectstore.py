"""An S3 server for the tests: moto's standalone server on loopback, which speaks the S3 protocol over HTTP with
real SigV4 signing. The code under test knows nothing of moto; only the endpoint address differs from production.

`s3_server` (session) starts one server; `s3` (per test) creates two fresh buckets, points the settings and the
environment (so worker processes a test starts use them too) at them, and yields what a test needs to look inside.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

ACCESS_KEY = "cryoview-test-key"
SECRET_KEY = "cryoview-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3:
    endpoint_url: str
    private_bucket: str
    public_bucket: str
    client: Any

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object's key in a bucket (under a prefix), paginated."""
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def all_keys(self) -> dict[str, list[str]]:
        return {"private": self.keys(self.private_bucket), "public": self.keys(self.public_bucket)}

    def environ(self) -> dict[str, str]:
        return {
            "CRYOVIEW_S3_ENDPOINT_URL": self.endpoint_url,
            "CRYOVIEW_S3_REGION": REGION,
            "CRYOVIEW_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "CRYOVIEW_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "CRYOVIEW_S3_PRIVATE_BUCKET": self.private_bucket,
            "CRYOVIEW_S3_PUBLIC_BUCKET": self.public_bucket,
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    from config.env import load
    from config.settings.base import BASE_DIR, s3_storages

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    tag = uuid.uuid4().hex[:12]
    store = S3(s3_server, f"private-{tag}", f"public-{tag}", client)
    client.create_bucket(Bucket=store.private_bucket)
    client.create_bucket(Bucket=store.public_bucket)
    for name, value in store.environ().items():
        monkeypatch.setenv(name, value)
    config = load(base_dir=BASE_DIR)
    assert config.s3 is not None
    settings.STORAGES = {**s3_storages(config.s3), "staticfiles": settings.STORAGES["staticfiles"]}
    yield store
