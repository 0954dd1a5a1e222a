"""Pydantic models of the Oshara API objects: the single source of truth for fields, types,
defaults, secrets and read-only fields, shared by manifests, the reconciler and the sandbox."""

from osharactl.models.appearance import (
    Dimensions,
    Labels,
    LanguageOption,
    Layout,
    Theme,
    WidgetAppearance,
)
from osharactl.models.character import (
    READ_ONLY_FIELDS,
    WRITABLE_FIELDS,
    Character,
    CharacterOut,
    Document,
    HandoffTarget,
    Voice,
)
from osharactl.models.forms import (
    FormDefinition,
    FormField,
    FormLayout,
    FormStep,
    derived_tool_name,
)
from osharactl.models.meta import SENSITIVE, mask_secrets, secret_values
from osharactl.models.noise import NoiseCancellation
from osharactl.models.tools import (
    HttpTool,
    HttpToolConfig,
    KbTool,
    KbToolConfig,
    McpServer,
    McpTool,
    McpToolConfig,
    Tool,
)

__all__ = [
    "READ_ONLY_FIELDS",
    "SENSITIVE",
    "WRITABLE_FIELDS",
    "Character",
    "CharacterOut",
    "Dimensions",
    "Document",
    "FormDefinition",
    "FormField",
    "FormLayout",
    "FormStep",
    "HandoffTarget",
    "HttpTool",
    "HttpToolConfig",
    "KbTool",
    "KbToolConfig",
    "Labels",
    "LanguageOption",
    "Layout",
    "McpServer",
    "McpTool",
    "McpToolConfig",
    "NoiseCancellation",
    "Theme",
    "Tool",
    "Voice",
    "WidgetAppearance",
    "derived_tool_name",
    "mask_secrets",
    "secret_values",
]
