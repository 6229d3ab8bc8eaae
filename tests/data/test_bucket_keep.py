"""One rule for "keep": a kept bucket and everything attached to it are kept alike.

In a stack with deletion protection every bucket is kept (`protect`), and so is each resource
that configures it (public access block, ownership, encryption, policy, versioning,
lifecycle): `destroy --exclude-protected` must not leave a bucket public or unencrypted.
"""

from __future__ import annotations

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.dial_matrix import DIAL_MATRIX, matrix_id

BUCKET = "aws:s3/bucket:Bucket"


def attached_to(graph: Graph, bucket: Resource) -> list[Resource]:
    """Every resource that names the bucket as the one it configures."""
    return [
        r
        for r in graph.custom_resources()
        if r is not bucket and r.get("bucket") in (bucket.id, bucket.outputs.get("bucket"))
    ]


def kept(resource: Resource) -> tuple[bool, bool]:
    return resource.protect, resource.retain_on_delete


@pytest.mark.parametrize("entry", DIAL_MATRIX, ids=matrix_id)
def test_everything_attached_to_a_bucket_is_kept_as_the_bucket_is(
    plan: PlanFn, entry: tuple[str, tuple[str, ...]]
) -> None:
    graph = plan(entry[0], *entry[1])
    buckets = graph.of_type(BUCKET)
    assert buckets
    for bucket in buckets:
        children = attached_to(graph, bucket)
        assert children, f"{bucket.name} has no settings attached"
        for child in children:
            assert kept(child) == kept(bucket), (
                f"{child.type} {child.name} is not kept as its bucket {bucket.name} is "
                f"(protect, retain_on_delete): {kept(child)} against {kept(bucket)}"
            )


@pytest.mark.parametrize("entry", DIAL_MATRIX, ids=matrix_id)
def test_with_deletion_protection_every_bucket_is_protected(
    plan: PlanFn, entry: tuple[str, tuple[str, ...]]
) -> None:
    graph = plan(entry[0], *entry[1])
    protected = entry[0] == "prod"  # the mvp profile turns deletionProtection on
    for bucket in graph.of_type(BUCKET):
        assert bucket.protect is protected, bucket.name
        assert bucket.get("forceDestroy") is (not protected), bucket.name
        assert not bucket.retain_on_delete, f"{bucket.name}: the rule is protect, not retain"
