"""The permissions boundary every role of the program carries, and the hook that puts it there.

A permissions boundary is a managed policy that caps what a role can do, whatever policies are
attached to it (IAM User Guide, permissions boundaries: a role's effective permissions are what
both its identity policies and its boundary allow; the boundary alone grants nothing).
The CI deploy role may create and change roles only when they carry this boundary (condition
`iam:PermissionsBoundary`, components/security/ci_identity.py), so even a role it writes with
`AdministratorAccess` could do no more than this policy: run the app's containers and the VPC's
flow logs and NAT instance. The boundary grants nothing by itself, and nothing in it touches IAM.

Creates one `aws.iam.Policy` under the project's IAM path, named `<project>-<stack>-boundary`
(derived from the stack, so it never changes and never needs replacing), allowing only:

- the ECS task and execution roles: pull from this stack's repositories, write this stack's log
  groups, read this stack's secrets (those tagged with its project and stack, and the
  RDS-managed `rds!cluster-...` secret whose cluster tag names one of this stack's clusters),
  objects in this stack's buckets, and the `ssmmessages` channels of ECS Exec;
- the VPC flow logs role: write its log group;
- the NAT instance's role: the Systems Manager agent's calls (`ssm`, `ssmmessages`,
  `ec2messages`) that AWS's `AmazonSSMManagedInstanceCore` grants, parameters only under
  `/<project>/<stack>/`.

`bound_roles(boundary_arn)` is a resource transformation: given to the components' options it
sets `permissions_boundary` on every `aws.iam.Role` they create (one place, so a role added
later cannot be forgotten); a role that asks for a different boundary is an error. The CI roles
do not get it (they are made by a person's first `pulumi up`, see ci_identity.py).

Cost: none (IAM is free).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

ROLE_TYPE = "aws:iam/role:Role"
PARAMETER_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters")
# The tag RDS puts on the secret it manages for a cluster (`rds!cluster-...`): the cluster's ARN.
RDS_SECRET_CLUSTER_TAG = "aws:rds:primaryDBClusterArn"

# ECS Exec and the Systems Manager agent open their sessions through these; the service
# authorization reference lists no resource type for them, so they take only "*".
SSM_SESSION_ACTIONS = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
# What AmazonSSMManagedInstanceCore lets the agent on an instance do (besides the sessions),
# except reading parameters: that managed policy allows ssm:GetParameter(s) on every parameter,
# the boundary only on this stack's own (`PARAMETER_ACTIONS`).
SSM_AGENT_ACTIONS = (
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    "ssm:DescribeAssociation",
    "ssm:DescribeDocument",
    "ssm:GetDeployablePatchSnapshotForInstance",
    "ssm:GetDocument",
    "ssm:GetManifest",
    "ssm:ListAssociations",
    "ssm:ListInstanceAssociations",
    "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult",
    "ssm:PutInventory",
    "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus",
    "ssm:UpdateInstanceInformation",
)


def boundary_name(name_prefix: str) -> str:
    """The boundary's fixed name: `<project>-<stack>-boundary`."""
    return f"{name_prefix}-boundary"


def boundary_document(
    *,
    account: str,
    region: str,
    name_prefix: str,
    log_prefix: str,
    stack_tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The boundary policy: the most any role of this stack may ever do."""
    logs = f"arn:aws:logs:{region}:{account}:log-group:{log_prefix}/*"
    own = {f"aws:ResourceTag/{k}": v for k, v in sorted((stack_tags or {}).items())}
    secrets = f"arn:aws:secretsmanager:{region}:{account}:secret"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # per registry, no resource type
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PullThisStacksImages",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": f"arn:aws:ecr:{region}:{account}:repository/{name_prefix}/*",
            },
            {
                "Sid": "WriteThisStacksLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": [logs, f"{logs}:*"],
            },
            {
                # the program's secrets are auto-named: this stack's tags pick them out
                "Sid": "ReadThisStacksSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"{secrets}:*",
                "Condition": {"StringEquals": own or {"aws:ResourceTag/stack": name_prefix}},
            },
            {
                # RDS names the database's secret `rds!cluster-<id>` and tags it with the
                # cluster's ARN; this stack's clusters are `<project>-<stack>-...`
                "Sid": "ReadThisStacksDatabaseSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"{secrets}:rds!cluster-*",
                "Condition": {
                    "StringLike": {
                        f"aws:ResourceTag/{RDS_SECRET_CLUSTER_TAG}": (
                            f"arn:aws:rds:{region}:{account}:cluster:{name_prefix}-*"
                        )
                    }
                },
            },
            {
                "Sid": "ThisStacksObjects",
                "Effect": "Allow",
                "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{name_prefix}-*/*",
            },
            {
                "Sid": "ListThisStacksBuckets",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{name_prefix}-*",
            },
            {
                # ECS Exec and Session Manager: no resource type
                "Sid": "SessionChannels",
                "Effect": "Allow",
                "Action": list(SSM_SESSION_ACTIONS),
                "Resource": "*",
            },
            {
                # EventBridge Scheduler's role stops and starts the NAT instance with `sleep`:
                # only instances that carry this stack's tags (the provider's default tags)
                "Sid": "SleepThisStacksInstances",
                "Effect": "Allow",
                "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                "Resource": f"arn:aws:ec2:{region}:{account}:instance/*",
                "Condition": {"StringEquals": own or {"aws:RequestedRegion": region}},
            },
            {
                # the NAT instance's Systems Manager agent (patching, inventory, sessions)
                "Sid": "SystemsManagerAgent",
                "Effect": "Allow",
                "Action": list(SSM_AGENT_ACTIONS),
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
            },
            {
                # parameters: only this stack's own (`/<project>/<stack>/...`), never the
                # account's others (AmazonSSMManagedInstanceCore allows them all)
                "Sid": "ThisStacksParameters",
                "Effect": "Allow",
                "Action": list(PARAMETER_ACTIONS),
                "Resource": f"arn:aws:ssm:{region}:{account}:parameter{log_prefix}/*",
            },
        ],
    }


def create_boundary(
    *,
    name_prefix: str,
    log_prefix: str,
    iam_path: str,
    region: str,
    provider: aws.Provider,
    stack_tags: Mapping[str, str] | None = None,
) -> aws.iam.Policy:
    """Create the boundary policy (before any role: roles refer to its ARN)."""
    account = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=provider)).account_id
    document = boundary_document(
        account=account,
        region=region,
        name_prefix=name_prefix,
        log_prefix=log_prefix,
        stack_tags=stack_tags,
    )
    return aws.iam.Policy(
        "permissions-boundary",
        aws.iam.PolicyArgs(
            name=boundary_name(name_prefix),
            path=iam_path,
            description=f"{name_prefix}: the most any role of this stack may do",
            policy=json.dumps(document),
        ),
        # The name comes from project and stack alone, so nothing replaces the policy in
        # practice; if something ever did, the old one must go first (aws-facts#replace-collides).
        opts=pulumi.ResourceOptions(provider=provider, delete_before_replace=True),
    )


def bound_roles(
    boundary_arn: pulumi.Input[str],
) -> pulumi.ResourceTransformation:
    """A transformation that gives every `aws.iam.Role` below it this permissions boundary."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
        if args.type_ != ROLE_TYPE:
            return pulumi.ResourceTransformationResult(args.props, args.opts)
        props = dict(args.props)
        asked = props.get("permissions_boundary")
        if asked is not None and asked is not boundary_arn:
            raise ValueError(
                f"role {args.name!r} sets its own permissions_boundary; every role of the "
                "program carries the stack's boundary (components/security/boundary.py)"
            )
        props["permissions_boundary"] = boundary_arn
        return pulumi.ResourceTransformationResult(props, args.opts)

    return transform


def with_boundary(
    opts: pulumi.ResourceOptions, boundary_arn: pulumi.Input[str]
) -> pulumi.ResourceOptions:
    """`opts` plus the transformation: what the program's components receive."""
    return pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(transformations=[bound_roles(boundary_arn)])
    )
