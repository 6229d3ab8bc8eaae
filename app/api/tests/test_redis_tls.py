"""REDIS_TLS=true against a redis-server that only speaks TLS (as ElastiCache with an auth token).

The app trusts the system CA store (ElastiCache certificates chain to Amazon's
public CAs); here SSL_CERT_FILE points OpenSSL at the test CA instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from backend.main import create_app
from tests.conftest import DbInfo, WorkerProcess
from tests.servers import RedisServer, redis_server


@pytest.fixture(scope="module")
def tls_redis() -> Iterator[RedisServer]:
    with redis_server(tls=True) as server:
        yield server


@pytest.fixture
def tls_env(tls_redis: RedisServer, migrated_db: DbInfo, clean_env: pytest.MonkeyPatch) -> dict[str, str]:
    assert tls_redis.ca_file is not None
    env = {
        "REDIS_HOST": tls_redis.host,
        "REDIS_PORT": str(tls_redis.port),
        "REDIS_TLS": "true",
        "REDIS_AUTH_TOKEN": tls_redis.password,
        "SSL_CERT_FILE": str(tls_redis.ca_file),
    }
    for key, value in env.items():
        clean_env.setenv(key, value)
    return env


def test_job_round_trip_over_tls(tls_env: dict[str, str], start_worker: Callable[..., WorkerProcess]) -> None:
    worker = start_worker()
    with TestClient(create_app()) as client:
        assert client.get("/api/readyz").json()["checks"]["redis"] == "ok"
        note = client.post("/api/notes", json={"title": "tls", "body": "Encrypted in transit. Yes."}).json()
        job_id = client.post(f"/api/notes/{note['id']}/summarize").json()["job_id"]
        deadline = time.monotonic() + 30
        while (body := client.get(f"/api/jobs/{job_id}").json())["status"] not in ("finished", "failed"):
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.2)
    assert body["status"] == "finished", worker.output()
    assert body["result"]["summary"] == "Encrypted in transit."
    assert worker.terminate() == 0


def test_plaintext_client_cannot_use_the_tls_port(
    tls_env: dict[str, str], clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("REDIS_TLS", "false")
    with TestClient(create_app()) as client:
        response = client.get("/api/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unreachable"


def test_untrusted_certificate_is_rejected(tls_env: dict[str, str], clean_env: pytest.MonkeyPatch) -> None:
    clean_env.delenv("SSL_CERT_FILE")  # system CAs only: the test CA is not trusted
    with TestClient(create_app()) as client:
        response = client.get("/api/readyz")
    assert response.status_code == 503
