from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _storable(value: str) -> str:
    """PostgreSQL text holds no NUL, and UTF-8 has no unpaired surrogates (JSON's "\\ud800")."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain unpaired surrogate characters") from None
    return value


# The NUL rule for the OpenAPI schema, so clients (and schemathesis) know it; the validator above
# enforces both rules. Surrogates stay out of the pattern: Rust-based validators (Pydantic's,
# jsonschema-rs) cannot compile a range of them; the description says it.
STORABLE_PATTERN = r"^[^\u0000]*$"
RULE = "No NUL characters and no unpaired surrogates."


def _document_text_rule(schema: dict[str, Any]) -> None:
    for name in ("title", "body"):
        schema["properties"][name].update(pattern=STORABLE_PATTERN, description=RULE)


class NoteCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=_document_text_rule)

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)

    @field_validator("title", "body")
    @classmethod
    def _storable_text(cls, value: str) -> str:
        return _storable(value)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    summary: str | None
    # Who wrote it (the author's Cognito `sub`, an opaque id); null: written anonymously.
    author_id: str | None = None
    created_at: datetime


class JobAccepted(BaseModel):
    job_id: str
    status: str
    status_url: str


class JobStatusOut(BaseModel):
    job_id: str
    status: str
    result: dict[str, Any] | None = None
    error: str | None = None
