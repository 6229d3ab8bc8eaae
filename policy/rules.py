"""The rules of our policy pack, as pure functions over camelCase resource properties.

Each rule is `check_<rule>(type, props, context) -> list[str]` (the messages of its violations,
empty when the resource complies). The same functions run in two places:

- in the Pulumi policy pack (policy/__main__.py via policy/pack.py) on `args.props`, which
  pulumi_policy hands over camelCase, as the provider receives them;
- offline in our tests over the `Graph` that `stackctl.harness.run_program` records (resource
  inputs, camelCase too): `stackctl.policy_check.check_graph`.

Rules that look across resources (a bucket and its policy, its public access block, its
encryption configuration) read `context.resources`; in the pack they run as a
StackValidationPolicy, offline over the whole graph.

The stack's profile and edge mode come from the stack's own configuration (`<project>:profile`,
`<project>:edge`): pulumi_policy runs the pack with the stack's config in the environment, so the
pack reads them with `pulumi.Config`; offline they come from the Graph's config. When the profile
cannot be read, the mvp-only rule reports itself not applicable instead of guessing.

This module imports nothing outside the standard library, so the pack's own virtualenv needs
only pulumi and pulumi-policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MANDATORY = "mandatory"
ADVISORY = "advisory"

# Which keys of the program's config the context reads, and their defaults
# (components/config/settings.py PROFILES: both profiles default `edge` to vpcOrigin).
DEFAULT_EDGE = "vpcOrigin"
ANYWHERE = ("0.0.0.0/0", "::/0")
HTTPS_PORT = 443


class _Unknown:
    """A value not known yet (during `pulumi preview`): rules never report on it."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class StackResource:
    """One resource of the stack, for rules that look across resources.

    `refs` maps a property name to the URNs of the resources it refers to (pulumi_policy's
    property dependencies in the pack; offline, the resources whose id the value equals).
    """

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the resource: the stack's profile, edge mode and resources."""

    profile: str | None = None  # "lab", "mvp" or None when it could not be read
    edge: str = DEFAULT_EDGE
    urn: str = ""
    resources: tuple[StackResource, ...] = ()

    def referring(self, target: StackResource, type_token: str, prop: str) -> list[StackResource]:
        """Resources of `type_token` whose `prop` refers to `target` (by URN or by id)."""
        found = []
        for resource in self.resources:
            if resource.type != type_token:
                continue
            if target.urn and target.urn in resource.refs.get(prop, ()):
                found.append(resource)
                continue
            value = get(resource.props, prop)
            if value is not UNKNOWN and value not in (None, "") and value in _identities(target):
                found.append(resource)
        return found

    def this(self) -> StackResource | None:
        return next((r for r in self.resources if r.urn == self.urn), None)


def _identities(resource: StackResource) -> set[Any]:
    ids = {resource.id} if resource.id else set()
    for key in ("id", "bucket", "arn"):
        value = get(resource.props, key)
        if isinstance(value, str) and value:
            ids.add(value)
    return ids


def get(props: Any, path: str, default: Any = None) -> Any:
    """`props["a"]["b"]` for path `a.b`; UNKNOWN for a value not known yet (preview)."""
    value: Any = props
    for part in path.split("."):
        try:
            if not hasattr(value, "get"):
                return default
            value = value.get(part)
        except Exception as error:
            if type(error).__name__ == "UnknownValueError":
                return UNKNOWN
            raise
        if value is None:
            return default
        if isinstance(value, str) and value == "04da6b54-80e4-46f7-96ec-b56ff0331ba9":
            return UNKNOWN  # Pulumi's unknown sentinel, when not wrapped in a proxy
    return value


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return UNKNOWN
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None or value is UNKNOWN:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


# -- resource types ---------------------------------------------------------------------------

RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
SNS_TOPIC = "aws:sns/topic:Topic"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_SET = "aws:ecs/taskSet:TaskSet"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"

# -- rules ------------------------------------------------------------------------------------


def check_aurora_encrypted(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ not in (RDS_CLUSTER, RDS_INSTANCE):
        return []
    if type_ == RDS_INSTANCE and get(props, "engine", "").startswith("aurora"):
        return []  # Aurora instances take encryption from their cluster
    value = get(props, "storageEncrypted")
    if value is UNKNOWN or value is True:
        return []
    return [
        "storage is not encrypted at rest: set storageEncrypted=True (it cannot be changed "
        "later without a snapshot restore)"
    ]


def check_redis_encrypted(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != REPLICATION_GROUP:
        return []
    problems = []
    if get(props, "atRestEncryptionEnabled") not in (True, UNKNOWN, "true"):
        problems.append("not encrypted at rest: set atRestEncryptionEnabled=True")
    if get(props, "transitEncryptionEnabled") not in (True, UNKNOWN, "true"):
        problems.append("no TLS in transit: set transitEncryptionEnabled=True")
    return problems


def check_s3_encrypted(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != BUCKET:
        return []
    bucket = ctx.this()
    if bucket is None:
        return []
    configs = ctx.referring(bucket, BUCKET_SSE, "bucket")
    if not configs:
        return [
            "no BucketServerSideEncryptionConfiguration: declare the encryption (SSE-S3 "
            "or SSE-KMS) instead of relying on the account default"
        ]
    for config in configs:
        for rule in _as_list(get(config.props, "rules")):
            algorithm = get(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
            if algorithm in ("AES256", "aws:kms", "aws:kms:dsse", UNKNOWN):
                return []
    return ["its encryption configuration names no algorithm (AES256 or aws:kms)"]


def check_sns_encrypted(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != SNS_TOPIC:
        return []
    if get(props, "kmsMasterKeyId") in (None, ""):
        return [
            "not encrypted at rest: set kmsMasterKeyId (a customer managed key whose policy "
            "lets cloudwatch.amazonaws.com use it: alarms cannot publish to a topic "
            "encrypted with the AWS managed alias/aws/sns key)"
        ]
    return []


def _public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(v == "*" or (isinstance(v, list) and "*" in v) for v in principal.values())
    return False


def check_s3_no_public(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != BUCKET:
        return []
    bucket = ctx.this()
    if bucket is None:
        return []
    problems = []
    blocks = ctx.referring(bucket, BUCKET_PAB, "bucket")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    if not blocks:
        problems.append("no BucketPublicAccessBlock: add one with all four flags true")
    for block in blocks:
        off = [f for f in flags if get(block.props, f) not in (True, UNKNOWN)]
        if off:
            problems.append(f"public access block leaves {', '.join(off)} off")
    for policy in ctx.referring(bucket, BUCKET_POLICY, "bucket"):
        document = _json(get(policy.props, "policy"))
        for statement in _as_list(get(document, "Statement")) if document is not UNKNOWN else []:
            if (
                get(statement, "Effect") == "Allow"
                and _public_principal(get(statement, "Principal"))
                and not get(statement, "Condition")
            ):
                problems.append(f"bucket policy {policy.name} allows anyone (Principal *)")
    for acl in ctx.referring(bucket, BUCKET_ACL, "bucket"):
        if get(acl.props, "acl") in ("public-read", "public-read-write", "authenticated-read"):
            problems.append(f"bucket ACL {acl.name} is {get(acl.props, 'acl')}")
    if get(props, "acl") in ("public-read", "public-read-write"):
        problems.append(f"bucket ACL is {get(props, 'acl')}")
    return problems


def _open_ingress_allowed(ctx: Context, protocol: Any, from_port: Any, to_port: Any) -> bool:
    """The design allows 0.0.0.0/0 only on 443 to a public ALB (`edge: public` with a domain)."""
    return (
        ctx.edge == "public"
        and str(protocol) in ("tcp", "6")
        and _int(from_port) == HTTPS_PORT
        and _int(to_port) == HTTPS_PORT
    )


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def check_sg_no_open_ingress(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    rules: list[tuple[Any, Any, Any, list[Any]]] = []
    if type_ == SG_INGRESS:
        cidrs = [get(props, "cidrIpv4"), get(props, "cidrIpv6")]
        rules.append(
            (get(props, "ipProtocol"), get(props, "fromPort"), get(props, "toPort"), cidrs)
        )
    elif type_ == SG_RULE and get(props, "type") == "ingress":
        cidrs = _as_list(get(props, "cidrBlocks")) + _as_list(get(props, "ipv6CidrBlocks"))
        rules.append((get(props, "protocol"), get(props, "fromPort"), get(props, "toPort"), cidrs))
    elif type_ == SG:
        for rule in _as_list(get(props, "ingress")):
            cidrs = _as_list(get(rule, "cidrBlocks")) + _as_list(get(rule, "ipv6CidrBlocks"))
            rules.append((get(rule, "protocol"), get(rule, "fromPort"), get(rule, "toPort"), cidrs))
    problems = []
    for protocol, from_port, to_port, cidrs in rules:
        open_to = [c for c in cidrs if c in ANYWHERE]
        if open_to and not _open_ingress_allowed(ctx, protocol, from_port, to_port):
            problems.append(
                f"ingress from {', '.join(open_to)} on {protocol} {from_port}-{to_port}: only "
                "443 to a public ALB (edge: public) may be open to the internet; use the "
                "CloudFront prefix list or a security group"
            )
    return problems


def check_task_no_public_ip(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ not in (ECS_SERVICE, ECS_TASK_SET):
        return []
    if get(props, "networkConfiguration.assignPublicIp") in (True, "true", "ENABLED"):
        return [
            "tasks get a public IP: set networkConfiguration.assignPublicIp=False "
            "(tasks run in private subnets and leave through NAT)"
        ]
    return []


SECRET_NAME_RE = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH)",
    re.IGNORECASE,
)
# Names that hold a reference to a secret, not the secret itself.
REFERENCE_NAME_RE = re.compile(r"(_ARN|_ID|_NAME|_FILE|_PATH|_URL_?REF)$", re.IGNORECASE)
CREDENTIALS_IN_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def check_task_no_plaintext_secret(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != TASK_DEFINITION:
        return []
    definitions = _json(get(props, "containerDefinitions"))
    if definitions is UNKNOWN or not isinstance(definitions, list):
        return []
    problems = []
    for container in definitions:
        for entry in _as_list(get(container, "environment")):
            name = str(get(entry, "name") or "")
            value = get(entry, "value")
            if value in (None, "") or value is UNKNOWN:
                continue
            if SECRET_NAME_RE.search(name) and not REFERENCE_NAME_RE.search(name):
                problems.append(
                    f"container {get(container, 'name')}: environment {name} looks like a "
                    "secret in plaintext: pass it in `secrets` (valueFrom a Secrets Manager ARN)"
                )
            elif isinstance(value, str) and CREDENTIALS_IN_URL_RE.search(value):
                problems.append(
                    f"container {get(container, 'name')}: environment {name} is a URL with "
                    "credentials in it"
                )
    return problems


def check_alb_internal_in_vpc_origin(
    type_: str, props: Mapping[str, Any], ctx: Context
) -> list[str]:
    if type_ != ALB or ctx.edge != "vpcOrigin":
        return []
    if get(props, "loadBalancerType", "application") != "application":
        return []
    if get(props, "internal") in (True, UNKNOWN, "true"):
        return []
    return [
        "edge is vpcOrigin but the ALB is internet-facing: set internal=True (CloudFront "
        "reaches it through the VPC origin; a public ALB could be reached around the edge)"
    ]


def check_mvp_deletion_protection(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if ctx.profile != "mvp":
        return []
    problems = []
    if type_ == RDS_CLUSTER:
        if get(props, "deletionProtection") not in (True, UNKNOWN):
            problems.append("mvp: Aurora deletionProtection must be true")
        if get(props, "skipFinalSnapshot") is True:
            problems.append("mvp: skipFinalSnapshot must be false (keep a final snapshot)")
        if get(props, "finalSnapshotIdentifier") in (None, ""):
            problems.append("mvp: finalSnapshotIdentifier must be set (aws-facts#final-snapshot)")
    elif type_ == ALB and get(props, "enableDeletionProtection") not in (True, UNKNOWN):
        problems.append("mvp: ALB enableDeletionProtection must be true")
    return problems


def check_log_retention(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != LOG_GROUP:
        return []
    days = get(props, "retentionInDays")
    if days is UNKNOWN or (_int(days) or 0) > 0:
        return []
    return ["retentionInDays is not set: logs are kept (and billed) forever"]


def check_imdsv2(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ not in (INSTANCE, LAUNCH_TEMPLATE):
        return []
    tokens = get(props, "metadataOptions.httpTokens")
    if tokens in ("required", UNKNOWN):
        return []
    return ["IMDSv1 allowed: set metadataOptions.httpTokens='required' (IMDSv2 only)"]


def check_ecr_scan_on_push(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != ECR_REPOSITORY:
        return []
    if get(props, "imageScanningConfiguration.scanOnPush") in (True, UNKNOWN):
        return []
    return ["images are not scanned on push: set imageScanningConfiguration.scanOnPush=True"]


def check_service_role_bounded(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != IAM_ROLE:
        return []
    trust = _json(get(props, "assumeRolePolicy"))
    if trust is UNKNOWN:
        return []
    services = [
        service
        for statement in _as_list(get(trust, "Statement"))
        for service in _as_list(get(statement, "Principal.Service"))
    ]
    if not services or get(props, "permissionsBoundary") not in (None, ""):
        return []
    return [
        f"role assumed by {', '.join(map(str, services))} has no permissions boundary: every "
        "role of the program carries the stack's boundary (components/security/boundary.py)"
    ]


def check_iam_no_admin_actions(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ not in (IAM_ROLE_POLICY, IAM_POLICY):
        return []
    document = _json(get(props, "policy"))
    if document is UNKNOWN:
        return []
    found = []
    for statement in _as_list(get(document, "Statement")):
        if get(statement, "Effect") != "Allow":
            continue
        for action in _as_list(get(statement, "Action")):
            if action in ("*", "iam:*") or str(action).lower() == "iam:*":
                found.append(f"Allow {action!r}: name the actions (an admin grant)")
    return found


def _denies_insecure_transport(statement: Any) -> bool:
    if get(statement, "Effect") != "Deny" or not _public_principal(get(statement, "Principal")):
        return False
    condition = get(statement, "Condition") or {}
    value = get(condition, "Bool.aws:SecureTransport")
    if value is None:
        value = (
            get(condition, "Bool", {}).get("aws:SecureTransport")
            if isinstance(get(condition, "Bool"), Mapping)
            else None
        )
    return str(value).lower() == "false"


def check_s3_tls_only(type_: str, props: Mapping[str, Any], ctx: Context) -> list[str]:
    if type_ != BUCKET:
        return []
    bucket = ctx.this()
    if bucket is None:
        return []
    policies = ctx.referring(bucket, BUCKET_POLICY, "bucket")
    for policy in policies:
        document = _json(get(policy.props, "policy"))
        if document is UNKNOWN:
            return []
        if any(_denies_insecure_transport(s) for s in _as_list(get(document, "Statement"))):
            return []
    return [
        "no bucket policy statement denies non-TLS requests: add Deny s3:* for Principal * "
        "with Condition Bool aws:SecureTransport=false"
    ]


# -- the catalogue ----------------------------------------------------------------------------

Check = Callable[[str, Mapping[str, Any], Context], list[str]]


@dataclass(frozen=True)
class Rule:
    name: str
    level: str  # MANDATORY or ADVISORY
    description: str
    reason: str
    check: Check
    types: tuple[str, ...]
    needs_stack: bool = False  # looks at other resources: a StackValidationPolicy in the pack
    mvp_only: bool = False


RULES: tuple[Rule, ...] = (
    Rule(
        "aurora-encrypted-at-rest",
        MANDATORY,
        "Aurora/RDS storage is encrypted at rest.",
        "Database data and snapshots must be unreadable without the key; encryption cannot be "
        "turned on later without a restore.",
        check_aurora_encrypted,
        (RDS_CLUSTER, RDS_INSTANCE),
    ),
    Rule(
        "redis-encrypted",
        MANDATORY,
        "ElastiCache is encrypted at rest and in transit.",
        "Sessions and queues hold user data; the AUTH token is only safe over TLS.",
        check_redis_encrypted,
        (REPLICATION_GROUP,),
    ),
    Rule(
        "s3-encrypted-at-rest",
        MANDATORY,
        "Every bucket declares its server-side encryption.",
        "The encryption a bucket uses must be visible in code and reviewed, not left to an "
        "account default.",
        check_s3_encrypted,
        (BUCKET,),
        needs_stack=True,
    ),
    Rule(
        "sns-encrypted-at-rest",
        MANDATORY,
        "SNS topics are encrypted with a KMS key.",
        "Alarm messages name resources and errors; encrypted topics keep them private.",
        check_sns_encrypted,
        (SNS_TOPIC,),
    ),
    Rule(
        "s3-no-public-access",
        MANDATORY,
        "Buckets block public access and grant nothing to everyone.",
        "Static assets are served through CloudFront (OAC), uploads through the API: no "
        "bucket needs to be public.",
        check_s3_no_public,
        (BUCKET,),
        needs_stack=True,
    ),
    Rule(
        "sg-no-open-ingress",
        MANDATORY,
        "No security group ingress from 0.0.0.0/0 or ::/0, except 443 to a public ALB.",
        "CloudFront is the only way in (docs/design.md): the ALB admits CloudFront's prefix list; "
        "only `edge: public` with a domain opens 443 to the internet.",
        check_sg_no_open_ingress,
        (SG_INGRESS, SG_RULE, SG),
    ),
    Rule(
        "task-no-public-ip",
        MANDATORY,
        "ECS tasks get no public IP.",
        "Tasks run in private subnets behind the ALB; a public IP would expose them.",
        check_task_no_public_ip,
        (ECS_SERVICE, ECS_TASK_SET),
    ),
    Rule(
        "task-no-plaintext-secret",
        MANDATORY,
        "No secret in a task definition's plain environment.",
        "Task definitions are readable by anyone with ecs:Describe*; secrets go in `secrets` "
        "(Secrets Manager ARNs) and are injected at start.",
        check_task_no_plaintext_secret,
        (TASK_DEFINITION,),
    ),
    Rule(
        "alb-internal-with-vpc-origin",
        MANDATORY,
        "With `edge: vpcOrigin`, the ALB is internal.",
        "The VPC origin keeps the ALB off the internet (no public IPs, no way around the "
        "edge and its WAF).",
        check_alb_internal_in_vpc_origin,
        (ALB,),
    ),
    Rule(
        "mvp-deletion-protection",
        MANDATORY,
        "In the mvp profile: Aurora has deletion protection and keeps a final snapshot; the "
        "ALB has deletion protection.",
        "Production data must survive a mistaken `pulumi destroy` or a replacement.",
        check_mvp_deletion_protection,
        (RDS_CLUSTER, ALB),
        mvp_only=True,
    ),
    Rule(
        "log-retention-set",
        MANDATORY,
        "Every log group has a retention period.",
        "Logs without retention are kept and billed forever.",
        check_log_retention,
        (LOG_GROUP,),
    ),
    Rule(
        "imdsv2-required",
        MANDATORY,
        "EC2 instances require IMDSv2 tokens.",
        "IMDSv1 lets an SSRF read the instance role's credentials (the NAT instance).",
        check_imdsv2,
        (INSTANCE, LAUNCH_TEMPLATE),
    ),
    Rule(
        "ecr-scan-on-push",
        ADVISORY,
        "ECR repositories scan images on push.",
        "Basic scanning is free and flags known CVEs; advisory because a registry-level "
        "scanning configuration can replace it and a finding should not block a deploy.",
        check_ecr_scan_on_push,
        (ECR_REPOSITORY,),
    ),
    Rule(
        "service-role-has-boundary",
        MANDATORY,
        "Every role an AWS service assumes carries a permissions boundary.",
        "The CI deploy role may only create or change roles that carry the stack's boundary; "
        "a role without it would fail in CI and could hold more than the app needs.",
        check_service_role_bounded,
        (IAM_ROLE,),
    ),
    Rule(
        "iam-no-admin-actions",
        MANDATORY,
        "No IAM policy allows `*` or `iam:*`.",
        "Either makes its holder an administrator of the account.",
        check_iam_no_admin_actions,
        (IAM_ROLE_POLICY, IAM_POLICY),
    ),
    Rule(
        "s3-tls-only",
        MANDATORY,
        "Every bucket's policy denies requests without TLS.",
        "S3 accepts plain HTTP unless the policy denies aws:SecureTransport=false.",
        check_s3_tls_only,
        (BUCKET,),
        needs_stack=True,
    ),
)


@dataclass(frozen=True)
class Violation:
    rule: str
    level: str
    resource: str  # logical name
    type: str
    message: str

    def __str__(self) -> str:
        return f"[{self.level}] {self.rule}: {self.resource} ({self.type}): {self.message}"


def check_resources(
    resources: Sequence[StackResource],
    profile: str | None,
    edge: str = DEFAULT_EDGE,
    rules: Sequence[Rule] = RULES,
) -> list[Violation]:
    """Run every rule over every resource (the offline runner and the pack's tests use it)."""
    stack = tuple(resources)
    found = []
    for resource in stack:
        ctx = Context(profile=profile, edge=edge, urn=resource.urn, resources=stack)
        for rule in rules:
            if resource.type not in rule.types:
                continue
            for message in rule.check(resource.type, resource.props, ctx):
                found.append(
                    Violation(rule.name, rule.level, resource.name, resource.type, message)
                )
    return found
