"""Services as data: a service added to app/contract.json alone gets everything it asked for.

The fixture writes a contract with two hypothetical services next to the shipped three:
`reports`, which serves `/reports/*` from the api image and uses the database, and `cron`, which
serves no port and uses nothing. Neither has a settings dial (they take the default size) and
nothing in the program names them, yet each gets its own roles, log group, security group,
task definition, service and alarms; `reports` also a target group, a route, the load
balancer's pair of rules and the database's; and neither gets what it did not ask for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.config.app_contract import (
    CONTRACT_ENV,
    CONTRACT_PATH,
    ContractError,
    parse_contract,
)
from stackctl.harness import Graph, Resource, run_program
from tests.compute_helpers import (
    EGRESS,
    INGRESS,
    LOG_GROUP,
    ROLE,
    SECURITY_GROUP,
    SERVICE,
    TARGET_GROUP,
    container,
    task_definitions,
)
from tests.routing_helpers import alb_lands

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def with_two_more_services() -> dict[str, Any]:
    contract: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    contract["services"]["reports"] = {"image": "api", "serves": True, "uses": ["database"]}
    contract["services"]["cron"] = {"image": "api", "command": ["python", "-m", "cron"]}
    site = next(i for i, r in enumerate(contract["routes"]) if r["name"] == "site")
    contract["routes"].insert(
        site,
        {"name": "reports", "service": "reports", "hosts": ["site"], "paths": ["/reports/*"]},
    )
    return contract


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    path = tmp_path_factory.mktemp("contract") / "contract.json"
    path.write_text(json.dumps(with_two_more_services()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CONTRACT_ENV, str(path))
        return run_program("prod", ["@imageTag=abc1234"])


def component(graph: Graph, name: str) -> Resource:
    return graph.named(name, "fullstack:service:FargateService")


def children(graph: Graph, parent: Resource, type_token: str) -> list[Resource]:
    return [r for r in graph.of_type(type_token) if r.parent == parent.urn]


@pytest.mark.parametrize("name", ["reports", "cron"])
def test_a_new_service_gets_its_own_roles_logs_group_task_and_service(
    graph: Graph, name: str
) -> None:
    owner = component(graph, name)
    roles = sorted(r.name for r in children(graph, owner, ROLE))
    assert roles == [f"{name}-execution", f"{name}-task"]
    (logs,) = children(graph, owner, LOG_GROUP)
    assert logs.get("name") == f"/fullstack/prod/ecs/{name}"
    assert len(children(graph, owner, SECURITY_GROUP)) == 1
    assert len(children(graph, owner, SERVICE)) == 1
    assert name in task_definitions(graph)
    alarms = [a for a in graph.of_type(ALARM) if name in str(a.get("dimensions"))]
    assert alarms, f"{name} has no alarm"


def test_a_serving_service_gets_a_target_group_a_route_and_its_pairs(graph: Graph) -> None:
    groups = {g.get("tags")["service"]: g for g in graph.of_type(TARGET_GROUP)}
    assert groups["reports"].get("port") == 8000
    assert groups["reports"].get("healthCheck")["path"] == "/api/healthz"
    (cdn,) = graph.of_type("aws:cloudfront/distribution:Distribution")
    site = str(cdn.outputs["domainName"])
    assert alb_lands(graph, site, "/reports/2026") == "reports"
    assert alb_lands(graph, site, "/api/notes") == "api"
    assert alb_lands(graph, site, "/") == "web"
    group = children(graph, component(graph, "reports"), SECURITY_GROUP)[0]
    egress = {r.name for r in graph.of_type(EGRESS) if r.get("securityGroupId") == group.id}
    assert egress == {"reports-https-out", "reports-to-db"}
    ingress = {r.name for r in graph.of_type(INGRESS) if r.get("securityGroupId") == group.id}
    assert ingress == {"reports-from-alb"}
    assert any(r.name == "database-from-reports" for r in graph.of_type(INGRESS))
    definition = container(task_definitions(graph)["reports"])
    secrets = {s["name"] for s in definition["secrets"]}
    assert secrets == {"DB_USERNAME", "DB_PASSWORD"}, "the database only: it uses nothing else"
    assert "UPLOADS_BUCKET" not in {e["name"] for e in definition["environment"]}


def test_a_service_without_port_or_stores_gets_nothing_it_did_not_ask_for(graph: Graph) -> None:
    owner = component(graph, "cron")
    group = children(graph, owner, SECURITY_GROUP)[0]
    assert not [r for r in graph.of_type(INGRESS) if r.get("securityGroupId") == group.id]
    egress = {r.name for r in graph.of_type(EGRESS) if r.get("securityGroupId") == group.id}
    assert egress == {"cron-https-out"}
    assert "cron" not in {g.get("tags")["service"] for g in graph.of_type(TARGET_GROUP)}
    definition = container(task_definitions(graph)["cron"])
    assert definition["command"] == ["python", "-m", "cron"]
    assert definition.get("secrets") == [] and "portMappings" not in definition
    assert "healthCheck" not in definition
    (service,) = children(graph, owner, SERVICE)
    assert not service.get("loadBalancers")


def test_the_shipped_services_are_unchanged_by_the_new_ones(graph: Graph) -> None:
    names = {s.get("name") for s in graph.of_type(SERVICE)}
    assert names == {"api", "web", "worker", "reports", "cron"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["services"]["api"].update(image="nope"), "image 'nope'"),
        (lambda c: c["services"]["web"].update(calls=["worker"]), "serves no traffic"),
        (lambda c: c["routes"].reverse(), "can never match"),
        (lambda c: c["services"]["api"].update(uses=["queue"]), "uses ['queue']"),
        (lambda c: c["routes"].pop(), "no route leads to it"),
    ],
    ids=["unknown-image", "calls-a-worker", "site-route-first", "unknown-store", "unrouted"],
)
def test_an_inconsistent_contract_is_refused_with_the_reason(change, message: str) -> None:
    contract = json.loads(Path(CONTRACT_PATH).read_text())
    change(contract)
    with pytest.raises(ContractError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_contract(contract)
