"""Durable background jobs: a row in PostgreSQL is the job; Redis (RQ) only delivers its id.

Life of a job:
- The API inserts the row (``queued``) in the request's transaction and answers 202 only after
  the commit; then it pushes the id to RQ with a short timeout. If Redis is down or restarts
  empty, the id is lost but the row is not: the worker's re-enqueue loop (``requeue``) pushes
  every ``queued`` job that RQ no longer holds.
- The worker ``claim``s the row (``queued`` -> ``started``, one UPDATE): a second delivery of the
  same id finds it no longer queued and does nothing, so a job runs once even when delivered
  twice. The work and ``finished`` are written in one transaction.
- A failure puts it back to ``queued`` with a back-off (5, 20 s) or, at the third attempt,
  ``failed`` with a short error (never a traceback or a library's help link).
- A worker that dies mid-run (SIGKILL, lost task) leaves the row ``started``; after
  ``JOB_STALE_SECONDS`` (150 s: longer than the 90 s job timeout, so a live run is never taken
  over) the loop counts the attempt, re-queues it (or fails it at the third attempt) and it runs
  again: at least once, and the summary job is idempotent (it rewrites the same summary).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from backend.config import load_settings
from backend.db import Database
from backend.models import JobRecord, Note
from backend.queue import FAILURE_TTL_SECONDS, JOB_TIMEOUT_SECONDS, RESULT_TTL_SECONDS, job_queue

log = logging.getLogger(__name__)

_db: Database | None = None
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SUMMARY_MAX_CHARS = 160
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (5, 20)
ERROR_MAX_CHARS = 200
SUMMARIZE = "summarize"
# RQ states in which the id is still on its way to (or in) a worker.
_IN_FLIGHT = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def configure(db: Database) -> None:
    """The worker hands its Database (one pool, one credential provider) to the jobs."""
    global _db
    _db = db


def _database() -> Database:
    global _db
    if _db is None:
        _db = Database(load_settings(), application_name="notes-worker")
    return _db


def short_error(exc: BaseException) -> str:
    """One short line for the job's ``error``: no traceback, SQL, or documentation link."""
    if isinstance(exc, SQLAlchemyError):
        return f"database error ({type(exc).__name__}); the job will be retried"
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line[:ERROR_MAX_CHARS]


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


# -- API side ------------------------------------------------------------------------------


def record(session: Session, note_id: int, kind: str = SUMMARIZE) -> JobRecord:
    """Insert the job row in the caller's transaction."""
    job = JobRecord(id=str(uuid.uuid4()), kind=kind, note_id=note_id, status="queued", attempts=0)
    session.add(job)
    session.flush()
    return job


def enqueue(redis: Redis, job_id: str) -> bool:
    """Push the id to RQ; False (logged) when Redis is unreachable: the row stays queued and
    the worker's re-enqueue loop pushes it later."""
    try:
        job_queue(redis).enqueue(
            "backend.jobs.run",
            job_id,
            job_id=job_id,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=RESULT_TTL_SECONDS,
            failure_ttl=FAILURE_TTL_SECONDS,
        )
    except RedisError as exc:
        log.warning("job %s recorded; Redis unreachable (%s), it will be enqueued later", job_id, exc)
        return False
    return True


# -- worker side ---------------------------------------------------------------------------


def _claim(session: Session, job_id: str) -> JobRecord | None:
    stmt = (
        update(JobRecord)
        .where(JobRecord.id == job_id, JobRecord.status == "queued")
        .values(
            status="started",
            attempts=JobRecord.attempts + 1,
            started_at=func.now(),
            updated_at=func.now(),
        )
        .returning(JobRecord)
    )
    return session.scalars(stmt).first()


def _summarize(session: Session, note_id: int) -> dict[str, Any]:
    note = session.get(Note, note_id, with_for_update=True)
    if note is None:
        return {"note_id": note_id, "summary": None, "word_count": 0, "detail": "note no longer exists"}
    summary, words = summarize_text(note.title, note.body)
    note.summary = summary
    return {"note_id": note_id, "summary": summary, "word_count": words}


def run(job_id: str) -> dict[str, Any]:
    """The RQ entry point: claim, do the work and record the outcome."""
    db = _database()
    with db.transaction() as session:
        job = _claim(session, job_id)
        if job is None:
            log.info("job %s is not queued (already run or running): duplicate delivery ignored", job_id)
            return {"job_id": job_id, "skipped": True}
        attempt, note_id = job.attempts, job.note_id
    try:
        with db.transaction() as session:
            result = _summarize(session, note_id)
            session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status == "started")
                .values(status="finished", result=result, error=None, updated_at=func.now())
            )
    except Exception as exc:
        _release(db, job_id, attempt, short_error(exc))
        raise
    return result


def _release(db: Database, job_id: str, attempt: int, error: str) -> None:
    """After a failed attempt: back to queued with a back-off, or failed for good."""
    final = attempt >= MAX_ATTEMPTS
    delay = timedelta(seconds=BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1])
    try:
        with db.transaction() as session:
            session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status == "started")
                .values(
                    status="failed" if final else "queued",
                    error=error,
                    available_at=func.now() + delay,
                    updated_at=func.now(),
                )
            )
    except SQLAlchemyError:
        # The row stays "started"; the re-enqueue loop takes it back once it is stale.
        log.warning("job %s: could not record the failure; it will be retried when stale", job_id)


def _in_flight(redis: Redis, job_id: str) -> bool:
    try:
        return Job.fetch(job_id, connection=redis).get_status(refresh=False) in _IN_FLIGHT
    except NoSuchJobError:
        return False


def requeue(db: Database, redis: Redis, stale_seconds: float, limit: int = 500) -> int:
    """One pass of the re-enqueue loop; returns how many ids it pushed to RQ."""
    stale = timedelta(seconds=stale_seconds)
    with db.transaction() as session:
        # Started long ago and never finished: its worker died. Count the attempt as used.
        abandoned = session.execute(
            update(JobRecord)
            .where(JobRecord.status == "started", JobRecord.started_at < func.now() - stale)
            .values(
                status="queued",
                error="the worker stopped during the job; retried",
                updated_at=func.now(),
            )
            .returning(JobRecord.id, JobRecord.attempts)
        ).all()
        for job_id, attempts in abandoned:
            if attempts >= MAX_ATTEMPTS:
                session.execute(
                    update(JobRecord)
                    .where(JobRecord.id == job_id)
                    .values(status="failed", error="the worker stopped during the job")
                )
        retaken = {job_id for job_id, attempts in abandoned if attempts < MAX_ATTEMPTS}
        queued = session.scalars(
            select(JobRecord.id)
            .where(JobRecord.status == "queued", JobRecord.available_at <= func.now())
            .order_by(JobRecord.available_at)
            .limit(limit)
        ).all()
    pushed = 0
    for job_id in queued:
        if (job_id in retaken or not _in_flight(redis, job_id)) and enqueue(redis, job_id):
            pushed += 1
    if pushed:
        log.info("re-enqueued %d recorded job(s)", pushed)
    return pushed


def view(job: JobRecord) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "status": job.status,
        "result": job.result if job.status == "finished" else None,
        "error": job.error if job.status in ("failed", "queued") and job.error else None,
    }
