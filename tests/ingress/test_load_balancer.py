"""LoadBalancer: scheme per edge mode, listeners, rules, target groups and every SG source."""

from __future__ import annotations

import pytest

from stackctl.harness import Graph
from stackctl.mocks import VPC_ORIGINS_SERVICE_SG_ID
from tests.compute_helpers import (
    CERT_VALIDATION,
    CONFIG_IDS,
    CONFIGS,
    INGRESS,
    LISTENER,
    PREFIX_LIST_ID,
    RULE,
    SECURITY_GROUP,
    TARGET_GROUP,
    VPC_ORIGIN,
    alb,
    alb_security_group,
    distribution,
    egress_of,
    ingress_of,
    rule_hosts,
    rule_paths,
    rules_by_name,
    security_group_of,
    services,
)
from tests.conftest import PlanFn
from tests.helpers import subnets_of_tier

GET_SECURITY_GROUP = "aws:ec2/getSecurityGroup:getSecurityGroup"

FULL = (
    "dev",
    "images=registry",
    "ingress=alb",
    "redis=true",
    "worker.enabled=true",
    "@imageTag=3f9c2a1",
)


@pytest.fixture(params=CONFIGS, ids=CONFIG_IDS)
def graph(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    stack, overrides = request.param
    return plan(stack, *overrides)


def matcher_codes(matcher: str) -> set[int]:
    """The HTTP codes a target group health check `matcher` ("200", "200,202", "200-299") admits."""
    codes: set[int] = set()
    for part in matcher.split(","):
        low, _, high = part.partition("-")
        codes |= set(range(int(low), int(high or low) + 1))
    return codes


def test_matcher_codes_reads_lists_and_ranges() -> None:
    assert matcher_codes("200") == {200}
    assert matcher_codes("200,204") == {200, 204}
    assert matcher_codes("200-499") == set(range(200, 500))


def is_public(graph: Graph) -> bool:
    return graph.config.get("fullstack:edge") == "public"


def domain_of(graph: Graph) -> str | None:
    return graph.config.get("fullstack:domain")


def tls_on(graph: Graph) -> bool:
    return graph.config.get("fullstack:albHttps") == "true"


# -- the load balancer ----------------------------------------------------------------------------


def test_alb_is_internal_in_private_subnets_in_vpc_origin_mode(graph: Graph) -> None:
    tier = "public" if is_public(graph) else "private"
    lb = alb(graph)
    assert lb.get("internal") is (not is_public(graph))
    assert lb.get("loadBalancerType") == "application"
    assert sorted(lb.get("subnets")) == sorted(s.id for s in subnets_of_tier(graph, tier))


def test_alb_spans_at_least_two_availability_zones(graph: Graph) -> None:
    zones = {graph.by_id(subnet).get("availabilityZone") for subnet in alb(graph).get("subnets")}
    assert len(zones) >= 2 and len(zones) == len(alb(graph).get("subnets"))


def test_vpc_origin_alb_has_no_public_ips(plan: PlanFn) -> None:
    graph = plan("prod")
    lb = alb(graph)
    assert lb.get("internal") is True
    assert not lb.get("subnetMappings")  # no Elastic IPs attached
    assert lb.get("ipAddressType") == "ipv4"
    for subnet in lb.get("subnets"):
        assert graph.by_id(subnet).get("mapPublicIpOnLaunch") is False


def test_alb_drops_invalid_headers_and_has_a_documented_idle_timeout(graph: Graph) -> None:
    lb = alb(graph)
    assert lb.get("dropInvalidHeaderFields") is True
    # Longer than CloudFront's 30 s origin read timeout: CloudFront gives up first.
    assert lb.get("idleTimeout") == 60


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_deletion_protection_follows_settings(plan: PlanFn, stack: str, protected: bool) -> None:
    assert alb(plan(stack, "ingress=alb")).get("enableDeletionProtection") is protected


def test_alb_name_fits_and_is_valid(graph: Graph) -> None:
    name = alb(graph).get("name")
    assert len(name) <= 32 and not name.startswith("internal-")
    assert not name.startswith("-") and not name.endswith("-")


# -- target groups --------------------------------------------------------------------------------


def test_target_groups_use_ip_targets_and_the_service_health_checks(graph: Graph) -> None:
    groups = {g.get("tags")["service"]: g for g in graph.of_type(TARGET_GROUP)}
    assert set(groups) == {"api", "web"}
    for group in groups.values():
        assert group.get("targetType") == "ip"
        assert group.get("protocol") == "HTTP"
        # Only a 2xx answer is healthy: a 4xx (a wrong path, a refused host) is a broken task.
        assert matcher_codes(group.get("healthCheck")["matcher"]) <= set(range(200, 300))
    assert groups["api"].get("port") == 8000
    assert groups["api"].get("healthCheck")["path"] == "/api/healthz"
    assert groups["web"].get("port") == 3000
    # A static route of the web server: "/" renders from the API and so from the database.
    assert groups["web"].get("healthCheck")["path"] == "/healthz"


def test_target_group_logical_names_leave_room_for_the_autoname(graph: Graph) -> None:
    for group in graph.of_type(TARGET_GROUP):
        assert len(group.name) + 8 <= 32


@pytest.mark.parametrize(("stack", "delay"), [("dev", 10), ("prod", 60)])
def test_deregistration_delay_is_short_in_lab(plan: PlanFn, stack: str, delay: int) -> None:
    for group in plan(stack).of_type(TARGET_GROUP):
        assert group.get("deregistrationDelay") == delay


# -- listeners and rules --------------------------------------------------------------------------


def test_http_only_without_end_to_end_tls_with_a_fixed_404_default(graph: Graph) -> None:
    found = {int(lst.get("port")): lst for lst in graph.of_type(LISTENER)}
    routing = found[443] if tls_on(graph) else found[80]
    assert set(found) == ({80, 443} if tls_on(graph) else {80})
    (default,) = routing.get("defaultActions")
    assert default["type"] == "fixed-response"
    assert default["fixedResponse"]["statusCode"] == "404"
    assert default["fixedResponse"]["contentType"] == "text/plain"


def test_with_tls_443_uses_the_validated_certificate_and_80_redirects(plan: PlanFn) -> None:
    graph = plan("prod", "domain=example.com", "albHttps=true")
    found = {int(lst.get("port")): lst for lst in graph.of_type(LISTENER)}
    https, http = found[443], found[80]
    validations = [v for v in graph.of_type(CERT_VALIDATION) if v.get("region") == "us-east-1"]
    regional = next(v for v in validations if "regional" in v.name)
    assert https.get("protocol") == "HTTPS"
    # ELB security policies: the TLS13-1-2 policies negotiate TLS 1.3 and 1.2 only; the
    # TLS13-1-0 and -1-1 variants and the older ELBSecurityPolicy-2016-08 still accept 1.0/1.1.
    assert https.get("sslPolicy") == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https.get("certificateArn") == regional.get("certificateArn")
    (redirect,) = http.get("defaultActions")
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}


def test_without_a_domain_site_and_api_path_rules_match_the_distribution_name(
    plan: PlanFn,
) -> None:
    graph = plan("dev", "ingress=alb")
    rules = rules_by_name(graph)
    cdn = distribution(graph).outputs["domainName"]
    groups = {g.outputs["arn"]: g.get("tags")["service"] for g in graph.of_type(TARGET_GROUP)}
    assert set(rules) == {"lb-api-path", "lb-site"}
    assert rule_paths(rules["lb-api-path"]) == ["/api/*"]
    assert rule_hosts(rules["lb-api-path"]) == [cdn, alb(graph).outputs["dnsName"]]
    assert groups[rules["lb-api-path"].get("actions")[0]["targetGroupArn"]] == "api"
    assert rule_hosts(rules["lb-site"]) == [cdn]
    assert groups[rules["lb-site"].get("actions")[0]["targetGroupArn"]] == "web"


def test_with_a_domain_api_host_and_site_hosts_are_routed(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", "domain=example.com")
    rules = rules_by_name(graph)
    groups = {g.outputs["arn"]: g.get("tags")["service"] for g in graph.of_type(TARGET_GROUP)}
    assert rule_hosts(rules["lb-api-host"]) == ["api.example.com"]
    assert groups[rules["lb-api-host"].get("actions")[0]["targetGroupArn"]] == "api"
    assert rule_hosts(rules["lb-site"]) == ["example.com", "www.example.com"]
    assert groups[rules["lb-site"].get("actions")[0]["targetGroupArn"]] == "web"
    assert "example.com" in rule_hosts(rules["lb-api-path"])


def test_rule_priorities_are_unique_per_listener_and_conditions_fit(graph: Graph) -> None:
    seen: dict[str, set[int]] = {}
    for rule in graph.of_type(RULE):
        priority = int(rule.get("priority"))
        assert 1 <= priority <= 50000
        assert priority not in seen.setdefault(rule.get("listenerArn"), set())
        seen[rule.get("listenerArn")].add(priority)
        values = len(rule_hosts(rule)) + len(rule_paths(rule))
        assert values <= 5  # ALB limit on condition values per rule


def test_with_tls_the_web_service_still_reaches_the_api_over_port_80(plan: PlanFn) -> None:
    graph = plan("prod", "domain=example.com", "albHttps=true")
    found = {int(lst.get("port")): lst for lst in graph.of_type(LISTENER)}
    rule = rules_by_name(graph)["lb-internal-api-path"]
    assert rule.get("listenerArn") == found[80].outputs["arn"]
    assert rule_hosts(rule) == [alb(graph).outputs["dnsName"]]
    assert rule_paths(rule) == ["/api/*"]


# -- security groups ------------------------------------------------------------------------------


def test_no_security_group_admits_the_internet_except_public_https_with_a_domain(
    graph: Graph,
) -> None:
    open_rules = [
        r
        for r in graph.of_type(INGRESS)
        if r.get("cidrIpv4") == "0.0.0.0/0" or r.get("cidrIpv6") == "::/0"
    ]
    if is_public(graph) and domain_of(graph) and tls_on(graph):
        (rule,) = open_rules
        assert rule.get("securityGroupId") == alb_security_group(graph).id
        assert (rule.get("fromPort"), rule.get("toPort")) == (443, 443)
    else:
        assert open_rules == []


def test_no_security_group_has_inline_rules(graph: Graph) -> None:
    for group in graph.of_type(SECURITY_GROUP):
        assert not group.get("ingress") and not group.get("egress"), group.name


def test_alb_admits_only_cloudfront_on_the_listener_port_and_the_web_service(
    graph: Graph,
) -> None:
    group = alb_security_group(graph)
    web = security_group_of(graph, services(graph)["web"])
    port = 443 if tls_on(graph) else 80
    by_source = {}
    for rule in ingress_of(graph, group):
        source = (
            rule.get("prefixListId")
            or rule.get("referencedSecurityGroupId")
            or rule.get("cidrIpv4")
        )
        by_source[source] = (rule.get("fromPort"), rule.get("toPort"))
    if not is_public(graph):  # the web service's server-side API calls (documented)
        assert by_source.pop(web.id) == (80, 80)
    if is_public(graph) and domain_of(graph) and tls_on(graph):
        assert by_source == {"0.0.0.0/0": (443, 443)}
    elif is_public(graph):  # internet-facing: CloudFront's public origin-facing addresses
        assert by_source == {PREFIX_LIST_ID: (port, port)}
    else:  # behind the VPC origin: the group its interfaces carry (aws-facts#vpc-origin-sg)
        assert by_source == {VPC_ORIGINS_SERVICE_SG_ID: (port, port)}


def test_the_vpc_origin_group_is_looked_up_by_name_in_the_vpc_after_the_vpc_origin(
    graph: Graph,
) -> None:
    """AWS creates the group with the VPC's first VPC origin: on the first `up` it does not
    exist before that, so the lookup must wait for the VPC origin (and name the ALB's VPC)."""
    lookups = [args for token, args in graph.calls if token == GET_SECURITY_GROUP]
    if is_public(graph):
        assert lookups == []
        return
    (args,) = lookups
    assert args.get("name") == "CloudFront-VPCOrigins-Service-SG"
    assert args.get("vpcId") == alb_security_group(graph).get("vpcId")
    (rule,) = [
        r
        for r in ingress_of(graph, alb_security_group(graph))
        if r.get("referencedSecurityGroupId") == VPC_ORIGINS_SERVICE_SG_ID
    ]
    (vpc_origin,) = graph.of_type(VPC_ORIGIN)
    # The engine creates the rule only after the VPC origin (the lookup's dependency flows into
    # the rule's dependencies, as the SDK sends them with RegisterResource).
    assert vpc_origin.urn in rule.depends_on


def test_services_admit_their_port_only_from_the_alb(graph: Graph) -> None:
    alb_group = alb_security_group(graph)
    for name, service in services(graph).items():
        rules = ingress_of(graph, security_group_of(graph, service))
        if name == "worker":
            assert rules == []
            continue
        port = {"api": 8000, "web": 3000}[name]
        (rule,) = rules
        assert rule.get("referencedSecurityGroupId") == alb_group.id
        assert (rule.get("fromPort"), rule.get("toPort")) == (port, port)


def test_alb_egress_goes_only_to_the_service_ports(graph: Graph) -> None:
    alb_group = alb_security_group(graph)
    targets = {
        (graph.by_id(r.get("referencedSecurityGroupId")).name, r.get("fromPort"))
        for r in egress_of(graph, alb_group)
    }
    assert targets == {("api-sg", 8000), ("web-sg", 3000)}


def test_task_egress_is_https_plus_only_the_data_stores_they_use(plan: PlanFn) -> None:
    graph = plan(*FULL)
    names = {g.id: g.name for g in graph.of_type(SECURITY_GROUP)}
    for name, service in services(graph).items():
        rules = egress_of(graph, security_group_of(graph, service))
        found = {
            (r.get("fromPort"), r.get("cidrIpv4") or names[r.get("referencedSecurityGroupId")])
            for r in rules
        }
        expected = {(443, "0.0.0.0/0")}
        if name in ("api", "worker"):
            expected |= {(5432, "database-sg"), (6379, "cache-sg")}
        else:
            expected |= {(80, "lb-sg")}
        assert found == expected, name


def test_database_and_cache_admit_api_and_worker_but_not_web(plan: PlanFn) -> None:
    graph = plan(*FULL)
    found = services(graph)
    for store in ("database-sg", "cache-sg"):
        group = graph.named(store, SECURITY_GROUP)
        sources = {r.get("referencedSecurityGroupId") for r in ingress_of(graph, group)}
        assert security_group_of(graph, found["api"]).id in sources
        assert security_group_of(graph, found["worker"]).id in sources
        assert security_group_of(graph, found["web"]).id not in sources


def test_every_ingress_rule_names_a_group_or_prefix_list_source(graph: Graph) -> None:
    vpc_cidr = graph.config.get("fullstack:vpcCidr", "10.0.0.0/16")
    for rule in graph.of_type(INGRESS):
        sources = [
            rule.get(k)
            for k in ("referencedSecurityGroupId", "prefixListId", "cidrIpv4", "cidrIpv6")
            if rule.get(k)
        ]
        assert len(sources) == 1, rule.name
        cidr = rule.get("cidrIpv4")
        if cidr and cidr != vpc_cidr:  # the network's NAT and endpoints admit the VPC range
            assert cidr == "0.0.0.0/0" and is_public(graph), rule.name


def test_in_public_mode_the_web_service_calls_the_api_through_cloudfront(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", "edge=public")
    web_group = security_group_of(graph, services(graph)["web"])
    assert {r.get("fromPort") for r in egress_of(graph, web_group)} == {443}
    sources = {
        r.get("referencedSecurityGroupId") for r in ingress_of(graph, alb_security_group(graph))
    }
    assert web_group.id not in sources
