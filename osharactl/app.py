"""One short function per command, wiring the pipeline stages together.

Each function takes parsed options and returns an exit code; expected failures are raised as
``OsharaCtlError`` and turned into messages by the CLI. Printing of results happens here (or in
``render``), diagnostics go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def sandbox_serve(
    options: GlobalOptions,
    *,
    host: str,
    port: int,
    db: Path | None,
    email: str,
    password: str,
    **settings: Any,
) -> int:
    """Serve the sandbox on ``host:port`` until Ctrl-C (130) or SIGTERM (0). Fault, token and
    paging settings come from OSHARA_SANDBOX_* variables, overridden by the flags given."""
    from osharactl.errors import UsageError
    from osharactl.sandbox import DEFAULT_DB, FaultConfig, SandboxConfig
    from osharactl.sandbox.serve import serve

    fault_flags = {k: settings.pop(k) for k in list(settings) if k in FaultConfig.FLAGS}
    if fault_flags.get("faults_on_auth") is not None:
        fault_flags["include_auth"] = fault_flags.pop("faults_on_auth")
    try:
        config = SandboxConfig.from_env(
            db_path=db or DEFAULT_DB,
            email=email,
            password=password,
            access_ttl_seconds=settings.get("access_ttl"),
            refresh_ttl_seconds=settings.get("refresh_ttl"),
            page_size=settings.get("page_size"),
            request_log=settings.get("request_log"),
        )
        config = config.with_faults(**fault_flags)
        return serve(config, host, port, print)
    except ValueError as exc:
        raise UsageError(f"sandbox settings: {exc}") from None
    except OSError as exc:
        raise UsageError(
            f"cannot serve the sandbox on {host}:{port}: {exc.strerror or exc}"
        ) from None


def sandbox_openapi(options: GlobalOptions) -> int:
    """Print the OpenAPI description the sandbox serves at /api/schema/."""
    import json

    from osharactl.sandbox.openapi import openapi_document

    print(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
    return 0


def validate(options: GlobalOptions, paths: list[str], *, fmt: str = "text") -> int:
    """Check manifests offline: no API calls and no secret values (``${env:…}`` is checked,
    not resolved). Warnings go to stderr and never fail; ``--format json`` prints one document
    on stdout whatever the outcome, for machines."""
    import json
    import sys

    from osharactl.config import load_settings
    from osharactl.errors import ManifestError
    from osharactl.manifests import load_manifests
    from osharactl.manifests.report import diagnostics_json, summary

    settings = load_settings(options)
    try:
        result = load_manifests(
            paths or list(settings.manifests), variables=settings.variables, resolve_env=False
        )
    except ManifestError as exc:
        if fmt != "json":
            raise
        print(json.dumps(diagnostics_json(exc.diagnostics), indent=2, ensure_ascii=False))
        return 1
    if fmt == "json":
        print(json.dumps(diagnostics_json(result.warnings), indent=2, ensure_ascii=False))
        return 0
    for warning in result.warnings:
        print(warning.format(), file=sys.stderr)
    print(summary(result))
    return 0


def schema(options: GlobalOptions, out_dir: Path) -> int:
    """Write the JSON Schemas editors use: manifests and the project file ``osharactl.yaml``."""
    from osharactl.config import write_config_schema
    from osharactl.manifests.schema import write_manifest_schema

    for written in (write_manifest_schema(out_dir), write_config_schema(out_dir)):
        print(f"wrote {written}")
    return 0
