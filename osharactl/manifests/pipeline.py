"""From paths to a ``ManifestSet``: read → classify → expand reuse → resolve refs → validate →
cross-check → lint. Every stage collects problems instead of stopping, so one run reports all
of them; any error at the end raises ``ManifestError`` with every diagnostic (warnings too).
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from difflib import get_close_matches
from pathlib import Path as FsPath
from typing import Any, TextIO

from osharactl.errors import Diagnostic, ManifestError
from osharactl.manifests import fieldpaths
from osharactl.manifests.lint import RULES, lint
from osharactl.manifests.refs import Resolver
from osharactl.manifests.rules import (
    Candidate,
    character_rules,
    duplicate_slugs,
    live_only_targets,
    replacements,
    split_handoff_flags,
)
from osharactl.manifests.secrets import secret_strings
from osharactl.manifests.shared import Library
from osharactl.manifests.sources import STDIN_NAME, read_sources
from osharactl.manifests.types import (
    DesiredCharacter,
    ManifestSet,
    Path,
    RawDocument,
    SourcePos,
    diag,
)
from osharactl.manifests.validation import validate_character
from osharactl.manifests.yamlread import read_documents
from osharactl.models.character import SLUG

_EMPTY: Mapping[str, str] = {}


def load_manifests(
    paths: Sequence[str],
    *,
    variables: Mapping[str, str] = _EMPTY,
    environ: Mapping[str, str] | None = None,
    resolve_env: bool = True,
    stdin: TextIO | None = None,
) -> ManifestSet:
    """Load, expand, resolve and check every manifest under ``paths`` ("-" is stdin).

    ``resolve_env=False`` (``validate``) checks ``${env:…}`` references without their values.
    The cyclic garbage collector is paused meanwhile: loading allocates millions of small,
    acyclic objects, and the collector's passes over them cost a third of the time.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(paths, variables, environ, resolve_env, stdin)
    finally:
        if paused:
            gc.enable()


def _load(
    paths: Sequence[str],
    variables: Mapping[str, str],
    environ: Mapping[str, str] | None,
    resolve_env: bool,
    stdin: TextIO | None,
) -> ManifestSet:
    problems: list[Diagnostic] = []
    docs = _read(paths, stdin, problems)
    library = Library()
    character_docs: list[RawDocument] = []
    for doc in docs:
        if not isinstance(doc.value, dict):
            kind = "a list" if isinstance(doc.value, list) else "a single value"
            message = f"a manifest document must be a mapping (character or `shared:`), not {kind}"
            problems.append(diag(doc.start, (), message))
        elif "shared" in doc.value:
            extra = [k for k in doc.value if k != "shared"]
            for key in extra:
                problems.append(
                    diag(doc.pos((key,)), (key,), "a `shared:` document holds nothing else")
                )
            library.add_document(doc)
        else:
            character_docs.append(doc)
    problems.extend(library.problems)
    resolver = Resolver(variables, os.environ if environ is None else environ, resolve_env)
    candidates: list[Candidate] = []
    for doc in character_docs:
        cand = _prepare(doc, library, resolver, problems)
        if cand is not None:
            candidates.append(cand)
    return _finish(candidates, problems, resolver)


def _read(
    paths: Sequence[str], stdin: TextIO | None, problems: list[Diagnostic]
) -> list[RawDocument]:
    files, found = read_sources(paths, stdin)
    problems.extend(found)
    docs: list[RawDocument] = []
    files.reverse()  # popped in order below, so each file's bytes are freed once parsed
    while files:
        name, data = files.pop()
        reread = None if name == STDIN_NAME else FsPath(name).read_bytes
        parsed, trouble = read_documents(data, name, reread)
        problems.extend(trouble)
        present = [d for d in parsed if d.value is not None]
        if not present and not trouble:
            problems.append(diag(SourcePos(name, 1, 1), (), "file holds no YAML documents"))
        docs.extend(present)
    return docs


def _prepare(
    doc: RawDocument, library: Library, resolver: Resolver, problems: list[Diagnostic]
) -> Candidate | None:
    body, trouble = library.expand(doc)
    problems.extend(trouble)
    body.pop("defaults", None)
    ignore = _strings(doc, body.pop("ignore_changes", []), "ignore_changes", problems)
    for index, path in enumerate(ignore):
        wrong = fieldpaths.check(path)
        if wrong:
            problems.append(
                diag(doc.pos(("ignore_changes", index)), ("ignore_changes", index), wrong)
            )
    silenced = _strings(doc, body.pop("lint_ignore", []), "lint_ignore", problems)
    for index, rule in enumerate(silenced):
        if rule not in RULES:
            hint = get_close_matches(rule, list(RULES), n=1)
            more = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(
                diag(
                    doc.pos(("lint_ignore", index)),
                    ("lint_ignore", index),
                    f"unknown lint rule {rule!r}{more}",
                )
            )
    replaces = _replaces(doc, body.pop("replaces", None), problems)
    live, trouble = split_handoff_flags(doc, body)
    problems.extend(trouble)
    before = len(resolver.problems)
    resolver.refs = {}
    body = resolver.resolve(doc, body)
    bad_refs = {d.path for d in resolver.problems[before:]}
    character, trouble = validate_character(doc, body, resolver.env_values)
    doc.value = None  # the raw tree is not read after validation: free it now (peak memory)
    problems.extend(d for d in trouble if d.path not in bad_refs)
    if character is None:
        return None
    return Candidate(
        doc, character, live, tuple(ignore), frozenset(silenced), resolver.refs, replaces
    )


def _replaces(doc: RawDocument, value: Any, problems: list[Diagnostic]) -> str | None:
    if value is None or (isinstance(value, str) and re.fullmatch(SLUG, value)):
        return value
    problems.append(diag(doc.pos(("replaces",)), ("replaces",), "must be the old slug (a string)"))
    return None


def _strings(doc: RawDocument, value: Any, key: str, problems: list[Diagnostic]) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    problems.append(diag(doc.pos((key,)), (key,), "must be a list of strings"))
    return []


def _finish(
    candidates: list[Candidate], problems: list[Diagnostic], resolver: Resolver
) -> ManifestSet:
    problems.extend(resolver.problems)
    problems.extend(duplicate_slugs(candidates))
    problems.extend(replacements(candidates))
    slugs = {c.character.slug for c in candidates}
    warnings: list[Diagnostic] = []
    characters: dict[str, DesiredCharacter] = {}
    live: dict[str, frozenset[str]] = {}
    secrets = set(resolver.env_values)
    candidates.reverse()
    while candidates:  # popped in order: each validated model is freed once it is dumped
        cand = candidates.pop()
        problems.extend(character_rules(cand, slugs))
        warnings.extend(lint(cand))
        declared = cand.character.model_dump(mode="json", exclude_unset=True)
        secrets.update(secret_strings(declared))
        slug = cand.character.slug
        if slug in characters:
            continue
        characters[slug] = _desired(cand, declared)
        targets = live_only_targets(cand, slugs)
        if targets:
            live[slug] = targets
    problems = _redact(_unique(problems), secrets)
    warnings = _redact(_unique(warnings), secrets)
    if problems:
        raise ManifestError(problems + warnings)
    return ManifestSet(characters, sorted(warnings, key=Diagnostic.sort_key), live)


def _desired(cand: Candidate, declared: dict[str, Any]) -> DesiredCharacter:
    return DesiredCharacter(
        slug=cand.character.slug,
        character=None,  # not kept: declared is its dump, and nothing later reads the model
        declared=declared,
        ignore_changes=cand.ignore_changes,
        lint_ignore=cand.lint_ignore,
        refs=cand.refs,
        source=cand.doc.start,
        positions=cand.doc.positions,
        replaces=cand.replaces,
    )


def _unique(found: list[Diagnostic]) -> list[Diagnostic]:
    """Drop repeats: an error inside a shared form is found once per character using it."""
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for d in found:
        key = (d.file, d.line, d.column, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _redact(found: list[Diagnostic], secrets: set[str]) -> list[Diagnostic]:
    """Last line of defence: no secret or environment value survives in a message."""
    values = sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True)
    if not values:
        return found
    out = []
    for d in found:
        message = d.message
        for value in values:
            message = message.replace(value, "(sensitive)")
        out.append(d if message == d.message else replace(d, message=message))
    return out


__all__ = ["Path", "load_manifests"]
