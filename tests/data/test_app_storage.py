"""AppStorage: a private, TLS-only uploads bucket (kept in prod) and the app's secret."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.data_helpers import (
    RANDOM_PASSWORD,
    SECRET,
    SECRET_VERSION,
    child_of_type,
    component,
    only,
)

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def storage(graph: Graph) -> Resource:
    found = component(graph, "fullstack:data:AppStorage")
    assert found is not None
    return found


def uploads(graph: Graph) -> Resource:
    return only(child_of_type(graph, storage(graph), BUCKET))


def attached(graph: Graph, type_token: str) -> list[Resource]:
    bucket = uploads(graph)
    return [r for r in graph.of_type(type_token) if r.get("bucket") == bucket.id]


def test_public_access_block_has_all_four_switches_on(stack_graph: Graph) -> None:
    block = only(attached(stack_graph, PUBLIC_ACCESS_BLOCK))
    for key in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.get(key) is True, key


def test_object_ownership_is_enforced(stack_graph: Graph) -> None:
    controls = only(attached(stack_graph, OWNERSHIP))
    assert controls.get("rule") == {"objectOwnership": "BucketOwnerEnforced"}


def test_default_encryption_is_sse(stack_graph: Graph) -> None:
    (rule,) = only(attached(stack_graph, ENCRYPTION)).get("rules")
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in ("AES256", "aws:kms")


def test_bucket_policy_denies_requests_without_tls(stack_graph: Graph) -> None:
    bucket = uploads(stack_graph)
    policy = json.loads(only(attached(stack_graph, POLICY)).get("policy"))
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    arn = bucket.outputs["arn"]
    assert set(statement["Resource"]) == {arn, f"{arn}/*"}
    assert not any(s.get("Effect") == "Allow" for s in policy["Statement"])


def test_prod_bucket_is_versioned_kept_and_expires_old_versions(plan: PlanFn) -> None:
    graph = plan("prod")
    bucket = uploads(graph)
    assert bucket.protect and bucket.get("forceDestroy") is False
    versioning = only(attached(graph, VERSIONING))
    assert versioning.get("versioningConfiguration")["status"] == "Enabled"
    rules = only(attached(graph, LIFECYCLE)).get("rules")
    (noncurrent,) = [r for r in rules if r.get("noncurrentVersionExpiration")]
    assert noncurrent["status"] == "Enabled"
    assert noncurrent["noncurrentVersionExpiration"]["noncurrentDays"] == 30


def test_lab_bucket_is_destroyed_with_its_objects(plan: PlanFn) -> None:
    graph = plan("dev")
    bucket = uploads(graph)
    assert not bucket.protect and bucket.get("forceDestroy") is True
    assert not attached(graph, VERSIONING)
    rules = only(attached(graph, LIFECYCLE)).get("rules")
    assert not [r for r in rules if r.get("noncurrentVersionExpiration")]


def test_incomplete_uploads_are_aborted(stack_graph: Graph) -> None:
    rules = only(attached(stack_graph, LIFECYCLE)).get("rules")
    (abort,) = [r for r in rules if r.get("abortIncompleteMultipartUpload")]
    assert abort["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7


def test_bucket_name_follows_s3_rules(stack_graph: Graph) -> None:
    name = uploads(stack_graph).get("bucket")
    assert 3 <= len(name) <= 63
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name)
    assert ".." not in name
    with pytest.raises(ValueError):
        ipaddress.ip_address(name)
    assert not name.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
    assert not name.endswith(("-s3alias", "--ol-s3"))
    assert stack_graph.exports["uploadsBucketName"] == name


def test_app_secret_is_a_generated_plain_string_marked_secret(plan: PlanFn) -> None:
    stack_graph = plan("dev", "appSecretStore=secretsManager")
    parent = storage(stack_graph)
    secret = only(child_of_type(stack_graph, parent, SECRET))
    version = only(child_of_type(stack_graph, parent, SECRET_VERSION))
    value = only(child_of_type(stack_graph, parent, RANDOM_PASSWORD))
    assert value.get("length") >= 32
    assert version.get("secretId") == secret.id
    assert version.get("secretString") == value.outputs["result"]
    assert "secretString" in version.secret_inputs
    assert stack_graph.exports["appSecretArn"] == secret.outputs["arn"]
    assert "appSecretArn" not in stack_graph.secret_exports


def test_app_secret_recovery_window_follows_deletion_protection(plan: PlanFn) -> None:
    lab_graph = plan("dev", "appSecretStore=secretsManager")
    prod_graph = plan("prod", "appSecretStore=secretsManager")
    lab = only(child_of_type(lab_graph, storage(lab_graph), SECRET))
    prod = only(child_of_type(prod_graph, storage(prod_graph), SECRET))
    assert lab.get("recoveryWindowInDays") == 0
    assert prod.get("recoveryWindowInDays") == 30


def test_prod_bucket_settings_are_kept_with_the_bucket(plan: PlanFn) -> None:
    """`destroy --exclude-protected` must not strip a kept bucket of its protections."""
    graph = plan("prod")
    for type_token in (PUBLIC_ACCESS_BLOCK, OWNERSHIP, ENCRYPTION, POLICY, VERSIONING, LIFECYCLE):
        assert only(attached(graph, type_token)).protect, type_token
