"""Database: Aurora Serverless v2 PostgreSQL, RDS-managed secret, isolated, kept in prod."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.data_helpers import (
    SECURITY_GROUP,
    assert_no_cidr_ingress,
    assert_unique_final_snapshot,
    child_of_type,
    component,
    ingress_rules_of,
    only,
    run_allow_from_program,
)
from tests.helpers import subnets_of_tier

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
# Constraint 5: lowercase letters, digits, hyphens; starts with a letter; no "--"; no trailing "-".
RDS_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
DATABASE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,62}$")


def cluster_of(graph: Graph) -> Resource:
    return only(graph.of_type(CLUSTER))


def scaling(graph: Graph) -> dict[str, float]:
    return dict(cluster_of(graph).get("serverlessv2ScalingConfiguration"))


# -- engine and capacity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "overrides", "min_acu", "max_acu"),
    [
        ("dev", (), 0, 2),
        ("prod", (), 0.5, 4),
        ("dev", ("dbMinAcu=1", "dbMaxAcu=8"), 1, 8),
        ("prod", ("dbMinAcu=0", "dbMaxAcu=16"), 0, 16),
    ],
)
def test_capacity_scales_between_min_and_max_acu(
    plan: PlanFn, stack: str, overrides: tuple[str, ...], min_acu: float, max_acu: float
) -> None:
    config = scaling(plan(stack, *overrides))
    assert (config["minCapacity"], config["maxCapacity"]) == (min_acu, max_acu)


@pytest.mark.parametrize(
    ("stack", "overrides", "pause"),
    [
        ("dev", (), 300),
        ("dev", ("dbAutoPauseSeconds=3600",), 3600),
        ("dev", ("dbMinAcu=0.5",), None),
        ("prod", (), None),
        ("prod", ("dbMinAcu=0",), 300),
    ],
)
def test_auto_pause_only_with_min_acu_zero(
    plan: PlanFn, stack: str, overrides: tuple[str, ...], pause: int | None
) -> None:
    config = scaling(plan(stack, *overrides))
    assert config.get("secondsUntilAutoPause") == pause
    if pause is not None:
        assert config["minCapacity"] == 0


def test_engine_is_aurora_postgresql_16_serverless_v2(stack_graph: Graph) -> None:
    cluster = cluster_of(stack_graph)
    assert cluster.get("engine") == "aurora-postgresql"
    assert cluster.get("engineMode") == "provisioned"
    match = re.fullmatch(r"16\.(\d+)", cluster.get("engineVersion"))
    assert match and int(match.group(1)) >= 3, "0 ACU needs Aurora PostgreSQL 16.3 or newer"
    for instance in stack_graph.of_type(INSTANCE):
        assert instance.get("instanceClass") == "db.serverless"
        assert instance.get("engine") == "aurora-postgresql"
        assert instance.get("clusterIdentifier") == cluster.id


# -- credentials --------------------------------------------------------------------------------


def test_master_password_is_managed_by_rds(stack_graph: Graph) -> None:
    cluster = cluster_of(stack_graph)
    assert cluster.get("manageMasterUserPassword") is True
    # Aurora PostgreSQL: 1-63 letters, digits or _, a letter first, not the reserved "rdsadmin".
    username = cluster.get("masterUsername")
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", username) and username != "rdsadmin"
    for resource in stack_graph.resources:
        assert "masterPassword" not in resource.inputs, resource.name
        assert "masterPasswordWo" not in resource.inputs, resource.name


def test_master_secret_arn_is_exported_from_the_managed_secret(stack_graph: Graph) -> None:
    cluster = cluster_of(stack_graph)
    arn = cluster.outputs["masterUserSecrets"][0]["secretArn"]
    assert stack_graph.exports["databaseSecretArn"] == arn
    assert stack_graph.exports["databasePort"] == 5432
    assert stack_graph.exports["databaseName"] == cluster.get("databaseName")
    assert stack_graph.exports["databaseEndpoint"] == cluster.outputs["endpoint"]
    assert stack_graph.exports["databaseReaderEndpoint"] == cluster.outputs["readerEndpoint"]


# -- placement ------------------------------------------------------------------------------------


def test_subnet_group_is_the_isolated_subnets(stack_graph: Graph) -> None:
    group = only(stack_graph.of_type(SUBNET_GROUP))
    isolated = {s.id for s in subnets_of_tier(stack_graph, "isolated")}
    assert set(group.get("subnetIds")) == isolated and len(isolated) >= 2
    assert cluster_of(stack_graph).get("dbSubnetGroupName") == group.get("name")


def test_cluster_does_not_pin_availability_zones(stack_graph: Graph) -> None:
    assert not cluster_of(stack_graph).get("availabilityZones")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_one_writer_and_the_readers_spread_over_azs(plan: PlanFn, stack: str) -> None:
    default = plan(stack).of_type(INSTANCE)
    assert len(default) == 1 and default[0].get("promotionTier") == 0
    graph = plan(stack, "dbReaders=2")
    instances = graph.of_type(INSTANCE)
    assert len(instances) == 3
    zones = [i.get("availabilityZone") for i in instances]
    assert set(zones) == set(graph.exports["availabilityZones"])
    assert sorted(i.get("promotionTier") for i in instances) == [0, 1, 1]
    assert all(i.get("publiclyAccessible") is False for i in instances)


# -- security group -------------------------------------------------------------------------------


def database_sg(graph: Graph) -> Resource:
    database = component(graph, "fullstack:data:Database")
    assert database is not None
    return only(child_of_type(graph, database, SECURITY_GROUP))


def test_database_sg_is_the_clusters_only_sg_and_admits_no_cidr(stack_graph: Graph) -> None:
    group = database_sg(stack_graph)
    assert cluster_of(stack_graph).get("vpcSecurityGroupIds") == [group.id]
    assert_no_cidr_ingress(stack_graph, group)
    for rule in ingress_rules_of(stack_graph, group):
        assert (rule.get("fromPort"), rule.get("toPort"), rule.get("ipProtocol")) == (
            5432,
            5432,
            "tcp",
        )


def test_connect_admits_5432_from_the_source_group_and_lets_the_source_out(tmp_path: Path) -> None:
    graph = run_allow_from_program(tmp_path)
    client = graph.named("client-sg", SECURITY_GROUP)
    group = graph.named("db-sg", SECURITY_GROUP)
    (rule,) = ingress_rules_of(graph, group)
    assert rule.get("referencedSecurityGroupId") == client.id
    assert (rule.get("fromPort"), rule.get("toPort"), rule.get("ipProtocol")) == (
        5432,
        5432,
        "tcp",
    )
    assert rule.parent == graph.named("db", "fullstack:data:Database").urn
    assert_no_cidr_ingress(graph, group)
    # The other side of the pair: the source may reach exactly this group on this port.
    (egress,) = [
        r
        for r in graph.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.get("securityGroupId") == client.id and r.get("referencedSecurityGroupId") == group.id
    ]
    assert egress.name == "api-to-db"
    assert egress.get("referencedSecurityGroupId") == group.id
    assert (egress.get("fromPort"), egress.get("toPort")) == (5432, 5432)


# -- storage, backups, observability --------------------------------------------------------------


@pytest.mark.parametrize(("stack", "days"), [("dev", 1), ("prod", 7)])
def test_storage_is_encrypted_and_backed_up(plan: PlanFn, stack: str, days: int) -> None:
    cluster = cluster_of(plan(stack))
    assert cluster.get("storageEncrypted") is True
    assert cluster.get("backupRetentionPeriod") == days
    assert cluster.get("copyTagsToSnapshot") is True


def test_postgresql_logs_go_to_a_log_group_with_retention(stack_graph: Graph) -> None:
    cluster = cluster_of(stack_graph)
    assert cluster.get("enabledCloudwatchLogsExports") == ["postgresql"]
    name = f"/aws/rds/cluster/{cluster.get('clusterIdentifier')}/postgresql"
    (group,) = [g for g in stack_graph.of_type(LOG_GROUP) if g.get("name") == name]
    expected = {"dev": 7, "prod": 30}[stack_graph.stack]
    assert group.get("retentionInDays") == expected
    assert group.urn in cluster.depends_on


def test_performance_insights_on_the_free_tier(stack_graph: Graph) -> None:
    for instance in stack_graph.of_type(INSTANCE):
        assert instance.get("performanceInsightsEnabled") is True
        assert instance.get("performanceInsightsRetentionPeriod") == 7


def test_minor_upgrades_are_automatic_and_their_drift_is_ignored(stack_graph: Graph) -> None:
    """RDS upgrades the minor version in the maintenance window; the next `up` must not try to
    set the older pinned minor again (a downgrade RDS refuses)."""
    assert "engineVersion" in cluster_of(stack_graph).ignore_changes
    instances = stack_graph.of_type(INSTANCE)
    assert instances
    for instance in instances:
        assert instance.get("autoMinorVersionUpgrade") is True
        assert "engineVersion" in instance.ignore_changes


# -- destroy behaviour ----------------------------------------------------------------------------


def test_prod_keeps_the_database_on_destroy(plan: PlanFn) -> None:
    cluster = cluster_of(plan("prod"))
    assert cluster.get("deletionProtection") is True
    assert cluster.get("skipFinalSnapshot") is False
    assert_unique_final_snapshot(
        plan("prod"), cluster.get("finalSnapshotIdentifier"), cluster.get("clusterIdentifier")
    )
    assert RDS_IDENTIFIER.match(cluster.get("finalSnapshotIdentifier"))
    assert cluster.protect
    assert all(
        r.protect
        for r in plan("prod").of_type("random:index/randomId:RandomId")
        if r.parent == cluster.parent
    ), "the snapshot name is kept with the cluster"


def test_dev_database_can_be_destroyed_cleanly(plan: PlanFn) -> None:
    cluster = cluster_of(plan("dev"))
    assert cluster.get("deletionProtection") is False
    assert cluster.get("skipFinalSnapshot") is True
    assert not cluster.get("finalSnapshotIdentifier")
    assert not cluster.protect
    assert not any(r.protect for r in plan("dev").resources)


def test_deletion_protection_dial_protects_a_lab_too(plan: PlanFn) -> None:
    cluster = cluster_of(plan("dev", "deletionProtection=true"))
    assert cluster.protect and cluster.get("deletionProtection") is True


# -- names (aws-facts#rds-identifier) --------------------------------------------------------------


def test_identifiers_and_database_name_follow_rds_rules(stack_graph: Graph) -> None:
    cluster = cluster_of(stack_graph)
    assert RDS_IDENTIFIER.match(cluster.get("clusterIdentifier"))
    for instance in stack_graph.of_type(INSTANCE):
        assert RDS_IDENTIFIER.match(instance.get("identifier")), instance.get("identifier")
    assert DATABASE_NAME.match(cluster.get("databaseName"))
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,15}", cluster.get("masterUsername"))
    group = only(stack_graph.of_type(SUBNET_GROUP))
    assert re.fullmatch(r"[a-z0-9 ._-]{1,255}", group.get("name"))


def test_identifier_rule_rejects_bad_names() -> None:
    for bad in ("1db", "db--x", "db-", "DB", "a" * 64):
        assert not RDS_IDENTIFIER.match(bad), bad
    assert RDS_IDENTIFIER.match("fullstack-prod-db")


def test_services_are_admitted_by_security_group(stack_graph: Graph) -> None:
    """The whole program: the services' groups (wired by compute) are the only sources."""
    group = database_sg(stack_graph)
    rules = ingress_rules_of(stack_graph, group)
    assert rules, "no service is admitted to the database"
    for rule in rules:
        source = stack_graph.by_id(rule.get("referencedSecurityGroupId"))
        assert source.type == SECURITY_GROUP and source.id != group.id, rule.name
