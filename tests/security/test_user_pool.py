"""UserPool: email sign-in, a password policy, MFA in mvp, recovery by email, kept in prod;
a public app client (no secret) for server-side sign-in; the API gets what it checks tokens
with, the web what it signs users in with and the site's origins; nothing secret."""

from __future__ import annotations

import pytest

from stackctl.harness import Graph, Resource
from tests.compute_helpers import environment, secrets, task_definitions
from tests.conftest import PlanFn, plan_stack
from tests.data_helpers import only

POOL = "aws:cognito/userPool:UserPool"
CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
AUTH_ENV = {"USER_POOL_ISSUER", "USER_POOL_CLIENT_ID", "USER_POOL_JWKS_URL"}
SIGN_IN_ENV = {"USER_POOL_ISSUER", "USER_POOL_CLIENT_ID"}


@pytest.fixture(params=["dev", "prod"])
def cognito_graph(request: pytest.FixtureRequest) -> Graph:
    """Each shipped stack as shipped (`auth: cognito` is the default)."""
    return plan_stack(str(request.param))


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


def test_cognito_is_the_default_of_both_profiles(cognito_graph: Graph) -> None:
    assert pool(cognito_graph) and client(cognito_graph)


def test_the_web_gets_client_issuer_and_site_origins_and_nothing_else_of_the_pool(
    plan: PlanFn,
) -> None:
    graph = plan("prod", "@imageTag=abc1234", "auth=cognito")
    tasks = task_definitions(graph)
    web, api = environment(tasks["web"]), environment(tasks["api"])
    assert set(web) >= SIGN_IN_ENV
    assert web["USER_POOL_CLIENT_ID"] == client(graph).id == api["USER_POOL_CLIENT_ID"]
    # the web calls cognito-idp at the issuer's origin: the pool's own region
    assert web["USER_POOL_ISSUER"] == api["USER_POOL_ISSUER"]
    assert web["USER_POOL_ISSUER"].startswith("https://cognito-idp.us-east-1.amazonaws.com/")
    assert "USER_POOL_JWKS_URL" not in web and "ALLOW_ANONYMOUS_WRITES" not in web
    assert "ALLOW_ANONYMOUS_WRITES" not in api
    assert not secrets(tasks["web"]), "the app client has no secret; the web injects nothing"
    assert web["SITE_ORIGINS"] == f"https://{graph.exports['distributionDomainName']}"


def test_with_a_domain_the_web_accepts_the_apex_and_www_origins(plan: PlanFn) -> None:
    graph = plan("prod", "@imageTag=abc1234", "domain=example.com")
    web = environment(task_definitions(graph)["web"])
    assert web["SITE_ORIGINS"] == "https://example.com,https://www.example.com"


@pytest.mark.parametrize("value", ["true", "false"])
def test_the_web_offers_sign_up_only_with_the_self_sign_up_dial(plan: PlanFn, value: str) -> None:
    graph = plan("prod", "@imageTag=abc1234", "auth=cognito", f"selfSignUp={value}")
    tasks = task_definitions(graph)
    web, api = environment(tasks["web"]), environment(tasks["api"])
    if value == "true":
        assert web["SELF_SIGN_UP"] == "true"
    else:
        assert "SELF_SIGN_UP" not in web
    assert "SELF_SIGN_UP" not in api, "only the web signs users up"


@pytest.mark.parametrize(("stack", "mfa"), [("prod", True), ("dev", False)])
def test_the_web_offers_mfa_set_up_only_where_the_pool_allows_it(
    plan: PlanFn, stack: str, mfa: bool
) -> None:
    """mvp (prod) allows TOTP MFA: the web gets MFA=optional; lab (dev) has MFA off: no MFA."""
    graph = plan(stack, "@imageTag=abc1234", "auth=cognito")
    assert (pool(graph).get("mfaConfiguration") == "OPTIONAL") is mfa
    tasks = task_definitions(graph)
    web, api = environment(tasks["web"]), environment(tasks["api"])
    if mfa:
        assert web["MFA"] == "optional"
    else:
        assert "MFA" not in web
    assert "MFA" not in api, "only the web signs users in"


@pytest.mark.parametrize("mode", ["none", "open"])
def test_without_a_pool_the_web_gets_no_sign_in(plan: PlanFn, mode: str) -> None:
    graph = plan("prod", "@imageTag=abc1234", f"auth={mode}")
    tasks = task_definitions(graph)
    web, api = environment(tasks["web"]), environment(tasks["api"])
    assert not SIGN_IN_ENV & set(web)
    assert "SITE_ORIGINS" in web
    # open: both are told anyone may write (the web then shows its write form to everyone)
    assert ("ALLOW_ANONYMOUS_WRITES" in web) is (mode == "open")
    assert ("ALLOW_ANONYMOUS_WRITES" in api) is (mode == "open")
    if mode == "open":
        assert web["ALLOW_ANONYMOUS_WRITES"] == api["ALLOW_ANONYMOUS_WRITES"] == "true"
