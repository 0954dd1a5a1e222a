"""A live character as the smallest manifest that plans to no changes.

Walks the models (field order = key order), keeps only values whose canonical form differs from
the documented default (``normalize.canonical`` decides, so "default" means exactly what plan
means), drops read-only and unmodelled keys, and turns every secret into an ``${env:…}``
reference with a generated, deterministic name. A string that already has a reference at the same
path in an existing manifest keeps that reference when it still stands for the live value, so a
re-pull never replaces a reference with a resolved value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from osharactl.diff import is_masked
from osharactl.manifests.refs import BadReference, scan, substitute
from osharactl.models import Character, CharacterOut, FormDefinition, WidgetAppearance
from osharactl.models.base import LIST_KEY, SECRET
from osharactl.models.meta import flag, inner_models, pick_model, read_only_fields
from osharactl.normalize import canonical, is_empty, keyed
from osharactl.paths import Segment, format_path

LabelPath = tuple[Segment, ...]  # keys, "[key]" for keyed-list items, ints for plain lists
READ_ONLY = read_only_fields(CharacterOut)
# Extra name part for secrets under these lists (tools' headers are named after the tool alone).
_NAME_PREFIX = {"tools": (), "mcp_servers": ("MCP",)}


@dataclass(frozen=True)
class SecretRef:
    """One environment variable the user must set: where it is used, never its value."""

    name: str
    slug: str
    path: str
    note: str = ""


@dataclass
class Namer:
    """Deterministic, unique ``OSHARA_<SLUG>_<TOOL>_<HEADER>`` names (upper snake case)."""

    taken: set[str] = field(default_factory=set)

    def name(self, parts: tuple[str, ...]) -> str:
        base = "_".join(_snake(p) for p in ("OSHARA", *parts) if _snake(p))
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}_{n}", n + 1
        self.taken.add(candidate)
        return candidate


def _snake(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


@dataclass
class Context:
    """What the walk needs besides the data: the slug, the namer, the references an existing
    manifest holds (label path → text) and how to resolve them, and what it found."""

    slug: str
    namer: Namer
    old_refs: Mapping[LabelPath, str] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=dict)
    secrets: list[SecretRef] = field(default_factory=list)


def manifest_from_live(live: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """The manifest body (plain dict, model key order) for one live character."""
    body = {k: v for k, v in live.items() if k in Character.model_fields}
    return minimal(body, Character, ctx, (), (ctx.slug,))


def unmodelled_keys(live: Mapping[str, Any]) -> list[str]:
    """Live keys osharactl does not model (left out of manifests; plan carries them over)."""
    top = [k for k in live if k not in Character.model_fields and k not in READ_ONLY]
    wa = live.get("widget_appearance")
    inner = (
        [f"widget_appearance.{k}" for k in wa if k not in WidgetAppearance.model_fields]
        if (isinstance(wa, dict))
        else []
    )
    return sorted(top) + sorted(inner)


def minimal(
    data: Mapping[str, Any],
    model: type[BaseModel],
    ctx: Context,
    path: LabelPath,
    name_parts: tuple[str, ...],
) -> dict[str, Any]:
    """Non-default fields of ``data`` (one object of ``model``), nested likewise."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in data:
            continue
        value = data[name]
        here = (*path, name)
        if flag(info, SECRET):
            secret = _secret(value, ctx, here, (*name_parts, name))
            if secret is not None:
                out[name] = secret
            continue
        if not info.is_required() and _is_default(data, model, name):
            continue
        out[name] = _value(value, info, ctx, here, name_parts)
    return out


def _is_default(data: Mapping[str, Any], model: type[BaseModel], name: str) -> bool:
    context = {"id": data.get("id")} if model is FormDefinition and "id" in data else {}
    with_it = canonical({**context, name: data[name]}, model)[name]
    return bool(with_it == canonical(context, model)[name])


def _value(value: Any, info: Any, ctx: Context, path: LabelPath, parts: tuple[str, ...]) -> Any:
    kind, models = inner_models(info.annotation)
    if kind == "list" and isinstance(value, list):
        key = flag(info, LIST_KEY)
        prefix = _NAME_PREFIX.get(str(path[-1]), (str(path[-1]),)) if len(path) == 1 else ()
        items = []
        for index, item in enumerate(value):
            chosen = pick_model(models, item) if models and isinstance(item, dict) else None
            if chosen is None:
                items.append(_plain(item, ctx, (*path, index)))
                continue
            label = keyed(item[key]) if key and key in item else index
            sub_parts = (*parts, *prefix, str(item[key])) if key and key in item else parts
            items.append(minimal(item, chosen, ctx, (*path, label), sub_parts))
        return items
    if kind == "" and models and isinstance(value, dict):
        chosen = pick_model(models, value)
        if chosen is not None:
            return minimal(value, chosen, ctx, path, parts)
    return _plain(value, ctx, path)


def _plain(value: Any, ctx: Context, path: LabelPath) -> Any:
    """A free-form value (strings, input_schema, ...): every string escaped so a literal ``${``
    in live data is not read back as a reference; a still-valid old reference is kept."""
    if isinstance(value, dict):
        return {k: _plain(v, ctx, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, ctx, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, str):
        old = ctx.old_refs.get(path)
        if old is not None and ref_matches(old, value, ctx.environ, ctx.variables):
            return old
        return value.replace("${", "$${")
    return value


def _secret(value: Any, ctx: Context, path: LabelPath, parts: tuple[str, ...]) -> Any:
    """A secret becomes a reference; ``None`` when there is nothing to write."""
    if isinstance(value, dict):
        if is_empty(value):
            return None
        # an empty header value is not a secret, and it is a key the server holds: keep it
        return {
            k: v if is_empty(v) else _secret_leaf(v, ctx, (*path, k), (*parts[:-1], k))
            for k, v in value.items()
        }
    return _secret_leaf(value, ctx, path, parts)


def _secret_leaf(value: Any, ctx: Context, path: LabelPath, parts: tuple[str, ...]) -> Any:
    if not isinstance(value, str) or is_empty(value):
        return None
    label = format_path(path)
    old = ctx.old_refs.get(path)
    masked = is_masked(value)
    if old is not None and (masked or ref_matches(old, value, ctx.environ, ctx.variables)):
        for name in env_names(old):
            ctx.secrets.append(SecretRef(name, ctx.slug, label, _note(name, masked, ctx, False)))
        return old
    reused = whole_env_ref(old) if old is not None else None
    name = reused or ctx.namer.name(parts)
    ctx.secrets.append(SecretRef(name, ctx.slug, label, _note(name, masked, ctx, True)))
    return "${env:" + name + "}"


def _note(name: str, masked: bool, ctx: Context, changed: bool) -> str:
    if masked:
        return "the server shows only a masked preview: set the real value"
    if changed and name in ctx.environ:
        return "the live value differs from this variable's current value: update it"
    return ""


def env_names(text: str) -> list[str]:
    try:
        return [name for kind, name in scan(text) if kind == "env"]
    except BadReference:
        return []


def whole_env_ref(text: str) -> str | None:
    """``NAME`` when ``text`` is exactly ``${env:NAME}``."""
    match = re.fullmatch(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", text)
    return match.group(1) if match else None


def ref_matches(
    text: str, live: Any, environ: Mapping[str, str], variables: Mapping[str, str]
) -> bool:
    """Could ``text`` (a string with references) stand for ``live``? A variable that is not set
    matches anything: the value cannot be compared, so the reference is kept."""
    if not isinstance(live, str):
        return False
    pattern = _template(text, environ, variables)
    return pattern is not None and pattern.fullmatch(live) is not None


def _template(
    text: str, environ: Mapping[str, str], variables: Mapping[str, str]
) -> re.Pattern[str] | None:
    marks: list[str] = []

    def value_of(kind: str, name: str, whole: bool) -> str:
        source = environ if kind == "env" else variables
        marks.append(re.escape(source[name]) if name in source else "(?:.*)")
        return f"\x00{len(marks) - 1}\x00"

    try:
        scan(text)
    except BadReference:
        return None
    marked = substitute(text, value_of)
    pieces = re.split(r"\x00(\d+)\x00", marked)
    regex = "".join(
        marks[int(piece)] if i % 2 else re.escape(piece) for i, piece in enumerate(pieces)
    )
    return re.compile(regex, re.DOTALL)
