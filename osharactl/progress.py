"""Apply progress: a bar that redraws in place on a terminal, one plain line per change in CI.

Progress goes to stderr so that ``apply --format json`` keeps stdout to one JSON document.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from osharactl.apply import Outcome

BAR = 24


class Progress:
    def __init__(
        self, total: int, *, stream: TextIO | None = None, tty: bool | None = None
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.finished = 0
        self._lock = threading.Lock()

    def __call__(self, outcome: Outcome) -> None:
        with self._lock:
            self.finished += 1
            line = self._line(outcome)
            if self.tty:
                filled = BAR * self.finished // max(1, self.total)
                bar = "#" * filled + "-" * (BAR - filled)
                self.stream.write(f"\r\033[K{line}\n[{bar}] {self.finished}/{self.total}")
                if self.finished == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(f"[{self.finished}/{self.total}] {line}\n")
            self.stream.flush()

    @staticmethod
    def _line(outcome: Outcome) -> str:
        if outcome.status == "done":
            return f"{outcome.slug}: {outcome.message} ({outcome.seconds:.2f}s)"
        return f"{outcome.slug}: {outcome.status.upper()} {outcome.method}: {outcome.message}"
