"""Small HTTP helpers shared by the sandbox handlers: JSON responses and the error exception.

Handlers raise ``Problem`` for every non-2xx answer so the error shapes (DRF style
``{"detail": ...}`` or field maps) are built in one place and never leak a traceback.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

JSON = "application/json"


class Problem(Exception):
    """An HTTP error answer: status, JSON payload, extra headers."""

    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload
        self.headers = headers or {}

    @classmethod
    def detail(cls, status: int, message: str, **headers: str) -> Problem:
        return cls(status, {"detail": message}, dict(headers))


NOT_FOUND = "Not found."


def dumps(data: Any) -> str:
    """The one JSON encoding of the sandbox: UTF-8 text, non-ASCII kept as is, compact."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return raw_json_response(dumps(data), status, headers)


def raw_json_response(
    text: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(text.encode(), status=status, headers=headers, content_type=JSON)


def read_json(request: Request) -> Any:
    """Parse the body as JSON (whatever the content type says); 400 in DRF's words if not."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem.detail(400, f"JSON parse error - {exc}") from None


def read_object(request: Request) -> dict[str, Any]:
    data = read_json(request)
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise Problem(
            400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
        )
    return data


def now_iso() -> str:
    """UTC timestamp in the ISO 8601 form DRF renders (``...Z``, microseconds)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
