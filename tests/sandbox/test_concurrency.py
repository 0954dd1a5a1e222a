"""Many threads writing at once, and state that survives a restart on the same file."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import SandboxFactory
from tests.sandbox.examples import sales_agent, support_bot

CHARS = "/api/ai-characters/"
THREADS = 50


def test_fifty_threads_create_and_patch(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server()
    headers = sandbox.auth_headers()

    def work(n: int) -> tuple[int, int]:
        with httpx.Client(base_url=sandbox.url, headers=headers) as client:
            created = client.post(CHARS, json=support_bot(slug=f"bot-{n:02d}"))
            patched = client.patch(f"{CHARS}bot-{n:02d}/", json={"greeting": f"hello {n}"})
            return created.status_code, patched.status_code

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    assert results == [(201, 200)] * THREADS
    listed = httpx.get(sandbox.url + CHARS, headers=headers).json()
    assert [c["slug"] for c in listed] == [f"bot-{n:02d}" for n in range(THREADS)]
    assert all(c["greeting"] == f"hello {n}" for n, c in enumerate(listed))
    assert len({c["id"] for c in listed}) == THREADS


def test_concurrent_patches_of_one_character_lose_nothing(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server()
    headers = sandbox.auth_headers()
    httpx.post(sandbox.url + CHARS, json=support_bot(), headers=headers)
    fields = ["greeting", "system_prompt", "character_type", "image", "stt_model", "tts_model"]

    def patch(field: str) -> int:
        url = f"{sandbox.url}{CHARS}support-bot/"
        return httpx.patch(url, json={field: f"set-{field}"}, headers=headers).status_code

    with ThreadPoolExecutor(len(fields)) as pool:
        assert set(pool.map(patch, fields)) == {200}
    final = httpx.get(f"{sandbox.url}{CHARS}support-bot/", headers=headers).json()
    assert {f: final[f] for f in fields} == {f: f"set-{f}" for f in fields}


def test_same_slug_created_concurrently_exists_once(sandbox_server: SandboxFactory) -> None:
    sandbox = sandbox_server()
    headers = sandbox.auth_headers()

    def create(_: int) -> int:
        return httpx.post(sandbox.url + CHARS, json=support_bot(), headers=headers).status_code

    with ThreadPoolExecutor(10) as pool:
        codes = sorted(pool.map(create, range(10)))
    assert codes == [201] + [400] * 9


def test_state_survives_a_restart(sandbox_server: SandboxFactory) -> None:
    first = sandbox_server()
    headers = first.auth_headers()
    httpx.post(first.url + CHARS, json=sales_agent(), headers=headers)
    key = httpx.post(first.url + "/api/auth/api-keys/", json={"name": "k"}, headers=headers).json()
    before = httpx.get(first.url + CHARS, headers=headers).json()
    first.stop()

    second = sandbox_server(db_path=first.db_path)
    assert httpx.get(second.url + CHARS, headers={"X-API-Key": key["key"]}).json() == before
    # Tokens are signed with a per-database secret, so the old token still works.
    assert httpx.get(second.url + CHARS, headers=headers).status_code == 200
    row = second.app.store.get_character("sales-agent")
    assert row is not None and row.body["llm_api_key"] == sales_agent()["llm_api_key"]


def test_a_fresh_database_is_empty_and_its_directories_are_made(
    sandbox_server: SandboxFactory, tmp_path: Path
) -> None:
    db = tmp_path / "deep" / "er" / "db.sqlite3"
    sandbox = sandbox_server(db_path=db)
    assert db.exists()
    assert httpx.get(sandbox.url + CHARS, headers=sandbox.auth_headers()).json() == []
