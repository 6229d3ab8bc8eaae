"""What "keep" means for an S3 bucket: one rule for the bucket and everything attached to it.

A kept bucket (a stack with `deletionProtection`) is Pulumi-`protect`ed, and so is every resource
attached to it (public access block, ownership controls, encryption, policy, versioning,
lifecycle): `pulumi destroy` stops at them, and `pulumi destroy --exclude-protected` leaves the
bucket in AWS *and* in the state with all its settings, so it is never left public, unencrypted
or without its TLS-only policy, and the next `pulumi up` still manages it. (`retain_on_delete`
would take the bucket out of the state while it keeps its fixed name in AWS: re-creating the
stack would then fail on the name. That is why the rule is `protect`, not `retain_on_delete`.)

Buckets have fixed names (bucket names are global; ours are derived from project, stack and
account). A bucket Pulumi had to replace would collide with its own name if the new one were
created first, so every bucket is also `delete_before_replace`; a kept bucket is protected, so a
change that would replace it stops the `up` instead of deleting data.

Use `bucket_options(...)` for the `aws.s3.Bucket` and `attached_options(...)` for every resource
that configures it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def bucket_options(parent: pulumi.Resource, keep: bool) -> pulumi.ResourceOptions:
    """Options of the bucket itself."""
    return pulumi.ResourceOptions(parent=parent, protect=keep, delete_before_replace=True)


def attached_options(
    parent: pulumi.Resource, keep: bool, depends_on: Sequence[pulumi.Resource] | None = None
) -> pulumi.ResourceOptions:
    """Options of a resource attached to a bucket: kept exactly when the bucket is."""
    return pulumi.ResourceOptions(
        parent=parent, protect=keep, depends_on=list(depends_on) if depends_on else None
    )
