"""Command-line parsing only: flags and environment into option values, then one call into
``app``. No logic lives here, so every command is testable through ``app`` as well as the CLI."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from osharactl import __version__, app
from osharactl.errors import ExitCode, ManifestError, OsharaCtlError, exit_code_for

FORMATS_PLAN = click.Choice(["text", "json", "markdown"])
FORMATS_APPLY = click.Choice(["text", "json"])
paths_arg = click.argument("paths", nargs=-1, type=click.Path(allow_dash=True, path_type=str))
target_opt = click.option(
    "--target", "targets", multiple=True, metavar="SLUG", help="Limit to this character (repeat)."
)
overwrite_opt = click.option(
    "--overwrite",
    "overwrite",
    multiple=True,
    metavar="SLUG",
    help="Send this character whole with PUT, resetting what the manifest does not set.",
)


class _Group(click.Group):
    """Runs click in non-standalone mode so that its usage errors exit 1, not 2: exit 2 is
    reserved for ``plan --detailed-exitcode`` ("changes present"), which a typo must never fake."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(ExitCode.ERROR)
        except click.Abort:
            click.echo("Interrupted.", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="osharactl")
@click.option("--api-url", envvar="OSHARA_API_URL", help="API base URL, or 'sandbox'.")
@click.option(
    "--sandbox", is_flag=True, help="Use the embedded sandbox (same as --api-url sandbox)."
)
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="osharactl.yaml.")
@click.option("--env", "env_name", metavar="NAME", help="Environment from the config file.")
@click.option("-v", "--verbose", count=True, help="Also print sizes, request counts and timings.")
@click.option("--debug", is_flag=True, help="Trace HTTP requests (credentials redacted).")
@click.option("--no-color", is_flag=True, envvar="NO_COLOR", help="Never use colour.")
@click.pass_context
def main(
    ctx: click.Context,
    api_url: str | None,
    sandbox: bool,
    config_file: Path | None,
    env_name: str | None,
    verbose: int,
    debug: bool,
    no_color: bool,
) -> None:
    """Configuration as code for Oshara voice agents."""
    ctx.obj = app.GlobalOptions(
        api_url="sandbox" if sandbox else api_url,
        config_file=config_file,
        env_name=env_name,
        verbosity=verbose,
        debug=debug,
        color=None if not no_color else False,
    )


def run(fn: app.Command) -> None:
    """Call one app function, turning every expected failure into a message and an exit code."""
    try:
        code = fn()
    except ManifestError as exc:
        for diag in exc.diagnostics:
            click.echo(diag.format(), err=True)
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except OsharaCtlError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # a bug: say where, never the message (it could hold a value)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        click.echo(
            f"Error: internal error (a bug in osharactl): {type(exc).__name__} at "
            f"{Path(where.filename).name}:{where.lineno}\nPlease report it with the command "
            "you ran; nothing after this point was sent.",
            err=True,
        )
        sys.exit(exit_code_for(exc))
    sys.exit(code)


def _g(ctx: click.Context) -> app.GlobalOptions:
    obj = ctx.find_root().obj
    assert isinstance(obj, app.GlobalOptions)
    return obj


@main.command()
@paths_arg
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> None:
    """Check manifests offline: schema, references and lint. No API calls."""
    run(lambda: app.validate(_g(ctx), list(paths), fmt=fmt))


prune_opt = click.option(
    "--prune", is_flag=True, help="Delete live characters missing from the manifests (in scope)."
)
max_deletes_opt = click.option(
    "--max-deletes", type=click.IntRange(0), default=None, help="Refuse to delete more than N."
)
rotate_opt = click.option(
    "--rotate-secrets",
    "rotate",
    multiple=True,
    metavar="SLUG",
    help="Re-send this character's secrets even if no change is visible ('*' = all).",
)


def plan_shaping(command: Callable[..., None]) -> Callable[..., None]:
    """The options that decide what a plan contains, shared by plan and apply."""
    for option in (rotate_opt, overwrite_opt, target_opt, max_deletes_opt, prune_opt):
        command = option(command)
    return command


def _request(paths: tuple[str, ...], shaping: dict[str, Any]) -> Any:
    from osharactl.reconcile import Request

    return Request(
        paths=list(paths),
        targets=frozenset(shaping["targets"]),
        prune=shaping["prune"],
        max_deletes=shaping["max_deletes"],
        overwrite=frozenset(shaping["overwrite"]),
        rotate=frozenset(shaping["rotate"]),
    )


@main.command()
@paths_arg
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Save the plan.")
@click.option("--format", "fmt", type=FORMATS_PLAN, default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option(
    "--full-plan-url", metavar="URL", help="Markdown: link to the full plan if it is shortened."
)
@plan_shaping
@click.pass_context
def plan(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    full_plan_url: str | None,
    **shaping: Any,
) -> None:
    """Show what apply would change, field by field. Makes no changes."""
    request = _request(paths, shaping)
    run(
        lambda: app.plan(
            _g(ctx),
            request,
            fmt=fmt,
            out=out,
            detailed=detailed_exitcode,
            full_plan_url=full_plan_url,
        )
    )


def _confirm(text: str, hide: bool) -> str | None:
    """Ask only on a real terminal; None means there is nobody to ask."""
    if not sys.stdin.isatty():
        return None
    try:
        return str(click.prompt(text, hide_input=hide))
    except click.Abort:  # Ctrl-C or Ctrl-D at the prompt: the user stopped, nothing was sent
        raise KeyboardInterrupt from None


@main.command()
@paths_arg
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--parallelism", type=click.IntRange(1, 64), default=None, help="Concurrent requests."
)
@click.option("--format", "fmt", type=FORMATS_APPLY, default="text", show_default=True)
@plan_shaping
@click.pass_context
def apply(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    auto_approve: bool,
    parallelism: int | None,
    fmt: str,
    **shaping: Any,
) -> None:
    """Apply the manifests (after confirmation), or a saved plan file as reviewed."""
    request = _request(paths, shaping)
    run(
        lambda: app.apply(
            _g(ctx),
            request,
            fmt=fmt,
            auto_approve=auto_approve,
            parallelism=parallelism,
            confirm=_confirm,
        )
    )


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to write to [default: the config's first manifests entry, else .].",
)
@target_opt
@click.pass_context
def pull(ctx: click.Context, out: Path | None, targets: tuple[str, ...]) -> None:
    """Write live characters as manifests, one file each; re-pull updates them in place."""
    run(lambda: app.pull(_g(ctx), out=out, targets=list(targets)))


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("schemas"))
@click.pass_context
def schema(ctx: click.Context, out_dir: Path) -> None:
    """Write the manifests' JSON Schema files."""
    run(lambda: app.schema(_g(ctx), out_dir))


@main.group()
def sandbox() -> None:
    """The embedded Oshara API sandbox."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=None,
    envvar="OSHARACTL_SANDBOX_DB",
    help="SQLite file [default: .osharactl/sandbox.sqlite3].",
)
@click.option("--email", default="sandbox@example.com", show_default=True)
@click.option("--password", default="sandbox", show_default=True)
@click.option("--access-ttl", type=float, default=None, help="Access-token lifetime in seconds.")
@click.option("--refresh-ttl", type=float, default=None, help="Refresh-token lifetime in seconds.")
@click.option("--page-size", type=int, default=None, help="Paginate the characters list (DRF).")
@click.option("--latency-ms", type=float, default=None, help="Inject latency on every request.")
@click.option("--error-rate", type=float, default=None, help="Share of requests answered 503.")
@click.option("--rate-limit-rate", type=float, default=None, help="Share answered 429.")
@click.option("--retry-after", type=float, default=None, help="Retry-After seconds on 429.")
@click.option("--drop-rate", type=float, default=None, help="Share dropped before processing.")
@click.option(
    "--drop-after-rate", type=float, default=None, help="Share processed, then dropped unanswered."
)
@click.option("--seed", type=int, default=None, help="Seed of the fault sequence.")
@click.option("--faults-on-auth", is_flag=True, default=None, help="Inject faults on /api/auth/.")
@click.option("--request-log", type=click.Path(path_type=Path), default=None, help="JSON lines.")
@click.pass_context
def sandbox_serve(ctx: click.Context, /, **kwargs: Any) -> None:
    """Serve the sandbox API over HTTP until Ctrl-C (flags override OSHARA_SANDBOX_* env vars)."""
    run(lambda: app.sandbox_serve(_g(ctx), **kwargs))


@sandbox.command("openapi")
@click.pass_context
def sandbox_openapi(ctx: click.Context) -> None:
    """Print the sandbox's OpenAPI 3.1 description (JSON)."""
    run(lambda: app.sandbox_openapi(_g(ctx)))


def _ask(text: str, hide: bool) -> str | None:
    """click.prompt, with end of input (no terminal, nothing piped) meaning "cannot ask"."""
    try:
        return str(click.prompt(text, hide_input=hide))
    except click.Abort:
        return None


@main.command()
@click.option("--email", default=None, help="Account email (else OSHARA_EMAIL, else asked).")
@click.pass_context
def login(ctx: click.Context, email: str | None) -> None:
    """Log in and cache the token for the API URL (file mode 0600)."""
    run(lambda: app.login(_g(ctx), email=email, ask=_ask))


@main.command()
@click.pass_context
def logout(ctx: click.Context) -> None:
    """Forget the cached token for the API URL."""
    run(lambda: app.logout(_g(ctx)))
