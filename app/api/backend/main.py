"""FastAPI application: health checks, notes CRUD and job endpoints under /api.

Every handler opens its own transaction (``state.db.transaction()``) around the statements and
closes it before the response is built and sent, so a connection is held only while the request
talks to the database. A write is one transaction: a 2xx means it is committed, an error means
it is not (the idempotency record commits with it, backend/idempotency.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from backend import errors, idempotency, jobs
from backend.auth import AuthError, KeySet, User, Verifier, bearer_token
from backend.config import Settings, load_settings
from backend.db import Database
from backend.errors import ErrorOut
from backend.middleware import SecurityHeaders
from backend.models import JobRecord, Note
from backend.queue import redis_connection
from backend.schemas import JobAccepted, JobStatusOut, NoteCreate, NoteOut

log = logging.getLogger("backend")

REDIS_MISSING = "background jobs are unavailable: Redis is not configured (REDIS_HOST is unset)"
# PostgreSQL's integer and bigint ranges: ids and offsets beyond them are 422, not a 500.
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1


class AppState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings)
        self.redis: Redis | None = redis_connection(settings) if settings.redis_configured else None
        self.verifier: Verifier | None = None
        if settings.auth_issuer and settings.auth_client_id and settings.auth_jwks_url:
            keys = KeySet(settings.auth_jwks_url, refresh_interval=settings.auth_jwks_refresh_seconds)
            self.verifier = Verifier(settings.auth_issuer, settings.auth_client_id, keys)

    def close(self) -> None:
        self.db.dispose()
        if self.redis is not None:
            self.redis.close()


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.backend
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"})


def writer(state: StateDep, authorization: Annotated[str | None, Header()] = None) -> User | None:
    """The signed-in user a write needs (401 without a valid access token). None only where the
    stack allows anonymous writes on purpose (no user pool and ALLOW_ANONYMOUS_WRITES=true)."""
    if state.verifier is None:
        if state.settings.allow_anonymous_writes:
            return None
        raise _unauthorized("writes need sign-in, and this API has no user pool configured")
    try:
        return state.verifier.verify(bearer_token(authorization))
    except AuthError as exc:
        raise _unauthorized(str(exc)) from None


WriterDep = Annotated[User | None, Depends(writer)]


def _check_author(note: Note, user: User | None) -> None:
    """Only a note's author changes it; notes are readable by anyone (README: who may read what)."""
    if user is not None and note.author_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="only the note's author may change it")


NoteId = Annotated[int, Path(ge=1, le=INT4_MAX)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        pattern=idempotency.KEY_PATTERN,
        description="Makes a retry of this write safe: the same key and body get the first response.",
    ),
]


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (always 413 and 503)."""
    text = {
        400: "A value was not accepted",
        401: "Sign-in needed: no valid access token",
        403: "Not the note's author",
        404: "Not found",
        409: "Conflicts with stored data",
        413: "Request body too large",
        503: "Busy or a dependency is unavailable; see Retry-After",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({*codes, 413, 503}):
        out[code] = {"model": ErrorOut, "description": text[code]}
    return out


router = APIRouter(prefix="/api")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness for the load balancer: no database or Redis access."""
    return {"status": "ok"}


@router.get("/readyz", responses=_responses())
def readyz(state: StateDep) -> JSONResponse:
    checks: dict[str, str] = {}
    ok = True
    try:
        state.db.ping()
        checks["database"] = "ok"
    except (SQLAlchemyError, OSError) as exc:
        log.warning("readiness: database check failed: %s", type(exc).__name__)
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


@router.get("/notes", response_model=list[NoteOut], responses=_responses())
def list_notes(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT8_MAX)] = 0,
) -> list[NoteOut]:
    stmt = select(Note).order_by(Note.id.desc()).limit(limit).offset(offset)
    with state.db.transaction() as session:
        return [NoteOut.model_validate(n) for n in session.scalars(stmt)]


def _replay(stored: idempotency.Stored) -> Response:
    headers = {"Idempotent-Replayed": "true"}
    if stored.status_code == status.HTTP_204_NO_CONTENT:
        return Response(status_code=stored.status_code, headers=headers)
    return JSONResponse(stored.body, status_code=stored.status_code, headers=headers)


@router.post(
    "/notes",
    response_model=NoteOut,
    status_code=status.HTTP_201_CREATED,
    responses=_responses(400, 401, 409),
)
def create_note(
    payload: NoteCreate, state: StateDep, user: WriterDep, key: IdempotencyKey = None
) -> Response:
    # The author is part of the fingerprint: another user's request with the same key is a conflict.
    print_ = idempotency.fingerprint("POST", "/api/notes", _by(user, payload.model_dump(mode="json")))
    with state.db.transaction() as session:
        if key is not None and (stored := idempotency.claim(session, key, print_)) is not None:
            return _replay(stored)
        note = Note(title=payload.title, body=payload.body, author_id=user.id if user else None)
        session.add(note)
        session.flush()  # INSERT ... RETURNING id, created_at: the same connection, no refresh
        out = NoteOut.model_validate(note).model_dump(mode="json")
        if key is not None:
            idempotency.store(session, key, status.HTTP_201_CREATED, out)
    return JSONResponse(out, status_code=status.HTTP_201_CREATED)


def _by(user: User | None, body: Any) -> Any:
    return body if user is None else {"author": user.id, "body": body}


def _not_found(note_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"note {note_id} not found")


@router.get("/notes/{note_id}", response_model=NoteOut, responses=_responses(404))
def get_note(note_id: NoteId, state: StateDep) -> NoteOut:
    with state.db.transaction() as session:
        note = session.get(Note, note_id)
        if note is None:
            raise _not_found(note_id)
        return NoteOut.model_validate(note)


@router.delete(
    "/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_responses(401, 403, 404, 409)
)
def delete_note(note_id: NoteId, state: StateDep, user: WriterDep, key: IdempotencyKey = None) -> Response:
    print_ = idempotency.fingerprint("DELETE", f"/api/notes/{note_id}", _by(user, None))
    with state.db.transaction() as session:
        if key is not None and (stored := idempotency.claim(session, key, print_)) is not None:
            return _replay(stored)
        note = session.get(Note, note_id)
        if note is None:
            raise _not_found(note_id)
        _check_author(note, user)
        session.delete(note)
        if key is not None:
            idempotency.store(session, key, status.HTTP_204_NO_CONTENT, None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/notes/{note_id}/summarize",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=_responses(401, 403, 404, 409),
)
def summarize(note_id: NoteId, state: StateDep, user: WriterDep, key: IdempotencyKey = None) -> Response:
    """202: the job is recorded in PostgreSQL (it survives a Redis restart) and is then handed
    to the queue; if Redis is unreachable the worker's re-enqueue loop hands it over later."""
    if state.redis is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=REDIS_MISSING)
    print_ = idempotency.fingerprint("POST", f"/api/notes/{note_id}/summarize", _by(user, None))
    with state.db.transaction() as session:
        if key is not None and (stored := idempotency.claim(session, key, print_)) is not None:
            return _replay(stored)
        note = session.get(Note, note_id)
        if note is None:
            raise _not_found(note_id)
        _check_author(note, user)
        job = jobs.record(session, note_id)
        out = JobAccepted(job_id=job.id, status=job.status, status_url=f"/api/jobs/{job.id}")
        body = out.model_dump(mode="json")
        if key is not None:
            idempotency.store(session, key, status.HTTP_202_ACCEPTED, body)
    # Committed and the connection is back in the pool: Redis cannot hold it up.
    jobs.enqueue(state.redis, out.job_id)
    return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED)


@router.get("/jobs/{job_id}", response_model=JobStatusOut, responses=_responses(404))
def job_status(job_id: uuid.UUID, state: StateDep) -> JobStatusOut:
    with state.db.transaction() as session:
        job = session.get(JobRecord, str(job_id))
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"job {job_id} not found")
        return JobStatusOut(**jobs.view(job))


def create_app(settings: Settings | None = None) -> FastAPI:
    config = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState(config)
        app.state.backend = state
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Notes API",
        lifespan=lifespan,
        # Only the JSON schema, and only when API_DOCS=true: no Swagger UI (and its CDN scripts).
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if config.api_docs else None,
    )
    app.include_router(router)
    errors.install(app, router.routes)
    # Checked while the body streams in (Content-Length or chunked), before any parsing; inside
    # SecurityHeaders, so a 413 carries the headers too.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=config.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
