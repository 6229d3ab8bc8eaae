"""ServiceDiscovery: the AWS Cloud Map registry the HTTP API's VPC link finds the tasks in.

Creates:
1. a Cloud Map private DNS namespace (`namespace_name`, e.g. `<project>-<stack>.internal`)
   associated with the VPC (it adds a Route 53 private hosted zone, aws-facts#cloud-map);
2. per load-balanced service (`services`: label -> container name and port) one Cloud Map
   service named after the label, holding an SRV and an A record per task (TTL `dns_ttl`,
   multivalue answers) and a custom health check, and nothing else: ECS registers and
   deregisters the tasks itself once the ECS service names the registry
   (`service_registries`).

Why SRV records: an HTTP API private integration with Cloud Map looks instances up with
DiscoverInstances and needs each one's IP address *and port* (the `AWS_INSTANCE_PORT`
attribute); ECS writes the port attribute only for a service whose DNS config has an SRV
record, and with `awsvpc` networking an SRV record needs the registry's `container_name` and
`container_port` (aws-facts#cloud-map-srv). Why also an A record: `awsvpc` allows any mix of A
and SRV (aws-facts#cloud-map-srv), and the A record lets a client in the VPC that only speaks
plain DNS (the web server calling the API) reach `http://api.<namespace>:8000`.

Why a custom health check: a private DNS namespace cannot use Route 53 health checks (those
are for public namespaces only); with the custom config ECS reports each task's health to
Cloud Map, and DiscoverInstances, which API Gateway calls, answers healthy instances only, so
a task that is starting, failing or draining gets no requests (aws-facts#cloud-map-health).
Without any health config every registered task would count as healthy until ECS
deregistered it.

Inputs (ServiceDiscoveryArgs, defaults in brackets): namespace_name, vpc_id, services
(label -> RegisteredService: container_name, container_port), dns_ttl [10].

Cost: see aws-facts#cloud-map (registered instances, lookups, and the private hosted zone of
the namespace); no hourly charge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kit.component import Component, ComponentArgs

# A namespace name is a DNS name: labels of letters, digits and hyphens, dot-separated.
_DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_NAMESPACE_NAME = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})+$")
_SERVICE_NAME = re.compile(rf"^{_DNS_LABEL}$")
RECORD_TYPES = ("SRV", "A")


@dataclass(frozen=True)
class RegisteredService:
    """Which container of a service's tasks the SRV record points at."""

    # The container that serves the requests (the ECS registry's `container_name`).
    container_name: str
    # The port it listens on (the ECS registry's `container_port`; the SRV record's port).
    container_port: int


@dataclass(frozen=True)
class ServiceDiscoveryArgs(ComponentArgs):
    namespace_name: str
    """Required: the namespace's DNS name, e.g. `fullstack-dev.internal` (lower-case, two labels
    or more)."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC the namespace (its private hosted zone) is associated with."""
    services: Mapping[str, RegisteredService]
    """Required: label -> container, one Cloud Map service each; the label is the service's DNS
    name."""
    dns_ttl: int = 10
    """TTL (seconds) of the SRV and A records: short, since tasks come and go on every deploy.
    Default 10."""


def check_args(args: ServiceDiscoveryArgs) -> None:
    """Refuse names Cloud Map would refuse at `pulumi up`, naming the value and the rule."""
    if not _NAMESPACE_NAME.match(args.namespace_name):
        raise ValueError(
            f"namespace_name {args.namespace_name!r}: a DNS name of two or more lower-case "
            "labels (letters, digits, inner hyphens), e.g. 'fullstack-dev.internal'"
        )
    for label, service in args.services.items():
        if not _SERVICE_NAME.match(label):
            raise ValueError(
                f"service label {label!r}: one lower-case DNS label (letters, digits, inner "
                "hyphens), since it becomes <label>.<namespace>"
            )
        if not 1 <= service.container_port <= 65535:
            raise ValueError(
                f"service {label}: container_port {service.container_port} not 1-65535"
            )
    if not 0 <= args.dns_ttl <= 2147483647:
        raise ValueError(f"dns_ttl {args.dns_ttl}: 0 to 2147483647 seconds")


class ServiceDiscovery(Component):
    """A private DNS namespace and one Cloud Map service per load-balanced ECS service."""

    namespace: aws.servicediscovery.PrivateDnsNamespace
    services: dict[str, aws.servicediscovery.Service]

    def __init__(
        self, name: str, args: ServiceDiscoveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:ingress:ServiceDiscovery", name, args.transform, opts)
        check_args(args)
        self._name = name
        self.args = args
        self.namespace = aws.servicediscovery.PrivateDnsNamespace(
            f"{name}-namespace",
            aws.servicediscovery.PrivateDnsNamespaceArgs(
                name=args.namespace_name,
                vpc=args.vpc_id,
                description="Tasks of the load-balanced services, for the HTTP API's VPC link",
            ),
            # A fixed name: the old namespace goes first when a change replaces it.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.services = {label: self._create_service(label) for label in sorted(args.services)}
        self._finish(
            {
                "namespaceId": self.namespace.id,
                "serviceArns": {label: s.arn for label, s in self.services.items()},
            }
        )

    def arn(self, label: str) -> pulumi.Output[str]:
        """The Cloud Map service's ARN: ECS `service_registries.registry_arn` and the HTTP API
        integration's `integration_uri`."""
        return self.services[label].arn

    def registry(self, label: str) -> aws.ecs.ServiceServiceRegistriesArgs:
        """The `service_registries` argument of the ECS service `label` (SRV needs the
        container name and port with awsvpc, aws-facts#cloud-map-srv)."""
        service = self.args.services[label]
        return aws.ecs.ServiceServiceRegistriesArgs(
            registry_arn=self.arn(label),
            container_name=service.container_name,
            container_port=service.container_port,
        )

    def dns_name(self, label: str) -> str:
        """`<label>.<namespace>`: the A record clients inside the VPC resolve."""
        return f"{label}.{self.args.namespace_name}"

    def _create_service(self, label: str) -> aws.servicediscovery.Service:
        return aws.servicediscovery.Service(
            f"{self._name}-{label}",
            aws.servicediscovery.ServiceArgs(
                name=label,
                description=f"Tasks of the {label} service (registered by ECS)",
                dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                    namespace_id=self.namespace.id,
                    dns_records=[
                        aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(
                            type=record, ttl=self.args.dns_ttl
                        )
                        for record in RECORD_TYPES
                    ],
                    routing_policy="MULTIVALUE",
                ),
                # failure_threshold is no longer supported (always 1): leave it out.
                health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
                # Deregister leftover instances on delete, so a destroy that races ECS's own
                # deregistration does not fail with "service has instances".
                force_destroy=True,
            ),
            # A fixed name inside the namespace: the old service goes first on replacement.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
