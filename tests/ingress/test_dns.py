"""DNS: us-east-1 certificate, deduplicated validation records, optional regional certificate,
alias records to the distribution; nothing of it without a domain."""

from __future__ import annotations

import pytest

from stackctl.harness import Graph, Resource
from tests.compute_helpers import (
    CERT_VALIDATION,
    CERTIFICATE,
    RECORD,
    distribution,
)
from tests.conftest import PlanFn

NAMES = ["example.com", "www.example.com", "api.example.com"]


@pytest.fixture
def domain_graph(plan: PlanFn) -> Graph:
    return plan("dev", "ingress=alb", "domain=example.com")


def certificates(graph: Graph) -> dict[str, Resource]:
    return {c.name: c for c in graph.of_type(CERTIFICATE)}


def test_without_a_domain_there_are_no_certificates_or_records(stack_graph: Graph) -> None:
    assert stack_graph.of_type(CERTIFICATE) == []
    assert stack_graph.of_type(CERT_VALIDATION) == []
    assert stack_graph.of_type(RECORD) == []
    assert not any("getZone" in token for token, _ in stack_graph.calls)


def test_cloudfront_certificate_is_in_us_east_1_for_apex_www_and_api(plan: PlanFn) -> None:
    # The stack's region is not us-east-1 here: the certificate must still be.
    graph = plan("dev", "ingress=alb", "domain=example.com", "aws:region=eu-west-1")
    (cert,) = graph.of_type(CERTIFICATE)
    assert cert.get("region") == "us-east-1"
    assert [cert.get("domainName"), *cert.get("subjectAlternativeNames")] == NAMES
    assert cert.get("validationMethod") == "DNS"
    (validation,) = graph.of_type(CERT_VALIDATION)
    assert validation.get("region") == "us-east-1"
    assert validation.get("certificateArn") == cert.outputs["arn"]


def test_distribution_uses_the_validated_certificate_and_the_aliases(domain_graph: Graph) -> None:
    cdn = distribution(domain_graph)
    (validation,) = domain_graph.of_type(CERT_VALIDATION)
    assert cdn.get("aliases") == NAMES
    certificate = cdn.get("viewerCertificate")
    assert certificate["acmCertificateArn"] == validation.get("certificateArn")
    assert certificate["sslSupportMethod"] == "sni-only"
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"


def test_validation_records_are_one_per_distinct_name(domain_graph: Graph) -> None:
    records = [r for r in domain_graph.of_type(RECORD) if r.get("type") == "CNAME"]
    names = [r.get("name") for r in records]
    assert len(names) == len(set(names)) == 3
    (cert,) = domain_graph.of_type(CERTIFICATE)
    expected = {o["resourceRecordName"] for o in cert.outputs["domainValidationOptions"]}
    assert set(names) == expected
    (validation,) = domain_graph.of_type(CERT_VALIDATION)
    assert len(validation.get("validationRecordFqdns")) == 3


def test_regional_certificate_only_with_end_to_end_tls(plan: PlanFn) -> None:
    assert len(plan("dev", "ingress=alb", "domain=example.com").of_type(CERTIFICATE)) == 1
    graph = plan("prod", "domain=example.com", "albHttps=true", "aws:region=eu-west-1")
    found = certificates(graph)
    assert set(found) == {"certs-cloudfront", "certs-regional"}
    assert found["certs-regional"].get("region") == "eu-west-1"  # the ALB's region
    validations = {v.name: v for v in graph.of_type(CERT_VALIDATION)}
    assert validations["certs-regional-validation"].get("region") == "eu-west-1"
    # The same validation records serve both certificates: none is declared twice.
    cnames = [r.get("name") for r in graph.of_type(RECORD) if r.get("type") == "CNAME"]
    assert len(cnames) == len(set(cnames)) == 3


@pytest.mark.parametrize("record_type", ["A", "AAAA"])
def test_alias_records_for_apex_www_and_api_point_at_the_distribution(
    domain_graph: Graph, record_type: str
) -> None:
    cdn = distribution(domain_graph)
    records = {
        r.get("name"): r for r in domain_graph.of_type(RECORD) if r.get("type") == record_type
    }
    assert sorted(records) == sorted(NAMES)
    for record in records.values():
        (alias,) = record.get("aliases")
        assert alias["name"] == cdn.outputs["domainName"]
        assert alias["zoneId"] == cdn.outputs["hostedZoneId"]
        assert record.get("name") in cdn.get("aliases")  # aws-facts#alias-records


def test_hosted_zone_is_looked_up_from_the_domain_when_unset(domain_graph: Graph) -> None:
    lookups = [args for token, args in domain_graph.calls if token.endswith("getZone")]
    assert lookups and lookups[0]["name"] == "example.com"
    zone_ids = {r.get("zoneId") for r in domain_graph.of_type(RECORD)}
    assert zone_ids == {"Z0MOCKZONE123"}


def test_a_given_hosted_zone_id_is_used_without_a_lookup(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", "domain=example.com", "hostedZoneId=Z0123456789ABC")
    assert not any(token.endswith("getZone") for token, _ in graph.calls)
    assert {r.get("zoneId") for r in graph.of_type(RECORD)} == {"Z0123456789ABC"}


def test_site_and_api_urls_use_the_domain(domain_graph: Graph) -> None:
    assert domain_graph.exports["siteUrl"] == "https://example.com"
    assert domain_graph.exports["apiUrl"] == "https://api.example.com/api"
