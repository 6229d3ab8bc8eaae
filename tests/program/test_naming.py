"""Names: the helper's rules, and every name the program produces within AWS's limits."""

from __future__ import annotations

import re

import pytest

from components.kit.naming import AUTONAME_SUFFIX, NAME_LIMITS, Naming, check_logical
from stackctl.harness import Graph
from tests.conftest import PlanFn

# Configurations that change which resources exist; names are checked in all of them.
CONFIGURATIONS = [
    ("dev", ()),
    ("prod", ()),
    ("dev", ("nat=gatewayPerAz", "redis=true", "waf=true", "flowLogs=true")),
    ("prod", ("domain=example.com", "edge=public")),
]

S3_NAME = re.compile(r"^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
RDS_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$")
LOWER_DASH = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def test_prefix_is_project_and_stack() -> None:
    assert Naming("fullstack", "dev").prefix == "fullstack-dev"
    assert Naming("My_App", "Prod.EU").prefix == "my-app-prod-eu"


@pytest.mark.parametrize(
    ("kind", "limit"),
    [("alb", 32), ("target-group", 32), ("elasticache", 40), ("rds", 63), ("s3", 63)],
)
def test_long_names_are_shortened_with_a_stable_hash(kind: str, limit: int) -> None:
    naming = Naming("a-very-long-project-name-for-a-startup", "production-europe-west")
    name = naming.physical(kind, "database-cluster")
    assert len(name) <= limit
    assert LOWER_DASH.match(name), name
    assert name == naming.physical(kind, "database-cluster"), "deterministic"
    assert name != Naming(
        "a-very-long-project-name-for-a-startup", "production-europe-east"
    ).physical(kind, "database-cluster")


def test_short_names_are_kept_readable() -> None:
    assert Naming("fullstack", "dev").physical("rds", "db") == "fullstack-dev-db"


def test_names_start_with_a_letter() -> None:
    assert Naming("1app", "dev").physical("rds", "db")[0].isalpha()


def test_check_logical_rejects_names_whose_autoname_would_not_fit() -> None:
    alb = "aws:lb/loadBalancer:LoadBalancer"
    assert check_logical(alb, "a" * 24) == "a" * 24
    with pytest.raises(ValueError, match="limit is 32"):
        check_logical(alb, "a" * 25)


@pytest.mark.parametrize(("stack", "overrides"), CONFIGURATIONS)
def test_every_name_the_program_produces_fits_its_limit(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    checked = 0
    for resource in graph.custom_resources():
        limit = NAME_LIMITS.get(resource.type)
        if limit is None:
            continue
        prop, maximum = limit
        explicit = resource.get(prop)
        prefix = resource.get("namePrefix")
        if isinstance(explicit, str):
            assert len(explicit) <= maximum, f"{resource.type} {prop}={explicit!r} > {maximum}"
        elif isinstance(prefix, str):
            # The provider appends a 26-character unique suffix to a name prefix.
            assert len(prefix) + 26 <= maximum, f"{resource.name} prefix too long"
        else:
            autoname = len(resource.name) + AUTONAME_SUFFIX
            assert autoname <= maximum, (
                f"{resource.type} {resource.name}: auto-name {autoname} > {maximum}"
            )
        checked += 1
    assert checked > 0


@pytest.mark.parametrize(("stack", "overrides"), CONFIGURATIONS)
def test_names_follow_each_service_character_rules(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph: Graph = plan(stack, *overrides)
    for cluster in graph.of_type("aws:rds/cluster:Cluster"):
        identifier = cluster.get("clusterIdentifier")
        assert identifier and RDS_IDENTIFIER.match(identifier), identifier
        snapshot = cluster.get("finalSnapshotIdentifier")
        if snapshot:
            assert RDS_IDENTIFIER.match(snapshot) and len(snapshot) <= 255
        database = cluster.get("databaseName")
        if database:
            assert re.match(r"^[A-Za-z][A-Za-z0-9]*$", database), database
    for group in graph.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
        identifier = group.get("replicationGroupId")
        if identifier:
            assert LOWER_DASH.match(identifier) and identifier[0].isalpha(), identifier
    for bucket in graph.of_type("aws:s3/bucket:Bucket"):
        name = bucket.get("bucket") or bucket.get("bucketPrefix")
        if name:
            assert S3_NAME.match(name.rstrip("-") + "x"), name
            assert not name.endswith(("-s3alias", "--ol-s3"))
    for kind in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
        for resource in graph.of_type(kind):
            name = resource.get("name") or resource.name
            assert re.match(r"^[A-Za-z0-9-]+$", name) and not name.startswith(("-", "internal-")), (
                name
            )
