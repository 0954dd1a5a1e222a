"""Voice forms: ``widget_appearance.forms[]`` (oshara-api.md section 6).

Each enabled form gives the agent a tool named after its id with hyphens turned into underscores
(``book-demo`` → ``book_demo``), which is why form ids are validated like identifiers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from osharactl.models.base import OsharaModel, marker

# The docs show text, email, date, textarea and select; the full list is unknown (section 18.6).
# We accept the common HTML input types as well (docs/decisions/0004-form-field-types.md).
FieldType = Literal[
    "text",
    "email",
    "tel",
    "number",
    "date",
    "time",
    "datetime-local",
    "url",
    "textarea",
    "select",
    "checkbox",
    "radio",
    "hidden",
]
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_-]*$"
FORM_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
Scalar = str | int | float | bool


def derived_tool_name(form_id: str) -> str:
    """The tool name the platform derives from a form id (hyphens → underscores)."""
    return form_id.replace("-", "_")


class FormField(OsharaModel):
    """One input of a form. ``name`` is the key in submitted values and in pre-fill arguments."""

    name: str = Field(pattern=IDENTIFIER, description="Key of this value in submissions.")
    label: str = Field(description="Label shown above the input.")
    type: FieldType = Field(default="text", description="Input type.")
    required: bool = Field(default=False)
    width: Literal["full", "half"] | None = Field(default=None, description="Column width.")
    options: list[str] | None = Field(
        default=None, description="Choices for select/radio, as plain strings."
    )
    rows: int | None = Field(default=None, ge=1, description="Visible rows of a textarea.")
    default_value: Scalar | None = Field(
        default=None, description="Pre-fill at render time (the key is default_value)."
    )
    placeholder: str | None = None
    pattern: str | None = Field(
        default=None, description="Regular expression the value must match."
    )
    min: int | float | str | None = Field(default=None, description="Lower bound (number or date).")
    max: int | float | str | None = Field(default=None, description="Upper bound (number or date).")

    @model_validator(mode="after")
    def _options_for_choices(self) -> FormField:
        if self.type in ("select", "radio") and not self.options:
            raise ValueError(f"a {self.type} field needs a non-empty 'options' list")
        return self


class FormStep(OsharaModel):
    """One page of a multi-step (stepper) form."""

    id: str = Field(pattern=FORM_ID)
    title: str
    fields: list[FormField] = Field(min_length=1, json_schema_extra=marker(list_key="name"))


class FormLayout(OsharaModel):
    field_layout: Literal["stack", "grid"] | None = Field(
        default=None, description="How fields are arranged in the panel."
    )


class FormDefinition(OsharaModel):
    """A form the agent can open and fill in by voice. Exactly one of ``fields`` / ``steps``."""

    id: str = Field(
        pattern=FORM_ID,
        description="Stable id: becomes the tool name (hyphens → underscores) and topic form.{id}.",
    )
    title: str
    subtitle: str | None = None
    fields: list[FormField] | None = Field(
        default=None, json_schema_extra=marker(list_key="name"), description="Single-page form."
    )
    steps: list[FormStep] | None = Field(
        default=None, json_schema_extra=marker(list_key="id"), description="Multi-step form."
    )
    submit_url: str | None = Field(
        default=None,
        description="Absolute URL or path relative to the widget's apiUrl; null = Oshara storage.",
    )
    submit_method: Literal["POST", "PUT", "PATCH"] = "POST"
    submit_label: str = "Submit"
    success_message: str | None = None
    disabled: bool = Field(
        default=False, description="true hides the form from the agent (no tool)."
    )
    topics: list[str] | None = Field(default=None, json_schema_extra=marker(set=True))
    event_types: list[str] | None = Field(default=None, json_schema_extra=marker(set=True))
    confirmation_topic: str = "voice.user_text"
    confirmation_type: str | None = Field(default=None, description='Defaults to "{id}_submitted".')
    layout: FormLayout | None = None

    @property
    def tool_name(self) -> str:
        return derived_tool_name(self.id)

    def all_fields(self) -> list[FormField]:
        if self.steps:
            return [f for step in self.steps for f in step.fields]
        return list(self.fields or [])

    @model_validator(mode="after")
    def _fields_xor_steps(self, info: ValidationInfo) -> FormDefinition:
        # The platform ignores `fields` when `steps` is set; a server accepts both, so the sandbox
        # passes context {"server": True}. Manifests must say what they mean: exactly one.
        lenient = bool(info.context and info.context.get("server"))
        has_fields, has_steps = self.fields is not None, self.steps is not None
        if not lenient and has_fields == has_steps:
            raise ValueError("a form needs exactly one of 'fields' (single page) or 'steps'")
        if not has_fields and not has_steps:
            raise ValueError("a form needs 'fields' or 'steps'")
        names = [f.name for f in self.all_fields()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"field names must be unique within a form: {', '.join(dupes)}")
        return self
