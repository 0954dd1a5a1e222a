"""The sandbox's own write throughput: N creates with no injected latency, P at a time.

Why: "apply within 1.5x of ceil(N / P) x latency" only holds while the server keeps up. On this
2-core machine the sandbox (werkzeug threads, pydantic validation, one SQLite commit per write)
has a ceiling; this measures it with the leanest client there is (stdlib ``http.client``, one
keep-alive connection per thread, bodies serialised beforehand), so a gap between osharactl's
apply and the lower bound can be attributed to the server or to osharactl.

The bodies are exactly what osharactl would POST: the manifests' declared characters with
references resolved, produced by osharactl's own manifest stage.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from osharactl.manifests import load_manifests

CHARACTERS = "/api/ai-characters/"


@dataclass(frozen=True)
class Throughput:
    creates: int
    parallelism: int
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        return self.creates / self.seconds if self.seconds else 0.0


def create_bodies(
    manifests: Path, variables: Mapping[str, str], secrets: Mapping[str, str]
) -> list[bytes]:
    """The JSON bodies osharactl would send for the creates, in file order."""
    loaded = load_manifests([str(manifests)], variables=variables, environ=secrets)
    return [json.dumps(d.declared).encode() for d in loaded.characters.values()]


def _token(url: str, email: str, password: str) -> str:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        body = json.dumps({"email": email, "password": password})
        conn.request("POST", "/api/auth/login/", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = json.loads(response.read())
    finally:
        conn.close()
    token: str = data["access"]
    return token


def measure(
    url: str, bodies: list[bytes], parallelism: int, email: str, password: str
) -> Throughput:
    """POST every body once, ``parallelism`` connections at a time; time from first to last."""
    parts = urlsplit(url)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {_token(url, email, password)}",
    }
    local = threading.local()
    failures: list[int] = []
    connections: list[http.client.HTTPConnection] = []

    def post(body: bytes) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
            local.conn = conn
            connections.append(conn)
        conn.request("POST", CHARACTERS, body, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            failures.append(response.status)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        list(pool.map(post, bodies))
    seconds = time.monotonic() - started
    for conn in connections:
        conn.close()
    return Throughput(len(bodies), parallelism, seconds, len(failures))
