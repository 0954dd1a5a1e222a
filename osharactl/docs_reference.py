"""Generate ``docs/reference.md``, the manifest field reference, from the models.

The reference is rendered from the same JSON Schema that editors and ``validate`` use (itself
generated from the pydantic models), so it cannot describe a field the loader does not accept.
Examples are taken from the committed example manifests, which CI validates, so every example
is a value that really passes. A test fails when the committed copy is stale; regenerate with
``python -m osharactl.docs_reference`` from the repository root.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from osharactl.manifests.schema import REFERENCE, manifest_json_schema
from osharactl.manifests.yamlread import read_documents

OUTPUT = Path("docs/reference.md")
EXAMPLES = Path("examples/characters")
_SKIP = {"UseShared", "SharedDocument", "CharacterDefaults"}  # described in prose instead
_SHARED_ROOTS = {"tools": "tools", "mcp_servers": "mcp_servers", "forms": "widget_appearance.forms"}
_MARKERS = {
    "x-secret": "**secret**: masked in every output; use `${env:NAME}`",
    "x-write-only": "write-only: the server never returns it",
    "x-server-default": "omitted = left to the server",
    "x-set": "order ignored",
    "x-read-only": "read-only",
}
_BOUNDS = {
    "minLength": "length ≥ {}",
    "maxLength": "length ≤ {}",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}",
    "gt": "> {}",
    "ge": "≥ {}",
    "lt": "< {}",
    "le": "≤ {}",
    "minItems": "≥ {} items",
    "maxItems": "≤ {} items",
}


def render(examples_dir: Path = EXAMPLES) -> str:
    """The whole reference document as markdown, ending with a newline."""
    defs: dict[str, Any] = manifest_json_schema()["$defs"]
    where = _locations(defs)
    samples = _examples(examples_dir)
    parts = [_INTRO]
    for name in where:
        if name in _SKIP:
            continue
        parts.append(_section(name, defs[name], where[name], samples))
    parts.append(_EXTENSIONS.format(extensions=_extension_rows(defs["Character"])))
    return "\n".join(parts)


def _locations(defs: dict[str, Any]) -> dict[str, list[str]]:
    """Each model reachable from ``Character``, in breadth-first order, with the manifest paths
    where it is used (``[]`` = any list item, ``*`` = any mapping value)."""
    found: dict[str, list[str]] = {"Character": [""]}
    queue = ["Character"]
    while queue:
        name = queue.pop(0)
        for field, schema in defs[name].get("properties", {}).items():
            for suffix, ref in _refs(schema):
                for base in found[name]:
                    path = f"{base}.{field}{suffix}" if base else f"{field}{suffix}"
                    if ref not in found:
                        found[ref] = []
                        queue.append(ref)
                    if path not in found[ref]:
                        found[ref].append(path)
    return found


def _refs(schema: Any, suffix: str = "") -> Iterator[tuple[str, str]]:
    """``(path suffix, model name)`` for every model a property's schema refers to."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        yield suffix, schema["$ref"].rsplit("/", 1)[-1]
    tags = {ref: tag for tag, ref in schema.get("discriminator", {}).get("mapping", {}).items()}
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key, []):
            tag = tags.get(sub.get("$ref"))  # a tagged union: tools[] items differ by `kind`
            yield from _refs(sub, f"{suffix[:-2]}[kind={tag}]" if tag else suffix)
    if isinstance(schema.get("items"), dict):
        yield from _refs(schema["items"], suffix + "[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _refs(schema["additionalProperties"], suffix + ".*")


def _section(name: str, model: dict[str, Any], where: list[str], samples: dict[str, Any]) -> str:
    anchor = name.lower()
    title = "Character (a manifest document)" if name == "Character" else name
    lines = [f'<a id="{anchor}"></a>', f"## {title}", ""]
    if name != "Character":
        lines += ["Used at: " + ", ".join(f"`{w}`" for w in where), ""]
    if model.get("description"):
        lines += [_one_line(model["description"]), ""]
    lines += [
        "| Field | Type | Required / default | Constraints | Description | Example |",
        "|---|---|---|---|---|---|",
    ]
    if not model.get("properties"):
        return "\n".join([*lines[:-2], "No fields: write `{}` or leave it out."]) + "\n"
    required = set(model.get("required", []))
    for field, schema in model.get("properties", {}).items():
        if field in ("defaults", "ignore_changes", "lint_ignore"):
            continue  # osharactl's own keys: listed in their own section
        paths = [f"{w}.{field}" if w else field for w in where]
        example = next((samples[p] for p in paths if p in samples), _NO_EXAMPLE)
        cells = [
            f"`{field}`",
            _type(schema),
            "required" if field in required else _default(schema),
            _constraints(schema),
            _one_line(schema.get("description", "")),
            _example(example),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [_type(o) for o in options if o.get("$ref") != "#/$defs/UseShared"]
        return " or ".join(dict.fromkeys(kinds))
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of string to {_type(schema['additionalProperties'])}"
    return str(kind)


def _default(schema: dict[str, Any]) -> str:
    if "default" not in schema:
        return "optional"
    default = schema["default"]
    if default is None and schema.get("x-server-default"):
        return "server's"
    return f"`{json.dumps(default, ensure_ascii=False)}`"


def _constraints(schema: dict[str, Any]) -> str:
    found: list[str] = []
    nested = [schema, *(schema.get("anyOf") or [])]
    for node in nested:
        if "pattern" in node:
            pattern = node["pattern"].removesuffix("|" + REFERENCE)
            found.append(f"matches `{pattern}`")
        found += [text.format(node[key]) for key, text in _BOUNDS.items() if key in node]
    if schema.get("uniqueItems"):
        found.append("no repeats")
    if schema.get("x-list-key"):
        found.append(f"items keyed by `{schema['x-list-key']}`")
    items = schema.get("items", {})
    if isinstance(items, dict) and any(o.get("$ref", "").endswith("UseShared") for o in
                                       items.get("anyOf", [])):  # fmt: skip
        found.append("items may be `use: NAME`")
    found += [text for key, text in _MARKERS.items() if schema.get(key)]
    return "; ".join(dict.fromkeys(found))


_NO_EXAMPLE = object()


def _example(value: Any) -> str:
    if value is _NO_EXAMPLE:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > 60:
            return "see [examples](../examples/characters/)"
        return f"`{text}`"
    text = _one_line(json.dumps(value, ensure_ascii=False))
    return f"`{text if len(text) <= 60 else text[:56] + '…' + text[-1]}`"


def _one_line(text: str) -> str:
    """Descriptions come from docstrings: one line, and RST ``code`` as markdown `code`."""
    return re.sub(r"\s+", " ", str(text)).replace("``", "`").strip()


def _examples(examples_dir: Path) -> dict[str, Any]:
    """First value seen at each manifest path in the example files (files in name order)."""
    samples: dict[str, Any] = {}
    for file in sorted(examples_dir.glob("*.y*ml")):
        documents, _ = read_documents(file.read_bytes(), str(file))  # the loader's own reader
        for doc in (d.value for d in documents):
            if not isinstance(doc, dict):
                continue
            shared = doc.get("shared")
            if isinstance(shared, dict):
                for key, root in _SHARED_ROOTS.items():
                    _collect_items(shared.get(key) or [], root, samples)
                for partial in (shared.get("defaults") or {}).values():
                    _collect(partial, "", samples)
            else:
                _collect(doc, "", samples)
    return samples


def _collect(value: Any, path: str, samples: dict[str, Any]) -> None:
    if path:
        samples.setdefault(path, value)
    if isinstance(value, dict):
        if "use" in value:
            return  # a reference to a shared definition, not a value of this model
        for key, sub in value.items():
            _collect(sub, f"{path}.{key}" if path else str(key), samples)
    elif isinstance(value, list):
        _collect_items(value, path, samples)


def _collect_items(items: list[Any], path: str, samples: dict[str, Any]) -> None:
    for item in items:
        kind = item.get("kind") if isinstance(item, dict) else None
        _collect(item, path + (f"[kind={kind}]" if isinstance(kind, str) else "[]"), samples)


def _extension_rows(character: dict[str, Any]) -> str:
    rows = []
    for field in ("defaults", "ignore_changes", "lint_ignore"):
        schema = character["properties"][field]
        rows.append(f"| `{field}` | {_type(schema)} | {_one_line(schema['description'])} |")
    return "\n".join(rows)


_INTRO = """\
# Manifest reference

<!-- GENERATED by `python -m osharactl.docs_reference` from the models; do not edit by hand. -->

Every key a character manifest may hold, generated from the same models that validate it and
from the JSON Schema in `schemas/manifest.schema.json` (point your editor at it for completion).
How to write manifests, share definitions and reference secrets is explained in
[manifests.md](manifests.md); this page is the field-by-field list.

Conventions:

- **Required / default**: a field left out of a manifest takes this default, so deleting a line
  resets the field and the plan says so. "server's" means there is no documented default: when
  the manifest leaves the field out, whatever the server holds is kept and is not drift.
- Any string field may instead hold a reference, `${env:NAME}` (from the environment at
  plan/apply time; required for secrets) or `${var:NAME}` (from `osharactl.yaml`), even where a
  pattern is shown.
- **secret** fields are masked as `(sensitive)` in every plan, log and saved plan.
- **order ignored**: reordering the list is not a change. **items keyed by `x`**: list items are
  matched by that key, so the plan shows which item changed.
- Examples come from the [example manifests](../examples/characters/).
"""

_EXTENSIONS = """\
## osharactl's own keys

Not sent to the API; they tell osharactl how to treat a character.

| Key | Type | Meaning |
|---|---|---|
{extensions}

A list item of `tools`, `mcp_servers` or `widget_appearance.forms` may be `use: NAME`, taking the
definition of that name from a `shared:` document; other keys beside `use` override its top-level
keys. A `handoff_targets` item may carry `must_exist_live: true` for a target that is managed
elsewhere: plan checks that it exists live.

A `shared:` document holds `forms`, `tools`, `mcp_servers` (lists of the models above) and
`defaults` (named partial characters, any key of [Character](#character), taken with
`defaults: NAME`). See [manifests.md](manifests.md) for examples.
"""


def main(argv: list[str] | None = None) -> int:
    """Write the reference, or with ``--check`` exit 1 when the committed copy is stale."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run `python -m osharactl.docs_reference`", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is current")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
