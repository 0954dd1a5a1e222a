"""Which files are manifests: explicit files, directories searched recursively, and stdin.

Directory walks are sorted (stable output and error order), skip hidden directories (``.git``,
``.venv``) and skip the project config ``osharactl.yaml``, which lives beside manifests but is
not one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import TextIO

from osharactl.errors import Diagnostic
from osharactl.manifests.types import SourcePos, diag
from osharactl.manifests.yamlread import MAX_FILE_BYTES

SUFFIXES = (".yaml", ".yml")
CONFIG_NAMES = frozenset({"osharactl.yaml", "osharactl.yml"})
STDIN_NAME = "<stdin>"


def _walk(root: FsPath) -> Iterator[FsPath]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SUFFIXES) and name not in CONFIG_NAMES and not name.startswith("."):
                yield FsPath(dirpath) / name


@dataclass(frozen=True)
class Source:
    """One manifest file, found but not yet read: its bytes are read when needed (and may be
    read twice, so that no more than one file's bytes are held at a time while loading)."""

    name: str
    data: bytes | None = None  # stdin only: it cannot be read again

    def read(self) -> tuple[bytes | None, Diagnostic | None]:
        """The bytes, or the problem reading them (too large, unreadable)."""
        if self.data is not None:
            return self.data, None
        path = FsPath(self.name)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return None, _problem(self.name, f"file is larger than {MAX_FILE_BYTES >> 20} MiB")
            return path.read_bytes(), None
        except OSError as exc:
            return None, _problem(self.name, f"cannot read: {exc.strerror or exc}")


def find_sources(
    paths: Sequence[str], stdin: TextIO | None
) -> tuple[list[Source], list[Diagnostic]]:
    """Every manifest file in order (stdin read at once), and problems finding them."""
    files: list[Source] = []
    problems: list[Diagnostic] = []
    for given in paths or ["."]:
        if given == "-":
            files.append(Source(STDIN_NAME, _read_stdin(stdin)))
            continue
        root = FsPath(given)
        if root.is_dir():
            found = list(_walk(root))
            if not found:
                problems.append(_problem(given, "directory holds no *.yaml or *.yml files"))
            files.extend(Source(str(path)) for path in found)
        elif root.exists():
            files.append(Source(str(root)))
        else:
            problems.append(_problem(given, "no such file or directory"))
    return files, problems


def _read_stdin(stdin: TextIO | None) -> bytes:
    """Bytes from stdin: the real one is read raw so invalid UTF-8 is reported, not raised."""
    stream = stdin if stdin is not None else sys.stdin
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read(MAX_FILE_BYTES + 1)
        return data
    return stream.read(MAX_FILE_BYTES + 1).encode("utf-8", "surrogateescape")


def _problem(file: str, message: str) -> Diagnostic:
    return diag(SourcePos(file, 1, 1), (), message)
