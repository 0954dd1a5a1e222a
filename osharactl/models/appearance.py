"""``widget_appearance``: branding, theme, labels, languages, forms, noise cancellation (section 5).

Every default here is the documented widget default, so an omitted key and its default compare
equal whether the server stores overrides only (the sandbox) or the merged object.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from osharactl.models.base import OsharaModel, marker
from osharactl.models.forms import FormDefinition
from osharactl.models.noise import NoiseCancellation

HEX = r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"
BCP47 = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"


def _hex(default: str, description: str) -> Any:
    return Field(default=default, pattern=HEX, description=description)


class Theme(OsharaModel):
    primary_color: str = _hex("#6366F1", "Buttons, FAB background, accents.")
    accent_color: str = _hex("#22D3EE", "Loading rings, highlights.")
    background_color: str = _hex("#FFFFFF", "Panel background.")
    text_color: str = _hex("#0F172A", "Main text.")
    user_bubble_color: str = _hex("#6366F1", "User transcript bubbles.")
    user_bubble_text_color: str = _hex("#FFFFFF", "Text in user bubbles.")
    agent_bubble_color: str = _hex("#F1F5F9", "Agent transcript bubbles.")
    agent_bubble_text_color: str = _hex("#0F172A", "Text in agent bubbles.")


class Dimensions(OsharaModel):
    fab_size: int | float = Field(default=64, gt=0, description="Pixels.")
    panel_width: int | float = Field(default=380, gt=0, description="Pixels.")
    panel_height: int | float = Field(default=620, gt=0, description="Pixels.")
    border_radius: int | float = Field(default=24, ge=0, description="Pixels.")


class Layout(OsharaModel):
    position: Literal["bottom-right", "bottom-left", "top-right", "top-left"] = "bottom-right"
    font_family: str = Field(default="", description='CSS font stack; "" inherits the host font.')


class Labels(OsharaModel):
    idle: str = "Idle"
    connecting: str = "Connecting…"
    listening: str = "Listening"
    speaking: str = "Speaking…"
    muted: str = "Microphone muted"
    call_ended: str = "Call ended"
    transcript_placeholder: str = "Your conversation will appear here"
    language_label: str = "Language"


class LanguageOption(OsharaModel):
    code: str = Field(pattern=BCP47, description="BCP-47 code, e.g. en, ne, pt-BR.")
    label: str
    native_label: str


def _default_languages() -> list[LanguageOption]:
    return [LanguageOption(code="en", label="English", native_label="English")]


class WidgetAppearance(OsharaModel):
    name: str = Field(default="Voice Assistant", description="Title in the panel header.")
    subtitle: str = ""
    logo_url: str = ""
    fab_label: str = Field(default="", description='"" shows only the icon.')
    fab_sublabel: str = ""
    start_button_text: str = "Start Call"
    powered_by_text: str = "Powered by Oshara"
    powered_by_url: str = "https://oshara.ai"
    max_call_seconds: int = Field(default=0, ge=0, description="0 means no cap.")
    terms_url: str = Field(default="", description='"" skips the consent step.')
    terms_label: str = "Terms & Conditions"
    consent_text: str = "By starting the call you agree to our"
    show_audio_settings: bool = True
    default_language: str = Field(default="en", pattern=BCP47)
    theme: Theme = Field(default_factory=Theme)
    dimensions: Dimensions = Field(default_factory=Dimensions)
    layout: Layout = Field(default_factory=Layout)
    labels: Labels = Field(default_factory=Labels)
    languages: list[LanguageOption] = Field(
        default_factory=_default_languages, json_schema_extra=marker(list_key="code")
    )
    forms: list[FormDefinition] = Field(
        default_factory=list, json_schema_extra=marker(list_key="id")
    )
    noise_cancellation: NoiseCancellation = Field(default_factory=NoiseCancellation)
