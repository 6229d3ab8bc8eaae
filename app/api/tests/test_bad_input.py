"""Bad input is a 4xx with a small answer; every response carries the security headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.main import create_app
from backend.middleware import SECURITY_HEADERS
from tests.conftest import DbInfo


def _assert_secure(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS:
        assert headers.get(name.decode()) == value.decode(), (name, dict(headers))


# (one app and database for all cases: each case is a request, not a test, to keep the suite fast)
OUT_OF_RANGE = (
    ("GET", f"/api/notes/{2**31}"),
    ("DELETE", f"/api/notes/{2**31}"),
    ("POST", f"/api/notes/{2**63}/summarize"),
    ("GET", "/api/notes/0"),
    ("GET", "/api/notes/-1"),
    ("GET", f"/api/notes?offset={2**63}"),
    ("GET", "/api/notes?offset=-1"),
    ("GET", "/api/notes?limit=1e400"),
    ("GET", "/api/jobs/not-a-uuid"),
    ("GET", "/api/jobs/%ED%A0%80"),
)


def test_out_of_range_parameters_are_422(client: TestClient) -> None:
    for method, path in OUT_OF_RANGE:
        response = client.request(method, path)
        assert response.status_code == 422, (path, response.text)
        _assert_secure(response)


BAD_BODIES = (
    b'{"title": "nul \\u0000 inside"}',
    b'{"title": "ok", "body": "\\u0000"}',
    b'{"title": "lone \\ud800 surrogate"}',
    b'{"title": "ok", "body": "\\udfff"}',
    b'{"title": "' + b"x" * 150_000 + b'"}',
    b'{"title": 5}',
    b"[]",
    b"not json",
)


def test_bad_bodies_are_small_422s(client: TestClient) -> None:
    for raw in BAD_BODIES:
        response = client.post("/api/notes", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (raw[:60], response.text)
        # Never the input echoed back: the answer stays small and encodable.
        assert len(response.content) < 2000
        assert "x" * 300 not in response.text
        assert all("input" not in item for item in response.json()["detail"])
        _assert_secure(response)
    assert client.get("/api/notes").json() == []


def test_undecodable_body_is_400(client: TestClient) -> None:
    raw = b'{"title": "\xff\xfe invalid utf-8"}'
    response = client.post("/api/notes", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    _assert_secure(response)


def test_body_limit_is_413_for_declared_and_streamed_bodies(client: TestClient) -> None:
    big = b'{"title": "' + b"x" * (300 * 1024) + b'"}'
    declared = client.post("/api/notes", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    _assert_secure(declared)

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for start in range(0, len(big), 16 * 1024):
            yield big[start : start + 16 * 1024]

    streamed = client.post("/api/notes", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert "content-length" not in {k.lower() for k in streamed.request.headers}
    assert client.get("/api/notes").json() == []


def test_405_lists_every_allowed_method(client: TestClient) -> None:
    response = client.put("/api/notes/1", json={})
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "DELETE"}
    _assert_secure(response)
    assert set(client.patch("/api/notes").headers["allow"].split(", ")) == {"GET", "POST"}


def test_headers_on_success_and_not_found(client: TestClient) -> None:
    for response in (client.get("/api/healthz"), client.get("/api/notes/5"), client.get("/nowhere")):
        _assert_secure(response)


def test_docs_are_off_unless_enabled(migrated_db: DbInfo, clean_env: pytest.MonkeyPatch) -> None:
    with TestClient(create_app()) as client:
        for path in ("/api/docs", "/api/redoc", "/api/openapi.json", "/docs", "/openapi.json"):
            assert client.get(path).status_code == 404
    clean_env.setenv("API_DOCS", "true")
    with TestClient(create_app()) as client:
        schema = client.get("/api/openapi.json")
        assert schema.status_code == 200
        assert client.get("/api/docs").status_code == 404  # the schema only: no UI, no CDN
        paths = schema.json()["paths"]
        for method in ("get", "delete"):
            assert {"404", "413", "422", "503"} <= set(paths["/api/notes/{note_id}"][method]["responses"])
        assert {"201", "400", "413", "422", "503"} <= set(paths["/api/notes"]["post"]["responses"])


def test_trusting_every_proxy_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/16,*")
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        create_app()
