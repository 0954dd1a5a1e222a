"""Command-line parsing only: flags and environment into option values, then one call into
``app``. No logic lives here, so every command is testable through ``app`` as well as the CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from osharactl import __version__, app
from osharactl.errors import ExitCode, ManifestError, OsharaCtlError

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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="osharactl")
@click.option("--api-url", envvar="OSHARA_API_URL", help="API base URL, or 'sandbox'.")
@click.option(
    "--sandbox", is_flag=True, help="Use the embedded sandbox (same as --api-url sandbox)."
)
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="osharactl.yaml.")
@click.option("--env", "env_name", metavar="NAME", help="Environment from the config file.")
@click.option("-v", "--verbose", count=True, help="More output (repeat for more).")
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
