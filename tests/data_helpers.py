"""Helpers for the data-layer tests (database, cache, app storage, secrets)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stackctl.harness import Graph, Resource, run_program

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
CIDR_KEYS = ("cidrIpv4", "cidrIpv6", "cidrBlocks", "ipv6CidrBlocks")


def component(graph: Graph, type_token: str) -> Resource | None:
    found = [r for r in graph.resources if r.type == type_token]
    assert len(found) <= 1, f"{len(found)} components of type {type_token}"
    return found[0] if found else None


def child_of_type(graph: Graph, parent: Resource, type_token: str) -> list[Resource]:
    return [r for r in graph.children(parent) if r.type == type_token]


def only(resources: list[Resource]) -> Resource:
    assert len(resources) == 1, [r.name for r in resources]
    return resources[0]


def ingress_rules_of(graph: Graph, group: Resource) -> list[Resource]:
    return [r for r in graph.of_type(INGRESS) if r.get("securityGroupId") == group.id]


def assert_no_cidr_ingress(graph: Graph, group: Resource) -> None:
    assert not group.get("ingress"), f"{group.name} has inline ingress rules"
    for rule in ingress_rules_of(graph, group):
        for key in CIDR_KEYS:
            assert not rule.get(key), f"{rule.name} admits a CIDR ({key}={rule.get(key)})"
        assert rule.get("referencedSecurityGroupId") or rule.get("prefixListId"), rule.name


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, scalar) of a nested input, paths as the harness writes them."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def is_under(path: str, secret_paths: list[str]) -> bool:
    """True when `path` or one of its ancestors was recorded as a secret input."""
    for secret in secret_paths:
        if secret in ("$", path):
            return True
        if path.startswith(secret) and path[len(secret)] in ".[":
            return True
    return False


def generated_secrets(graph: Graph) -> list[str]:
    """The plaintext values the program generates (under mocks: the random passwords)."""
    values = [str(r.outputs.get("result")) for r in graph.of_type(RANDOM_PASSWORD)]
    return [v for v in values if v and v != "None"]


def plaintext_secret_inputs(graph: Graph) -> list[str]:
    """`type name path` of every input that holds a generated secret but is not marked secret."""
    plaintexts = generated_secrets(graph)
    found = []
    for resource in graph.resources:
        for path, value in leaves(resource.inputs):
            if not isinstance(value, str) or not any(p in value for p in plaintexts):
                continue
            if not is_under(path, resource.secret_inputs):
                found.append(f"{resource.type} {resource.name} {path}")
    return found


PROGRAM = '''
"""A tiny program: one client security group connected to the database and the cache."""
import pulumi_aws as aws

from components.data.cache import Cache, CacheArgs
from components.data.database import Database, DatabaseArgs
from components.kit.links import Source, connect

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
client = aws.ec2.SecurityGroup("client-sg", vpc_id=vpc.id, description="a service")
subnets = ["subnet-isolated-a", "subnet-isolated-b"]
database = Database(
    "db",
    DatabaseArgs(
        cluster_identifier="t-dev-db",
        vpc_id=vpc.id,
        subnet_ids=subnets,
        availability_zones=["us-east-1a", "us-east-1b"],
    ),
)
cache = Cache(
    "cache", CacheArgs(replication_group_id="t-dev-cache", vpc_id=vpc.id, subnet_ids=subnets)
)
connect(Source(client, "api", client.id), database.entry)
connect(Source(client, "worker", client.id), cache.entry)
'''


def run_allow_from_program(root: Path) -> Graph:
    (root / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (root / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    return run_program("dev", root=root)


RANDOM_ID = "random:index/randomId:RandomId"


def assert_unique_final_snapshot(graph: Graph, snapshot: str, identifier: str) -> None:
    """`<identifier>-final-<hex>`, the hex from a RandomId of this stack keyed on the identifier.

    A RandomId is new each time the stack is created, so the snapshot the first destroy left
    does not block the second destroy of a re-created stack.
    """
    ids = [r for r in graph.of_type(RANDOM_ID) if (r.get("keepers") or {}) and identifier in
           (r.get("keepers") or {}).values()]  # fmt: skip
    assert len(ids) == 1, f"no RandomId keyed on {identifier}"
    assert snapshot == f"{identifier}-final-{ids[0].outputs['hex']}"
    assert len(ids[0].outputs["hex"]) == 2 * ids[0].get("byteLength") >= 8
