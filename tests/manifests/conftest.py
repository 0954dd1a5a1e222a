"""Helpers for the manifest tests: write real files, load them, run the real CLI."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from osharactl.cli import main
from osharactl.errors import ManifestError
from osharactl.manifests import ManifestSet, load_manifests

BASE = """\
slug: helper
name: Helper
system_prompt: Be helpful.
allowed_origins: ["https://acme.example/"]
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def load(tmp_path: Path) -> Callable[..., ManifestSet]:
    """Write ``text`` to a file and load it (env refs checked, not resolved, unless asked)."""

    def _load(text: str, name: str = "m.yaml", **kwargs: Any) -> ManifestSet:
        write(tmp_path, name, text)
        kwargs.setdefault("resolve_env", False)
        return load_manifests([str(tmp_path)], **kwargs)

    return _load


@pytest.fixture
def errors(tmp_path: Path) -> Callable[..., list[str]]:
    """Write ``text``, expect loading to fail, return every diagnostic formatted."""

    def _errors(text: str, name: str = "m.yaml", **kwargs: Any) -> list[str]:
        write(tmp_path, name, text)
        kwargs.setdefault("resolve_env", False)
        with pytest.raises(ManifestError) as info:
            load_manifests([str(tmp_path)], **kwargs)
        return [d.format() for d in info.value.diagnostics]

    return _errors


def cli(*args: str, input: str | bytes | None = None) -> Result:
    """The real command line in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
