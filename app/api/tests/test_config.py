from __future__ import annotations

import pytest
from redis.connection import SSLConnection

from backend.config import load_settings
from backend.credentials import CredentialError, CredentialProvider
from backend.queue import RedisNotConfiguredError, redis_connection


def test_defaults() -> None:
    s = load_settings({})
    assert (s.db_host, s.db_port, s.db_name) == ("localhost", 5432, "app")
    assert s.redis_configured is False
    assert s.db_secret_arn is None
    assert s.redis_tls is True


def test_contract_values() -> None:
    s = load_settings(
        {
            "DB_HOST": "db.internal",
            "DB_PORT": "6543",
            "DB_NAME": "notes",
            "REDIS_HOST": "cache.internal",
            "REDIS_PORT": "6380",
            "REDIS_TLS": "false",
            "REDIS_AUTH_TOKEN": "tok",
            "DB_SECRET_ARN": "arn:x",
            "AWS_REGION": "eu-west-1",
            "UPLOADS_BUCKET": "uploads",
            "APP_SECRET_KEY": "k",
        }
    )
    assert (s.db_host, s.db_port, s.db_name) == ("db.internal", 6543, "notes")
    assert (s.redis_host, s.redis_port, s.redis_tls, s.redis_auth_token) == (
        "cache.internal",
        6380,
        False,
        "tok",
    )
    assert (s.db_secret_arn, s.aws_region, s.uploads_bucket, s.app_secret_key) == (
        "arn:x",
        "eu-west-1",
        "uploads",
        "k",
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)]
)
def test_redis_tls_flag(raw: str, expected: bool) -> None:
    assert load_settings({"REDIS_TLS": raw}).redis_tls is expected


def test_bad_flag_is_rejected() -> None:
    with pytest.raises(ValueError, match="true/false"):
        load_settings({"REDIS_TLS": "maybe"})


def test_empty_redis_host_means_no_redis() -> None:
    s = load_settings({"REDIS_HOST": "  "})
    assert s.redis_configured is False
    with pytest.raises(RedisNotConfiguredError):
        redis_connection(s)


def test_redis_tls_uses_an_ssl_connection_with_the_token() -> None:
    tls = redis_connection(load_settings({"REDIS_HOST": "cache", "REDIS_AUTH_TOKEN": "tok"}))
    assert tls.connection_pool.connection_class is SSLConnection
    assert tls.connection_pool.connection_kwargs["password"] == "tok"
    plain = redis_connection(load_settings({"REDIS_HOST": "cache", "REDIS_TLS": "false"}))
    assert plain.connection_pool.connection_class is not SSLConnection


def test_missing_credentials_are_reported() -> None:
    provider = CredentialProvider(load_settings({}), env={})
    with pytest.raises(CredentialError, match="DB_USERNAME and DB_PASSWORD"):
        provider.current()
