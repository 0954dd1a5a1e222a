"""``${env:NAME}`` and ``${var:NAME}`` references, resolved on parsed values, never on text.

Resolving after parsing means a value can never inject YAML structure, and every reference keeps
the position of the value it sits in. ``$${`` writes a literal ``${``. References may stand for a
whole value or sit inside a string; they are only recognised in strings, so a number field takes
no reference (docs/manifests.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from osharactl.errors import Diagnostic
from osharactl.manifests.types import Path, RawDocument, diag

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(r"\$\$\{|\$\{(?:(env|var):(" + NAME + r")\})?")
ENV_PLACEHOLDER = "https://env.invalid/{name}"  # whole value: also passes URL fields offline
INLINE_PLACEHOLDER = "env-{name}"


class BadReference(ValueError):
    """A ``${`` that is not a well-formed reference."""


def scan(text: str) -> list[tuple[str, str]]:
    """The ``(kind, name)`` of every reference in ``text``; raises on a malformed ``${``."""
    found: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        if match.group(0) == "$${":
            continue
        if match.group(1) is None:
            tail = text[match.start() : match.start() + 30]
            raise BadReference(
                f"malformed reference {tail!r}: write ${{env:NAME}} or ${{var:NAME}}, "
                "or $${ for a literal ${"
            )
        found.append((match.group(1), match.group(2)))
    return found


def substitute(text: str, value_of: Callable[[str, str, bool], str]) -> str:
    """Replace every reference by ``value_of(kind, name, whole_value)`` and ``$${`` by ``${``."""
    whole = _TOKEN.fullmatch(text) is not None and text != "$${"

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        return value_of(match.group(1), match.group(2), whole)

    return _TOKEN.sub(repl, text)


@dataclass
class Resolver:
    """Resolves the references of one document in place, collecting problems and env refs."""

    variables: Mapping[str, str]
    environ: Mapping[str, str]
    resolve_env: bool
    problems: list[Diagnostic] = field(default_factory=list)
    refs: dict[Path, str] = field(default_factory=dict)
    env_values: set[str] = field(default_factory=set)

    def resolve(self, doc: RawDocument, value: Any, path: Path = ()) -> Any:
        """Return ``value`` with every reference replaced (containers are updated in place).

        Only containers are recursed into and only strings holding ``${`` are rewritten: most of
        a manifest's million values at 10,000 characters are plain, and a call (and a path tuple)
        per plain value was most of this stage's cost.
        """
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str):
                    if "${" in item:
                        value[key] = self._string(doc, item, (*path, key))
                elif isinstance(item, (dict, list)):
                    self.resolve(doc, item, (*path, key))
            return value
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    if "${" in item:
                        value[index] = self._string(doc, item, (*path, index))
                elif isinstance(item, (dict, list)):
                    self.resolve(doc, item, (*path, index))
            return value
        if isinstance(value, str) and "${" in value:
            return self._string(doc, value, path)
        return value

    def _string(self, doc: RawDocument, text: str, path: Path) -> str:
        try:
            found = scan(text)
        except BadReference as exc:
            self.problems.append(diag(doc.pos(path), path, str(exc)))
            return text
        if any(kind == "env" for kind, _ in found):
            self.refs[path] = text

        def value_of(kind: str, name: str, whole: bool) -> str:
            if kind == "var":
                if name not in self.variables:
                    self.problems.append(
                        diag(doc.pos(path), path, f"variable {name!r} is not set (${{var:{name}}})")
                    )
                    return ""
                return self.variables[name]
            if not self.resolve_env:
                return (ENV_PLACEHOLDER if whole else INLINE_PLACEHOLDER).format(name=name)
            if name not in self.environ:
                self.problems.append(
                    diag(
                        doc.pos(path),
                        path,
                        f"environment variable {name!r} is not set (${{env:{name}}})",
                    )
                )
                return ""
            resolved = self.environ[name]
            if resolved:
                self.env_values.add(resolved)
            return resolved

        return substitute(text, value_of)


def has_env_ref(text: Any) -> bool:
    """True when a string holds at least one well-formed ``${env:…}`` reference."""
    if not isinstance(text, str) or "${" not in text:
        return False
    try:
        return any(kind == "env" for kind, _ in scan(text))
    except BadReference:
        return False
