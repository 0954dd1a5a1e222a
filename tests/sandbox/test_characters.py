"""Characters CRUD as section 20 of oshara-api.md settles it, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from osharactl.models import CharacterOut
from tests.conftest import ServedSandbox
from tests.sandbox.examples import (
    KB_KEY,
    LLM_KEY,
    MCP_TOKEN,
    TICKET_SECRET,
    sales_agent,
    support_bot,
)

CHARS = "/api/ai-characters/"
READ_ONLY = {"id", "created_at", "updated_at", "created_by", "documents"}


@pytest.fixture
def api(sandbox: ServedSandbox) -> Iterator[httpx.Client]:
    with sandbox.client() as client:
        yield client


def create(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(CHARS, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_create_the_docs_example_and_read_it_back(api: httpx.Client) -> None:
    created = create(api, support_bot())
    assert set(created) >= READ_ONLY
    assert created["documents"] == []
    assert created["created_by"] == api.get("/api/auth/me/").json()["id"]
    assert created["slug"] == "support-bot"
    assert created["allowed_origins"] == ["https://acme.com"]
    # Fields never set come back empty, not with invented defaults.
    assert created["widget_appearance"] == {}
    assert created["stt_model"] is None
    assert created["tools"] == []
    CharacterOut.model_validate(created, context={"server": True})
    assert api.get(CHARS + "support-bot/").json() == created
    assert api.get(CHARS).json() == [created]


def test_full_sales_agent_round_trip_without_secrets(api: httpx.Client) -> None:
    body = sales_agent()
    created = create(api, body)
    text = api.get(CHARS + "sales-agent/").text
    assert LLM_KEY not in text and KB_KEY not in text
    assert "llm_api_key" not in created and "kb_query_api_key" not in created
    # Tool and MCP headers are returned as stored (section 20).
    assert created["tools"][0]["config"]["headers"] == {"X-Oshara-Secret": TICKET_SECRET}
    assert created["mcp_servers"][0]["headers"] == {"Authorization": MCP_TOKEN}
    # What was sent is what is stored: no defaults filled in.
    sent = {k: v for k, v in body.items() if k not in ("llm_api_key", "kb_query_api_key")}
    assert {k: created[k] for k in sent} == sent
    assert created["widget_appearance"]["forms"][0]["steps"][1]["id"] == "use-case"
    assert "submit_method" not in created["widget_appearance"]["forms"][0]


def test_list_is_a_bare_array_sorted_by_slug(api: httpx.Client) -> None:
    for slug in ("charlie", "alpha", "bravo"):
        create(api, support_bot(slug=slug))
    listed = api.get(CHARS).json()
    assert [c["slug"] for c in listed] == ["alpha", "bravo", "charlie"]


def test_pagination_on_request_follows_next_links(api: httpx.Client) -> None:
    for n in range(5):
        create(api, support_bot(slug=f"bot-{n}"))
    page = api.get(CHARS, params={"page_size": 2}).json()
    assert page["count"] == 5
    assert page["previous"] is None
    slugs = [c["slug"] for c in page["results"]]
    while page["next"]:
        assert page["next"].startswith(str(api.base_url).rstrip("/") + CHARS + "?")
        page = httpx.get(page["next"], headers=api.headers).json()
        assert page["previous"] is not None
        slugs += [c["slug"] for c in page["results"]]
    assert slugs == [f"bot-{n}" for n in range(5)]
    assert api.get(CHARS, params={"page_size": 2, "page": 9}).status_code == 404
    assert api.get(CHARS, params={"page_size": "x"}).status_code == 400


def test_configured_page_size_pages_every_list(sandbox_server: Any) -> None:
    sandbox = sandbox_server(page_size=1)
    with sandbox.client() as api:
        create(api, support_bot(slug="a"))
        create(api, support_bot(slug="b"))
        page = api.get(CHARS).json()
    assert page["count"] == 2
    assert [c["slug"] for c in page["results"]] == ["a"]
    assert "page=2" in page["next"]


def test_unknown_top_level_keys_and_read_only_fields_are_ignored(api: httpx.Client) -> None:
    body = support_bot(id=999, created_by=42, documents=[{"x": 1}], surprise="ignored")
    created = create(api, body)
    assert created["id"] != 999
    assert created["created_by"] != 42
    assert created["documents"] == []
    assert "surprise" not in created


def test_unknown_widget_appearance_keys_pass_through(api: httpx.Client) -> None:
    appearance = {
        "name": "Acme",
        "future_flag": True,
        "theme": {"primary_color": "#112233", "glow": "#FFFFFF"},
        "noise_cancellation": {"engines": ["browser"], "experimental": {"level": 3}},
    }
    created = create(api, support_bot(widget_appearance=appearance))
    assert created["widget_appearance"] == appearance
    patched = api.patch(CHARS + "support-bot/", json={"greeting": "Hello"}).json()
    assert patched["widget_appearance"] == appearance


def test_unknown_keys_inside_form_items_are_rejected(api: httpx.Client) -> None:
    body = sales_agent()
    body["widget_appearance"]["forms"][0]["colour"] = "red"
    r = api.post(CHARS, json=body)
    assert r.status_code == 400
    assert "colour" in r.json()["widget_appearance"]["forms"]["0"]


def test_validation_errors_are_drf_shaped_with_field_paths(api: httpx.Client) -> None:
    body = sales_agent()
    del body["name"]
    body["widget_appearance"]["theme"]["primary_color"] = "orange"
    body["tools"][0]["config"]["url"] = "not a url"
    body["tools"][0]["config"]["headers"] = {"X-Oshara-Secret": 12345}
    r = api.post(CHARS, json=body)
    assert r.status_code == 400
    errors = r.json()
    assert errors["name"] == ["This field is required."]
    assert list(errors["widget_appearance"]["theme"]) == ["primary_color"]
    assert isinstance(errors["widget_appearance"]["theme"]["primary_color"][0], str)
    config_errors = errors["tools"]["0"]["config"]
    assert set(config_errors) == {"url", "headers"}
    assert set(config_errors["headers"]) == {"X-Oshara-Secret"}
    assert api.get(CHARS).json() == []


def test_errors_never_echo_secret_values(api: httpx.Client) -> None:
    body = sales_agent()
    body["llm_api_key"] = ["sk-in-a-list-secret"]
    body["tools"][0]["config"]["headers"] = {"X-Oshara-Secret": {"nested": "hdr-secret-xyz"}}
    r = api.post(CHARS, json=body)
    assert r.status_code == 400
    assert "sk-in-a-list-secret" not in r.text
    assert "hdr-secret-xyz" not in r.text
    assert set(r.json()) == {"llm_api_key", "tools"}


def test_model_level_errors_land_in_non_field_errors(api: httpx.Client) -> None:
    body = support_bot(widget_appearance={"forms": [{"id": "f", "title": "F"}]})
    r = api.post(CHARS, json=body)
    assert r.status_code == 400
    assert r.json()["widget_appearance"]["forms"]["0"]["non_field_errors"]
    r = api.post(CHARS, json=["not", "an", "object"])
    assert r.status_code == 400
    assert "non_field_errors" in r.json()
    r = api.post(CHARS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert "detail" in r.json()


def test_server_accepts_fields_and_steps_together(api: httpx.Client) -> None:
    form = {
        **sales_agent()["widget_appearance"]["forms"][0],
        "fields": [{"name": "x", "label": "X"}],
    }
    created = create(api, support_bot(widget_appearance={"forms": [form]}))
    assert "fields" in created["widget_appearance"]["forms"][0]


def test_duplicate_slug_is_400(api: httpx.Client) -> None:
    create(api, support_bot())
    r = api.post(CHARS, json=support_bot(name="Another"))
    assert r.status_code == 400
    assert r.json() == {"slug": ["ai character with this slug already exists."]}
    assert len(api.get(CHARS).json()) == 1


def test_patch_replaces_whole_top_level_values(api: httpx.Client) -> None:
    create(api, sales_agent())
    r = api.patch(
        CHARS + "sales-agent/",
        json={"widget_appearance": {"theme": {"accent_color": "#000000"}}, "allowed_origins": []},
    )
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["widget_appearance"] == {"theme": {"accent_color": "#000000"}}
    assert patched["allowed_origins"] == []
    assert patched["greeting"] == sales_agent()["greeting"]  # untouched keys stay
    assert patched["updated_at"] > patched["created_at"]
    assert api.get(CHARS + "sales-agent/").json() == patched


def test_patch_keeps_write_only_secrets(api: httpx.Client, sandbox: ServedSandbox) -> None:
    create(api, sales_agent())
    api.patch(CHARS + "sales-agent/", json={"greeting": "Hey"})
    row = sandbox.app.store.get_character("sales-agent")
    assert row is not None
    assert row.body["llm_api_key"] == LLM_KEY


def test_put_replaces_everything(api: httpx.Client, sandbox: ServedSandbox) -> None:
    create(api, sales_agent())
    r = api.put(CHARS + "sales-agent/", json={"slug": "sales-agent", "name": "Reset"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "Reset"
    assert body["tools"] == [] and body["widget_appearance"] == {} and body["system_prompt"] == ""
    assert body["language"] is None
    row = sandbox.app.store.get_character("sales-agent")
    assert row is not None and "llm_api_key" not in row.body
    assert api.put(CHARS + "sales-agent/", json={"name": "No slug"}).status_code == 400


def test_slug_is_immutable(api: httpx.Client) -> None:
    create(api, support_bot())
    for method in ("PATCH", "PUT"):
        r = api.request(method, CHARS + "support-bot/", json=support_bot(slug="renamed"))
        assert r.status_code == 400
        assert list(r.json()) == ["slug"]
    assert api.get(CHARS + "renamed/").status_code == 404


def test_delete_then_gone(api: httpx.Client) -> None:
    create(api, support_bot())
    r = api.delete(CHARS + "support-bot/")
    assert r.status_code == 204
    assert r.content == b""
    assert api.get(CHARS + "support-bot/").status_code == 404
    assert api.delete(CHARS + "support-bot/").status_code == 404


def test_unknown_slug_and_missing_trailing_slash_are_404(api: httpx.Client) -> None:
    create(api, support_bot())
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        r = api.request(method, CHARS + "nope/", json={})
        assert r.status_code == 404
        assert r.json() == {"detail": "Not found."}
    assert api.get("/api/ai-characters").status_code == 404
    assert api.get(CHARS + "support-bot").status_code == 404


def test_wrong_method_is_405(api: httpx.Client) -> None:
    r = api.delete(CHARS)
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"]
    assert api.post(CHARS + "x/", json={}).status_code == 405


def test_other_users_characters_are_invisible(api: httpx.Client, sandbox: ServedSandbox) -> None:
    create(api, support_bot())
    httpx.post(
        sandbox.url + "/api/auth/signup/", json={"email": "eve@example.com", "password": "e"}
    )
    with httpx.Client(
        base_url=sandbox.url, headers=sandbox.auth_headers("eve@example.com", "e")
    ) as eve:
        assert eve.get(CHARS).json() == []
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            assert eve.request(method, CHARS + "support-bot/", json={}).status_code == 404
        # Slugs are global: eve cannot take one that exists.
        assert eve.post(CHARS, json=support_bot()).status_code == 400
    assert api.get(CHARS + "support-bot/").status_code == 200


def test_form_tool_name_collision_is_400(api: httpx.Client) -> None:
    body = sales_agent()
    body["tools"][0]["name"] = "book_demo"
    r = api.post(CHARS, json=body)
    assert r.status_code == 400
    assert "book-demo" in r.json()["tools"]["0"]["name"][0]
    body["widget_appearance"]["forms"][0]["disabled"] = True  # a disabled form has no tool
    create(api, body)
    r = api.patch(
        CHARS + "sales-agent/", json={"widget_appearance": sales_agent()["widget_appearance"]}
    )
    assert r.status_code == 400
