"""Release steps of `pulumi up`: publish the web's static files, run the migration.

Two Pulumi dynamic resources, so that `pulumi up` alone does what a release needs, in order:

1. `StaticFiles` (type `pulumi-python:dynamic/fullstack:StaticFiles`): pulls the web image (for
   the tasks' platform), copies its Next.js build output (`/app/.next/static`) out of a created,
   never started container, and uploads every file to the static bucket under `_next/static/`,
   with `Cache-Control: public, max-age=31536000, immutable`. The keys are the build's own: Next.js
   puts a content hash (or the build id) in every path under `.next/static`, so a key never
   changes meaning. Nothing is ever deleted: pages rendered by tasks of the previous image keep
   asking for the previous files while a rolling deployment runs (no lifecycle rule either: an
   expiry counts from each object's creation, aws-facts#s3-expiration, and would remove files a
   long-lived build still serves).
2. `MigrationRun` (type `pulumi-python:dynamic/fullstack:MigrationRun`): wakes the stack's NAT
   instance when it sleeps (`natInstanceIds`: StartInstances, then waits until its status checks
   pass, so the task can pull its image at any hour; it goes back to sleep at the schedule's next
   stop), then runs the migration task definition once with RunTask (components/kit/task_run.py, the
   same code as `stackctl migrate`) on on-demand Fargate, waits until it is STOPPED and fails the
   `up` with the container's exit code and its last log lines when it did not exit 0.

Both run again exactly when their trigger changes: StaticFiles when the web image reference
(content tag or digest) changes, MigrationRun when the migration task definition's ARN (its
revision: a new api image or command) changes. `check` and `diff` are pure (no AWS call, no
Docker): the engine calls only those during a preview (aws-facts#dynamic-provider-preview), so
`pulumi preview` runs nothing. `delete` does nothing: a migration cannot be undone by deleting
its record, and old static files stay.

Which account: each step's input `account` (components/kit/release_aws.py) names the region, the
profile, the shared files, the roles to assume and the allowed/forbidden account ids, the same
`aws:` configuration the AWS provider gets; the step checks the account (sts:GetCallerIdentity)
before any other call. Every failure is a ReleaseStepError of one line saying how to retry.
Docker: the CLI on the PATH; the ECR login goes to a temporary Docker config directory
(aws-facts#ecr-login), never the user's.

Why dynamic providers, and the contract that comes with them (decided for issue 19):
- The alternative, pulumi-command's `local.Command` running `stackctl migrate`, adds a provider
  plugin to download and a CLI whose arguments and exit codes become the interface; a dynamic
  provider runs this module's Python with the project's venv, is tested the way the engine
  drives it (tests/compute/test_release_steps_engine.py) and needs no plugin. We keep it.
- The price: `pulumi.dynamic.Resource` stores its provider in the state with
  `dill.dumps(provider, recurse=True)` (pulumi/dynamic/dynamic.py, serialize_provider); a class
  of an importable module is stored by reference, `components.release_steps.MigrationRunProvider`
  and `components.release_steps.StaticFilesProvider`, and the provider process
  (`python -m pulumi.dynamic`, pulumi/dynamic/__main__.py, get_provider) imports that module with
  `dill.loads` before any update or delete (aws-facts#dynamic-provider-pickle). So these two
  names must stay importable from this module forever: a later move of the code leaves a
  re-export here (tests/compute/test_release_steps_contract.py pins it). The state holds the
  provider of the last `up`; the engine uses the new program's provider for create, update and
  diff, the stored one only when the new inputs do not carry one (delete, a preview's unknowns).
- What the engine sees: a code change alone never shows as a diff (only the triggers do); the
  step's record is its inputs plus `exitCode`/`taskArn` (`fileCount`); `refresh` reads nothing
  from AWS (the default `read` returns the state as it is), so a migration run by hand is not
  noticed, and `pulumi up --replace <urn of migrate-run>` runs it again.

Cost: the dynamic resources cost nothing; the migration task runs for its seconds of on-demand
Fargate, the uploads are S3 PUT requests (fractions of a cent per 1,000) and the bytes stored
(kept files add up: a build's static files are a few MB); a night deploy runs the NAT instance
until the next scheduled stop (`ec2.t4g.nano.hour`).
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.kit.release_aws import AccountClients, ReleaseStepError, translated
from components.kit.task_run import OneOffTask, Runtime, TaskRunError, run_to_completion

__all__ = [
    "MigrationRun",
    "MigrationRunProvider",  # stored by reference in every stack's state: never move or rename
    "ReleaseGate",
    "ReleaseStepError",
    "StaticFiles",
    "StaticFilesProvider",  # stored by reference in every stack's state: never move or rename
]

IMMUTABLE = "public, max-age=31536000, immutable"
WEB_STATIC_PATH = "/app/.next/static"  # app/web/Dockerfile: the standalone output under /app
STATIC_KEY_PREFIX = "_next/static/"  # CloudFront serves /_next/static/* from the static bucket
MIGRATION_STARTED_BY = "pulumi-up-migrate"
MIGRATION_TRIGGERS = ("taskDefinition", "cluster", "region")
STATIC_TRIGGERS = ("image", "bucket", "keyPrefix", "region", "platform")
# One-off release tasks run on on-demand Fargate, whatever the services use: a Spot interruption
# or shortage would fail the `up` (issue 19). A strategy, not a launch type, so that the run
# needs the cluster's capacity provider association, which it waits for (its dependencies).
ON_DEMAND: tuple[dict[str, Any], ...] = ({"capacityProvider": "FARGATE", "weight": 1, "base": 0},)
# A woken NAT instance: StartInstances, then DescribeInstanceStatus until its checks pass
# (the masquerade unit is up by then), 15 s apart, at most 10 minutes.
NAT_WAKE_WAIT = {"Delay": 15, "MaxAttempts": 40}

# Injected by tests; None means AccountClients (boto3 for the step's `account`) and docker.
ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client
CommandRunner = Callable[..., "subprocess.CompletedProcess[str]"]


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    return [key for key in keys if olds.get(key) != news.get(key)]


def _clients(injected: ClientFactory | None, props: Mapping[str, Any]) -> ClientFactory:
    """The injected factory, or clients of the step's `account`, checked before anything else."""
    if injected is not None:
        return injected
    clients = AccountClients(props.get("account") or {"region": props["region"]})
    clients.session()  # sts:GetCallerIdentity against allowed/forbidden ids, first
    return clients


# -- the gate the services wait behind ---------------------------------------------------------


class ReleaseGateNotOpened(Exception):  # noqa: N818 (what the services' registration reports)
    """The program ended without opening the release gate: no service may roll out."""


class ReleaseGate:
    """What the ECS services wait for: the release steps, which exist only after the services
    (the migration task reuses the api's roles, security group and log group).

    `steps` goes into each service's `depends_on`; `open(steps)` resolves it. Should the program
    raise (or end) before `open`, the gate fails instead: once the program's code is over (the
    frame that made the gate is no longer running) and the gate is still shut, `steps` resolves
    to an error, so every service waiting behind it fails to register (nothing is sent to the
    engine for it) and `pulumi up` prints the program's error. The SDK waits for every
    registration already under way before it re-raises (aws-facts#sdk-error-waits): a gate
    that opened empty would let the engine roll the services out without the migration.
    """

    def __init__(self) -> None:
        self.steps, self._resolve = pulumi.deferred_output()  # type: ignore[var-annotated]
        self._opened = False
        self._maker: FrameType | None = sys._getframe(1)
        asyncio.get_event_loop().call_soon(self._fail_if_abandoned)

    def open(self, steps: Sequence[pulumi.Resource]) -> None:
        if self._opened:
            raise ValueError("the release gate is already open")
        self._opened = True
        self._maker = None
        self._resolve(pulumi.Output.from_input(list(steps)))

    def _fail(self) -> None:
        self._opened = True
        self._maker = None
        cause = _program_error()
        said = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
        error = ReleaseGateNotOpened(
            f"the program stopped before the release steps existed{said}; no ECS service was "
            "registered: fix the error and run `pulumi up` again"
        )
        error.__cause__ = cause
        loop = asyncio.get_event_loop()
        failed: asyncio.Future[Any] = loop.create_future()
        failed.set_exception(error)
        known: asyncio.Future[bool] = loop.create_future()
        known.set_result(True)
        self._resolve(pulumi.Output(set(), failed, known))

    def _fail_if_abandoned(self) -> None:
        if self._opened:
            return
        frame = sys._getframe()
        while frame is not None and frame is not self._maker:
            frame = frame.f_back  # type: ignore[assignment]
        if frame is None:  # the program is over without opening: fail the services' wait
            self._fail()
        else:  # the event loop runs inside the program (a synchronous invoke): look again later
            asyncio.get_event_loop().call_later(0.01, self._fail_if_abandoned)


def _program_error() -> BaseException | None:
    """The exception the program raised, if the SDK holds one: the first error of a failed
    registration replaces it in what `pulumi up` prints (pulumi/runtime/stack.py,
    wait_for_rpcs), so the gate's error carries it. Read from the suspended `run_pulumi_func`
    coroutine (its local `ex`); None when not found (another SDK version: the message says less)."""
    for task in asyncio.all_tasks(asyncio.get_event_loop()):
        awaited: Any = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None)
            if frame is not None and frame.f_code.co_name == "run_pulumi_func":
                found = frame.f_locals.get("ex")
                return found if isinstance(found, BaseException) else None
            awaited = getattr(awaited, "cr_await", None)
    return None


# -- the NAT instance, awake for the release --------------------------------------------------


def wake_nat(ec2: Any, instance_ids: Sequence[str], runtime: Runtime) -> list[str]:
    """Start the NAT instances that sleep (stopped or stopping) and wait until their status
    checks pass; the ones it started. Their route stays: it names the instance's network
    interface, which stays attached while the instance is stopped."""
    if not instance_ids:
        return []
    reservations = ec2.describe_instances(InstanceIds=list(instance_ids))["Reservations"]
    states = {
        instance["InstanceId"]: instance["State"]["Name"]
        for reservation in reservations
        for instance in reservation["Instances"]
    }
    stopping = [i for i, state in states.items() if state == "stopping"]
    asleep = [i for i, state in states.items() if state in ("stopped", "stopping")]
    if not asleep:
        return []
    runtime.say(f"The NAT instance {', '.join(asleep)} sleeps: starting it for the release")
    if stopping:
        ec2.get_waiter("instance_stopped").wait(InstanceIds=stopping, WaiterConfig=NAT_WAKE_WAIT)
    ec2.start_instances(InstanceIds=asleep)
    ec2.get_waiter("instance_status_ok").wait(InstanceIds=asleep, WaiterConfig=NAT_WAKE_WAIT)
    runtime.say("The NAT instance runs; it stops again at its schedule's next stop")
    return asleep


# -- migration --------------------------------------------------------------------------------


class MigrationRunProvider(ResourceProvider):
    """Runs the migration task on create and on update; check/diff stay offline."""

    def __init__(self, clients: ClientFactory | None = None, poll_seconds: float = 6.0) -> None:
        self.clients = clients
        self.poll_seconds = poll_seconds

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = _changed(olds, news, MIGRATION_TRIGGERS)
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"migration-{props['cluster']}", outs=self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._run(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # a migration stays applied

    def _run(self, props: dict[str, Any]) -> dict[str, Any]:
        clients = _clients(self.clients, props)
        region = str(props["region"])
        task = OneOffTask(
            cluster=str(props["cluster"]),
            task_definition=str(props["taskDefinition"]),
            container_name=str(props["containerName"]),
            subnets=list(props["subnets"]),
            security_groups=list(props["securityGroups"]),
            capacity_provider_strategy=list(props.get("capacityProviderStrategy") or ON_DEMAND),
            started_by=MIGRATION_STARTED_BY,
            log_group=props.get("logGroupName"),
        )
        runtime = Runtime(out=None, poll_seconds=self.poll_seconds)
        nat = [str(i) for i in props.get("natInstanceIds") or []]
        if nat:
            with translated(f"waking the NAT instance {', '.join(nat)} for the migration"):
                wake_nat(clients("ec2", region), nat, runtime)
        try:
            with translated(f"running the migration task {task.task_definition}"):
                outcome = run_to_completion(
                    task,
                    clients("ecs", region),
                    clients("logs", region),
                    runtime,
                    timeout_seconds=float(props.get("timeoutSeconds", 1800)),
                    log_lines=int(props.get("logLines", 30)),
                )
        except TaskRunError as error:
            raise ReleaseStepError(
                f"the migration could not be followed: {error}; run `pulumi up` again"
            ) from None
        if not outcome.succeeded:
            code = "no exit code" if outcome.exit_code is None else f"exit code {outcome.exit_code}"
            raise ReleaseStepError(
                f"the migration task failed ({code}); the services were not rolled out. Fix the "
                "cause and run `pulumi up` again (the migration runs again).\n"
                + "\n".join(runtime.said)
            )
        return {**props, "exitCode": outcome.exit_code, "taskArn": outcome.task_arn}


class MigrationRun(Resource, module="fullstack", name="MigrationRun"):
    """One run of the migration task per task definition revision, during `pulumi up`."""

    exit_code: pulumi.Output[int]
    task_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account: Mapping[str, Any],
        cluster: pulumi.Input[str],
        task_definition_arn: pulumi.Input[str],
        container_name: str,
        network_configuration: pulumi.Input[dict[str, Any]],
        log_group_name: pulumi.Input[str],
        nat_instance_ids: Sequence[pulumi.Input[str]] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        network = pulumi.Output.from_input(network_configuration)
        props: dict[str, Any] = {
            "account": dict(account),
            "region": account["region"],
            "cluster": cluster,
            "taskDefinition": task_definition_arn,
            "containerName": container_name,
            "subnets": network.apply(lambda n: n["awsvpcConfiguration"]["subnets"]),
            "securityGroups": network.apply(lambda n: n["awsvpcConfiguration"]["securityGroups"]),
            "capacityProviderStrategy": [dict(item) for item in ON_DEMAND],
            "logGroupName": log_group_name,
            "natInstanceIds": list(nat_instance_ids),
            "timeoutSeconds": 1800,
            "logLines": 30,
            "exitCode": None,
            "taskArn": None,
        }
        super().__init__(MigrationRunProvider(), name, props, opts)


# -- static files -----------------------------------------------------------------------------


def _docker(run: CommandRunner, *args: str, stdin: str | None = None) -> str:
    try:
        done = run(["docker", *args], input=stdin, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise ReleaseStepError(
            "the static files step needs the docker CLI on the PATH (Docker with buildx)"
        ) from error
    if done.returncode != 0:
        shown = " ".join(a for a in args if a != stdin)
        raise ReleaseStepError(
            f"`docker {shown}` exited {done.returncode}: {(done.stderr or '').strip()[-2000:]}"
        )
    return str(done.stdout).strip()


def extract_static_files(
    image: str,
    platform: str,
    source: str,
    destination: Path,
    *,
    ecr_token: Callable[[], tuple[str, str, str]] | None,
    run: CommandRunner,
) -> None:
    """Copy `source` out of `image` (for `platform`) into `destination`, without running it."""
    with tempfile.TemporaryDirectory(prefix="docker-config-") as config:
        if ecr_token is not None:
            user, password, endpoint = ecr_token()
            _docker(
                run, "--config", config, "login", "--username", user, "--password-stdin",
                endpoint, stdin=password,
            )  # fmt: skip
        _docker(run, "--config", config, "pull", "--quiet", "--platform", platform, image)
        container = _docker(run, "--config", config, "create", "--platform", platform, image)
        try:
            _docker(run, "--config", config, "cp", f"{container}:{source}", str(destination))
        finally:
            _docker(run, "--config", config, "rm", container)


def static_uploads(root: Path, key_prefix: str) -> list[tuple[Path, str, str]]:
    """(file, key, content type) for every file under `root`, keys in path order."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for file_name in sorted(files):
            path = Path(directory) / file_name
            key = key_prefix + path.relative_to(root).as_posix()
            content_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
            found.append((path, key, content_type))
    return found


class StaticFilesProvider(ResourceProvider):
    """Uploads the web image's static files on create and when the image changes."""

    def __init__(self, clients: ClientFactory | None = None, run: CommandRunner | None = None):
        self.clients = clients
        self.run = run

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = _changed(olds, news, STATIC_TRIGGERS)
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"static-{props['bucket']}", outs=self._publish(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._publish(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # old files stay: tasks of an older image may still ask for them

    def _publish(self, props: dict[str, Any]) -> dict[str, Any]:
        clients = _clients(self.clients, props)
        region = str(props["region"])
        image = str(props["image"])

        def ecr_token() -> tuple[str, str, str]:
            data = clients("ecr", region).get_authorization_token()["authorizationData"][0]
            user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
            return user, password, str(data["proxyEndpoint"])

        with (
            translated(f"publishing the static files of {image}"),
            tempfile.TemporaryDirectory(prefix="static-files-") as work,
        ):
            root = Path(work) / "static"
            extract_static_files(
                image,
                str(props["platform"]),
                str(props["sourcePath"]),
                root,
                ecr_token=ecr_token if ".dkr.ecr." in image.split("/", 1)[0] else None,
                run=self.run or subprocess.run,
            )
            uploads = static_uploads(root, str(props["keyPrefix"]))
            if not uploads:
                raise ReleaseStepError(
                    f"{image} has no files under {props['sourcePath']}: is it the web image?"
                )
            s3 = clients("s3", region)
            for path, key, content_type in uploads:
                s3.put_object(
                    Bucket=str(props["bucket"]),
                    Key=key,
                    Body=path.read_bytes(),
                    ContentType=content_type,
                    CacheControl=IMMUTABLE,
                )
        return {**props, "fileCount": len(uploads)}


class StaticFiles(Resource, module="fullstack", name="StaticFiles"):
    """The web image's static files in the static bucket, uploaded during `pulumi up`."""

    file_count: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        account: Mapping[str, Any],
        bucket: pulumi.Input[str],
        image: pulumi.Input[str],
        platform: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "account": dict(account),
            "region": account["region"],
            "bucket": bucket,
            "image": image,
            "platform": platform,
            "sourcePath": WEB_STATIC_PATH,
            "keyPrefix": STATIC_KEY_PREFIX,
            "fileCount": None,
        }
        super().__init__(StaticFilesProvider(), name, props, opts)
