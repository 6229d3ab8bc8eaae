"""Background job functions, executed by ``python -m backend.worker``."""

from __future__ import annotations

import re
from typing import Any

from backend.config import load_settings
from backend.db import Database
from backend.models import Note

_db: Database | None = None
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SUMMARY_MAX_CHARS = 160


def _database() -> Database:
    global _db
    if _db is None:
        _db = Database(load_settings())
    return _db


def summarize_text(title: str, body: str) -> tuple[str, int]:
    """A deliberately simple summary: first sentence of the body (or the title)."""
    text = " ".join(body.split())
    words = len(text.split()) if text else 0
    if not text:
        return title.strip(), 0
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) > SUMMARY_MAX_CHARS:
        first = first[: SUMMARY_MAX_CHARS - 1].rstrip() + "…"
    return first, words


def summarize_note(note_id: int) -> dict[str, Any]:
    db = _database()
    with db.session() as session, session.begin():
        note = session.get(Note, note_id)
        if note is None:
            return {"note_id": note_id, "summary": None, "word_count": 0, "detail": "note no longer exists"}
        summary, words = summarize_text(note.title, note.body)
        note.summary = summary
    return {"note_id": note_id, "summary": summary, "word_count": words}
