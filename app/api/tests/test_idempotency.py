"""Idempotency-Key: a retried write returns the first answer and writes nothing more."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from fastapi.testclient import TestClient

from backend.config import load_settings
from backend.main import create_app
from tests.conftest import DbInfo

KEY = {"Idempotency-Key": "8d1c2a3e-retry-me"}


def test_same_key_same_body_replays(client: TestClient) -> None:
    first = client.post("/api/notes", json={"title": "once"}, headers=KEY)
    again = client.post("/api/notes", json={"title": "once"}, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(client.get("/api/notes").json()) == 1


def test_same_key_other_body_is_refused(client: TestClient) -> None:
    assert client.post("/api/notes", json={"title": "a"}, headers=KEY).status_code == 201
    other = client.post("/api/notes", json={"title": "b"}, headers=KEY)
    assert other.status_code == 409
    assert "different request" in other.json()["detail"]
    assert client.delete("/api/notes/1", headers=KEY).status_code == 409
    assert [n["title"] for n in client.get("/api/notes").json()] == ["a"]


def test_concurrent_retries_write_once(migrated_db: DbInfo) -> None:
    # The property is "written once", not speed: the retries wait for the first writer's key, and
    # on a loaded machine that can outlast the 2 s pool timeout, which sheds with 503 by design
    # (test_pool.py). A long timeout keeps this test about idempotency alone.
    app = create_app(replace(load_settings(), db_pool_timeout=30.0))
    with TestClient(app) as client:
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda _: client.post("/api/notes", json={"title": "race"}, headers=KEY), range(8))
            )
        assert {a.status_code for a in answers} == {201}
        assert len({a.json()["id"] for a in answers}) == 1
        assert len(client.get("/api/notes").json()) == 1


def test_delete_retry_replays_204(client: TestClient) -> None:
    note = client.post("/api/notes", json={"title": "gone"}).json()
    key = {"Idempotency-Key": "delete-1"}
    assert client.delete(f"/api/notes/{note['id']}", headers=key).status_code == 204
    assert client.delete(f"/api/notes/{note['id']}", headers=key).status_code == 204
    assert client.delete(f"/api/notes/{note['id']}").status_code == 404


def test_failed_write_keeps_the_key_free(client: TestClient) -> None:
    key = {"Idempotency-Key": "not-found-first"}
    assert client.delete("/api/notes/12345", headers=key).status_code == 404
    note = client.post("/api/notes", json={"title": "x"}).json()
    # The 404 was not recorded (its transaction rolled back): the key is used afresh.
    assert client.delete("/api/notes/12345", headers=key).status_code == 404
    assert client.get(f"/api/notes/{note['id']}").status_code == 200


def test_malformed_keys_are_422(client: TestClient) -> None:
    for bad in ("", "x" * 201, "has space"):
        response = client.post("/api/notes", json={"title": "k"}, headers={"Idempotency-Key": bad})
        assert response.status_code == 422, bad
    assert client.get("/api/notes").json() == []
