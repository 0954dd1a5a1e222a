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

    from osharactl.client import SANDBOX, log_in, require_secure_url
    from osharactl.config import load_settings
    from osharactl.errors import AuthError

    settings = load_settings(options)
    if settings.api_url == SANDBOX:
        print("The embedded sandbox logs in by itself; nothing to cache.")
        return 0
    require_secure_url(settings.api_url)  # before asking for a password we would refuse to send
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


def pull(options: GlobalOptions, *, out: Path | None, targets: list[str]) -> int:
    """Write live characters as manifests (one file each) so that plan on them shows no
    changes; re-pulling updates existing files in place. Secrets become ``${env:…}`` references;
    the variables to set are listed on stderr (names only, never values)."""
    import os
    import sys

    from osharactl import pull as pulling
    from osharactl.client import open_client
    from osharactl.config import load_settings

    settings = load_settings(options)
    out_dir = out if out is not None else pulling.default_out_dir(settings.manifests)
    with open_client(settings, debug=options.debug) as client:
        result = pulling.pull(
            client,
            out_dir,
            targets=frozenset(targets),
            variables=settings.variables,
            environ=os.environ,
            cwd=Path.cwd(),
        )
    print(pulling.summary(result))
    for notice in (pulling.secrets_notice(result), pulling.residue_notice(result)):
        if notice:
            print(notice, file=sys.stderr)
    return 0


def schema(options: GlobalOptions, out_dir: Path) -> int:
    """Write the JSON Schemas editors use: manifests and the project file ``osharactl.yaml``."""
    from osharactl.config import write_config_schema
    from osharactl.errors import UsageError
    from osharactl.manifests.schema import write_manifest_schema

    try:
        written = [write_manifest_schema(out_dir), write_config_schema(out_dir)]
    except OSError as exc:
        raise UsageError(f"cannot write the schemas to {out_dir}: {exc.strerror or exc}") from None
    for path in written:
        print(f"wrote {path}")
    return 0


def _color(options: GlobalOptions) -> bool:
    import os
    import sys

    if options.color is not None:
        return options.color
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def _render(plan: Any, fmt: str, options: GlobalOptions, full_plan_hint: str | None = None) -> str:
    from osharactl.render import render_json, render_markdown, render_text

    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, full_plan_hint=full_plan_hint)
    return render_text(plan, color=_color(options))


def plan(
    options: GlobalOptions,
    request: Any,
    *,
    fmt: str,
    out: Path | None,
    detailed: bool,
    full_plan_url: str | None = None,
) -> int:
    """Read manifests and live state, print the plan; ``--out`` saves it for ``apply FILE``.
    With ``--detailed-exitcode``: 0 no changes, 2 changes (the drift check).
    ``full_plan_url`` (markdown only) is linked where a too-long comment is shortened."""
    import sys

    from osharactl import planfile
    from osharactl.config import load_settings
    from osharactl.reconcile import make_plan

    settings = load_settings(options)
    planned = make_plan(settings, request, debug=options.debug)
    if options.verbosity:
        print(planned.summary(), file=sys.stderr)
    with planned.client:
        hint = _full_plan_hint(full_plan_url)
        sys.stdout.write(_render(planned.plan, fmt, options, hint))
        if out is not None:
            planfile.save(out, planned.plan, planned.manifests.characters, planned.live)
            print(f"Saved the plan to {out}; apply it with: osharactl apply {out}", file=sys.stderr)
    return 2 if detailed and planned.plan.has_changes else 0


def _full_plan_hint(url: str | None) -> str | None:
    """A markdown link to where CI keeps the full plan; refused if it could break the markup."""
    import re

    from osharactl.errors import UsageError

    if url is None:
        return None
    if not re.fullmatch(r"https?://[^\s<>()\[\]`]+", url):
        raise UsageError(
            f"--full-plan-url must be an http(s) URL without spaces, brackets or backticks: {url!r}"
        )
    return f"[Full plan]({url})."


def apply(
    options: GlobalOptions,
    request: Any,
    *,
    fmt: str,
    auto_approve: bool,
    parallelism: int | None,
    confirm: Ask,
) -> int:
    """Apply the plan computed now (after confirmation) or a saved plan file (never prompts,
    refused when stale). Ends by re-reading what changed and reporting anything that did not
    converge."""
    import os
    import sys

    from osharactl import planfile
    from osharactl.client import open_client
    from osharactl.config import load_settings
    from osharactl.errors import UsageError
    from osharactl.live import read_live
    from osharactl.reconcile import make_plan, plan_secrets, redactor
    from osharactl.render.report import render_report_json

    settings = load_settings(options)
    paths = list(request.paths)
    if len(paths) == 1 and planfile.is_plan_file(paths[0]):
        shaping = [name for name, given in request.shaping_flags().items() if given]
        if shaping:
            raise UsageError(
                f"{', '.join(shaping)} cannot be combined with a saved plan: the plan already "
                "says exactly what to do",
                hint="make a new plan with those flags: `osharactl plan ... --out FILE`",
            )
        saved = planfile.load(Path(paths[0]))
        if saved.api_url != settings.api_url or saved.env_name != settings.env_name:
            raise UsageError(
                f"the saved plan was made for {saved.api_url} (env {saved.env_name or '-'}), "
                f"not {settings.api_url} (env {settings.env_name or '-'})"
            )
        the_plan = saved.plan(os.environ, settings.variables)
        secrets = plan_secrets(the_plan) + saved.resolved_values
        client = open_client(settings, debug=options.debug, redact=redactor(secrets))
        with client:
            saved.check_fresh(the_plan, read_live(client))
            (sys.stderr if fmt == "json" else sys.stdout).write(_render(the_plan, "text", options))
            return _execute(
                the_plan, client, saved.refs(), parallelism or settings.parallelism, fmt
            )
    planned = make_plan(settings, request, debug=options.debug)
    if options.verbosity:
        print(planned.summary(), file=sys.stderr)
    with planned.client:
        shown = _render(planned.plan, "text", options)
        (sys.stderr if fmt == "json" else sys.stdout).write(shown)
        if not planned.plan.has_changes:
            if fmt == "json":
                sys.stdout.write(render_report_json(planned.plan, None))
            return 0
        if not auto_approve:
            answer = confirm("Apply these changes? Only 'yes' is accepted", False)
            if answer is None:
                raise UsageError(
                    "apply needs confirmation, and there is no terminal to ask",
                    hint="review with `osharactl plan --out plan.json`, then run "
                    "`osharactl apply plan.json` (or pass --auto-approve)",
                )
            if answer.strip() != "yes":
                print("Apply cancelled; nothing was changed.", file=sys.stderr)
                return 1
        refs = {s: d.refs for s, d in planned.manifests.characters.items()}
        return _execute(
            planned.plan, planned.client, refs, parallelism or settings.parallelism, fmt
        )


def _execute(the_plan: Any, client: Any, refs: Any, parallelism: int, fmt: str) -> int:
    import sys

    from osharactl.errors import ExitCode
    from osharactl.progress import Progress
    from osharactl.reconcile import run_apply
    from osharactl.render.report import render_report_json, render_report_text

    total = sum(len(c.operations) for c in the_plan.changes)
    report = run_apply(the_plan, client, refs, parallelism=parallelism, on_outcome=Progress(total))
    if fmt == "json":
        sys.stdout.write(render_report_json(the_plan, report))
    else:
        sys.stdout.write(render_report_text(report))
    if report.interrupted:
        print(
            "Interrupted: in-flight changes finished; the rest were not started.", file=sys.stderr
        )
        return int(ExitCode.INTERRUPTED)
    return 0 if report.ok else 1
