"""Rules AWS enforces that neither the CloudFormation schemas nor botocore's models express.

Each rule names its source. They read the declared resources (not the settings), so a mistake
that slips past settings validation is still caught.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources

from stackctl.harness import Graph, Resource
from stackctl.preflight.findings import Finding

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
INSTANCE = "aws:ec2/instance:Instance"

# EC2 API reference (CreateSecurityGroup GroupDescription; IpRange/UserIdGroupPair/PrefixListId
# Description; AuthorizeSecurityGroupIngress rule descriptions): up to 255 characters, only
# a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* . The CloudFormation schema carries this
# pattern for GroupDescription only; the rule descriptions of the standalone rule resources
# have the same limit in the API.
EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")
EC2_DESCRIPTION_RULE = "EC2 API: a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$* , up to 255"

# VPC user guide, "VPC CIDR blocks" and "Subnet CIDR blocks": IPv4 blocks are /16 to /28; a
# subnet's block lies inside its VPC's and does not overlap another subnet's in that VPC.
MIN_PREFIX, MAX_PREFIX = 16, 28


def _finding(
    resource: Resource,
    prop: str,
    value: object,
    rule: str,
    message: str,
    *,
    setting: str | None = None,
) -> Finding:
    return Finding(
        resource.name, resource.type, prop, value, f"cross-field {rule}", message, setting
    )


def _descriptions(resource: Resource) -> Iterator[tuple[str, object]]:
    if resource.type == SECURITY_GROUP and "description" in resource.inputs:
        yield "description", resource.inputs["description"]
    if resource.type in (INGRESS_RULE, EGRESS_RULE, LEGACY_RULE) and "description" in (
        resource.inputs
    ):
        yield "description", resource.inputs["description"]
    if resource.type in (SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        for direction in ("ingress", "egress"):
            for index, rule in enumerate(resource.inputs.get(direction) or []):
                if isinstance(rule, dict) and "description" in rule:
                    yield f"{direction}[{index}].description", rule["description"]


def security_group_descriptions(graph: Graph) -> Iterator[Finding]:
    for resource in graph.custom_resources():
        for prop, value in _descriptions(resource):
            if not isinstance(value, str) or EC2_DESCRIPTION.fullmatch(value):
                continue
            bad = sorted({c for c in value if not EC2_DESCRIPTION.fullmatch(c)})
            detail = f"characters EC2 refuses: {bad}" if bad else "longer than 255 characters"
            yield _finding(
                resource, prop, value, "ec2-description", f"{detail} ({EC2_DESCRIPTION_RULE})"
            )


def _network(value: object) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(str(value))
    except ValueError:
        return None


def subnet_cidrs(graph: Graph) -> Iterator[Finding]:
    vpcs = {vpc.id: vpc for vpc in graph.of_type(VPC)}
    for vpc in vpcs.values():
        block = _network(vpc.get("cidrBlock"))
        if block is None or not MIN_PREFIX <= block.prefixlen <= MAX_PREFIX:
            yield _finding(
                vpc,
                "cidrBlock",
                vpc.get("cidrBlock"),
                "vpc-cidr",
                f"not an IPv4 block from /{MIN_PREFIX} to /{MAX_PREFIX}",
                setting="vpcCidr",
            )
    seen: dict[str, list[tuple[Resource, ipaddress.IPv4Network]]] = {}
    for subnet in graph.of_type(SUBNET):
        value = subnet.get("cidrBlock")
        block = _network(value)
        if block is None or not MIN_PREFIX <= block.prefixlen <= MAX_PREFIX:
            yield _finding(
                subnet,
                "cidrBlock",
                value,
                "subnet-cidr",
                f"not an IPv4 block from /{MIN_PREFIX} to /{MAX_PREFIX}",
                setting="vpcCidr",
            )
            continue
        parent = vpcs.get(subnet.get("vpcId"))
        vpc_block = _network(parent.get("cidrBlock")) if parent else None
        if vpc_block is not None and not block.subnet_of(vpc_block):
            yield _finding(
                subnet,
                "cidrBlock",
                value,
                "subnet-in-vpc",
                f"outside the VPC's block {vpc_block}",
                setting="vpcCidr",
            )
        for other, other_block in seen.get(str(subnet.get("vpcId")), []):
            if block.overlaps(other_block):
                yield _finding(
                    subnet,
                    "cidrBlock",
                    value,
                    "subnet-overlap",
                    f"overlaps {other.name} ({other_block})",
                    setting="vpcCidr",
                )
        seen.setdefault(str(subnet.get("vpcId")), []).append((subnet, block))


def instance_root_device(graph: Graph) -> Iterator[Finding]:
    """The AWS provider reads the AMI's root device name (DescribeImages on `ami`) whenever
    `root_block_device` is set; DescribeImages takes only image ids, so an `ami` of
    `resolve:ssm:<parameter>` fails with InvalidAMIID.Malformed (terraform-provider-aws
    issue 43488). RunInstances alone would accept the parameter."""
    for instance in graph.of_type(INSTANCE):
        ami = instance.get("ami")
        if instance.get("rootBlockDevice") and str(ami).startswith("resolve:ssm:"):
            yield _finding(
                instance,
                "ami",
                ami,
                "root-device-ami",
                "root_block_device needs a real AMI id: the provider calls "
                "DescribeImages on `ami`, which refuses resolve:ssm: "
                "(resolve the parameter in the program)",
            )


# cfn-lint's per-region offerings (gathered by AWS from the pricing APIs), applied to inputs its
# own rules do not cover: cfn-lint checks CacheNodeType on AWS::ElastiCache::CacheCluster only,
# but a replication group's nodes are the same node types.
OFFERINGS: dict[tuple[str, str], tuple[str, str]] = {
    ("aws:elasticache/replicationGroup:ReplicationGroup", "nodeType"): (
        "cfnlint.data.schemas.extensions.aws_elasticache_cachecluster",
        "cachenodetype_enum.json",
    ),
}
OFFERING_SETTINGS = {"nodeType": "redisNodeType"}


@cache
def _offered(module: str, filename: str, region: str) -> frozenset[str]:
    data = json.loads(resources.files(module).joinpath(filename).read_text(encoding="utf-8"))
    return frozenset(data.get(region, {}).get("enum", []))


def offered_in_region(graph: Graph) -> Iterator[Finding]:
    region = graph.config.get("aws:region", "us-east-1")
    for resource in graph.custom_resources():
        for (type_token, prop), (module, filename) in OFFERINGS.items():
            value = resource.get(prop)
            if resource.type != type_token or value is None:
                continue
            offered = _offered(module, filename, region)
            if offered and value not in offered:
                yield _finding(
                    resource,
                    prop,
                    value,
                    "offered-in-region",
                    f"not offered in {region} (cfn-lint's {filename}: {len(offered)} types)",
                    setting=OFFERING_SETTINGS.get(prop),
                )


RULES: tuple[Callable[[Graph], Iterator[Finding]], ...] = (
    security_group_descriptions,
    subnet_cidrs,
    instance_root_device,
    offered_in_region,
)


def check(graph: Graph) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(graph)]
