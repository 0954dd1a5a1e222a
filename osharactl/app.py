"""One short function per command, wiring the pipeline stages together.

Each function takes parsed options and returns an exit code; expected failures are raised as
``OsharaCtlError`` and turned into messages by the CLI. Printing of results happens here (or in
``render``), diagnostics go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Command = Callable[[], int]


@dataclass(frozen=True)
class GlobalOptions:
    """Options every command shares, as parsed by the CLI."""

    api_url: str | None = None  # "sandbox" selects the embedded sandbox
    config_file: Path | None = None
    env_name: str | None = None
    verbosity: int = 0
    debug: bool = False
    color: bool | None = None  # None = colour only on a terminal
