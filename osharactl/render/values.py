"""Value formatting shared by the text and markdown renderers.

Both renderers must agree on what a change *is* (added, removed, modified), how a secret is
hidden, which values are too big to show inline, and how two big values are compared line by
line. Keeping that here means the formats can differ in layout but never in substance, and the
secret-masking rule lives in exactly one place.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from osharactl.models.meta import SENSITIVE
from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Plan

# Inline values longer than this (as compact JSON) are shown as an indented block instead.
INLINE_LIMIT = 100
# A single-line string longer than this is split at sentence ends so a line diff can help.
LONG_LINE = 100
ELLIPSIS = "…"

ACTION_SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.REPLACE: "-/+",
}
KIND_SYMBOL = {"add": "+", "remove": "-", "modify": "~"}
NO_CHANGES = "No changes. Live characters match the manifests."
LEGEND = "Symbols: + create, ~ update, - delete, -/+ replace (destructive)"
JSON_POINTER = "The full plan is in the JSON plan (`osharactl plan --format json`)."

# C0/C1 control characters and the bidirectional overrides ("Trojan Source"): values come from
# the live account, so a prompt could otherwise move the cursor, recolour the terminal or
# reorder what a reviewer reads.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with control and bidi-override characters shown as ``\\uXXXX`` escapes;
    ``one_line`` escapes newlines and tabs too, for names (a slug with a newline could
    otherwise print a fake verdict line into a CI log)."""
    pattern = _UNPRINTABLE_ONE_LINE if one_line else _UNPRINTABLE
    return pattern.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def name(text: str) -> str:
    """A slug, path, note or URL, on one line."""
    return printable(text, one_line=True)


def mask(value: Any, sensitive: bool) -> Any:
    """The value as it may be shown. A sensitive value is hidden again here even though the
    differ already masked it: a renderer is the last line of defence. Empty secrets (``None``,
    ``""``) stay visible, as in ``models.meta.mask_secrets``, so "not set" can be seen; mapping
    keys (header names) stay, their values are hidden."""
    if not sensitive or value is ABSENT or value is None or value == "":
        return value
    if isinstance(value, dict):
        return {str(k): mask(v, True) for k, v in value.items()}
    return SENSITIVE


def before_of(change: FieldChange) -> Any:
    return mask(change.before, change.sensitive)


def after_of(change: FieldChange) -> Any:
    return mask(change.after, change.sensitive)


def kind_of(change: FieldChange) -> str:
    """``add`` (no value before), ``remove`` (no value after) or ``modify``."""
    if change.before is ABSENT:
        return "add"
    if change.after is ABSENT:
        return "remove"
    return "modify"


def sorted_changes(plan: Plan) -> list[CharacterChange]:
    return sorted(plan.changes, key=lambda c: (c.slug, c.action.value))


def sorted_fields(change: CharacterChange) -> list[FieldChange]:
    return sorted(change.fields, key=lambda f: f.path)


def is_destructive(change: CharacterChange) -> bool:
    return change.destructive or change.action in (Action.DELETE, Action.REPLACE)


def counts_sentence(plan: Plan) -> str:
    """The verdict: replacements count as one create and one delete, and are named apart."""
    if not plan.has_changes:
        return NO_CHANGES
    s = plan.summary()
    replace = s[Action.REPLACE.value]
    create = s[Action.CREATE.value] + replace
    delete = s[Action.DELETE.value] + replace
    sentence = f"Plan: {create} to create, {s[Action.UPDATE.value]} to update, {delete} to delete."
    return sentence + (f" ({replace} to replace)" if replace else "")


def unmanaged_sentence(plan: Plan) -> str:
    n = len(plan.unmanaged)
    return (
        f"{n} live character(s) not in the manifests, left alone "
        "(use --prune to delete within the prune scope)"
    )


def capped(names: list[str], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` names and how many were left out, so lists stay readable at 10,000."""
    return names[:limit], max(0, len(names) - limit)


def to_json(value: Any, *, pretty: bool = False) -> str:
    """JSON for display: sorted keys (so key order never looks like a change), real unicode."""
    return json.dumps(
        value,
        ensure_ascii=False,
        sort_keys=True,
        indent=2 if pretty else None,
        separators=None if pretty else (", ", ": "),
        default=str,
    )


def inline(value: Any) -> str:
    """A short value on one line: strings quoted, everything else as compact JSON."""
    if value == SENSITIVE:
        return SENSITIVE
    return printable(to_json(value))


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def is_big(value: Any) -> bool:
    """Too big for one line: multi-line or long strings (prompts) and large lists/objects."""
    if value is ABSENT or value == SENSITIVE:
        return False
    if isinstance(value, str):
        return "\n" in value or len(value) > INLINE_LIMIT
    if isinstance(value, (dict, list, tuple)):
        return len(to_json(value)) > INLINE_LIMIT
    return False


def shown_as_block(change: FieldChange) -> bool:
    """Whether a field change leaves the one-line layout for a block (see ``block_lines``)."""
    return is_big(before_of(change)) or is_big(after_of(change))


def value_lines(value: Any) -> list[str]:
    """A value as lines for a line diff: text by lines (long ones split at sentence ends),
    structures as indented JSON, anything else as its JSON form; an absent value has none."""
    if value is ABSENT:
        return []
    if isinstance(value, str):
        lines: list[str] = []
        for line in value.split("\n"):
            parts = _SENTENCE_END.split(line) if len(line) > LONG_LINE else [line]
            lines.extend(printable(p) for p in parts)
        return lines
    if isinstance(value, (dict, list, tuple)):
        return [printable(line) for line in to_json(value, pretty=True).split("\n")]
    return [inline(value)]


def line_diff(before: list[str], after: list[str], *, context: int = 2) -> list[str]:
    """Only the changed hunks, each with ``context`` lines around it; skipped stretches become
    one ``… N unchanged line(s)`` line. Lines are prefixed ``- ``, ``+ `` or two spaces."""
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    shown_until = 0
    for group in matcher.get_grouped_opcodes(context):
        start = group[0][1]
        if start > shown_until:
            out.append(f"  {ELLIPSIS} {start - shown_until} unchanged line(s)")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(f"  {line}" for line in before[i1:i2])
                continue
            out.extend(f"- {line}" for line in before[i1:i2])
            out.extend(f"+ {line}" for line in after[j1:j2])
        shown_until = group[-1][2]
    if out and shown_until < len(before):
        out.append(f"  {ELLIPSIS} {len(before) - shown_until} unchanged line(s)")
    return out


def block_lines(change: FieldChange) -> list[str]:
    """The body of a big field change: a line diff for a modification, the whole value marked
    ``+``/``-`` for an addition or removal."""
    return line_diff(value_lines(before_of(change)), value_lines(after_of(change)))


def cap_lines(lines: list[str], limit: int) -> list[str]:
    """At most ``limit`` lines, the rest summarised, so one huge prompt cannot drown a plan."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"  {ELLIPSIS} {len(lines) - limit} more line(s) not shown"]
