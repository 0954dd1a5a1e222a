"""OpenAPI 3.1 description of the API the sandbox implements, generated from the shared models.

The component schemas come straight from the pydantic models (the single source of truth), so
the description cannot drift from what the sandbox validates; only the paths are written here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from osharactl import __version__
from osharactl.models import Character, CharacterOut, WidgetAppearance

REF = "#/components/schemas/{model}"
SCHEMA_MODELS: list[tuple[type[BaseModel], JsonSchemaMode]] = [
    (Character, "validation"),
    (CharacterOut, "serialization"),
    (WidgetAppearance, "serialization"),
]
ERROR = {"type": "object", "description": "DRF-style errors: {detail} or {field: [messages]}"}
OBJ: dict[str, Any] = {"type": "object"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    words = {400: "Invalid input", 401: "Not authenticated", 403: "Forbidden", 404: "Not found"}
    return {str(c): _json(ERROR, words[c]) for c in codes}


def _op(
    summary: str,
    ok: int,
    response: dict[str, Any] | None,
    *,
    body: dict[str, Any] | None = None,
    secured: bool = True,
    errors: tuple[int, ...] = (),
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {}}
    op["responses"][str(ok)] = (
        _json(response, "Success") if response is not None else {"description": "No content"}
    )
    op["responses"].update(_errors(*(((401,) if secured else ()) + errors)))
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    op["security"] = [{"bearer": []}, {"apiKey": []}] if secured else []
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


def _paths() -> dict[str, Any]:
    char, out = _ref("Character"), _ref("CharacterOut")
    slug = [_path_param("slug")]
    creds = {"type": "object", "required": ["email", "password"]}
    return {
        "/api/auth/signup/": {"post": _op("Sign up", 201, OBJ, body=creds, secured=False)},
        "/api/auth/login/": {"post": _op("Log in", 200, OBJ, body=creds, secured=False)},
        "/api/auth/refresh/": {"post": _op("Refresh the access token", 200, OBJ, secured=False)},
        "/api/auth/me/": {"get": _op("Current user", 200, OBJ)},
        "/api/auth/api-keys/": {
            "get": _op("List API keys (no key values)", 200, {"type": "array", "items": OBJ}),
            "post": _op("Create an API key (shown once)", 201, OBJ, body=OBJ, errors=(400,)),
        },
        "/api/ai-characters/": {
            "get": _op(
                "List the caller's characters, sorted by slug",
                200,
                {"type": "array", "items": out},
                params=[_query("page_size", "integer"), _query("page", "integer")],
            ),
            "post": _op("Create a character", 201, out, body=char, errors=(400,)),
        },
        "/api/ai-characters/{slug}/": {
            "parameters": slug,
            "get": _op("Read a character", 200, out, errors=(404,)),
            "put": _op("Replace a character", 200, out, body=char, errors=(400, 404)),
            "patch": _op("Replace the given top-level keys", 200, out, body=OBJ, errors=(400, 404)),
            "delete": _op("Delete a character", 204, None, errors=(404,)),
        },
        "/api/agents/{slug}/appearance/": {
            "parameters": slug,
            "get": _op(
                "Widget appearance merged over the defaults (Origin-gated)",
                200,
                _ref("WidgetAppearance"),
                secured=False,
                errors=(403, 404),
            ),
        },
        "/api/agents/agent-session/": {
            "post": _op(
                "Start a voice session (Origin-gated)",
                200,
                OBJ,
                body=OBJ,
                secured=False,
                errors=(400, 403, 404),
            )
        },
        "/api/agents/{slug}/form-responses/": {
            "parameters": slug,
            "get": _op(
                "List form responses (owner only)",
                200,
                {"type": "array", "items": OBJ},
                errors=(403, 404),
                params=[_query("session_id"), _query("form_id")],
            ),
            "post": _op(
                "Store a form submission", 201, OBJ, body=OBJ, secured=False, errors=(400, 404)
            ),
        },
        "/api/schema/": {"get": _op("This description", 200, OBJ, secured=False)},
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (built once; the models do not change at run time)."""
    _, defs = models_json_schema(SCHEMA_MODELS, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Oshara API (osharactl sandbox)",
            "version": __version__,
            "description": "The Oshara REST API as the osharactl sandbox implements it; see "
            "docs/sandbox.md and section 20 of oshara-api.md for the choices made.",
        },
        "paths": _paths(),
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
