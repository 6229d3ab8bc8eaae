"""A Cognito user pool for the tests: moto's cognito-idp in server mode (ThreadedMotoServer).

moto signs real RS256 JWTs and serves the pool's key set at /<pool id>/.well-known/jwks.json;
its `iss` is always the real AWS host (https://cognito-idp.<region>.amazonaws.com/<pool id>),
so the API is given the issuer and the key set URL separately, as the stack gives them. moto
signs every pool's tokens with one key it ships (resources/jwks-private.json.gz): another
pool's token is refused by the issuer check, not by the signature; the tests forge tokens (an
expired one) with that same key.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

import boto3
import jwt
from moto.server import ThreadedMotoServer

from tests.servers import free_port

REGION = "us-east-1"
PASSWORD = "Correct-Horse-9-battery"


@dataclass
class Pool:
    endpoint: str  # the moto server's URL
    pool_id: str
    client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"

    @property
    def env(self) -> dict[str, str]:
        return {
            "USER_POOL_ISSUER": self.issuer,
            "USER_POOL_CLIENT_ID": self.client_id,
            "USER_POOL_JWKS_URL": self.jwks_url,
        }

    def client(self) -> Any:
        return boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def add_client(self) -> str:
        """Another app client of this pool (no secret), as the stack's is."""
        made = self.client().create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=f"other-{secrets.token_hex(3)}",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        return str(made["UserPoolClient"]["ClientId"])

    def add_user(self, email: str) -> None:
        idp = self.client()
        idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True
        )

    def sign_in(self, email: str, client_id: str | None = None) -> dict[str, str]:
        """The tokens of USER_PASSWORD_AUTH (what the web's server does)."""
        answer = self.client().initiate_auth(
            ClientId=client_id or self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        result: dict[str, str] = answer["AuthenticationResult"]
        return result


def new_pool(endpoint: str) -> Pool:
    idp = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool = idp.create_user_pool(
        PoolName=f"users-{secrets.token_hex(3)}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]
    made = Pool(endpoint, str(pool["Id"]), "")
    made.client_id = made.add_client()
    return made


@contextmanager
def cognito_server() -> Iterator[str]:
    """moto's server on a free local port; yields its URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def moto_signing_key() -> tuple[Any, str]:
    """The private key (and key id) moto signs every token with."""
    data = resources.files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz").read_bytes()
    jwk = json.loads(gzip.decompress(data))
    return jwt.PyJWK(jwk, algorithm="RS256").key, str(jwk.get("kid", "dummy"))


def forge(claims: dict[str, Any], key: Any = None, kid: str | None = None) -> str:
    """A token with `claims`, signed with moto's key (or `key`)."""
    moto_key, moto_kid = moto_signing_key()
    return jwt.encode(claims, key or moto_key, algorithm="RS256", headers={"kid": kid or moto_kid})
