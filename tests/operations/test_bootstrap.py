"""The state backend bootstrap (bootstrap/), run as its own program under mocks."""

from __future__ import annotations

import json
from functools import cache

import pytest

from stackctl.harness import PROJECT_ROOT, Graph, ProgramError, Resource, run_program

BOOTSTRAP = PROJECT_ROOT / "bootstrap"
BUCKET = "aws:s3/bucket:Bucket"


@cache
def bootstrap(*overrides: str) -> Graph:
    return run_program("state", overrides, root=BOOTSTRAP)


def only(graph: Graph, type_token: str) -> Resource:
    (resource,) = graph.of_type(type_token)
    return resource


def test_bootstrap_has_its_own_project_and_stack_file() -> None:
    assert (BOOTSTRAP / "Pulumi.yaml").exists() and (BOOTSTRAP / "Pulumi.state.yaml").exists()
    assert bootstrap().project == "fullstack-state"
    assert not bootstrap().unknown_calls


def test_state_bucket_is_versioned() -> None:
    versioning = only(bootstrap(), "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.get("versioningConfiguration") == {"status": "Enabled"}
    assert versioning.get("bucket") == only(bootstrap(), BUCKET).id


def test_state_bucket_is_encrypted_by_default() -> None:
    encryption = only(
        bootstrap(),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    (rule,) = encryption.get("rules")
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in ("AES256", "aws:kms")


def test_state_bucket_blocks_all_public_access() -> None:
    block = only(bootstrap(), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for setting in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.get(setting) is True, setting


def test_state_bucket_enforces_bucket_ownership() -> None:
    controls = only(bootstrap(), "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert controls.get("rule") == {"objectOwnership": "BucketOwnerEnforced"}


def test_state_bucket_policy_denies_requests_without_tls() -> None:
    graph = bootstrap()
    policy = json.loads(only(graph, "aws:s3/bucketPolicy:BucketPolicy").get("policy"))
    arn = only(graph, BUCKET).outputs["arn"]
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert set(statement["Resource"]) == {arn, f"{arn}/*"}
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_noncurrent_state_versions_expire_after_the_configured_days() -> None:
    for overrides, days in (((), 90), (("noncurrentVersionDays=30",), 30)):
        lifecycle = only(
            bootstrap(*overrides),
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        )
        rules = [r for r in lifecycle.get("rules") if r.get("noncurrentVersionExpiration")]
        assert len(rules) == 1 and rules[0]["status"] == "Enabled"
        assert rules[0]["noncurrentVersionExpiration"]["noncurrentDays"] == days
        assert rules[0]["filter"] == {"prefix": ""}  # every object, not a prefix


def test_lifecycle_waits_for_versioning() -> None:
    graph = bootstrap()
    lifecycle = only(graph, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    versioning = only(graph, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.urn in lifecycle.depends_on


def test_bucket_key_and_their_settings_are_protected_and_retained() -> None:
    custom = bootstrap().custom_resources()
    assert {r.type for r in custom} >= {BUCKET, "aws:kms/key:Key", "aws:kms/alias:Alias"}
    for resource in custom:
        assert resource.protect, f"{resource.type} {resource.name} is not protected"
        assert resource.retain_on_delete, f"{resource.type} {resource.name} is not retained"
    assert only(bootstrap(), BUCKET).get("forceDestroy") is False


def test_secrets_key_rotates_and_has_the_alias_of_the_secrets_provider() -> None:
    graph = bootstrap()
    key = only(graph, "aws:kms/key:Key")
    alias = only(graph, "aws:kms/alias:Alias")
    assert key.get("enableKeyRotation") is True
    assert key.get("deletionWindowInDays") == 30
    assert alias.get("targetKeyId") == key.outputs["arn"]
    assert alias.get("name") == "alias/fullstack-pulumi-secrets"
    assert graph.exports["secretsProvider"] == (
        "awskms://alias/fullstack-pulumi-secrets?region=us-east-1"
    )
    assert graph.exports["secretsKeyArn"] == key.outputs["arn"]


def test_outputs_give_the_login_url_of_the_bucket_in_its_region() -> None:
    graph = bootstrap("aws:region=eu-west-1")
    bucket = only(graph, BUCKET).get("bucket")
    assert bucket == "fullstack-pulumi-state-123456789012-eu-west-1"
    assert graph.exports["backendUrl"] == f"s3://{bucket}?region=eu-west-1"
    assert graph.exports["loginCommand"] == f"pulumi login 's3://{bucket}?region=eu-west-1'"
    assert graph.exports["secretsProvider"].endswith("?region=eu-west-1")


def test_bucket_and_alias_names_can_be_chosen() -> None:
    graph = bootstrap("stateBucketName=acme-pulumi-state", "secretsKeyAlias=alias/acme-secrets")
    assert only(graph, BUCKET).get("bucket") == "acme-pulumi-state"
    assert graph.exports["secretsProvider"] == "awskms://alias/acme-secrets?region=us-east-1"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("secretsKeyAlias=pulumi-secrets", "must start with 'alias/'"),
        ("secretsKeyAlias=alias/aws/s3", "not 'alias/aws/'"),
        ("stateBucketName=ab", "3 to 63"),
    ],
)
def test_bad_names_stop_the_program(override: str, message: str) -> None:
    with pytest.raises(ProgramError, match=message):
        run_program("state", [override], root=BOOTSTRAP)
