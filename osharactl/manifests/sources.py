"""Which files are manifests: explicit files, directories searched recursively, and stdin.

Directory walks are sorted (stable output and error order), skip hidden directories (``.git``,
``.venv``) and skip the project config ``osharactl.yaml``, which lives beside manifests but is
not one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
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


def read_sources(
    paths: Sequence[str], stdin: TextIO | None
) -> tuple[list[tuple[str, bytes]], list[Diagnostic]]:
    """``(display name, bytes)`` of every manifest file, and problems finding or reading them."""
    files: list[tuple[str, bytes]] = []
    problems: list[Diagnostic] = []
    for given in paths or ["."]:
        if given == "-":
            files.append((STDIN_NAME, _read_stdin(stdin)))
            continue
        root = FsPath(given)
        if root.is_dir():
            found = list(_walk(root))
            if not found:
                problems.append(_problem(given, "directory holds no *.yaml or *.yml files"))
            candidates = found
        elif root.exists():
            candidates = [root]
        else:
            problems.append(_problem(given, "no such file or directory"))
            continue
        for path in candidates:
            try:
                size = path.stat().st_size
                if size > MAX_FILE_BYTES:
                    problems.append(
                        _problem(str(path), f"file is larger than {MAX_FILE_BYTES >> 20} MiB")
                    )
                    continue
                files.append((str(path), path.read_bytes()))
            except OSError as exc:
                problems.append(_problem(str(path), f"cannot read: {exc.strerror or exc}"))
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
