"""Password rotation while the app runs: the next request must still succeed."""

from __future__ import annotations

import json

import boto3
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from backend.config import load_settings
from backend.credentials import CredentialError, CredentialProvider
from backend.db import is_auth_failure
from backend.main import AppState, create_app
from tests.conftest import DbInfo
from tests.servers import PostgresServer


def _rotate(pg: PostgresServer, db: DbInfo, new_password: str) -> None:
    with pg.admin() as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(db.user), sql.Literal(new_password))
        )


def _state(client: TestClient) -> AppState:
    state: AppState = client.app.state.backend  # type: ignore[attr-defined]
    return state


def test_wrong_password_is_detected_as_auth_failure(pg: PostgresServer, migrated_db: DbInfo) -> None:
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(
            host=pg.host, port=pg.port, dbname=migrated_db.name, user=migrated_db.user, password="wrong"
        )
    assert is_auth_failure(caught.value)
    assert not is_auth_failure(ValueError("password authentication failed"))


def test_rotation_via_environment(
    pg: PostgresServer, migrated_db: DbInfo, clean_env: pytest.MonkeyPatch
) -> None:
    # No pause between credential re-reads here (the default allows one every 30 s).
    clean_env.setenv("DB_CREDENTIAL_REFRESH_SECONDS", "0")
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        created = client.post("/api/notes", json={"title": "before rotation"})
        assert created.status_code == 201
        assert _state(client).db.credentials.refresh_count == 0

        _rotate(pg, migrated_db, "rotated-password-1")
        # Pooled connections outlive a password change; new ones are what rotation breaks.
        _state(client).db.engine.dispose()
        # The app re-reads the environment, which still has the old password: it must fail,
        # as a 503 the client may retry.
        failed = client.get("/api/notes")
        assert failed.status_code == 503
        assert failed.headers["retry-after"]
        assert _state(client).db.credentials.refresh_count == 1

        clean_env.setenv("DB_PASSWORD", "rotated-password-1")
        response = client.get("/api/notes")
        assert response.status_code == 200
        assert [n["title"] for n in response.json()] == ["before rotation"]
        assert _state(client).db.credentials.refresh_count == 2

        # Further requests reuse the refreshed credentials without another refresh.
        assert client.post("/api/notes", json={"title": "after rotation"}).status_code == 201
        assert _state(client).db.credentials.refresh_count == 2


def test_rotation_via_secrets_manager(
    pg: PostgresServer, migrated_db: DbInfo, clean_env: pytest.MonkeyPatch, aws: None
) -> None:
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    secret = sm.create_secret(
        Name="rds!cluster-notes",
        SecretString=json.dumps({"username": migrated_db.user, "password": migrated_db.password}),
    )
    clean_env.setenv("DB_SECRET_ARN", secret["ARN"])

    with TestClient(create_app()) as client:
        assert client.post("/api/notes", json={"title": "one"}).status_code == 201

        # RDS rotates: the database and the secret change; the task's env does not.
        _rotate(pg, migrated_db, "from-secrets-manager")
        _state(client).db.engine.dispose()
        sm.put_secret_value(
            SecretId=secret["ARN"],
            SecretString=json.dumps({"username": migrated_db.user, "password": "from-secrets-manager"}),
        )

        response = client.get("/api/notes")
        assert response.status_code == 200
        assert [n["title"] for n in response.json()] == ["one"]
        creds = _state(client).db.credentials
        assert creds.refresh_count == 1
        assert creds.current().password == "from-secrets-manager"
        ready = client.get("/api/readyz")
        assert ready.status_code == 200


def test_secret_must_be_json_with_username_and_password(clean_env: pytest.MonkeyPatch, aws: None) -> None:
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = sm.create_secret(Name="bad", SecretString="not json")["ARN"]
    clean_env.setenv("DB_SECRET_ARN", arn)
    provider = CredentialProvider(load_settings())
    with pytest.raises(RuntimeError, match="username and password"):
        provider.refresh()


class _CountingSecrets:
    """Stands in for the boto3 client in a pure unit test of the refresh bookkeeping."""

    def __init__(self) -> None:
        self.calls = 0
        self.password = "v2"

    def get_secret_value(self, SecretId: str) -> dict[str, str]:  # noqa: N803 (boto3's name)
        self.calls += 1
        return {"SecretString": json.dumps({"username": "app", "password": self.password})}


def test_concurrent_failures_refresh_once(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DB_USERNAME", "app")
    clean_env.setenv("DB_PASSWORD", "v1")
    clean_env.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x")
    fake = _CountingSecrets()
    now = [100.0]
    provider = CredentialProvider(
        load_settings(), secrets_client_factory=lambda region: fake, clock=lambda: now[0]
    )
    stale = provider.current()
    assert stale.password == "v1"
    # Two requests failed with the same stale credentials: only the first one calls Secrets Manager.
    assert provider.refresh(stale=stale).password == "v2"
    assert provider.refresh(stale=stale).password == "v2"
    assert fake.calls == 1
    # The new ones are rejected too (the secret is not rotated yet): no second call at once...
    with pytest.raises(CredentialError, match="re-read"):
        provider.refresh(stale=provider.current())
    assert fake.calls == 1
    # ...only once DB_CREDENTIAL_REFRESH_SECONDS (30) have passed.
    fake.password = "v3"
    now[0] += 31
    assert provider.refresh(stale=provider.current()).password == "v3"
    assert fake.calls == 2
    assert "v3" not in repr(provider.current())
