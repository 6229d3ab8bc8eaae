"""`stackctl plan`: what a stack would create, offline.

Runs the program under mocks (the same runner as the tests) and prints the component tree with
each resource's type, logical name and key properties, then a count by type and the exports.
How values are shown (physical names, references, numbers): stackctl/plan_values.py. The summary
at the end (settings, cost, tasks): stackctl/plan_summary.py.
"""

from __future__ import annotations

import json
from typing import Any

from stackctl.harness import Graph, Resource
from stackctl.plan_values import References, declared_type, show_value

# Pulumi type -> input paths worth showing in the plan.
KEY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "pulumi:providers:aws": ("region",),
    "aws:ec2/vpc:Vpc": ("cidrBlock", "enableDnsHostnames", "enableDnsSupport"),
    "aws:ec2/subnet:Subnet": ("cidrBlock", "availabilityZone", "mapPublicIpOnLaunch"),
    "aws:ec2/route:Route": (
        "routeTableId",
        "destinationCidrBlock",
        "gatewayId",
        "natGatewayId",
        "networkInterfaceId",
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("subnetId", "routeTableId"),
    "aws:ec2/routeTable:RouteTable": ("vpcId",),
    "aws:ec2/instance:Instance": (
        "instanceType",
        "subnetId",
        "sourceDestCheck",
        "metadataOptions.httpTokens",
        "rootBlockDevice.encrypted",
    ),
    "aws:ec2/eip:Eip": ("domain", "instance"),
    "aws:ec2/natGateway:NatGateway": ("subnetId", "connectivityType"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("serviceName", "vpcEndpointType", "privateDnsEnabled"),
    "aws:ec2/securityGroup:SecurityGroup": ("description",),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "securityGroupId",
        "ipProtocol",
        "fromPort",
        "toPort",
        "cidrIpv4",
        "referencedSecurityGroupId",
        "prefixListId",
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        "securityGroupId",
        "ipProtocol",
        "fromPort",
        "toPort",
        "cidrIpv4",
        "referencedSecurityGroupId",
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("metricName", "threshold", "alarmActions"),
    "aws:cloudwatch/logGroup:LogGroup": ("name", "retentionInDays"),
    "aws:ec2/flowLog:FlowLog": ("trafficType", "logDestinationType"),
    "aws:iam/role:Role": ("description",),
    "aws:ecr/repository:Repository": ("name", "imageTagMutability", "forceDelete"),
    "awsx:ecr:Image": ("context", "dockerfile", "platform", "imageTag"),
    "aws:ecs/cluster:Cluster": ("name",),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ("capacityProviders",),
    "aws:ecs/taskDefinition:TaskDefinition": (
        "family",
        "cpu",
        "memory",
        "runtimePlatform.cpuArchitecture",
    ),
    "aws:ecs/service:Service": ("name", "desiredCount", "enableExecuteCommand"),
    "aws:lb/loadBalancer:LoadBalancer": ("name", "internal", "enableDeletionProtection"),
    "aws:lb/targetGroup:TargetGroup": ("port", "targetType", "healthCheck.path"),
    "aws:lb/listener:Listener": ("port", "protocol"),
    "aws:lb/listenerRule:ListenerRule": ("priority",),
    "aws:cloudfront/distribution:Distribution": ("priceClass", "httpVersion", "aliases"),
    "aws:cloudfront/vpcOrigin:VpcOrigin": ("vpcOriginEndpointConfig.originProtocolPolicy",),
    "aws:wafv2/webAcl:WebAcl": ("scope", "region"),
    "aws:acm/certificate:Certificate": ("domainName", "region"),
    "aws:route53/record:Record": ("name", "type"),
    "aws:rds/cluster:Cluster": (
        "clusterIdentifier",
        "engineVersion",
        "serverlessv2ScalingConfiguration.minCapacity",
        "serverlessv2ScalingConfiguration.maxCapacity",
        "serverlessv2ScalingConfiguration.secondsUntilAutoPause",
        "manageMasterUserPassword",
        "deletionProtection",
        "finalSnapshotIdentifier",
    ),
    "aws:rds/clusterInstance:ClusterInstance": ("identifier", "instanceClass", "availabilityZone"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "replicationGroupId",
        "engine",
        "nodeType",
        "numCacheClusters",
        "transitEncryptionEnabled",
        "multiAzEnabled",
        "authToken",
    ),
    "aws:s3/bucket:Bucket": ("bucket", "forceDestroy"),
    "aws:secretsmanager/secret:Secret": ("recoveryWindowInDays",),
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretId", "secretString"),
    "random:index/randomPassword:RandomPassword": ("length", "special"),
}
_SKIP = {"tags", "userData", "policy", "assumeRolePolicy", "description"}


def _lookup(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def key_properties(resource: Resource, refs: References) -> str:
    paths = KEY_PROPERTIES.get(resource.type)
    if paths is None:
        paths = tuple(
            k
            for k, v in resource.inputs.items()
            if k not in _SKIP and isinstance(v, (str, int, float, bool)) and len(str(v)) <= 60
        )[:4]
    shown = []
    for path in paths:
        value = _lookup(resource.inputs, path)
        if value is None or value in ([], {}):
            continue
        if path in resource.secret_inputs:
            text = "[secret]"
        else:
            text = show_value(value, declared_type(resource.type, path), refs, resource)
        shown.append(f"{path}={text}")
    return "  ".join(shown)


def _short_type(type_token: str) -> str:
    """`aws:ec2/subnet:Subnet` -> `aws:ec2:Subnet`; components keep their token."""
    parts = type_token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}:{parts[1].split('/')[0]}:{parts[2]}"
    return type_token


def render_plan(graph: Graph, summary: list[str] | None = None) -> str:
    """The tree, the counts, the exports and (when given) the summary lines at the end."""
    refs = References(graph)
    lines = [
        f"Plan for stack '{graph.stack}' of project '{graph.project}' "
        f"(offline, under mocks: nothing was sent to AWS)",
        "  Names the program sets are real; ids AWS assigns (vpc-..., sg-...) are placeholders.",
        "  A reference shows the other resource's name or id, then its logical name in brackets.",
    ]
    for log in graph.logs:
        lines.append(f"  {log}")
    lines.append("")

    def walk(parent: Resource | None, indent: str) -> None:
        children = sorted(graph.children(parent), key=lambda r: (not r.custom, r.type, r.name))
        for index, child in enumerate(children):
            last = index == len(children) - 1
            branch = "└─ " if last else "├─ "
            kind = _short_type(child.type)
            flags = []
            if child.protect:
                flags.append("protected")
            if child.ignore_changes:
                flags.append(f"ignores {','.join(child.ignore_changes)}")
            if child.retain_on_delete:
                flags.append("retained on delete")
            flag_text = f"  [{'; '.join(flags)}]" if flags else ""
            # Remote components (awsx:ecr:Image) have inputs worth showing too.
            shown = child.custom or child.type in KEY_PROPERTIES
            props = key_properties(child, refs) if shown else ""
            lines.append(f"{indent}{branch}{kind}  {child.name}{flag_text}  {props}".rstrip())
            walk(child, indent + ("   " if last else "│  "))

    lines.append(f"{graph.project}-{graph.stack} (pulumi:pulumi:Stack)")
    walk(None, "")
    counts = graph.counts()
    lines.append("")
    lines.append("Resources by type:")
    for type_token, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {count:4d}  {type_token}")
    components = len([r for r in graph.resources if not r.custom])
    lines.append(f"  {sum(counts.values()):4d}  resources in all, in {components} components")
    lines.append("")
    lines.append("Exports:")
    for name, value in graph.exports.items():
        shown = "[secret]" if name in graph.secret_exports else json.dumps(value)
        lines.append(f"  {name}: {shown}")
    if summary:
        lines.append("")
        lines.extend(summary)
    return "\n".join(lines)
