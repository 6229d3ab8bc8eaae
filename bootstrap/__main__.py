"""Bootstrap program: the S3 state bucket and KMS secrets key of the project's Pulumi backend.

Wiring only; the resources are in state_backend.py. Run once per AWS account, from bootstrap/,
with a local backend (this program cannot keep its own state in the bucket it creates):

    cd bootstrap
    export PULUMI_BACKEND_URL="file://$HOME/.pulumi-bootstrap" PULUMI_CONFIG_PASSPHRASE=""
    pulumi stack init state && pulumi up --stack state
    pulumi stack output --stack state loginCommand

This program reads its own config (namespace `fullstack-state`); the main program's settings
module is not involved.
"""

import pulumi
import pulumi_aws as aws
from state_backend import StateBackend, StateBackendArgs, check_key_alias

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
app_project = config.get("appProject") or "fullstack"
key_alias = check_key_alias(config.get("secretsKeyAlias") or f"alias/{app_project}-pulumi-secrets")
# names are checked before the account lookup: a bad value fails without calling AWS
bucket_name = config.get("stateBucketName") or (
    f"{app_project}-pulumi-state-{aws.get_caller_identity().account_id}-{region}"
)

backend = StateBackend(
    "backend",
    StateBackendArgs(
        bucket_name=bucket_name,
        key_alias=key_alias,
        region=region,
        noncurrent_version_days=config.get_int("noncurrentVersionDays") or 90,
    ),
)

pulumi.export("stateBucket", backend.bucket.bucket)
pulumi.export("backendUrl", backend.backend_url)
pulumi.export("loginCommand", pulumi.Output.concat("pulumi login '", backend.backend_url, "'"))
pulumi.export("secretsProvider", backend.secrets_provider)
pulumi.export("secretsKeyArn", backend.key.arn)
pulumi.export(
    "stackInitCommand",
    f"pulumi stack init <stack> --secrets-provider '{backend.secrets_provider}'",
)
