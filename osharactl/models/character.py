"""The AI character (``/api/ai-characters/``), section 4 of oshara-api.md.

``Character`` holds the writable fields: what a manifest declares and what osharactl sends.
``CharacterOut`` adds the read-only fields a server returns (section 20), for the sandbox and the
OpenAPI description. Fields with no documented default are marked ``server_default``: when a
manifest leaves them out, whatever the server holds is not drift.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from osharactl.models.appearance import BCP47, WidgetAppearance
from osharactl.models.base import OsharaModel, check_http_url, marker
from osharactl.models.tools import McpServer, Tool

SLUG = r"^[A-Za-z0-9_-]{1,50}$"
BackgroundAudio = Literal["", "office", "crowded room", "cafe", "nature"]
_server = marker(server_default=True)


class Voice(OsharaModel):
    audio_file: str | None = None
    voice_url: str | None = None


class HandoffTarget(OsharaModel):
    slug: str = Field(pattern=SLUG, description="A character this agent may hand the call to.")


class Character(OsharaModel):
    """Every writable, documented character field, with its documented default."""

    slug: str = Field(pattern=SLUG, description="Unique, immutable id; the widget's data-agent.")
    name: str = Field(min_length=1, description="Display name.")
    character_type: str | None = Field(
        default=None, description="Category tag, e.g. SUPPORT_AGENT.", json_schema_extra=_server
    )
    image: str | None = Field(default=None, description="Avatar URL.", json_schema_extra=_server)
    system_prompt: str = Field(default="", description="The LLM's instructions and persona.")
    greeting: str = Field(default="", description="First thing the agent says.")
    voice: Voice | None = Field(default=None, json_schema_extra=_server)
    language: str | None = Field(
        default=None,
        pattern=BCP47,
        description="Default BCP-47 code for STT and TTS.",
        json_schema_extra=_server,
    )
    background_audio: BackgroundAudio = Field(default="", description="Ambient sound.")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="URL prefixes allowed to embed the agent. Empty = blocked everywhere.",
        json_schema_extra=marker(set=True),
    )
    handoff_targets: list[HandoffTarget] = Field(
        default_factory=list, json_schema_extra=marker(list_key="slug", set=True)
    )
    widget_appearance: WidgetAppearance = Field(default_factory=WidgetAppearance)
    stt_model: str | None = Field(default=None, json_schema_extra=_server)
    tts_model: str | None = Field(default=None, json_schema_extra=_server)
    llm_provider: Literal["openai"] | None = Field(default=None, json_schema_extra=_server)
    llm_model: str | None = Field(default=None, json_schema_extra=_server)
    llm_api_key: str | None = Field(
        default=None,
        description="Per-character LLM key; write-only on the server.",
        json_schema_extra=marker(secret=True, write_only=True),
    )
    tools: list[Tool] = Field(
        default_factory=list, json_schema_extra=marker(list_key="name", set=True)
    )
    mcp_servers: list[McpServer] = Field(
        default_factory=list, json_schema_extra=marker(list_key="name", set=True)
    )
    kb_query_url: str | None = Field(default=None, description="Knowledge-base query endpoint.")
    kb_query_api_key: str | None = Field(
        default=None, json_schema_extra=marker(secret=True, write_only=True)
    )

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        for origin in v:
            check_http_url(origin, what="origin")
        if len(set(v)) != len(v):
            raise ValueError("allowed_origins must not repeat")
        return v

    @field_validator("kb_query_url")
    @classmethod
    def _kb_url(cls, v: str | None) -> str | None:
        return v if not v else check_http_url(v)


class Document(OsharaModel):
    """A knowledge-base document attached to a character (managed by the KB API, read-only here)."""

    id: int | str
    file: str
    file_type: Literal["pdf", "docx", "txt"]
    status: Literal["PENDING", "PROCESSED", "FAILED"]
    chunk_count: int = 0
    created_at: datetime


_ro = marker(read_only=True)


class CharacterOut(Character):
    """A character as a server returns it: writable fields plus read-only ones, secrets absent."""

    id: int = Field(json_schema_extra=_ro)
    created_at: datetime = Field(json_schema_extra=_ro)
    updated_at: datetime = Field(json_schema_extra=_ro)
    created_by: int | None = Field(default=None, json_schema_extra=_ro)
    documents: list[Document] = Field(default_factory=list, json_schema_extra=_ro)


READ_ONLY_FIELDS: frozenset[str] = frozenset(
    name
    for name, f in CharacterOut.model_fields.items()
    if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("x-read-only")
)
WRITABLE_FIELDS: tuple[str, ...] = tuple(Character.model_fields)
