"""Idempotency-Key for writes: a retried request gets the first one's response, not a second write.

The key, a fingerprint of the request (method, path and the validated body) and the response are
stored in PostgreSQL in the same transaction as the write itself, so either both exist or
neither does. A second request with the same key:
- same fingerprint -> the stored status and body again (header ``Idempotent-Replayed: true``);
- different fingerprint -> 409 Conflict, nothing written.
Two requests with the same key at the same time: the second one's INSERT waits for the first
transaction (primary-key check) and then replays its committed response. Keys are kept for
24 hours (the worker deletes older ones).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from backend.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# Printable ASCII without spaces, 1 to 200 characters (a UUID is typical).
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
KEEP = timedelta(hours=24)
MISMATCH = "this Idempotency-Key was already used for a different request"


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(session: Session, key: str, print_: str) -> Stored | None:
    """None: the key is new (now reserved in this transaction); else the stored response."""
    inserted = session.execute(
        insert(IdempotencyRecord)
        .values(key=key, fingerprint=print_)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(IdempotencyRecord.key)
    ).first()
    if inserted is not None:
        return None
    row = session.execute(
        select(
            IdempotencyRecord.fingerprint, IdempotencyRecord.status_code, IdempotencyRecord.response
        ).where(IdempotencyRecord.key == key)
    ).one()
    if row.fingerprint != print_ or row.status_code is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=MISMATCH)
    return Stored(row.status_code, row.response)


def store(session: Session, key: str, status_code: int, body: Any) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.key == key)
        .values(status_code=status_code, response=body)
    )


def purge(session: Session) -> int:
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < func.now() - KEEP)
    )
    return int(getattr(result, "rowcount", 0) or 0)
