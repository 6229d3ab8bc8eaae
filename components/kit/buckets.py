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

`private_bucket(...)` makes every bucket of the program (the uploads, static and log buckets) the
same way: private, encrypted, kept by this rule. Use `attached_options(...)` for any further
resource that configures a bucket (policy, versioning, lifecycle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


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


@dataclass(frozen=True)
class PrivateBucket:
    """A bucket and the settings every bucket of the program has (see `private_bucket`)."""

    bucket: aws.s3.Bucket
    public_access_block: aws.s3.BucketPublicAccessBlock
    ownership: aws.s3.BucketOwnershipControls
    encryption: aws.s3.BucketServerSideEncryptionConfiguration


def private_bucket(
    parent: pulumi.Resource,
    label: str,
    bucket_name: str,
    *,
    keep: bool,
    object_ownership: str = "BucketOwnerEnforced",
    bucket_key: bool = False,
    aliases: Mapping[str, str] | None = None,
) -> PrivateBucket:
    """The one way this program makes a bucket: private, encrypted, kept by one rule.

    Creates `<label>` (the bucket: `force_destroy` unless kept), `<label>-no-public` (every
    public access blocked), `<label>-ownership` (`object_ownership`: BucketOwnerEnforced turns
    ACLs off; CloudFront's standard logs need BucketOwnerPreferred, aws-facts#cloudfront-logs-acl)
    and `<label>-sse` (SSE-S3; `bucket_key` for the S3 Bucket Key). All are kept exactly when
    the bucket is. `aliases` maps a child's suffix ("", "no-public", "ownership", "sse") to
    the logical name it had before, so a rename is not a replacement.
    """
    old = dict(aliases or {})

    def opts(suffix: str, base: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
        if suffix not in old:
            return base
        return pulumi.ResourceOptions.merge(
            base, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old[suffix])])
        )

    bucket = aws.s3.Bucket(
        label,
        aws.s3.BucketArgs(bucket=bucket_name, force_destroy=not keep),
        opts=opts("", bucket_options(parent, keep)),
    )
    block = aws.s3.BucketPublicAccessBlock(
        f"{label}-no-public",
        aws.s3.BucketPublicAccessBlockArgs(
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        ),
        opts=opts("no-public", attached_options(parent, keep)),
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{label}-ownership",
        aws.s3.BucketOwnershipControlsArgs(
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership=object_ownership),
        ),
        opts=opts("ownership", attached_options(parent, keep)),
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{label}-sse",
        # The resource's own args class (the name without "Init" is the legacy inline block;
        # importing the submodule directly breaks pulumi_aws's lazy loading of aws.s3).
        aws.s3.bucket_server_side_encryption_configuration.BucketServerSideEncryptionConfigurationInitArgs(
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    bucket_key_enabled=bucket_key or None,
                )
            ],
        ),
        opts=opts("sse", attached_options(parent, keep)),
    )
    return PrivateBucket(bucket, block, ownership, encryption)
