"""ServiceDiscovery: the Cloud Map namespace and services the HTTP API's integrations use."""

from __future__ import annotations

import pytest

from components.ingress.service_discovery import RegisteredService, ServiceDiscoveryArgs, check_args
from stackctl.harness import Graph
from tests.component_helpers import run_snippet

NAMESPACE = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"
SERVICE = "aws:servicediscovery/service:Service"

PROGRAM = """
import pulumi
import pulumi_aws as aws

from components.ingress.service_discovery import (
    RegisteredService, ServiceDiscovery, ServiceDiscoveryArgs,
)

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
discovery = ServiceDiscovery(
    "discovery",
    ServiceDiscoveryArgs(
        namespace_name="fullstack-dev.internal",
        vpc_id=vpc.id,
        services={
            "api": RegisteredService("api", 8000),
            "web": RegisteredService("web", 3000),
        },
    ),
)
# What the ECS service of the api would receive.
registry = discovery.registry("api")
pulumi.export("registry", {
    "registryArn": registry.registry_arn,
    "containerName": registry.container_name,
    "containerPort": registry.container_port,
})
pulumi.export("apiArn", discovery.arn("api"))
pulumi.export("apiDns", discovery.dns_name("api"))
"""


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    return run_snippet(tmp_path_factory.mktemp("discovery"), PROGRAM)


def test_the_namespace_is_private_dns_in_the_vpc(graph: Graph) -> None:
    (namespace,) = graph.of_type(NAMESPACE)
    (vpc,) = graph.of_type("aws:ec2/vpc:Vpc")
    assert namespace.get("vpc") == vpc.id
    assert namespace.get("name") == "fullstack-dev.internal"
    assert namespace.delete_before_replace


def test_each_service_has_srv_and_a_records_in_the_namespace(graph: Graph) -> None:
    (namespace,) = graph.of_type(NAMESPACE)
    services = {s.get("name"): s for s in graph.of_type(SERVICE)}
    assert set(services) == {"api", "web"}
    for service in services.values():
        dns = service.get("dnsConfig")
        assert dns["namespaceId"] == namespace.id
        # SRV carries the port API Gateway needs (AWS_INSTANCE_PORT); A serves plain DNS.
        assert sorted(r["type"] for r in dns["dnsRecords"]) == ["A", "SRV"]
        assert dns["routingPolicy"] == "MULTIVALUE"
        assert all(r["ttl"] == 10 for r in dns["dnsRecords"])
        # ECS reports health (custom); Route 53 health checks are for public namespaces only.
        assert "healthCheckCustomConfig" in service.inputs
        assert "failureThreshold" not in (service.get("healthCheckCustomConfig") or {})
        assert not service.get("healthCheckConfig")
        assert service.delete_before_replace


def test_the_ecs_registry_names_the_container_and_port_for_srv(graph: Graph) -> None:
    api = next(s for s in graph.of_type(SERVICE) if s.get("name") == "api")
    registry = graph.exports["registry"]
    assert registry == {
        "registryArn": api.outputs["arn"],
        "containerName": "api",
        "containerPort": 8000,
    }
    assert graph.exports["apiArn"].startswith("arn:aws:servicediscovery:us-east-1:")
    assert ":service/srv-" in graph.exports["apiArn"]
    assert graph.exports["apiDns"] == "api.fullstack-dev.internal"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"namespace_name": "Internal"}, "namespace_name 'Internal'"),
        ({"namespace_name": "internal"}, "two or more"),
        ({"services": {"API": RegisteredService("api", 8000)}}, "service label 'API'"),
        ({"services": {"api": RegisteredService("api", 0)}}, "container_port 0"),
        ({"dns_ttl": -1}, "dns_ttl -1"),
    ],
)
def test_bad_arguments_are_refused_with_the_value(changes: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "namespace_name": "fullstack-dev.internal",
        "vpc_id": "vpc-1",
        "services": {"api": RegisteredService("api", 8000)},
    }
    with pytest.raises(ValueError, match=message):
        check_args(ServiceDiscoveryArgs(**{**base, **changes}))  # type: ignore[arg-type]


def test_the_shipped_arguments_pass() -> None:
    check_args(
        ServiceDiscoveryArgs("a-b.internal", "vpc-1", {"web": RegisteredService("web", 3000)})
    )
