"""Edge: CloudFront as the single entry, static bucket behind OAC, VPC origin, headers, WAF."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.ingress.edge import ALL_VIEWER, CACHING_DISABLED, CACHING_OPTIMIZED
from stackctl.harness import PROJECT_ROOT, Graph, Resource
from tests.compute_helpers import (
    BUCKET,
    BUCKET_POLICY,
    CONFIG_IDS,
    CONFIGS,
    DISTRIBUTION,
    HEADERS_POLICY,
    OAC,
    PUBLIC_ACCESS_BLOCK,
    VPC_ORIGIN,
    WEB_ACL,
    alb,
    distribution,
)
from tests.conftest import PlanFn


@pytest.fixture(params=CONFIGS, ids=CONFIG_IDS)
def graph(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    stack, overrides = request.param
    return plan(stack, *overrides)


def origins(graph: Graph) -> dict[str, dict[str, Any]]:
    return {o["originId"]: o for o in distribution(graph).get("origins")}


def static_bucket(graph: Graph) -> Resource:
    return graph.named("edge-static", BUCKET)


def test_one_distribution_is_the_single_entry(graph: Graph) -> None:
    assert len(graph.of_type(DISTRIBUTION)) == 1
    assert distribution(graph).get("enabled") is True


def test_vpc_origin_mode_reaches_the_internal_alb_through_a_vpc_origin(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb")
    (vpc_origin,) = graph.of_type(VPC_ORIGIN)
    config = vpc_origin.get("vpcOriginEndpointConfig")
    assert config["arn"] == alb(graph).outputs["arn"]
    assert config["originProtocolPolicy"] == "http-only"
    origin = origins(graph)["alb"]
    assert origin["domainName"] == alb(graph).outputs["dnsName"]
    assert origin["vpcOriginConfig"]["vpcOriginId"] == vpc_origin.id
    assert "customOriginConfig" not in origin or not origin["customOriginConfig"]


def test_public_mode_uses_the_public_alb_as_a_custom_origin(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", "edge=public")
    assert graph.of_type(VPC_ORIGIN) == []
    origin = origins(graph)["alb"]
    assert origin["domainName"] == alb(graph).outputs["dnsName"]
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "http-only"
    assert not origin.get("vpcOriginConfig")


def test_end_to_end_tls_makes_cloudfront_talk_https_to_the_alb(plan: PlanFn) -> None:
    (vpc_origin,) = plan("prod", "domain=example.com", "albHttps=true").of_type(VPC_ORIGIN)
    assert vpc_origin.get("vpcOriginEndpointConfig")["originProtocolPolicy"] == "https-only"
    public = plan("prod", "edge=public", "domain=example.com", "albHttps=true")
    assert origins(public)["alb"]["customOriginConfig"]["originProtocolPolicy"] == "https-only"


def test_static_paths_go_to_s3_behind_oac_with_caching(graph: Graph) -> None:
    (oac,) = graph.of_type(OAC)
    assert oac.get("originAccessControlOriginType") == "s3"
    assert oac.get("signingBehavior") == "always" and oac.get("signingProtocol") == "sigv4"
    static = origins(graph)["static"]
    assert static["originAccessControlId"] == oac.id
    assert static["domainName"] == static_bucket(graph).outputs["bucketRegionalDomainName"]
    behaviors = {b["pathPattern"]: b for b in distribution(graph).get("orderedCacheBehaviors")}
    assert set(behaviors) == {"/_next/static/*"}
    for behavior in behaviors.values():
        assert behavior["targetOriginId"] == "static"
        assert behavior["cachePolicyId"] == CACHING_OPTIMIZED
        assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
        assert set(behavior["allowedMethods"]) <= {"GET", "HEAD", "OPTIONS"}


def test_cloudfront_sends_to_s3_only_what_the_release_step_publishes(graph: Graph) -> None:
    """A path routed to the bucket but never uploaded is a 403 for every viewer."""
    from components.release_steps import STATIC_KEY_PREFIX

    behaviors = distribution(graph).get("orderedCacheBehaviors") or []
    to_s3 = [b["pathPattern"] for b in behaviors if b["targetOriginId"] == "static"]
    assert to_s3, "the hashed assets are served from the bucket"
    assert not origins(graph)["static"].get("originPath"), "keys are the viewer's path as is"
    for pattern in to_s3:
        # CloudFront asks S3 for the viewer's path minus its leading slash: the pattern's
        # literal part must sit inside the prefix the release step uploads to.
        literal = pattern.lstrip("/").split("*", 1)[0]
        assert literal.startswith(STATIC_KEY_PREFIX), (pattern, STATIC_KEY_PREFIX)


def test_everything_else_goes_to_the_alb_uncached_with_the_viewer_host(graph: Graph) -> None:
    default = distribution(graph).get("defaultCacheBehavior")
    assert default["targetOriginId"] == "alb"
    assert default["cachePolicyId"] == CACHING_DISABLED
    assert default["originRequestPolicyId"] == ALL_VIEWER  # forwards Host for the ALB rules
    assert default["viewerProtocolPolicy"] == "redirect-to-https"
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(default["allowedMethods"])


def test_http2_http3_ipv6_and_price_class_100_by_default(graph: Graph) -> None:
    cdn = distribution(graph)
    assert cdn.get("httpVersion") == "http2and3"
    assert cdn.get("isIpv6Enabled") is True
    assert cdn.get("priceClass") == "PriceClass_100"


def test_price_class_is_a_dial(plan: PlanFn) -> None:
    assert distribution(plan("dev", "ingress=alb", "priceClass=PriceClass_All")).get(
        "priceClass"
    ) == ("PriceClass_All")


def test_security_headers_policy_is_attached_to_every_behavior(graph: Graph) -> None:
    (policy,) = graph.of_type(HEADERS_POLICY)
    headers = policy.get("securityHeadersConfig")
    hsts = headers["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 31536000 and hsts["includeSubdomains"] is True
    assert headers["contentTypeOptions"]["override"] is True
    assert headers["frameOptions"]["frameOption"] in ("DENY", "SAMEORIGIN")
    assert headers["referrerPolicy"]["referrerPolicy"] == "strict-origin-when-cross-origin"
    cdn = distribution(graph)
    behaviors = [cdn.get("defaultCacheBehavior"), *cdn.get("orderedCacheBehaviors")]
    for behavior in behaviors:
        assert behavior["responseHeadersPolicyId"] == policy.id


def test_static_bucket_is_private(graph: Graph) -> None:
    bucket = static_bucket(graph)
    (block,) = [b for b in graph.of_type(PUBLIC_ACCESS_BLOCK) if b.get("bucket") == bucket.id]
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.get(flag) is True


def test_static_bucket_policy_admits_only_this_distribution(graph: Graph) -> None:
    bucket = static_bucket(graph)
    (policy,) = [p for p in graph.of_type(BUCKET_POLICY) if p.get("bucket") == bucket.id]
    statements = json.loads(policy.get("policy"))["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == f"{bucket.outputs['arn']}/*"
    assert allow["Condition"] == {
        "StringEquals": {"AWS:SourceArn": distribution(graph).outputs["arn"]}
    }


@pytest.mark.parametrize(("stack", "force"), [("dev", True), ("prod", False)])
def test_static_bucket_is_force_destroyed_only_without_deletion_protection(
    plan: PlanFn, stack: str, force: bool
) -> None:
    bucket = static_bucket(plan(stack))
    assert bucket.get("forceDestroy") is force
    assert bucket.protect is (not force)


@pytest.mark.parametrize(
    ("stack", "overrides", "waf"),
    [
        ("dev", (), False),
        ("prod", (), False),
        ("dev", ("waf=true",), True),
        ("prod", ("waf=true",), True),
    ],
)
def test_a_web_acl_exactly_when_waf_is_on(
    plan: PlanFn, stack: str, overrides: tuple[str, ...], waf: bool
) -> None:
    graph = plan(stack, *overrides)
    acls = graph.of_type(WEB_ACL)
    assert len(acls) == (1 if waf else 0)
    assert distribution(graph).get("webAclId") == (acls[0].outputs["arn"] if waf else None)


def test_waf_in_us_east_1_with_managed_rules_and_a_rate_limit(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", "waf=true")
    (acl,) = graph.of_type(WEB_ACL)
    assert acl.get("scope") == "CLOUDFRONT" and acl.get("region") == "us-east-1"
    rules = {r["name"]: r for r in acl.get("rules")}
    managed = {
        r["statement"]["managedRuleGroupStatement"]["name"]
        for r in rules.values()
        if r["statement"].get("managedRuleGroupStatement")
    }
    assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    rate = rules["rate-limit-per-ip"]
    assert rate["statement"]["rateBasedStatement"]["aggregateKeyType"] == "IP"
    assert "block" in rate["action"]
    assert len({r["priority"] for r in rules.values()}) == len(rules)
    assert distribution(graph).get("webAclId") == acl.outputs["arn"]


def test_access_logs_are_a_dial(plan: PlanFn) -> None:
    assert not distribution(plan("dev", "ingress=alb")).get("loggingConfig")
    graph = plan("dev", "ingress=alb", "cloudfrontLogs=true")
    logs = graph.named("edge-logs", BUCKET)
    config = distribution(graph).get("loggingConfig")
    assert config["bucket"] == logs.outputs["bucketDomainName"]
    assert logs.get("bucket").startswith("fullstack-dev-cdn-logs-")


def test_waf_lets_note_bodies_over_8_kb_through(plan: PlanFn) -> None:
    """SizeRestrictions_BODY blocks bodies over 8 KB; a note body may be 20,000 characters."""
    schema = (PROJECT_ROOT / "app/api/backend/schemas.py").read_text(encoding="utf-8")
    match = re.search(r"body: str = Field\(default=\"\", max_length=([\d_]+)\)", schema)
    assert match and int(match.group(1).replace("_", "")) > 8 * 1024, "app allows big notes"
    (acl,) = plan("dev", "ingress=alb", "waf=true").of_type(WEB_ACL)
    common = only_rule(acl, "AWSManagedRulesCommonRuleSet")
    statement = common["statement"]["managedRuleGroupStatement"]
    overrides = {o["name"]: o["actionToUse"] for o in statement.get("ruleActionOverrides") or []}
    assert set(overrides) == {"SizeRestrictions_BODY"}
    assert list(overrides["SizeRestrictions_BODY"]) == ["count"]
    assert "none" in common["overrideAction"], "the rest of the group still blocks"


def test_distribution_waits_for_the_log_bucket_to_accept_acls(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", "cloudfrontLogs=true")
    logs = graph.named("edge-logs", BUCKET)
    (ownership,) = [
        r
        for r in graph.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        if r.get("bucket") == logs.id
    ]
    assert ownership.get("rule")["objectOwnership"] == "BucketOwnerPreferred"
    assert ownership.urn in distribution(graph).depends_on


def only_rule(acl: Resource, group: str) -> dict[str, Any]:
    (rule,) = [
        r
        for r in acl.get("rules")
        if (r["statement"].get("managedRuleGroupStatement") or {}).get("name") == group
    ]
    return dict(rule)


def test_without_a_domain_the_cloudfront_name_and_certificate_are_used(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb")
    cdn = distribution(graph)
    assert not cdn.get("aliases")
    assert cdn.get("viewerCertificate") == {"cloudfrontDefaultCertificate": True}
    assert graph.exports["siteUrl"] == f"https://{cdn.outputs['domainName']}"
    assert graph.exports["apiUrl"] == f"https://{cdn.outputs['domainName']}/api"


def test_edge_outputs_are_exported(graph: Graph) -> None:
    cdn = distribution(graph)
    assert graph.exports["distributionId"] == cdn.id
    assert graph.exports["staticBucketName"] == static_bucket(graph).get("bucket")


def test_edge_names_fit_cloudfront_and_waf_limits(plan: PlanFn) -> None:
    graph = plan("prod", "waf=true")
    pattern = re.compile(r"^[A-Za-z0-9_-]+$")
    (oac,) = graph.of_type(OAC)
    assert len(oac.get("name")) <= 64
    (headers,) = graph.of_type(HEADERS_POLICY)
    assert len(headers.get("name")) <= 128 and pattern.match(headers.get("name"))
    (acl,) = graph.of_type(WEB_ACL)
    assert len(acl.get("name")) <= 128 and pattern.match(acl.get("name"))
    for rule in acl.get("rules"):
        assert pattern.match(rule["visibilityConfig"]["metricName"])
    (vpc_origin,) = graph.of_type(VPC_ORIGIN)
    assert len(vpc_origin.get("vpcOriginEndpointConfig")["name"]) <= 64
