"""The plan for terminals and CI logs, laid out like Terraform's so it reads familiarly.

One block per character (sorted by slug), one aligned line per field (sorted by path); prompts
and large objects become a line diff of only the changed hunks, because two quoted 5,000-character
strings side by side tell a reviewer nothing. The last line is the verdict, which scripts and
people look for first.
"""

from __future__ import annotations

from osharactl.plan import Action, CharacterChange, FieldChange, Plan
from osharactl.render import values as v

# Paths longer than this do not widen the alignment; they push only their own line right.
ALIGN_CAP = 32
MAX_BLOCK_LINES = 200
MAX_BLOCK_LINE_CHARS = 500
MAX_NAMES = 50

_RESET = "\x1b[0m"
_ACTION_COLOR = {
    Action.CREATE: "\x1b[32m",
    Action.UPDATE: "\x1b[33m",
    Action.DELETE: "\x1b[31m",
    Action.REPLACE: "\x1b[35m",
}
_KIND_COLOR = {"add": "\x1b[32m", "remove": "\x1b[31m", "modify": "\x1b[33m"}
_LINE_COLOR = {"+": "\x1b[32m", "-": "\x1b[31m"}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"


class _Painter:
    """Wraps text in ANSI codes only when colour was asked for, so no escape ever reaches a
    pipe or a CI log that did not ask for it."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color and code else text


def render_text(plan: Plan, *, color: bool) -> str:
    """The whole plan as terminal text, ending with a newline."""
    paint = _Painter(color)
    lines = [_headline(plan), ""]
    for change in v.sorted_changes(plan):
        lines.extend(_character(change, paint))
        lines.append("")
    lines.extend(_notes(plan, paint))
    if plan.has_changes:
        lines.append(v.LEGEND)
    lines.append(paint(v.counts_sentence(plan), _BOLD))
    return "\n".join(lines) + "\n"


def _headline(plan: Plan) -> str:
    where = f" for {v.name(plan.api_url)}" if plan.api_url else ""
    env = f" (env: {v.name(plan.env_name)})" if plan.env_name else ""
    return f"osharactl plan{where}{env}"


def _character(change: CharacterChange, paint: _Painter) -> list[str]:
    head = f"{v.ACTION_SYMBOL[change.action]} {change.action.value} {v.name(change.slug)}"
    extras = []
    if change.replaces:
        extras.append(f"(replaces {v.name(change.replaces)})")
    if change.overwrite:
        extras.append("(PUT, whole object)")
    if v.is_destructive(change):
        extras.append("[destructive]")
    lines = [paint(" ".join([head, *extras]), _ACTION_COLOR[change.action])]
    fields = v.sorted_fields(change)
    small = [f for f in fields if not v.shown_as_block(f)]
    width = max((len(f.path) for f in small if len(f.path) <= ALIGN_CAP), default=0) + 1
    for field in fields:
        lines.extend(_field(field, width, paint))
    return lines


def _field(field: FieldChange, width: int, paint: _Painter) -> list[str]:
    kind = v.kind_of(field)
    symbol = paint(v.KIND_SYMBOL[kind], _KIND_COLOR[kind])
    label = f"{v.name(field.path)}:"
    note = f"  [{v.name(field.note)}]" if field.note else ""
    if v.shown_as_block(field):
        body = [v.truncate(line, MAX_BLOCK_LINE_CHARS) for line in v.block_lines(field)]
        body = v.cap_lines(body, MAX_BLOCK_LINES)
        return [f"    {symbol} {label}{note}", *(_diff_line(line, paint) for line in body)]
    if kind == "add":
        value = v.inline(v.after_of(field))
    elif kind == "remove":
        value = v.inline(v.before_of(field))
    else:
        value = f"{v.inline(v.before_of(field))} → {v.inline(v.after_of(field))}"
    return [f"    {symbol} {label:<{width}} {value}{note}"]


def _diff_line(line: str, paint: _Painter) -> str:
    code = _LINE_COLOR.get(line[:1], _DIM if line.startswith(f"  {v.ELLIPSIS}") else "")
    return "        " + paint(line, code)


def _notes(plan: Plan, paint: _Painter) -> list[str]:
    """Ignored differences, unmanaged characters and warnings: things that will NOT happen or
    need a human's attention, after the changes and before the verdict."""
    lines: list[str] = []
    if plan.ignored:
        lines.append("Differences ignored by ignore_changes (left as they are live):")
        for slug in sorted(plan.ignored):
            paths = ", ".join(v.name(p) for p in sorted(plan.ignored[slug]))
            lines.append(f"  {v.name(slug)}: {paths}")
        lines.append("")
    if plan.unmanaged:
        names, more = v.capped(sorted(plan.unmanaged), MAX_NAMES)
        listed = ", ".join(v.name(n) for n in names)
        tail = f", … and {more} more (see --format json)" if more else ""
        lines.extend([f"{v.unmanaged_sentence(plan)}: {listed}{tail}", ""])
    if plan.warnings:
        for warning in plan.warnings:
            lines.append(
                f"{paint('Warning:', _ACTION_COLOR[Action.UPDATE])} {v.printable(warning)}"
            )
        lines.append("")
    return lines
