"""The checks of `python -m stackctl doctor`: what a real `pulumi up` of a stack needs.

Each check is a small function that returns one `Finding` (ok, warn or problem; a problem names
its fix) and takes what it talks to as an argument, so the tests run it against real programs
and libraries they control: `run` runs a command (`run_command`: a real subprocess; the tests put
small scripts named `pulumi` and `docker` first on PATH), `connect` builds the boto3 session
(moto answers STS in the tests). The command line (stackctl/doctor_cli.py) reads the stack's
config and calls them; docs/doctor.md says what each one checks and why.

- `check_pulumi`: the CLI is on PATH and not older than the pulumi SDK pinned in
  requirements.txt (`required_pulumi`). Pulumi releases the CLI and the Python SDK together under
  one version number, and the SDK's own Automation API asks for a CLI of its major version and
  at least its minimum (pulumi/sdk/python/lib/pulumi/automation/_cmd.py,
  `_parse_and_validate_pulumi_version`); this project's rule is stricter and simpler: the same
  major version, and at least the SDK's version, so the engine knows everything the SDK sends.
- `check_docker`: only with `images: build`: docker and its buildx plugin, a builder that
  starts (`docker buildx inspect --bootstrap`) and lists the platform of `cpuArchitecture`.
- `check_aws`: credentials through the stack's own `aws:` keys (the session builder of
  components/config/aws_account.py), STS GetCallerIdentity, and the account against
  `aws:allowedAccountIds` / `aws:forbiddenAccountIds`.
- `check_backend`: `pulumi whoami -v` answers (logged in) and, when the stack sets
  `stateBucket`, its backend is that bucket.
- `check_prices`: whether prices/prices.yaml prices the stack's region in full (a warning: the
  deploy does not need it, `stackctl cost` and `plan` do).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from stackctl.prices import PriceTable

ROOT = Path(__file__).resolve().parent.parent
Status = Literal["ok", "warn", "problem"]


@dataclass(frozen=True)
class Finding:
    """One check's outcome: `text` says what was found; a problem's `fix` says what to do."""

    check: str
    status: Status
    text: str
    fix: str = ""

    def line(self) -> str:
        label = {"ok": "ok", "warn": "WARN", "problem": "PROBLEM"}[self.status]
        return f"{label:<7} {self.check:<7} {self.text}" + (f" Fix: {self.fix}" if self.fix else "")


@dataclass(frozen=True)
class Ran:
    """What a command printed, and its exit code."""

    code: int
    out: str
    err: str

    def first_error_line(self) -> str:
        lines = [ln.strip() for ln in (self.err or self.out).splitlines() if ln.strip()]
        return lines[0] if lines else f"exit code {self.code}"


# run(args, timeout_seconds): raises OSError (FileNotFoundError) when the program is not there.
Runner = Callable[[Sequence[str], float], Ran]


def run_command(args: Sequence[str], timeout: float) -> Ran:
    """Run `args` from the repository root (where Pulumi.yaml is), without update checks."""
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    try:
        done = subprocess.run(
            list(args),
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return Ran(124, "", f"`{' '.join(args)}` did not finish within {timeout:g} s")
    return Ran(done.returncode, done.stdout, done.stderr)


# -- Pulumi CLI ---------------------------------------------------------------------------------

VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
Version = tuple[int, int, int]


def parse_version(text: str) -> Version | None:
    match = VERSION_RE.search(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def shown(version: Version) -> str:
    return ".".join(str(part) for part in version)


def required_pulumi(requirements: Path = ROOT / "requirements.txt") -> Version:
    """The pulumi SDK version pinned in requirements.txt (`pulumi==X.Y.Z`)."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*pulumi==(\d+\.\d+\.\d+)\b", line)
        if match:
            return parse_version(match[1]) or (0, 0, 0)
    raise ValueError(f"{requirements.name} pins no `pulumi==X.Y.Z`")


def _install_pulumi(version: Version) -> str:
    return (
        f"install Pulumi {shown(version)} or newer 3.x: `curl -fsSL https://get.pulumi.com | sh "
        f"-s -- --version {shown(version)}` (https://www.pulumi.com/docs/install/)"
    )


def check_pulumi(run: Runner, required: Version) -> Finding:
    try:
        ran = run(["pulumi", "version"], 60)
    except OSError:
        return Finding(
            "pulumi", "problem", "the Pulumi CLI is not on PATH.", _install_pulumi(required)
        )
    found = parse_version(ran.out) if ran.code == 0 else None
    if found is None:
        return Finding(
            "pulumi",
            "problem",
            f"`pulumi version` did not print a version ({ran.first_error_line()}).",
            _install_pulumi(required),
        )
    rule = f"the pulumi SDK pinned in requirements.txt is {shown(required)}"
    if found[0] != required[0]:
        return Finding(
            "pulumi",
            "problem",
            f"Pulumi CLI {shown(found)} is another major version; {rule}.",
            _install_pulumi(required),
        )
    if found < required:
        return Finding(
            "pulumi",
            "problem",
            f"Pulumi CLI {shown(found)} is older than {shown(required)}; {rule}.",
            "upgrade: " + _install_pulumi(required),
        )
    return Finding(
        "pulumi", "ok", f"Pulumi CLI {shown(found)} (at least {shown(required)}: {rule})."
    )


# -- Docker -------------------------------------------------------------------------------------


def builder_platforms(inspect_output: str) -> tuple[str, list[str]]:
    """The builder's name and every platform its nodes list in `docker buildx inspect` output
    (`Platforms: linux/arm64*, linux/arm/v7`; `*` marks one set by hand)."""
    name = ""
    platforms: list[str] = []
    for line in inspect_output.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Name" and not name:
            name = value.strip()
        elif key.strip() == "Platforms":
            platforms += [p.strip().rstrip("*") for p in value.split(",") if p.strip()]
    return name, platforms


def check_docker(run: Runner, images: str, cpu_architecture: str, platform: str) -> Finding:
    """`images: build` builds app/api and app/web for `platform` (cpuArchitecture's) with
    buildx; `images: registry` needs no Docker here."""
    if images != "build":
        return Finding(
            "docker", "ok", f"Docker not needed: images is {images} (CI builds and pushes)."
        )
    why = f"images is build: `pulumi up` builds the images for {platform}"
    try:
        version = run(["docker", "buildx", "version"], 60)
    except OSError:
        return Finding(
            "docker",
            "problem",
            f"docker is not on PATH; {why}.",
            "install Docker (https://docs.docker.com/get-started/get-docker/), or set images "
            "registry and let CI push the images",
        )
    if version.code != 0:
        return Finding(
            "docker",
            "problem",
            f"docker has no buildx plugin ({version.first_error_line()}); {why}.",
            "install the buildx plugin (package docker-buildx-plugin, or Docker Desktop)",
        )
    inspect = run(["docker", "buildx", "inspect", "--bootstrap"], 300)
    if inspect.code != 0:
        return Finding(
            "docker",
            "problem",
            f"the Docker builder did not start ({inspect.first_error_line()}); {why}.",
            "start the Docker daemon (Docker Desktop, or `sudo systemctl start docker`) and "
            "retry `docker buildx inspect --bootstrap`",
        )
    name, platforms = builder_platforms(inspect.out)
    if platform not in platforms:
        arch = platform.rsplit("/", maxsplit=1)[-1]
        return Finding(
            "docker",
            "problem",
            f"the buildx builder {name or '(current)'} cannot build {platform} (it lists "
            f"{', '.join(platforms) or 'no platform'}); {why} (cpuArchitecture "
            f"{cpu_architecture}).",
            f"add QEMU emulation: `docker run --privileged --rm tonistiigi/binfmt --install "
            f"{arch}`, or pick the architecture your builder has with cpuArchitecture",
        )
    return Finding(
        "docker",
        "ok",
        f"Docker buildx builder {name or '(current)'} builds {platform} (cpuArchitecture "
        f"{cpu_architecture}).",
    )


# -- AWS ----------------------------------------------------------------------------------------

# connect(account, always_check=True) -> (session, account id); components/config/aws_account.py
Connect = Callable[..., tuple[Any, str | None]]


def check_aws(account: Mapping[str, Any], stack: str, connect: Connect | None = None) -> Finding:
    """Credentials of the stack's account (its `aws:` keys), asked of STS, checked against
    `aws:allowedAccountIds` and `aws:forbiddenAccountIds`."""
    from components.config.aws_account import session_in_account
    from stackctl.ops import explain_aws_error

    try:
        _, account_id = (connect or session_in_account)(account, always_check=True)
    except Exception as error:
        text = explain_aws_error(error, stack)
        if text is None:
            raise
        what, _, fix = text.partition("; ")
        return Finding(
            "aws", "problem", what + ".", fix or f"check the aws: keys of Pulumi.{stack}.yaml"
        )
    region = account["region"]
    allowed = account.get("allowedAccountIds")
    if allowed:
        return Finding(
            "aws", "ok", f"AWS account {account_id} in {region}, one of aws:allowedAccountIds."
        )
    return Finding(
        "aws",
        "warn",
        f"AWS account {account_id} in {region}; aws:allowedAccountIds is not set, so any "
        "account's credentials would be deployed to.",
        f"pin it: `pulumi config set --path 'aws:allowedAccountIds[0]' {account_id} --stack "
        f"{stack}`",
    )


# -- state backend ------------------------------------------------------------------------------


def backend_url(whoami_output: str) -> str:
    """The `Backend URL:` line of `pulumi whoami -v`."""
    for line in whoami_output.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Backend URL":
            return value.strip()
    return ""


def check_backend(
    run: Runner,
    state_bucket: str | None,
    env_url: str | None = None,
    project_url: str | None = None,
) -> Finding:
    """The backend the CLI uses for this project (PULUMI_BACKEND_URL, else Pulumi.yaml's
    `backend.url`, else the last `pulumi login`: pulumi/pulumi#5789) answers, and is the
    stack's `stateBucket` when one is set."""
    source = (
        "PULUMI_BACKEND_URL"
        if env_url
        else "Pulumi.yaml backend.url"
        if project_url
        else "the last `pulumi login`"
    )
    login = (
        f"`pulumi login 's3://{state_bucket}?region=<the bucket's region>'` (the bootstrap's "
        "loginCommand output)"
        if state_bucket
        else "`pulumi login` (Pulumi Cloud, or PULUMI_ACCESS_TOKEN), or `pulumi login --local` "
        "to try the lab"
    )
    try:
        ran = run(["pulumi", "whoami", "-v"], 60)
    except OSError:
        return Finding(
            "backend",
            "problem",
            "cannot ask: the Pulumi CLI is not on PATH.",
            "install it (the pulumi line), then " + login,
        )
    if ran.code != 0:
        return Finding(
            "backend",
            "problem",
            f"no usable state backend ({ran.first_error_line()}).",
            login,
        )
    url = backend_url(ran.out)
    if state_bucket and not url.startswith(f"s3://{state_bucket}"):
        return Finding(
            "backend",
            "problem",
            f"the CLI uses {url or 'an unknown backend'} (from {source}), but the stack's "
            f"stateBucket is {state_bucket}.",
            login + (" and unset PULUMI_BACKEND_URL" if env_url else ""),
        )
    if not state_bucket and url.startswith("s3://"):
        return Finding(
            "backend",
            "warn",
            f"state in {url} (from {source}), but the stack does not set stateBucket: its CI "
            "roles get no access to it.",
            "`pulumi config set stateBucket <bucket>` if CI deploys this stack",
        )
    return Finding("backend", "ok", f"state backend {url} (from {source}).")


# -- prices -------------------------------------------------------------------------------------


def check_prices(region: str, table: PriceTable) -> Finding:
    missing = table.missing(region)
    if not missing:
        return Finding("prices", "ok", f"{region} is priced in full in prices/prices.yaml.")
    text = table.cannot_price(region, missing)
    what, _, fix = text.partition("; ")
    effect = (
        "`stackctl cost` and `plan` print no total there"
        if region not in table.priced_regions
        else "`stackctl cost` and `plan` print no total for a stack that uses one of them"
    )
    return Finding("prices", "warn", f"{what} ({effect}).", fix)
