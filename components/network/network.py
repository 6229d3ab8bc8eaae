"""Network: a three-tier VPC over two or three availability zones.

Creates:
1. a VPC with DNS support and DNS hostnames (interface endpoints need both), and its default
   security group stripped of every rule;
2. per AZ, three subnets (CIDRs from `components.config.subnets`): *public* (route to the internet
   gateway; no auto-assigned public IPs), *private* (Fargate tasks, internal ALB; default route
   through the NAT of the chosen mode, none with `nat: none`) and *isolated* (database, cache;
   no route out of the VPC at all);
3. an internet gateway (CloudFront VPC origins need one attached even with an internal ALB);
4. egress for the private tier, by `nat`: `none`; `instance` (one `NatInstance`, used by every
   private route table); `gateway` (one NAT gateway in the first public subnet, used by every
   private route table); `gatewayPerAz` (one NAT gateway per AZ, each AZ's private table uses
   its own);
5. an S3 gateway endpoint on the private route tables (always: free, and ECR image layers come
   from S3);
6. with `interface_endpoints`: interface endpoints for ecr.api, ecr.dkr, logs and secretsmanager
   (plus ssmmessages when `ecs_exec`), with private DNS and a security group admitting 443 from
   the VPC;
7. with `flow_logs`: VPC flow logs (all traffic) to a CloudWatch log group with the stack's
   retention, and the IAM role that lets the service write there.

Inputs (NetworkArgs, defaults in brackets): name_prefix, region, cidr ["10.0.0.0/16"],
az_count [2], nat ["instance"], nat_instance_type ["t4g.nano"], interface_endpoints [False],
ecs_exec [False], flow_logs [False], log_retention_days [7], flow_log_group_name, iam_path ["/"].

Cost (us-east-1, 2026-11, 730 h): VPC, subnets, route tables, IGW, S3 gateway endpoint: free.
NAT: instance (nat_instance.py); gateway `nat_gateway.hour` + its `public_ipv4.hour` each (+
`nat_gateway.gb`); interface endpoints `vpc_endpoint.interface.az_hour` per endpoint per AZ;
flow logs `logs.ingest.gb` (price lines of prices/prices.yaml; figures: docs/costs.md).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.settings import Settings
from components.config.subnets import plan_subnets
from components.config.values import NatMode
from components.kit.component import Component, ComponentArgs
from components.kit.naming import Naming
from components.kit.roles import policy_document, role_with_policy
from components.network.nat_instance import NatInstance, NatInstanceArgs

INTERFACE_ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
ECS_EXEC_ENDPOINT_SERVICES = ("ssmmessages",)


@dataclass(frozen=True)
class NetworkArgs(ComponentArgs):
    name_prefix: str
    """Required: `<project>-<stack>`, the prefix of the VPC's Name tags."""
    region: str
    """Required: the region (AZs and endpoint service names)."""
    cidr: str = "10.0.0.0/16"
    """The VPC's IPv4 CIDR; the subnets are carved from it."""
    az_count: int = 2
    """Availability zones used, each with a public, a private and an isolated subnet."""
    nat: NatMode = "instance"
    """Egress of the private subnets: `none`, `instance`, `gateway` or `gatewayPerAz`. Cost:
    see nat_instance.py; each gateway `nat_gateway.hour` + `public_ipv4.hour` + `nat_gateway.gb`."""
    nat_instance_type: str = "t4g.nano"
    """With `nat: instance`: the instance type."""
    interface_endpoints: bool = False
    """Interface endpoints for ecr.api, ecr.dkr, logs, secretsmanager (and ssmmessages with
    `ecs_exec`). Cost: `vpc_endpoint.interface.az_hour` per endpoint per AZ."""
    ecs_exec: bool = False
    """ECS Exec is on: with `interface_endpoints`, also the ssmmessages endpoint."""
    nat_elastic_ip: bool = True
    """The NAT instance's egress from an Elastic IP (False: the address EC2 assigns at each
    start, billed only while it runs: the lab with `sleep`)."""
    flow_logs: bool = False
    """VPC flow logs (all traffic) to a CloudWatch log group. Cost: `logs.ingest.gb`."""
    log_retention_days: int = 7
    """With `flow_logs`: the log group's retention."""
    flow_log_group_name: str = "/vpc/flow-logs"
    """With `flow_logs`: the log group's name."""
    iam_path: str = "/"
    """IAM path of the flow logs role and the NAT instance's role."""


def network_args(settings: Settings, naming: Naming) -> NetworkArgs:
    """The stack's network: its settings and names."""
    return NetworkArgs(
        name_prefix=naming.prefix,
        region=settings.region,
        cidr=settings.vpc_cidr,
        az_count=settings.az_count,
        nat=settings.nat,
        nat_instance_type=settings.nat_instance_type,
        interface_endpoints=settings.interface_endpoints,
        ecs_exec=settings.ecs_exec,
        # natAddress: an Elastic IP bills every hour, the instance's own address only while it
        # runs (a sleeping NAT instance stops every night)
        nat_elastic_ip=settings.nat_address == "elasticIp",
        flow_logs=settings.flow_logs,
        log_retention_days=settings.log_retention_days,
        flow_log_group_name=naming.log_group("vpc-flow-logs"),
        iam_path=naming.iam_path,
    )


class Network(Component):
    """VPC, subnets in three tiers, routes, NAT and endpoints."""

    availability_zones: list[str]
    vpc: aws.ec2.Vpc
    internet_gateway: aws.ec2.InternetGateway
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]
    isolated_subnets: list[aws.ec2.Subnet]
    public_route_table: aws.ec2.RouteTable
    private_route_tables: list[aws.ec2.RouteTable]
    isolated_route_table: aws.ec2.RouteTable
    nat_instance: NatInstance | None
    nat_gateways: list[aws.ec2.NatGateway]
    nat_gateway_eips: list[aws.ec2.Eip]
    s3_endpoint: aws.ec2.VpcEndpoint
    endpoint_security_group: aws.ec2.SecurityGroup | None
    interface_endpoints: dict[str, aws.ec2.VpcEndpoint]
    flow_log: aws.ec2.FlowLog | None

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:network:Network", name, args.transform, opts)
        self.args = args
        self.layout = plan_subnets(args.cidr, args.az_count)
        self.availability_zones = self._pick_availability_zones()
        self.vpc = self._create_vpc()
        self.internet_gateway = self._create_internet_gateway()
        self.public_subnets = self._create_subnets("public", self.layout.public)
        self.private_subnets = self._create_subnets("private", self.layout.private)
        self.isolated_subnets = self._create_subnets("isolated", self.layout.isolated)
        self.public_route_table = self._create_public_routes()
        self.nat_instance, self.nat_gateways, self.nat_gateway_eips = self._create_nat()
        self.private_route_tables = self._create_private_routes()
        self.isolated_route_table = self._create_isolated_routes()
        self.s3_endpoint = self._create_s3_endpoint()
        self.endpoint_security_group, self.interface_endpoints = self._create_interface_endpoints()
        self.flow_log = self._create_flow_logs() if args.flow_logs else None
        self._finish(
            {
                "vpcId": self.vpc.id,
                "publicSubnetIds": [s.id for s in self.public_subnets],
                "privateSubnetIds": [s.id for s in self.private_subnets],
                "isolatedSubnetIds": [s.id for s in self.isolated_subnets],
            }
        )

    # -- helpers -------------------------------------------------------------------------------

    def _tags(self, suffix: str) -> dict[str, str]:
        return {"Name": f"{self.args.name_prefix}-{suffix}"}

    @property
    def nat_public_ips(self) -> list[pulumi.Output[str]]:
        """The addresses the private tier reaches the internet from (empty with nat none)."""
        if self.nat_instance is not None:
            return [self.nat_instance.public_ip]
        return [eip.public_ip for eip in self.nat_gateway_eips]

    @property
    def private_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [s.id for s in self.private_subnets]

    @property
    def public_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [s.id for s in self.public_subnets]

    @property
    def isolated_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [s.id for s in self.isolated_subnets]

    def exports(self) -> dict[str, object]:
        """Its stack outputs: the VPC, its zones and subnets, the NAT's addresses."""
        return {
            "vpcId": self.vpc.id,
            "availabilityZones": self.availability_zones,
            "publicSubnetIds": self.public_subnet_ids,
            "privateSubnetIds": self.private_subnet_ids,
            "isolatedSubnetIds": self.isolated_subnet_ids,
            "natPublicIps": self.nat_public_ips,
        }

    # -- steps ---------------------------------------------------------------------------------

    def _pick_availability_zones(self) -> list[str]:
        zones = aws.get_availability_zones(
            state="available",
            filters=[
                aws.GetAvailabilityZonesFilterArgs(
                    name="opt-in-status", values=["opt-in-not-required"]
                )
            ],
            opts=pulumi.InvokeOptions(parent=self),
        )
        names = sorted(zones.names)
        if len(names) < self.args.az_count:
            raise ValueError(
                f"{self.args.region} has {len(names)} available zones without opt-in; "
                f"azCount is {self.args.az_count}"
            )
        return names[: self.args.az_count]

    def _create_vpc(self) -> aws.ec2.Vpc:
        vpc = aws.ec2.Vpc(
            f"{self._name}-vpc",
            aws.ec2.VpcArgs(
                cidr_block=self.args.cidr,
                enable_dns_support=True,
                enable_dns_hostnames=True,
                tags=self._tags("vpc"),
            ),
            opts=self._child(),
        )
        # Leave the default security group with no rules, so nothing can use it by accident.
        aws.ec2.DefaultSecurityGroup(
            f"{self._name}-default-sg",
            aws.ec2.DefaultSecurityGroupArgs(vpc_id=vpc.id, tags=self._tags("default-sg-unused")),
            opts=self._child(),
        )
        return vpc

    def _create_internet_gateway(self) -> aws.ec2.InternetGateway:
        return aws.ec2.InternetGateway(
            f"{self._name}-igw",
            aws.ec2.InternetGatewayArgs(vpc_id=self.vpc.id, tags=self._tags("igw")),
            opts=self._child(),
        )

    def _create_subnets(
        self, tier: str, cidrs: tuple[ipaddress.IPv4Network, ...]
    ) -> list[aws.ec2.Subnet]:
        subnets = []
        for index, cidr in enumerate(cidrs):
            suffix = self._zone_suffix(index)
            subnets.append(
                aws.ec2.Subnet(
                    f"{self._name}-{tier}-{suffix}",
                    aws.ec2.SubnetArgs(
                        vpc_id=self.vpc.id,
                        cidr_block=str(cidr),
                        availability_zone=self.availability_zones[index],
                        map_public_ip_on_launch=False,
                        tags={**self._tags(f"{tier}-{suffix}"), "tier": tier},
                    ),
                    opts=self._child(),
                )
            )
        return subnets

    def _zone_suffix(self, index: int) -> str:
        """The AZ letter ("a", "b") that names the resources of the index-th zone."""
        return self.availability_zones[index][-1]

    def _associate(self, table: aws.ec2.RouteTable, tier: str, indexes: range) -> None:
        subnets = {
            "public": self.public_subnets,
            "private": self.private_subnets,
            "isolated": self.isolated_subnets,
        }[tier]
        for index in indexes:
            aws.ec2.RouteTableAssociation(
                f"{self._name}-{tier}-{self._zone_suffix(index)}-rta",
                aws.ec2.RouteTableAssociationArgs(
                    route_table_id=table.id, subnet_id=subnets[index].id
                ),
                opts=self._child(),
            )

    def _create_public_routes(self) -> aws.ec2.RouteTable:
        table = aws.ec2.RouteTable(
            f"{self._name}-public-rt",
            aws.ec2.RouteTableArgs(vpc_id=self.vpc.id, tags=self._tags("public")),
            opts=self._child(),
        )
        aws.ec2.Route(
            f"{self._name}-public-default",
            aws.ec2.RouteArgs(
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=self.internet_gateway.id,
            ),
            opts=self._child(),
        )
        self._associate(table, "public", range(len(self.public_subnets)))
        return table

    def _create_nat(
        self,
    ) -> tuple[NatInstance | None, list[aws.ec2.NatGateway], list[aws.ec2.Eip]]:
        mode = self.args.nat
        if mode == "instance":
            nat = NatInstance(
                f"{self._name}-nat",
                NatInstanceArgs(
                    vpc_id=self.vpc.id,
                    vpc_cidr=self.args.cidr,
                    subnet_id=self.public_subnets[0].id,
                    region=self.args.region,
                    instance_type=self.args.nat_instance_type,
                    iam_path=self.args.iam_path,
                    elastic_ip=self.args.nat_elastic_ip,
                ),
                opts=self._child(depends_on=[self.internet_gateway]),
            )
            return nat, [], []
        if mode in ("gateway", "gatewayPerAz"):
            count = 1 if mode == "gateway" else len(self.public_subnets)
            gateways, eips = [], []
            for index, subnet in enumerate(self.public_subnets[:count]):
                suffix = self._zone_suffix(index)
                eip = aws.ec2.Eip(
                    f"{self._name}-nat-eip-{suffix}",
                    aws.ec2.EipArgs(domain="vpc", tags=self._tags(f"nat-eip-{suffix}")),
                    opts=self._child(),
                )
                eips.append(eip)
                gateways.append(
                    aws.ec2.NatGateway(
                        f"{self._name}-nat-{suffix}",
                        aws.ec2.NatGatewayArgs(
                            subnet_id=subnet.id,
                            allocation_id=eip.allocation_id,
                            connectivity_type="public",
                            tags=self._tags(f"nat-{suffix}"),
                        ),
                        opts=self._child(depends_on=[self.internet_gateway]),
                    )
                )
            return None, gateways, eips
        return None, [], []

    def _create_private_routes(self) -> list[aws.ec2.RouteTable]:
        tables = []
        for index in range(len(self.private_subnets)):
            suffix = self._zone_suffix(index)
            table = aws.ec2.RouteTable(
                f"{self._name}-private-rt-{suffix}",
                aws.ec2.RouteTableArgs(vpc_id=self.vpc.id, tags=self._tags(f"private-{suffix}")),
                opts=self._child(),
            )
            route_args: aws.ec2.RouteArgs | None = None
            if self.nat_instance is not None:
                route_args = aws.ec2.RouteArgs(
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    network_interface_id=self.nat_instance.network_interface_id,
                )
            elif self.nat_gateways:
                gateway = self.nat_gateways[min(index, len(self.nat_gateways) - 1)]
                route_args = aws.ec2.RouteArgs(
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=gateway.id,
                )
            if route_args is not None:
                aws.ec2.Route(
                    f"{self._name}-private-default-{suffix}", route_args, opts=self._child()
                )
            self._associate(table, "private", range(index, index + 1))
            tables.append(table)
        return tables

    def _create_isolated_routes(self) -> aws.ec2.RouteTable:
        """One table with only the VPC's local route: the isolated tier cannot leave the VPC."""
        table = aws.ec2.RouteTable(
            f"{self._name}-isolated-rt",
            aws.ec2.RouteTableArgs(vpc_id=self.vpc.id, tags=self._tags("isolated")),
            opts=self._child(),
        )
        self._associate(table, "isolated", range(len(self.isolated_subnets)))
        return table

    def _create_s3_endpoint(self) -> aws.ec2.VpcEndpoint:
        return aws.ec2.VpcEndpoint(
            f"{self._name}-s3",
            aws.ec2.VpcEndpointArgs(
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{self.args.region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=[t.id for t in self.private_route_tables],
                tags=self._tags("s3"),
            ),
            opts=self._child(),
        )

    def _create_interface_endpoints(
        self,
    ) -> tuple[aws.ec2.SecurityGroup | None, dict[str, aws.ec2.VpcEndpoint]]:
        if not self.args.interface_endpoints:
            return None, {}
        group = aws.ec2.SecurityGroup(
            f"{self._name}-endpoints-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.vpc.id,
                description="Interface VPC endpoints: HTTPS from inside the VPC",
                tags=self._tags("endpoints"),
            ),
            opts=self._child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-endpoints-https",
            aws.vpc.SecurityGroupIngressRuleArgs(
                security_group_id=group.id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=self.args.cidr,
                description="HTTPS to the AWS APIs from the VPC",
            ),
            opts=self._child(),
        )
        services = INTERFACE_ENDPOINT_SERVICES + (
            ECS_EXEC_ENDPOINT_SERVICES if self.args.ecs_exec else ()
        )
        endpoints = {}
        for service in services:
            endpoints[service] = aws.ec2.VpcEndpoint(
                f"{self._name}-{service.replace('.', '-')}",
                aws.ec2.VpcEndpointArgs(
                    vpc_id=self.vpc.id,
                    service_name=f"com.amazonaws.{self.args.region}.{service}",
                    vpc_endpoint_type="Interface",
                    private_dns_enabled=True,
                    subnet_ids=self.private_subnet_ids,
                    security_group_ids=[group.id],
                    tags=self._tags(service),
                ),
                opts=self._child(),
            )
        return group, endpoints

    def _create_flow_logs(self) -> aws.ec2.FlowLog:
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            aws.cloudwatch.LogGroupArgs(
                name=self.args.flow_log_group_name,
                retention_in_days=self.args.log_retention_days,
            ),
            opts=self._child(delete_before_replace=True),
        )
        role, _ = role_with_policy(
            f"{self._name}-flow-logs",
            service="vpc-flow-logs.amazonaws.com",
            path=self.args.iam_path,
            description="Lets VPC Flow Logs write to its CloudWatch log group",
            policy=log_group.arn.apply(
                lambda arn: policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": [arn, f"{arn}:*"],
                        }
                    ]
                )
            ),
            opts=self._child(),
        )
        return aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            aws.ec2.FlowLogArgs(
                vpc_id=self.vpc.id,
                traffic_type="ALL",
                log_destination_type="cloud-watch-logs",
                log_destination=log_group.arn,
                iam_role_arn=role.arn,
                max_aggregation_interval=600,
                tags=self._tags("flow-log"),
            ),
            opts=self._child(),
        )
