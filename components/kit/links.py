"""One way to connect two things: `connect(source, target)`, and what a workload gets from a link.

`Endpoint` is something reachable on one TCP port behind a security group (the database, the
cache, the load balancer, a service's tasks). `connect(source, endpoint)` creates both sides of
the pair from the endpoint's port: the ingress rule on the endpoint's group from the source's
group only, and the egress rule on the source's group to the endpoint's group only. Both are
standalone rules (aws-facts#sg-standalone-rules); nothing else in the program writes a
group-to-group rule, so a connection cannot be half made.

`Link` is what a workload receives from a data store it `uses` (app/contract.json): plain
environment values, secret references for the task definition (`valueFrom` full ARNs, JSON keys
as `<arn>:<key>::`, aws-facts#secret-json-key), the secrets the execution role may read, the
task role's statements, and the endpoint to connect to. SST's `link` is the model: one statement
of intent ("the api uses the database"), every consequence derived from it.

Cost: none (security group rules and IAM statements are free).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class Endpoint:
    """A security group that admits one TCP port from the groups connected to it."""

    owner: pulumi.Resource  # the component that owns the group: parent of the ingress rules
    name: str  # the owner's logical name: its ingress rules are `<name>-from-<source>`
    label: str  # how sources name it: their egress rules are `<source>-to-<label>`
    security_group_id: pulumi.Input[str]
    port: int
    protocol: str  # for the rules' descriptions: "PostgreSQL", "HTTP"


@dataclass(frozen=True)
class Source:
    """The group a connection starts from (a service's tasks, the load balancer)."""

    owner: pulumi.Resource  # parent of the egress rules
    label: str  # its ingress rules on endpoints are `<endpoint>-from-<label>`
    security_group_id: pulumi.Input[str]


@dataclass(frozen=True)
class Connection:
    ingress: aws.vpc.SecurityGroupIngressRule
    egress: aws.vpc.SecurityGroupEgressRule


def connect(
    source: Source,
    target: Endpoint,
    *,
    egress_aliases: Sequence[pulumi.Alias] = (),
) -> Connection:
    """Both sides of `source` -> `target` on the target's port, group to group only."""
    ingress = aws.vpc.SecurityGroupIngressRule(
        f"{target.name}-from-{source.label}",
        aws.vpc.SecurityGroupIngressRuleArgs(
            security_group_id=target.security_group_id,
            ip_protocol="tcp",
            from_port=target.port,
            to_port=target.port,
            referenced_security_group_id=source.security_group_id,
            description=f"{target.protocol} from {source.label}",
        ),
        opts=pulumi.ResourceOptions(parent=target.owner),
    )
    egress = aws.vpc.SecurityGroupEgressRule(
        f"{source.label}-to-{target.label}",
        aws.vpc.SecurityGroupEgressRuleArgs(
            security_group_id=source.security_group_id,
            ip_protocol="tcp",
            from_port=target.port,
            to_port=target.port,
            referenced_security_group_id=target.security_group_id,
            description=f"{target.protocol} to {target.label}",
        ),
        opts=pulumi.ResourceOptions(parent=source.owner, aliases=list(egress_aliases)),
    )
    return Connection(ingress, egress)


@dataclass(frozen=True)
class Link:
    """What a workload gets from one data store it uses."""

    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secret_arns: Sequence[pulumi.Input[str]] = ()
    task_statements: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    endpoint: Endpoint | None = None


@dataclass(frozen=True)
class Linked:
    """Several links merged: what one task definition and its roles receive."""

    environment: dict[str, pulumi.Input[str]]
    secrets: dict[str, pulumi.Input[str]]
    secret_arns: list[pulumi.Input[str]]
    task_statements: list[pulumi.Input[Mapping[str, Any]]]
    endpoints: list[Endpoint]


def merge(links: Sequence[Link]) -> Linked:
    """The links' values together; a variable set by two links must not differ in name only."""
    merged = Linked({}, {}, [], [], [])
    for link in links:
        for key, value in link.environment.items():
            merged.environment.setdefault(key, value)
        for key, value in link.secrets.items():
            if key in merged.secrets:
                raise ValueError(f"two links inject the secret {key}")
            merged.secrets[key] = value
        merged.secret_arns.extend(link.secret_arns)
        merged.task_statements.extend(link.task_statements)
        if link.endpoint is not None:
            merged.endpoints.append(link.endpoint)
    return merged
