"""Edge: the CloudFront distribution that is the system's only way in, and its static bucket.

Creates:
1. a private S3 bucket for static assets (`/_next/static/*`, the one prefix the release step
   publishes; nothing else is routed to it): public access blocked,
   bucket-owner-enforced ownership, SSE-S3; `force_destroy` only without deletion protection,
   and with it the bucket and all its settings are kept (`protect`, the rule in
   components/kit/buckets.py);
2. an Origin Access Control (SigV4, always sign) and a bucket policy that lets only
   `cloudfront.amazonaws.com` read objects, with `AWS:SourceArn` = this distribution (38);
3. the ALB origin: a CloudFront VPC origin pointing at the internal ALB (edge `vpcOrigin`,
   aws-facts#vpc-origin), or a custom origin on the public ALB's DNS name (edge `public`); HTTP to
   the origin, or HTTPS with end-to-end TLS;
4. a response headers policy with the security headers (HSTS 2 years with subdomains,
   nosniff, frame options DENY, strict-origin-when-cross-origin referrer policy);
5. with `waf`: a WAF web ACL in us-east-1 (scope CLOUDFRONT) with the AWS managed common and
   known-bad-inputs rule groups and a per-IP rate limit; the common group's body size rule
   (bodies over 8 KB) only counts, since notes may be larger;
6. with `access_logs`: a log bucket (ACLs enabled, as CloudFront standard logging needs; the
   distribution waits for that setting) that expires logs after `log_retention_days`;
7. the distribution: static paths to S3 (CachingOptimized), everything else to the ALB with
   caching disabled and every viewer header (Host included: the ALB routes by host) forwarded
   (AllViewer); HTTP redirects to HTTPS; HTTP/2 and HTTP/3; IPv6; price class per settings;
   the domain's aliases and us-east-1 certificate when a domain is set, else the
   `*.cloudfront.net` name and certificate.

Inputs (EdgeArgs, defaults in brackets): static_bucket_name, log_bucket_name, alb_arn,
alb_dns_name, vpc_origin [True], origin_https [False], aliases [()], certificate_arn [None],
price_class ["PriceClass_100"], waf [False], waf_rate_limit [2000 per 5 min per IP],
access_logs [False], log_retention_days [7], deletion_protection [False], name_prefix.

Cost (us-east-1, 2026-11): CloudFront's first 1 TB out and 10M requests a month are free; the
VPC origin is free; S3 `s3.standard.gb_month` (a few MB of assets: cents). WAF:
`wafv2.web_acl.month` + `wafv2.rule.month` per rule (3 rules) + `wafv2.requests.million`
(the `waf` dial's row of docs/costs.md's dial cost table). Access logs: S3 storage only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.kit.buckets import attached_options, private_bucket
from components.kit.security import deny_insecure_transport
from components.kit.transforms import ChildTransforms, Transform

# AWS managed policies (CloudFront developer guide, "managed cache/origin request policies").
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5787d8d5a1ee"
# Managed origin request policy AllViewerExceptHostHeader: an HTTP API origin must get its own
# name as Host, not the viewer's (aws-facts#http-api-origin).
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALB_ORIGIN = "alb"
STATIC_ORIGIN = "static"
CLOUDFRONT_REGION = "us-east-1"
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
# The common rule set's SizeRestrictions_BODY blocks every request whose body is over 8 KB
# (AWS WAF developer guide, baseline rule groups; AWS WAF can only inspect that much of a body).
# A note's body may be 20,000 characters (app/api/backend/schemas.py), up to 80 KB as UTF-8 JSON:
# blocking would refuse ordinary notes, so the rule only counts. The rest of the group still
# inspects the first 8 KB of every body.
COMMON_RULES_COUNTED: tuple[str, ...] = ("SizeRestrictions_BODY",)


@dataclass(frozen=True)
class EdgeArgs:
    name_prefix: str
    """Required: `<project>-<stack>`, the prefix of the edge's named resources."""
    static_bucket_name: str
    """Required: the static assets bucket's name (global, carries the account id)."""
    log_bucket_name: str
    """Required: the access log bucket's name, used with `access_logs`."""
    alb_arn: pulumi.Input[str] | None
    """Required: the load balancer's ARN (the VPC origin points at it); None with the HTTP API
    ingress."""
    alb_dns_name: pulumi.Input[str] | None
    """Required: the load balancer's DNS name (the custom origin of edge `public`); None with
    the HTTP API ingress."""
    static_paths: Sequence[str] = ("/_next/static/*",)
    """Path patterns served from the static bucket (app/contract.json's staticPathPatterns)."""
    vpc_origin: bool = True
    """Reach the internal ALB through a CloudFront VPC origin (edge `vpcOrigin`); False: a
    custom origin on a public ALB. Cost: the VPC origin is free."""
    origin_https: bool = False
    """CloudFront talks HTTPS to the ALB (end-to-end TLS); False: HTTP inside AWS."""
    aliases: Sequence[str] = ()
    """The site's host names (apex, `www.`, `api.`) when a domain is set; empty: the
    `*.cloudfront.net` name."""
    certificate_arn: pulumi.Input[str] | None = None
    """The us-east-1 ACM certificate for `aliases`. None: CloudFront's default certificate."""
    price_class: str = "PriceClass_100"
    """CloudFront price class (edge locations used). Cost: PriceClass_100 is the cheapest."""
    waf: bool = False
    """Attach a WAF web ACL (common and known-bad-inputs rule groups, per-IP rate limit). Cost:
    `wafv2.web_acl.month`, `wafv2.rule.month` per rule, `wafv2.requests.million`."""
    waf_rate_limit: int = 2000
    """With `waf`: requests per IP per 5 minutes before it is blocked."""
    access_logs: bool = False
    """CloudFront standard logs to a log bucket. Cost: S3 storage of the logs."""
    log_retention_days: int = 7
    """With `access_logs`: days before log objects expire."""
    deletion_protection: bool = False
    """Keep the static bucket and its settings on `destroy` (`protect`, no `force_destroy`)."""
    http_api_domain: pulumi.Input[str] | None = None
    """The HTTP API ingress instead of a load balancer: its domain (HTTPS only). Default None."""
    origin_headers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Headers CloudFront adds to each request to the HTTP API (the secret origin header that
    tells its requests from direct calls). Default {}."""
    transform: Mapping[str, Transform] = field(default_factory=dict)
    """Child label -> function that receives the child's resource arguments (as the keyword
    arguments pulumi_aws takes, snake_case) and returns them changed (components/kit/transforms.py).
    Default {}: every child as the component builds it."""


class Edge(pulumi.ComponentResource):
    """CloudFront, the static bucket behind OAC, the VPC origin, headers policy and WAF."""

    static_bucket: aws.s3.Bucket
    origin_access_control: aws.cloudfront.OriginAccessControl
    vpc_origin: aws.cloudfront.VpcOrigin | None
    response_headers_policy: aws.cloudfront.ResponseHeadersPolicy
    log_bucket: aws.s3.Bucket | None
    distribution: aws.cloudfront.Distribution
    static_bucket_policy: aws.s3.BucketPolicy

    def __init__(
        self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._child_transforms = ChildTransforms(name, args.transform)
        super().__init__("fullstack:edge:Edge", name, None, self._child_transforms.options(opts))
        self._name = name
        self.args = args
        self._ownership: dict[str, aws.s3.BucketOwnershipControls] = {}
        self.static_bucket = self._create_static_bucket()
        self.origin_access_control = self._create_origin_access_control()
        self.vpc_origin = (
            self._create_vpc_origin() if args.vpc_origin and args.alb_arn is not None else None
        )
        self.response_headers_policy = self._create_response_headers_policy()
        # Annotated here, not in the class body: Pulumi resolves class annotations, and naming
        # aws.wafv2 there would import that module (~1 s) even without WAF.
        self.web_acl: aws.wafv2.WebAcl | None = self._create_web_acl() if args.waf else None
        self.log_bucket = self._create_log_bucket() if args.access_logs else None
        self.distribution = self._create_distribution()
        self.static_bucket_policy = self._create_static_bucket_policy()
        self._child_transforms.check()
        self.register_outputs(
            {
                "distributionId": self.distribution.id,
                "domainName": self.distribution.domain_name,
                "staticBucketName": self.static_bucket.bucket,
            }
        )

    def exports(self) -> dict[str, object]:
        """Its stack outputs: the distribution and the static bucket."""
        return {
            "distributionId": self.distribution.id,
            "distributionDomainName": self.distribution.domain_name,
            "staticBucketName": self.static_bucket.bucket,
        }

    @property
    def domain_name(self) -> pulumi.Output[str]:
        return self.distribution.domain_name

    # -- steps ---------------------------------------------------------------------------------

    def _child(self, **kwargs: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)  # type: ignore[arg-type]

    def _attached(
        self, depends_on: Sequence[pulumi.Resource] | None = None
    ) -> pulumi.ResourceOptions:
        """A resource attached to a bucket: kept with it (components/kit/buckets.py)."""
        return attached_options(self, self.args.deletion_protection, depends_on)

    def _private_bucket(self, label: str, bucket_name: str, ownership: str) -> aws.s3.Bucket:
        made = private_bucket(
            self,
            f"{self._name}-{label}",
            bucket_name,
            keep=self.args.deletion_protection,
            object_ownership=ownership,
        )
        self._ownership[label] = made.ownership
        return made.bucket

    def _create_static_bucket(self) -> aws.s3.Bucket:
        return self._private_bucket("static", self.args.static_bucket_name, "BucketOwnerEnforced")

    def _create_origin_access_control(self) -> aws.cloudfront.OriginAccessControl:
        return aws.cloudfront.OriginAccessControl(
            f"{self._name}-oac",
            aws.cloudfront.OriginAccessControlArgs(
                name=f"{self.args.name_prefix}-static",
                description="CloudFront reads the static bucket (SigV4)",
                origin_access_control_origin_type="s3",
                signing_behavior="always",
                signing_protocol="sigv4",
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_vpc_origin(self) -> aws.cloudfront.VpcOrigin:
        assert self.args.alb_arn is not None  # a VPC origin is made only for a load balancer
        return aws.cloudfront.VpcOrigin(
            f"{self._name}-vpc-origin",
            aws.cloudfront.VpcOriginArgs(
                vpc_origin_endpoint_config=aws.cloudfront.VpcOriginVpcOriginEndpointConfigArgs(
                    name=f"{self.args.name_prefix}-alb",
                    arn=self.args.alb_arn,
                    http_port=80,
                    https_port=443,
                    origin_protocol_policy="https-only" if self.args.origin_https else "http-only",
                    origin_ssl_protocols=aws.cloudfront.VpcOriginVpcOriginEndpointConfigOriginSslProtocolsArgs(
                        items=["TLSv1.2"], quantity=1
                    ),
                ),
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_response_headers_policy(self) -> aws.cloudfront.ResponseHeadersPolicy:
        headers = aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
            strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                access_control_max_age_sec=63072000, include_subdomains=True, override=True
            ),
            content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                override=True
            ),
            frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                frame_option="DENY", override=True
            ),
            referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                referrer_policy="strict-origin-when-cross-origin", override=True
            ),
        )  # fmt: skip
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-security-headers",
            aws.cloudfront.ResponseHeadersPolicyArgs(
                name=f"{self.args.name_prefix}-security-headers",
                comment="HSTS, nosniff, frame options, referrer policy",
                security_headers_config=headers,
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _managed_rule(
        self, priority: int, group: str, count_only: Sequence[str] = ()
    ) -> aws.wafv2.WebAclRuleArgs:
        """A managed rule group; the rules named in `count_only` only count, never block."""
        overrides = [
            aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
                name=rule,
                action_to_use=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                    count=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()
                ),
            )
            for rule in count_only
        ]
        return aws.wafv2.WebAclRuleArgs(
            name=group,
            priority=priority,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()  # type: ignore[no-untyped-call]
            ),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    vendor_name="AWS", name=group, rule_action_overrides=overrides or None
                )
            ),
            visibility_config=self._visibility(group),
        )  # fmt: skip

    def _visibility(self, metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
        return aws.wafv2.WebAclRuleVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
        )

    def _create_web_acl(self) -> aws.wafv2.WebAcl:
        rate_limit = aws.wafv2.WebAclRuleArgs(
            name="rate-limit-per-ip",
            priority=3,
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    limit=self.args.waf_rate_limit, aggregate_key_type="IP"
                )
            ),
            visibility_config=self._visibility("rate-limit-per-ip"),
        )
        return aws.wafv2.WebAcl(
            f"{self._name}-waf",
            aws.wafv2.WebAclArgs(
                name=f"{self.args.name_prefix}-edge",
                description="AWS managed common and known-bad-inputs rules, per-IP rate limit",
                scope="CLOUDFRONT",
                region=CLOUDFRONT_REGION,
                default_action=aws.wafv2.WebAclDefaultActionArgs(
                    allow=aws.wafv2.WebAclDefaultActionAllowArgs()
                ),
                rules=[
                    self._managed_rule(1, COMMON_RULE_SET, count_only=COMMON_RULES_COUNTED),
                    self._managed_rule(2, "AWSManagedRulesKnownBadInputsRuleSet"),
                    rate_limit,
                ],
                visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                    cloudwatch_metrics_enabled=True,
                    metric_name=f"{self.args.name_prefix}-edge",
                    sampled_requests_enabled=True,
                ),
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_log_bucket(self) -> aws.s3.Bucket:
        # CloudFront standard logs are written with an ACL grant: the bucket needs ACLs enabled.
        bucket = self._private_bucket("logs", self.args.log_bucket_name, "BucketOwnerPreferred")
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-logs-expiry",
            aws.s3.BucketLifecycleConfigurationArgs(
                bucket=bucket.id,
                rules=[
                    aws.s3.BucketLifecycleConfigurationRuleArgs(
                        id="expire-access-logs",
                        status="Enabled",
                        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                            days=self.args.log_retention_days
                        ),
                    )
                ],
            ),
            opts=self._attached(),
        )
        return bucket

    def _alb_origin(self) -> aws.cloudfront.DistributionOriginArgs:
        args = self.args
        if args.http_api_domain is not None:
            return aws.cloudfront.DistributionOriginArgs(
                origin_id=ALB_ORIGIN,
                domain_name=args.http_api_domain,
                custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                    http_port=80,
                    https_port=443,
                    origin_protocol_policy="https-only",
                    origin_ssl_protocols=["TLSv1.2"],
                    origin_read_timeout=30,  # the HTTP API's own limit is 30 s (aws-facts#http-api)
                    origin_keepalive_timeout=5,
                ),
                custom_headers=[
                    aws.cloudfront.DistributionOriginCustomHeaderArgs(name=name, value=value)
                    for name, value in args.origin_headers.items()
                ],
            )
        if args.alb_dns_name is None:
            raise ValueError("the edge needs a load balancer or an HTTP API to send requests to")
        if self.vpc_origin is not None:
            return aws.cloudfront.DistributionOriginArgs(
                origin_id=ALB_ORIGIN,
                domain_name=args.alb_dns_name,
                vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(
                    vpc_origin_id=self.vpc_origin.id,
                    origin_read_timeout=30,
                    origin_keepalive_timeout=5,
                ),
            )
        return aws.cloudfront.DistributionOriginArgs(
            origin_id=ALB_ORIGIN,
            domain_name=args.alb_dns_name,
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80,
                https_port=443,
                origin_protocol_policy="https-only" if args.origin_https else "http-only",
                origin_ssl_protocols=["TLSv1.2"],
                origin_read_timeout=30,
                origin_keepalive_timeout=5,
            ),
        )

    def _viewer_certificate(self) -> aws.cloudfront.DistributionViewerCertificateArgs:
        if self.args.certificate_arn is None:
            return aws.cloudfront.DistributionViewerCertificateArgs(
                cloudfront_default_certificate=True
            )
        return aws.cloudfront.DistributionViewerCertificateArgs(
            acm_certificate_arn=self.args.certificate_arn,
            ssl_support_method="sni-only",
            minimum_protocol_version="TLSv1.2_2021",
        )

    def _create_distribution(self) -> aws.cloudfront.Distribution:
        args = self.args
        static_behaviors = [
            aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=path,
                target_origin_id=STATIC_ORIGIN,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=self.response_headers_policy.id,
                compress=True,
            )
            for path in self.args.static_paths
        ]
        logging_config = None
        if self.log_bucket is not None:
            logging_config = aws.cloudfront.DistributionLoggingConfigArgs(
                bucket=self.log_bucket.bucket_domain_name,
                prefix="cloudfront/",
                include_cookies=False,
            )
        return aws.cloudfront.Distribution(
            f"{self._name}-cdn",
            aws.cloudfront.DistributionArgs(
                enabled=True,
                comment=f"{args.name_prefix}: the single entry to the app",
                aliases=list(args.aliases) or None,
                http_version="http2and3",
                is_ipv6_enabled=True,
                price_class=args.price_class,
                origins=[
                    self._alb_origin(),
                    aws.cloudfront.DistributionOriginArgs(
                        origin_id=STATIC_ORIGIN,
                        domain_name=self.static_bucket.bucket_regional_domain_name,
                        origin_access_control_id=self.origin_access_control.id,
                    ),
                ],
                default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                    target_origin_id=ALB_ORIGIN,
                    viewer_protocol_policy="redirect-to-https",
                    allowed_methods=["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                    cached_methods=["GET", "HEAD"],
                    cache_policy_id=CACHING_DISABLED,
                    origin_request_policy_id=ALL_VIEWER
                    if args.http_api_domain is None
                    else ALL_VIEWER_EXCEPT_HOST,
                    response_headers_policy_id=self.response_headers_policy.id,
                    compress=True,
                ),
                ordered_cache_behaviors=static_behaviors,
                restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                    geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                        restriction_type="none"
                    )
                ),
                viewer_certificate=self._viewer_certificate(),
                web_acl_id=self.web_acl.arn if self.web_acl is not None else None,
                logging_config=logging_config,
                wait_for_deployment=False,
            ),
            # CloudFront writes standard logs with an ACL grant, which S3 accepts only once the
            # log bucket's ownership controls allow ACLs (CloudFront developer guide, standard
            # logging): the distribution must wait for them.
            opts=self._child(
                depends_on=[self._ownership["logs"]] if self.log_bucket is not None else None
            ),
        )

    def _create_static_bucket_policy(self) -> aws.s3.BucketPolicy:
        policy = pulumi.Output.all(self.static_bucket.arn, self.distribution.arn).apply(
            lambda values: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReadsStaticAssets",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": f"{values[0]}/*",
                            "Condition": {"StringEquals": {"AWS:SourceArn": values[1]}},
                        },
                        deny_insecure_transport(values[0]),
                    ],
                }
            )
        )
        return aws.s3.BucketPolicy(
            f"{self._name}-static-policy",
            aws.s3.BucketPolicyArgs(bucket=self.static_bucket.id, policy=policy),
            opts=self._attached(),
        )
