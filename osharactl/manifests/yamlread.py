"""Safe YAML reading: plain values with a position for every path, and hard limits.

We do not use PyYAML's constructors. They silently keep the last of two duplicate keys, expand
aliases without bound ("billion laughs"), and libyaml's C composer recurses once per nesting
level, so a file of 100,000 ``[`` crashes the process. Instead we consume libyaml's *events*
(fast, iterative C parser) and build values with an explicit stack, checking duplicates, depth
and alias expansion as we go. Scalars follow the YAML 1.2 core schema (``no`` stays a string, so
the language code of Norwegian survives) — see docs/decisions/0020-yaml-subset.md.
"""

from __future__ import annotations

import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from osharactl.errors import Diagnostic
from osharactl.manifests.types import LazyPositions, Path, RawDocument, SourcePos, diag

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 50
MAX_ALIAS_NODES = 100_000  # nodes produced by expanding aliases, per file

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf")}
_SPECIAL_START = frozenset("~nNtTfF0123456789+-.")  # first characters of null/bool/number
_STR_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}


class YamlProblem(Exception):
    """Stops reading one file; carries the diagnostic to report."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def plain_scalar(text: str) -> Any:
    """Resolve an unquoted scalar by the YAML 1.2 core schema."""
    if text and text[0] not in _SPECIAL_START:  # most scalars are words: skip every pattern
        return text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    lowered = text.lower()
    if lowered in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[lowered]
    if lowered == ".nan":
        return float("nan")
    return text


@dataclass
class _Frame:
    """A mapping or sequence being built."""

    value: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    key: str | None = None
    key_pos: SourcePos | None = None
    keys_seen: set[str] = field(default_factory=set)


@dataclass
class _Anchor:
    value: Any
    path: Path
    size: int


@dataclass
class _DocState:
    """What is being built for one document."""

    positions: dict[Path, SourcePos] = field(default_factory=dict)
    anchors: dict[str, _Anchor] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)  # node count when each open frame began
    count: int = 0
    result: Any = None

    def attach(self, value: Any) -> None:
        if not self.stack:
            self.result = value
            return
        parent = self.stack[-1]
        if isinstance(parent.value, dict):
            assert parent.key is not None
            parent.value[parent.key] = value
            parent.key = None
            parent.key_pos = None
        else:
            parent.value.append(value)


class _Builder:
    """Turns the event stream of one file into RawDocuments."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Diagnostic] = []
        self.alias_nodes = 0

    def pos(self, mark: Any) -> SourcePos:
        return SourcePos(self.file, mark.line + 1, mark.column + 1)

    def fail(self, mark: Any, path: Path, message: str) -> YamlProblem:
        return YamlProblem(diag(self.pos(mark), path, message))

    def documents(self, text: str) -> list[RawDocument]:
        docs: list[RawDocument] = []
        loader = yaml.CSafeLoader(text)
        events = iter(loader.get_event, None)  # the C parser, without yaml.parse's generator
        try:
            for event in events:
                if isinstance(event, yaml.DocumentStartEvent):
                    docs.append(self._document(events, self.pos(event.start_mark)))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
            if "maximum nesting depth" in message:  # newer libyaml stops deep flow nesting itself
                message = f"nesting deeper than {MAX_DEPTH} levels (libyaml: {message})"
            raise YamlProblem(
                diag(self.pos(mark) if mark else SourcePos(self.file, 1, 1), (), message)
            ) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(diag(SourcePos(self.file, 1, 1), (), str(exc))) from None
        finally:
            loader.dispose()
        return docs

    def _document(self, events: Any, start: SourcePos) -> RawDocument:
        state = _DocState()
        for event in events:
            if isinstance(event, yaml.DocumentEndEvent):
                found = LazyPositions(found=state.positions)
                return RawDocument(self.file, state.result, found, start)
            parent = state.stack[-1] if state.stack else None
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = state.stack.pop()
                begun = state.sizes.pop()
                if frame.anchor:
                    size = state.count - begun + 1
                    state.anchors[frame.anchor] = _Anchor(frame.value, frame.path, size)
                state.attach(frame.value)
                continue
            if parent and isinstance(parent.value, dict) and parent.key is None:
                parent.key, parent.key_pos = self._key(event, parent)
                continue
            path = self._child_path(parent)
            if parent is not None:
                key_pos = parent.key_pos if isinstance(parent.value, dict) else None
                state.positions[path] = key_pos or self.pos(event.start_mark)
            state.count += 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(state.stack) >= MAX_DEPTH:
                    where = path[:5]  # the first levels say where; fifty say nothing more
                    raise self.fail(event.start_mark, where, f"nesting deeper than {MAX_DEPTH}")
                self._check_tag(event, path)
                mapping = isinstance(event, yaml.MappingStartEvent)
                state.stack.append(_Frame({} if mapping else [], path, event.anchor))
                state.sizes.append(state.count)
            elif isinstance(event, yaml.AliasEvent):
                value, size = self._alias(event, state.anchors, path, state.positions)
                state.count += size - 1
                state.attach(value)
            else:
                value = self._scalar(event, path)
                if event.anchor:
                    state.anchors[event.anchor] = _Anchor(value, path, 1)
                state.attach(value)
        raise YamlProblem(diag(start, (), "unexpected end of document"))

    def _key(self, event: Any, parent: _Frame) -> tuple[str, SourcePos]:
        where = self.pos(event.start_mark)
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(event.start_mark, parent.path, "mapping keys must be plain strings")
        if event.value == "<<" and event.implicit[0]:
            raise self.fail(
                event.start_mark,
                parent.path,
                "YAML merge keys (<<) are not supported; use a `shared:` document and "
                "`defaults:` or `use:` instead",
            )
        key = str(event.value)
        if key in parent.keys_seen:
            self.problems.append(
                diag(where, (*parent.path, key), f"duplicate key {key!r} (YAML would keep one)")
            )
        parent.keys_seen.add(key)
        return key, where

    @staticmethod
    def _child_path(parent: _Frame | None) -> Path:
        if parent is None:
            return ()
        if isinstance(parent.value, dict):
            assert parent.key is not None
            return (*parent.path, parent.key)
        return (*parent.path, len(parent.value))

    def _check_tag(self, event: Any, path: Path) -> None:
        tag = event.tag
        if tag and tag not in ("!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            raise self.fail(event.start_mark, path, f"unsupported YAML tag {tag!r}")

    def _scalar(self, event: Any, path: Path) -> Any:
        tag = event.tag
        if tag in (None, "!") and event.implicit[0] and not event.style:
            return plain_scalar(event.value)
        if tag in (None, "!") or tag in _STR_TAGS:
            return event.value
        short = tag.removeprefix("tag:yaml.org,2002:")
        if short in ("int", "float", "bool", "null"):
            resolved = plain_scalar(event.value)
            kind = "null" if resolved is None else type(resolved).__name__
            if kind == short or (short == "float" and kind == "int"):
                return float(resolved) if short == "float" else resolved
            raise self.fail(event.start_mark, path, f"{event.value!r} is not a valid !!{short}")
        raise self.fail(event.start_mark, path, f"unsupported YAML tag {tag!r}")

    def _alias(
        self, event: Any, anchors: dict[str, _Anchor], path: Path, positions: dict[Path, SourcePos]
    ) -> tuple[Any, int]:
        anchor = anchors.get(event.anchor)
        if anchor is None:
            raise self.fail(event.start_mark, path, f"unknown alias *{event.anchor}")
        self.alias_nodes += anchor.size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise self.fail(
                event.start_mark,
                path,
                f"aliases expand to more than {MAX_ALIAS_NODES} values (refusing a possible "
                "alias bomb)",
            )
        return _copy(anchor.value, anchor.path, path, positions), anchor.size


def _copy(value: Any, source: Path, target: Path, positions: dict[Path, SourcePos]) -> Any:
    """Deep-copy an aliased value, giving each copied path the position of its original."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if (*source, k) in positions:
                positions[(*target, k)] = positions[(*source, k)]
            out[k] = _copy(v, (*source, k), (*target, k), positions)
        return out
    if isinstance(value, list):
        items = []
        for i, v in enumerate(value):
            if (*source, i) in positions:
                positions[(*target, i)] = positions[(*source, i)]
            items.append(_copy(v, (*source, i), (*target, i), positions))
        return items
    return value


def decode(data: bytes, file: str) -> str:
    """Bytes → text, refusing binary files and invalid UTF-8 with a position."""
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise YamlProblem(diag(_offset_pos(data, offset, file), (), "binary file (NUL byte)"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlProblem(
            diag(_offset_pos(data, exc.start, file), (), "not valid UTF-8 text")
        ) from None


def _offset_pos(data: bytes, offset: int, file: str) -> SourcePos:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return SourcePos(file, line, column)


class _Unusual(Exception):
    """The fast pass met something only the full pass handles or reports exactly."""


_MAP_START, _MAP_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQ_START, _SEQ_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_SCALAR, _DOC_START, _DOC_END = yaml.ScalarEvent, yaml.DocumentStartEvent, yaml.DocumentEndEvent
_CONTAINER_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_NO_KEY = object()
_intern = sys.intern


def _fast_documents(text: str) -> list[tuple[Any, Any]]:
    """``(value, start mark)`` of each document, without positions, paths or anchors.

    The common case (no aliases, anchors, odd tags, duplicate or merge keys, deep nesting or
    syntax errors) builds the same values as ``_Builder`` at a third of the cost; anything
    else raises ``_Unusual`` and the caller reads the file with ``_Builder``, whose messages
    are the reference.
    """
    docs: list[tuple[Any, Any]] = []
    loader = yaml.CSafeLoader(text)
    get: Callable[[], Any] = loader.get_event
    stack: list[Any] = []  # open containers
    keys: list[Any] = []  # per open container: the key awaiting its value, or _NO_KEY
    result: Any = None
    start: Any = None
    try:
        while (event := get()) is not None:
            kind = event.__class__
            if stack:
                top = stack[-1]
                if kind is _MAP_END or kind is _SEQ_END:
                    value = stack.pop()
                    keys.pop()
                    if not stack:
                        result = value
                        continue
                    top = stack[-1]
                elif top.__class__ is dict and keys[-1] is _NO_KEY:
                    if kind is not _SCALAR:
                        raise _Unusual
                    key = _intern(event.value)
                    if key in top or (key == "<<" and event.implicit[0]):
                        raise _Unusual
                    keys[-1] = key
                    continue
                elif kind is _SCALAR:
                    value = _fast_scalar(event)
                elif kind is _MAP_START or kind is _SEQ_START:
                    if event.anchor or event.tag not in _CONTAINER_TAGS or len(stack) >= MAX_DEPTH:
                        raise _Unusual
                    stack.append({} if kind is _MAP_START else [])
                    keys.append(_NO_KEY)
                    continue
                else:
                    raise _Unusual  # an alias
                if top.__class__ is dict:
                    top[keys[-1]] = value
                    keys[-1] = _NO_KEY
                else:
                    top.append(value)
            elif kind is _MAP_START or kind is _SEQ_START:
                if event.anchor or event.tag not in _CONTAINER_TAGS:
                    raise _Unusual
                stack.append({} if kind is _MAP_START else [])
                keys.append(_NO_KEY)
            elif kind is _SCALAR:
                result = _fast_scalar(event)
            elif kind is _DOC_START:
                result, start = None, event.start_mark
            elif kind is _DOC_END:
                docs.append((result, start))
            elif kind is not yaml.StreamStartEvent and kind is not yaml.StreamEndEvent:
                raise _Unusual
    except yaml.YAMLError:
        raise _Unusual from None
    finally:
        loader.dispose()
    return docs


def _fast_scalar(event: Any) -> Any:
    if event.anchor:
        raise _Unusual
    tag = event.tag
    if tag is None or tag == "!":
        if event.implicit[0] and not event.style:
            value = plain_scalar(event.value)
            return _intern(value) if value.__class__ is str and len(value) < 64 else value
        return _intern(event.value) if len(event.value) < 64 else event.value
    if tag in _STR_TAGS:
        return event.value
    raise _Unusual


def read_documents(
    data: bytes, file: str, reread: Callable[[], bytes] | None = None
) -> tuple[list[RawDocument], list[Diagnostic]]:
    """Parse one file's bytes into documents; problems are returned, never raised.

    Positions are computed later, only if asked for, by reading the file again with positions
    on: from ``reread()`` when given (a file on disk; the bytes are not kept), else from
    ``data`` (stdin). If the bytes read again differ, positions fall back to each document's
    start.
    """
    if len(data) > MAX_FILE_BYTES:
        message = f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        return [], [diag(SourcePos(file, 1, 1), (), message)]
    try:
        text = decode(data, file)
        fast = _fast_documents(text)
    except (YamlProblem, _Unusual):
        return _read_slowly(data, file)
    fetch = _refetch(data, reread)
    docs = []
    for index, (value, mark) in enumerate(fast):
        start = SourcePos(file, mark.line + 1, mark.column + 1)
        locate = _locator(fetch, file, index)
        docs.append(RawDocument(file, value, LazyPositions(locate), start))
    return docs, []


def _read_slowly(data: bytes, file: str) -> tuple[list[RawDocument], list[Diagnostic]]:
    builder = _Builder(file)
    try:
        docs = builder.documents(decode(data, file))
    except YamlProblem as exc:
        return [], [*builder.problems, exc.diagnostic]
    return docs, builder.problems


def _refetch(data: bytes, reread: Callable[[], bytes] | None) -> Callable[[], bytes | None]:
    """The file's bytes again, or None when they changed since the first read."""
    if reread is None:
        return lambda: data
    size, digest = len(data), zlib.crc32(data)

    def fetch() -> bytes | None:
        try:
            again = reread()
        except OSError:
            return None
        return again if len(again) == size and zlib.crc32(again) == digest else None

    return fetch


def _locator(
    fetch: Callable[[], bytes | None], file: str, index: int
) -> Callable[[], dict[Path, SourcePos]]:
    def locate() -> dict[Path, SourcePos]:
        data = fetch()
        if data is None:
            return {}
        docs, _ = _read_slowly(data, file)
        return dict(docs[index].positions) if index < len(docs) else {}

    return locate
