"""Network: tiers, routes per NAT mode, NAT instance hardening, endpoints and flow logs."""

from __future__ import annotations

import ipaddress
import itertools
import json

import pytest

from components.config.reader import SettingsError, parse_settings
from components.config.subnets import plan_subnets, usable_addresses
from stackctl.harness import Graph
from tests.conftest import PlanFn
from tests.helpers import (
    ROUTE,
    SUBNET,
    default_route_target,
    route_table_of,
    routes_of,
    subnets_of_tier,
)

TIERS = ("public", "private", "isolated")
NAT_MODES = ("none", "instance", "gateway", "gatewayPerAz")
INSTANCE = "aws:ec2/instance:Instance"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


@pytest.fixture(params=NAT_MODES)
def nat_graph(request: pytest.FixtureRequest, plan: PlanFn) -> tuple[str, Graph]:
    mode = str(request.param)
    return mode, plan("dev", f"nat={mode}")


# -- VPC and subnets ------------------------------------------------------------------------------


def test_vpc_has_dns_support_and_hostnames(stack_graph: Graph) -> None:
    (vpc,) = stack_graph.of_type("aws:ec2/vpc:Vpc")
    assert vpc.get("enableDnsSupport") is True
    assert vpc.get("enableDnsHostnames") is True
    assert vpc.get("cidrBlock") == "10.0.0.0/16"


def test_default_security_group_is_left_without_rules(stack_graph: Graph) -> None:
    (default_sg,) = stack_graph.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not default_sg.get("ingress") and not default_sg.get("egress")


def test_three_tiers_of_subnets_one_per_az(stack_graph: Graph) -> None:
    assert len(stack_graph.of_type(SUBNET)) == 6
    for tier in TIERS:
        subnets = subnets_of_tier(stack_graph, tier)
        zones = [s.get("availabilityZone") for s in subnets]
        assert len(subnets) == 2
        assert len(set(zones)) == 2, f"{tier} subnets share an AZ: {zones}"


def test_three_az_layout_puts_each_tier_in_three_zones(plan: PlanFn) -> None:
    graph = plan("dev", "azCount=3")
    for tier in TIERS:
        zones = {s.get("availabilityZone") for s in subnets_of_tier(graph, tier)}
        assert zones == {"us-east-1a", "us-east-1b", "us-east-1c"}


def test_zones_are_available_and_need_no_opt_in(stack_graph: Graph) -> None:
    calls = [a for t, a in stack_graph.calls if t.endswith("getAvailabilityZones")]
    assert calls
    for args in calls:
        assert args["state"] == "available"
        assert {"name": "opt-in-status", "values": ["opt-in-not-required"]} in args["filters"]


def test_subnet_cidrs_are_inside_the_vpc_and_never_overlap(stack_graph: Graph) -> None:
    vpc = ipaddress.ip_network(stack_graph.of_type("aws:ec2/vpc:Vpc")[0].get("cidrBlock"))
    cidrs = [ipaddress.ip_network(s.get("cidrBlock")) for s in stack_graph.of_type(SUBNET)]
    for cidr in cidrs:
        assert cidr.subnet_of(vpc)  # type: ignore[arg-type]
        assert 16 <= cidr.prefixlen <= 28
    for a, b in itertools.combinations(cidrs, 2):
        assert not a.overlaps(b), f"{a} overlaps {b}"


@pytest.mark.parametrize(
    ("cidr", "azs"), [("10.0.0.0/16", 3), ("172.16.0.0/18", 2), ("192.168.16.0/20", 3)]
)
def test_layout_sizes_leave_room_for_tasks(cidr: str, azs: int) -> None:
    layout = plan_subnets(cidr, azs)
    assert all(usable_addresses(s) >= 1019 for s in layout.private)
    assert all(usable_addresses(s) >= 123 for s in layout.public + layout.isolated)
    assert len(set(layout.all())) == 3 * azs


def test_custom_vpc_cidr_is_used_for_every_subnet(plan: PlanFn) -> None:
    graph = plan("prod", "vpcCidr=172.20.0.0/20")
    vpc = ipaddress.ip_network("172.20.0.0/20")
    for subnet in graph.of_type(SUBNET):
        assert ipaddress.ip_network(subnet.get("cidrBlock")).subnet_of(vpc)  # type: ignore[arg-type]


def test_no_subnet_assigns_public_ips(stack_graph: Graph) -> None:
    for subnet in stack_graph.of_type(SUBNET):
        assert subnet.get("mapPublicIpOnLaunch") is False, subnet.name


# -- routes per tier, in each NAT mode ----------------------------------------------------------


def test_public_subnets_route_to_the_internet_gateway(nat_graph: tuple[str, Graph]) -> None:
    _, graph = nat_graph
    for subnet in subnets_of_tier(graph, "public"):
        target = default_route_target(graph, subnet)
        assert target is not None and target.type == "aws:ec2/internetGateway:InternetGateway"


def test_isolated_subnets_have_no_route_out(nat_graph: tuple[str, Graph]) -> None:
    _, graph = nat_graph
    for subnet in subnets_of_tier(graph, "isolated"):
        table = route_table_of(graph, subnet)
        assert routes_of(graph, table) == [], f"{subnet.name} has routes"
        assert not table.get("routes")
        endpoints = [
            e for e in graph.of_type(ENDPOINT) if table.id in (e.get("routeTableIds") or [])
        ]
        assert endpoints == [], "isolated tables get no gateway endpoints either"


def test_private_default_route_follows_the_nat_mode(nat_graph: tuple[str, Graph]) -> None:
    mode, graph = nat_graph
    targets = [default_route_target(graph, s) for s in subnets_of_tier(graph, "private")]
    if mode == "none":
        assert targets == [None, None]
    elif mode == "instance":
        assert {t.type for t in targets if t} == {INSTANCE}
        assert len({t.urn for t in targets if t}) == 1
    elif mode == "gateway":
        assert {t.type for t in targets if t} == {NAT_GATEWAY}
        assert len({t.urn for t in targets if t}) == 1
    else:
        assert {t.type for t in targets if t} == {NAT_GATEWAY}
        assert len({t.urn for t in targets if t}) == 2


@pytest.mark.parametrize(
    ("mode", "instances", "gateways"),
    [("none", 0, 0), ("instance", 1, 0), ("gateway", 0, 1), ("gatewayPerAz", 0, 2)],
)
def test_each_nat_mode_creates_exactly_its_nat(
    plan: PlanFn, mode: str, instances: int, gateways: int
) -> None:
    graph = plan("dev", f"nat={mode}")
    assert len(graph.of_type(INSTANCE)) == instances
    assert len(graph.of_type(NAT_GATEWAY)) == gateways


def test_both_stacks_use_one_nat_instance_and_no_gateway(stack_graph: Graph) -> None:
    assert len(stack_graph.of_type(INSTANCE)) == 1
    assert stack_graph.of_type(NAT_GATEWAY) == []


def test_gateway_per_az_puts_each_gateway_in_its_own_public_subnet(plan: PlanFn) -> None:
    graph = plan("dev", "nat=gatewayPerAz")
    public_ids = {s.id for s in subnets_of_tier(graph, "public")}
    placed = [g.get("subnetId") for g in graph.of_type(NAT_GATEWAY)]
    assert set(placed) == public_ids
    for subnet in subnets_of_tier(graph, "private"):
        gateway = default_route_target(graph, subnet)
        assert gateway is not None
        home = graph.by_id(gateway.get("subnetId"))
        assert home.get("availabilityZone") == subnet.get("availabilityZone")


def test_single_gateway_sits_in_the_first_public_subnet_with_an_eip(plan: PlanFn) -> None:
    graph = plan("dev", "nat=gateway")
    (gateway,) = graph.of_type(NAT_GATEWAY)
    assert graph.by_id(gateway.get("subnetId")).name == "network-public-a"
    eip = next(r for r in graph.of_type("aws:ec2/eip:Eip") if r.id == gateway.get("allocationId"))
    assert eip.get("domain") == "vpc"


def test_routes_reference_resources_of_this_vpc(nat_graph: tuple[str, Graph]) -> None:
    _, graph = nat_graph
    (vpc,) = graph.of_type("aws:ec2/vpc:Vpc")
    for route in graph.of_type(ROUTE):
        assert graph.by_id(route.get("routeTableId")).get("vpcId") == vpc.id


# -- NAT instance ---------------------------------------------------------------------------------


@pytest.fixture
def nat_instance(plan: PlanFn) -> Graph:
    return plan("dev")


def test_nat_instance_is_hardened(nat_instance: Graph) -> None:
    (instance,) = nat_instance.of_type(INSTANCE)
    assert instance.get("sourceDestCheck") is False
    assert instance.get("metadataOptions")["httpTokens"] == "required"
    assert instance.get("rootBlockDevice")["encrypted"] is True
    assert instance.get("instanceType") == "t4g.nano"
    assert "ami" in instance.ignore_changes


def test_nat_instance_ami_is_resolved_by_the_program_from_the_al2023_arm64_parameter(
    nat_instance: Graph,
) -> None:
    """With a root_block_device the provider calls DescribeImages on `ami`: it must be an id."""
    (instance,) = nat_instance.of_type(INSTANCE)
    reads = [
        args["name"]
        for token, args in nat_instance.calls
        if token == "aws:ssm/getParameter:getParameter"
    ]
    assert "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" in reads
    assert instance.get("rootBlockDevice") is not None
    assert instance.get("ami") == "ami-0a1b2c3d4e5f67890"  # the mocked parameter's value
    assert not str(instance.get("ami")).startswith("resolve:")


def test_nat_instance_has_an_ssm_instance_profile_and_ebs_optimization(nat_instance: Graph) -> None:
    (instance,) = nat_instance.of_type(INSTANCE)
    assert instance.get("ebsOptimized") is True
    profile = nat_instance.by_id(instance.get("iamInstanceProfile"))
    assert profile.type == "aws:iam/instanceProfile:InstanceProfile"
    role = nat_instance.by_id(profile.get("role"))
    trust = json.loads(role.get("assumeRolePolicy"))
    assert [s["Principal"]["Service"] for s in trust["Statement"]] == ["ec2.amazonaws.com"]
    attached = {
        a.get("policyArn")
        for a in nat_instance.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.get("role") == profile.get("role")
    }
    assert attached == {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}
    assert role.get("path") == profile.get("path") != "/"


def test_nat_instance_user_data_masquerades_the_vpc_and_persists(nat_instance: Graph) -> None:
    (instance,) = nat_instance.of_type(INSTANCE)
    script = instance.get("userData")
    assert script.startswith("#!/bin/bash")
    assert "net.ipv4.ip_forward = 1" in script
    assert "ip saddr 10.0.0.0/16 masquerade" in script
    assert "systemctl enable --now nat-masquerade.service" in script


@pytest.mark.parametrize(
    ("config", "elastic"),
    [
        (("dev",), False),  # lab: natAddress instanceIp
        (("dev", "natAddress=elasticIp"), True),
        (("prod", "nat=instance"), True),  # mvp: natAddress elasticIp
        (("prod", "nat=instance", "natAddress=instanceIp"), False),
        (("dev", "sleep=weekdays 08-20"), False),
    ],
)
def test_nat_instance_address_follows_nat_address(
    plan: PlanFn, config: tuple[str, ...], elastic: bool
) -> None:
    """elasticIp: one Elastic IP on the instance, and no address of its own; instanceIp: the
    address EC2 assigns at launch (associate_public_ip_address), and no Elastic IP."""
    graph = plan(*config)
    (instance,) = graph.of_type(INSTANCE)
    assert graph.by_id(instance.get("subnetId")).get("tags")["tier"] == "public"
    eips = [e for e in graph.of_type("aws:ec2/eip:Eip") if e.get("instance") == instance.id]
    assert instance.get("associatePublicIpAddress") is (not elastic)
    if elastic:
        assert len(eips) == 1 and eips[0].get("domain") == "vpc"
    else:
        assert eips == []


def test_a_bad_nat_address_names_the_key_and_the_choices() -> None:
    raw = {"fullstack:profile": "lab", "fullstack:natAddress": "static"}
    with pytest.raises(SettingsError, match=r"natAddress.*static.*elasticIp.*instanceIp"):
        parse_settings("fullstack", "dev", raw)


def test_nat_instance_security_group_admits_only_the_vpc(nat_instance: Graph) -> None:
    (instance,) = nat_instance.of_type(INSTANCE)
    (group_id,) = instance.get("vpcSecurityGroupIds")
    ingress = [
        r
        for r in nat_instance.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.get("securityGroupId") == group_id
    ]
    assert [r.get("cidrIpv4") for r in ingress] == ["10.0.0.0/16"]
    group = nat_instance.by_id(group_id)
    assert not group.get("ingress") and not group.get("egress"), "no inline rules"


def test_nat_instance_recovers_and_reboots_itself(nat_instance: Graph) -> None:
    (instance,) = nat_instance.of_type(INSTANCE)
    # system check failures: EC2's simplified automatic recovery, kept on explicitly
    assert instance.get("maintenanceOptions") == {"autoRecovery": "default"}
    alarms = {
        a.get("metricName"): a
        for a in nat_instance.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.get("dimensions", {}).get("InstanceId") == instance.id
    }
    # instance check failures: a reboot; no second alarm repeating what recovery does
    assert set(alarms) == {"StatusCheckFailed_Instance"}
    assert alarms["StatusCheckFailed_Instance"].get("alarmActions") == [
        "arn:aws:automate:us-east-1:ec2:reboot"
    ]


def test_nat_instance_type_is_a_dial(plan: PlanFn) -> None:
    (instance,) = plan("dev", "natInstanceType=t4g.micro").of_type(INSTANCE)
    assert instance.get("instanceType") == "t4g.micro"


# -- endpoints ------------------------------------------------------------------------------------


def test_s3_gateway_endpoint_serves_every_private_route_table(nat_graph: tuple[str, Graph]) -> None:
    _, graph = nat_graph
    (s3,) = [e for e in graph.of_type(ENDPOINT) if e.get("vpcEndpointType") == "Gateway"]
    assert s3.get("serviceName") == "com.amazonaws.us-east-1.s3"
    private_tables = {route_table_of(graph, s).id for s in subnets_of_tier(graph, "private")}
    assert set(s3.get("routeTableIds")) == private_tables


def test_interface_endpoints_are_off_by_default(stack_graph: Graph) -> None:
    assert [
        e for e in stack_graph.of_type(ENDPOINT) if e.get("vpcEndpointType") == "Interface"
    ] == []


@pytest.mark.parametrize(
    ("overrides", "services"),
    [
        (("nat=none",), {"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssmmessages"}),
        (
            ("interfaceEndpoints=true", "ecsExec=false"),
            {"ecr.api", "ecr.dkr", "logs", "secretsmanager"},
        ),
    ],
)
def test_interface_endpoints_cover_what_fargate_needs(
    plan: PlanFn, overrides: tuple[str, ...], services: set[str]
) -> None:
    graph = plan("dev", *overrides)
    endpoints = [e for e in graph.of_type(ENDPOINT) if e.get("vpcEndpointType") == "Interface"]
    assert {
        e.get("serviceName").removeprefix("com.amazonaws.us-east-1.") for e in endpoints
    } == services
    private_ids = {s.id for s in subnets_of_tier(graph, "private")}
    for endpoint in endpoints:
        assert endpoint.get("privateDnsEnabled") is True
        assert set(endpoint.get("subnetIds")) == private_ids
        (group_id,) = endpoint.get("securityGroupIds")
        rules = [
            r
            for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.get("securityGroupId") == group_id
        ]
        assert [(r.get("fromPort"), r.get("toPort"), r.get("cidrIpv4")) for r in rules] == [
            (443, 443, "10.0.0.0/16")
        ]


# -- flow logs ------------------------------------------------------------------------------------


def test_flow_logs_follow_the_profile(plan: PlanFn) -> None:
    assert plan("dev").of_type("aws:ec2/flowLog:FlowLog") == []
    (flow_log,) = plan("prod").of_type("aws:ec2/flowLog:FlowLog")
    assert flow_log.get("trafficType") == "ALL"
    assert flow_log.get("logDestinationType") == "cloud-watch-logs"


def test_flow_logs_go_to_a_log_group_with_the_stack_retention(plan: PlanFn) -> None:
    graph = plan("prod", "logRetentionDays=90")
    (flow_log,) = graph.of_type("aws:ec2/flowLog:FlowLog")
    group = next(
        g
        for g in graph.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.outputs["arn"] == flow_log.get("logDestination")
    )
    assert group.get("retentionInDays") == 90
    assert group.get("name") == "/fullstack/prod/vpc-flow-logs"
    role = next(
        r
        for r in graph.of_type("aws:iam/role:Role")
        if r.outputs["arn"] == flow_log.get("iamRoleArn")
    )
    assert "vpc-flow-logs.amazonaws.com" in role.get("assumeRolePolicy")
