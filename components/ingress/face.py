"""The ingress, one face for both modes: what the rest of the program asks of it.

`create_ingress(args)` builds the ingress the `ingress` setting names and returns it as an
`Ingress`; the wiring (__main__.py) never asks which one it holds. The face:
- `origin`: what CloudFront needs to reach it (an `Origin`, EdgeArgs' ingress fields);
- `serves_api_host`: whether it sees the viewer's Host, so `api.<domain>` can be its own name;
- `route(site_hosts, api_hosts)`: the ordered route list to the services, by host and path;
- `attachment(service)`: what one ECS service takes from it (target group and rules, or its
  Cloud Map registration);
- `admit(service, target)`: let it reach one serving service's tasks;
- `admit_edge(vpc_origin)`: once CloudFront exists, admit its VPC origin (the internal ALB);
- `call_url(called, site_url)` and `admit_caller(caller, called)`: the URL one service calls
  another at, and the security group pair that call needs;
- `balancer_arn_suffix`, `target_arn_suffix(service)`: the alarms' dimensions;
- `exports()`: its own stack outputs.

Modes (Inputs: IngressArgs, below):
- `alb` (`AlbIngress`): CloudFront's origin-facing prefix list (a lookup), a `LoadBalancer`
  (load_balancer.py), internal behind the CloudFront VPC origin or internet-facing with edge
  `public`. Services call each other through it (its internal name), or through the site's URL
  when it is internet-facing (its name resolves to public addresses, reached through NAT: no
  security group could admit the caller).
- `httpApi` (`ApiIngress`): a Cloud Map namespace with one name per serving service
  (service_discovery.py) and an `HttpApi` whose VPC link integrations resolve them
  (http_api.py). Services call each other straight at the called service's Cloud Map name.

Cost: that of the components each mode creates (load_balancer.py; http_api.py and
service_discovery.py); the face itself creates nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components.config.routing import Route
from components.config.values import IngressMode
from components.ingress.http_api import HttpApi, HttpApiArgs
from components.ingress.load_balancer import (
    CLOUDFRONT_ORIGIN_FACING,
    LoadBalancer,
    LoadBalancerArgs,
)
from components.ingress.service_discovery import (
    RegisteredService,
    ServiceDiscovery,
    ServiceDiscoveryArgs,
)
from components.kit.links import Endpoint, Source, connect
from components.kit.naming import Naming
from components.kit.transforms import Transform


@dataclass(frozen=True)
class IngressArgs:
    mode: IngressMode
    """Required: `alb` or `httpApi` (the `ingress` setting)."""
    naming: Naming
    """Required: the stack's names (ALB name, Cloud Map namespace, log groups, IAM path)."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC."""
    public_subnet_ids: Sequence[pulumi.Input[str]]
    """Required: where an internet-facing ALB lives."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """Required: where an internal ALB and the HTTP API's VPC link live."""
    targets: Mapping[str, tuple[int, str]]
    """Required: serving service -> (container port, health path)."""
    routes: Sequence[Route]
    """Required: the ordered route list of app/contract.json."""
    provider: pulumi.ProviderResource
    """Required: the AWS provider (the ALB mode looks up CloudFront's prefix list with it)."""
    public: bool = False
    """Edge `public`: an internet-facing ALB CloudFront reaches by its public name."""
    https: bool = False
    """`albHttps`: with a domain, an internet-facing ALB also answers 443 from anywhere."""
    certificate_arn: pulumi.Input[str] | None = None
    """The regional certificate of the ALB's 443 listener. None: HTTP only."""
    deletion_protection: bool = False
    """The ALB's deletion protection; also a longer deregistration delay (60 s, else 10 s)."""
    log_retention_days: int = 30
    """Retention of the HTTP API's access and authorizer logs."""
    transform: Mapping[str, Mapping[str, Transform]] = field(default_factory=dict)
    """Component (`lb`; `discovery`, `http-api`) -> that component's own `transform` (child label
    -> function, components/kit/transforms.py). A component the mode does not create is an
    error. Default {}: every component as it is built."""


@dataclass(frozen=True)
class Origin:
    """What CloudFront needs of the ingress: the ingress fields of EdgeArgs (edge.py)."""

    vpc_origin: bool
    alb_arn: pulumi.Input[str] | None = None
    alb_dns_name: pulumi.Input[str] | None = None
    origin_https: bool = False
    http_api_domain: pulumi.Input[str] | None = None
    origin_headers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def edge_args(self) -> dict[str, Any]:
        """The fields as EdgeArgs keywords (shallow: Outputs are passed, never copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Attachment:
    """What one ECS service takes from the ingress (FargateServiceArgs' ingress fields)."""

    target_group_arn: pulumi.Input[str] | None = None
    listener_rules: Sequence[pulumi.Resource] = ()
    service_registries: aws.ecs.ServiceServiceRegistriesArgs | None = None


class Served(Protocol):
    """A service the ingress may reach (a FargateService): its port behind its security group,
    asked for only when the ingress connects to it (a service without a port has none)."""

    @property
    def entry(self) -> Endpoint: ...


class Ingress(ABC):
    """What the program asks of its ingress, whichever mode it is."""

    components: tuple[str, ...] = ()  # the logical names of the components it creates

    def __init__(self, args: IngressArgs) -> None:
        self.args = args

    @property
    @abstractmethod
    def origin(self) -> Origin: ...

    @property
    @abstractmethod
    def serves_api_host(self) -> bool:
        """True when it sees the viewer's Host: `api.<domain>` can then be a name of its own."""

    @abstractmethod
    def route(self, site_hosts: list[pulumi.Input[str]], api_hosts: list[str]) -> None:
        """Send each route of the list to its service; the hosts are the site's names."""

    @abstractmethod
    def attachment(self, service: str) -> Attachment: ...

    @abstractmethod
    def admit(self, service: str, target: Served) -> None:
        """Let the ingress reach the tasks of `service`, when it serves it."""

    @abstractmethod
    def call_url(self, called: str, site_url: pulumi.Input[str]) -> pulumi.Input[str]: ...

    @abstractmethod
    def admit_caller(self, caller: Source, called: Served) -> None:
        """The security group pair the call of `caller` to `called` needs, if any."""

    @property
    def balancer_arn_suffix(self) -> pulumi.Output[str] | None:
        return None

    def target_arn_suffix(self, service: str) -> pulumi.Output[str] | None:
        return None

    @abstractmethod
    def exports(self) -> dict[str, pulumi.Input[str]]: ...

    @abstractmethod
    def admit_edge(self, vpc_origin: pulumi.Resource | None) -> None:
        """Once CloudFront exists: admit what it reaches the ingress through (its VPC origin)."""

    def serves(self, service: str) -> bool:
        return service in self.args.targets


class AlbIngress(Ingress):
    """The application load balancer (load_balancer.py) as the ingress."""

    components = ("lb",)

    def __init__(self, args: IngressArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__(args)
        prefix_list = aws.ec2.get_managed_prefix_list(
            name=CLOUDFRONT_ORIGIN_FACING, opts=pulumi.InvokeOptions(provider=args.provider)
        )
        self.load_balancer = LoadBalancer(
            "lb",
            LoadBalancerArgs(
                alb_name=args.naming.physical("alb", "alb"),
                vpc_id=args.vpc_id,
                subnet_ids=args.public_subnet_ids if args.public else args.private_subnet_ids,
                internal=not args.public,
                cloudfront_prefix_list_id=prefix_list.id,
                certificate_arn=args.certificate_arn,
                public_https=args.public and args.https,
                deletion_protection=args.deletion_protection,
                deregistration_delay=60 if args.deletion_protection else 10,
                targets=args.targets,
                transform=args.transform.get("lb", {}),
            ),
            opts=opts,
        )

    @property
    def origin(self) -> Origin:
        lb = self.load_balancer
        return Origin(
            vpc_origin=not self.args.public,
            alb_arn=lb.alb.arn,
            alb_dns_name=lb.dns_name,
            origin_https=lb.tls,
        )

    @property
    def serves_api_host(self) -> bool:
        return True

    def route(self, site_hosts: list[pulumi.Input[str]], api_hosts: list[str]) -> None:
        groups: dict[str, list[pulumi.Input[str]]] = {
            "site": site_hosts,
            "api": list(api_hosts),
            "internal": [self.load_balancer.dns_name],
        }
        # (names only known at deploy time: the route checks look at which groups have names)
        self.load_balancer.route(self.args.routes, groups)  # type: ignore[arg-type]

    def attachment(self, service: str) -> Attachment:
        if not self.serves(service):
            return Attachment()
        return Attachment(
            target_group_arn=self.load_balancer.target_groups[service].arn,
            listener_rules=self.load_balancer.rules.get(service, []),
        )

    def admit(self, service: str, target: Served) -> None:
        if self.serves(service):
            entry = target.entry
            # (was `<service>-alb-to-tasks` under the service: the alias keeps the same rule)
            alias = pulumi.Alias(name=f"{service}-alb-to-tasks", parent=entry.owner)
            connect(self.load_balancer.source, entry, egress_aliases=[alias])

    def call_url(self, called: str, site_url: pulumi.Input[str]) -> pulumi.Input[str]:
        return site_url if self.args.public else self.load_balancer.internal_url

    def admit_edge(self, vpc_origin: pulumi.Resource | None) -> None:
        # The internal ALB admits the group AWS creates with the VPC origin
        # (aws-facts#vpc-origin-sg); an internet-facing one admits CloudFront's prefix list.
        if vpc_origin is not None and not self.args.public:
            self.load_balancer.admit_vpc_origin(vpc_origin)

    def admit_caller(self, caller: Source, called: Served) -> None:
        if not self.args.public:  # the internal ALB's group admits the caller
            connect(caller, self.load_balancer.entry)

    @property
    def balancer_arn_suffix(self) -> pulumi.Output[str] | None:
        return self.load_balancer.alb.arn_suffix

    def target_arn_suffix(self, service: str) -> pulumi.Output[str] | None:
        groups = self.load_balancer.target_groups
        return groups[service].arn_suffix if self.serves(service) else None

    def exports(self) -> dict[str, pulumi.Input[str]]:
        return {"albDnsName": self.load_balancer.dns_name}


class ApiIngress(Ingress):
    """The HTTP API (http_api.py) with Cloud Map names (service_discovery.py) as the ingress."""

    components = ("discovery", "http-api")

    def __init__(self, args: IngressArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__(args)
        naming = args.naming
        self.discovery = ServiceDiscovery(
            "discovery",
            ServiceDiscoveryArgs(
                namespace_name=f"{naming.prefix}.internal",
                vpc_id=args.vpc_id,
                services={n: RegisteredService(n, port) for n, (port, _) in args.targets.items()},
                transform=args.transform.get("discovery", {}),
            ),
            opts=opts,
        )
        self.http_api = HttpApi(
            "http-api",
            HttpApiArgs(
                name_prefix=naming.prefix,
                vpc_id=args.vpc_id,
                private_subnet_ids=args.private_subnet_ids,
                targets={n: self.discovery.arn(n) for n in args.targets},
                routes=args.routes,
                # A stand-in name: the HTTP API sees no viewer Host; its check is about paths.
                host_groups={"site": ["site"]},
                log_group_prefix=naming.log_group(),
                iam_path=naming.iam_path,
                log_retention_days=args.log_retention_days,
                transform=args.transform.get("http-api", {}),
            ),
            opts=opts,
        )

    @property
    def origin(self) -> Origin:
        api = self.http_api
        return Origin(
            vpc_origin=not self.args.public,
            http_api_domain=api.origin_domain,
            origin_headers={api.origin_header_name: api.origin_header_value},
        )

    @property
    def serves_api_host(self) -> bool:
        return False  # an HTTP API sees no viewer Host: the API is /api/* on the site

    def route(self, site_hosts: list[pulumi.Input[str]], api_hosts: list[str]) -> None:
        """Nothing to add: its routes match paths only and were made with it (http_api.py)."""

    def attachment(self, service: str) -> Attachment:
        if not self.serves(service):
            return Attachment()
        return Attachment(service_registries=self.discovery.registry(service))

    def admit(self, service: str, target: Served) -> None:
        if self.serves(service):
            connect(self.http_api.source, target.entry)

    def call_url(self, called: str, site_url: pulumi.Input[str]) -> pulumi.Input[str]:
        port = self.args.targets[called][0]
        return f"http://{self.discovery.dns_name(called)}:{port}"

    def admit_caller(self, caller: Source, called: Served) -> None:
        connect(caller, called.entry)  # straight to the called service's tasks

    def admit_edge(self, vpc_origin: pulumi.Resource | None) -> None:
        """Nothing: CloudFront calls the HTTP API's public endpoint with the secret header."""

    def exports(self) -> dict[str, pulumi.Input[str]]:
        return {"httpApiEndpoint": self.http_api.api_endpoint}


def create_ingress(args: IngressArgs, opts: pulumi.ResourceOptions) -> Ingress:
    """The ingress the `ingress` setting names."""
    modes: dict[str, type[AlbIngress | ApiIngress]] = {"alb": AlbIngress, "httpApi": ApiIngress}
    mode = modes[args.mode]
    unknown = sorted(set(args.transform) - set(mode.components))
    if unknown:
        raise ValueError(
            f"ingress {args.mode}: transform names {', '.join(unknown)}, which it does not "
            f"create; its components: {', '.join(mode.components)}"
        )
    return mode(args, opts)
