"""AppStorage: the private bucket for user uploads and the app's own secret.

Creates:
1. an S3 bucket (deterministic name `<project>-<stack>-uploads-<account id>`: bucket names are
   global, the account id keeps two accounts' stacks apart) that is private in every way: a
   public access block with all four switches on, object ownership `BucketOwnerEnforced` (ACLs
   off), default encryption SSE-S3 (AES256, with a bucket key), and a bucket policy that denies
   every request not made over TLS;
2. with `deletion_protection`: versioning, and a lifecycle rule that expires noncurrent versions
   after `noncurrent_version_days`; Pulumi `protect` on the bucket and no `force_destroy`, so
   `pulumi destroy` keeps it (AWS also refuses to delete a bucket that is not empty); its
   settings (public access block, ownership, encryption, policy, versioning, lifecycle) are
   protected too, so `pulumi destroy --exclude-protected` keeps them with it. Without it:
   no versioning and `force_destroy`, so a lab's `pulumi destroy` empties and removes the bucket;
3. in both: a lifecycle rule that aborts incomplete multipart uploads after 7 days;
4. the app's secret (APP_SECRET_KEY: session signing), a 64-character random string from
   `pulumi_random` stored as a plain string (not JSON) so ECS `secrets` can inject it without a
   JSON-key selector: with `app_secret_store` "parameterStore" a SecureString standard parameter
   named `app_secret_parameter`, with "secretsManager" a Secrets Manager secret
   (components/kit/secrets.py). It never appears in plaintext: the value is a Pulumi secret in
   state.

The services' IAM uses `bucket_arn` (s3:GetObject/PutObject/DeleteObject on `bucket_arn/*`) and
`app_secret_arn` (in the execution role: ssm:GetParameters or secretsmanager:GetSecretValue on
exactly that ARN, components/compute/fargate_service.py picks the action from the ARN).

Inputs (AppStorageArgs, defaults in brackets): bucket_name, deletion_protection [False],
noncurrent_version_days [30], secret_recovery_window_days [0], app_secret_store
["secretsManager"], app_secret_parameter [""; required with "parameterStore"].

Cost (prices/prices.yaml): S3 Standard `s3.standard.gb_month` plus requests (an empty
bucket is free; with versioning, noncurrent versions are billed until they expire); the app
secret `secretsmanager.secret.month` in Secrets Manager, `ssm.parameter.standard.month` as a
standard parameter (appSecretStore).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.config.values import AppSecretStore
from components.kit.buckets import PrivateBucket, attached_options, private_bucket
from components.kit.component import Component, ComponentArgs
from components.kit.links import Link
from components.kit.secrets import generated_parameter, generated_secret
from components.kit.security import deny_insecure_transport

APP_SECRET_LENGTH = 64
UPLOADS_PREFIX = "uploads/"


@dataclass(frozen=True)
class AppStorageArgs(ComponentArgs):
    bucket_name: str
    """Required: the uploads bucket's name, `<project>-<stack>-uploads-<account id>` (bucket
    names are global)."""
    deletion_protection: bool = False
    """Keep the bucket and its settings on `pulumi destroy` (Pulumi `protect`, no
    `force_destroy`) and turn on versioning; off: `destroy` empties and removes it. Cost:
    noncurrent versions are billed (`s3.standard.gb_month`) until they expire."""
    noncurrent_version_days: int = 30
    """With `deletion_protection`: days a replaced or deleted object's old version is kept
    before it expires."""
    secret_recovery_window_days: int = 0
    """Days Secrets Manager keeps the app secret after `destroy` before deleting it (0: at once;
    otherwise AWS accepts 7-30). Parameter Store has no recovery window."""
    app_secret_store: AppSecretStore = "secretsManager"
    """Where the app secret lives: "secretsManager" (`secretsmanager.secret.month`) or
    "parameterStore" (a SecureString standard parameter, `ssm.parameter.standard.month`)."""
    app_secret_parameter: str = ""
    """With "parameterStore": the parameter's name, `/<project>/<stack>/app-secret-key` (the
    path the permissions boundary and the CI deploy role allow)."""

    def __post_init__(self) -> None:
        if self.app_secret_store == "parameterStore" and not self.app_secret_parameter.startswith(
            "/"
        ):
            raise ValueError(
                "AppStorageArgs: app_secret_store 'parameterStore' needs app_secret_parameter, "
                "a path such as /<project>/<stack>/app-secret-key "
                f"(got {self.app_secret_parameter!r})"
            )


class AppStorage(Component):
    """Private uploads bucket and the app's session secret."""

    bucket: aws.s3.Bucket
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    public_access_block: aws.s3.BucketPublicAccessBlock
    bucket_policy: aws.s3.BucketPolicy
    versioning: aws.s3.BucketVersioning | None
    lifecycle: aws.s3.BucketLifecycleConfiguration
    app_secret_value: random.RandomPassword
    app_secret: aws.secretsmanager.Secret | aws.ssm.Parameter
    app_secret_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AppStorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:data:AppStorage", name, args.transform, opts)
        self.args = args
        made = self._create_bucket()
        self.bucket = made.bucket
        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn
        self.public_access_block = made.public_access_block
        self.bucket_policy = self._create_tls_only_policy()
        self.versioning = self._create_versioning() if args.deletion_protection else None
        self.lifecycle = self._create_lifecycle()
        self.app_secret_value, self.app_secret = self._create_app_secret()
        self.app_secret_arn = self.app_secret.arn
        self._finish(
            {
                "bucketName": self.bucket_name,
                "bucketArn": self.bucket_arn,
                "appSecretArn": self.app_secret_arn,
            }
        )

    def exports(self) -> dict[str, object]:
        """Its stack outputs: the uploads bucket and the ARN of the app's secret."""
        return {"uploadsBucketName": self.bucket_name, "appSecretArn": self.app_secret_arn}

    def link(self, region: str, prefix: str = UPLOADS_PREFIX) -> Link:
        """What a workload that uses the storage gets: the bucket's name, the app's secret key
        as a container secret, and the task role's right to objects under `prefix` only."""
        bucket = self.bucket_arn
        return Link(
            environment={"AWS_REGION": region, "UPLOADS_BUCKET": self.bucket_name},
            secrets={"APP_SECRET_KEY": self.app_secret_arn},
            secret_arns=[self.app_secret_arn],
            task_statements=[
                bucket.apply(
                    lambda arn: {
                        "Sid": "AppObjects",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                        "Resource": f"{arn}/{prefix}*",
                    }
                ),
                bucket.apply(
                    lambda arn: {
                        "Sid": "ListAppPrefix",
                        "Effect": "Allow",
                        "Action": "s3:ListBucket",
                        "Resource": arn,
                        "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
                    }
                ),
            ],
        )

    def _bucket_child(
        self, depends_on: Sequence[pulumi.Resource] | None = None
    ) -> pulumi.ResourceOptions:
        """The bucket's settings are kept with it (kit/buckets.py: one rule for "keep")."""
        return attached_options(self, self.args.deletion_protection, depends_on)

    # -- steps ---------------------------------------------------------------------------------

    def _create_bucket(self) -> PrivateBucket:
        # Until the one bucket builder, every child of the uploads bucket was named
        # `<name>-uploads`: the aliases keep them the same resources.
        old = f"{self._name}-uploads"
        return private_bucket(
            self,
            f"{self._name}-uploads",
            self.args.bucket_name,
            keep=self.args.deletion_protection,
            bucket_key=True,
            aliases={"no-public": old, "ownership": old, "sse": old},
        )

    def _create_tls_only_policy(self) -> aws.s3.BucketPolicy:
        policy = self.bucket.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [deny_insecure_transport(arn)],
                }
            )
        )
        # After the public access block: a policy put before it could race with the block.
        return aws.s3.BucketPolicy(
            f"{self._name}-uploads",
            aws.s3.BucketPolicyArgs(bucket=self.bucket.id, policy=policy),
            opts=self._bucket_child(depends_on=[self.public_access_block]),
        )

    def _create_versioning(self) -> aws.s3.BucketVersioning:
        return aws.s3.BucketVersioning(
            f"{self._name}-uploads",
            aws.s3.bucket_versioning.BucketVersioningInitArgs(
                bucket=self.bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"
                ),
            ),
            opts=self._bucket_child(),
        )

    def _create_lifecycle(self) -> aws.s3.BucketLifecycleConfiguration:
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            )
        ]
        if self.versioning is not None:
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=self.args.noncurrent_version_days
                    ),
                )
            )
        depends = [self.versioning] if self.versioning is not None else []
        return aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-uploads",
            aws.s3.BucketLifecycleConfigurationArgs(bucket=self.bucket.id, rules=rules),
            opts=self._bucket_child(depends_on=depends),
        )

    def _create_app_secret(
        self,
    ) -> tuple[random.RandomPassword, aws.secretsmanager.Secret | aws.ssm.Parameter]:
        if self.args.app_secret_store == "parameterStore":
            return generated_parameter(
                f"{self._name}-app-secret",
                self.args.app_secret_parameter,
                password=random.RandomPasswordArgs(length=APP_SECRET_LENGTH, special=False),
                description="App session signing key (ECS injects APP_SECRET_KEY)",
                opts=self._child(),
            )
        return generated_secret(
            f"{self._name}-app-secret",
            password=random.RandomPasswordArgs(length=APP_SECRET_LENGTH, special=False),
            description="App session signing key (plain string; ECS injects APP_SECRET_KEY)",
            recovery_window_days=self.args.secret_recovery_window_days,
            opts=self._child(),
        )
