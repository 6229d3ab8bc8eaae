"""CI identity: GitHub OIDC trust per role, least-privilege policies, provider create or lookup."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn

REPO = "githubRepo=acme/shop"
HOST = "token.actions.githubusercontent.com"


def roles(graph: Graph) -> dict[str, Resource]:
    found = {}
    for role in graph.of_type("aws:iam/role:Role"):
        for purpose in ("preview", "deploy"):
            if role.name == f"ci-{purpose}":
                found[purpose] = role
    return found


def trust(role: Resource) -> dict[str, Any]:
    (statement,) = json.loads(role.get("assumeRolePolicy"))["Statement"]
    return dict(statement)


def policy_of(graph: Graph, role: Resource) -> list[dict[str, Any]]:
    (policy,) = [
        p for p in graph.of_type("aws:iam/rolePolicy:RolePolicy") if p.get("role") == role.id
    ]
    return list(json.loads(policy.get("policy"))["Statement"])


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


@pytest.fixture
def ci_graph(plan: PlanFn) -> Graph:
    return plan(
        "prod",
        REPO,
        "stateBucket=acme-pulumi-state",
        "secretsKeyArn=arn:aws:kms:us-east-1:123456789012:alias/pulumi",
    )


def test_no_ci_roles_without_a_repository(stack_graph: Graph) -> None:
    assert roles(stack_graph) == {}
    assert stack_graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []


def test_the_github_oidc_provider_is_created_for_sts(ci_graph: Graph) -> None:
    (provider,) = ci_graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.get("url") == f"https://{HOST}"
    assert provider.get("clientIdLists") == ["sts.amazonaws.com"]


def test_an_existing_provider_is_looked_up_not_created(plan: PlanFn) -> None:
    graph = plan("dev", REPO, "githubOidcProvider=existing")
    assert graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    lookups = [a for t, a in graph.calls if t.endswith("getOpenIdConnectProvider")]
    assert lookups == [{"url": f"https://{HOST}"}]
    principal = trust(roles(graph)["deploy"])["Principal"]["Federated"]
    assert principal == f"arn:aws:iam::123456789012:oidc-provider/{HOST}"


def test_preview_role_trusts_only_pull_requests_of_the_repository(ci_graph: Graph) -> None:
    statement = trust(roles(ci_graph)["preview"])
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = statement["Condition"]
    assert list(condition) == ["StringEquals"], "no StringLike: no wildcards"
    assert condition["StringEquals"][f"{HOST}:aud"] == "sts.amazonaws.com"
    assert condition["StringEquals"][f"{HOST}:sub"] == ["repo:acme/shop:pull_request"]


def test_deploy_role_trusts_main_and_the_production_environment_only(ci_graph: Graph) -> None:
    condition = trust(roles(ci_graph)["deploy"])["Condition"]
    assert list(condition) == ["StringEquals"]
    assert condition["StringEquals"][f"{HOST}:aud"] == "sts.amazonaws.com"
    assert condition["StringEquals"][f"{HOST}:sub"] == [
        "repo:acme/shop:ref:refs/heads/main",
        "repo:acme/shop:environment:production",
    ]


def test_trust_subjects_have_no_wildcards(ci_graph: Graph) -> None:
    for role in roles(ci_graph).values():
        for subject in trust(role)["Condition"]["StringEquals"][f"{HOST}:sub"]:
            assert "*" not in subject and "?" not in subject


def test_preview_role_can_only_read(ci_graph: Graph) -> None:
    statements = policy_of(ci_graph, roles(ci_graph)["preview"])
    writes = {"s3:PutObject", "s3:DeleteObject"}
    for statement in statements:
        for action in actions(statement):
            verb = action.split(":")[1]
            if action in writes:
                assert statement["Resource"] == "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/*"
                continue
            assert verb.startswith(("Describe", "List", "Get")) or action in {"kms:Decrypt"}, action
    all_actions = {a for s in statements for a in actions(s)}
    assert "secretsmanager:GetSecretValue" not in all_actions
    assert "s3:GetObject" in all_actions  # the state file only:
    state_read = next(s for s in statements if s.get("Sid") == "ReadStateAndLocks")
    assert state_read["Resource"] == "arn:aws:s3:::acme-pulumi-state/.pulumi/*"


def test_no_role_has_administrator_access(ci_graph: Graph) -> None:
    attachments = ci_graph.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not any("AdministratorAccess" in str(a.get("policyArn")) for a in attachments)
    for role in roles(ci_graph).values():
        for statement in policy_of(ci_graph, role):
            assert "*" not in actions(statement) and "iam:*" not in actions(statement)


def test_deploy_role_manages_iam_only_under_the_project_path(ci_graph: Graph) -> None:
    statements = policy_of(ci_graph, roles(ci_graph)["deploy"])
    for statement in statements:
        iam_actions = [a for a in actions(statement) if a.startswith("iam:")]
        if not iam_actions or statement["Sid"] == "GlobalReads":
            continue
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        for resource in resources:
            assert resource.startswith("arn:aws:iam::123456789012:"), resource
            assert any(
                part in resource for part in ("/fullstack/", "oidc-provider/", "aws-service-role/")
            ), resource
    pass_role = next(s for s in statements if s["Sid"] == "PassOnlyProjectRoles")
    assert pass_role["Resource"] == "arn:aws:iam::123456789012:role/fullstack/*"


def test_deploy_role_acts_only_in_the_stack_regions(ci_graph: Graph) -> None:
    statements = policy_of(ci_graph, roles(ci_graph)["deploy"])
    broad = next(s for s in statements if s["Sid"] == "ManageStackServicesInItsRegions")
    assert broad["Condition"] == {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}
    eu = policy_of(plan_eu := _plan_eu(), roles(plan_eu)["deploy"])
    broad_eu = next(s for s in eu if s["Sid"] == "ManageStackServicesInItsRegions")
    assert broad_eu["Condition"]["StringEquals"]["aws:RequestedRegion"] == [
        "eu-west-1",
        "us-east-1",
    ]


def _plan_eu() -> Graph:
    from tests.conftest import plan_stack

    return plan_stack("dev", REPO, "aws:region=eu-west-1")


def test_roles_use_the_state_bucket_and_secrets_key_when_given(ci_graph: Graph) -> None:
    deploy = policy_of(ci_graph, roles(ci_graph)["deploy"])
    key = next(s for s in deploy if s["Sid"] == "UseStackSecretsKey")
    assert key["Resource"] == "arn:aws:kms:us-east-1:123456789012:alias/pulumi"
    assert set(actions(key)) == {
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
    }
    write = next(s for s in deploy if s["Sid"] == "WriteStateOrLocks")
    assert write["Resource"] == "arn:aws:s3:::acme-pulumi-state/.pulumi/*"


def test_ci_roles_live_under_the_project_path(ci_graph: Graph) -> None:
    for role in roles(ci_graph).values():
        assert role.get("path") == "/fullstack/"


def test_role_arns_are_exported_for_the_workflows(ci_graph: Graph) -> None:
    assert (
        ci_graph.exports["ciPreviewRoleArn"].endswith("ci-preview")
        or ci_graph.exports["ciPreviewRoleArn"]
    )
    assert "ciDeployRoleArn" in ci_graph.exports
