"""A tiny stand-in for the GitHub and GitLab comment APIs, served on 127.0.0.1.

It keeps comments in memory, paginates like the real APIs (``per_page``/``page``), checks the
token header, and records every request, which is all scripts/pr-comment.py relies on.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_test-token-never-printed"
ROUTES = {  # (list/create path, update path, token header, expected header value, update verb)
    "github": (
        r"/repos/acme/agents/issues/(\d+)/comments",
        r"/repos/acme/agents/issues/comments/(\d+)",
        "Authorization",
        f"Bearer {TOKEN}",
        "PATCH",
    ),
    "gitlab": (
        r"/projects/42/merge_requests/(\d+)/notes",
        r"/projects/42/merge_requests/\d+/notes/(\d+)",
        "PRIVATE-TOKEN",
        TOKEN,
        "PUT",
    ),
}


class Forge:
    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.comments: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.fail_with: int | None = None
        self.url = ""

    def add(self, body: str) -> dict[str, Any]:
        comment = {"id": len(self.comments) + 1000, "body": body}
        self.comments.append(comment)
        return comment

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> tuple[int, Any]:
        self.requests.append((method, target))
        listing, update, header, expected, verb = ROUTES[self.platform]
        if headers.get(header) != expected:
            return 401, {"message": "Bad credentials"}
        if self.fail_with:
            return self.fail_with, {"message": "Resource not accessible by integration"}
        url = urlsplit(target)
        if re.fullmatch(listing, url.path) and method == "GET":
            query = parse_qs(url.query)
            per_page, page = int(query["per_page"][0]), int(query["page"][0])
            return 200, self.comments[(page - 1) * per_page : page * per_page]
        if re.fullmatch(listing, url.path) and method == "POST":
            return 201, self.add(json.loads(body)["body"])
        found = re.fullmatch(update, url.path)
        if found and method == verb:
            comment = next(c for c in self.comments if c["id"] == int(found.group(1)))
            comment["body"] = json.loads(body)["body"]
            return 200, comment
        return 404, {"message": "Not Found"}


@contextmanager
def serve(platform: str) -> Iterator[Forge]:
    forge = Forge(platform)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, payload = forge.handle(
                self.command, self.path, self.headers, self.rfile.read(length)
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    forge.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
