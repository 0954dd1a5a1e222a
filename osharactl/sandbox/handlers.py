"""Request handlers of the sandbox API, one method per route (see ``app.ROUTES``).

Every error is raised as ``web.Problem`` in the shape section 20 of oshara-api.md chose; the
app turns it into a response. Character bodies go through ``characters.prepare`` so the
shared models decide what is valid.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jwt
from werkzeug.wrappers import Request, Response

from osharactl.models import WRITABLE_FIELDS
from osharactl.sandbox import characters
from osharactl.sandbox.auth import Auth
from osharactl.sandbox.config import SandboxConfig
from osharactl.sandbox.faults import FaultConfig
from osharactl.sandbox.openapi import openapi_document
from osharactl.sandbox.store import CharacterRow, Store, User
from osharactl.sandbox.web import (
    NOT_FOUND,
    Problem,
    dumps,
    json_response,
    now_iso,
    raw_json_response,
    read_object,
)

if TYPE_CHECKING:
    from osharactl.sandbox.app import SandboxApp

LIVEKIT_URL = "wss://audio-inference.oshara.ai"
SESSION_TTL = 3600
SLUG_IMMUTABLE = "The slug cannot be changed; delete and re-create the character."
SLUG_TAKEN = "ai character with this slug already exists."
FORBIDDEN = "You do not have permission to perform this action."


def _writable(body: dict[str, Any]) -> dict[str, Any]:
    """Only writable, modelled top-level keys: read-only and unknown ones are ignored (DRF)."""
    return {k: v for k, v in body.items() if k in WRITABLE_FIELDS}


def _origin_allowed(request: Request, stored: dict[str, Any]) -> None:
    """Origin gate by URL prefix; an empty list blocks everywhere (403)."""
    origin = request.headers.get("Origin", "")
    allowed = stored.get("allowed_origins", [])
    if not origin or not any((origin + "/").startswith(prefix) for prefix in allowed):
        raise Problem.detail(403, "Origin not allowed for this agent.")


class Handlers:
    def __init__(self, store: Store, auth: Auth, config: SandboxConfig, app: SandboxApp) -> None:
        self.store = store
        self.auth = auth
        self.config = config
        self.app = app

    # -- auth --------------------------------------------------------------------------------

    def signup(self, request: Request) -> Response:
        body = read_object(request)
        user = self.auth.signup(body.get("email"), body.get("password"))
        return json_response({"id": user.id, "email": user.email}, 201)

    def login(self, request: Request) -> Response:
        body = read_object(request)
        return json_response(self.auth.login(body.get("email"), body.get("password")))

    def refresh(self, request: Request) -> Response:
        return json_response(self.auth.refresh(read_object(request).get("refresh")))

    def me(self, request: Request) -> Response:
        user = self.auth.authenticate(request)
        return json_response({"id": user.id, "email": user.email, "is_staff": user.is_staff})

    def api_keys(self, request: Request) -> Response:
        user = self.auth.authenticate(request, allow_api_key=False)
        if request.method == "GET":
            return json_response(self.auth.list_api_keys(user))
        body = read_object(request)
        created = self.auth.create_api_key(user, body.get("name"), body.get("is_active", True))
        return json_response(created, 201)

    # -- characters --------------------------------------------------------------------------

    def characters(self, request: Request) -> Response:
        user = self.auth.authenticate(request)
        if request.method == "POST":
            return self._create(request, user)
        page_size = self._page_size(request)
        if page_size is None:
            _, rows = self.store.list_characters(user.id)
            return raw_json_response("[" + ",".join(rows) + "]")
        return self._page(request, user, page_size)

    def _page_size(self, request: Request) -> int | None:
        raw = request.args.get("page_size")
        if raw is None:
            return self.config.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise Problem.detail(400, "page_size must be a positive integer.")
        return int(raw)

    def _page(self, request: Request, user: User, size: int) -> Response:
        """A DRF page ``{count, next, previous, results}`` with absolute links."""
        raw_page = request.args.get("page", "1")
        page = int(raw_page) if raw_page.isdigit() else 0
        count, rows = self.store.list_characters(user.id, (max(page, 1) - 1) * size, size)
        if page < 1 or (page > 1 and not rows):
            raise Problem.detail(404, "Invalid page.")

        def link(number: int) -> str:
            args = {**request.args.to_dict(), "page": str(number), "page_size": str(size)}
            return dumps(f"{request.base_url}?{urlencode(args)}")

        nxt = link(page + 1) if page * size < count else "null"
        prev = link(page - 1) if page > 1 else "null"
        text = f'{{"count":{count},"next":{nxt},"previous":{prev},"results":[{",".join(rows)}]}}'
        return raw_json_response(text)

    def _create(self, request: Request, user: User) -> Response:
        stored, _ = characters.prepare(_writable(read_object(request)))
        now = now_iso()
        out = self.store.insert_character(
            user.id,
            stored["slug"],
            dumps(stored),
            now,
            lambda char_id: characters.render(
                stored, char_id=char_id, owner_id=user.id, created_at=now, updated_at=now
            ),
        )
        if out is None:
            raise Problem(400, {"slug": [SLUG_TAKEN]})
        return raw_json_response(out, 201)

    def _owned(self, row: CharacterRow | None, user: User) -> CharacterRow:
        """Other users' characters do not exist for the caller (404, never 403)."""
        if row is None or row.owner_id != user.id:
            raise Problem.detail(404, NOT_FOUND)
        return row

    def character(self, request: Request, slug: str) -> Response:
        user = self.auth.authenticate(request)
        if request.method == "GET":
            return raw_json_response(self._owned(self.store.get_character(slug), user).out)
        if request.method == "DELETE":
            row = self._owned(self.store.get_character(slug), user)
            if not self.store.delete_character(row.id):
                raise Problem.detail(404, NOT_FOUND)
            return Response(status=204)
        body = _writable(read_object(request))
        if "slug" in body and body["slug"] != slug:
            raise Problem(400, {"slug": [SLUG_IMMUTABLE]})
        partial = request.method == "PATCH"

        def build(current: CharacterRow | None) -> tuple[str, str, str]:
            row = self._owned(current, user)
            stored, _ = characters.prepare({**row.body, **body} if partial else body)
            now = now_iso()
            out = characters.render(
                stored,
                char_id=row.id,
                owner_id=row.owner_id,
                created_at=row.created_at,
                updated_at=now,
            )
            return dumps(stored), out, now

        return raw_json_response(self.store.update_character(slug, build))

    # -- public agent endpoints --------------------------------------------------------------

    def _character_or_404(self, slug: str) -> CharacterRow:
        row = self.store.get_character(slug)
        if row is None:
            raise Problem.detail(404, NOT_FOUND)
        return row

    def appearance(self, request: Request, slug: str) -> Response:
        row = self._character_or_404(slug)
        _origin_allowed(request, row.body)
        return json_response(characters.appearance(row.body))

    def agent_session(self, request: Request) -> Response:
        body = read_object(request)
        agent = body.get("agent")
        if not isinstance(agent, str) or not agent:
            raise Problem(400, {"agent": ["This field is required."]})
        row = self._character_or_404(agent)
        _origin_allowed(request, row.body)
        suffix = secrets.token_hex(3)
        identity = f"user-{suffix}"
        room = f"oshara-voice-{agent}-{suffix}"
        claims = {"room": room, "sub": identity, "video": {"roomJoin": True, "room": room}}
        token = jwt.encode(claims, self.auth.secret, algorithm="HS256")
        return json_response(
            {
                "token": token,
                "livekit_url": LIVEKIT_URL,
                "room_name": room,
                "participant_identity": identity,
                "session_id": "sess_" + secrets.token_hex(6),
                "expires_in_seconds": SESSION_TTL,
                "character_slug": agent,
                "system_prompt": body.get("system_prompt") or row.body.get("system_prompt", ""),
                "greeting": body.get("greeting") or row.body.get("greeting", ""),
            }
        )

    def form_responses(self, request: Request, slug: str) -> Response:
        if request.method == "GET":
            user = self.auth.authenticate(request)
            row = self._character_or_404(slug)
            if row.owner_id != user.id and not user.is_staff:
                raise Problem.detail(403, FORBIDDEN)
            found = self.store.list_form_responses(
                row.id, request.args.get("session_id"), request.args.get("form_id")
            )
            return json_response([r.to_json() for r in found])
        row = self._character_or_404(slug)
        body = read_object(request)
        errors: dict[str, list[str]] = {}
        form_id, session_id, values = (
            body.get("form_id"),
            body.get("session_id"),
            body.get("values"),
        )
        if not isinstance(form_id, str) or form_id not in characters.enabled_form_ids(row.body):
            errors["form_id"] = ["No enabled form with this id on this agent."]
        if not isinstance(session_id, str) or not session_id:
            errors["session_id"] = ["This field is required."]
        if not isinstance(values, dict):
            errors["values"] = ["Expected an object of field name to value."]
        if errors:
            raise Problem(400, errors)
        assert isinstance(form_id, str) and isinstance(session_id, str)
        saved = self.store.add_form_response(row.id, form_id, session_id, values, now_iso())
        return json_response(saved.to_json(), 201)

    # -- description and debug ---------------------------------------------------------------

    def schema(self, request: Request) -> Response:
        return json_response(openapi_document())

    def debug_requests(self, request: Request) -> Response:
        """Loopback debug endpoint: what the sandbox received (tests count requests here)."""
        if request.method == "DELETE":
            self.app.requests.clear()
            return Response(status=204)
        return json_response(self.app.requests.entries())

    def debug_faults(self, request: Request) -> Response:
        """Read or replace the fault settings at run time (restarts the seeded sequence)."""
        if request.method == "PUT":
            try:
                self.app.faults.reconfigure(FaultConfig.from_json(read_object(request)))
            except (TypeError, ValueError) as exc:
                raise Problem.detail(400, str(exc)) from None
        return json_response(self.app.faults.config.to_json())
