"""The lab's ingress as the whole program wires it: CloudFront -> HTTP API -> VPC link -> tasks.

The components have their own tests (tests/ingress/test_http_api.py, tests/network/
test_service_discovery.py, tests/network/test_nat_schedule.py); these check what only the wired
graph shows: which origin CloudFront uses and with which header, that the security group chain
has no way around the VPC link, that the services register where the integrations look, that
the routes send `/api/*` to the api, and that the NAT instance sleeps with the services.
"""

from __future__ import annotations

import pytest

from stackctl.harness import Graph, Resource
from tests.compute_helpers import DISTRIBUTION, EGRESS, INGRESS, SECURITY_GROUP, SERVICE
from tests.conftest import PlanFn

ROUTE = "aws:apigatewayv2/route:Route"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
VPC_LINK = "aws:apigatewayv2/vpcLink:VpcLink"
CLOUD_MAP_SERVICE = "aws:servicediscovery/service:Service"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
LABS = [("dev",), ("dev", "sleep=weekdays 08-20"), ("prod", "ingress=httpApi", "redis=true")]


@pytest.fixture(params=LABS, ids=["lab", "lab-asleep", "mvp-httpApi"])
def lab(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    return plan(*request.param)


def group(graph: Graph, name: str) -> Resource:
    return graph.named(name, SECURITY_GROUP)


def test_there_is_no_load_balancer(lab: Graph) -> None:
    assert lab.of_type("aws:lb/loadBalancer:LoadBalancer") == []
    assert "albDnsName" not in lab.exports and "httpApiEndpoint" in lab.exports


def test_cloudfront_sends_everything_but_static_files_to_the_http_api_with_the_secret(
    lab: Graph,
) -> None:
    (cdn,) = lab.of_type(DISTRIBUTION)
    origins = {o["originId"]: o for o in cdn.get("origins")}
    default = cdn.get("defaultCacheBehavior")
    origin = origins[default["targetOriginId"]]
    assert origin["domainName"] in lab.exports["httpApiEndpoint"]
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origin["customOriginConfig"]["originReadTimeout"] <= 30  # the HTTP API's own limit
    (header,) = origin["customHeaders"]
    assert header["name"] == "x-origin-verify" and len(header["value"]) >= 32
    assert "origins" in cdn.secret_inputs, "the origin secret is in state only as a secret"
    # the HTTP API must get its own name as Host, not the viewer's
    assert default["originRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST


def test_the_tasks_admit_only_the_vpc_link_and_the_link_reaches_only_the_tasks(
    lab: Graph,
) -> None:
    link = group(lab, "http-api-vpc-link-sg")
    (vpc_link,) = lab.of_type(VPC_LINK)
    assert vpc_link.get("securityGroupIds") == [link.id]
    assert vpc_link.get("subnetIds") == lab.exports["privateSubnetIds"]
    ports = {"api": 8000, "web": 3000}
    for name, port in ports.items():
        tasks = group(lab, f"{name}-sg")
        sources = {
            (r.get("referencedSecurityGroupId"), r.get("fromPort"))
            for r in lab.of_type(INGRESS)
            if r.get("securityGroupId") == tasks.id
        }
        allowed = {(link.id, port)} | (
            {(group(lab, "web-sg").id, 8000)} if name == "api" else set()
        )
        assert sources == allowed, name
        assert not any(
            r.get("cidrIpv4") for r in lab.of_type(INGRESS) if r.get("securityGroupId") == tasks.id
        )
    link_egress = {
        (r.get("referencedSecurityGroupId"), r.get("fromPort"))
        for r in lab.of_type(EGRESS)
        if r.get("securityGroupId") == link.id
    }
    assert link_egress == {(group(lab, f"{n}-sg").id, p) for n, p in ports.items()}
    assert not [r for r in lab.of_type(INGRESS) if r.get("securityGroupId") == link.id]


def test_services_register_where_the_integrations_look_and_api_paths_reach_the_api(
    lab: Graph,
) -> None:
    registries = {
        s.get("name"): s.get("serviceRegistries")["registryArn"]
        for s in lab.of_type(SERVICE)
        if s.get("serviceRegistries")
    }
    assert set(registries) == {"api", "web"}
    integrations = {i.outputs.get("id") or i.id: i for i in lab.of_type(INTEGRATION)}
    routes = {r.get("routeKey"): r for r in lab.of_type(ROUTE)}
    assert set(routes) == {"ANY /api/{proxy+}", "$default"}
    for key, service in (("ANY /api/{proxy+}", "api"), ("$default", "web")):
        target = routes[key].get("target").removeprefix("integrations/")
        integration = integrations[target]
        assert integration.get("integrationUri") == registries[service], key
        assert integration.get("connectionType") == "VPC_LINK"
        assert routes[key].get("authorizationType") == "CUSTOM", "the origin check on every route"


def test_the_web_calls_the_api_by_its_cloud_map_name(lab: Graph) -> None:
    from tests.compute_helpers import container, environment, task_definitions

    env = environment(task_definitions(lab)["web"])
    assert env["API_INTERNAL_URL"].startswith("http://api.") and env["API_INTERNAL_URL"].endswith(
        ".internal:8000"
    )
    assert "portMappings" in container(task_definitions(lab)["api"])


def test_the_nat_instance_sleeps_with_the_services_and_then_has_no_elastic_ip(
    plan: PlanFn,
) -> None:
    awake = plan("dev", "natAddress=elasticIp")
    assert awake.of_type(SCHEDULE) == [] and len(awake.of_type("aws:ec2/eip:Eip")) == 1
    asleep = plan("dev", "sleep=weekdays 08-20")
    schedules = {s.get("target")["arn"].rsplit(":", 1)[-1]: s for s in asleep.of_type(SCHEDULE)}
    assert schedules["stopInstances"].get("scheduleExpression") == "cron(10 20 ? * MON-FRI *)"
    assert schedules["startInstances"].get("scheduleExpression") == "cron(50 7 ? * MON-FRI *)"
    assert asleep.of_type("aws:ec2/eip:Eip") == []
    (instance,) = asleep.of_type("aws:ec2/instance:Instance")
    assert instance.get("associatePublicIpAddress") is True
