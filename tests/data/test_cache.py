"""Cache: ElastiCache (Valkey/Redis) only when enabled, TLS, a secret auth token, isolated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.data_helpers import (
    RANDOM_PASSWORD,
    SECRET,
    SECRET_VERSION,
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

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
# Constraint 37: 16-128 printable characters; the only specials are ! & # $ ^ < > -
AUTH_TOKEN = re.compile(r"^[A-Za-z0-9!&#$^<>-]{16,128}$")
# Constraint 4: <= 40, lowercase; ElastiCache ids start with a letter, no "--", no trailing "-".
REPLICATION_GROUP_ID = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,39}(?<!-)$")

# pulumi_random RandomPassword: the special characters used when `overrideSpecial` is unset.
RANDOM_DEFAULT_SPECIALS = "!@#$%&*()-_=+[]{}<>:?"
CACHE_STACKS = [("dev", ("redis=true",)), ("prod", ())]


def cache_graph(plan: PlanFn, stack: str, overrides: tuple[str, ...] = ()) -> Graph:
    return plan(stack, *overrides)


def cache_component(graph: Graph) -> Resource:
    found = component(graph, "fullstack:data:Cache")
    assert found is not None
    return found


def group_of(graph: Graph) -> Resource:
    return only(graph.of_type(GROUP))


# -- presence -------------------------------------------------------------------------------------


def test_no_cache_when_redis_is_off(plan: PlanFn) -> None:
    for graph in (plan("dev"), plan("prod", "redis=false")):
        assert not graph.of_type(GROUP)
        assert component(graph, "fullstack:data:Cache") is None
        assert "redisHost" not in graph.exports
        # only the app secret (and the HTTP API's origin secrets, which are not the cache's)
        assert [p.name for p in graph.of_type(RANDOM_PASSWORD) if "origin" not in p.name] == [
            "storage-app-secret"
        ]


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_cache_exists_when_redis_is_on(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    group = group_of(graph)
    assert group.get("engine") == "valkey" and group.get("engineVersion") == "8.0"
    assert group.get("nodeType") == "cache.t4g.micro"
    assert graph.exports["redisHost"] == group.outputs["primaryEndpointAddress"]
    assert graph.exports["redisPort"] == 6379 and graph.exports["redisTls"] is True


def test_engine_dial_selects_redis_oss(plan: PlanFn) -> None:
    group = group_of(plan("prod", "redisEngine=redis"))
    assert group.get("engine") == "redis" and group.get("engineVersion") == "7.1"


def test_node_type_comes_from_settings(plan: PlanFn) -> None:
    assert group_of(plan("prod", "redisNodeType=cache.t4g.small")).get("nodeType") == (
        "cache.t4g.small"
    )


# -- encryption and the token ---------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_tls_and_encryption_at_rest(plan: PlanFn, stack: str, overrides: tuple[str, ...]) -> None:
    group = group_of(plan(stack, *overrides))
    assert group.get("transitEncryptionEnabled") is True
    assert group.get("atRestEncryptionEnabled") is True
    assert group.get("port") == 6379


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_auth_token_is_a_secret_random_value_within_elasticache_rules(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    group = group_of(graph)
    cache = cache_component(graph)
    (token,) = child_of_type(graph, cache, RANDOM_PASSWORD)
    assert "authToken" in group.secret_inputs
    assert group.get("authToken") == token.outputs["result"]
    assert AUTH_TOKEN.match(group.get("authToken"))
    assert 16 <= token.get("length") <= 128
    # ElastiCache AUTH tokens (CreateReplicationGroup AuthToken): the only special characters
    # allowed are ! & # $ ^ < > -. The random provider draws specials (`special` defaults to
    # true) from `overrideSpecial` or else from its own set, which has others (@, /, ...).
    if token.get("special") is False:
        specials = ""
    else:
        specials = token.get("overrideSpecial") or RANDOM_DEFAULT_SPECIALS
    assert set(specials) <= set("!&#$^<>-"), specials
    # AWS recommends at least three character types: upper, lower, digits are each required.
    assert min(token.get("minUpper"), token.get("minLower"), token.get("minNumeric")) >= 1


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_auth_token_is_stored_as_a_plain_string_secret(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    cache = cache_component(graph)
    secret = only(child_of_type(graph, cache, SECRET))
    version = only(child_of_type(graph, cache, SECRET_VERSION))
    (token,) = child_of_type(graph, cache, RANDOM_PASSWORD)
    assert version.get("secretId") == secret.id
    assert version.get("secretString") == token.outputs["result"]  # plain, not JSON
    assert "secretString" in version.secret_inputs
    assert graph.exports["redisAuthTokenSecretArn"] == secret.outputs["arn"]
    assert "redisAuthTokenSecretArn" not in graph.secret_exports  # an ARN, not the token


def test_token_secret_is_deleted_at_once_in_a_lab_and_recoverable_in_prod(plan: PlanFn) -> None:
    lab = only(
        child_of_type(plan("dev", "redis=true"), cache_component(plan("dev", "redis=true")), SECRET)
    )
    prod = only(child_of_type(plan("prod"), cache_component(plan("prod")), SECRET))
    assert lab.get("recoveryWindowInDays") == 0
    assert prod.get("recoveryWindowInDays") == 30


# -- availability ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("nodes", "multi_az"), [(1, False), (2, True), (3, True)])
def test_failover_and_multi_az_only_with_two_or_more_nodes(
    plan: PlanFn, nodes: int, multi_az: bool
) -> None:
    group = group_of(plan("prod", f"redisNodes={nodes}"))
    assert group.get("numCacheClusters") == nodes
    assert group.get("automaticFailoverEnabled") is multi_az
    assert group.get("multiAzEnabled") is multi_az


def test_profiles_run_one_node(plan: PlanFn) -> None:
    for graph in (plan("dev", "redis=true"), plan("prod")):
        assert group_of(graph).get("numCacheClusters") == 1


def test_snapshots_in_mvp_and_none_in_a_lab(plan: PlanFn) -> None:
    prod = group_of(plan("prod"))
    assert prod.get("snapshotRetentionLimit") == 7
    # ElastiCache: the snapshot window is hh:mm-hh:mm UTC, at least 60 minutes, and must not
    # overlap the maintenance window.
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in prod.get("snapshotWindow").split("-"))
    assert (end - start) % 1440 >= 60
    # (the maintenance window is ddd:hh:mm-ddd:hh:mm; the snapshot window recurs every day)
    m_start, m_end = (
        int(t.split(":")[1]) * 60 + int(t.split(":")[2])
        for t in prod.get("maintenanceWindow").split("-")
    )
    assert not (m_start < end and start < m_end)
    assert_unique_final_snapshot(
        plan("prod"), prod.get("finalSnapshotIdentifier"), prod.get("replicationGroupId")
    )
    # a new engine may replace the group: the final snapshot's name changes with it, so the
    # replaced group's snapshot never collides with the new group's (the RandomId's keepers)
    keepers = [
        r.get("keepers")
        for r in plan("prod").of_type("random:index/randomId:RandomId")
        if r.get("keepers", {}).get("identifier") == prod.get("replicationGroupId")
    ]
    assert keepers == [{"identifier": prod.get("replicationGroupId"), "engine": "valkey"}]
    lab = group_of(plan("dev", "redis=true"))
    assert lab.get("snapshotRetentionLimit") == 0
    assert not lab.get("finalSnapshotIdentifier")


# -- placement and access -------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_cache_is_in_the_isolated_subnets(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    subnet_group = only(graph.of_type(SUBNET_GROUP))
    isolated = {s.id for s in subnets_of_tier(graph, "isolated")}
    assert set(subnet_group.get("subnetIds")) == isolated
    assert group_of(graph).get("subnetGroupName") == subnet_group.get("name")


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_cache_sg_admits_no_cidr(plan: PlanFn, stack: str, overrides: tuple[str, ...]) -> None:
    graph = plan(stack, *overrides)
    group = only(child_of_type(graph, cache_component(graph), SECURITY_GROUP))
    assert group_of(graph).get("securityGroupIds") == [group.id]
    assert_no_cidr_ingress(graph, group)
    for rule in ingress_rules_of(graph, group):
        assert (rule.get("fromPort"), rule.get("toPort")) == (6379, 6379)


def test_connect_admits_6379_from_the_source_group_and_lets_the_source_out(tmp_path: Path) -> None:
    graph = run_allow_from_program(tmp_path)
    client = graph.named("client-sg", SECURITY_GROUP)
    group = graph.named("cache-sg", SECURITY_GROUP)
    (rule,) = ingress_rules_of(graph, group)
    assert rule.get("referencedSecurityGroupId") == client.id
    assert (rule.get("fromPort"), rule.get("toPort"), rule.get("ipProtocol")) == (
        6379,
        6379,
        "tcp",
    )
    assert_no_cidr_ingress(graph, group)
    # The other side of the pair: the source may reach exactly this group on this port.
    (egress,) = [
        r
        for r in graph.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.get("securityGroupId") == client.id and r.get("referencedSecurityGroupId") == group.id
    ]
    assert egress.name == "worker-to-cache"
    assert egress.get("referencedSecurityGroupId") == group.id
    assert (egress.get("fromPort"), egress.get("toPort")) == (6379, 6379)


# -- names (aws-facts#iam-name) --------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_replication_group_id_follows_elasticache_rules(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    group_id = group_of(plan(stack, *overrides)).get("replicationGroupId")
    assert REPLICATION_GROUP_ID.match(group_id), group_id


def test_replication_group_id_rule_rejects_bad_names() -> None:
    for bad in ("Cache", "a" * 41, "1cache", "cache-", "a--b"):
        assert not REPLICATION_GROUP_ID.match(bad), bad


@pytest.mark.parametrize(("stack", "overrides"), CACHE_STACKS)
def test_services_are_admitted_to_the_cache_by_security_group(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    group = only(child_of_type(graph, cache_component(graph), SECURITY_GROUP))
    rules = ingress_rules_of(graph, group)
    assert rules, "no service is admitted to the cache"
    for rule in rules:
        source = graph.by_id(rule.get("referencedSecurityGroupId"))
        assert source.type == SECURITY_GROUP and source.id != group.id, rule.name


def test_minor_engine_upgrades_are_explicitly_on(plan: PlanFn) -> None:
    for graph in (plan("dev", "redis=true"), plan("prod")):
        assert group_of(graph).get("autoMinorVersionUpgrade") is True
