"""The role builders of components/kit/roles.py (their roles in the program are checked by
tests/security/test_iam.py against AWS's own IAM data)."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.kit.roles import policy_document, service_role


def test_a_policy_document_is_version_2012_10_17_with_the_statements_in_order() -> None:
    statements = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Sid": "B"}]
    assert json.loads(policy_document(statements)) == {
        "Version": "2012-10-17",
        "Statement": statements,
    }


@pytest.mark.parametrize(
    "trust", [{}, {"service": "ec2.amazonaws.com", "trust": "{}"}], ids=["neither", "both"]
)
def test_a_role_needs_exactly_one_of_a_service_and_a_trust_policy(trust: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="r: give the role a service principal or a trust"):
        service_role(
            "r",
            path="/",
            description="d",
            opts=pulumi.ResourceOptions(),
            **trust,
        )
