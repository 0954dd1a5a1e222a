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


Ask = Callable[[str, bool], str | None]  # (prompt, hide input) -> answer, None = cannot ask


def login(options: GlobalOptions, *, email: str | None, ask: Ask) -> int:
    """Log in with email and password and cache the token (mode 0600) for the API URL, so
    later commands need no secrets in the environment. OSHARA_EMAIL/OSHARA_PASSWORD answer the
    questions when set; with no terminal and no answers it fails instead of hanging."""
    import os

    from osharactl.client import SANDBOX, log_in
    from osharactl.config import load_settings
    from osharactl.errors import AuthError

    settings = load_settings(options)
    if settings.api_url == SANDBOX:
        print("The embedded sandbox logs in by itself; nothing to cache.")
        return 0
    email = email or os.environ.get("OSHARA_EMAIL") or ask("Email", False)
    password = (os.environ.get("OSHARA_PASSWORD") or ask("Password", True)) if email else None
    if not email or not password:
        raise AuthError(
            "cannot ask for the email and password: no terminal (or no answer)",
            hint="run `osharactl login` in a terminal, or set OSHARA_EMAIL and OSHARA_PASSWORD",
        )
    cache = log_in(settings, email, password, debug=options.debug)
    print(f"Logged in to {settings.api_url} as {email}; token cached in {cache}")
    return 0


def logout(options: GlobalOptions) -> int:
    """Remove the cached token for the API URL (other URLs' tokens stay)."""
    from osharactl.client import log_out
    from osharactl.config import load_settings

    settings = load_settings(options)
    removed = log_out(settings)
    state = "Removed the cached token" if removed else "No cached token"
    print(f"{state} for {settings.api_url}.")
    return 0
