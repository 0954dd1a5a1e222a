"""The plan as a pull-request comment (GitHub-flavoured markdown).

The summary comes first because most reviewers read only that; each character follows in a
collapsed ``<details>`` section. A comment has a hard size limit (65,536 characters on GitHub),
so when the plan is bigger whole sections are dropped from the end, never cut in the middle,
and a last line says how many are missing and where the full plan is. Every value goes through
``cell``/``fence`` so that no manifest or live value can break the table or the markup.
"""

from __future__ import annotations

import html
import re

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Plan
from osharactl.render import values as v

MARKER = "<!-- osharactl-plan -->"
GITHUB_COMMENT_LIMIT = 65536
CELL_LIMIT = 160
MAX_BLOCK_LINES = 150
MAX_BLOCK_LINE_CHARS = 400
MAX_NAMES = 100
_COUNTS_ONLY, _DESTRUCTIVE_ONLY, _FULL = 0, 1, 2  # how much of the summary to keep

# Characters that markdown (inside a table, inside inline HTML) would interpret. Numeric
# entities are decoded only after GitHub has split the table row, so ``|`` cannot end a cell.
_CELL_ESCAPES = str.maketrans(
    {
        "|": "&#124;",
        "`": "&#96;",
        "*": "&#42;",
        "_": "&#95;",
        "~": "&#126;",
        "[": "&#91;",
        "]": "&#93;",
        "\\": "&#92;",
        "\n": "<br>",
        "\r": "",
    }
)


def render_markdown(
    plan: Plan, *, max_chars: int = GITHUB_COMMENT_LIMIT, full_plan_hint: str | None = None
) -> str:
    """The plan as markdown of at most ``max_chars`` characters, ending with a newline."""
    summary = _summary(plan, detail=_FULL)
    changes = v.sorted_changes(plan)
    sections: list[str] = []
    size = len(summary)
    for change in changes:  # rendered lazily: a 10,000-character plan stops after the limit
        sections.append(_section(change))
        size += len(sections[-1])
        if size > max_chars:
            return _shortened(plan, sections, len(changes), max_chars, full_plan_hint)
    return summary + "".join(sections)


def _shortened(
    plan: Plan, sections: list[str], total: int, max_chars: int, hint: str | None
) -> str:
    """Keep the summary and as many whole sections (in slug order) as fit beside the pointer;
    ``sections`` is a prefix of all ``total`` sections, long enough to overflow the limit."""
    footer = _footer(total, hint)
    # If even the summary and the pointer do not fit, shed its lists, the destructive one last.
    candidates = [_summary(plan, detail=d) for d in (_FULL, _DESTRUCTIVE_ONLY, _COUNTS_ONLY)]
    fitting = [s for s in candidates if len(s) + len(footer) <= max_chars]
    summary = fitting[0] if fitting else candidates[-1]
    kept: list[str] = []
    used = len(summary) + len(footer)
    for section in sections:
        if used + len(section) > max_chars:
            break
        kept.append(section)
        used += len(section)
    document = summary + "".join(kept) + _footer(total - len(kept), hint)
    if len(document) > max_chars:  # only for limits too small to hold even the short summary
        document = document[: document.rfind("\n", 0, max_chars) + 1]
    return document


def _footer(missing: int, hint: str | None) -> str:
    extra = f" {hint}" if hint else ""
    return f"{v.ELLIPSIS} and {missing} more characters not shown. {v.JSON_POINTER}{extra}\n"


def _summary(plan: Plan, *, detail: int) -> str:
    """Headline, verdict and counts; then, by ``detail``, the destructive changes, and the
    unmanaged characters, ignored differences and warnings (each list capped)."""
    where = []
    if plan.env_name:
        where.append(f"env <code>{cell(plan.env_name)}</code>")
    if plan.api_url:
        where.append(cell(plan.api_url))
    headline = "### osharactl plan" + (f" · {' · '.join(where)}" if where else "")
    parts = [MARKER, headline, "", f"**{v.counts_sentence(plan)}**", ""]
    if plan.has_changes:
        counts = plan.summary()
        parts += [
            "| Create | Update | Delete | Replace |",
            "|---:|---:|---:|---:|",
            "| " + " | ".join(str(counts[a.value]) for a in Action) + " |",
            "",
        ]
    if detail >= _DESTRUCTIVE_ONLY:
        parts += _destructive(plan)
    if detail >= _FULL:
        parts += _unmanaged(plan) + _ignored(plan) + _warnings(plan)
    return "\n".join(parts) + "\n"


def _names(names: list[str], *, code: bool = True) -> str:
    """A capped, comma-separated list; ``code=False`` for items already formatted."""
    shown, more = v.capped(names, MAX_NAMES)
    listed = ", ".join(f"<code>{cell(n)}</code>" if code else n for n in shown)
    return listed + (f", {v.ELLIPSIS} and {more} more" if more else "")


def _destructive(plan: Plan) -> list[str]:
    """Named in the summary so a reviewer sees every deletion even when sections are cut."""
    names = [
        f"<code>{cell(c.slug)}</code> "
        + (f"(replaces <code>{cell(c.replaces)}</code>)" if c.replaces else f"({c.action.value})")
        for c in v.sorted_changes(plan)
        if v.is_destructive(c)
    ]
    return [f"**Destructive:** {_names(names, code=False)}", ""] if names else []


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged:
        return []
    return [f"{cell(v.unmanaged_sentence(plan))}: {_names(sorted(plan.unmanaged))}", ""]


def _ignored(plan: Plan) -> list[str]:
    if not plan.ignored:
        return []
    lines = ["Differences ignored by <code>ignore&#95;changes</code> (left as they are live):"]
    slugs, more = v.capped(sorted(plan.ignored), MAX_NAMES)
    for slug in slugs:
        lines.append(f"- <code>{cell(slug)}</code>: {_names(sorted(plan.ignored[slug]))}")
    if more:
        lines.append(f"- {v.ELLIPSIS} and {more} more")
    return [*lines, ""]


def _warnings(plan: Plan) -> list[str]:
    if not plan.warnings:
        return []
    warnings, more = v.capped(list(plan.warnings), MAX_NAMES)
    lines = ["**Warnings:**", *(f"- {cell(w, limit=1000)}" for w in warnings)]
    if more:
        lines.append(f"- {v.ELLIPSIS} and {more} more")
    return [*lines, ""]


def _section(change: CharacterChange) -> str:
    fields = v.sorted_fields(change)
    title = f"<code>{v.ACTION_SYMBOL[change.action]} {change.action.value}</code> "
    title += f"<b>{cell(change.slug)}</b> — {len(fields)} field(s)"
    if change.replaces:
        title += f", replaces <code>{cell(change.replaces)}</code>"
    if change.overwrite:
        title += ", PUT whole object"
    if v.is_destructive(change):
        title += " ⚠️ destructive"
    parts = [f"<details><summary>{title}</summary>", ""]
    small = [f for f in fields if not v.shown_as_block(f)]
    if change.action is Action.DELETE and not fields:
        parts += ["The character is deleted with all its settings.", ""]
    if small:
        parts += _table(change, small)
    for field in fields:
        if v.shown_as_block(field):
            parts += _block(field)
    parts += ["</details>", ""]
    return "\n".join(parts) + "\n"


def _table(change: CharacterChange, fields: list[FieldChange]) -> list[str]:
    if change.action is Action.CREATE:
        rows = [f"| {_label(f)} | {_value(v.after_of(f))} |" for f in fields]
        return ["| Field | Value |", "|---|---|", *rows, ""]
    rows = [f"| {_label(f)} | {_value(v.before_of(f))} | {_value(v.after_of(f))} |" for f in fields]
    return ["| Field | Before | After |", "|---|---|---|", *rows, ""]


def _label(field: FieldChange) -> str:
    note = f" <i>&#91;{cell(field.note)}&#93;</i>" if field.note else ""
    return f"<code>{cell(field.path)}</code>{note}"


def _value(value: object) -> str:
    if value is ABSENT:
        return "<i>absent</i>"
    return f"<code>{cell(v.inline(value))}</code>"


def _block(field: FieldChange) -> list[str]:
    """A big value as a ```diff block: its changed hunks, or all of it when added/removed."""
    body = [v.truncate(line, MAX_BLOCK_LINE_CHARS) for line in v.block_lines(field)]
    body = v.cap_lines(body, MAX_BLOCK_LINES)
    text = "\n".join(body)
    ticks = "`" * max(3, _longest_backtick_run(text) + 1)
    kind = {"add": "added", "remove": "removed", "modify": "changed"}[v.kind_of(field)]
    return [f"{_label(field)} {kind}:", "", f"{ticks}diff", text, ticks, ""]


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def cell(text: str, *, limit: int = CELL_LIMIT) -> str:
    """``text`` safe inside a table cell or inline HTML: truncated with an ellipsis, HTML
    escaped, and every character markdown would interpret replaced by its numeric entity."""
    shortened = v.truncate(v.printable(text), limit)
    return html.escape(shortened, quote=False).translate(_CELL_ESCAPES)
