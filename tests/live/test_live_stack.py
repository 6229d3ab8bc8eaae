"""The live check: deploy a throwaway stack to your AWS account, use it through CloudFront as a
visitor would, check the migration ran, destroy it. Runs only with `--live`
(tests/live/conftest.py); docs/live-check.md says what it costs and what to do when it fails.

Auth is cognito (tests/live/stack_config.py): the check creates a test user in the stack's pool,
signs in like the web does and writes with the access token, so the token check, the edge's
forwarding of the Authorization header and the refusal of anonymous writes are all exercised.
`--live-set auth=open` checks an open stack instead (anonymous writes).
"""

from __future__ import annotations

import sys

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from components.kit.release_aws import AccountClients
from tests.live.aws_checks import TestUser, check_migration, migration_record
from tests.live.http_checks import (
    Backoff,
    Waiter,
    check_api_health,
    check_site,
    note_round_trip,
)
from tests.live.live_stack import deployed, missing_tools
from tests.live.stack_config import default_stack_name, derive

pytestmark = pytest.mark.live


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def aws_identity() -> str | None:
    """The caller's ARN, or None without usable AWS credentials."""
    try:
        return str(boto3.client("sts").get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError):
        return None


def test_the_stack_deploys_serves_the_site_and_round_trips_a_note(
    request: pytest.FixtureRequest,
) -> None:
    option = request.config.getoption
    if not option("live", default=False):
        pytest.skip("the live check runs only with --live (it deploys to AWS)")
    missing = missing_tools()
    if missing:
        pytest.skip(f"the live check needs {' and '.join(missing)} on the PATH")
    caller = aws_identity()
    if caller is None:
        pytest.skip("no usable AWS credentials (sts:GetCallerIdentity failed)")
    config = derive(
        option("live_stack") or default_stack_name(),
        source=option("live_source"),
        overrides=option("live_set"),
    )
    say(f"live check as {caller}: stack {config.stack}")
    # A new distribution and tasks take minutes to answer; Aurora at 0 ACU resumes in seconds.
    waiter = Waiter(backoff=Backoff(first=5.0, cap=30.0, budget=900.0), log=say)
    with deployed(
        config,
        keep=option("live_keep"),
        log=lambda line: say(line.rstrip()),
        secrets_provider=option("live_secrets_provider"),
    ) as stack:
        site = str(stack.outputs["siteUrl"])
        say(f"checking {site}")
        record = migration_record(stack.deployment)
        aws = AccountClients(record.account)  # the stack's account, role and region
        check_migration(aws("ecs"), record)
        check_site(site, waiter)
        check_api_health(site, waiter)
        if config.value("auth") == "cognito":
            cognito = aws("cognito-idp")
            user = TestUser.create(
                cognito, str(stack.outputs["userPoolId"]), str(stack.outputs["userPoolClientId"])
            )
            try:
                token = user.sign_in(cognito)
                note_round_trip(site, waiter, access_token=token, author_id=user.sub)
            finally:
                user.delete(cognito)
        else:
            note_round_trip(site, waiter, access_token=None)
