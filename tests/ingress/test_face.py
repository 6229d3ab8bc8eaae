"""The ingress face (components/ingress/face.py): both modes answer the same questions.

Each mode is built alone, through `create_ingress`, under the Pulumi mocks (a snippet program),
and asked what the wiring asks: the URL a service calls another at, the exports, whether it
sees the viewer's Host, what CloudFront needs. The program-wide graphs of both modes (dev,
prod, the dial matrix) are unchanged by the face: scripts/graph_diff.py compares them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from stackctl.harness import Graph, ProgramError
from tests.component_helpers import run_snippet

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import pulumi
import pulumi_aws as aws

from components.config.routing import Route
from components.ingress.face import IngressArgs, create_ingress
from components.kit.links import Endpoint

MODE = "{mode}"
TRANSFORM = {transform}
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
subnets = [
    aws.ec2.Subnet(f"s{{i}}", vpc_id=vpc.id, cidr_block=f"10.0.{{i}}.0/24").id for i in range(2)
]
sg = aws.ec2.SecurityGroup("api-sg", vpc_id=vpc.id)


class Api:  # stands for the api's FargateService: its port behind its group
    @property
    def entry(self):
        return Endpoint(sg, "api", "api", sg.id, 8000, "api port")


class Worker:  # a service without a port: the face must never ask for its entry
    @property
    def entry(self):
        raise AssertionError("the face asked a service without a port for its entry")


from components.kit.naming import Naming

ingress = create_ingress(
    IngressArgs(
        mode=MODE,
        naming=Naming("fullstack", "dev"),
        vpc_id=vpc.id,
        public_subnet_ids=subnets,
        private_subnet_ids=subnets,
        targets={{"api": (8000, "/api/healthz"), "web": (3000, "/healthz")}},
        routes=[
            Route("api", ("site",), ("/api/*",), name="api-path"),
            Route("web", ("site",), name="site"),
        ],
        provider=aws.Provider("aws", region="us-east-1"),
        transform=TRANSFORM,
    ),
    opts=pulumi.ResourceOptions(),
)
ingress.route(site_hosts=["example.com"], api_hosts=[])
ingress.admit("api", Api())
ingress.admit("worker", Worker())
pulumi.export("callUrl", ingress.call_url("api", "https://example.com"))
pulumi.export("servesApiHost", ingress.serves_api_host)
pulumi.export("exports", sorted(ingress.exports()))
pulumi.export("attachment", [
    ingress.attachment("worker").target_group_arn is None,
    ingress.attachment("worker").service_registries is None,
])
origin = ingress.origin.edge_args()
pulumi.export("origin", sorted(k for k, v in origin.items() if v not in (None, False, {{}})))
"""


def run(tmp_path: Path, mode: str, transform: str = "{}") -> Graph:
    return run_snippet(tmp_path, PROGRAM.format(mode=mode, transform=transform))


def test_the_alb_mode_answers_through_the_load_balancer(tmp_path: Path) -> None:
    graph = run(tmp_path, "alb")
    alb = graph.named("lb-alb", "aws:lb/loadBalancer:LoadBalancer")
    assert graph.exports["callUrl"] == f"http://{alb.outputs['dnsName']}"
    assert graph.exports["servesApiHost"] is True
    assert graph.exports["exports"] == ["albDnsName"]
    assert graph.exports["attachment"] == [True, True]
    assert graph.exports["origin"] == ["alb_arn", "alb_dns_name", "vpc_origin"]
    # admitted: the load balancer reaches the api's port, under the old alias' parent
    rule = graph.named("api-from-alb", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.get("fromPort") == 8000
    assert graph.of_type("aws:lb/listenerRule:ListenerRule"), "route() made the listener rules"


def test_the_http_api_mode_answers_through_cloud_map(tmp_path: Path) -> None:
    graph = run(tmp_path, "httpApi")
    assert graph.exports["callUrl"] == "http://api.fullstack-dev.internal:8000"
    assert graph.exports["servesApiHost"] is False
    assert graph.exports["exports"] == ["httpApiEndpoint"]
    assert graph.exports["attachment"] == [True, True]
    assert graph.exports["origin"] == ["http_api_domain", "origin_headers", "vpc_origin"]
    rule = graph.named(
        "api-from-vpclink", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    )
    assert rule.get("fromPort") == 8000
    assert not graph.of_type("aws:lb/loadBalancer:LoadBalancer")


def test_a_transform_reaches_the_component_it_names(tmp_path: Path) -> None:
    transform = '{"lb": {"alb": lambda a: {**a, "idle_timeout": 120}}}'
    graph = run(tmp_path, "alb", transform)
    assert graph.named("lb-alb", "aws:lb/loadBalancer:LoadBalancer").get("idleTimeout") == 120


def test_a_transform_for_a_component_the_mode_lacks_is_refused(tmp_path: Path) -> None:
    transform = '{"lb": {"alb": lambda a: a}}'
    with pytest.raises(ProgramError, match="transform names lb, which it does not create"):
        run(tmp_path, "httpApi", transform)


def test_the_wiring_never_asks_which_ingress_it_has() -> None:
    source = (ROOT / "__main__.py").read_text()
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    compared = [
        ast.unparse(c)
        for c in ast.walk(tree)
        if isinstance(c, ast.Compare)
        for side in (c.left, *c.comparators)
        if (isinstance(side, ast.Attribute) and side.attr == "ingress")
        or (isinstance(side, ast.Constant) and side.value in ("alb", "httpApi"))
        or (isinstance(side, ast.Name) and side.id == "ingress")
    ]
    assert not compared, f"the mode is the face's business (create_ingress): {compared}"
    assert not {"load_balancer", "http_api", "discovery"} & names
    assert (
        not {
            "components.ingress.load_balancer",
            "components.ingress.http_api",
            "components.ingress.service_discovery",
        }
        & modules
    )
