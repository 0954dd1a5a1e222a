"""Processes the benchmark runs: the served sandbox, and the measured osharactl command.

Why separate processes: the figures must be those of osharactl alone ("whole process"), so the
sandbox never shares the measured interpreter, and each measured command is a fresh
``python -m osharactl`` whose wall time includes start-up and imports, as a user would see it.
Peak memory comes from ``os.wait4`` on that very child, so no other process is counted.
Only 127.0.0.1 is ever contacted, through the stdlib (httpx stays inside osharactl/client.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

PYTHON = sys.executable
EMAIL = "sandbox@example.com"
PASSWORD = "sandbox"
START_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServedSandbox:
    """``osharactl sandbox serve`` in its own process on a free loopback port, fresh database.

    A context manager: it waits until the server answers, and on exit stops it with SIGTERM
    (the documented clean stop), killing it only if it does not stop in time.
    """

    def __init__(self, workdir: Path, *, latency_ms: float = 0.0, name: str = "sandbox") -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.db = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = (workdir / f"{name}.log").open("w", encoding="utf-8")
        command = [PYTHON, "-m", "osharactl", "sandbox", "serve", "--port", str(self.port)]
        command += ["--db", str(self.db), "--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox exited early (code {self.process.returncode})")
            try:
                self.debug("GET", "/_sandbox/faults")
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the sandbox did not answer within {START_TIMEOUT} s")

    def debug(self, method: str, path: str, body: Any = None) -> Any:
        """Call a ``/_sandbox/`` endpoint (request log, faults); JSON in, JSON out."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def requests(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.debug("GET", "/_sandbox/requests")
        return entries

    def clear_requests(self) -> None:
        self.debug("DELETE", "/_sandbox/requests")

    def set_latency(self, latency_ms: float) -> None:
        self.debug("PUT", "/_sandbox/faults", {"latency_ms": latency_ms})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> ServedSandbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class Measured:
    """One finished osharactl process: exit code, wall seconds, peak RSS in MiB, its output."""

    code: int
    seconds: float
    max_rss_mib: float
    stdout: str
    stderr: str


def osharactl(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    workdir: Path,
) -> Measured:
    """Run ``python -m osharactl ARGS`` and measure it alone: wall time from spawn to exit, and
    ``ru_maxrss`` of exactly this child (``os.wait4``). Killed after ``timeout`` seconds."""
    out_path, err_path = workdir / "last.stdout", workdir / "last.stderr"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [PYTHON, "-m", "osharactl", *args], cwd=cwd, env=dict(env), stdout=out, stderr=err
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    code = process.returncode
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    if code < 0:
        stderr += f"\n(killed by signal {-code}; timeout {timeout} s)"
    return Measured(code, seconds, usage.ru_maxrss / 1024.0, stdout, stderr)


def client_env(api_url: str, secrets: Mapping[str, str], config_dir: Path) -> dict[str, str]:
    """The measured process's environment: the served sandbox's account and the manifests'
    ``${env:…}`` secrets; nothing from a developer's own Oshara settings or token cache leaks
    in (``OSHARACTL_CONFIG_DIR`` points into the benchmark's work directory)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("OSHARA", "OSHARACTL"))}
    return {
        **keep,
        **secrets,
        "OSHARA_API_URL": api_url,
        "OSHARA_EMAIL": EMAIL,
        "OSHARA_PASSWORD": PASSWORD,
        "OSHARACTL_CONFIG_DIR": str(config_dir),
        "NO_COLOR": "1",
    }
