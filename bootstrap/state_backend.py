"""StateBackend: where the project's Pulumi state and stack secrets live (self-managed backend).

Creates:
1. a KMS key (symmetric, automatic yearly rotation, 30-day deletion window) and an alias for it:
   the `awskms://alias/<name>?region=<region>` secrets provider of every stack;
2. an S3 bucket for `pulumi login s3://<bucket>`: no `force_destroy`;
3. versioning (every state write keeps the previous file: a bad `pulumi up` can be undone by
   restoring a version);
4. default encryption SSE-S3 (AES256) with a bucket key;
5. the public access block, all four settings on;
6. ownership controls `BucketOwnerEnforced` (ACLs off);
7. a bucket policy that denies every request not made over TLS;
8. a lifecycle rule: noncurrent versions expire after `noncurrent_version_days` (the newest
   10 are always kept), incomplete multipart uploads after 7 days, and expired delete markers
   are removed.

Every resource is `protect`ed and `retain_on_delete`: `pulumi destroy` of the bootstrap stack
refuses, and even after unprotecting, deleting the stack leaves the bucket, its settings and the
key in the account (their deletion is a deliberate manual step, see the README).

Why SSE-S3 and not SSE-KMS with the same key: the CI preview role writes lock files and has only
`kms:Decrypt` on the secrets key (components/security/ci_identity.py); SSE-KMS would need
`kms:GenerateDataKey` for every writer. Secret values in the state are already encrypted with
the KMS key by the secrets provider; SSE-S3 encrypts the rest at rest at no cost.

Inputs (StateBackendArgs, defaults in brackets): bucket_name, key_alias (`alias/...`), region,
noncurrent_version_days [90], keep_noncurrent_versions [10].

Cost (prices/prices.yaml): the KMS key, `kms.key.month` (plus its requests: a few cents); S3
Standard storage, `s3.standard.gb_month`: state files are kilobytes, so cents a month with 90
days of versions. The key is nearly all of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

KEY_ALIAS_PREFIX = "alias/"


@dataclass(frozen=True)
class StateBackendArgs:
    bucket_name: str
    key_alias: str
    region: str
    noncurrent_version_days: int = 90
    keep_noncurrent_versions: int = 10

    def __post_init__(self) -> None:
        check_key_alias(self.key_alias)
        if not 3 <= len(self.bucket_name) <= 63:
            raise ValueError(f"bucket_name {self.bucket_name!r} must be 3 to 63 characters")
        if self.noncurrent_version_days < 1:
            raise ValueError(
                f"noncurrent_version_days must be 1 or more, not {self.noncurrent_version_days}"
            )


def check_key_alias(key_alias: str) -> str:
    """A customer alias: `alias/<name>`, never an AWS-managed `alias/aws/...`."""
    if not key_alias.startswith(KEY_ALIAS_PREFIX) or key_alias.startswith("alias/aws/"):
        raise ValueError(f"key_alias {key_alias!r} must start with 'alias/' and not 'alias/aws/'")
    return key_alias


class StateBackend(pulumi.ComponentResource):
    """The S3 state bucket and KMS secrets key of a self-managed Pulumi backend."""

    key: aws.kms.Key
    alias: aws.kms.Alias
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning
    public_access_block: aws.s3.BucketPublicAccessBlock
    bucket_policy: aws.s3.BucketPolicy
    lifecycle: aws.s3.BucketLifecycleConfiguration

    def __init__(
        self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:bootstrap:StateBackend", name, None, opts)
        self._name = name
        self.args = args
        self.key, self.alias = self._create_secrets_key()
        self.bucket = self._create_bucket()
        self.versioning = self._create_versioning()
        self._create_encryption_and_ownership()
        self.public_access_block = self._create_public_access_block()
        self.bucket_policy = self._create_tls_only_policy()
        self.lifecycle = self._create_lifecycle()
        self.register_outputs(
            {
                "bucketName": self.bucket.bucket,
                "backendUrl": self.backend_url,
                "secretsProvider": self.secrets_provider,
                "secretsKeyArn": self.key.arn,
            }
        )

    # -- what users copy -----------------------------------------------------------------------

    @property
    def backend_url(self) -> pulumi.Output[str]:
        """`pulumi login <this>`."""
        return pulumi.Output.concat("s3://", self.bucket.bucket, "?region=", self.args.region)

    @property
    def secrets_provider(self) -> str:
        """`pulumi stack init --secrets-provider <this>`."""
        return f"awskms://{self.args.key_alias}?region={self.args.region}"

    # -- steps ---------------------------------------------------------------------------------

    def _keep(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Protected and retained: losing the state backend loses track of every stack."""
        return pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True, **kwargs)

    def _create_secrets_key(self) -> tuple[aws.kms.Key, aws.kms.Alias]:
        key = aws.kms.Key(
            f"{self._name}-secrets",
            aws.kms.KeyArgs(
                description="Pulumi stack secrets (awskms:// secrets provider)",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=30,
            ),
            opts=self._keep(),
        )
        alias = aws.kms.Alias(
            f"{self._name}-secrets",
            aws.kms.AliasArgs(name=self.args.key_alias, target_key_id=key.arn),
            opts=self._keep(),
        )
        return key, alias

    def _create_bucket(self) -> aws.s3.Bucket:
        return aws.s3.Bucket(
            f"{self._name}-state",
            aws.s3.BucketArgs(bucket=self.args.bucket_name, force_destroy=False),
            opts=self._keep(),
        )

    def _create_versioning(self) -> aws.s3.BucketVersioning:
        return aws.s3.BucketVersioning(
            f"{self._name}-state",
            aws.s3.bucket_versioning.BucketVersioningInitArgs(
                bucket=self.bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"
                ),
            ),
            opts=self._keep(),
        )

    def _create_encryption_and_ownership(self) -> None:
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{self._name}-state",
            # `...InitArgs`: `aws.s3.BucketServerSideEncryptionConfigurationArgs` is the legacy
            # inline block of the same name.
            aws.s3.bucket_server_side_encryption_configuration.BucketServerSideEncryptionConfigurationInitArgs(
                bucket=self.bucket.id,
                rules=[
                    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="AES256"
                        ),
                        bucket_key_enabled=True,
                    )
                ],
            ),
            opts=self._keep(),
        )
        aws.s3.BucketOwnershipControls(
            f"{self._name}-state",
            aws.s3.BucketOwnershipControlsArgs(
                bucket=self.bucket.id,
                rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            ),
            opts=self._keep(),
        )

    def _create_public_access_block(self) -> aws.s3.BucketPublicAccessBlock:
        return aws.s3.BucketPublicAccessBlock(
            f"{self._name}-state",
            aws.s3.BucketPublicAccessBlockArgs(
                bucket=self.bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            opts=self._keep(),
        )

    def _create_tls_only_policy(self) -> aws.s3.BucketPolicy:
        policy = self.bucket.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn, f"{arn}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            )
        )
        return aws.s3.BucketPolicy(
            f"{self._name}-state",
            aws.s3.BucketPolicyArgs(bucket=self.bucket.id, policy=policy),
            # after the public access block: S3 rejects concurrent bucket-level changes
            opts=self._keep(depends_on=[self.public_access_block]),
        )

    def _create_lifecycle(self) -> aws.s3.BucketLifecycleConfiguration:
        everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-state-versions",
                status="Enabled",
                filter=everything,
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=self.args.noncurrent_version_days,
                    newer_noncurrent_versions=self.args.keep_noncurrent_versions,
                ),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    expired_object_delete_marker=True
                ),
            ),
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-uploads",
                status="Enabled",
                filter=everything,
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            ),
        ]
        return aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-state",
            aws.s3.BucketLifecycleConfigurationArgs(bucket=self.bucket.id, rules=rules),
            # S3 rejects noncurrent-version rules on a bucket whose versioning is not yet on
            opts=self._keep(depends_on=[self.versioning]),
        )
