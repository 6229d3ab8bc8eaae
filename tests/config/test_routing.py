"""Routing: sample requests through the ordered route list and through the declared ALB rules."""

from __future__ import annotations

import pytest

from components.config.routing import Route, check_routes, first_match, priorities, shadowed
from stackctl.harness import Graph
from tests.conftest import PlanFn
from tests.routing_helpers import alb_lands

ROUTES = [
    Route("api", hosts=("api",), purpose="api.<domain>"),
    Route("api", hosts=("site", "internal"), paths=("/api/*",), purpose="/api/* on the site"),
    Route("web", hosts=("site",), purpose="the site"),
]
GROUPS = {
    "site": ["example.com", "www.example.com"],
    "api": ["api.example.com"],
    "internal": ["internal-x.elb.amazonaws.com"],
}


# -- the route list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "path", "lands"),
    [
        ("example.com", "/", "web"),
        ("EXAMPLE.com", "/notes/1", "web"),  # hosts match without regard to case
        ("www.example.com", "/api/notes", "api"),
        ("example.com", "/API/notes", "web"),  # paths match with regard to case
        ("example.com", "/api/notes?page=2", "api"),  # the query is not part of the path
        ("example.com", "/apiary", "web"),
        ("api.example.com", "/anything", "api"),
        ("internal-x.elb.amazonaws.com", "/api/healthz", "api"),
        ("internal-x.elb.amazonaws.com", "/", None),
        ("evil.example.net", "/api/notes", None),
        ("example.com:443", "/api/notes", "api"),  # a port in Host is not part of the name
    ],
)
def test_first_match_sends_each_request_to_its_service(host: str, path: str, lands: str) -> None:
    assert first_match(ROUTES, GROUPS, host, path) == lands


def test_priorities_follow_the_order_of_the_list() -> None:
    assert [p for p, _ in priorities(ROUTES)] == [10, 20, 30]
    assert [r for _, r in priorities(ROUTES)] == ROUTES


def test_a_catch_all_placed_before_a_path_route_is_reported() -> None:
    wrong = [ROUTES[2], ROUTES[1]]
    assert shadowed(wrong) == [(ROUTES[1], ROUTES[2], "site")]
    assert "can never match" in check_routes(wrong)[0]
    assert check_routes(ROUTES) == []


# -- the rules the program declares, evaluated as the ALB does --------------------------------


def _names(graph: Graph) -> tuple[str, str]:
    (cdn,) = graph.of_type("aws:cloudfront/distribution:Distribution")
    (alb,) = graph.of_type("aws:lb/loadBalancer:LoadBalancer")
    return str(cdn.outputs["domainName"]), str(alb.outputs["dnsName"])


@pytest.mark.parametrize(
    "overrides",
    [(), ("edge=public",), ("nat=gateway", "edge=public")],
    ids=["vpcOrigin", "public", "public-gateway"],
)
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_requests_land_on_the_right_service_without_a_domain(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, "ingress=alb", *overrides)
    site, alb = _names(graph)
    assert alb_lands(graph, site, "/") == "web"
    assert alb_lands(graph, site, "/notes/42") == "web"
    assert alb_lands(graph, site, "/api/notes") == "api"
    assert alb_lands(graph, site, "/api/healthz") == "api"
    assert alb_lands(graph, alb, "/api/notes") == "api", "the web's server-side API calls"
    assert alb_lands(graph, alb, "/") == "404"
    assert alb_lands(graph, "attacker.example", "/api/notes") == "404"


@pytest.mark.parametrize("tls", [False, True], ids=["http", "albHttps"])
def test_requests_land_on_the_right_service_with_a_domain(plan: PlanFn, tls: bool) -> None:
    overrides = ["domain=example.com"] + (["albHttps=true"] if tls else [])
    graph = plan("prod", *overrides)
    _, alb = _names(graph)
    for host in ("example.com", "www.example.com"):
        assert alb_lands(graph, host, "/") == "web"
        assert alb_lands(graph, host, "/api/notes") == "api"
    assert alb_lands(graph, "api.example.com", "/api/notes") == "api"
    assert alb_lands(graph, "api.example.com", "/") == "api"
    assert alb_lands(graph, "example.org", "/") == "404"
    if tls:
        # Port 80 redirects viewers to 443, but the web's calls to the ALB's own name pass.
        assert alb_lands(graph, "example.com", "/", port=80) == "redirect"
        assert alb_lands(graph, alb, "/api/notes", port=80) == "api"
    assert alb_lands(graph, alb, "/api/notes") == "api"
