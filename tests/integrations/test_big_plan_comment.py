"""A plan of many characters through the real CLI stays a valid pull-request comment: summary
first, whole collapsible sections only, under GitHub's 65,536-character limit, and a link to
the full plan given with --full-plan-url."""

from __future__ import annotations

from pathlib import Path

from tests.integrations.helpers import GREETER, OSHARACTL, clean_env, run

URL = "https://github.com/acme/agents/actions/runs/42"


def many_characters(directory: Path, count: int) -> None:
    directory.mkdir(parents=True)
    prompt = "Answer questions about opening hours, prices and directions. " * 8
    for n in range(count):
        text = GREETER.replace("slug: greeter", f"slug: agent-{n:04d}").replace(
            "Greet callers and tell them our opening hours.", prompt
        )
        (directory / f"agent-{n:04d}.yaml").write_text(text)


def test_plan_of_many_characters_fits_one_comment(tmp_path: Path) -> None:
    many_characters(tmp_path / "characters", 400)
    args = [OSHARACTL, "--sandbox", "plan", "characters", "--format", "markdown"]
    done = run([*args, "--full-plan-url", URL], clean_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    markdown = done.stdout
    assert len(markdown) <= 65536
    assert markdown.startswith("<!-- osharactl-plan -->")
    assert "**Plan: 400 to create, 0 to update, 0 to delete.**" in markdown.split("<details>")[0]
    assert markdown.count("<details>") == markdown.count("</details>") > 0  # whole sections
    last = markdown.rstrip("\n").splitlines()[-1]
    shown = markdown.count("<details>")
    assert f"and {400 - shown} more characters not shown" in last
    assert last.endswith(f"[Full plan]({URL}).")


def test_small_plan_has_no_pointer(tmp_path: Path) -> None:
    many_characters(tmp_path / "characters", 3)
    args = [OSHARACTL, "--sandbox", "plan", "characters", "--format", "markdown"]
    markdown = run([*args, "--full-plan-url", URL], clean_env(tmp_path), tmp_path).stdout
    assert markdown.count("<details>") == 3 and URL not in markdown


def test_full_plan_url_that_could_break_the_markup_is_refused(tmp_path: Path) -> None:
    many_characters(tmp_path / "characters", 1)
    bad = "https://example.com/x) [click](javascript:alert(1)"
    done = run([OSHARACTL, "--sandbox", "plan", "characters", "--format", "markdown",
                "--full-plan-url", bad], clean_env(tmp_path), tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("Error: --full-plan-url must be an http(s) URL")
    assert "Traceback" not in done.stderr
