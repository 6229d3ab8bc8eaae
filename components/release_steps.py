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
2. `MigrationRun` (type `pulumi-python:dynamic/fullstack:MigrationRun`): runs the migration task
   definition once with RunTask (components/kit/task_run.py, the same code as `stackctl migrate`),
   waits until it is STOPPED and fails the `up` with the container's exit code and its last log
   lines when it did not exit 0.

Both run again exactly when their trigger changes: StaticFiles when the web image reference
(content tag or digest) changes, MigrationRun when the migration task definition's ARN (its
revision: a new api image or command) changes. `check` and `diff` are pure (no AWS call, no
Docker): the engine calls only those during a preview (aws-facts#dynamic-provider-preview), so
`pulumi preview` runs nothing. `delete` does nothing: a migration cannot be undone by deleting
its record, and old static files stay.

Where they run: in the dynamic provider process the engine starts with the CLI's environment, so
boto3 finds the same AWS credentials as the AWS provider (the default chain: `AWS_PROFILE`, the
CI's OIDC variables) and uses the stack's region, an input. Docker: the CLI on the PATH; the
ECR login goes to a temporary Docker config directory (aws-facts#ecr-login), never the user's.

Cost: the dynamic resources cost nothing; the migration task runs for its seconds of Fargate,
the uploads are S3 PUT requests ($0.005 per 1,000) and the bytes stored (kept files add up: a
build's static files are a few MB).
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

from components.kit.task_run import OneOffTask, Runtime, TaskRunError, run_to_completion

IMMUTABLE = "public, max-age=31536000, immutable"
WEB_STATIC_PATH = "/app/.next/static"  # app/web/Dockerfile: the standalone output under /app
STATIC_KEY_PREFIX = "_next/static/"  # CloudFront serves /_next/static/* from the static bucket
MIGRATION_STARTED_BY = "pulumi-up-migrate"
MIGRATION_TRIGGERS = ("taskDefinition", "cluster", "region")
STATIC_TRIGGERS = ("image", "bucket", "keyPrefix", "region", "platform")

# Injected by tests; None means boto3 and the docker CLI.
ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client
CommandRunner = Callable[..., "subprocess.CompletedProcess[str]"]


def _boto3_client(service: str, region: str) -> Any:
    import boto3  # only when a step runs: the program itself never needs boto3

    return boto3.session.Session(region_name=region).client(service, region_name=region)  # type: ignore[call-overload]


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Sequence[str]) -> list[str]:
    return [key for key in keys if olds.get(key) != news.get(key)]


class ReleaseStepError(Exception):
    """A release step failed; the message is what `pulumi up` prints."""


# -- the gate the services wait behind ---------------------------------------------------------


class ReleaseGate:
    """What the ECS services wait for: the release steps, which exist only after the services
    (the migration task reuses the api's roles, security group and log group).

    `steps` goes into each service's `depends_on`; `open(steps)` resolves it. Should the program
    raise before `open`, the services would wait forever and `pulumi up` would hang instead of
    printing the error: so once the program's code is over (the frame that made the gate is no
    longer running) and the gate is still shut, it opens itself, empty.
    """

    def __init__(self) -> None:
        self.steps, self._resolve = pulumi.deferred_output()  # type: ignore[var-annotated]
        self._opened = False
        self._maker: FrameType | None = sys._getframe(1)
        asyncio.get_event_loop().call_soon(self._open_if_abandoned)

    def open(self, steps: Sequence[pulumi.Resource]) -> None:
        if self._opened:
            raise ValueError("the release gate is already open")
        self._opened = True
        self._maker = None
        self._resolve(pulumi.Output.from_input(list(steps)))

    def _open_if_abandoned(self) -> None:
        if self._opened:
            return
        frame = sys._getframe()
        while frame is not None and frame is not self._maker:
            frame = frame.f_back  # type: ignore[assignment]
        if frame is None:  # the program is over without opening: open, let its error show
            self.open([])
        else:  # the event loop runs inside the program (a synchronous invoke): look again later
            asyncio.get_event_loop().call_later(0.01, self._open_if_abandoned)


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
        clients = self.clients or _boto3_client
        region = str(props["region"])
        task = OneOffTask(
            cluster=str(props["cluster"]),
            task_definition=str(props["taskDefinition"]),
            container_name=str(props["containerName"]),
            subnets=list(props["subnets"]),
            security_groups=list(props["securityGroups"]),
            capacity_provider_strategy=list(props.get("capacityProviderStrategy") or []),
            started_by=MIGRATION_STARTED_BY,
            log_group=props.get("logGroupName"),
        )
        runtime = Runtime(out=None, poll_seconds=self.poll_seconds)
        try:
            outcome = run_to_completion(
                task,
                clients("ecs", region),
                clients("logs", region),
                runtime,
                timeout_seconds=float(props.get("timeoutSeconds", 1800)),
                log_lines=int(props.get("logLines", 30)),
            )
        except TaskRunError as error:
            raise ReleaseStepError(f"the migration could not be followed: {error}") from error
        if not outcome.succeeded:
            code = "no exit code" if outcome.exit_code is None else f"exit code {outcome.exit_code}"
            raise ReleaseStepError(
                f"the migration task failed ({code}); the services were not rolled out.\n"
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
        region: str,
        cluster: pulumi.Input[str],
        task_definition_arn: pulumi.Input[str],
        container_name: str,
        network_configuration: pulumi.Input[dict[str, Any]],
        capacity_provider_strategy: Sequence[Mapping[str, Any]],
        log_group_name: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        network = pulumi.Output.from_input(network_configuration)
        props: dict[str, Any] = {
            "region": region,
            "cluster": cluster,
            "taskDefinition": task_definition_arn,
            "containerName": container_name,
            "subnets": network.apply(lambda n: n["awsvpcConfiguration"]["subnets"]),
            "securityGroups": network.apply(lambda n: n["awsvpcConfiguration"]["securityGroups"]),
            "capacityProviderStrategy": [dict(item) for item in capacity_provider_strategy],
            "logGroupName": log_group_name,
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
        clients = self.clients or _boto3_client
        region = str(props["region"])
        image = str(props["image"])

        def ecr_token() -> tuple[str, str, str]:
            data = clients("ecr", region).get_authorization_token()["authorizationData"][0]
            user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
            return user, password, str(data["proxyEndpoint"])

        with tempfile.TemporaryDirectory(prefix="static-files-") as work:
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
        region: str,
        bucket: pulumi.Input[str],
        image: pulumi.Input[str],
        platform: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "region": region,
            "bucket": bucket,
            "image": image,
            "platform": platform,
            "sourcePath": WEB_STATIC_PATH,
            "keyPrefix": STATIC_KEY_PREFIX,
            "fileCount": None,
        }
        super().__init__(StaticFilesProvider(), name, props, opts)
