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


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """A number from ``env[name]`` within [low, high]; a clear error naming the key otherwise."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # (NaN fails this too)
        raise ValueError(f"{name}={raw!r} is not a number from {low:g} to {high:g}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = _number(env, name, default, low, high)
    if value != int(value):
        raise ValueError(f"{name}={env.get(name)!r} is not a whole number from {low} to {high}")
    return int(value)


def _trusted_proxies(value: str | None) -> str:
    """FORWARDED_ALLOW_IPS (read by uvicorn itself): the ingress's address ranges. ``*`` would
    let any client set the scheme, host and address the app sees, so it is refused."""
    ranges = [part.strip() for part in (value or "127.0.0.1").split(",") if part.strip()]
    if "*" in ranges:
        raise ValueError("FORWARDED_ALLOW_IPS='*' trusts every client; list the ingress's CIDR ranges")
    return ",".join(ranges)


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
    # Connections this process may hold at once (computed by the infrastructure from Aurora's
    # max_connections and the services' task counts; see app/README.md "Database connections").
    db_pool_size: int = 5
    # How long a request waits for a free connection before it is shed with 503 + Retry-After.
    db_pool_timeout: float = 2.0
    # The server closes a connection idle this long, so an idle app lets Aurora auto-pause.
    db_idle_seconds: int = 60
    # A statement running longer than this is cancelled by the server.
    db_statement_timeout: float = 10.0
    # At most one credential re-read per this many seconds (one Secrets Manager call a rotation).
    db_credential_refresh_seconds: float = 30.0
    # Redis connect/read timeout of the API: a request never blocks long on a Redis outage.
    redis_timeout: float = 0.5
    # Largest request body accepted (413 above it), checked while the body streams in.
    max_body_bytes: int = 256 * 1024
    # Serve /api/openapi.json (off in production: API_DOCS=true turns it on).
    api_docs: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    # Worker: how often recorded jobs are re-enqueued, and when a started job counts as abandoned.
    job_requeue_seconds: float = 15.0
    job_stale_seconds: float = 150.0
    # Sign-in (backend/auth.py): the user pool's issuer, the app client, the pool's key set. All
    # three or none; none refuses every write unless allow_anonymous_writes.
    auth_issuer: str | None = None
    auth_client_id: str | None = None
    auth_jwks_url: str | None = None
    allow_anonymous_writes: bool = False
    # At most one key-set fetch per this many seconds when tokens name unknown key ids.
    auth_jwks_refresh_seconds: float = 60.0

    @property
    def auth_configured(self) -> bool:
        return self.auth_issuer is not None

    @property
    def redis_configured(self) -> bool:
        return self.redis_host is not None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (defaults to ``os.environ``).

    Credentials (DB_USERNAME / DB_PASSWORD) are deliberately not part of this
    object: they rotate, so :mod:`backend.credentials` reads them when needed.
    """
    source: Mapping[str, str] = os.environ if env is None else env
    issuer, client_id, jwks_url = _user_pool(source)
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
        db_pool_size=_int(source, "DB_POOL_SIZE", 5, 1, 1000),
        db_pool_timeout=_number(source, "DB_POOL_TIMEOUT", 2.0, 0.05, 60),
        db_idle_seconds=_int(source, "DB_IDLE_SECONDS", 60, 1, 3600),
        db_statement_timeout=_number(source, "DB_STATEMENT_TIMEOUT", 10.0, 0.1, 3600),
        db_credential_refresh_seconds=_number(source, "DB_CREDENTIAL_REFRESH_SECONDS", 30.0, 0, 3600),
        redis_timeout=_number(source, "REDIS_TIMEOUT", 0.5, 0.05, 30),
        max_body_bytes=_int(source, "MAX_BODY_BYTES", 256 * 1024, 1024, 64 * 1024 * 1024),
        api_docs=_flag(source.get("API_DOCS"), default=False),
        forwarded_allow_ips=_trusted_proxies(source.get("FORWARDED_ALLOW_IPS")),
        job_requeue_seconds=_number(source, "JOB_REQUEUE_SECONDS", 15.0, 0.05, 3600),
        job_stale_seconds=_number(source, "JOB_STALE_SECONDS", 150.0, 0.1, 86400),
        auth_issuer=issuer,
        auth_client_id=client_id,
        auth_jwks_url=jwks_url,
        allow_anonymous_writes=_flag(source.get("ALLOW_ANONYMOUS_WRITES"), default=False),
        auth_jwks_refresh_seconds=_number(source, "USER_POOL_JWKS_REFRESH_SECONDS", 60.0, 0, 3600),
    )


def _user_pool(source: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """The user pool's issuer, app client and key set URL: all three, or none."""
    issuer = _optional(source, "USER_POOL_ISSUER")
    client_id = _optional(source, "USER_POOL_CLIENT_ID")
    jwks_url = _optional(source, "USER_POOL_JWKS_URL")
    given = {"USER_POOL_ISSUER": issuer, "USER_POOL_CLIENT_ID": client_id, "USER_POOL_JWKS_URL": jwks_url}
    if any(given.values()) and not all(given.values()):
        missing = ", ".join(k for k, v in given.items() if not v)
        raise ValueError(
            f"sign-in needs USER_POOL_ISSUER, USER_POOL_CLIENT_ID and USER_POOL_JWKS_URL; missing: {missing}"
        )
    for name in ("USER_POOL_ISSUER", "USER_POOL_JWKS_URL"):
        value = given[name]
        if value and not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError(f"{name}={value!r} must be an https:// URL")
    return issuer, client_id, jwks_url
