"""IAM roles the components make for an AWS service, and their inline policies, written once.

- `service_role(name, ...)`: a role one AWS service assumes (`service_trust_policy`, or a
  trust document of the caller's), under the stack's IAM path, with a description;
- `inline_policy(name, role, document, ...)`: its inline policy (IAM RolePolicy);
- `role_with_policy(...)`: both, for the roles that need nothing more;
- `policy_document(statements)`: `{"Version": "2012-10-17", "Statement": [...]}` as JSON.

Every role passes through the permissions boundary of security/boundary.py (a transformation
on the components' options), so a role made here carries it too. Roles and inline policies are
free.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.kit.security import service_trust_policy


def policy_document(statements: Sequence[Mapping[str, Any]]) -> str:
    """An IAM policy document (version 2012-10-17) with `statements`, as JSON."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_role(
    name: str,
    *,
    path: pulumi.Input[str],
    description: str,
    opts: pulumi.ResourceOptions,
    service: str | None = None,
    trust: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """A role `service` (`lambda.amazonaws.com`) may assume, or one with the `trust` given."""
    if (service is None) == (trust is None):
        raise ValueError(f"{name}: give the role a service principal or a trust policy, not both")
    return aws.iam.Role(
        name,
        aws.iam.RoleArgs(
            path=path,
            description=description,
            assume_role_policy=trust if trust is not None else service_trust_policy(str(service)),
        ),
        opts=opts,
    )


def inline_policy(
    name: str, role: aws.iam.Role, document: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> aws.iam.RolePolicy:
    """The inline policy `document` of `role`."""
    return aws.iam.RolePolicy(
        name, aws.iam.RolePolicyArgs(role=role.id, policy=document), opts=opts
    )


def role_with_policy(
    name: str,
    *,
    path: pulumi.Input[str],
    description: str,
    policy: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    service: str | None = None,
    trust: pulumi.Input[str] | None = None,
    policy_name: str | None = None,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """A service role and its one inline policy (named `policy_name`, default `name`)."""
    role = service_role(
        name, path=path, description=description, opts=opts, service=service, trust=trust
    )
    return role, inline_policy(policy_name or name, role, policy, opts)
