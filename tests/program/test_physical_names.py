"""No resource collides with its own name when Pulumi replaces it.

Pulumi replaces a resource by creating the new one first and deleting the old one after. A
resource whose physical name is fixed (set by the program, not generated) would ask AWS for a
name that the old resource still holds, and the `up` fails half-way. So every resource that sets
its physical name must be `delete_before_replace` (the old one goes first) or `protect`ed (the
replacement stops before anything is deleted); resources that leave the name to Pulumi's
auto-naming (or a name prefix) get a fresh name at each replacement and need neither.

The rule is checked over the whole graph of every stack and a matrix of dial combinations.
Every resource type in those graphs must be classified below: either its physical-name inputs
are listed, or it has none, so a new resource type cannot slip past the rule.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.dial_matrix import DIAL_MATRIX, matrix_id

# Resource type -> the inputs (dotted paths) that are its physical name: unique in the account
# (or in the region, or in the parent such as an ECS cluster), so a second resource with the
# same value cannot exist next to the first.
PHYSICAL_NAME_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:s3/bucket:Bucket": ("bucket",),
    "aws:rds/cluster:Cluster": ("clusterIdentifier",),
    "aws:rds/clusterInstance:ClusterInstance": ("identifier",),
    "aws:rds/subnetGroup:SubnetGroup": ("name",),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId",),
    "aws:elasticache/subnetGroup:SubnetGroup": ("name",),
    "aws:cloudwatch/logGroup:LogGroup": ("name",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name",),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudfront/originAccessControl:OriginAccessControl": ("name",),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": ("name",),
    "aws:cloudfront/vpcOrigin:VpcOrigin": ("vpcOriginEndpointConfig.name",),
    "aws:wafv2/webAcl:WebAcl": ("name",),
    "aws:kms/alias:Alias": ("name",),
    "aws:lb/loadBalancer:LoadBalancer": ("name",),
    "aws:lb/targetGroup:TargetGroup": ("name",),
    "aws:ecr/repository:Repository": ("name",),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:ecs/service:Service": ("name",),  # unique in its cluster
    "aws:iam/role:Role": ("name",),
    "aws:iam/policy:Policy": ("name",),
    "aws:iam/instanceProfile:InstanceProfile": ("name",),
    "aws:sns/topic:Topic": ("name",),
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:ssm/parameter:Parameter": ("name",),
    "aws:ec2/securityGroup:SecurityGroup": ("name",),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name",),
    "aws:appautoscaling/policy:Policy": ("name",),  # unique per scalable target
    "aws:appautoscaling/scheduledAction:ScheduledAction": ("name",),
    # A DNS name holds one record set per type: a replacement created first would collide.
    "aws:route53/record:Record": ("name",),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": ("name",),
    "aws:servicediscovery/service:Service": ("name",),  # unique in its namespace
    "aws:apigatewayv2/stage:Stage": ("name",),  # `$default`: unique in its API
    "aws:lambda/function:Function": ("name",),
    "aws:scheduler/schedule:Schedule": ("name",),  # unique in its schedule group
}

# Types whose name-like inputs are not unique names, with the reason.
NOT_A_PHYSICAL_NAME: dict[str, str] = {
    "aws:ecs/taskDefinition:TaskDefinition": (
        "family names a series of revisions: registering into an existing family adds a "
        "revision, it never collides"
    ),
    "aws:acm/certificate:Certificate": (
        "domainName is the subject: ACM holds any number of certificates for the same name"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (
        "url is the identity provider's issuer, fixed by GitHub; IAM allows one provider per "
        "issuer, and only a different url (a different provider) replaces it"
    ),
    "aws:apigatewayv2/api:Api": "API Gateway allows any number of APIs with the same name",
    "aws:apigatewayv2/vpcLink:VpcLink": "VPC link names are labels, not unique",
    "aws:cognito/userPool:UserPool": (
        "Cognito allows any number of user pools with the same name (the pool id is generated)"
    ),
    "aws:cognito/userPoolClient:UserPoolClient": (
        "app client names are labels inside the pool; the client id is generated"
    ),
    "aws:apigatewayv2/authorizer:Authorizer": "auto-named by Pulumi: a fresh name each time",
    "pulumi-python:dynamic/fullstack:MigrationRun": (
        "a step of `pulumi up`, not an AWS object: containerName and logGroupName say where the "
        "migration task it runs writes (components/release_steps.py)"
    ),
    "pulumi-python:dynamic/fullstack:StaticFiles": (
        "a step of `pulumi up`, not an AWS object: it writes objects into the static bucket"
    ),
    "pulumi-python:dynamic/fullstack:AppSecretsCheck": (
        "a step of `pulumi up`, not an AWS object: it reads the names of the app's secrets"
    ),
}

# Name-like inputs that refer to another resource or label something inside this one.
REFERENCE_INPUTS: dict[str, str] = {
    "bucket": "the bucket a setting belongs to (physical only on aws:s3/bucket:Bucket)",
    "clusterIdentifier": "the cluster an instance joins (physical only on the cluster)",
    "clusterName": "the ECS cluster referred to",
    "dbSubnetGroupName": "the subnet group referred to",
    "subnetGroupName": "the subnet group referred to",
    "serviceName": "the AWS service an endpoint connects to",
    "serviceNamespace": "the Application Auto Scaling namespace (ecs)",
    "metricName": "the CloudWatch metric watched",
    "namespace": "the CloudWatch namespace watched",
    "displayName": "a label shown in notifications",
    "databaseName": "a database inside the cluster",
    "masterUsername": "a user inside the database",
    "finalSnapshotIdentifier": "used once, on delete; tests/data/test_database.py keeps it unique",
    "domainName": "the DNS name served or certified",
    "groupName": "the Scheduler schedule group a schedule belongs to",
}

NAME_LIKE = re.compile(r"(?i)(^|[a-z])(name|identifier|id)$|^(bucket|family|url)$")
# Inputs ending in "Id" that hold another resource's id, not a name: matched and ignored here.
ID_SUFFIX = re.compile(r"[a-z]Id$")


def value_at(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def fixed_names(resource: Resource) -> dict[str, Any]:
    """The physical-name inputs the program set on this resource."""
    paths = PHYSICAL_NAME_INPUTS.get(resource.type, ())
    return {
        path: value_at(resource.inputs, path) for path in paths if value_at(resource.inputs, path)
    }


def graph_of(plan: PlanFn, entry: tuple[str, tuple[str, ...]]) -> Graph:
    return plan(entry[0], *entry[1])


@pytest.mark.parametrize("entry", DIAL_MATRIX, ids=matrix_id)
def test_every_fixed_name_survives_replacement(
    plan: PlanFn, entry: tuple[str, tuple[str, ...]]
) -> None:
    graph = graph_of(plan, entry)
    offenders = [
        f"{r.type} {r.name}: {names}"
        for r in graph.custom_resources()
        if (names := fixed_names(r)) and not (r.delete_before_replace or r.protect)
    ]
    assert not offenders, (
        "fixed physical names without delete_before_replace or protect (a replacement would "
        "collide with the old resource):\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize("entry", DIAL_MATRIX, ids=matrix_id)
def test_every_name_like_input_is_classified(
    plan: PlanFn, entry: tuple[str, tuple[str, ...]]
) -> None:
    """A name-like input is a physical name, a reference, or on a type known to have none."""
    graph = graph_of(plan, entry)
    unclassified = set()
    for resource in graph.custom_resources():
        if resource.type.startswith("pulumi:providers:") or resource.type in NOT_A_PHYSICAL_NAME:
            continue
        physical = {p.split(".")[0] for p in PHYSICAL_NAME_INPUTS.get(resource.type, ())}
        for key in resource.inputs:
            if not NAME_LIKE.search(key) or ID_SUFFIX.search(key):
                continue
            if key not in physical and key not in REFERENCE_INPUTS:
                unclassified.add(f"{resource.type}.{key}")
    assert not unclassified, f"classify these inputs in this test: {sorted(unclassified)}"


def test_the_rule_sees_the_names_that_matter(plan: PlanFn) -> None:
    """The table reaches the resources the review found: ALB, Aurora, ElastiCache, buckets."""
    graph = plan("prod")
    for type_token in (
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:rds/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:s3/bucket:Bucket",
    ):
        resources = graph.of_type(type_token)
        assert resources and all(fixed_names(r) for r in resources), type_token


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_flipping_edge_replaces_the_alb_under_the_same_name_so_it_goes_first(
    plan: PlanFn, stack: str
) -> None:
    """`edge` decides whether the ALB is internal, which AWS cannot change in place."""
    (private,) = plan(stack, "ingress=alb", "edge=vpcOrigin").of_type(
        "aws:lb/loadBalancer:LoadBalancer"
    )
    (public,) = plan(stack, "edge=public").of_type("aws:lb/loadBalancer:LoadBalancer")
    assert private.get("internal") is True and public.get("internal") is False
    assert private.get("name") == public.get("name")
    assert private.delete_before_replace and public.delete_before_replace


# -- the lab ingress components, created alone (not wired into the program yet) --------------


@pytest.fixture(scope="module")
def ingress_graphs(tmp_path_factory: pytest.TempPathFactory) -> list[Graph]:
    from tests.component_helpers import run_snippet
    from tests.ingress import test_http_api, test_service_discovery
    from tests.network import test_nat_schedule

    return [
        test_http_api.build(tmp_path_factory.mktemp("names-http-api"), access_logs=7),
        test_nat_schedule.build(tmp_path_factory.mktemp("names-nat"), "weekdays 08-20"),
        run_snippet(tmp_path_factory.mktemp("names-discovery"), test_service_discovery.PROGRAM),
    ]


def test_the_ingress_components_fixed_names_survive_replacement(
    ingress_graphs: list[Graph],
) -> None:
    for graph in ingress_graphs:
        offenders = [
            f"{r.type} {r.name}: {names}"
            for r in graph.custom_resources()
            if (names := fixed_names(r)) and not (r.delete_before_replace or r.protect)
        ]
        assert not offenders, offenders
        unclassified = {
            f"{r.type}.{key}"
            for r in graph.custom_resources()
            if r.type not in NOT_A_PHYSICAL_NAME
            for key in r.inputs
            if NAME_LIKE.search(key)
            and not ID_SUFFIX.search(key)
            and key not in {p.split(".")[0] for p in PHYSICAL_NAME_INPUTS.get(r.type, ())}
            and key not in REFERENCE_INPUTS
        }
        assert not unclassified, sorted(unclassified)
    types = {r.type for graph in ingress_graphs for r in graph.custom_resources()}
    assert {
        "aws:servicediscovery/service:Service",
        "aws:apigatewayv2/stage:Stage",
        "aws:lambda/function:Function",
        "aws:scheduler/schedule:Schedule",
    } <= types
