"""YAML text for pull: new manifests, and round-trip edits of existing ones with ruamel.yaml.

Round-trip mode keeps comments, quoting, flow style and key order of everything we do not touch;
the indentation style is read from the file so an untouched file dumps back byte for byte.
Writes go to a temporary file in the same directory and are renamed over the target, so a
crash never leaves half a manifest.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from osharactl.errors import UsageError

SCHEMA_COMMENT = "yaml-language-server: $schema={path}"
_SEQ_UNDER_KEY = re.compile(r"^( *)[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n( *)- ", re.MULTILINE)


def _represent_none(representer: Any, _: Any) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def make_yaml(text: str = "") -> YAML:
    """A round-trip YAML instance; block sequences indented like ``text`` (default ``  - x``)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    offset = 2
    match = _SEQ_UNDER_KEY.search(text)
    if match:
        offset = max(0, len(match.group(2)) - len(match.group(1)))
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    yaml.representer.add_representer(type(None), _represent_none)
    return yaml


def to_node(value: Any) -> Any:
    """Plain data → ruamel nodes in block style; multi-line strings as literal blocks."""
    if isinstance(value, dict):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = to_node(v)
        return node
    if isinstance(value, list):
        seq = CommentedSeq()
        seq.extend(to_node(v) for v in value)
        if value and all(_short_scalar(v) for v in value) and len(repr(value)) <= 60:
            seq.fa.set_flow_style()  # engines: [browser, rnnoise]
        return seq
    if isinstance(value, str) and _literal_ok(value):
        return LiteralScalarString(value)
    return value


def _short_scalar(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= 30 and "\n" not in value
    return isinstance(value, int | float | bool)


def _literal_ok(text: str) -> bool:
    if "\n" not in text.rstrip("\n") or text.endswith("\n\n"):
        return False
    return not any(ord(c) < 32 and c not in "\n\t" for c in text)


def new_document(body: dict[str, Any], schema_path: str) -> str:
    node = to_node(body)
    node.yaml_set_start_comment(SCHEMA_COMMENT.format(path=schema_path))
    return dump(make_yaml(), [node])


def load_documents(path: Path) -> tuple[YAML, list[Any]]:
    text = path.read_text(encoding="utf-8")
    yaml = make_yaml(text)
    try:
        return yaml, list(yaml.load_all(text))
    except YAMLError as exc:  # load_manifests read it fine, so this is unexpected
        raise UsageError(f"cannot re-read {path} for editing: {exc}") from None


def dump(yaml: YAML, documents: list[Any]) -> str:
    out = io.StringIO()
    if len(documents) == 1:
        yaml.dump(documents[0], out)
    else:
        yaml.dump_all(documents, out)
    return out.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same directory and a rename."""
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else None
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(temp, mode if mode is not None else 0o644 & ~_umask())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def schema_reference(out_dir: Path, cwd: Path) -> str:
    """Relative path from ``out_dir`` to ``schemas/manifest.schema.json``: the nearest one in
    ``out_dir`` or above, else where ``osharactl schema`` writes it from the current directory."""
    out_dir = out_dir.resolve()
    for parent in (out_dir, *out_dir.parents):
        candidate = parent / "schemas" / "manifest.schema.json"
        if candidate.is_file():
            return Path(os.path.relpath(candidate, out_dir)).as_posix()
    target = cwd.resolve() / "schemas" / "manifest.schema.json"
    return Path(os.path.relpath(target, out_dir)).as_posix()
