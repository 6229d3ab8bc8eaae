"""DNS: certificates and Route 53 records for domain mode (`domain` set).

Creates (class `Certificates`, before the load balancer and the distribution):
1. an ACM certificate in us-east-1 (CloudFront's region, aws-facts#validated-certificate) for
   the apex, `www.` and `api.`, validated by DNS;
2. one CNAME validation record per distinct name (apex, www, api: no wildcard, so no two names
   share a record; aws-facts#validated-certificate), in the hosted zone (looked up from the
   domain when
   `hosted_zone_id` is unset), and the `CertificateValidation` that waits for issuance;
3. with `regional` (end-to-end TLS): the same names in the ALB's region, validated by the same
   records (ACM issues the same validation CNAME for a name in every region of an account), so
   the HTTPS listener gets the validated ARN (aws-facts#validated-certificate).

Creates (class `SiteRecords`, after the distribution):
4. A and AAAA alias records for the apex, `www.` and `api.` to the distribution (its
   hosted zone id, aws-facts#alias-records).

Without a domain none of this exists: the site is served on `d123.cloudfront.net` and the API on
its `/api/*` path.

Inputs (CertificatesArgs, defaults in brackets): domain, hosted_zone_id [None: looked up],
region (the ALB's), regional [False]. SiteRecordsArgs: domain, zone_id, distribution's
domain_name and hosted_zone_id.

Cost: public ACM certificates are free; the hosted zone `route53.zone.month` (prices/prices.yaml;
created outside this program); alias queries to CloudFront are free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import pulumi
import pulumi_aws as aws

from components.kit.component import Component, ComponentArgs

CLOUDFRONT_REGION = "us-east-1"


def site_names(domain: str) -> dict[str, str]:
    """The names the site answers on: label -> fully qualified name."""
    return {"apex": domain, "www": f"www.{domain}", "api": f"api.{domain}"}


def _option_for(
    fqdn: str, options: Sequence[aws.acm.outputs.CertificateDomainValidationOption]
) -> aws.acm.outputs.CertificateDomainValidationOption:
    return next(o for o in options if o.domain_name == fqdn)


@dataclass(frozen=True)
class CertificatesArgs(ComponentArgs):
    domain: str
    """Required: the site's apex domain; the certificates cover it, `www.` and `api.`."""
    region: str
    """Required: the ALB's region, for the regional certificate."""
    hosted_zone_id: str | None = None
    """The Route 53 public hosted zone of `domain`. None: looked up by the domain name."""
    regional: bool = False
    """Also issue the certificate in `region` for the ALB's HTTPS listener (end-to-end TLS).
    Cost: public ACM certificates are free."""


class Certificates(Component):
    """ACM certificates (us-east-1 for CloudFront, optional regional for the ALB)."""

    zone_id: pulumi.Output[str]
    cloudfront_certificate: aws.acm.Certificate
    validation_records: dict[str, aws.route53.Record]
    cloudfront_validation: aws.acm.CertificateValidation
    regional_certificate: aws.acm.Certificate | None
    regional_validation: aws.acm.CertificateValidation | None

    def __init__(
        self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:dns:Certificates", name, args.transform, opts)
        self.args = args
        self.names = site_names(args.domain)
        self.zone_id = self._find_zone()
        self.cloudfront_certificate = self._certificate("cloudfront", CLOUDFRONT_REGION)
        self.validation_records = self._create_validation_records()
        self.cloudfront_validation = self._validate(
            "cloudfront", self.cloudfront_certificate, CLOUDFRONT_REGION
        )
        self.regional_certificate = None
        self.regional_validation = None
        if args.regional:
            self.regional_certificate = self._certificate("regional", args.region)
            self.regional_validation = self._validate(
                "regional", self.regional_certificate, args.region
            )
        self._finish(
            {
                "cloudfrontCertificateArn": self.cloudfront_certificate_arn,
                "zoneId": self.zone_id,
            }
        )

    @property
    def cloudfront_certificate_arn(self) -> pulumi.Output[str]:
        """The validated ARN: using it makes the distribution wait for issuance."""
        return self.cloudfront_validation.certificate_arn

    @property
    def regional_certificate_arn(self) -> pulumi.Output[str] | None:
        if self.regional_validation is None:
            return None
        return self.regional_validation.certificate_arn

    def _find_zone(self) -> pulumi.Output[str]:
        if self.args.hosted_zone_id:
            return pulumi.Output.from_input(self.args.hosted_zone_id)
        zone = aws.route53.get_zone(
            name=self.args.domain, private_zone=False, opts=pulumi.InvokeOptions(parent=self)
        )
        return pulumi.Output.from_input(zone.zone_id)

    def _certificate(self, label: str, region: str) -> aws.acm.Certificate:
        return aws.acm.Certificate(
            f"{self._name}-{label}",
            aws.acm.CertificateArgs(
                domain_name=self.names["apex"],
                subject_alternative_names=[self.names["www"], self.names["api"]],
                validation_method="DNS",
                key_algorithm="EC_prime256v1",
                region=region,
            ),
            opts=self._child(),
        )

    def _create_validation_records(self) -> dict[str, aws.route53.Record]:
        records = {}
        options = self.cloudfront_certificate.domain_validation_options
        for label, fqdn in self.names.items():
            option = options.apply(partial(_option_for, fqdn))
            records[label] = aws.route53.Record(
                f"{self._name}-validation-{label}",
                aws.route53.RecordArgs(
                    zone_id=self.zone_id,
                    name=option.apply(lambda o: str(o.resource_record_name)),
                    type=option.apply(lambda o: str(o.resource_record_type)),
                    records=[option.apply(lambda o: str(o.resource_record_value))],
                    ttl=300,
                    allow_overwrite=True,
                ),
                opts=self._child(delete_before_replace=True),
            )
        return records

    def _validate(
        self, label: str, certificate: aws.acm.Certificate, region: str
    ) -> aws.acm.CertificateValidation:
        return aws.acm.CertificateValidation(
            f"{self._name}-{label}-validation",
            aws.acm.CertificateValidationArgs(
                certificate_arn=certificate.arn,
                validation_record_fqdns=[r.fqdn for r in self.validation_records.values()],
                region=region,
            ),
            opts=self._child(),
        )


@dataclass(frozen=True)
class SiteRecordsArgs(ComponentArgs):
    domain: str
    """Required: the site's apex domain; records for it, `www.` and `api.`."""
    zone_id: pulumi.Input[str]
    """Required: the Route 53 hosted zone the records go in."""
    distribution_domain_name: pulumi.Input[str]
    """Required: the CloudFront distribution's domain name the aliases point at."""
    distribution_zone_id: pulumi.Input[str]
    """Required: the distribution's hosted zone id (the alias target's zone)."""
    labels: tuple[str, ...] = ("apex", "www", "api")
    """Which of site_names' labels get records (the HTTP API ingress serves no `api.` host)."""


class SiteRecords(Component):
    """A and AAAA aliases for the apex, www and api to the CloudFront distribution."""

    records: list[aws.route53.Record]

    def __init__(
        self, name: str, args: SiteRecordsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:dns:SiteRecords", name, args.transform, opts)
        self.records = []
        for label, fqdn in site_names(args.domain).items():
            if label not in args.labels:
                continue
            for record_type in ("A", "AAAA"):
                self.records.append(
                    aws.route53.Record(
                        f"{name}-{label}-{record_type.lower()}",
                        aws.route53.RecordArgs(
                            zone_id=args.zone_id,
                            name=fqdn,
                            type=record_type,
                            aliases=[
                                aws.route53.RecordAliasArgs(
                                    name=args.distribution_domain_name,
                                    zone_id=args.distribution_zone_id,
                                    evaluate_target_health=False,
                                )
                            ],
                        ),
                        opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
                    )
                )
        self._finish({"names": list(site_names(args.domain).values())})
