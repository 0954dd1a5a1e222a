"""Public agent endpoints: appearance, agent-session (Origin-gated) and form responses."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from osharactl.models import WidgetAppearance
from tests.conftest import ServedSandbox
from tests.sandbox.examples import sales_agent, support_bot

ACME = {"Origin": "https://acme.com"}


@pytest.fixture
def api(sandbox: ServedSandbox) -> Iterator[httpx.Client]:
    with sandbox.client() as client:
        assert client.post("/api/ai-characters/", json=sales_agent()).status_code == 201
        yield client


def test_appearance_merges_stored_overrides_over_defaults(
    api: httpx.Client, sandbox: ServedSandbox
) -> None:
    stored = {"theme": {"primary_color": "#FF5500", "glow": 1}, "beta": True}
    api.patch("/api/ai-characters/sales-agent/", json={"widget_appearance": stored})
    r = httpx.get(sandbox.url + "/api/agents/sales-agent/appearance/", headers=ACME)
    assert r.status_code == 200
    body = r.json()
    defaults = WidgetAppearance().model_dump(mode="json")
    assert body["theme"] == {**defaults["theme"], "primary_color": "#FF5500", "glow": 1}
    assert body["beta"] is True
    assert body["labels"] == defaults["labels"]
    assert body["name"] == "Voice Assistant"


def test_appearance_is_origin_gated(api: httpx.Client, sandbox: ServedSandbox) -> None:
    url = sandbox.url + "/api/agents/sales-agent/appearance/"
    assert httpx.get(url).status_code == 403
    assert httpx.get(url, headers={"Origin": "https://evil.example"}).status_code == 403
    assert httpx.get(url, headers={"Origin": "https://staging.acme.com"}).status_code == 200
    missing = httpx.get(sandbox.url + "/api/agents/nope/appearance/", headers=ACME)
    assert missing.status_code == 404


def test_empty_allowed_origins_blocks_everywhere(api: httpx.Client, sandbox: ServedSandbox) -> None:
    api.patch("/api/ai-characters/sales-agent/", json={"allowed_origins": []})
    r = httpx.post(
        sandbox.url + "/api/agents/agent-session/", json={"agent": "sales-agent"}, headers=ACME
    )
    assert r.status_code == 403


def test_agent_session_returns_documented_shape(api: httpx.Client, sandbox: ServedSandbox) -> None:
    url = sandbox.url + "/api/agents/agent-session/"
    r = httpx.post(url, json={"agent": "sales-agent", "greeting": "Just for now"}, headers=ACME)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "token",
        "livekit_url",
        "room_name",
        "participant_identity",
        "session_id",
        "expires_in_seconds",
        "character_slug",
        "system_prompt",
        "greeting",
    }
    assert body["session_id"].startswith("sess_")
    assert body["expires_in_seconds"] == 3600
    assert body["character_slug"] == "sales-agent"
    assert body["greeting"] == "Just for now"
    assert body["system_prompt"] == sales_agent()["system_prompt"]
    # The override is for this session only.
    assert (
        api.get("/api/ai-characters/sales-agent/").json()["greeting"] == sales_agent()["greeting"]
    )
    other = httpx.post(url, json={"agent": "sales-agent"}, headers=ACME).json()
    assert other["session_id"] != body["session_id"]


def test_agent_session_errors(api: httpx.Client, sandbox: ServedSandbox) -> None:
    url = sandbox.url + "/api/agents/agent-session/"
    assert httpx.post(url, json={"agent": "nope"}, headers=ACME).status_code == 404
    assert httpx.post(url, json={}, headers=ACME).json() == {"agent": ["This field is required."]}
    bad_origin = {"Origin": "https://evil.example"}
    assert httpx.post(url, json={"agent": "sales-agent"}, headers=bad_origin).status_code == 403


def test_form_responses_submit_and_list_with_filters(
    api: httpx.Client, sandbox: ServedSandbox
) -> None:
    url = sandbox.url + "/api/agents/sales-agent/form-responses/"
    for session in ("sess_a1b2c3", "sess_zzz"):
        values = {"name": "Alice", "email": "alice@acme.com"}
        r = httpx.post(url, json={"form_id": "book-demo", "session_id": session, "values": values})
        assert r.status_code == 201
        assert set(r.json()) == {"id", "form_id", "session_id", "values", "created_at"}
    everything = api.get(url).json()
    assert [r["session_id"] for r in everything] == ["sess_a1b2c3", "sess_zzz"]
    only = api.get(url, params={"session_id": "sess_zzz", "form_id": "book-demo"}).json()
    assert len(only) == 1 and only[0]["values"]["name"] == "Alice"
    assert api.get(url, params={"form_id": "other"}).json() == []


def test_form_responses_need_an_enabled_form(api: httpx.Client, sandbox: ServedSandbox) -> None:
    url = sandbox.url + "/api/agents/sales-agent/form-responses/"
    body = {"form_id": "nope", "session_id": "sess_1", "values": {}}
    r = httpx.post(url, json=body)
    assert r.status_code == 400 and "form_id" in r.json()
    appearance = sales_agent()["widget_appearance"]
    appearance["forms"][0]["disabled"] = True
    api.patch("/api/ai-characters/sales-agent/", json={"widget_appearance": appearance})
    r = httpx.post(url, json={**body, "form_id": "book-demo"})
    assert r.status_code == 400
    r = httpx.post(url, json={"form_id": "book-demo"})
    assert r.status_code == 400
    missing = sandbox.url + "/api/agents/nope/form-responses/"
    assert httpx.post(missing, json=body).status_code == 404


def test_form_responses_list_is_owner_only(api: httpx.Client, sandbox: ServedSandbox) -> None:
    url = sandbox.url + "/api/agents/sales-agent/form-responses/"
    assert httpx.get(url).status_code == 401
    httpx.post(
        sandbox.url + "/api/auth/signup/", json={"email": "eve@example.com", "password": "e"}
    )
    eve = sandbox.auth_headers("eve@example.com", "e")
    assert httpx.get(url, headers=eve).status_code == 403
    assert (
        httpx.get(sandbox.url + "/api/agents/nope/form-responses/", headers=eve).status_code == 404
    )
    key = api.post("/api/auth/api-keys/", json={"name": "k"}).json()["key"]
    assert httpx.get(url, headers={"X-API-Key": key}).status_code == 200


def test_deleting_a_character_removes_its_responses(
    api: httpx.Client, sandbox: ServedSandbox
) -> None:
    url = sandbox.url + "/api/agents/sales-agent/form-responses/"
    body = {"form_id": "book-demo", "session_id": "s", "values": {}}
    assert httpx.post(url, json=body).status_code == 201
    api.delete("/api/ai-characters/sales-agent/")
    api.post("/api/ai-characters/", json=sales_agent())
    assert api.get(url).json() == []


def test_plain_character_appearance_is_all_defaults(
    api: httpx.Client, sandbox: ServedSandbox
) -> None:
    api.post("/api/ai-characters/", json=support_bot())
    r = httpx.get(sandbox.url + "/api/agents/support-bot/appearance/", headers=ACME)
    assert r.json() == WidgetAppearance().model_dump(mode="json")
