"""Queries over a recorded Graph that several test files share."""

from __future__ import annotations

from stackctl.harness import Graph, Resource

ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
SUBNET = "aws:ec2/subnet:Subnet"


def subnets_of_tier(graph: Graph, tier: str) -> list[Resource]:
    return [s for s in graph.of_type(SUBNET) if s.get("tags", {}).get("tier") == tier]


def route_table_of(graph: Graph, subnet: Resource) -> Resource:
    tables = [
        graph.by_id(a.get("routeTableId"))
        for a in graph.of_type(ASSOCIATION)
        if a.get("subnetId") == subnet.id
    ]
    assert len(tables) == 1, f"{subnet.name} has {len(tables)} route table associations"
    return tables[0]


def routes_of(graph: Graph, table: Resource) -> list[Resource]:
    return [r for r in graph.of_type(ROUTE) if r.get("routeTableId") == table.id]


def default_route_target(graph: Graph, subnet: Resource) -> Resource | None:
    """The resource a subnet's 0.0.0.0/0 route points at, or None when it has none."""
    table = route_table_of(graph, subnet)
    inline = [r for r in table.get("routes", []) or [] if r.get("cidrBlock") == "0.0.0.0/0"]
    assert not inline, "routes must be standalone aws.ec2.Route resources"
    defaults = [r for r in routes_of(graph, table) if r.get("destinationCidrBlock") == "0.0.0.0/0"]
    if not defaults:
        return None
    assert len(defaults) == 1
    route = defaults[0]
    for key in ("gatewayId", "natGatewayId", "networkInterfaceId", "transitGatewayId"):
        target = route.get(key)
        if target:
            if key == "networkInterfaceId":
                return next(
                    r
                    for r in graph.custom_resources()
                    if r.outputs.get("primaryNetworkInterfaceId") == target
                )
            return graph.by_id(target)
    raise AssertionError(f"route {route.name} has no target")
