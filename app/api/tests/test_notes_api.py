from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend.main import REDIS_MISSING, create_app
from tests.servers import free_port


def test_healthz_needs_no_database(clean_env: pytest.MonkeyPatch) -> None:
    # Nothing listens on this port: liveness must still succeed, readiness must not.
    clean_env.setenv("DB_HOST", "127.0.0.1")
    clean_env.setenv("DB_PORT", str(free_port()))
    clean_env.setenv("DB_USERNAME", "nobody")
    clean_env.setenv("DB_PASSWORD", "x")
    clean_env.setenv("DB_CONNECT_TIMEOUT", "2")
    with TestClient(create_app()) as client:
        assert client.get("/api/healthz").json() == {"status": "ok"}
        ready = client.get("/api/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "unreachable"


def test_readyz_without_redis(client: TestClient) -> None:
    response = client.get("/api/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "not configured"}}


def test_notes_crud(client: TestClient) -> None:
    assert client.get("/api/notes").json() == []

    created = client.post("/api/notes", json={"title": "First", "body": "Hello there. More text."})
    assert created.status_code == 201
    note = created.json()
    assert note["title"] == "First"
    assert note["body"] == "Hello there. More text."
    assert note["summary"] is None
    assert isinstance(note["id"], int)

    second = client.post("/api/notes", json={"title": "Second"}).json()
    assert second["body"] == ""

    listed = client.get("/api/notes").json()
    assert [n["id"] for n in listed] == [second["id"], note["id"]]  # newest first
    assert [n["id"] for n in client.get("/api/notes", params={"limit": 1, "offset": 1}).json()] == [
        note["id"]
    ]

    fetched = client.get(f"/api/notes/{note['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == note

    assert client.delete(f"/api/notes/{note['id']}").status_code == 204
    assert client.get(f"/api/notes/{note['id']}").status_code == 404
    assert client.delete(f"/api/notes/{note['id']}").status_code == 404
    assert [n["id"] for n in client.get("/api/notes").json()] == [second["id"]]


def test_validation(client: TestClient) -> None:
    assert client.post("/api/notes", json={"title": ""}).status_code == 422
    assert client.post("/api/notes", json={"body": "no title"}).status_code == 422
    assert client.post("/api/notes", json={"title": "x" * 201}).status_code == 422
    assert client.get("/api/notes", params={"limit": 0}).status_code == 422
    assert client.get("/api/notes/not-a-number").status_code == 422


def test_job_endpoints_without_redis_return_503(client: TestClient) -> None:
    note = client.post("/api/notes", json={"title": "t", "body": "b"}).json()
    response = client.post(f"/api/notes/{note['id']}/summarize")
    assert response.status_code == 503
    assert response.json() == {"detail": REDIS_MISSING}
    # Job status lives in PostgreSQL: an unknown id is a 404, a malformed one a 422.
    assert client.get("/api/jobs/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/api/jobs/anything").status_code == 422
