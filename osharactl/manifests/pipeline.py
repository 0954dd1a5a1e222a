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
    Checked,
    duplicate_slugs,
    handoffs,
    live_only_targets,
    own_rules,
    replacements,
    split_handoff_flags,
)
from osharactl.manifests.secrets import secret_strings
from osharactl.manifests.shared import Library
from osharactl.manifests.sources import Source, find_sources
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
# Files are parsed this many bytes at a time before their characters are prepared. One file at
# a time measured ~10 % slower at 10,000 characters (CPython's small-object allocator churns
# when tiny parse and prepare phases alternate); 2 MiB keeps the speed and adds ~20 MiB.
_BATCH_BYTES = 2 << 20


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
    """Two passes, so that only one file's raw documents are alive at a time (peak memory):
    the files that may hold a ``shared:`` document are parsed first, to fill the library;
    then, in file order, each file's characters are prepared as soon as it is parsed.

    Problems are kept by stage (reading, classifying, shared, preparing) and joined in the
    order a single pass produced, so the output does not depend on the two passes.
    """
    files, read_problems = find_sources(paths, stdin)
    sorting: list[Diagnostic] = []
    library = Library()
    early: dict[int, list[RawDocument]] = {}  # character documents of files parsed in pass 1
    for index, source in enumerate(files):
        data, trouble = source.read()
        if data is None or _may_hold_shared(data):
            docs = _parse(source, data, trouble, read_problems)
            early[index] = _classify(docs, library, sorting)
    resolver = Resolver(variables, os.environ if environ is None else environ, resolve_env)
    preparing: list[Diagnostic] = []
    checked: list[Checked] = []
    pending: list[RawDocument] = []
    size = 0
    for index, source in enumerate(files):
        if index in early:
            pending.extend(early.pop(index))
        else:
            data, trouble = source.read()
            size += len(data or b"")
            pending.extend(
                _classify(_parse(source, data, trouble, read_problems), library, sorting)
            )
        if size >= _BATCH_BYTES or index == len(files) - 1:
            for doc in pending:
                done = _prepare(doc, library, resolver, preparing)
                if done is not None:
                    checked.append(done)
            pending, size = [], 0
    problems = [*read_problems, *sorting, *library.problems, *preparing]
    return _finish(checked, problems, resolver)


def _may_hold_shared(data: bytes) -> bool:
    """Whether a file could hold a ``shared:`` document, cheaply and never wrongly "no".

    A key ``shared`` is written with the letters literally (plain, quoted, tagged, anchored,
    block scalar or an alias to an anchor in the same file), except in a double-quoted
    scalar with escapes, which needs a backslash. False positives only cost memory: the file
    is parsed in the first pass and its characters held until their turn.
    """
    return b"shared" in data or b"\\" in data


def _parse(
    source: Source, data: bytes | None, trouble: Diagnostic | None, problems: list[Diagnostic]
) -> list[RawDocument]:
    if data is None:
        if trouble is not None:
            problems.append(trouble)
        return []
    name = source.name
    reread = None if source.data is not None else FsPath(name).read_bytes
    parsed, found = read_documents(data, name, reread)
    problems.extend(found)
    present = [d for d in parsed if d.value is not None]
    if not present and not found:
        problems.append(diag(SourcePos(name, 1, 1), (), "file holds no YAML documents"))
    return present


def _classify(
    docs: list[RawDocument], library: Library, problems: list[Diagnostic]
) -> list[RawDocument]:
    """Add ``shared:`` documents to the library; return the character documents."""
    characters: list[RawDocument] = []
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
            characters.append(doc)
    return characters


def _prepare(
    doc: RawDocument, library: Library, resolver: Resolver, problems: list[Diagnostic]
) -> Checked | None:
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
    cand = Candidate(
        doc, character, live, tuple(ignore), frozenset(silenced), resolver.refs, replaces
    )
    return _check(cand)


def _check(cand: Candidate) -> Checked:
    """Run the rules that need the model, dump it, and keep only what is needed later."""
    character = cand.character
    return Checked(
        doc=cand.doc,
        slug=character.slug,
        declared=character.model_dump(mode="json", exclude_unset=True),
        handoffs=tuple(h.slug for h in character.handoff_targets),
        live_targets=cand.live_targets,
        ignore_changes=cand.ignore_changes,
        lint_ignore=cand.lint_ignore,
        refs=cand.refs,
        replaces=cand.replaces,
        own_problems=tuple(own_rules(cand)),
        warnings=tuple(lint(cand)),
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


def _finish(checked: list[Checked], problems: list[Diagnostic], resolver: Resolver) -> ManifestSet:
    problems.extend(resolver.problems)
    problems.extend(duplicate_slugs(checked))
    problems.extend(replacements(checked))
    slugs = {c.slug for c in checked}
    warnings: list[Diagnostic] = []
    characters: dict[str, DesiredCharacter] = {}
    live: dict[str, frozenset[str]] = {}
    secrets = set(resolver.env_values)
    for cand in checked:
        problems.extend(cand.own_problems)
        problems.extend(handoffs(cand, slugs))
        warnings.extend(cand.warnings)
        secrets.update(secret_strings(cand.declared))
        slug = cand.slug
        if slug in characters:
            continue
        characters[slug] = _desired(cand)
        targets = live_only_targets(cand, slugs)
        if targets:
            live[slug] = targets
    problems = _redact(_unique(problems), secrets)
    warnings = _redact(_unique(warnings), secrets)
    if problems:
        raise ManifestError(problems + warnings)
    return ManifestSet(characters, sorted(warnings, key=Diagnostic.sort_key), live)


def _desired(cand: Checked) -> DesiredCharacter:
    return DesiredCharacter(
        slug=cand.slug,
        character=None,  # not kept: declared is its dump, and nothing later reads the model
        declared=cand.declared,
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
