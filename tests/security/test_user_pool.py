"""UserPool: email sign-in, a password policy, MFA in mvp, recovery by email, kept in prod;
a public app client (no secret) for server-side sign-in; its outputs reach the API only."""

from __future__ import annotations

import pytest

from stackctl.harness import Graph, Resource
from tests.compute_helpers import environment, task_definitions
from tests.conftest import PlanFn, plan_stack
from tests.data_helpers import only

POOL = "aws:cognito/userPool:UserPool"
CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
AUTH_ENV = {"USER_POOL_ISSUER", "USER_POOL_CLIENT_ID", "USER_POOL_JWKS_URL"}


@pytest.fixture(params=["dev", "prod"])
def cognito_graph(request: pytest.FixtureRequest) -> Graph:
    """Each shipped stack with `auth: cognito` (the default is `open` until the web signs users
    in)."""
    return plan_stack(str(request.param), "auth=cognito")


def pool(graph: Graph) -> Resource:
    return only(graph.of_type(POOL))


def client(graph: Graph) -> Resource:
    return only(graph.of_type(CLIENT))


def test_users_sign_in_with_a_verified_email(cognito_graph: Graph) -> None:
    found = pool(cognito_graph)
    assert found.get("usernameAttributes") == ["email"]
    assert found.get("autoVerifiedAttributes") == ["email"]
    assert not found.get("aliasAttributes")
    assert found.get("usernameConfiguration") == {"caseSensitive": False}
    assert found.get("userPoolTier") == "ESSENTIALS"


def test_password_policy(cognito_graph: Graph) -> None:
    policy = pool(cognito_graph).get("passwordPolicy")
    assert policy["minimumLength"] >= 12
    assert policy["requireLowercase"] and policy["requireUppercase"] and policy["requireNumbers"]


def test_forgotten_passwords_are_recovered_by_email_only(cognito_graph: Graph) -> None:
    setting = pool(cognito_graph).get("accountRecoverySetting")
    assert setting == {"recoveryMechanisms": [{"name": "verified_email", "priority": 1}]}


def test_totp_mfa_is_optional_in_mvp_and_off_in_the_lab(plan: PlanFn) -> None:
    prod, dev = pool(plan("prod", "auth=cognito")), pool(plan("dev", "auth=cognito"))
    assert prod.get("mfaConfiguration") == "OPTIONAL"
    assert prod.get("softwareTokenMfaConfiguration") == {"enabled": True}
    assert dev.get("mfaConfiguration") == "OFF"
    assert not dev.get("softwareTokenMfaConfiguration")


@pytest.mark.parametrize("value", ["true", "false"])
def test_self_sign_up_dial(plan: PlanFn, value: str) -> None:
    config = pool(plan("dev", "auth=cognito", f"selfSignUp={value}")).get("adminCreateUserConfig")
    assert config["allowAdminCreateUserOnly"] is (value == "false")


def test_prod_pool_has_deletion_protection_and_lab_pool_does_not(plan: PlanFn) -> None:
    prod, dev = pool(plan("prod", "auth=cognito")), pool(plan("dev", "auth=cognito"))
    assert prod.get("deletionProtection") == "ACTIVE" and prod.protect
    assert dev.get("deletionProtection") == "INACTIVE" and not dev.protect


def test_app_client_has_no_secret_and_only_password_and_refresh_flows(
    cognito_graph: Graph,
) -> None:
    found = client(cognito_graph)
    assert found.get("userPoolId") == pool(cognito_graph).id
    assert found.get("generateSecret") is False
    assert sorted(found.get("explicitAuthFlows")) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
    ]
    assert found.get("enableTokenRevocation") is True
    assert found.get("preventUserExistenceErrors") == "ENABLED"


def test_the_api_gets_issuer_client_and_key_set_and_nothing_secret(plan: PlanFn) -> None:
    graph = plan("prod", "auth=cognito", "@imageTag=abc1234", "worker.enabled=true")
    tasks = task_definitions(graph)
    env = environment(tasks["api"])
    pool_id = pool(graph).id
    assert env["USER_POOL_ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert env["USER_POOL_JWKS_URL"] == env["USER_POOL_ISSUER"] + "/.well-known/jwks.json"
    assert env["USER_POOL_CLIENT_ID"] == client(graph).id
    # the worker does not `use` auth (the migration runs the api's task definition's copy)
    assert not AUTH_ENV & set(environment(tasks["worker"]))
    assert graph.exports["authIssuer"] == env["USER_POOL_ISSUER"]
    assert graph.exports["userPoolClientId"] == env["USER_POOL_CLIENT_ID"]


def test_auth_none_creates_no_pool_and_no_auth_environment(plan: PlanFn) -> None:
    graph = plan("prod", "@imageTag=abc1234", "auth=none")
    assert not graph.of_type(POOL) and not graph.of_type(CLIENT)
    assert not AUTH_ENV & set(environment(task_definitions(graph)["api"]))
    assert "authIssuer" not in graph.exports
