"""The request log: what the sandbox really received, for tests and benchmarks to count.

Each API request (not the ``/_sandbox/`` debug endpoints) becomes one entry with its method,
path, status and injected fault, appended as a JSON line to an optional file and kept in a
bounded in-memory deque served by ``GET /_sandbox/requests``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from pathlib import Path
from typing import IO, Any

from osharactl.sandbox.web import dumps


class RequestLog:
    """Thread-safe append-only log; ``clear`` empties the memory copy (not the file)."""

    def __init__(self, file: Path | None = None, keep: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=keep)
        self._seq = 0
        self._file: IO[str] | None = None
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            self._file = file.open("a", encoding="utf-8")

    def record(
        self,
        method: str,
        path: str,
        query: str,
        status: int | None,
        fault: str | None,
        latency_ms: float,
    ) -> None:
        with self._lock:
            self._seq += 1
            entry: dict[str, Any] = {
                "seq": self._seq,
                "time": round(time.time(), 6),
                "method": method,
                "path": path,
                "query": query,
                "status": status,
                "fault": fault,
                "latency_ms": latency_ms,
            }
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(dumps(entry) + "\n")
                self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
