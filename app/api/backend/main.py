"""FastAPI application: health checks, notes CRUD and job endpoints under /api."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from backend import jobs
from backend.config import Settings, load_settings
from backend.db import Database
from backend.models import Note
from backend.queue import (
    FAILURE_TTL_SECONDS,
    JOB_TIMEOUT_SECONDS,
    RESULT_TTL_SECONDS,
    RETRY,
    job_queue,
    redis_connection,
)
from backend.schemas import JobAccepted, JobStatusOut, NoteCreate, NoteOut

log = logging.getLogger("backend")

REDIS_MISSING = "background jobs are unavailable: Redis is not configured (REDIS_HOST is unset)"


class AppState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings)
        self.redis: Redis | None = redis_connection(settings) if settings.redis_configured else None

    def close(self) -> None:
        self.db.dispose()
        if self.redis is not None:
            self.redis.close()


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.backend
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    with state.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_redis(state: StateDep) -> Redis:
    if state.redis is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=REDIS_MISSING)
    return state.redis


RedisDep = Annotated[Redis, Depends(get_redis)]

router = APIRouter(prefix="/api")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness for the load balancer: no database or Redis access."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: StateDep) -> JSONResponse:
    checks: dict[str, str] = {}
    ok = True
    try:
        state.db.ping()
        checks["database"] = "ok"
    except (SQLAlchemyError, OSError) as exc:
        log.warning("readiness: database check failed: %s", exc)
        checks["database"] = "unreachable"
        ok = False
    if state.redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            state.redis.ping()
            checks["redis"] = "ok"
        except (RedisError, OSError) as exc:
            log.warning("readiness: redis check failed: %s", exc)
            checks["redis"] = "unreachable"
            ok = False
    body: dict[str, Any] = {"status": "ready" if ok else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/notes", response_model=list[NoteOut])
def list_notes(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Note]:
    stmt = select(Note).order_by(Note.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


@router.post("/notes", response_model=NoteOut, status_code=status.HTTP_201_CREATED)
def create_note(payload: NoteCreate, session: SessionDep) -> Note:
    note = Note(title=payload.title, body=payload.body)
    session.add(note)
    session.commit()
    session.refresh(note)
    return note


def _get_note_or_404(session: Session, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"note {note_id} not found")
    return note


@router.get("/notes/{note_id}", response_model=NoteOut)
def get_note(note_id: int, session: SessionDep) -> Note:
    return _get_note_or_404(session, note_id)


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: int, session: SessionDep) -> Response:
    note = _get_note_or_404(session, note_id)
    session.delete(note)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/notes/{note_id}/summarize", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def summarize(note_id: int, session: SessionDep, redis: RedisDep) -> JobAccepted:
    _get_note_or_404(session, note_id)
    try:
        job = job_queue(redis).enqueue(
            jobs.summarize_note,
            note_id,
            retry=RETRY,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=RESULT_TTL_SECONDS,
            failure_ttl=FAILURE_TTL_SECONDS,
        )
    except RedisError as exc:
        log.error("could not enqueue job: %s", exc)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="job queue unreachable") from exc
    return JobAccepted(
        job_id=job.id, status=job.get_status(refresh=False).value, status_url=f"/api/jobs/{job.id}"
    )


@router.get("/jobs/{job_id}", response_model=JobStatusOut)
def job_status(job_id: str, redis: RedisDep) -> JobStatusOut:
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"job {job_id} not found") from exc
    except RedisError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="job queue unreachable") from exc
    job_state = job.get_status()
    out = JobStatusOut(job_id=job.id, status=job_state.value)
    if job_state == JobStatus.FINISHED:
        value = job.return_value()
        out.result = value if isinstance(value, dict) else {"value": value}
    elif job_state == JobStatus.FAILED:
        latest = job.latest_result()
        info = (latest.exc_string if latest is not None else None) or ""
        # Only the last line (exception type and message), never the traceback.
        out.error = info.strip().splitlines()[-1] if info.strip() else "job failed"
    return out


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState(settings or load_settings())
        app.state.backend = state
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Notes API",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.include_router(router)
    return app


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
