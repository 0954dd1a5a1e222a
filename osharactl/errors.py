"""The one error tree and the one exit-code table.

Every failure a user can cause or meet is an ``OsharaCtlError`` subclass; the CLI maps it to an
exit code here and prints its message. Anything else that escapes is a bug (exit 3). Messages
must never contain secret values: callers mask before they raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The command-line contract's exit codes (DESIGN.md)."""

    OK = 0
    ERROR = 1
    CHANGES_PRESENT = 2  # plan --detailed-exitcode: success, and there are changes
    INTERNAL = 3
    INTERRUPTED = 130


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a manifest or config file, with its position.

    ``severity`` is ``"error"`` or ``"warning"``; ``rule`` names a lint rule (or ``None`` for
    schema errors) so it can be silenced per character.
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: str = "error"
    rule: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.path, self.message)

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        label = "warning" if self.severity == "warning" else "error"
        rule = f" [{self.rule}]" if self.rule else ""
        path = f" {self.path}:" if self.path else ""
        return f"{where}: {label}{rule}:{path} {self.message}"


class OsharaCtlError(Exception):
    """Base of every expected failure. ``exit_code`` says how the process ends."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class UsageError(OsharaCtlError):
    """Flags or arguments that do not make sense together."""


class ConfigError(OsharaCtlError):
    """osharactl.yaml, environments or credentials are wrong or missing."""


class ManifestError(OsharaCtlError):
    """Manifests failed to load or validate; carries every diagnostic, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in manifests")


class ReferenceError_(OsharaCtlError):
    """A ``${env:…}`` or ``${var:…}`` reference could not be resolved."""


class AuthError(OsharaCtlError):
    """No usable credentials, or the server refused them."""


class ConnectionFailed(OsharaCtlError):
    """The API could not be reached (after retries): DNS, refused, reset, timeout."""


class ApiError(OsharaCtlError):
    """The API answered with an error status. ``body`` is already truncated and masked."""

    def __init__(
        self, message: str, *, status: int, method: str, path: str, body: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.body = body


class NotFound(ApiError):
    """404 from the API."""


class StalePlan(OsharaCtlError):
    """A saved plan no longer matches live state; applying it would not do what was reviewed."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """Map any exception to the exit code the process must end with; anything that is not an
    ``OsharaCtlError`` is a bug (3). (Command-line mistakes found by the parser exit 1 too.)"""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, OsharaCtlError):
        return exc.exit_code
    return ExitCode.INTERNAL
