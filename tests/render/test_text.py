"""The terminal rendering: layout, ordering, verdict line, colour and big-value diffs."""

from __future__ import annotations

import re

from osharactl.plan import ABSENT, Action, CharacterChange, FieldChange, Plan
from osharactl.render import render_text
from osharactl.render.text import MAX_BLOCK_LINES, MAX_NAMES
from tests.render.plans import full_plan


def one(slug: str, *fields: FieldChange, action: Action = Action.UPDATE) -> Plan:
    return Plan(changes=(CharacterChange(slug=slug, action=action, fields=fields),))


def lines_of(plan: Plan) -> list[str]:
    return render_text(plan, color=False).splitlines()


def test_last_line_counts_replacements_as_create_and_delete() -> None:
    assert lines_of(full_plan())[-1] == (
        "Plan: 2 to create, 2 to update, 2 to delete. (1 to replace)"
    )


def test_last_line_without_replacements_has_no_suffix() -> None:
    plan = one("a", FieldChange("greeting", "x", "y"))
    assert lines_of(plan)[-1] == "Plan: 0 to create, 1 to update, 0 to delete."


def test_no_changes_says_so_without_legend() -> None:
    text = render_text(Plan(changes=()), color=False)
    assert text.splitlines()[-1] == "No changes. Live characters match the manifests."
    assert "Symbols:" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_legend_precedes_the_verdict() -> None:
    lines = lines_of(full_plan())
    assert lines[-2] == "Symbols: + create, ~ update, - delete, -/+ replace (destructive)"


def test_headers_for_every_action_sorted_by_slug() -> None:
    lines = lines_of(full_plan())
    headers = [
        line for line in lines if re.match(r"^(\+|~|-|-/\+) (create|update|delete|replace) ", line)
    ]
    assert headers == [
        "-/+ replace concierge (replaces concierge-v1) [destructive]",
        "~ update front-desk (PUT, whole object)",
        "- delete old-bot [destructive]",
        "~ update sales-agent",
        "+ create support-bot",
    ]


def test_fields_sorted_by_path_with_symbols_by_kind() -> None:
    text = render_text(full_plan(), color=False)
    block = text.split("~ update sales-agent\n")[1].split("\n\n")[0]
    field_lines = [
        line.strip()
        for line in block.splitlines()
        if line.startswith("    ") and not line.startswith("        ")
    ]
    paths = [line.split(" ", 1)[1].split(":")[0] for line in field_lines]
    assert paths == sorted(paths)
    assert "+ language:" in block and '"en"' in block
    assert re.search(r'- voice: +"alloy"', block)
    assert re.search(r'~ greeting: +"Hi there!" → "Hello, how can I help\?"', block)


def test_values_are_aligned_in_a_block() -> None:
    text = render_text(full_plan(), color=False)
    block = text.split("+ create support-bot\n")[1].split("\n\n")[0].splitlines()
    value_columns = {len(re.sub(r"^(\s+\+ \S+:\s+).*$", r"\1", line)) for line in block}
    assert len(block) == 5 and len(value_columns) == 1


def test_very_long_path_does_not_widen_alignment() -> None:
    long_path = "tools[a-really-long-tool-name].config.headers.X-Custom"
    plan = one("a", FieldChange("greeting", "x", "y"), FieldChange(long_path, "1", "2"))
    greeting = next(line for line in lines_of(plan) if "greeting" in line)
    assert greeting == '    ~ greeting: "x" → "y"'


def test_notes_shown_in_brackets() -> None:
    text = render_text(full_plan(), color=False)
    assert "~ llm_api_key: (sensitive) → (sensitive)  [rotate]" in re.sub(r" {2,}(?=\()", " ", text)
    assert "[order]" in text and "[forces replacement]" in text


def test_long_prompt_shows_only_changed_hunks() -> None:
    old = "\n".join(f"Rule {i}: be kind." for i in range(1, 31))
    new = old.replace("Rule 15: be kind.", "Rule 15: be very kind.")
    text = render_text(one("a", FieldChange("system_prompt", old, new)), color=False)
    assert "    ~ system_prompt:\n" in text
    assert "        - Rule 15: be kind.\n        + Rule 15: be very kind.\n" in text
    assert "          Rule 13: be kind.\n" in text and "          Rule 17: be kind.\n" in text
    assert "Rule 1: be kind." not in text and "Rule 30: be kind." not in text
    assert "… 12 unchanged line(s)" in text and "… 13 unchanged line(s)" in text


def test_long_single_line_prompt_is_split_at_sentences() -> None:
    old = " ".join(f"Sentence number {i} is here." for i in range(12))
    new = old.replace("Sentence number 6 is here.", "Sentence number six is here.")
    text = render_text(one("a", FieldChange("system_prompt", old, new)), color=False)
    assert "- Sentence number 6 is here." in text
    assert "+ Sentence number six is here." in text
    assert "Sentence number 0 is here." not in text


def test_added_prompt_is_listed_whole() -> None:
    prompt = "Line one.\nLine two."
    text = render_text(
        one("a", FieldChange("system_prompt", ABSENT, prompt), action=Action.CREATE), color=False
    )
    assert "    + system_prompt:\n        + Line one.\n        + Line two.\n" in text


def test_big_objects_diff_as_indented_json() -> None:
    before = {
        "theme": {"primary_color": "#112233", "font": "Inter", "radius": 8},
        "position": "right",
        "title": "Chat with us",
    }
    after = {**before, "theme": {**before["theme"], "primary_color": "#445566"}}  # type: ignore[dict-item]
    text = render_text(one("a", FieldChange("widget_appearance", before, after)), color=False)
    assert '-     "primary_color": "#112233"' in text
    assert '+     "primary_color": "#445566"' in text
    assert '"font": "Inter"' in text  # context around the change


def test_huge_block_is_capped() -> None:
    big = [f"https://site{i}.example" for i in range(1000)]
    text = render_text(one("a", FieldChange("allowed_origins", ABSENT, big)), color=False)
    assert "more line(s) not shown" in text
    assert len(text.splitlines()) < MAX_BLOCK_LINES + 20


def test_small_lists_and_objects_stay_inline_as_json() -> None:
    plan = one(
        "a",
        FieldChange(
            "allowed_origins", ["https://a.example"], ["https://a.example", "https://b.example"]
        ),
    )
    assert '["https://a.example"] → ["https://a.example", "https://b.example"]' in render_text(
        plan, color=False
    )


def test_unmanaged_warnings_and_ignored() -> None:
    text = render_text(full_plan(), color=False)
    assert (
        "3 live character(s) not in the manifests, left alone (use --prune to delete within the "
        "prune scope): alpha, mu, zeta\n"
    ) in text
    assert "Warning: character 'sales-agent': greeting is longer than 200 characters" in text
    assert "ignore_changes" in text
    assert "  sales-agent: widget_appearance.theme.primary_color" in text


def test_many_unmanaged_are_capped() -> None:
    names = tuple(f"bot-{i:05d}" for i in range(5000))
    text = render_text(Plan(changes=(), unmanaged=names), color=False)
    assert "5000 live character(s)" in text
    assert f"… and {5000 - MAX_NAMES} more" in text
    assert "bot-04999" not in text


def test_no_ansi_without_colour_even_for_hostile_values() -> None:
    hostile = "\x1b[2J\x1b[31mfake\u202e"
    plan = one(
        "evil\x1b[0m",
        FieldChange("greeting", "x", hostile),
        FieldChange("system_prompt", "a\nb", f"a\n{hostile}"),
    )
    text = render_text(plan, color=False)
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b[2J" in text and "\\u202e" in text


def test_colour_by_action_when_asked() -> None:
    text = render_text(full_plan(), color=True)
    assert "\x1b[32m+ create support-bot\x1b[0m" in text
    assert "\x1b[33m~ update sales-agent\x1b[0m" in text
    assert "\x1b[31m- delete old-bot [destructive]\x1b[0m" in text
    assert "\x1b[35m-/+ replace concierge" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert plain == render_text(full_plan(), color=False)


def test_unbroken_long_line_is_cut_with_ellipsis() -> None:
    blob = "data:image/png;base64," + "A" * 5000
    text = render_text(one("a", FieldChange("avatar_url", ABSENT, blob)), color=False)
    assert "A" * 5000 not in text and "A…" in text


def test_a_slug_cannot_fake_the_verdict_line() -> None:
    forged = "x\nNo changes. Live characters match the manifests."
    plan = Plan(changes=(CharacterChange(forged, Action.DELETE),), unmanaged=(forged,))
    lines = lines_of(plan)
    assert lines.count("No changes. Live characters match the manifests.") == 0
    assert lines[-1] == "Plan: 0 to create, 0 to update, 1 to delete."
