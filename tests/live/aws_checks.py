"""The live check's AWS side: a test user in the stack's user pool, and the migration's record.

- `TestUser.create` makes a user in the pool (AdminCreateUser with the email verified and no
  invitation mail, then AdminSetUserPassword as permanent, so no "new password" challenge), and
  `sign_in` gets an access token the way the web does (InitiateAuth, USER_PASSWORD_AUTH, the app
  client has no secret). Its `sub` is the author the API records. `delete` removes it (a kept
  stack keeps no test users).
- `migration_record` reads the MigrationRun step (components/release_steps.py) from the stack's
  state (`pulumi stack export`): the task it ran and its exit code. `check_migration` then asks
  ECS about that task (DescribeTasks: STOPPED, the step's task definition revision, the
  migration container's exit code 0). ECS shows a stopped task for at least an hour after it
  stops, so the check runs right after `up`.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stackctl.users import create_user
from tests.live.http_checks import CheckFailedError

MIGRATION_RUN = "pulumi-python:dynamic/fullstack:MigrationRun"


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a pytest test class

    pool_id: str
    client_id: str
    email: str
    password: str
    sub: str

    @classmethod
    def create(cls, cognito: Any, pool_id: str, client_id: str) -> TestUser:
        email = f"live-check+{secrets.token_hex(6)}@example.com"
        # The pool's policy: 12+ characters, lower, upper, digit (user_pool.py); a symbol too, so
        # that it also meets Cognito's default policy.
        password = "".join(secrets.choice(string.ascii_letters) for _ in range(20)) + "Aa1!"
        try:  # the same steps as `stackctl user add`
            created = {"User": create_user(cognito, pool_id, email, password)}
        except cognito.exceptions.ClientError as error:
            raise CheckFailedError(
                f"creating a test user in the user pool {pool_id}: {error}"
            ) from None
        attributes = {a["Name"]: a["Value"] for a in created["User"].get("Attributes", [])}
        if "sub" not in attributes:
            raise CheckFailedError(f"the test user in {pool_id} has no sub: {attributes}")
        return cls(pool_id, client_id, email, password, attributes["sub"])

    def sign_in(self, cognito: Any) -> str:
        """The access token (USER_PASSWORD_AUTH); a challenge instead of tokens is a failure."""
        try:
            answer = cognito.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": self.email, "PASSWORD": self.password},
            )
        except cognito.exceptions.ClientError as error:
            raise CheckFailedError(
                f"signing in to the app client {self.client_id} with USER_PASSWORD_AUTH: {error}"
            ) from None
        result = answer.get("AuthenticationResult") or {}
        if "AccessToken" not in result:
            raise CheckFailedError(
                f"signing in to the app client {self.client_id}: Cognito asked for "
                f"{answer.get('ChallengeName', 'something else')} instead of issuing tokens"
            )
        return str(result["AccessToken"])

    def delete(self, cognito: Any) -> None:
        cognito.admin_delete_user(UserPoolId=self.pool_id, Username=self.email)


@dataclass(frozen=True)
class MigrationRecord:
    account: Mapping[str, Any]
    cluster: str
    task_definition: str
    container_name: str
    task_arn: str
    exit_code: int | None


def migration_record(deployment: Mapping[str, Any] | None) -> MigrationRecord:
    """The MigrationRun step of the state (`pulumi stack export`'s `deployment`)."""
    resources = (deployment or {}).get("resources") or []
    runs = [r for r in resources if r.get("type") == MIGRATION_RUN]
    if len(runs) != 1:
        raise CheckFailedError(
            f"the stack's state holds {len(runs)} {MIGRATION_RUN} resources, expected 1: "
            "`pulumi up` did not run the migration (are the services parked: no images?)"
        )
    outputs = runs[0].get("outputs") or {}
    missing = [k for k in ("cluster", "taskDefinition", "containerName") if not outputs.get(k)]
    if missing or not outputs.get("taskArn"):
        raise CheckFailedError(
            f"the migration step {runs[0].get('urn')} recorded no task "
            f"(taskArn {outputs.get('taskArn')!r}; missing {missing})"
        )
    code = outputs.get("exitCode")
    return MigrationRecord(
        account=outputs.get("account") or {},
        cluster=str(outputs["cluster"]),
        task_definition=str(outputs["taskDefinition"]),
        container_name=str(outputs["containerName"]),
        task_arn=str(outputs["taskArn"]),
        exit_code=None if code is None else int(code),
    )


def check_migration(ecs: Any, record: MigrationRecord) -> None:
    """The recorded task, as ECS reports it: stopped, the step's revision, exit code 0."""
    where = f"the migration task {record.task_arn} (cluster {record.cluster})"
    if record.exit_code != 0:
        raise CheckFailedError(f"{where}: the state records exit code {record.exit_code}")
    answer = ecs.describe_tasks(cluster=record.cluster, tasks=[record.task_arn])
    if answer.get("failures") or len(answer.get("tasks") or []) != 1:
        reasons = ", ".join(f"{f.get('arn')}: {f.get('reason')}" for f in answer["failures"])
        reasons = reasons or "no such task"
        raise CheckFailedError(
            f"{where}: ECS does not know it ({reasons}); it keeps a stopped task for about an "
            "hour, so run the check right after `up`"
        )
    (task,) = answer["tasks"]
    if task.get("lastStatus") != "STOPPED":
        raise CheckFailedError(f"{where}: lastStatus {task.get('lastStatus')}, not STOPPED")
    if task.get("taskDefinitionArn") != record.task_definition:
        raise CheckFailedError(
            f"{where}: ran {task.get('taskDefinitionArn')}, but the stack's migration task "
            f"definition is {record.task_definition}"
        )
    containers = [c for c in task.get("containers", []) if c.get("name") == record.container_name]
    if not containers or containers[0].get("exitCode") != 0:
        code = containers[0].get("exitCode") if containers else "no such container"
        raise CheckFailedError(
            f"{where}: container {record.container_name} exit code {code} "
            f"(stopped: {task.get('stoppedReason')})"
        )
