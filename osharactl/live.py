"""Read the live account: one list call (following pages) serves the whole plan.

Never one GET per character: that is what makes a 10,000-character plan take seconds, not
minutes (promise 7).
"""

from __future__ import annotations

from typing import Any, Protocol


class CharacterReader(Protocol):
    def list_characters(self) -> list[dict[str, Any]]: ...


def read_live(client: CharacterReader) -> dict[str, dict[str, Any]]:
    """Live characters by slug. Entries without a usable slug are skipped: they cannot be
    addressed by any request osharactl could make."""
    characters: dict[str, dict[str, Any]] = {}
    for item in client.list_characters():
        slug = item.get("slug") if isinstance(item, dict) else None
        if isinstance(slug, str) and slug:
            characters[slug] = item
    return characters
