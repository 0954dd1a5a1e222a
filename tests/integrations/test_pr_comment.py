"""scripts/pr-comment.py against a fake GitHub/GitLab API on 127.0.0.1: one comment, created
once and then updated in place, found across pages, and failures that never show the token."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.integrations.fakeforge import TOKEN, Forge, serve
from tests.integrations.helpers import SCRIPTS, clean_env, run

MARKER = "<!-- osharactl-plan -->"


def post(tmp_path: Path, forge: Forge, body: str, *args: str) -> tuple[int, str]:
    plan = tmp_path / "plan.md"
    plan.write_text(body)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    env = clean_env(
        tmp_path,
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY="acme/agents",
        GITHUB_API_URL=forge.url,
        GITHUB_EVENT_PATH=str(event),
        GITLAB_TOKEN=TOKEN,
        CI_API_V4_URL=forge.url,
        CI_PROJECT_ID="42",
        CI_MERGE_REQUEST_IID="7",
    )
    done = run([sys.executable, str(SCRIPTS / "pr-comment.py"), str(plan), *args], env, tmp_path)
    return done.returncode, done.stdout + done.stderr


def test_creates_one_comment_then_updates_it_in_place(tmp_path: Path) -> None:
    with serve("github") as forge:
        forge.add("LGTM")  # someone else's comment stays untouched
        code, log = post(tmp_path, forge, f"{MARKER}\nPlan: 1 to create\n")
        assert (code, log.strip()) == (0, "Created comment 1001")
        code, log = post(tmp_path, forge, f"{MARKER}\nPlan: 2 to create\n")
        assert (code, log.strip()) == (0, "Updated comment 1001")
    assert [c["body"] for c in forge.comments] == ["LGTM", f"{MARKER}\nPlan: 2 to create\n"]
    assert ("PATCH", "/repos/acme/agents/issues/comments/1001") in forge.requests


def test_finds_the_comment_on_a_later_page(tmp_path: Path) -> None:
    with serve("github") as forge:
        for n in range(150):
            forge.add(f"comment {n}")
        forge.add(f"{MARKER}\nold plan")
        code, log = post(tmp_path, forge, f"{MARKER}\nnew plan")
    assert code == 0, log
    assert len(forge.comments) == 151 and forge.comments[-1]["body"] == f"{MARKER}\nnew plan"
    assert [m for m, _ in forge.requests] == ["GET", "GET", "PATCH"]


def test_adds_the_marker_and_keeps_under_the_size_limit(tmp_path: Path) -> None:
    body = "| row |\n" * 20000  # 160,000 characters, no marker
    with serve("github") as forge:
        code, _ = post(tmp_path, forge, body)
        code2, _ = post(tmp_path, forge, body)
    assert (code, code2) == (0, 0)
    [comment] = forge.comments
    assert comment["body"].startswith(MARKER) and len(comment["body"]) <= 65536
    assert comment["body"].endswith("see the full plan in the CI job.\n")


def test_gitlab_merge_request_note(tmp_path: Path) -> None:
    with serve("gitlab") as forge:
        assert post(tmp_path, forge, f"{MARKER}\nv1", "--platform", "gitlab")[0] == 0
        assert post(tmp_path, forge, f"{MARKER}\nv2", "--platform", "gitlab")[0] == 0
    assert [c["body"] for c in forge.comments] == [f"{MARKER}\nv2"]
    assert ("PUT", "/projects/42/merge_requests/7/notes/1000") in forge.requests


def test_api_refusal_is_one_line_without_the_token(tmp_path: Path) -> None:
    with serve("github") as forge:
        forge.fail_with = 403
        code, log = post(tmp_path, forge, f"{MARKER}\nplan")
    assert code == 1
    assert "HTTP 403" in log and "Resource not accessible" in log
    assert TOKEN not in log and "Traceback" not in log


def test_missing_settings_are_named(tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("x")
    done = run([sys.executable, str(SCRIPTS / "pr-comment.py"), str(plan)], clean_env(tmp_path),
               tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == "pr-comment: error: GITHUB_TOKEN is not set"
