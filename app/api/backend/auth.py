"""Who is calling: Amazon Cognito access tokens, verified here on every request that needs a user.

A request that writes (create, summarize, delete) must carry `Authorization: Bearer <access
token>` issued by the stack's user pool to the stack's app client. The token is accepted when
- its signature is RS256 by a key of the pool's key set (USER_POOL_JWKS_URL; the keys are cached,
  and fetched again when a token names a key id not in the cache, at most once per
  `refresh_interval` seconds, so a flood of made-up key ids cannot turn into a flood of fetches);
- `iss` is the pool (USER_POOL_ISSUER), `token_use` is `access` (an ID token is refused), `client_id`
  is the app client (USER_POOL_CLIENT_ID), `exp` is in the future (30 s of leeway for clock skew);
  AWS lists these checks in "Verifying a JSON web token" (Cognito developer guide).
The user is the token's `sub`. Without USER_POOL_ISSUER (a stack with `auth: none`) every write is
refused, unless ALLOW_ANONYMOUS_WRITES=true says on purpose that anyone may write (local runs,
the tests that are not about sign-in).

Revocation: a token stays valid until it expires (1 hour), even after the user signs out; the
API does not ask Cognito about each token (that would be a network call per request).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

log = logging.getLogger("backend.auth")

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 30
ACCESS_TOKEN_USE = "access"  # noqa: S105 (a claim value, not a password)
FETCH_TIMEOUT_SECONDS = 5
MAX_JWKS_BYTES = 64 * 1024


class AuthError(Exception):
    """The request's token is missing or not acceptable (answered 401)."""


@dataclass(frozen=True)
class User:
    """The caller, from a verified access token."""

    id: str  # `sub`: stable, opaque, unique in the pool
    username: str


def _fetch_json(url: str) -> dict[str, Any]:
    # The URL comes from the task's environment (the stack), never from a request.
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
        data: dict[str, Any] = json.loads(response.read(MAX_JWKS_BYTES))
        return data


class KeySet:
    """The pool's public keys by key id, fetched lazily and again for an unknown key id."""

    def __init__(
        self,
        url: str,
        refresh_interval: float = 60.0,
        fetch: Callable[[str], dict[str, Any]] = _fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.refresh_interval = refresh_interval
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys and self._may_fetch():
                self._load()
            if kid not in self._keys:
                raise AuthError("the token is signed with an unknown key")
            return self._keys[kid]

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self.refresh_interval

    def _load(self) -> None:
        self._fetched_at = self._clock()
        self.fetches += 1
        try:
            document = self._fetch(self.url)
        except (OSError, ValueError) as exc:
            log.warning("could not fetch the key set %s: %s", self.url, exc)
            return  # keep the keys we have; the next unknown key id tries again after the interval
        keys: dict[str, Any] = {}
        for entry in document.get("keys", []):
            if entry.get("kty") == "RSA" and entry.get("kid") and entry.get("use", "sig") == "sig":
                keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm="RS256").key
        self._keys = keys


class Verifier:
    """Checks an access token of one pool and one app client."""

    def __init__(self, issuer: str, client_id: str, keys: KeySet) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.keys = keys

    def verify(self, token: str) -> User:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthError("the token is not a JWT") from exc
        if header.get("alg") not in ALGORITHMS or not isinstance(header.get("kid"), str):
            raise AuthError("the token is not signed with RS256 by a named key")
        key = self.keys.key(header["kid"])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "sub", "token_use", "client_id"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"the token is not valid: {exc}") from exc
        if claims["token_use"] != ACCESS_TOKEN_USE:
            raise AuthError("an access token is required (this is an ID token)")
        if claims["client_id"] != self.client_id:
            raise AuthError("the token was issued to another app client")
        return User(id=str(claims["sub"]), username=str(claims.get("username", claims["sub"])))


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("sign in: an `Authorization: Bearer <access token>` header is required")
    return token.strip()
