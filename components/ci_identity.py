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
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
AUDIENCE = "sts.amazonaws.com"

# The services the program manages; the deploy role may act on them in the stack's regions.
MANAGED_SERVICES = (
    "acm",
    "application-autoscaling",
    "cloudfront",
    "cloudwatch",
    "ec2",
    "ecr",
    "ecs",
    "elasticache",
    "elasticloadbalancing",
    "events",
    "kms",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "wafv2",
)

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
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
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
    "ssm:GetParameter",
    "sts:GetCallerIdentity",
    "wafv2:Get*",
    "wafv2:List*",
)

# Services whose service-linked roles the first deploy may have to create.
SERVICE_LINKED_ROLES = (
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "rds.amazonaws.com",
    "elasticache.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
)


@dataclass(frozen=True)
class CiIdentityArgs:
    iam_path: str  # "/<project>/": Naming.iam_path
    region: str
    github_repo: str
    create_oidc_provider: bool = True
    state_bucket: str | None = None
    secrets_key_arn: str | None = None
    max_session_seconds: int = 3600


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1)


class CiIdentity(pulumi.ComponentResource):
    """GitHub OIDC provider (or lookup) and the preview and deploy roles."""

    oidc_provider_arn: pulumi.Output[str]
    preview_role: aws.iam.Role
    deploy_role: aws.iam.Role

    def __init__(
        self, name: str, args: CiIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:ci:CiIdentity", name, None, opts)
        self._name = name
        self.args = args
        self.account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        self.path = args.iam_path
        self.oidc_provider_arn = self._oidc_provider()
        self.preview_role = self._create_role(
            "preview",
            subjects=[f"repo:{args.github_repo}:pull_request"],
            description=f"pulumi preview from pull requests of {args.github_repo}",
            statements=self._preview_statements(),
        )
        self.deploy_role = self._create_role(
            "deploy",
            subjects=[
                f"repo:{args.github_repo}:ref:refs/heads/main",
                f"repo:{args.github_repo}:environment:production",
            ],
            description=f"pulumi up from main and the production environment of {args.github_repo}",
            statements=self._deploy_statements(),
        )
        self.register_outputs(
            {
                "oidcProviderArn": self.oidc_provider_arn,
                "previewRoleArn": self.preview_role.arn,
                "deployRoleArn": self.deploy_role.arn,
            }
        )

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

    def _create_role(
        self, purpose: str, subjects: list[str], description: str, statements: list[dict[str, Any]]
    ) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-{purpose}",
            aws.iam.RoleArgs(
                path=self.path,
                description=description,
                assume_role_policy=self._trust_policy(subjects),
                max_session_duration=self.args.max_session_seconds,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{self._name}-{purpose}",
            aws.iam.RolePolicyArgs(role=role.id, policy=_document(statements)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role

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
        if self.args.secrets_key_arn:
            actions = ["kms:Decrypt", "kms:DescribeKey"]
            if write:
                actions += ["kms:Encrypt", "kms:GenerateDataKey"]
            statements.append(
                {
                    "Sid": "UseStackSecretsKey",
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": self.args.secrets_key_arn,
                }
            )
        return statements

    def _preview_statements(self) -> list[dict[str, Any]]:
        return [
            {
                # Describe/List/Get actions of these services accept only "*" as resource.
                "Sid": "ReadConfiguration",
                "Effect": "Allow",
                "Action": list(PREVIEW_ACTIONS),
                "Resource": "*",
            },
            *self._state_statements(write=False),
        ]

    def _deploy_statements(self) -> list[dict[str, Any]]:
        account, path = self.account_id, self.path
        regions = sorted({self.args.region, "us-east-1"})
        return [
            {
                "Sid": "ManageStackServicesInItsRegions",
                "Effect": "Allow",
                "Action": [f"{service}:*" for service in MANAGED_SERVICES],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": regions}},
            },
            {
                # CloudFront, Route 53 and WAF's global APIs are served from us-east-1, and
                # these read-only calls are global.
                "Sid": "GlobalReads",
                "Effect": "Allow",
                "Action": ["sts:GetCallerIdentity", "iam:ListOpenIDConnectProviders"],
                "Resource": "*",
            },
            {
                "Sid": "ManageProjectRolesAndPolicies",
                "Effect": "Allow",
                "Action": [
                    "iam:AttachRolePolicy",
                    "iam:CreatePolicy",
                    "iam:CreatePolicyVersion",
                    "iam:CreateRole",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:DeleteRole",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:GetPolicy",
                    "iam:GetPolicyVersion",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:ListPolicyVersions",
                    "iam:ListRolePolicies",
                    "iam:PutRolePolicy",
                    "iam:TagPolicy",
                    "iam:TagRole",
                    "iam:UntagPolicy",
                    "iam:UntagRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:UpdateRole",
                    "iam:UpdateRoleDescription",
                ],
                "Resource": [
                    f"arn:aws:iam::{account}:role{path}*",
                    f"arn:aws:iam::{account}:policy{path}*",
                ],
            },
            {
                "Sid": "PassOnlyProjectRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{account}:role{path}*",
            },
            {
                "Sid": "ManageGithubOidcProvider",
                "Effect": "Allow",
                "Action": [
                    "iam:CreateOpenIDConnectProvider",
                    "iam:DeleteOpenIDConnectProvider",
                    "iam:GetOpenIDConnectProvider",
                    "iam:TagOpenIDConnectProvider",
                    "iam:UpdateOpenIDConnectProviderThumbprint",
                ],
                "Resource": f"arn:aws:iam::{account}:oidc-provider/{GITHUB_OIDC_HOST}",
            },
            {
                "Sid": "CreateServiceLinkedRoles",
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": f"arn:aws:iam::{account}:role/aws-service-role/*",
                "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
            },
            *self._state_statements(write=True),
        ]
