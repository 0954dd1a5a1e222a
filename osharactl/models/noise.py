"""Noise-cancellation settings: ``widget_appearance.noise_cancellation``.

The docs' Noise Cancellation page was not available; this is the assumed shape from section 20 of
oshara-api.md, kept in this one module so it can be replaced when the real page is found.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from osharactl.models.base import OsharaModel, check_http_url, marker

Engine = Literal["browser", "rnnoise", "dtln", "deepfilternet"]
SELF_HOSTED_ENGINES: frozenset[str] = frozenset({"rnnoise", "dtln", "deepfilternet"})


class NoiseCancellation(OsharaModel):
    """Engines offered in the widget's audio-settings drawer and the one active at call start."""

    engines: list[Engine] = Field(
        default_factory=lambda: list[Engine](["browser"]),
        min_length=1,
        description="Engines offered in the widget's audio-settings drawer.",
        json_schema_extra=marker(set=True),
    )
    default_engine: Engine | Literal["none"] = Field(
        default="browser",
        description='Engine active when a call starts; "none" turns noise cancellation off.',
    )
    model_base_url: str | None = Field(
        default=None,
        description="Where self-hosted model files (rnnoise, dtln, deepfilternet) are served from.",
    )

    @field_validator("model_base_url")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        return None if v is None else check_http_url(v, https_only=True)

    @field_validator("engines")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("engines must not repeat")
        return v

    @model_validator(mode="after")
    def _default_in_engines(self) -> NoiseCancellation:
        if self.default_engine != "none" and self.default_engine not in self.engines:
            raise ValueError(
                f"default_engine {self.default_engine!r} must be 'none' or one of engines "
                f"{list(self.engines)}"
            )
        return self
