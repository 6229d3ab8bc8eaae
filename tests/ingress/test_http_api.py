"""HttpApi: routing equal to the ALB's, the origin check, the VPC link's security group chain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.config.routing import Route, first_match
from components.ingress import origin_check_handler as handler_module
from components.ingress.http_api import HttpApiArgs, check_args, current_slot, slot_keepers
from components.ingress.http_api_routing import DEFAULT_ROUTE, route_keys, select
from stackctl.harness import Graph, Resource
from stackctl.preflight import preflight
from tests.component_helpers import run_snippet
from tests.data_helpers import plaintext_secret_inputs

API = "aws:apigatewayv2/api:Api"
VPC_LINK = "aws:apigatewayv2/vpcLink:VpcLink"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
ROUTE = "aws:apigatewayv2/route:Route"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
STAGE = "aws:apigatewayv2/stage:Stage"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CLOUD_MAP_SERVICE = "aws:servicediscovery/service:Service"
PASSWORD = "random:index/randomPassword:RandomPassword"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

ROUTES = [
    Route("api", hosts=("api",), purpose="api.<domain>"),
    Route("api", hosts=("site", "internal"), paths=("/api/*",), purpose="/api/* on the site"),
    Route("web", hosts=("site",), purpose="the site"),
]
GROUPS = {"site": ["example.com", "www.example.com"], "api": ["api.example.com"]}
PORTS = {"api": 8000, "web": 3000}

PROGRAM = """
import pulumi
import pulumi_aws as aws

from components.ingress.http_api import HttpApi, HttpApiArgs
from components.config.routing import Route
from components.ingress.service_discovery import (
    RegisteredService, ServiceDiscovery, ServiceDiscoveryArgs,
)

ROUTES = [
    Route("api", hosts=("api",), purpose="api.<domain>"),
    Route("api", hosts=("site", "internal"), paths=("/api/*",), purpose="/api/* on the site"),
    Route("web", hosts=("site",), purpose="the site"),
]
GROUPS = {"site": ["example.com", "www.example.com"], "api": ["api.example.com"]}
PORTS = {"api": 8000, "web": 3000}

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
private = [
    aws.ec2.Subnet(f"private-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24") for i in (1, 2)
]
public = aws.ec2.Subnet("public-1", vpc_id=vpc.id, cidr_block="10.0.9.0/24")
tasks = {
    label: aws.ec2.SecurityGroup(f"{label}-sg", vpc_id=vpc.id, description=f"{label} tasks")
    for label in PORTS
}
discovery = ServiceDiscovery(
    "discovery",
    ServiceDiscoveryArgs(
        namespace_name="fullstack-dev.internal",
        vpc_id=vpc.id,
        services={label: RegisteredService(label, port) for label, port in PORTS.items()},
    ),
)
ingress = HttpApi(
    "ingress",
    HttpApiArgs(
        name_prefix="fullstack-dev",
        vpc_id=vpc.id,
        private_subnet_ids=[s.id for s in private],
        targets={label: discovery.arn(label) for label in PORTS},
        routes=ROUTES,
        host_groups=GROUPS,
        log_group_prefix="/fullstack/dev",
        access_log_retention_days=ACCESS_LOGS,
        origin_secret_rotation=ROTATION,
    ),
)
for label, port in PORTS.items():
    ingress.admit_service(label, tasks[label].id, port)
pulumi.export("originDomain", ingress.origin_domain)
pulumi.export("apiEndpoint", ingress.api_endpoint)
pulumi.export("originHeaderName", ingress.origin_header_name)
pulumi.export("originHeaderValue", ingress.origin_header_value)
pulumi.export("vpcLinkSecurityGroup", ingress.vpc_link_security_group.id)
pulumi.export("unserved", [r.purpose for r, _ in ingress.translation.unserved])
"""


def build(root: Path, rotation: int = 0, access_logs: int | None = None) -> Graph:
    source = PROGRAM.replace("ROTATION", str(rotation)).replace("ACCESS_LOGS", str(access_logs))
    return run_snippet(root, source)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    return build(tmp_path_factory.mktemp("http-api"))


def named(graph: Graph, type_token: str, name: str) -> Resource:
    return next(r for r in graph.of_type(type_token) if r.name == name)


# -- the API, the VPC link and the security group chain ---------------------------------------


def test_the_api_is_an_http_api_whose_endpoint_is_the_origin(graph: Graph) -> None:
    (api,) = graph.of_type(API)
    assert api.get("protocolType") == "HTTP"
    # CloudFront's origin: the endpoint stays on; the authorizer refuses direct calls.
    assert api.get("disableExecuteApiEndpoint") is False
    assert graph.exports["apiEndpoint"] == api.outputs["apiEndpoint"]
    assert graph.exports["originDomain"] == f"{api.id}.execute-api.us-east-1.amazonaws.com"
    assert "https://" not in graph.exports["originDomain"]


def test_the_vpc_link_sits_in_the_private_subnets_with_its_own_group(graph: Graph) -> None:
    (link,) = graph.of_type(VPC_LINK)
    private = {s.id for s in graph.of_type("aws:ec2/subnet:Subnet") if "private" in s.name}
    assert set(link.get("subnetIds")) == private and len(private) == 2
    group = graph.by_id(link.get("securityGroupIds")[0])
    assert link.get("securityGroupIds") == [group.id]
    assert group.name == "ingress-vpc-link-sg"
    assert graph.exports["vpcLinkSecurityGroup"] == group.id


def test_the_chain_is_vpc_link_to_tasks_only(graph: Graph) -> None:
    link_group = named(graph, SG, "ingress-vpc-link-sg")
    tasks = {label: named(graph, SG, f"{label}-sg") for label in PORTS}
    # No inline rules (aws-facts#sg-standalone-rules) and nothing admitted into the link's group.
    assert not link_group.get("ingress") and not link_group.get("egress")
    assert [r for r in graph.of_type(INGRESS) if r.get("securityGroupId") == link_group.id] == []
    # Egress: exactly one rule per service, TCP to that service's group on its port.
    egress = [r for r in graph.of_type(EGRESS) if r.get("securityGroupId") == link_group.id]
    reached = {
        (
            r.get("referencedSecurityGroupId"),
            r.get("fromPort"),
            r.get("toPort"),
            r.get("ipProtocol"),
        )
        for r in egress
    }
    assert reached == {(tasks[label].id, port, port, "tcp") for label, port in PORTS.items()}
    assert all(not r.get("cidrIpv4") and not r.get("cidrIpv6") for r in egress)
    # Each task group admits the link's group on its own port, and from nowhere else here.
    for label, port in PORTS.items():
        admitted = [
            r for r in graph.of_type(INGRESS) if r.get("securityGroupId") == tasks[label].id
        ]
        assert [(r.get("referencedSecurityGroupId"), r.get("fromPort")) for r in admitted] == [
            (link_group.id, port)
        ]


# -- integrations and routes ------------------------------------------------------------------


def integration_target(graph: Graph, integration: Resource) -> str:
    """The Cloud Map service (by name) an integration sends to."""
    service = next(
        s
        for s in graph.of_type(CLOUD_MAP_SERVICE)
        if s.outputs["arn"] == integration.get("integrationUri")
    )
    return str(service.get("name"))


def test_integrations_proxy_through_the_vpc_link_to_cloud_map(graph: Graph) -> None:
    (link,) = graph.of_type(VPC_LINK)
    integrations = graph.of_type(INTEGRATION)
    assert sorted(integration_target(graph, i) for i in integrations) == ["api", "web"]
    for integration in integrations:
        assert integration.get("integrationType") == "HTTP_PROXY"
        assert integration.get("connectionType") == "VPC_LINK"
        assert integration.get("connectionId") == link.id
        assert integration.get("integrationMethod") == "ANY"
        assert integration.get("payloadFormatVersion") == "1.0"
        assert integration.get("timeoutMilliseconds") == 30000
        assert integration.get("requestParameters") == {
            "overwrite:path": "$request.path",
            "remove:header.x-origin-verify": "''",
        }


def declared_route_keys(graph: Graph) -> list[tuple[str, str]]:
    """(route key, service) as declared: route -> integration -> Cloud Map service."""
    integrations = {i.id: i for i in graph.of_type(INTEGRATION)}
    keys = []
    for route in graph.of_type(ROUTE):
        integration = integrations[str(route.get("target")).removeprefix("integrations/")]
        keys.append((str(route.get("routeKey")), integration_target(graph, integration)))
    return keys


def test_routes_are_the_proxy_route_and_default_each_behind_the_authorizer(graph: Graph) -> None:
    (authorizer,) = graph.of_type(AUTHORIZER)
    assert sorted(declared_route_keys(graph)) == [("$default", "web"), ("ANY /api/{proxy+}", "api")]
    for route in graph.of_type(ROUTE):
        assert route.get("authorizationType") == "CUSTOM"
        assert route.get("authorizerId") == authorizer.id
    assert graph.exports["unserved"] == ["api.<domain>"]


SAMPLES = [
    ("example.com", "/"),
    ("example.com", "/notes/1"),
    ("www.example.com", "/api/notes"),
    ("example.com", "/api/notes/7/comments"),
    ("example.com", "/api/notes?page=2"),
    ("example.com", "/API/notes"),
    ("example.com", "/apiary"),
    ("example.com", "/api"),
    ("example.com", "/healthz"),
]


@pytest.mark.parametrize(("host", "path"), SAMPLES)
def test_a_request_lands_where_the_albs_first_match_sends_it(
    graph: Graph, host: str, path: str
) -> None:
    """The declared HTTP API routes, evaluated most-specific-first, agree with the ALB's list."""
    alb = first_match(ROUTES, GROUPS, host, path)
    assert alb is not None
    assert select(declared_route_keys(graph), path) == alb


def test_the_api_host_is_not_served_by_the_http_api() -> None:
    translation = route_keys(ROUTES, GROUPS)
    assert [route.purpose for route, _ in translation.unserved] == ["api.<domain>"]
    assert first_match(ROUTES, GROUPS, "api.example.com", "/notes") == "api"


# -- the evaluator of HTTP API route selection ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "lands"),
    [
        ("/api/v1/status", "exact"),  # an exact route beats any greedy one
        ("/api/v1/other", "v1"),  # the longest greedy prefix wins
        ("/api/v2", "api"),
        ("/api", "default"),  # {proxy+} needs something after the prefix
        ("/api/", "default"),
        ("/API/v1/status", "default"),  # paths match with regard to case
        ("/api/v1/status?x=1", "exact"),  # the query is not part of the path
        ("/", "default"),
    ],
)
def test_http_api_selection_is_most_specific_first(path: str, lands: str) -> None:
    keys = [
        ("$default", "default"),
        ("ANY /api/{proxy+}", "api"),
        ("ANY /api/v1/{proxy+}", "v1"),
        ("ANY /api/v1/status", "exact"),
    ]
    assert select(keys, path) == lands
    assert select(list(reversed(keys)), path) == lands  # order does not matter


def test_without_default_an_unmatched_path_lands_nowhere() -> None:
    assert select([("ANY /api/{proxy+}", "api")], "/") is None


def test_a_list_the_two_would_route_differently_is_refused() -> None:
    """First match sends /api/admin/x to api; most-specific would send it to admin."""
    shadowing = [
        Route("api", hosts=("site",), paths=("/api/*",)),
        Route("admin", hosts=("site",), paths=("/api/admin/*",)),
        Route("web", hosts=("site",)),
    ]
    with pytest.raises(ValueError, match="reorder the routes"):
        route_keys(shadowing, GROUPS)
    specific_first = [shadowing[1], shadowing[0], shadowing[2]]
    keys = route_keys(specific_first, GROUPS).keys
    assert select(keys, "/api/admin/users") == "admin"
    assert first_match(specific_first, GROUPS, "example.com", "/api/admin/users") == "admin"


@pytest.mark.parametrize("pattern", ["/api*", "/a?i/*", "*.png", "api/*"])
def test_patterns_without_an_http_api_equivalent_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="no HTTP API route key"):
        route_keys([Route("api", hosts=("site",), paths=(pattern,))], GROUPS)


def test_the_catch_all_is_default() -> None:
    assert route_keys([Route("web", hosts=("site",))], GROUPS).keys == ((DEFAULT_ROUTE, "web"),)


# -- the origin check -------------------------------------------------------------------------


def test_the_authorizer_checks_the_origin_header_with_a_cached_simple_response(
    graph: Graph,
) -> None:
    (authorizer,) = graph.of_type(AUTHORIZER)
    (function,) = graph.of_type(FUNCTION)
    assert authorizer.get("authorizerType") == "REQUEST"
    assert authorizer.get("identitySources") == ["$request.header.x-origin-verify"]
    assert authorizer.get("enableSimpleResponses") is True
    assert authorizer.get("authorizerPayloadFormatVersion") == "2.0"
    assert authorizer.get("authorizerResultTtlInSeconds") == 300
    assert authorizer.get("authorizerUri") == function.outputs["invokeArn"]
    assert graph.exports["originHeaderName"] == "x-origin-verify"


def test_only_api_gateway_may_invoke_the_authorizer_for_this_authorizer(graph: Graph) -> None:
    (permission,) = graph.of_type(PERMISSION)
    (api,) = graph.of_type(API)
    (authorizer,) = graph.of_type(AUTHORIZER)
    (function,) = graph.of_type(FUNCTION)
    assert permission.get("principal") == "apigateway.amazonaws.com"
    assert permission.get("function") == function.outputs["name"]
    assert (
        permission.get("sourceArn") == f"{api.outputs['executionArn']}/authorizers/{authorizer.id}"
    )


def test_the_function_runs_the_handler_module(graph: Graph) -> None:
    (function,) = graph.of_type(FUNCTION)
    assert function.get("handler") == f"{Path(handler_module.__file__).stem}.handler"
    assert function.get("runtime") == "python3.13"
    assert function.get("architectures") == ["arm64"]
    assert function.get("loggingConfig")["logGroup"] == "/fullstack/dev/http-api/origin-check"
    # Nothing but the standard library: the file is deployed as it stands.
    imports = re.findall(
        r"^(?:from|import) ([\w.]+)", Path(handler_module.__file__).read_text(), re.M
    )
    assert set(imports) <= {"__future__", "hmac", "os", "collections.abc", "typing"}


def test_the_secrets_are_pulumi_secrets_everywhere(graph: Graph) -> None:
    (function,) = graph.of_type(FUNCTION)
    values = {p.outputs["result"] for p in graph.of_type(PASSWORD)}
    assert set(function.get("environment")["variables"].values()) == values
    assert "environment" in function.secret_inputs
    assert "originHeaderValue" in graph.secret_exports
    assert graph.exports["originHeaderValue"] in values
    assert plaintext_secret_inputs(graph) == []


def test_cloudfront_sends_the_current_slot_and_the_function_accepts_both(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    before = build(tmp_path_factory.mktemp("rotation-0"), rotation=0)
    after = build(tmp_path_factory.mktemp("rotation-1"), rotation=1)

    def slots(graph: Graph) -> dict[str, str]:
        return {p.name[-1]: p.get("keepers")["rotation"] for p in graph.of_type(PASSWORD)}

    # Rotating regenerates slot b only (its keeper changes); slot a, the old value, stays.
    assert slots(before) == {"a": "0", "b": "-1"}
    assert slots(after) == {"a": "0", "b": "1"}
    (function,) = after.of_type(FUNCTION)
    env = function.get("environment")["variables"]
    old_value = before.exports["originHeaderValue"]
    assert env["ORIGIN_SECRET_PREVIOUS"] == old_value
    assert env["ORIGIN_SECRET_CURRENT"] == after.exports["originHeaderValue"]


def test_each_rotation_regenerates_exactly_one_slot_and_keeps_the_last_current() -> None:
    for rotation in range(0, 7):
        before, after = slot_keepers(rotation), slot_keepers(rotation + 1)
        changed = [slot for slot in before if before[slot] != after[slot]]
        assert changed == [current_slot(rotation + 1)]
        # The value CloudFront sent before the rotation is still in the other slot, unchanged.
        assert before[current_slot(rotation)] == after[current_slot(rotation)]


SECRETS = {handler_module.CURRENT: "new-value", handler_module.PREVIOUS: "old-value"}


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"x-origin-verify": "new-value"}, True),
        ({"X-Origin-Verify": "new-value"}, True),  # header names without regard to case
        ({"x-origin-verify": "old-value"}, True),  # the previous value, during a rotation
        ({"x-origin-verify": "wrong"}, False),
        ({"x-origin-verify": ""}, False),
        ({"x-origin-verify": "new-value-and-more"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_the_handler_allows_only_the_current_or_previous_value(
    monkeypatch: pytest.MonkeyPatch, headers: dict[str, str] | None, allowed: bool
) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    assert handler_module.handler({"headers": headers}) == {"isAuthorized": allowed}


def test_the_handler_denies_everything_when_its_secrets_are_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(handler_module.CURRENT, raising=False)
    monkeypatch.delenv(handler_module.PREVIOUS, raising=False)
    assert handler_module.handler({"headers": {"x-origin-verify": ""}}) == {"isAuthorized": False}
    assert handler_module.accepted("", {}) is False


# -- stage ------------------------------------------------------------------------------------


def test_the_default_stage_deploys_itself_and_throttles(graph: Graph) -> None:
    (stage,) = graph.of_type(STAGE)
    assert stage.get("name") == "$default"
    assert stage.get("autoDeploy") is True
    assert stage.get("defaultRouteSettings") == {
        "throttlingRateLimit": 50,
        "throttlingBurstLimit": 100,
        "detailedMetricsEnabled": False,
    }
    assert not stage.get("accessLogSettings")
    route_urns = {r.urn for r in graph.of_type(ROUTE)}
    assert route_urns <= set(stage.depends_on)


def test_access_logs_go_to_their_own_log_group_when_asked(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    graph = build(tmp_path_factory.mktemp("access-logs"), access_logs=14)
    (stage,) = graph.of_type(STAGE)
    group = named(graph, LOG_GROUP, "ingress-access-logs")
    assert group.get("name") == "/fullstack/dev/http-api/access"
    assert group.get("retentionInDays") == 14
    assert stage.get("accessLogSettings")["destinationArn"] == group.outputs["arn"]
    assert "$context.requestId" in stage.get("accessLogSettings")["format"]


# -- arguments and preflight ------------------------------------------------------------------


def args(**changes: object) -> HttpApiArgs:
    base: dict[str, object] = {
        "name_prefix": "fullstack-dev",
        "vpc_id": "vpc-1",
        "private_subnet_ids": ["subnet-1"],
        "targets": {"api": "arn:api", "web": "arn:web"},
        "routes": ROUTES,
        "host_groups": GROUPS,
        "log_group_prefix": "/fullstack/dev",
    }
    return HttpApiArgs(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"integration_timeout_ms": 31000}, "integration_timeout_ms 31000"),
        ({"integration_timeout_ms": 10}, "integration_timeout_ms 10"),
        ({"authorizer_cache_ttl": 3601}, "authorizer_cache_ttl 3601"),
        ({"throttling_rate_limit": 0}, "must be positive"),
        ({"origin_secret_rotation": -1}, "origin_secret_rotation -1"),
        ({"private_subnet_ids": []}, "at least one subnet"),
        ({"targets": {"api": "arn:api"}}, r"\['web'\]"),
        ({"host_groups": {"api": ["api.example.com"]}}, "host group 'site' has no names"),
        ({"name_prefix": "x" * 60}, "must be 1 to 64"),
        ({"name_prefix": "a b"}, "name_prefix 'a b'"),
    ],
)
def test_bad_arguments_are_refused_with_the_value(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_args(args(**changes))


def test_preflight_finds_nothing_in_the_http_api(graph: Graph) -> None:
    findings = preflight(graph)
    assert findings == [], "\n".join(str(f) for f in findings)
