"""Error responses: every failure is a short JSON answer with the right status, never a crash.

- Validation errors (422) list where and what, never the input itself (which may be megabytes,
  or hold characters that cannot be encoded: FastAPI's default handler echoes the input and
  crashes on an unpaired surrogate).
- The database busy (pool timeout) or unreachable, or credentials not accepted yet: 503 with
  Retry-After, as an ordinary response, so the keep-alive connection stays usable.
- 405 lists every method the path accepts (Starlette names only the first route's).
- Anything unexpected: a 500 with no detail, logged (backend/middleware.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from backend.credentials import CredentialError

log = logging.getLogger("backend.errors")

BUSY_RETRY_AFTER = "1"
DOWN_RETRY_AFTER = "5"
MAX_ERRORS = 20
MAX_TEXT = 200


class ErrorOut(BaseModel):
    detail: str


class ValidationItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationOut(BaseModel):
    detail: list[ValidationItem]


def safe_text(value: object, limit: int = MAX_TEXT) -> str:
    """Printable in any encoding (unpaired surrogates escaped), at most ``limit`` characters."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    items = []
    for error in exc.errors()[:MAX_ERRORS]:
        loc = [part if isinstance(part, int) else safe_text(part, 60) for part in error.get("loc", ())]
        items.append(
            {"loc": loc, "msg": safe_text(error.get("msg", "")), "type": safe_text(error.get("type", ""), 60)}
        )
    return {"detail": items}


def _allowed_methods(request: Request, routes: Sequence[BaseRoute]) -> list[str]:
    """Every method of every route whose path matches (PARTIAL: the path matched, the method
    did not; FULL: both)."""
    methods: set[str] = set()
    for route in routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route_methods)
    return sorted(methods)


def error_response(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def install(app: FastAPI, routes: Sequence[BaseRoute]) -> None:
    """Register the handlers; ``routes`` are the app's routes (for 405's Allow)."""

    async def validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(_validation_body(exc), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            headers["Allow"] = ", ".join(_allowed_methods(request, routes))
        if exc.status_code == status.HTTP_204_NO_CONTENT or exc.status_code == 304:
            return JSONResponse(None, status_code=exc.status_code, headers=headers)
        return error_response(exc.status_code, safe_text(exc.detail), headers)

    async def busy(request: Request, exc: Exception) -> JSONResponse:
        log.warning("shedding %s %s: no database connection free in time", request.method, request.url.path)
        return error_response(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the service is busy; retry shortly",
            {"Retry-After": BUSY_RETRY_AFTER},
        )

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning(
            "database unavailable for %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return error_response(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the database is unavailable; retry shortly",
            {"Retry-After": DOWN_RETRY_AFTER},
        )

    async def data_error(request: Request, exc: Exception) -> JSONResponse:
        return error_response(status.HTTP_400_BAD_REQUEST, "a value was not accepted by the database")

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return error_response(status.HTTP_409_CONFLICT, "the request conflicts with the stored data")

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(PoolTimeoutError, busy)
    for kind in (OperationalError, InterfaceError, CredentialError, psycopg.OperationalError):
        app.add_exception_handler(kind, unavailable)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(IntegrityError, conflict)
