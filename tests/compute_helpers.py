"""Queries over a recorded Graph for the compute and edge tests (issue 5)."""

from __future__ import annotations

import json
from typing import Any

from stackctl.harness import Graph, Resource

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
CERTIFICATE = "aws:acm/certificate:Certificate"
CERT_VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
PREFIX_LIST_ID = "pl-3b927c52"

# Configurations that change what compute and edge declare: both profiles, both edge modes,
# with and without a domain (and end-to-end TLS).
CONFIGS: list[tuple[str, tuple[str, ...]]] = [
    ("dev", ("ingress=alb",)),
    ("prod", ()),
    (
        "dev",
        (
            "ingress=alb",
            "edge=public",
        ),
    ),
    ("prod", ("edge=public",)),
    (
        "dev",
        (
            "ingress=alb",
            "domain=example.com",
        ),
    ),
    ("prod", ("domain=example.com", "albHttps=true")),
    ("prod", ("edge=public", "domain=example.com", "albHttps=true")),
    (
        "dev",
        (
            "ingress=alb",
            "redis=true",
            "worker.enabled=true",
            "images=registry",
            "@imageTag=3f9c2a1",
        ),
    ),
]
CONFIG_IDS = [f"{stack}:{','.join(overrides) or 'defaults'}" for stack, overrides in CONFIGS]


def services(graph: Graph) -> dict[str, Resource]:
    return {s.get("name"): s for s in graph.of_type(SERVICE)}


def task_definitions(graph: Graph) -> dict[str, Resource]:
    """Task definitions by role ("api", "web", "worker", "migrate"); families carry the stack
    prefix (`fullstack-dev-api`) so two stacks in one account never share a family."""
    prefix = f"{graph.project}-{graph.stack}-"
    found = {}
    for task in graph.of_type(TASK_DEFINITION):
        family = task.get("family")
        assert family.startswith(prefix), f"family {family!r} is not unique to the stack"
        found[family.removeprefix(prefix)] = task
    return found


def task_definition_of(graph: Graph, service: Resource) -> Resource:
    return next(
        t
        for t in graph.of_type(TASK_DEFINITION)
        if t.outputs["arn"] == service.get("taskDefinition")
    )


def container(task_definition: Resource) -> dict[str, Any]:
    (only,) = json.loads(task_definition.get("containerDefinitions"))
    return dict(only)


def environment(task_definition: Resource) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(task_definition)["environment"]}


def secrets(task_definition: Resource) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container(task_definition).get("secrets", [])}


def role_by_arn(graph: Graph, arn: str) -> Resource:
    return next(r for r in graph.of_type(ROLE) if r.outputs["arn"] == arn)


def policies_of(graph: Graph, role: Resource) -> list[dict[str, Any]]:
    return [
        json.loads(p.get("policy")) for p in graph.of_type(ROLE_POLICY) if p.get("role") == role.id
    ]


def statements_of(graph: Graph, role: Resource) -> list[dict[str, Any]]:
    return [s for policy in policies_of(graph, role) for s in policy["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def security_group_of(graph: Graph, service: Resource) -> Resource:
    (group_id,) = service.get("networkConfiguration")["securityGroups"]
    return graph.by_id(group_id)


def ingress_of(graph: Graph, group: Resource) -> list[Resource]:
    return [r for r in graph.of_type(INGRESS) if r.get("securityGroupId") == group.id]


def egress_of(graph: Graph, group: Resource) -> list[Resource]:
    return [r for r in graph.of_type(EGRESS) if r.get("securityGroupId") == group.id]


def alb(graph: Graph) -> Resource:
    (only,) = graph.of_type(ALB)
    return only


def alb_security_group(graph: Graph) -> Resource:
    (group_id,) = alb(graph).get("securityGroups")
    return graph.by_id(group_id)


def distribution(graph: Graph) -> Resource:
    (only,) = graph.of_type(DISTRIBUTION)
    return only


def rules_by_name(graph: Graph) -> dict[str, Resource]:
    return {r.name: r for r in graph.of_type(RULE)}


def rule_hosts(rule: Resource) -> list[str]:
    for condition in rule.get("conditions"):
        if condition.get("hostHeader"):
            return list(condition["hostHeader"]["values"])
    return []


def rule_paths(rule: Resource) -> list[str]:
    for condition in rule.get("conditions"):
        if condition.get("pathPattern"):
            return list(condition["pathPattern"]["values"])
    return []
