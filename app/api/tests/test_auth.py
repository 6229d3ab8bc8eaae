"""Sign-in: the API accepts writes only with an access token of the stack's pool and client.

Real tokens from moto's cognito-idp server (tests/cognito.py), verified against the key set the
server publishes; forged ones signed with moto's own key (expired) or a key of our own.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from backend.auth import AuthError, KeySet, Verifier
from backend.main import create_app
from tests.cognito import Pool, cognito_server, forge, new_pool
from tests.conftest import DbInfo

ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    with cognito_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def pool(idp: str) -> Pool:
    made = new_pool(idp)
    made.add_user(ALICE)
    made.add_user(BOB)
    return made


@pytest.fixture
def api(
    migrated_db: DbInfo, redis_env: dict[str, str], pool: Pool, clean_env: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    clean_env.delenv("ALLOW_ANONYMOUS_WRITES", raising=False)
    for key, value in pool.env.items():
        clean_env.setenv(key, value)
    with TestClient(create_app()) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def access(pool: Pool, email: str) -> str:
    return pool.sign_in(email)["AccessToken"]


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def create(api: TestClient, headers: dict[str, str]) -> int:
    answer = api.post("/api/notes", json={"title": "mine"}, headers=headers)
    assert answer.status_code == 201, answer.text
    note_id: int = answer.json()["id"]
    return note_id


def test_a_valid_access_token_writes_and_the_note_records_its_author(api: TestClient, pool: Pool) -> None:
    token = access(pool, ALICE)
    note_id = create(api, bearer(token))
    note = api.get(f"/api/notes/{note_id}").json()  # reading needs no sign-in
    assert note["author_id"] == claims_of(token)["sub"]


def test_no_token_is_refused_with_401(api: TestClient) -> None:
    answer = api.post("/api/notes", json={"title": "anonymous"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert (
        api.post("/api/notes", json={"title": "x"}, headers={"Authorization": "Basic abc"}).status_code == 401
    )
    assert api.get("/api/notes").json() == []


def test_an_expired_token_is_refused(api: TestClient, pool: Pool) -> None:
    claims = claims_of(access(pool, ALICE))
    now = int(time.time())
    expired = forge({**claims, "iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600})
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(expired)).status_code == 401
    # the same claims, not expired, signed the same way: accepted (the forgery itself is sound)
    fresh = forge({**claims, "exp": now + 600})
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(fresh)).status_code == 201


def test_another_pools_token_is_refused(api: TestClient, pool: Pool, idp: str) -> None:
    other = new_pool(idp)
    other.add_user(ALICE)
    token = other.sign_in(ALICE)["AccessToken"]
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(token)).status_code == 401
    # moto signs every pool's tokens with one key and its client ids differ, so the real token
    # above is also refused for its client: our pool's claims with only `iss` changed isolate
    # the issuer check.
    claims = {**claims_of(access(pool, ALICE)), "iss": other.issuer}
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(forge(claims))).status_code == 401


def test_another_clients_token_is_refused(api: TestClient, pool: Pool) -> None:
    token = pool.sign_in(ALICE, client_id=pool.add_client())["AccessToken"]
    assert claims_of(token)["client_id"] != pool.client_id
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(token)).status_code == 401


def test_an_id_token_is_refused_where_an_access_token_is_needed(api: TestClient, pool: Pool) -> None:
    token = pool.sign_in(ALICE)["IdToken"]
    assert claims_of(token)["token_use"] == "id"
    answer = api.post("/api/notes", json={"title": "x"}, headers=bearer(token))
    assert answer.status_code == 401
    # moto's ID token also lacks `client_id` and has `aud`: an access token's claims with only
    # `token_use` changed isolate the token_use check.
    claims = {**claims_of(access(pool, ALICE)), "token_use": "id"}
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(forge(claims))).status_code == 401


def test_a_tampered_token_is_refused(api: TestClient, pool: Pool) -> None:
    header, _, signature = access(pool, ALICE).split(".")
    claims = claims_of(access(pool, BOB))
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{payload}.{signature}"
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(tampered)).status_code == 401


def test_a_token_signed_with_another_key_is_refused(api: TestClient, pool: Pool) -> None:
    claims = claims_of(access(pool, ALICE))
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = forge(claims, key=own_key)
    assert api.post("/api/notes", json={"title": "x"}, headers=bearer(foreign)).status_code == 401


def test_only_the_author_deletes_or_summarizes(api: TestClient, pool: Pool) -> None:
    alice, bob = bearer(access(pool, ALICE)), bearer(access(pool, BOB))
    note_id = create(api, alice)
    assert api.delete(f"/api/notes/{note_id}", headers=bob).status_code == 403
    assert api.post(f"/api/notes/{note_id}/summarize", headers=bob).status_code == 403
    assert api.delete(f"/api/notes/{note_id}").status_code == 401
    assert api.delete(f"/api/notes/{note_id + 1000}", headers=bob).status_code == 404
    assert api.post(f"/api/notes/{note_id}/summarize", headers=alice).status_code == 202
    assert api.delete(f"/api/notes/{note_id}", headers=alice).status_code == 204


def test_an_idempotency_key_does_not_replay_another_users_answer(api: TestClient, pool: Pool) -> None:
    alice, bob = bearer(access(pool, ALICE)), bearer(access(pool, BOB))
    key = {"Idempotency-Key": "same-key-0001"}
    assert api.post("/api/notes", json={"title": "t"}, headers={**alice, **key}).status_code == 201
    assert api.post("/api/notes", json={"title": "t"}, headers={**bob, **key}).status_code == 409


def test_without_a_pool_writes_are_refused_unless_anonymous_writes_are_allowed(
    migrated_db: DbInfo, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.delenv("ALLOW_ANONYMOUS_WRITES", raising=False)
    with TestClient(create_app()) as client:
        assert client.post("/api/notes", json={"title": "x"}).status_code == 401
    clean_env.setenv("ALLOW_ANONYMOUS_WRITES", "true")
    with TestClient(create_app()) as client:
        assert client.post("/api/notes", json={"title": "x"}).status_code == 201


def test_the_key_set_is_cached_and_refetched_at_most_once_an_interval(pool: Pool) -> None:
    now = [0.0]
    keys = KeySet(pool.jwks_url, refresh_interval=60, clock=lambda: now[0])
    verifier = Verifier(pool.issuer, pool.client_id, keys)
    for _ in range(3):
        verifier.verify(access(pool, ALICE))
    assert keys.fetches == 1  # the known key id: one fetch
    now[0] += 61
    for _ in range(5):  # unknown key ids: at most one fetch per interval
        with pytest.raises(AuthError):
            verifier.verify(forge(claims_of(access(pool, ALICE)), kid="rotated-key"))
    assert keys.fetches == 2
    now[0] += 61
    with pytest.raises(AuthError):
        verifier.verify(forge(claims_of(access(pool, ALICE)), kid="rotated-key"))
    assert keys.fetches == 3
