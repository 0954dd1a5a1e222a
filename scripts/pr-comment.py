#!/usr/bin/env python3
"""Post the markdown plan as ONE pull-request comment that later runs update in place.

Why a script: the comment step must work on GitHub and GitLab alike, without extra packages,
so it uses only the standard library (urllib). The comment is found by a hidden marker
(``<!-- osharactl-plan -->``, which ``plan --format markdown`` writes first) and PATCHed; if
there is none yet it is created. Reviewers then see one comment that always shows the latest
plan instead of one comment per push.

GitHub (default): GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, and the pull request number
from --number or the event payload (GITHUB_EVENT_PATH).
GitLab (--platform gitlab): GITLAB_TOKEN (a project access token with `api` scope),
CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID.

Exit codes: 0 posted or updated, 1 error (the message never contains the token).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MARKER = "<!-- osharactl-plan -->"
LIMIT = 65536  # GitHub's maximum comment length; `plan --format markdown` already stays under it
PAGE = 100


class Failure(Exception):
    """An expected failure: printed as one line, exit 1."""


class Api:
    """A JSON API reached with one authentication header."""

    def __init__(self, base: str, header: tuple[str, str]) -> None:
        if not base.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise Failure(f"refusing to send a token to a non-https API URL: {base}")
        self.base = base.rstrip("/")
        self.header = header

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        request.add_header(*self.header)
        request.add_header("Accept", "application/json")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise Failure(f"{method} {path}: HTTP {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            raise Failure(f"{method} {path}: cannot reach {self.base}: {exc.reason}") from None
        return json.loads(raw) if raw else None


def github(args: argparse.Namespace) -> tuple[Api, str, str, str]:
    """(api, list/create path, update path template, id key) for a GitHub pull request."""
    token = _env("GITHUB_TOKEN")
    repo = args.repo or _env("GITHUB_REPOSITORY")
    number = args.number or _event_number()
    api = Api(os.environ.get("GITHUB_API_URL", "https://api.github.com"), ("Authorization",
              f"Bearer {token}"))  # fmt: skip
    return (
        api,
        f"/repos/{repo}/issues/{number}/comments",
        f"/repos/{repo}/issues/comments/{{}}",
        "id",
    )


def gitlab(args: argparse.Namespace) -> tuple[Api, str, str, str]:
    """The same for a GitLab merge request's notes."""
    token = _env("GITLAB_TOKEN")
    project = args.repo or _env("CI_PROJECT_ID")
    number = args.number or _env("CI_MERGE_REQUEST_IID")
    api = Api(_env("CI_API_V4_URL"), ("PRIVATE-TOKEN", token))
    notes = f"/projects/{project}/merge_requests/{number}/notes"
    return api, notes, notes + "/{}", "id"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise Failure(f"{name} is not set")
    return value


def _event_number() -> str:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        raise Failure("no pull request number: pass --number or run on a pull_request event")
    event = json.loads(Path(path).read_text(encoding="utf-8"))
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    if not number:
        raise Failure("the event is not a pull request: pass --number")
    return str(number)


def find_comment(api: Api, list_path: str, marker: str) -> Any:
    """The first comment carrying the marker, reading every page (oldest first)."""
    page = 1
    while True:
        comments = api.call("GET", f"{list_path}?per_page={PAGE}&page={page}")
        for comment in comments or []:
            if marker in (comment.get("body") or ""):
                return comment
        if not comments or len(comments) < PAGE:
            return None
        page += 1


def fit(body: str, marker: str) -> str:
    """Marker first (so the next run finds the comment), and never over the size limit."""
    if marker not in body:
        body = f"{marker}\n{body}"
    if len(body) > LIMIT:
        note = "\n… shortened to fit a comment; see the full plan in the CI job.\n"
        body = body[: body.rfind("\n", 0, LIMIT - len(note))] + note
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("body_file", type=Path, help="markdown file, e.g. the plan")
    parser.add_argument("--platform", choices=["github", "gitlab"], default="github")
    parser.add_argument("--repo", help="owner/name (GitHub) or project id (GitLab)")
    parser.add_argument("--number", help="pull request number / merge request iid")
    parser.add_argument("--marker", default=MARKER, help="hidden text identifying the comment")
    args = parser.parse_args(argv)
    try:
        body = fit(args.body_file.read_text(encoding="utf-8"), args.marker)
        api, list_path, update_path, key = (gitlab if args.platform == "gitlab" else github)(args)
        existing = find_comment(api, list_path, args.marker)
        if existing is None:
            created = api.call("POST", list_path, {"body": body})
            print(f"Created comment {created.get(key)}")
        else:
            api.call("PATCH" if args.platform == "github" else "PUT",
                     update_path.format(existing[key]), {"body": body})  # fmt: skip
            print(f"Updated comment {existing[key]}")
    except (Failure, OSError, ValueError) as exc:
        print(f"pr-comment: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
