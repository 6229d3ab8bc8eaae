"""Settings read from the environment (the contract with the ECS task definitions)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


# libpq's sslmode values. The default is "require": Aurora PostgreSQL offers TLS on every
# endpoint, and the credentials (and data) must not cross the VPC in clear text. "verify-full"
# needs the RDS CA bundle in the image (set PGSSLROOTCERT); the weaker modes exist for a local
# database without TLS and must be asked for by name.
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_SSLMODE = "require"


def _sslmode(value: str | None) -> str:
    mode = (value or "").strip() or DEFAULT_SSLMODE
    if mode not in SSLMODES:
        raise ValueError(f"DB_SSLMODE={value!r} is not a libpq sslmode; use one of {', '.join(SSLMODES)}")
    return mode


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Settings:
    db_host: str
    db_port: int
    db_name: str
    db_sslmode: str
    db_connect_timeout: int
    db_secret_arn: str | None
    aws_region: str | None
    redis_host: str | None
    redis_port: int
    redis_tls: bool
    redis_auth_token: str | None
    uploads_bucket: str | None
    app_secret_key: str | None

    @property
    def redis_configured(self) -> bool:
        return self.redis_host is not None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (defaults to ``os.environ``).

    Credentials (DB_USERNAME / DB_PASSWORD) are deliberately not part of this
    object: they rotate, so :mod:`backend.credentials` reads them when needed.
    """
    source: Mapping[str, str] = os.environ if env is None else env
    return Settings(
        db_host=source.get("DB_HOST", "localhost"),
        db_port=int(source.get("DB_PORT", "5432")),
        db_name=source.get("DB_NAME", "app"),
        db_sslmode=_sslmode(source.get("DB_SSLMODE")),
        # Aurora Serverless v2 needs ~15 s to resume from a pause; wait longer.
        db_connect_timeout=int(source.get("DB_CONNECT_TIMEOUT", "30")),
        db_secret_arn=_optional(source, "DB_SECRET_ARN"),
        aws_region=_optional(source, "AWS_REGION"),
        redis_host=_optional(source, "REDIS_HOST"),
        redis_port=int(source.get("REDIS_PORT", "6379")),
        # ElastiCache with an auth token requires TLS, so TLS is the default.
        redis_tls=_flag(source.get("REDIS_TLS"), default=True),
        redis_auth_token=_optional(source, "REDIS_AUTH_TOKEN"),
        uploads_bucket=_optional(source, "UPLOADS_BUCKET"),
        app_secret_key=_optional(source, "APP_SECRET_KEY"),
    )
