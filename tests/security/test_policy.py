"""The policy pack's rules: 0 violations on our stacks, and each rule fires on a bad resource.

The rules are pure functions (policy/rules.py); here they run offline over the recorded Graph
(stackctl.policy_check) and, through policy/pack.py, as the pulumi_policy policies the pack
registers (validate called directly: no Pulumi CLI needed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

DEPLOYED = "@imageTag=abc123"
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


def _env(name: str, value: str) -> str:
    return json.dumps(
        [
            {
                "name": "api",
                "environment": [{"name": "DB_HOST", "value": "db"}, {"name": name, "value": value}],
            }
        ]
    )


GOOD_CLUSTER: dict[str, Any] = {
    "storageEncrypted": True,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "db-final",
}
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
SERVICE_TRUST = json.dumps({"Statement": [{"Principal": {"Service": "ecs-tasks.amazonaws.com"}}]})


def _block_with_one_flag_off(flag: str) -> StackResource:
    flags: dict[str, Any] = {f: f != flag for f in PAB_FLAGS}
    return _r(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "bucket-pab",
        bucket="b-1",
        **flags,
    )


def _ingress(type_: str, logical: str, **props: Any) -> list[StackResource]:
    return [_r(type_, logical, **props)]


def _admin(type_: str, action: str) -> list[StackResource]:
    statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return [_r(type_, "admin", policy=json.dumps({"Statement": [statement]}))]


@dataclass(frozen=True)
class Bad:
    """One property a rule claims, broken on an otherwise compliant resource set.

    `message`: a fragment of the one violation the rule must report (so the case proves the
    check of that property, not another check of the same rule).
    """

    label: str
    resources: list[StackResource]
    message: str
    bad: str
    profile: str = "lab"
    edge: str = "vpcOrigin"


SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"

# rule name -> one case per property its description claims
BAD: dict[str, list[Bad]] = {
    "service-role-has-boundary": [
        Bad(
            "no boundary",
            [_r("aws:iam/role:Role", "task-role", assumeRolePolicy=SERVICE_TRUST)],
            "no permissions boundary",
            "task-role",
        )
    ],
    "iam-no-admin-actions": [
        Bad(
            "iam:* in a role policy",
            _admin("aws:iam/rolePolicy:RolePolicy", "iam:*"),
            "iam:*",
            "admin",
        ),
        Bad("* in a role policy", _admin("aws:iam/rolePolicy:RolePolicy", "*"), "'*'", "admin"),
        Bad(
            "iam:* in a managed policy", _admin("aws:iam/policy:Policy", "iam:*"), "iam:*", "admin"
        ),
        Bad("* in a managed policy", _admin("aws:iam/policy:Policy", "*"), "'*'", "admin"),
    ],
    "aurora-encrypted-at-rest": [
        Bad(
            "Aurora cluster",
            [_r("aws:rds/cluster:Cluster", "db", storageEncrypted=False)],
            "not encrypted at rest",
            "db",
        ),
        Bad(
            "RDS instance",
            [_r("aws:rds/instance:Instance", "db", engine="postgres", storageEncrypted=False)],
            "not encrypted at rest",
            "db",
        ),
    ],
    "redis-encrypted": [
        Bad(
            "at rest",
            [
                _r(
                    "aws:elasticache/replicationGroup:ReplicationGroup",
                    "cache",
                    atRestEncryptionEnabled=False,
                    transitEncryptionEnabled=True,
                )
            ],
            "not encrypted at rest",
            "cache",
        ),
        Bad(
            "in transit",
            [
                _r(
                    "aws:elasticache/replicationGroup:ReplicationGroup",
                    "cache",
                    atRestEncryptionEnabled=True,
                    transitEncryptionEnabled=False,
                )
            ],
            "no TLS in transit",
            "cache",
        ),
    ],
    "s3-encrypted-at-rest": [
        Bad("no configuration", _bucket_set(sse=False), "no BucketServerSideEncryption", "bucket"),
        Bad(
            "no algorithm",
            [
                *_bucket_set(sse=False),
                _r(
                    "aws:s3/bucketServerSideEncryptionConfiguration:"
                    "BucketServerSideEncryptionConfiguration",
                    "bucket-sse",
                    bucket="b-1",
                    rules=[{"bucketKeyEnabled": True}],
                ),
            ],
            "names no algorithm",
            "bucket",
        ),
    ],
    "sns-encrypted-at-rest": [
        Bad(
            "no key",
            [_r("aws:sns/topic:Topic", "alarms", name="alarms")],
            "kmsMasterKeyId",
            "alarms",
        )
    ],
    "s3-no-public-access": [
        Bad(
            "no public access block",
            _bucket_set(block=False),
            "no BucketPublicAccessBlock",
            "bucket",
        ),
        *(
            Bad(
                f"{flag} off",
                [
                    *_bucket_set(block=False),
                    _block_with_one_flag_off(flag),
                ],
                f"leaves {flag} off",
                "bucket",
            )
            for flag in PAB_FLAGS
        ),
        Bad("policy grants everyone", _bucket_set(public_policy=True), "allows anyone", "bucket"),
        Bad(
            "public ACL resource",
            [
                *_bucket_set(),
                _r("aws:s3/bucketAcl:BucketAcl", "acl", bucket="b-1", acl="public-read"),
            ],
            "bucket ACL acl is public-read",
            "bucket",
        ),
        Bad(
            "public ACL on the bucket",
            [
                _r("aws:s3/bucket:Bucket", "bucket", id_="b-1", bucket="b-1", acl="public-read"),
                *_bucket_set()[1:],
            ],
            "bucket ACL is public-read",
            "bucket",
        ),
    ],
    "sg-no-open-ingress": [
        Bad(
            "IPv4 ingress rule",
            _ingress(
                SG_INGRESS, "ssh", cidrIpv4="0.0.0.0/0", ipProtocol="tcp", fromPort=22, toPort=22
            ),
            "ingress from 0.0.0.0/0",
            "ssh",
            edge="public",
        ),
        Bad(
            "IPv6 ingress rule",
            _ingress(SG_INGRESS, "ssh", cidrIpv6="::/0", ipProtocol="tcp", fromPort=22, toPort=22),
            "ingress from ::/0",
            "ssh",
            edge="public",
        ),
        Bad(
            "legacy rule",
            _ingress(
                SG_RULE,
                "ssh",
                type="ingress",
                cidrBlocks=["0.0.0.0/0"],
                protocol="tcp",
                fromPort=22,
                toPort=22,
            ),
            "ingress from 0.0.0.0/0",
            "ssh",
            edge="public",
        ),
        Bad(
            "inline rule",
            _ingress(
                "aws:ec2/securityGroup:SecurityGroup",
                "ssh",
                ingress=[
                    {"protocol": "tcp", "fromPort": 22, "toPort": 22, "ipv6CidrBlocks": ["::/0"]}
                ],
            ),
            "ingress from ::/0",
            "ssh",
            edge="public",
        ),
    ],
    "task-no-public-ip": [
        Bad(
            "service",
            [
                _r(
                    "aws:ecs/service:Service",
                    "api",
                    networkConfiguration={"assignPublicIp": True, "subnets": ["s"]},
                )
            ],
            "tasks get a public IP",
            "api",
        ),
        Bad(
            "task set",
            [
                _r(
                    "aws:ecs/taskSet:TaskSet",
                    "api",
                    networkConfiguration={"assignPublicIp": True, "subnets": ["s"]},
                )
            ],
            "tasks get a public IP",
            "api",
        ),
    ],
    "task-no-plaintext-secret": [
        Bad(
            "secret by name",
            [
                _r(
                    "aws:ecs/taskDefinition:TaskDefinition",
                    "api-task",
                    containerDefinitions=_env("DB_PASSWORD", "hunter2hunter2"),
                )
            ],
            "DB_PASSWORD looks like a secret",
            "api-task",
        ),
        Bad(
            "credentials in a URL",
            [
                _r(
                    "aws:ecs/taskDefinition:TaskDefinition",
                    "api-task",
                    containerDefinitions=_env("DATABASE_URL", "postgres://app:hunter2@db/app"),
                )
            ],
            "DATABASE_URL is a URL with credentials",
            "api-task",
        ),
    ],
    "alb-internal-with-vpc-origin": [
        Bad(
            "internet-facing",
            [
                _r(
                    ALB,
                    "alb",
                    internal=False,
                    loadBalancerType="application",
                    enableDeletionProtection=True,
                )
            ],
            "internet-facing",
            "alb",
        )
    ],
    "mvp-deletion-protection": [
        Bad(
            "Aurora deletion protection",
            [_r("aws:rds/cluster:Cluster", "db", **{**GOOD_CLUSTER, "deletionProtection": False})],
            "Aurora deletionProtection",
            "db",
            profile="mvp",
        ),
        Bad(
            "skip final snapshot",
            [_r("aws:rds/cluster:Cluster", "db", **{**GOOD_CLUSTER, "skipFinalSnapshot": True})],
            "skipFinalSnapshot must be false",
            "db",
            profile="mvp",
        ),
        Bad(
            "no final snapshot name",
            [
                _r(
                    "aws:rds/cluster:Cluster",
                    "db",
                    **{**GOOD_CLUSTER, "finalSnapshotIdentifier": ""},
                )
            ],
            "finalSnapshotIdentifier must be set",
            "db",
            profile="mvp",
        ),
        Bad(
            "ALB deletion protection",
            [_r(ALB, "alb", internal=True, enableDeletionProtection=False)],
            "ALB enableDeletionProtection",
            "alb",
            profile="mvp",
        ),
    ],
    "log-retention-set": [
        Bad(
            "no retention",
            [_r("aws:cloudwatch/logGroup:LogGroup", "logs", name="/app")],
            "retentionInDays",
            "logs",
        ),
        Bad(
            "retention 0 (never expire)",
            [_r("aws:cloudwatch/logGroup:LogGroup", "logs", name="/app", retentionInDays=0)],
            "retentionInDays",
            "logs",
        ),
    ],
    "imdsv2-required": [
        Bad(
            "instance",
            [_r("aws:ec2/instance:Instance", "nat", metadataOptions={"httpTokens": "optional"})],
            "IMDSv1 allowed",
            "nat",
        ),
        Bad(
            "launch template",
            [_r("aws:ec2/launchTemplate:LaunchTemplate", "nat", metadataOptions={})],
            "IMDSv1 allowed",
            "nat",
        ),
    ],
    "ecr-scan-on-push": [
        Bad(
            "no scan",
            [
                _r(
                    "aws:ecr/repository:Repository",
                    "repo",
                    imageScanningConfiguration={"scanOnPush": False},
                )
            ],
            "not scanned on push",
            "repo",
        )
    ],
    "s3-tls-only": [
        Bad("no TLS-only statement", _bucket_set(tls=False), "denies non-TLS", "bucket")
    ],
}
CASES = [(rule, case) for rule, cases in sorted(BAD.items()) for case in cases]
CASE_IDS = [f"{rule}: {case.label}" for rule, case in CASES]


def test_every_rule_has_a_firing_test() -> None:
    assert set(BAD) == {rule.name for rule in RULES}


@pytest.mark.parametrize(("rule_name", "case"), CASES, ids=CASE_IDS)
def test_rule_fires_on_a_bad_resource(rule_name: str, case: Bad) -> None:
    violations = check_resources(case.resources, case.profile, case.edge)
    fired = [v for v in violations if v.rule == rule_name]
    assert len(fired) == 1, violations
    (violation,) = fired
    assert violation.resource == case.bad
    assert case.message in violation.message, violation.message
    assert violations == fired, "only the broken property is reported"
    level = next(r.level for r in RULES if r.name == rule_name)
    assert violation.level == level


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
    for case in BAD["mvp-deletion-protection"]:
        assert check_resources(case.resources, "lab", case.edge) == [], case.label


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


@pytest.mark.parametrize(("rule_name", "case"), CASES, ids=CASE_IDS)
def test_pack_policy_reports_the_bad_resource(rule_name: str, case: Bad) -> None:
    reported = _run_pack(case.resources, {"profile": case.profile, "edge": case.edge})
    messages = [v.message for v in reported if v.rule == rule_name]
    assert len(messages) == 1 and case.message in messages[0], reported


def test_pack_reports_nothing_on_the_prod_stack(plan) -> None:
    from stackctl.policy_check import graph_resources

    graph = plan("prod", DEPLOYED)
    reported = _run_pack(graph_resources(graph), {"profile": "mvp"})
    assert reported == []


def test_pack_skips_mvp_rule_when_the_profile_is_unknown() -> None:
    for case in BAD["mvp-deletion-protection"]:
        reported = _run_pack(case.resources, {})
        assert "mvp-deletion-protection" not in {v.rule for v in reported}, case.label
