"""Invariants that span components: what one part declares, another part must agree with.

Each check reads the recorded graph (and `app/contract.json` as the app ships it), never the
program's own constants, so a value changed in one place and not in the other fails here:
timeouts along a request (CloudFront -> ALB -> task), ports and health paths (contract, target
group, container), paths (contract, CloudFront behaviours, ALB rules), the migration's
command, log groups and the secrets each task is given.

Checked over the shipped stacks and every entry of the dial matrix (tests/dial_matrix.py).
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from components.config.reader import parse_settings
from stackctl.harness import Graph, Resource
from tests.compute_helpers import (
    DISTRIBUTION,
    LOG_GROUP,
    RULE,
    TARGET_GROUP,
    alb,
    as_list,
    container,
    role_by_arn,
    rule_paths,
    services,
    statements_of,
    task_definition_of,
    task_definitions,
)
from tests.conftest import PlanFn
from tests.dial_matrix import DIAL_MATRIX, matrix_id
from tests.routing_helpers import alb_lands

CONTRACT = json.loads(
    (Path(__file__).resolve().parents[2] / "app" / "contract.json").read_text(encoding="utf-8")
)
IMAGES = CONTRACT["images"]
# The paths the contract routes to the api (`/api/*`) and the prefix they share (`/api`).
API_PATHS = [p for r in CONTRACT["routes"] if r["service"] == "api" for p in r.get("paths", [])]
API_PREFIX = API_PATHS[0].removesuffix("/*")
STATIC_PATTERN = IMAGES["web"]["staticPathPatterns"][0]
SECRET = "aws:secretsmanager/secret:Secret"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
SERVED = ("api", "web")  # the services the contract gives a port and a health path


# These invariants are about the load balancer's path: every entry with the ALB ingress (the
# HTTP API ingress has its own tests, tests/ingress/test_http_api.py, and the matrix's HTTP API
# entries are checked by the other whole-graph tests).
ALB_MATRIX = [entry for entry in DIAL_MATRIX if "ingress=httpApi" not in entry[1]]


@pytest.fixture(params=ALB_MATRIX, ids=[matrix_id(entry) for entry in ALB_MATRIX])
def graph(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    stack, overrides = request.param
    if not any(o.startswith("ingress=") for o in overrides):
        overrides = ("ingress=alb", *overrides)
    return plan(stack, *overrides)


def target_groups(graph: Graph) -> dict[str, Resource]:
    return {str(g.get("tags")["service"]): g for g in graph.of_type(TARGET_GROUP)}


def alb_origin_timeout(graph: Graph) -> float:
    """The origin response (read) timeout of the distribution's ALB origin."""
    cdn = graph.of_type(DISTRIBUTION)[0]
    default_origin = cdn.get("defaultCacheBehavior")["targetOriginId"]
    (origin,) = [o for o in cdn.get("origins") if o["originId"] == default_origin]
    config = origin.get("vpcOriginConfig") or origin.get("customOriginConfig")
    assert config, f"origin {default_origin} is neither a VPC origin nor a custom origin"
    # CloudFront's default when unset is 30 s (aws-facts#origin-timeout).
    return float(config.get("originReadTimeout", 30))


def cloudfront_origin_for(graph: Graph, path: str) -> str:
    """The origin a viewer request for `path` goes to: the first ordered cache behaviour whose
    pattern matches (CloudFront path patterns: `*` and `?` wildcards, case-sensitive), else the
    default behaviour's origin."""
    cdn = graph.of_type(DISTRIBUTION)[0]
    for behaviour in cdn.get("orderedCacheBehaviors") or []:
        if fnmatchcase(path, behaviour["pathPattern"]):
            return str(behaviour["targetOriginId"])
    return str(cdn.get("defaultCacheBehavior")["targetOriginId"])


def static_origin_id(graph: Graph) -> str:
    """The distribution's origin that is an S3 bucket (the static assets)."""
    cdn = graph.of_type(DISTRIBUTION)[0]
    (origin,) = [o for o in cdn.get("origins") if o.get("originAccessControlId")]
    return str(origin["originId"])


def health_check_url(definition: dict[str, Any]) -> str:
    (url,) = re.findall(r"https?://[^'\"\s)]+", " ".join(definition["healthCheck"]["command"]))
    return str(url)


def site_host(graph: Graph) -> str:
    domain = graph.config.get("fullstack:domain")
    return domain or str(graph.of_type(DISTRIBUTION)[0].outputs["domainName"])


def sample(pattern: str) -> str:
    """A concrete path a path pattern matches ("/api/*" -> "/api/x")."""
    return pattern.replace("*", "x").replace("?", "x")


# -- timeouts along a request ---------------------------------------------------------------


def test_cloudfront_gives_up_on_the_origin_before_the_alb_cuts_the_connection(
    graph: Graph,
) -> None:
    # If the ALB's idle timeout were the shorter one, a slow response would reach viewers as
    # the ALB's 504 (or a reset) mid-request instead of CloudFront's own origin timeout.
    assert alb_origin_timeout(graph) < float(alb(graph).get("idleTimeout"))


def test_the_api_finishes_in_flight_requests_before_ecs_kills_it(graph: Graph) -> None:
    """uvicorn's graceful shutdown (the contract's command) ends before the container's
    stopTimeout, after which ECS sends SIGKILL."""
    command = IMAGES["api"]["command"]
    graceful = int(command[command.index("--timeout-graceful-shutdown") + 1])
    api = container(task_definitions(graph)["api"])
    assert graceful < int(api["stopTimeout"])


def test_the_worker_finishes_a_job_before_ecs_kills_it(plan: PlanFn) -> None:
    for stack in ("dev", "prod"):
        worker = container(task_definitions(plan(stack, "worker.enabled=true"))["worker"])
        assert IMAGES["api"]["jobTimeoutSeconds"] < int(worker["stopTimeout"]) <= 120


def test_health_check_grace_period_covers_the_container_start_period(graph: Graph) -> None:
    for name, service in services(graph).items():
        if not service.get("loadBalancers"):
            continue
        start = container(task_definition_of(graph, service))["healthCheck"]["startPeriod"]
        assert service.get("healthCheckGracePeriodSeconds") > start, name


def test_target_group_health_check_times_out_within_its_interval(graph: Graph) -> None:
    for name, group in target_groups(graph).items():
        check = group.get("healthCheck")
        assert check["timeout"] < check["interval"], name


# -- ports and health paths -----------------------------------------------------------------


def test_target_group_container_and_contract_ports_are_one_port(graph: Graph) -> None:
    groups = target_groups(graph)
    found = services(graph)
    assert set(groups) == set(SERVED)
    for name in SERVED:
        port = IMAGES[name]["port"]
        service = found[name]
        (registration,) = service.get("loadBalancers")
        definition = container(task_definition_of(graph, service))
        assert groups[name].get("port") == port, name
        assert registration["containerPort"] == port, name
        assert registration["targetGroupArn"] == groups[name].outputs["arn"], name
        assert [m["containerPort"] for m in definition["portMappings"]] == [port], name
        assert groups[name].get("healthCheck")["port"] == "traffic-port", name


def test_target_group_container_and_contract_health_paths_are_one_path(graph: Graph) -> None:
    groups = target_groups(graph)
    for name in SERVED:
        contract = IMAGES[name]
        definition = container(task_definitions(graph)[name])
        assert groups[name].get("healthCheck")["path"] == contract["healthPath"], name
        url = f"http://127.0.0.1:{contract['port']}{contract['healthPath']}"
        assert health_check_url(definition) == url, name


# -- paths: contract, CloudFront behaviours, ALB rules --------------------------------------


def test_alb_api_path_rules_are_the_contracts_path_prefix(graph: Graph) -> None:
    api_arn = target_groups(graph)["api"].outputs["arn"]
    path_rules = [
        r
        for r in graph.of_type(RULE)
        if rule_paths(r) and r.get("actions")[0].get("targetGroupArn") == api_arn
    ]
    assert path_rules, "no path rule forwards to the api"
    for rule in path_rules:
        assert rule_paths(rule) == [API_PATHS[0]], rule.name


def test_the_api_health_path_is_under_its_path_prefix_and_reaches_the_api(graph: Graph) -> None:
    prefix = API_PREFIX
    assert prefix.startswith("/") and not prefix.endswith("/")
    health = IMAGES["api"]["healthPath"]
    assert health.startswith(prefix + "/")
    host = site_host(graph)
    assert cloudfront_origin_for(graph, health) != static_origin_id(graph)
    assert alb_lands(graph, host, health) == "api"
    assert alb_lands(graph, host, IMAGES["web"]["healthPath"]) == "web"


def test_cloudfront_sends_the_static_pattern_to_s3_and_every_alb_route_to_the_alb(
    graph: Graph,
) -> None:
    static = static_origin_id(graph)
    cdn = graph.of_type(DISTRIBUTION)[0]
    static_patterns = [
        b["pathPattern"]
        for b in cdn.get("orderedCacheBehaviors") or []
        if b["targetOriginId"] == static
    ]
    assert STATIC_PATTERN in static_patterns
    asset = sample(STATIC_PATTERN)
    assert cloudfront_origin_for(graph, asset) == static
    # Every path an ALB rule routes must reach the ALB origin, not be caught by an S3 behaviour.
    alb_origin = cdn.get("defaultCacheBehavior")["targetOriginId"]
    for rule in graph.of_type(RULE):
        for pattern in rule_paths(rule):
            assert cloudfront_origin_for(graph, sample(pattern)) == alb_origin, pattern
    # ... nor any path under the API's prefix (a static pattern inside it would steal requests).
    prefix = API_PREFIX
    for pattern in static_patterns:
        assert not pattern.startswith(prefix + "/"), pattern
        assert not fnmatchcase(prefix + "/x", pattern), pattern


def test_the_migration_task_runs_the_contracts_migration_command(graph: Graph) -> None:
    migrate = container(task_definitions(graph)["migrate"])
    assert migrate["command"] == CONTRACT["tasks"]["migrate"]["command"]


def test_the_worker_runs_the_contracts_worker_command(plan: PlanFn) -> None:
    worker = container(task_definitions(plan("prod", "worker.enabled=true"))["worker"])
    assert worker["command"] == CONTRACT["services"]["worker"]["command"]


# -- log groups and secrets -----------------------------------------------------------------


def test_every_log_group_a_task_writes_to_exists_with_the_configured_retention(
    graph: Graph,
) -> None:
    retention = parse_settings(graph.project, graph.stack, graph.config).log_retention_days
    groups = {g.get("name"): g for g in graph.of_type(LOG_GROUP)}
    for family, task in task_definitions(graph).items():
        options = container(task)["logConfiguration"]["options"]
        name = options["awslogs-group"]
        assert name in groups, f"{family} logs to {name}, which the program does not create"
        assert groups[name].get("retentionInDays") == retention, family
        assert options["awslogs-region"] == graph.config["aws:region"], family


def _readable_secrets(graph: Graph, task: Resource) -> set[str]:
    role = role_by_arn(graph, task.get("executionRoleArn"))
    return {
        resource
        for statement in statements_of(graph, role)
        if statement["Effect"] == "Allow"
        and {"secretsmanager:GetSecretValue", "ssm:GetParameters"}
        & set(as_list(statement["Action"]))
        for resource in as_list(statement["Resource"])
    }


def _declared_secrets(graph: Graph) -> set[str]:
    """The ARNs of the secrets the graph holds: Secret resources, SecureString parameters and
    Aurora's managed one."""
    arns = {str(s.outputs["arn"]) for s in graph.of_type(SECRET)}
    arns |= {
        str(p.outputs["arn"])
        for p in graph.of_type("aws:ssm/parameter:Parameter")
        if p.get("type") == "SecureString"
    }
    for cluster in graph.of_type(RDS_CLUSTER):
        arns |= {str(s["secretArn"]) for s in cluster.outputs.get("masterUserSecrets") or []}
    return arns


def test_every_secret_a_task_is_given_is_a_secret_its_execution_role_may_read(
    graph: Graph,
) -> None:
    declared = _declared_secrets(graph)
    for family, task in task_definitions(graph).items():
        readable = _readable_secrets(graph, task)
        for entry in container(task).get("secrets") or []:
            # `<arn>` for the whole secret, `<arn>:<json-key>::` for one key of it
            # (aws-facts#secret-json-key); an ARN itself has 7 colon-separated parts.
            parts = entry["valueFrom"].split(":")
            arn, key = ":".join(parts[:7]), parts[7:]
            assert arn in declared, f"{family}: {entry['name']} reads {arn}, not in the graph"
            assert arn in readable, f"{family}: its execution role may not read {arn}"
            whole_or_one_key = not key or (len(key) == 3 and key[0] and key[1:] == ["", ""])
            assert whole_or_one_key, f"{family}: {entry['valueFrom']}"
