"""LoadBalancer: the application load balancer CloudFront sends dynamic requests to.

Creates:
1. a security group with standalone rules only (aws-facts#sg-standalone-rules), admitting
   CloudFront on the listener port it uses (80, or 443 with end-to-end TLS): the internal ALB
   behind a VPC origin admits the `CloudFront-VPCOrigins-Service-SG` that AWS creates in the VPC
   with the first VPC origin (its requests come from network interfaces in the VPC that carry
   that group, not from CloudFront's public ranges; aws-facts#vpc-origin-sg), looked up by
   `admit_vpc_origin(vpc_origin)` once the VPC origin exists; the internet-facing ALB admits
   CloudFront's origin-facing managed prefix list; with `public_https` (edge `public` with a
   domain and TLS) 443 from anywhere instead. The web service is the one other source:
   `allow_from` admits it on port 80 for server-side calls to the API (`API_INTERNAL_URL`).
   Egress to each service is added by the service itself (it knows its own security group);
2. the ALB: internal in private subnets (edge `vpcOrigin`) or internet-facing in public subnets
   (edge `public`), invalid header fields dropped, deletion protection per settings, idle timeout
   `idle_timeout` (60 s: longer than CloudFront's 30 s origin read timeout, so CloudFront gives
   up first and the ALB never cuts a request CloudFront is still waiting for);
3. listener 80; with a certificate also 443 (TLS 1.3 policy), and then 80 answers 301 to 443
   except for the web service's internal `/api/*` calls addressed to the ALB's own DNS name;
4. one target group per serving service (`target_type` ip, required by awsvpc,
   aws-facts#target-type-ip) with its health check: api (8000, `/api/healthz`) and web (3000,
   `/healthz`), ports and paths from `app/contract.json`, answered without touching the
   database: these checks run every 15 s from each ALB node, forever, and one that reached
   Aurora would keep the lab's cluster from ever pausing (aws-facts#auto-pause);
5. `route(routes, host_groups)`, called once the site's host names are known: one listener rule
   per route of app/contract.json's ordered list, priorities 10, 20, 30... in its order
   (config/routing.py); anything else -> the default fixed 404 (aws-facts#listener-rules).

Inputs (LoadBalancerArgs, defaults in brackets): alb_name, vpc_id, subnet_ids, internal [True],
cloudfront_prefix_list_id, certificate_arn [None: HTTP only], public_https [False],
deletion_protection [False], idle_timeout [60], deregistration_delay [30], targets [{}: service
name -> (container port, health path), one target group each].

Cost (prices/prices.yaml; figures: docs/costs.md): `alb.hour`, plus `alb.lcu_hour`
(an idle ALB uses a fraction of one). Internet-facing ALBs add one public IPv4 per AZ at
`public_ipv4.hour` each; the internal ALB of `vpcOrigin` has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.config.routing import HostGroups, Route, active, priorities
from components.kit.component import Component, ComponentArgs
from components.kit.links import Endpoint, Source
from components.kit.naming import check_logical

CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"
# Created by AWS in the VPC with its first CloudFront VPC origin (aws-facts#vpc-origin-sg).
VPC_ORIGINS_SERVICE_SG = "CloudFront-VPCOrigins-Service-SG"
HTTP_PORT = 80
HTTPS_PORT = 443
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
INTERNAL_HOSTS = "internal"  # the host group of the load balancer's own name (routing.py)
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"


@dataclass(frozen=True)
class LoadBalancerArgs(ComponentArgs):
    alb_name: str
    """Required: the ALB's name (at most 32 characters), derived from project and stack."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC of the load balancer and its target groups."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Required: private subnets (internal) or public subnets (internet-facing)."""
    cloudfront_prefix_list_id: pulumi.Input[str]
    """Required: CloudFront's origin-facing managed prefix list, the source admitted on the
    listener port of an internet-facing ALB (an internal one admits the VPC origin's group
    instead: `admit_vpc_origin`)."""
    internal: bool = True
    """Internal ALB behind the CloudFront VPC origin; False: internet-facing. Cost:
    internet-facing adds a public IPv4 per AZ (`public_ipv4.hour` each)."""
    certificate_arn: pulumi.Input[str] | None = None
    """Regional certificate for a 443 listener (TLS 1.3 policy). None: HTTP only."""
    public_https: bool = False
    """Admit 443 from anywhere (edge `public` with a domain and TLS) instead of only CloudFront."""
    deletion_protection: bool = False
    """AWS deletion protection on the ALB."""
    idle_timeout: int = 60
    """Seconds an idle connection is kept; longer than CloudFront's 30 s origin read timeout, so
    CloudFront gives up first."""
    deregistration_delay: int = 30
    """Seconds the ALB lets a deregistering target finish its in-flight requests."""
    targets: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    """Service name -> (container port, health path): one target group each."""


class LoadBalancer(Component):
    """The ALB, its security group, listeners, target groups and routing rules."""

    security_group: aws.ec2.SecurityGroup
    alb: aws.lb.LoadBalancer
    http_listener: aws.lb.Listener
    https_listener: aws.lb.Listener | None
    target_groups: dict[str, aws.lb.TargetGroup]
    rules: dict[str, list[aws.lb.ListenerRule]]  # service name -> the rules forwarding to it

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:loadbalancer:LoadBalancer", name, args.transform, opts)
        self.args = args
        self.security_group = self._create_security_group()
        self._admit_cloudfront()
        self.alb = self._create_alb()
        self.target_groups = {
            service: self._create_target_group(service, port, path)
            for service, (port, path) in args.targets.items()
        }
        self.rules = {service: [] for service in args.targets}
        self.http_listener, self.https_listener = self._create_listeners()
        self._finish(
            {
                "albArn": self.alb.arn,
                "albDnsName": self.alb.dns_name,
                "securityGroupId": self.security_group.id,
            }
        )

    # -- public --------------------------------------------------------------------------------

    @property
    def tls(self) -> bool:
        return self.args.certificate_arn is not None

    @property
    def listener_port(self) -> int:
        """The port CloudFront connects to."""
        return HTTPS_PORT if self.tls else HTTP_PORT

    @property
    def routing_listener(self) -> aws.lb.Listener:
        """The listener that carries the viewers' requests (443 with TLS, else 80)."""
        return self.https_listener if self.https_listener is not None else self.http_listener

    @property
    def dns_name(self) -> pulumi.Output[str]:
        return self.alb.dns_name

    @property
    def internal_url(self) -> pulumi.Output[str]:
        """The URL services inside the VPC use to call the API through the ALB (plain HTTP)."""
        return self.alb.dns_name.apply(lambda dns: f"http://{dns}")

    @property
    def source(self) -> Source:
        """The load balancer's group as the start of a connection (to a service's port)."""
        return Source(self, "alb", self.security_group.id)

    @property
    def entry(self) -> Endpoint:
        """Port 80 behind the load balancer's group: services that call the API connect here."""
        return Endpoint(self, self._name, "alb", self.security_group.id, HTTP_PORT, "HTTP")

    def route(self, routes: Sequence[Route], groups: HostGroups) -> None:
        """One listener rule per route, in the list's order (priorities 10, 20, 30...).

        `groups` names the hosts of each host group (`site`, `api`, `internal`); a route whose
        groups have no names in this stack (no domain: no `api` host) gets no rule, and the
        others keep their priorities. With end-to-end TLS, port 80 redirects to 443 except for
        the routes that serve the load balancer's own name (the services' internal calls):
        those also get a rule on port 80, for that name only, in the same order.
        """
        present = set(map(id, active(routes, groups)))
        listener = self.routing_listener
        for priority, route in priorities(routes):
            if id(route) not in present:
                continue
            self.rules[route.target].append(
                self._rule((route.name or route.target), listener, priority, route, groups)
            )
        if self.https_listener is None:
            return
        internal_only = {INTERNAL_HOSTS: list(groups.get(INTERNAL_HOSTS, ()))}
        for priority, route in priorities(routes):
            if INTERNAL_HOSTS in route.hosts and id(route) in present:
                self.rules[route.target].append(
                    self._rule(
                        f"internal-{(route.name or route.target)}",
                        self.http_listener,
                        priority,
                        Route(route.target, (INTERNAL_HOSTS,), route.paths),
                        internal_only,
                    )
                )

    # -- steps ---------------------------------------------------------------------------------

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.args.vpc_id,
                # (kept as written: a new description replaces the group, and with it the ALB's
                # rules; the internal ALB admits the VPC origin's group, see admit_vpc_origin)
                description="ALB: CloudFront (origin-facing prefix list) and the web service only",
                tags={"Name": f"{self.args.alb_name}-sg"},
            ),
            opts=self._child(),
        )

    def admit_vpc_origin(self, vpc_origin: pulumi.Resource) -> aws.vpc.SecurityGroupIngressRule:
        """Admit CloudFront's VPC origin on the listener port (call it once the Edge exists).

        The group is looked up by name in the ALB's VPC after `vpc_origin` is created: AWS makes
        it with the VPC's first VPC origin, so on the first `up` it does not exist before then
        (and in a preview of that `up` the lookup waits, its id unknown).
        """
        if not self.args.internal:
            raise ValueError("admit_vpc_origin is for the internal ALB behind a VPC origin")
        service_group = aws.ec2.get_security_group_output(
            name=VPC_ORIGINS_SERVICE_SG,
            vpc_id=self.args.vpc_id,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[vpc_origin]),
        )
        return aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-from-vpc-origin",
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=self.security_group.id,
                ip_protocol="tcp",
                from_port=self.listener_port,
                to_port=self.listener_port,
                referenced_security_group_id=service_group.id,
                description="CloudFront VPC origin (its service security group)",
            ),
            opts=self._child(),
        )

    def _admit_cloudfront(self) -> None:
        port = self.listener_port
        if self.args.internal:
            return  # behind a VPC origin: admit_vpc_origin, once the VPC origin exists
        if self.args.public_https:
            aws.vpc.SecurityGroupIngressRule(
                f"{self._name}-https-anywhere",
                aws.vpc.SecurityGroupIngressRuleArgs(
                    security_group_id=self.security_group.id,
                    ip_protocol="tcp",
                    from_port=HTTPS_PORT,
                    to_port=HTTPS_PORT,
                    cidr_ipv4="0.0.0.0/0",
                    description="HTTPS from anywhere (edge public with a domain)",
                ),
                opts=self._child(),
            )
            return
        # One rule: the prefix list counts ~55 entries against the 60-rules quota
        # (aws-facts#cloudfront-prefix-list).
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-from-cloudfront",
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=self.security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                prefix_list_id=self.args.cloudfront_prefix_list_id,
                description="CloudFront origin-facing servers only",
            ),
            opts=self._child(),
        )

    def _create_alb(self) -> aws.lb.LoadBalancer:
        return aws.lb.LoadBalancer(
            check_logical(LOAD_BALANCER, f"{self._name}-alb"),
            aws.lb.LoadBalancerArgs(
                name=self.args.alb_name,
                load_balancer_type="application",
                internal=self.args.internal,
                subnets=list(self.args.subnet_ids),
                security_groups=[self.security_group.id],
                ip_address_type="ipv4",
                drop_invalid_header_fields=True,
                enable_deletion_protection=self.args.deletion_protection,
                idle_timeout=self.args.idle_timeout,
                enable_http2=True,
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_target_group(self, service: str, port: int, path: str) -> aws.lb.TargetGroup:
        return aws.lb.TargetGroup(
            check_logical(TARGET_GROUP, f"{self._name}-{service}"),
            aws.lb.TargetGroupArgs(
                vpc_id=self.args.vpc_id,
                target_type="ip",
                protocol="HTTP",
                port=port,
                deregistration_delay=self.args.deregistration_delay,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    enabled=True,
                    protocol="HTTP",
                    path=path,
                    port="traffic-port",
                    matcher="200-299",
                    interval=15,
                    timeout=5,
                    healthy_threshold=2,
                    unhealthy_threshold=3,
                ),
                tags={"service": service},
            ),
            opts=self._child(),
        )

    def _not_found(self) -> aws.lb.ListenerDefaultActionArgs:
        return aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not found", status_code="404"
            ),
        )

    def _create_listeners(self) -> tuple[aws.lb.Listener, aws.lb.Listener | None]:
        if self.args.certificate_arn is None:
            http = aws.lb.Listener(
                f"{self._name}-http",
                aws.lb.ListenerArgs(
                    load_balancer_arn=self.alb.arn,
                    port=HTTP_PORT,
                    protocol="HTTP",
                    default_actions=[self._not_found()],
                ),
                opts=self._child(),
            )
            return http, None
        https = aws.lb.Listener(
            f"{self._name}-https",
            aws.lb.ListenerArgs(
                load_balancer_arn=self.alb.arn,
                port=HTTPS_PORT,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=self.args.certificate_arn,
                default_actions=[self._not_found()],
            ),
            opts=self._child(),
        )
        http = aws.lb.Listener(
            f"{self._name}-http",
            aws.lb.ListenerArgs(
                load_balancer_arn=self.alb.arn,
                port=HTTP_PORT,
                protocol="HTTP",
                default_actions=[
                    aws.lb.ListenerDefaultActionArgs(
                        type="redirect",
                        redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                            protocol="HTTPS", port=str(HTTPS_PORT), status_code="HTTP_301"
                        ),
                    )
                ],
            ),
            opts=self._child(),
        )
        return http, https

    def _rule(
        self,
        label: str,
        listener: aws.lb.Listener,
        priority: int,
        route: Route,
        groups: HostGroups,
    ) -> aws.lb.ListenerRule:
        conditions = [
            aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(
                    values=list(route.host_names(groups))
                )
            )
        ]
        if route.paths:
            conditions.append(
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(
                        values=list(route.paths)
                    )
                )
            )
        return aws.lb.ListenerRule(
            f"{self._name}-{label}",
            aws.lb.ListenerRuleArgs(
                listener_arn=listener.arn,
                priority=priority,
                conditions=conditions,
                actions=[
                    aws.lb.ListenerRuleActionArgs(
                        type="forward", target_group_arn=self.target_groups[route.target].arn
                    )
                ],
            ),
            opts=self._child(),
        )
