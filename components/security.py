"""Small builders shared by the components: security group rules and bucket policy statements.

Nothing here creates a component; each function creates or returns one piece that several
components need in the same form (and so need to get right once).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws


def admit_from_group(
    parent: pulumi.Resource,
    logical_name: str,
    *,
    security_group_id: pulumi.Input[str],
    port: int,
    source_security_group_id: pulumi.Input[str],
    description: str,
) -> aws.vpc.SecurityGroupIngressRule:
    """A standalone ingress rule: TCP `port` on a group, from one other security group only.

    Standalone rules (never inline) avoid the cycles that inline rules between two groups
    that reference each other create (aws-facts#sg-standalone-rules).
    """
    return aws.vpc.SecurityGroupIngressRule(
        logical_name,
        aws.vpc.SecurityGroupIngressRuleArgs(
            security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=source_security_group_id,
            description=description,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def allow_to_group(
    parent: pulumi.Resource,
    logical_name: str,
    *,
    security_group_id: pulumi.Input[str],
    port: int,
    destination_security_group_id: pulumi.Input[str],
    description: str,
) -> aws.vpc.SecurityGroupEgressRule:
    """A standalone egress rule: TCP `port` from a group, to one other security group only
    (the counterpart of `admit_from_group`, aws-facts#sg-standalone-rules)."""
    return aws.vpc.SecurityGroupEgressRule(
        logical_name,
        aws.vpc.SecurityGroupEgressRuleArgs(
            security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=destination_security_group_id,
            description=description,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The bucket policy statement that refuses every request made without TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def service_trust_policy(service_principal: str) -> str:
    """An IAM role trust policy that lets one AWS service (`ecs-tasks.amazonaws.com`) assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service_principal},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
