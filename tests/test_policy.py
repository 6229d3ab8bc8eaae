"""The policy pack's rules: 0 violations on our stacks, and each rule fires on a bad resource.

The rules are pure functions (policy/rules.py); here they run offline over the recorded Graph
(stackctl.policy_check) and, through policy/pack.py, as the pulumi_policy policies the pack
registers (validate called directly: no Pulumi CLI needed).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.pack import build_policies
from policy.rules import (
    ADVISORY,
    MANDATORY,
    RULES,
    StackResource,
    Violation,
    check_resources,
)
from stackctl.policy_check import check_graph

DEPLOYED = "imageTag=abc123"
CONFIGURATIONS = [
    ("dev",),
    ("prod",),
    ("dev", "images=registry", DEPLOYED),
    ("prod", DEPLOYED),
    ("dev", "images=registry", DEPLOYED, "nat=gateway", "redis=true"),
    ("dev", "images=registry", DEPLOYED, "interfaceEndpoints=true", "flowLogs=true"),
    ("prod", DEPLOYED, "nat=gatewayPerAz", "containerInsights=false"),
    ("prod", DEPLOYED, "fargateSpot=true", "cpuArchitecture=X86_64"),
]


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=" ".join)
def test_stack_has_no_policy_violations(plan, configuration) -> None:
    violations = check_graph(plan(*configuration))
    assert violations == [], "\n".join(str(v) for v in violations)


def test_every_rule_is_mandatory_or_advisory_with_a_reason() -> None:
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.level in (MANDATORY, ADVISORY)
        assert rule.reason and rule.description and rule.types


# -- one bad resource per rule ----------------------------------------------------------------


def _r(type_: str, logical: str, /, id_: str = "", **props: Any) -> StackResource:
    return StackResource(
        type=type_, name=logical, urn=f"urn:{logical}", props=props, id=id_ or f"{logical}-id"
    )


TLS_ONLY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
    }
)


def _bucket_set(
    *, sse: bool = True, block: bool = True, tls: bool = True, public_policy: bool = False
) -> list[StackResource]:
    resources = [_r("aws:s3/bucket:Bucket", "bucket", id_="b-1", bucket="b-1")]
    if sse:
        resources.append(
            _r(
                "aws:s3/bucketServerSideEncryptionConfiguration:"
                "BucketServerSideEncryptionConfiguration",
                "bucket-sse",
                bucket="b-1",
                rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
            )
        )
    if block:
        resources.append(
            _r(
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                "bucket-pab",
                bucket="b-1",
                blockPublicAcls=True,
                blockPublicPolicy=True,
                ignorePublicAcls=True,
                restrictPublicBuckets=True,
            )
        )
    statements = json.loads(TLS_ONLY)["Statement"] if tls else []
    if public_policy:
        statements.append(
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        )
    resources.append(
        _r(
            "aws:s3/bucketPolicy:BucketPolicy",
            "bucket-policy",
            bucket="b-1",
            policy=json.dumps({"Statement": statements}),
        )
    )
    return resources


SECRET_IN_ENV = json.dumps(
    [
        {
            "name": "api",
            "environment": [
                {"name": "DB_HOST", "value": "db"},
                {"name": "DB_PASSWORD", "value": "hunter2hunter2"},
            ],
        }
    ]
)

# rule name -> (resources with the bad one, profile, edge, the bad resource's name)
BAD: dict[str, tuple[list[StackResource], str, str, str]] = {
    "service-role-has-boundary": (
        [
            _r(
                "aws:iam/role:Role",
                "task-role",
                assumeRolePolicy=json.dumps(
                    {"Statement": [{"Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
                ),
            )
        ],
        "lab",
        "vpcOrigin",
        "task-role",
    ),
    "iam-no-admin-actions": (
        [
            _r(
                "aws:iam/rolePolicy:RolePolicy",
                "admin",
                policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "iam:*"}]}),
            )
        ],
        "lab",
        "vpcOrigin",
        "admin",
    ),
    "aurora-encrypted-at-rest": (
        [_r("aws:rds/cluster:Cluster", "db", storageEncrypted=False)],
        "lab",
        "vpcOrigin",
        "db",
    ),
    "redis-encrypted": (
        [
            _r(
                "aws:elasticache/replicationGroup:ReplicationGroup",
                "cache",
                atRestEncryptionEnabled=False,
                transitEncryptionEnabled=True,
            )
        ],
        "lab",
        "vpcOrigin",
        "cache",
    ),
    "s3-encrypted-at-rest": (_bucket_set(sse=False), "lab", "vpcOrigin", "bucket"),
    "sns-encrypted-at-rest": (
        [_r("aws:sns/topic:Topic", "alarms", name="alarms")],
        "lab",
        "vpcOrigin",
        "alarms",
    ),
    "s3-no-public-access": (_bucket_set(public_policy=True), "lab", "vpcOrigin", "bucket"),
    "sg-no-open-ingress": (
        [
            _r(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "ssh",
                cidrIpv4="0.0.0.0/0",
                ipProtocol="tcp",
                fromPort=22,
                toPort=22,
            )
        ],
        "lab",
        "public",
        "ssh",
    ),
    "task-no-public-ip": (
        [
            _r(
                "aws:ecs/service:Service",
                "api",
                networkConfiguration={"assignPublicIp": True, "subnets": ["s"]},
            )
        ],
        "lab",
        "vpcOrigin",
        "api",
    ),
    "task-no-plaintext-secret": (
        [
            _r(
                "aws:ecs/taskDefinition:TaskDefinition",
                "api-task",
                containerDefinitions=SECRET_IN_ENV,
            )
        ],
        "lab",
        "vpcOrigin",
        "api-task",
    ),
    "alb-internal-with-vpc-origin": (
        [
            _r(
                "aws:lb/loadBalancer:LoadBalancer",
                "alb",
                internal=False,
                loadBalancerType="application",
                enableDeletionProtection=True,
            )
        ],
        "lab",
        "vpcOrigin",
        "alb",
    ),
    "mvp-deletion-protection": (
        [
            _r(
                "aws:rds/cluster:Cluster",
                "db",
                storageEncrypted=True,
                deletionProtection=False,
                skipFinalSnapshot=True,
            )
        ],
        "mvp",
        "vpcOrigin",
        "db",
    ),
    "log-retention-set": (
        [_r("aws:cloudwatch/logGroup:LogGroup", "logs", name="/app")],
        "lab",
        "vpcOrigin",
        "logs",
    ),
    "imdsv2-required": (
        [_r("aws:ec2/instance:Instance", "nat", metadataOptions={"httpTokens": "optional"})],
        "lab",
        "vpcOrigin",
        "nat",
    ),
    "ecr-scan-on-push": (
        [
            _r(
                "aws:ecr/repository:Repository",
                "repo",
                imageScanningConfiguration={"scanOnPush": False},
            )
        ],
        "lab",
        "vpcOrigin",
        "repo",
    ),
    "s3-tls-only": (_bucket_set(tls=False), "lab", "vpcOrigin", "bucket"),
}


def test_every_rule_has_a_firing_test() -> None:
    assert set(BAD) == {rule.name for rule in RULES}


@pytest.mark.parametrize("rule_name", sorted(BAD))
def test_rule_fires_on_a_bad_resource(rule_name: str) -> None:
    resources, profile, edge, bad = BAD[rule_name]
    violations = check_resources(resources, profile, edge)
    fired = [v for v in violations if v.rule == rule_name]
    assert fired and {v.resource for v in fired} == {bad}, violations
    level = next(r.level for r in RULES if r.name == rule_name)
    assert all(v.level == level for v in fired)


def test_open_https_is_allowed_only_on_a_public_edge() -> None:
    https = [
        _r(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "https",
            cidrIpv4="0.0.0.0/0",
            ipProtocol="tcp",
            fromPort=443,
            toPort=443,
        )
    ]
    assert check_resources(https, "lab", "public") == []
    assert [v.rule for v in check_resources(https, "lab", "vpcOrigin")] == ["sg-no-open-ingress"]


def test_mvp_rules_do_not_apply_to_the_lab_profile() -> None:
    resources, _, edge, _ = BAD["mvp-deletion-protection"]
    assert [
        v for v in check_resources(resources, "lab", edge) if v.rule == "mvp-deletion-protection"
    ] == []


def test_secret_references_in_the_environment_are_allowed() -> None:
    definitions = json.dumps(
        [
            {
                "name": "api",
                "environment": [
                    {
                        "name": "DB_SECRET_ARN",
                        "value": "arn:aws:secretsmanager:us-east-1:1:secret:x",
                    }
                ],
            }
        ]
    )
    task = _r("aws:ecs/taskDefinition:TaskDefinition", "t", containerDefinitions=definitions)
    assert check_resources([task], "lab") == []


def test_real_graph_rules_fire_when_the_program_is_made_bad(plan) -> None:
    """The stack checks really see the program's buckets: drop the uploads bucket's policy."""
    graph = plan("prod", DEPLOYED)
    kept = [
        r
        for r in graph.resources
        if r.name != "storage-uploads" or r.type != "aws:s3/bucketPolicy:BucketPolicy"
    ]
    clone = type(graph)(
        project=graph.project,
        stack=graph.stack,
        config=graph.config,
        stack_urn=graph.stack_urn,
        resources=kept,
    )
    rules = {v.rule for v in check_graph(clone)}
    assert "s3-tls-only" in rules


# -- the same rules inside the pulumi_policy pack ---------------------------------------------


def _settings(values: dict[str, str]):
    return values.get


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _run_pack(resources: list[StackResource], settings: dict[str, str]) -> list[Violation]:
    reported: list[Violation] = []
    for policy in build_policies(_settings(settings)):

        def report(message: str, urn: str | None = None, name: str = policy.name) -> None:
            reported.append(Violation(name, "", urn or "", "", message))

        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                args = ResourceValidationArgs(
                    resource.type, resource.props, resource.urn, resource.name, _options(), None
                )
                try:
                    policy.validate(args, report)
                except Exception as error:  # not_applicable raises
                    if type(error).__name__ != "_NotApplicableError":
                        raise
        else:
            assert isinstance(policy, StackValidationPolicy)
            stack = [
                PolicyResource(
                    r.type, {**r.props, "id": r.id}, r.urn, r.name, _options(), None, None, [], {}
                )
                for r in resources
            ]
            policy.validate(StackValidationArgs(stack), report)
    return reported


@pytest.mark.parametrize("rule_name", sorted(BAD))
def test_pack_policy_reports_the_bad_resource(rule_name: str) -> None:
    resources, profile, edge, _ = BAD[rule_name]
    reported = _run_pack(resources, {"profile": profile, "edge": edge})
    assert rule_name in {v.rule for v in reported}


def test_pack_reports_nothing_on_the_prod_stack(plan) -> None:
    from stackctl.policy_check import graph_resources

    graph = plan("prod", DEPLOYED)
    reported = _run_pack(graph_resources(graph), {"profile": "mvp"})
    assert reported == []


def test_pack_skips_mvp_rule_when_the_profile_is_unknown() -> None:
    resources, _, _, _ = BAD["mvp-deletion-protection"]
    reported = _run_pack(resources, {})
    assert "mvp-deletion-protection" not in {v.rule for v in reported}
