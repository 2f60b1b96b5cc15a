"""Plain HTTP(S) requests to the cluster, redirects not followed unless asked: the drill looks at every answer."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from tests.cluster.cluster import insecure_tls


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        return json.loads(self.body)

    def brief(self) -> str:
        detail = self.body[:200].decode(errors="replace").replace("\n", " ")
        after = f" Retry-After: {self.headers['retry-after']}" if "retry-after" in self.headers else ""
        return f"{self.status}{after} {detail}"


def connection(url: str, timeout: float = 30) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.netloc, timeout=timeout, context=insecure_tls())
    return http.client.HTTPConnection(parts.netloc, timeout=timeout)


def request(
    method: str,
    url: str,
    *,
    token: str | None = None,
    payload: Any = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if payload is not None:
        body = json.dumps(payload).encode()
        sent["Content-Type"] = "application/json"
    parts = urlsplit(url)
    conn = connection(url, timeout)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, url)
    finally:
        conn.close()


def follow(url: str, *, headers: dict[str, str] | None = None, hops: int = 5) -> list[Answer]:
    """GET, following redirects (to the object store, say): every answer on the way."""
    answers = [request("GET", url, headers=headers)]
    while answers[-1].status in (301, 302, 303, 307, 308) and len(answers) <= hops:
        answers.append(request("GET", urljoin(answers[-1].url, answers[-1].headers["location"]), headers=headers))
    return answers
