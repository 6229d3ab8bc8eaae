"""What a CI role may never be granted (issue 20), checked on every CI configuration and seeded.

Each rule is a function over a role's statements that returns what it finds wrong; the tests run
it over the deploy and preview roles of every IAM matrix entry with CI roles (none expected), and
once over a statement list with the mistake seeded in (found). The evaluator is deliberately
simple (tests/iam_helpers.allows: Allow minus Deny by action and resource, and the conditions
read as written), so each rule also says which condition it needs.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from typing import Any

import pytest

from components.security.boundary import boundary_document
from stackctl.harness import Graph
from tests.conftest import PlanFn
from tests.iam_helpers import (
    MATRIX,
    MATRIX_IDS,
    PERMISSIONS_BOUNDARY_WRITES,
    REPO,
    as_list,
    boundary,
    ci_roles,
    statements_of,
)

ACCOUNT = "123456789012"
CI = [(s, o) for s, o in MATRIX if REPO in o]
CI_IDS = [i for (s, o), i in zip(MATRIX, MATRIX_IDS, strict=True) if REPO in o]
ROLE_WRITES = tuple(sorted(PERMISSIONS_BOUNDARY_WRITES))
EC2_MUTATIONS = (
    "ec2:ModifyInstanceAttribute",
    "ec2:StopInstances",
    "ec2:StartInstances",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "ec2:TerminateInstances",
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "ec2:DeleteVpc",
)
KMS_MUTATIONS = (
    "kms:TagResource",
    "kms:UntagResource",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
)
Rule = Callable[[list[dict[str, Any]], "Context"], list[str]]


class Context:
    def __init__(self, project: str, stack: str, region: str, boundary_arn: str) -> None:
        self.project, self.stack, self.region, self.boundary_arn = (
            project,
            stack,
            region,
            boundary_arn,
        )

    @property
    def own_roles(self) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{self.project}/{self.stack}/*"


def matching_allows(
    statements: list[dict[str, Any]], action: str, resource: str
) -> list[dict[str, Any]]:
    """Allow statements that match (action, resource) and that no unconditional Deny cancels."""

    def hits(s: dict[str, Any]) -> bool:
        action_hit = any(
            fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(s["Action"])
        )
        if "NotResource" in s:
            resource_hit = not any(
                fnmatch.fnmatchcase(resource, r) for r in as_list(s["NotResource"])
            )
        else:
            resource_hit = any(fnmatch.fnmatchcase(resource, r) for r in as_list(s["Resource"]))
        return action_hit and resource_hit

    if any(s["Effect"] == "Deny" and "Condition" not in s and hits(s) for s in statements):
        return []
    return [s for s in statements if s["Effect"] == "Allow" and hits(s)]


def condition_value(statement: dict[str, Any], key: str) -> list[str]:
    values: list[str] = []
    for operator, pairs in (statement.get("Condition") or {}).items():
        if operator.startswith(("StringEquals", "ArnEquals", "StringLike", "ArnLike")):
            for k, v in pairs.items():
                if k.lower() == key.lower():
                    values += [str(x) for x in as_list(v)]
    return values


def role_write_without_boundary(statements: list[dict[str, Any]], c: Context) -> list[str]:
    found = []
    for action in ROLE_WRITES:
        for s in matching_allows(statements, action, c.own_roles.replace("*", "app-task")):
            if condition_value(s, "iam:PermissionsBoundary") != [c.boundary_arn]:
                found.append(f"{action} in {s.get('Sid')}")
    return found


def path_to_another_stacks_roles(statements: list[dict[str, Any]], c: Context) -> list[str]:
    other = f"arn:aws:iam::{ACCOUNT}:role/{c.project}/other-stack/ci-deploy"
    return [
        f"{action} in {s.get('Sid')}"
        for action in (*ROLE_WRITES, "iam:PassRole", "iam:TagRole", "sts:AssumeRole")
        for s in matching_allows(statements, action, other)
    ]


def ec2_or_kms_mutation_outside_the_stack(
    statements: list[dict[str, Any]], c: Context
) -> list[str]:
    """A mutation must name this stack's project and stack, either as the resource's tags, as
    the tags of what a create call makes, or through a creating call (ec2:CreateAction)."""
    found = []
    resources = {
        "ec2": f"arn:aws:ec2:{c.region}:{ACCOUNT}:instance/i-0another",
        "kms": f"arn:aws:kms:{c.region}:{ACCOUNT}:key/another",
    }
    for action in (*EC2_MUTATIONS, *KMS_MUTATIONS):
        for s in matching_allows(statements, action, resources[action.split(":")[0]]):
            by_resource = condition_value(s, "aws:ResourceTag/project") == [c.project] and (
                condition_value(s, "aws:ResourceTag/stack") == [c.stack]
            )
            by_request = condition_value(s, "aws:RequestTag/project") == [c.project] and (
                condition_value(s, "aws:RequestTag/stack") == [c.stack]
            )
            on_create = bool(condition_value(s, "ec2:CreateAction"))
            if not (by_resource or (by_request and (on_create or action.startswith("kms:")))):
                found.append(f"{action} in {s.get('Sid')}")
    return found


def secrets_or_parameters_outside_the_stack(
    statements: list[dict[str, Any]], c: Context
) -> list[str]:
    found = []
    foreign = {
        "secretsmanager:GetSecretValue": f"arn:aws:secretsmanager:{c.region}:{ACCOUNT}:secret:x",
        "secretsmanager:PutSecretValue": f"arn:aws:secretsmanager:{c.region}:{ACCOUNT}:secret:x",
        "secretsmanager:DeleteSecret": f"arn:aws:secretsmanager:{c.region}:{ACCOUNT}:secret:x",
        "ssm:GetParameter": f"arn:aws:ssm:{c.region}:{ACCOUNT}:parameter/other/secret",
        "ssm:GetParameters": f"arn:aws:ssm:{c.region}:{ACCOUNT}:parameter/other/secret",
    }
    for action, resource in foreign.items():
        for s in matching_allows(statements, action, resource):
            tagged = condition_value(s, "aws:ResourceTag/stack") == [c.stack] and (
                condition_value(s, "aws:ResourceTag/project") == [c.project]
            )
            via_service = "aws:ViaAWSService" in str(s.get("Condition"))
            rds = any(
                condition_value(s, f"aws:ResourceTag/{k}") for k in ("aws:rds:primaryDBClusterArn",)
            )
            if not (tagged or via_service or rds):
                found.append(f"{action} in {s.get('Sid')}")
    return found


RULES: dict[str, Rule] = {
    "role write without the boundary": role_write_without_boundary,
    "path to another stack's roles": path_to_another_stacks_roles,
    "EC2 or KMS mutation outside this project and stack": ec2_or_kms_mutation_outside_the_stack,
    "secrets or parameters outside this stack": secrets_or_parameters_outside_the_stack,
}


def context(graph: Graph) -> Context:
    region = graph.config.get("aws:region", "us-east-1")
    return Context(graph.project, graph.stack, region, boundary(graph).outputs["arn"])


@pytest.mark.parametrize("rule", list(RULES), ids=list(RULES))
@pytest.mark.parametrize(("stack", "overrides"), CI, ids=CI_IDS)
def test_no_ci_role_is_granted(
    rule: str, plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    for purpose, role in ci_roles(graph).items():
        assert RULES[rule](statements_of(graph, role), context(graph)) == [], purpose


SEEDED: dict[str, dict[str, Any]] = {
    # issue 20, finding 1: trust policy rewrites on every role of the project
    "role write without the boundary": {
        "Effect": "Allow",
        "Action": ["iam:UpdateAssumeRolePolicy", "iam:DeleteRole"],
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/fullstack/*",
    },
    "path to another stack's roles": {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": f"arn:aws:iam::{ACCOUNT}:role/fullstack/*",
    },
    # findings 2 and 3: any instance, any resource's tags
    "EC2 or KMS mutation outside this project and stack": {
        "Effect": "Allow",
        "Action": ["ec2:ModifyInstanceAttribute", "ec2:CreateTags", "kms:TagResource"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
    },
    # findings 4 and 5: every secret, every parameter
    "secrets or parameters outside this stack": {
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameter"],
        "Resource": "*",
    },
}


DROPPED = {"path to another stack's roles": "NeverTouchAnotherStacksRoles"}


@pytest.mark.parametrize("rule", list(RULES), ids=list(RULES))
def test_each_rule_catches_its_seeded_mistake(rule: str, plan: PlanFn) -> None:
    graph = plan("dev", "images=build", REPO)
    deploy = statements_of(graph, ci_roles(graph)["deploy"])
    assert RULES[rule](deploy, context(graph)) == []
    # the seeded mistake, with the deny that would cover it removed (a later edit dropping both)
    seeded = [s for s in deploy if s.get("Sid") != DROPPED.get(rule)]
    assert RULES[rule]([*seeded, SEEDED[rule]], context(graph)) != []


# -- the boundary (every role the deploy role may create) -----------------------------------------


def test_the_boundary_reads_only_this_stacks_secrets_and_parameters() -> None:
    """Findings 4 and 7: the boundary caps every role of the stack, the NAT instance's
    AmazonSSMManagedInstanceCore (GetParameter on every parameter) included."""
    document = boundary_document(
        account=ACCOUNT,
        region="us-east-1",
        name_prefix="fullstack-dev",
        log_prefix="/fullstack/dev",
        stack_tags={"project": "fullstack", "stack": "dev"},
    )
    c = Context("fullstack", "dev", "us-east-1", "unused")
    assert secrets_or_parameters_outside_the_stack(document["Statement"], c) == []
    own = matching_allows(
        document["Statement"],
        "ssm:GetParameter",
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/fullstack/dev/x",
    )
    assert own, "the stack's own parameters stay readable"
    database = matching_allows(
        document["Statement"],
        "secretsmanager:GetSecretValue",
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!cluster-1234-AbCdEf",
    )
    (statement,) = [s for s in database if "rds" in s["Resource"]]
    assert statement["Condition"] == {
        "StringLike": {
            "aws:ResourceTag/aws:rds:primaryDBClusterArn": (
                f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:fullstack-dev-*"
            )
        }
    }


def test_the_preview_role_reads_only_public_parameters_and_the_deployed_tag(plan: PlanFn) -> None:
    """Finding 5; and the image tag `pulumi preview` reads (components/compute/deployed_tag.py)."""
    graph = plan("dev", "images=build", REPO)
    preview = statements_of(graph, ci_roles(graph)["preview"])
    parameter = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter"
    for name in ("/x", "/fullstack/dev/app-secret-key", "/fullstack/prod/release/image-tag"):
        assert matching_allows(preview, "ssm:GetParameter", f"{parameter}{name}") == [], name
    for path in ("/fullstack/dev", "/fullstack", "/fullstack/prod/release"):
        assert matching_allows(preview, "ssm:GetParametersByPath", f"{parameter}{path}") == []
    assert matching_allows(
        preview,
        "ssm:GetParameter",
        "arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/x",
    )
    assert matching_allows(
        preview, "ssm:GetParameter", f"{parameter}/fullstack/dev/release/image-tag"
    )
    assert matching_allows(preview, "ssm:GetParametersByPath", f"{parameter}/fullstack/dev/release")


def test_the_deploy_role_writes_and_reads_only_this_stacks_image_tag(plan: PlanFn) -> None:
    """CI writes the deployed tag (deploy-stack, rollback.yml); `pulumi up` reads its path."""
    graph = plan("dev", "images=build", REPO)
    deploy = statements_of(graph, ci_roles(graph)["deploy"])
    parameter = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter"
    for action in ("ssm:PutParameter", "ssm:GetParameter"):
        assert matching_allows(deploy, action, f"{parameter}/fullstack/dev/release/image-tag")
        assert (
            matching_allows(deploy, action, f"{parameter}/fullstack/prod/release/image-tag") == []
        )
    assert matching_allows(deploy, "ssm:GetParametersByPath", f"{parameter}/fullstack/dev/release")
    for path in ("/fullstack/dev", "/fullstack", "/fullstack/prod/release"):
        assert matching_allows(deploy, "ssm:GetParametersByPath", f"{parameter}{path}") == [], path


def test_the_deploy_role_can_wake_only_this_stacks_nat_instance(plan: PlanFn) -> None:
    """The release steps (another change) start a sleeping NAT instance before a migration."""
    graph = plan("dev", "images=build", REPO)
    deploy = statements_of(graph, ci_roles(graph)["deploy"])
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123"
    (start,) = matching_allows(deploy, "ec2:StartInstances", instance)
    assert condition_value(start, "aws:ResourceTag/project") == ["fullstack"]
    assert condition_value(start, "aws:ResourceTag/stack") == ["dev"]
    assert matching_allows(deploy, "ec2:DescribeInstances", "*")
    assert matching_allows(deploy, "sts:GetCallerIdentity", "*")
    run = matching_allows(
        deploy,
        "ecs:RunTask",
        f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/fullstack-dev-api:3",
    )
    assert run


def test_the_deploy_role_assumes_only_the_first_configured_role(plan: PlanFn) -> None:
    """With `aws:assumeRoles`, the release steps assume its first role with CI's credentials."""
    first = f"arn:aws:iam::{ACCOUNT}:role/deployers/release"
    graph = plan(
        "dev",
        "images=build",
        REPO,
        "aws:assumeRoles="
        + json.dumps([{"roleArn": first}, {"roleArn": "arn:aws:iam::210987654321:role/x"}]),
    )
    deploy = statements_of(graph, ci_roles(graph)["deploy"])
    assert matching_allows(deploy, "sts:AssumeRole", first)
    assert not matching_allows(deploy, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/other")
    unset = statements_of(plan("dev", "images=build", REPO), ci_roles(graph)["deploy"])
    assert not [
        s for s in unset if "sts:AssumeRole" in as_list(s["Action"]) and s["Effect"] == "Allow"
    ]
