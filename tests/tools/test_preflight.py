"""`stackctl preflight`: zero findings on the shipped stacks and the dial matrix; every class of
mistake it exists for is caught when seeded into the declared resources on purpose.

Seeds mutate the recorded graph (the checkers read declared resources, never the settings), or
go through `--set` where settings validation lets the value through.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from stackctl.__main__ import main
from stackctl.harness import Graph, Resource
from stackctl.plan_values import takes_input
from stackctl.preflight import Finding, botocore_rules, preflight
from stackctl.preflight.botocore_rules import CALLS, _operation
from stackctl.preflight.mapping import NOT_RENDERED, TYPES
from tests.conftest import plan_stack

MATRIX: list[Any] = [
    pytest.param("dev", (), id="dev"),
    pytest.param("prod", (), id="prod"),
    pytest.param(
        "prod",
        (
            "domain=example.com",
            "waf=true",
            "albHttps=true",
            "cloudfrontLogs=true",
            "githubRepo=acme/app",
            "alarmEmail=ops@example.com",
        ),
        id="prod-domain-waf-https-logs-ci-alarms",
    ),
    pytest.param("dev", ("edge=public", "nat=gateway"), id="dev-public-natgateway"),
    pytest.param(
        "dev", ("nat=none", "redis=true", "sleep=weekdays 08-20"), id="dev-nonat-redis-sleep"
    ),
    pytest.param("dev", ("cpuArchitecture=X86_64", "azCount=3"), id="dev-x86-3az"),
    pytest.param(
        "prod",
        (
            "nat=gatewayPerAz",
            "redis=true",
            "redisNodes=2",
            "dbReaders=1",
            "interfaceEndpoints=true",
        ),
        id="prod-natperaz-redis2-reader-endpoints",
    ),
    pytest.param(
        "dev",
        ("edge=public", "domain=example.com", "albHttps=true", "nat=gateway"),
        id="dev-public-domain-https",
    ),
    pytest.param(
        "dev",
        ("images=build", "nat=gateway", "flowLogs=true", "dashboard=true", "worker.enabled=true"),
        id="dev-build-flowlogs-dashboard-worker",
    ),
    pytest.param(
        "prod", ("aws:region=eu-west-1", "nat=gateway", "redis=true"), id="prod-eu-west-1"
    ),
    # the two ingress modes on both stacks: the lab's ALB, the mvp's HTTP API
    pytest.param("dev", ("ingress=alb",), id="dev-alb"),
    pytest.param("prod", ("ingress=httpApi",), id="prod-httpapi"),
    pytest.param(
        "prod",
        (
            "ingress=httpApi",
            "domain=example.com",
            "waf=true",
            "cloudfrontLogs=true",
            "githubRepo=acme/app",
            "alarmEmail=ops@example.com",
            "redis=true",
        ),
        id="prod-httpapi-domain-waf-logs-ci-alarms-redis",
    ),
    pytest.param(
        "dev",
        ("domain=example.com", "githubRepo=acme/app", "alarmEmail=ops@example.com"),
        id="dev-httpapi-domain-ci-alarms",
    ),
    pytest.param(
        "dev", ("sleep=weekdays 08-20 Europe/Berlin", "worker.enabled=true"), id="dev-sleep-worker"
    ),
]


@pytest.mark.parametrize(("stack", "overrides"), MATRIX)
def test_no_findings(stack: str, overrides: tuple[str, ...]) -> None:
    findings = preflight(plan_stack(stack, *overrides))
    assert not findings, "\n".join(f.line() for f in findings)


# -- seeded mistakes ---------------------------------------------------------------------------

BASE = ("dev", "nat=gateway", "alarms=true")  # every kind of resource the lab can have


def seeded(change: Callable[[Graph], None], *base: str) -> list[Finding]:
    graph = copy.deepcopy(plan_stack(*(base or BASE)))
    change(graph)
    return preflight(graph)


def first(graph: Graph, type_token: str, name_part: str = "") -> Resource:
    return next(r for r in graph.of_type(type_token) if name_part in r.name)


def rules(findings: list[Finding], resource: str | None = None) -> set[str]:
    return {f.rule for f in findings if resource is None or f.resource == resource}


def test_fargate_cpu_memory_pair_fargate_does_not_offer() -> None:
    def change(graph: Graph) -> None:
        first(graph, "aws:ecs/taskDefinition:TaskDefinition", "api").inputs["memory"] = "4096"

    findings = seeded(change)
    hit = [f for f in findings if f.rule == "cfn-lint E3047"]
    assert hit and hit[0].resource.startswith("api"), [f.line() for f in findings]


def test_engine_version_rds_does_not_offer_through_set() -> None:
    # Settings accept any 16.x at or above the auto-pause minimum; RDS never offered 16.5.
    findings = preflight(plan_stack("dev", "nat=gateway", "dbEngineVersion=16.5"))
    hit = [f for f in findings if f.rule == "cfn-lint E3690"]
    assert hit and hit[0].value == "16.5" and hit[0].setting == "dbEngineVersion"


def test_security_group_description_with_an_apostrophe() -> None:
    def change(graph: Graph) -> None:
        first(graph, "aws:ec2/securityGroup:SecurityGroup").inputs["description"] = "the app's"

    assert "cfn-lint E3031" in rules(seeded(change))


def test_rule_description_with_a_non_ascii_character() -> None:
    """The CloudFormation schema has no pattern for rule descriptions: the cross-field rule."""

    def change(graph: Graph) -> None:
        rule = first(graph, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        rule.inputs["description"] = "HTTPS depuis l’ALB"

    findings = [f for f in seeded(change) if f.rule == "cross-field ec2-description"]
    assert findings and "’" in findings[0].message


def test_waf_description_outside_the_api_pattern() -> None:
    def change(graph: Graph) -> None:
        acl = first(graph, "aws:wafv2/webAcl:WebAcl")
        acl.inputs["description"] = "the app's rules"

    graph = copy.deepcopy(plan_stack("prod", "domain=example.com", "waf=true", "nat=gateway"))
    change(graph)
    assert "botocore wafv2.CreateWebACL Description" in rules(botocore_rules.check(graph))
    assert "cfn-lint E3031" in rules(preflight(graph))  # the schema has the same pattern


def test_http_api_integration_timeout_beyond_30_seconds() -> None:
    """HTTP API integrations time out after at most 30 s: botocore's TimeoutInMillis range."""
    graph = copy.deepcopy(plan_stack("dev"))
    integration = first(graph, "aws:apigatewayv2/integration:Integration")
    integration.inputs["timeoutMilliseconds"] = 60000
    hit = [
        f
        for f in botocore_rules.check(graph)
        if f.rule == "botocore apigatewayv2.CreateIntegration TimeoutInMillis"
    ]
    assert hit and "above the maximum 30000" in hit[0].message


def test_authorizer_cache_ttl_beyond_an_hour_and_an_unknown_route_authorization() -> None:
    def change(graph: Graph) -> None:
        first(graph, "aws:apigatewayv2/authorizer:Authorizer").inputs[
            "authorizerResultTtlInSeconds"
        ] = 7200
        first(graph, "aws:apigatewayv2/route:Route").inputs["authorizationType"] = "LAMBDA"

    found = rules(seeded(change, "dev"))
    assert "botocore apigatewayv2.CreateAuthorizer AuthorizerResultTtlInSeconds" in found
    assert "botocore apigatewayv2.CreateRoute AuthorizationType" in found


def test_schedule_name_beyond_64_characters() -> None:
    graph = copy.deepcopy(plan_stack("dev", "sleep=weekdays 08-20"))
    first(graph, "aws:scheduler/schedule:Schedule").inputs["name"] = "n" * 65
    assert "botocore scheduler.CreateSchedule Name" in rules(botocore_rules.check(graph))
    assert "cfn-lint E3033" in rules(preflight(graph))  # the schema has the same length


def test_instance_type_that_does_not_exist_through_set() -> None:
    findings = preflight(plan_stack("dev", "natInstanceType=t4g.mega"))
    hit = [f for f in findings if f.property == "instanceType"]
    assert hit and hit[0].rule == "cfn-lint E3628" and hit[0].setting == "natInstanceType"


def test_cache_node_type_that_does_not_exist() -> None:
    def change(graph: Graph) -> None:
        group = first(graph, "aws:elasticache/replicationGroup:ReplicationGroup")
        group.inputs["nodeType"] = "cache.t4g.mega"

    findings = seeded(change, "dev", "nat=gateway", "redis=true")
    hit = [f for f in findings if f.property == "nodeType"]
    assert hit and hit[0].rule == "cross-field offered-in-region", [f.line() for f in findings]
    assert hit[0].setting == "redisNodeType"


def test_log_retention_cloudwatch_refuses() -> None:
    def change(graph: Graph) -> None:
        first(graph, "aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] = 8.0

    hit = [f for f in seeded(change) if f.property == "retentionInDays"]
    assert hit and hit[0].rule == "cfn-lint E3030" and hit[0].setting == "logRetentionDays"


@pytest.mark.parametrize("action", ["s3GetObject", "s3:Get Object", "nosuchservice:GetObject"])
def test_malformed_iam_action(action: str) -> None:
    def change(graph: Graph) -> None:
        policy = first(graph, "aws:iam/rolePolicy:RolePolicy")
        document = json.loads(policy.inputs["policy"])
        document["Statement"][0]["Action"] = [action]
        policy.inputs["policy"] = json.dumps(document)

    findings = [f for f in seeded(change) if f.rule == "cfn-lint W3037"]
    assert findings and action in findings[0].value, [f.line() for f in seeded(change)]


def test_subnet_outside_the_vpc() -> None:
    def change(graph: Graph) -> None:
        first(graph, "aws:ec2/subnet:Subnet").inputs["cidrBlock"] = "10.1.0.0/24"

    assert "cross-field subnet-in-vpc" in rules(seeded(change))


def test_overlapping_subnets() -> None:
    def change(graph: Graph) -> None:
        subnets = graph.of_type("aws:ec2/subnet:Subnet")
        subnets[1].inputs["cidrBlock"] = subnets[0].inputs["cidrBlock"]

    assert "cross-field subnet-overlap" in rules(seeded(change))


def test_root_block_device_with_an_ssm_ami() -> None:
    def change(graph: Graph, ami: str) -> None:
        instance = first(graph, "aws:ec2/instance:Instance")
        instance.inputs["ami"] = ami
        instance.inputs["rootBlockDevice"] = {"encrypted": True, "volumeType": "gp3"}

    ssm = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    base = ("dev", "nat=instance")
    assert "cross-field root-device-ami" in rules(seeded(lambda g: change(g, ssm), *base))
    clean = seeded(lambda g: change(g, "ami-0123456789abcdef0"), *base)
    assert "cross-field root-device-ami" not in rules(clean)


def test_iam_role_description_outside_the_api_pattern() -> None:
    def change(graph: Graph) -> None:
        first(graph, "aws:iam/role:Role").inputs["description"] = "tasks → S3"

    graph = copy.deepcopy(plan_stack(*BASE))
    change(graph)
    assert "botocore iam.CreateRole Description" in rules(botocore_rules.check(graph))


def test_values_the_mocks_made_up_are_not_findings_but_declared_ones_are() -> None:
    """A mocked ARN is a reference AWS fills in; the same property declared literally is checked."""
    graph = plan_stack(*BASE)
    topic = first(graph, "aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] in {r.outputs.get("arn") for r in graph.resources}

    def change(graph: Graph) -> None:
        first(graph, "aws:sns/topic:Topic").inputs["kmsMasterKeyId"] = "not-a-key"

    assert any(f.property == "kmsMasterKeyId" for f in seeded(change))


# -- the tables --------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "overrides"), [pytest.param(*p.values, id=p.id) for p in MATRIX])
def test_every_type_the_program_uses_is_rendered_or_excluded(
    stack: str, overrides: tuple[str, ...]
) -> None:
    used = {r.type for r in plan_stack(stack, *overrides).custom_resources()}
    assert not used - set(TYPES) - set(NOT_RENDERED)


def test_every_mapped_property_is_in_the_cloudformation_schema() -> None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]

    wrong = []
    for pulumi_type, mapping in TYPES.items():
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", mapping.cfn_type).schema
        names = set(mapping.properties.values()) | set(mapping.built) | set(mapping.constants)
        known = schema["properties"]
        if mapping.wrap:
            assert mapping.wrap in known, pulumi_type
            wrapped = known[mapping.wrap]
            if "$ref" in wrapped:
                definition = wrapped["$ref"].rsplit("/", 1)[-1]
                wrapped = schema["definitions"][definition]
            known = wrapped["properties"]
        wrong += [f"{pulumi_type}: {name}" for name in sorted(names) if name not in known]
    assert not wrong


def test_every_botocore_member_exists() -> None:
    wrong = [
        f"{call.service}.{call.operation}.{member}"
        for calls in CALLS.values()
        for call in calls
        for member in call.members.values()
        if member not in _operation(call.service, call.operation).input_shape.members
    ]
    assert not wrong


def test_every_botocore_rule_reads_an_input_the_pulumi_type_has() -> None:
    """A rule keyed on an input name the resource does not take would never see a value."""
    wrong = [
        f"{pulumi_type} {source}"
        for pulumi_type, calls in CALLS.items()
        for call in calls
        for source in call.members
        if not takes_input(pulumi_type, source)
    ]
    assert not wrong


# -- command line ------------------------------------------------------------------------------


def test_command_exits_non_zero_and_prints_one_line_per_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["preflight", "--stack", "dev", "--set", "nat=gateway", "--set", "dbEngineVersion=16.5"]
    )
    out = capsys.readouterr().out
    assert code == 1
    line = next(line for line in out.splitlines() if "engineVersion" in line)
    assert "database-cluster" in line and '"16.5"' in line and "E3690" in line
    assert "(setting: dbEngineVersion)" in line


def test_command_exits_zero_without_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight", "--stack", "dev", "--set", "nat=gateway"]) == 0
    assert "no findings" in capsys.readouterr().out
