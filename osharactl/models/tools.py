"""Agent tools (``tools[]``) and MCP server registrations (``mcp_servers[]``), section 8.

Header values are secrets (``X-Oshara-Secret``, bearer tokens): marked so they are masked in every
output, whatever the server returns for them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from osharactl.models.base import OsharaModel, check_http_url, marker

TOOL_NAME = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
Headers = Annotated[
    dict[str, str],
    Field(
        default_factory=dict,
        description="Static headers sent on every call; values are secrets.",
        json_schema_extra=marker(secret=True),
    ),
]


class HttpToolConfig(OsharaModel):
    url: str = Field(description="Full endpoint URL.")
    method: Literal["POST", "GET", "PUT", "PATCH"] = "POST"
    timeout_seconds: int | float = Field(default=10, gt=0, le=300)
    headers: Headers

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_http_url(v)


class McpToolConfig(OsharaModel):
    server_name: str = Field(description="Must equal the name of an entry in mcp_servers.")
    tool_name: str = Field(description="The tool's name on that MCP server.")


class KbToolConfig(OsharaModel):
    """Knowledge-base tools take no config: the worker uses the character's kb_query_* settings."""


class _ToolBase(OsharaModel):
    name: str = Field(pattern=TOOL_NAME, description="Function name the LLM calls (snake_case).")
    description: str = Field(default="", description="Tells the LLM when to call the tool.")
    input_schema: dict[str, Any] = Field(
        default_factory=dict, description="JSON Schema object of the tool's arguments."
    )


class HttpTool(_ToolBase):
    kind: Literal["http"]
    config: HttpToolConfig


class McpTool(_ToolBase):
    kind: Literal["mcp"]
    config: McpToolConfig


class KbTool(_ToolBase):
    kind: Literal["kb"]
    config: KbToolConfig = Field(default_factory=KbToolConfig)


Tool = Annotated[HttpTool | McpTool | KbTool, Field(discriminator="kind")]


class McpServer(OsharaModel):
    name: str = Field(min_length=1, description="Referenced by tools[].config.server_name.")
    url: str = Field(description="MCP endpoint.")
    transport: Literal["streamable_http", "sse", "http_json"] = "streamable_http"
    headers: Headers
    timeout_seconds: int | float = Field(default=12, ge=2, le=30)
    is_active: bool = Field(default=True, description="false disables the server, keeps it.")

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return check_http_url(v)
