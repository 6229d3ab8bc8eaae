"""Database credentials that can be re-read after an RDS password rotation.

ECS injects DB_USERNAME / DB_PASSWORD from the RDS-managed secret only when a
task starts. RDS rotates that secret every 7 days, so a long-running task will
eventually hold a stale password. When PostgreSQL rejects the password, the
database layer calls :meth:`CredentialProvider.refresh`, which fetches the
current value from Secrets Manager (when DB_SECRET_ARN is set) or re-reads the
environment, and then reconnects.

One re-read per rotation per process: every connection that fails with the same stale
credentials shares the one re-read, and a re-read that brings nothing new (the secret not yet
rotated, or the environment unchanged) is not repeated for ``DB_CREDENTIAL_REFRESH_SECONDS``;
the failing requests get a 503 meanwhile, instead of a burst of Secrets Manager calls.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backend.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"Credentials(username={self.username!r}, password=<hidden>)"


class CredentialError(RuntimeError):
    """Credentials could not be obtained."""


def _from_env(env: Mapping[str, str]) -> Credentials:
    username = env.get("DB_USERNAME")
    password = env.get("DB_PASSWORD")
    if not username or password is None:
        raise CredentialError("DB_USERNAME and DB_PASSWORD must be set")
    return Credentials(username=username, password=password)


def _default_secrets_client(region: str | None) -> Any:
    import boto3  # imported lazily: only needed when DB_SECRET_ARN is set

    return boto3.client("secretsmanager", region_name=region)


class CredentialProvider:
    """Holds the current credentials; thread-safe refresh."""

    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str] | None = None,
        secrets_client_factory: Callable[[str | None], Any] = _default_secrets_client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._client_factory = secrets_client_factory
        self._lock = threading.Lock()
        self._current: Credentials | None = None
        self._clock = clock
        self._last_refresh: float | None = None
        self.refresh_count = 0

    def current(self) -> Credentials:
        with self._lock:
            if self._current is None:
                # At start-up the injected environment is authoritative; the
                # secret is only consulted after an authentication failure.
                self._current = self._initial()
            return self._current

    def _initial(self) -> Credentials:
        try:
            return _from_env(self._env)
        except CredentialError:
            if self._settings.db_secret_arn:
                return self._from_secret()
            raise

    def refresh(self, stale: Credentials | None = None) -> Credentials:
        """Re-read the credentials.

        ``stale`` is what the caller just failed with. If another thread has
        already replaced those, the newer value is returned without another
        Secrets Manager call, so a burst of failing requests after a rotation
        costs one ``GetSecretValue``, not one per request.
        """
        with self._lock:
            if stale is not None and self._current is not None and self._current != stale:
                return self._current
            now = self._clock()
            interval = self._settings.db_credential_refresh_seconds
            if (
                self._current is not None
                and self._last_refresh is not None
                and now - self._last_refresh < interval
            ):
                # Re-read moments ago and still rejected: the secret has not changed yet.
                raise CredentialError(
                    f"credentials were re-read {now - self._last_refresh:.1f} s ago and are still "
                    f"rejected; the next re-read is allowed after {interval:g} s"
                )
            self._last_refresh = now
            if self._settings.db_secret_arn:
                fresh = self._from_secret()
                source = "Secrets Manager"
            else:
                fresh = _from_env(self._env)
                source = "environment"
            self._current = fresh
            self.refresh_count += 1
            log.warning("database credentials re-read from %s after an authentication failure", source)
            return fresh

    def _from_secret(self) -> Credentials:
        arn = self._settings.db_secret_arn
        assert arn is not None
        # A fresh client and a fresh call every time: no caching of the value.
        client = self._client_factory(self._settings.aws_region)
        try:
            response = client.get_secret_value(SecretId=arn)
        except Exception as exc:  # botocore's errors: no credentials, throttled, unreachable
            raise CredentialError(f"could not read the database secret: {type(exc).__name__}") from exc
        raw = response.get("SecretString")
        if not raw:
            raise CredentialError("secret has no SecretString")
        try:
            data = json.loads(raw)
            return Credentials(username=str(data["username"]), password=str(data["password"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CredentialError("secret is not JSON with username and password") from exc
