from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from moto import mock_aws
from psycopg import sql

from backend.main import create_app
from tests.servers import PostgresServer, RedisServer, postgres_server, redis_server

API_DIR = Path(__file__).resolve().parents[1]

CONTRACT_VARS = [
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USERNAME",
    "DB_PASSWORD",
    "DB_SECRET_ARN",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_TLS",
    "REDIS_AUTH_TOKEN",
    "AWS_REGION",
    "UPLOADS_BUCKET",
    "APP_SECRET_KEY",
    "USER_POOL_ISSUER",
    "USER_POOL_CLIENT_ID",
    "USER_POOL_JWKS_URL",
]

# The tests that are not about sign-in write anonymously (backend/auth.py); tests/test_auth.py
# turns sign-in on with a moto user pool and turns this off.
os.environ.setdefault("ALLOW_ANONYMOUS_WRITES", "true")


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_srv() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@dataclass
class DbInfo:
    name: str
    user: str
    password: str
    env: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CONTRACT_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def aws(clean_env: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake AWS credentials and moto's in-process AWS (real boto3 clients, botocore validation)."""
    clean_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clean_env.setenv("AWS_SESSION_TOKEN", "testing")
    clean_env.setenv("AWS_REGION", "eu-west-1")
    clean_env.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def empty_db(pg: PostgresServer, clean_env: pytest.MonkeyPatch) -> Iterator[DbInfo]:
    """A brand-new database owned by a brand-new login role; env vars point at it."""
    suffix = secrets.token_hex(4)
    info = DbInfo(name=f"notes_{suffix}", user=f"app_{suffix}", password=secrets.token_urlsafe(18))
    with pg.admin() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(info.user), sql.Literal(info.password)
            )
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(info.name), sql.Identifier(info.user)
            )
        )
    info.env = {
        "DB_HOST": pg.host,
        "DB_PORT": str(pg.port),
        "DB_NAME": info.name,
        "DB_USERNAME": info.user,
        "DB_PASSWORD": info.password,
        "DB_CONNECT_TIMEOUT": "30",
    }
    for key, value in info.env.items():
        clean_env.setenv(key, value)
    yield info
    with pg.admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(info.name)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(info.user)))


def run_alembic(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    alembic = str(Path(sys.executable).with_name("alembic"))
    return subprocess.run(
        [alembic, *args], cwd=API_DIR, env=full_env, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.fixture
def migrated_db(empty_db: DbInfo) -> DbInfo:
    result = run_alembic(empty_db.env, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    return empty_db


@pytest.fixture
def redis_env(redis_srv: RedisServer, clean_env: pytest.MonkeyPatch) -> dict[str, str]:
    redis_srv.client().flushall()
    env = {
        "REDIS_HOST": redis_srv.host,
        "REDIS_PORT": str(redis_srv.port),
        "REDIS_TLS": "false",
        "REDIS_AUTH_TOKEN": redis_srv.password,
    }
    for key, value in env.items():
        clean_env.setenv(key, value)
    return env


@pytest.fixture
def client(migrated_db: DbInfo) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend.worker"],
            cwd=API_DIR,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_for_output(self, needle: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not seen in worker output:\n{self.output()}")
            time.sleep(0.1)

    def terminate(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def _start(extra_env: dict[str, str] | None = None) -> WorkerProcess:
        env = dict(os.environ)
        env.update(extra_env or {})
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        if worker.proc.poll() is None:
            worker.terminate(timeout=10)
