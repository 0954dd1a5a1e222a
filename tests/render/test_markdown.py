"""The pull-request comment: summary first, one collapsed section per character, safe escaping,
and a hard size limit that is met by dropping whole sections, never by cutting one."""

from __future__ import annotations

import re

import pytest

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Plan
from osharactl.render import render_markdown
from osharactl.render.markdown import GITHUB_COMMENT_LIMIT, MARKER
from tests.render.plans import full_plan

POINTER = "The full plan is in the JSON plan (`osharactl plan --format json`)."


def assert_well_formed(doc: str) -> None:
    """Balanced ``<details>``, closed code fences, and table rows with consistent cell counts."""
    assert doc.count("<details>") == doc.count("</details>")
    depth = 0
    for match in re.finditer(r"</?details>", doc):
        depth += 1 if match.group() == "<details>" else -1
        assert depth in (0, 1)
    fence: str | None = None
    columns: int | None = None
    for line in doc.splitlines():
        if fence is not None:
            if line == fence:
                fence = None
            continue
        opening = re.match(r"^(`{3,})diff$", line)
        if opening:
            fence = opening.group(1)
            continue
        if line.startswith("|"):
            cells = len(re.findall(r"(?<!\\)\|", line)) - 1
            columns = columns if columns is not None else cells
            assert cells == columns, line
        else:
            columns = None
    assert fence is None


def huge_plan(characters: int = 2000) -> Plan:
    """``characters`` updates of several fields each, one a multi-line prompt."""
    changes = []
    for i in range(characters):
        fields = (
            FieldChange("greeting", f"Hello from {i}", f"Hi from {i}"),
            FieldChange("language", "en", "de"),
            FieldChange("llm_model", "gpt-4o-mini", "gpt-4o"),
            FieldChange(
                "system_prompt", f"Rule A {i}.\nRule B.\nRule C.", f"Rule A {i}.\nRule B!\nRule C."
            ),
            FieldChange("allowed_origins", ABSENT, [f"https://{i}.example"]),
        )
        changes.append(CharacterChange(f"agent-{i:05d}", Action.UPDATE, fields))
    return Plan(changes=tuple(changes), api_url="https://api.oshara.ai", env_name="prod")


def test_marker_headline_verdict_and_counts_come_first() -> None:
    doc = render_markdown(full_plan())
    lines = doc.splitlines()
    assert lines[0] == MARKER == "<!-- osharactl-plan -->"
    assert lines[1] == "### osharactl plan · env <code>prod</code> · https://api.oshara.ai"
    assert "**Plan: 2 to create, 2 to update, 2 to delete. (1 to replace)**" in lines
    table = doc.index("| Create | Update | Delete | Replace |")
    assert "| 1 | 2 | 1 | 1 |" in doc
    assert table < doc.index("<details>")
    assert "3 live character(s) not in the manifests" in doc
    assert "**Warnings:**" in doc
    assert (
        "**Destructive:** <code>concierge</code> (replaces <code>concierge-v1</code>), "
        "<code>old-bot</code> (delete)" in doc
    )
    assert_well_formed(doc)


def test_one_collapsible_section_per_character_in_slug_order() -> None:
    doc = render_markdown(full_plan())
    summaries = re.findall(r"<details><summary>(.*?)</summary>", doc)
    assert summaries[3] == "<code>~ update</code> <b>sales-agent</b> — 8 field(s)"
    assert summaries[4] == "<code>+ create</code> <b>support-bot</b> — 5 field(s)"
    assert [re.search(r"<b>(.*?)</b>", s).group(1) for s in summaries] == [  # type: ignore[union-attr]
        "concierge",
        "front-desk",
        "old-bot",
        "sales-agent",
        "support-bot",
    ]


def test_tables_and_prompt_diff_block() -> None:
    doc = render_markdown(full_plan())
    sales = doc.split("<b>sales-agent</b>")[1].split("</details>")[0]
    assert "| Field | Before | After |" in sales
    assert (
        '| <code>greeting</code> | <code>"Hi there!"</code> | '
        '<code>"Hello, how can I help?"</code> |' in sales
    )
    assert '| <code>language</code> | <i>absent</i> | <code>"en"</code> |' in sales
    assert "<i>&#91;rotate&#93;</i>" in sales
    assert (
        "```diff\n" in sales
        and "- Never promise discounts.\n+ Never promise discounts or refunds.\n" in sales
    )
    assert "system_prompt" not in sales.split("| Field |")[1].split("\n\n")[0]  # not in the table
    create = doc.split("<b>support-bot</b>")[1]
    assert "| Field | Value |" in create


def test_cells_escape_pipes_backticks_html_and_newlines() -> None:
    hostile = "a|b `code` <script>alert(1)</script> *x* _y_ [l](u)"
    plan = Plan(
        changes=(
            CharacterChange(
                "s",
                Action.UPDATE,
                (FieldChange("greeting", "plain", hostile), FieldChange("na|me", "x", "y")),
            ),
        )
    )
    doc = render_markdown(plan)
    assert_well_formed(doc)
    row = next(line for line in doc.splitlines() if "greeting" in line)
    assert row.count("|") == 4  # the borders of three cells; none from the value
    assert "`" not in row and "<script>" not in doc and "&lt;script&gt;" in row
    assert "a&#124;b" in row and "&#96;code&#96;" in row
    assert "na&#124;me" in doc


def test_fence_survives_backticks_in_a_prompt() -> None:
    old = "Answer in markdown.\n```\ncode\n```\nBe brief."
    new = old.replace("Be brief.", "Be very brief.")
    plan = Plan(
        changes=(CharacterChange("s", Action.UPDATE, (FieldChange("system_prompt", old, new),)),)
    )
    doc = render_markdown(plan)
    assert "````diff\n" in doc
    assert_well_formed(doc)


def test_long_unbroken_value_is_truncated_with_ellipsis() -> None:
    blob = "x" * 5000
    plan = Plan(
        changes=(
            CharacterChange(
                "s",
                Action.UPDATE,
                (FieldChange("avatar_url", ABSENT, blob), FieldChange("p" * 500, 1, 2)),
            ),
        )
    )
    doc = render_markdown(plan)
    assert "x" * 5000 not in doc and "x…" in doc
    assert "p" * 500 not in doc and "p…" in doc
    assert_well_formed(doc)


def test_no_changes() -> None:
    doc = render_markdown(Plan(changes=(), api_url="http://127.0.0.1:8765"))
    assert "**No changes. Live characters match the manifests.**" in doc
    assert "<details>" not in doc and "| Create |" not in doc


def test_small_plan_is_not_truncated() -> None:
    assert POINTER not in render_markdown(full_plan())


def test_huge_plan_is_cut_between_whole_sections() -> None:
    plan = huge_plan()
    doc = render_markdown(plan, full_plan_hint="Artifact: https://ci.example/plan.json")
    assert len(doc) <= GITHUB_COMMENT_LIMIT
    assert_well_formed(doc)
    shown = doc.count("<details>")
    assert 0 < shown < 2000
    last = doc.rstrip("\n").splitlines()[-1]
    assert (
        last
        == f"… and {2000 - shown} more characters not shown. {POINTER} Artifact: https://ci.example/plan.json"
    )
    assert "**Plan: 0 to create, 2000 to update, 0 to delete.**" in doc
    assert doc.rstrip("\n").splitlines()[-3] == "</details>"


@pytest.mark.parametrize("limit", [400, 1500, 5000, 20000])
def test_any_limit_is_respected(limit: int) -> None:
    doc = render_markdown(huge_plan(50), max_chars=limit)
    assert len(doc) <= limit
    assert_well_formed(doc)
    assert doc.startswith(MARKER)


def test_limit_too_small_for_the_lists_keeps_the_verdict() -> None:
    plan = Plan(changes=huge_plan(30).changes, unmanaged=tuple(f"u{i}" for i in range(100)))
    doc = render_markdown(plan, max_chars=700)
    assert len(doc) <= 700
    assert "**Plan: 0 to create, 30 to update, 0 to delete.**" in doc
    assert doc.rstrip("\n").endswith(POINTER)


def test_destructive_names_outlive_the_other_lists() -> None:
    deletes = tuple(CharacterChange(f"gone-{i}", Action.DELETE) for i in range(3))
    plan = Plan(
        changes=huge_plan(30).changes + deletes,
        unmanaged=tuple(f"unmanaged-{i}" for i in range(100)),
        warnings=tuple(f"warning {i}" for i in range(40)),
    )
    doc = render_markdown(plan, max_chars=1200)
    assert len(doc) <= 1200
    assert "**Destructive:** <code>gone-0</code> (delete)" in doc
    assert "unmanaged-0" not in doc and "warning 0" not in doc
    assert_well_formed(doc)
