"""A stand-in for Fargate: runs one container of the program's rendered task definitions.

`python -m stackctl taskdefs --stack dev --json app/.taskdefs/dev.json` (app/scripts/test.sh does
it) writes what ECS would be given. There is no Docker engine and no AWS here, so bubblewrap
builds the container from it and from the image's Dockerfile:

- files: the image's own files at the image's paths (api: `app/api` at /app and the venv at
  /opt/venv; web: the standalone build at /app), the rest of the host read-only in place of the
  base image (its Python or Node.js);
- `readonlyRootFilesystem`: the whole root is read-only; only a definition with `true` runs;
- volumes: one fresh directory per task-definition volume at each of its `mountPoints`, owned
  by root with mode 0755 (what a Fargate bind mount is), unless the image declares that path
  with VOLUME, in which case the owner and mode the Dockerfile gave the path first (Fargate
  copies the image's directory into the volume);
- `user`: the process really runs as that uid/gid (root drops to it with setpriv, with no
  capabilities), so a root-owned 0755 volume is not writable to it;
- environment, in ECS's order: the image's ENV, then what Fargate sets at run time (HOSTNAME is
  the task's host name, which wins over the image's ENV), then the definition's `environment`,
  then its `secrets`, read from a fake Secrets Manager by the `valueFrom` ARN and JSON key;
- command: the definition's `command`, else the image's CMD; `healthCheck` runs inside the
  container like ECS runs it;
- the task's host name resolves to an address of this machine other than 127.0.0.1 (when it has
  one), as the Fargate host name resolves to the task's own address.

Two deliberate differences. The containers share the host's network (awsvpc gives each task its
own), so the container port is replaced by a free port wherever it appears (command, environment,
health check). And the AWS endpoint names in the environment (Aurora, ElastiCache, the internal
ALB) are replaced by the local servers' addresses (`FakeNetwork`), since nothing resolves them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.dockerfile import ROOT_DIR_MODE, Image, Owner, read_image

APP_DIR = Path(__file__).resolve().parents[2]
TASKDEFS_DIR = Path(os.environ.get("APP_TASKDEFS_DIR", APP_DIR / ".taskdefs"))
STANDALONE = APP_DIR / "web" / ".next" / "standalone"
BWRAP = shutil.which("bwrap")
SETPRIV = shutil.which("setpriv")
# What Fargate adds to every container's environment (a sample of it): the task's host name, the
# execution environment and the task metadata endpoint.
FARGATE_RUNTIME_ENV = {
    "HOSTNAME": "ip-10-0-1-23.ec2.internal",
    "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
    "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/0123456789abcdef-1234567890",
}
# The SSM agent of ECS Exec writes here (it runs as root inside the container).
ECS_EXEC_AGENT_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")


def _task_address() -> str | None:
    """A non-loopback IPv4 address of this machine, standing for the task's ENI address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: picks the outgoing address, sends nothing
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def sandbox_usable() -> bool:
    """bwrap and setpriv present and allowed (as root: no user namespace needed)."""
    if BWRAP is None or SETPRIV is None or os.geteuid() != 0:
        return False
    probe = [BWRAP, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", SETPRIV,
             "--reuid=10001", "--regid=10001", "--clear-groups", "true"]  # fmt: skip
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def load_taskdefs(stack: str) -> dict[str, Any]:
    path = TASKDEFS_DIR / f"{stack}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: render it with `python -m stackctl taskdefs --stack {stack} "
            f"--json {path}` in the infrastructure's venv (app/scripts/test.sh does)"
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# -- Secrets Manager --------------------------------------------------------------------------


class FakeSecretStore:
    """Secret values by ARN; resolves `valueFrom` like ECS: a Secrets Manager secret's
    `<arn>[:<json-key>:<stage>:<id>]`, or a Systems Manager parameter's ARN
    (`arn:aws:ssm:<region>:<account>:parameter/<name>`, the whole value: ECS takes no JSON key
    for a parameter)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def resolve(self, value_from: str) -> str:
        parts = value_from.split(":")
        if parts[:3] == ["arn", "aws", "ssm"]:
            if len(parts) != 6 or not parts[5].startswith("parameter/"):
                raise ValueError(f"valueFrom {value_from!r} is not a parameter ARN")
            if value_from not in self.values:
                raise KeyError(f"valueFrom {value_from!r}: no parameter in the store")
            return self.values[value_from]
        if parts[:3] != ["arn", "aws", "secretsmanager"] or len(parts) < 7:
            raise ValueError(f"valueFrom {value_from!r} is not a Secrets Manager secret ARN")
        arn, rest = ":".join(parts[:7]), parts[7:]
        if arn not in self.values:
            raise KeyError(f"valueFrom {value_from!r}: no secret {arn!r} in the store")
        json_key = rest[0] if rest else ""
        if len(rest) not in (0, 3) or any(rest[1:]):
            raise ValueError(f"valueFrom {value_from!r}: expected <arn>:<json-key>:: or <arn>")
        if not json_key:
            return self.values[arn]
        document = json.loads(self.values[arn])
        if json_key not in document:
            raise KeyError(f"valueFrom {value_from!r}: secret {arn!r} has no key {json_key!r}")
        return str(document[json_key])


def app_secret_values(taskdefs: Mapping[str, Any]) -> dict[str, str]:
    """A throw-away value for each of the app's own secrets (contract.json `appSecrets`), by
    parameter ARN: what the person who deploys stores with `stackctl secret set`."""
    return {
        arn: f"test-{name.lower()}-{secrets.token_hex(8)}"
        for name, arn in taskdefs.get("appSecretArns", {}).items()
    }


# -- network ----------------------------------------------------------------------------------


@dataclass
class FakeNetwork:
    """AWS endpoint (host, port) -> local (host, port); port None for an endpoint's default."""

    routes: dict[tuple[str, int | None], tuple[str, int]] = field(default_factory=dict)

    def route(self, host: str, port: int | None, local: tuple[str, int]) -> None:
        self.routes[(host, port)] = local

    def rewrite(self, env: Mapping[str, str]) -> dict[str, str]:
        out = dict(env)
        hosts_present = set(env.values())
        for name, value in env.items():
            url = urlsplit(value) if "://" in value else None
            for (host, port), (local_host, local_port) in self.routes.items():
                if value == host:
                    out[name] = local_host
                elif port is not None and value == str(port) and host in hosts_present:
                    out[name] = str(local_port)
                elif url is not None and url.hostname == host and port in (None, url.port):
                    # (a route without a port takes the host on any port: the lab's web calls
                    # the api by its Cloud Map name on :8000, the ALB on :80)
                    out[name] = urlunsplit(url._replace(netloc=f"{local_host}:{local_port}"))
        return out


# -- the container ----------------------------------------------------------------------------


def image_of(task_role: str) -> tuple[Image, list[tuple[Path, str]]]:
    """The image a task runs and the host paths bound at its paths."""
    if task_role == "web":
        return read_image(APP_DIR / "web" / "Dockerfile"), [(STANDALONE, "/app")]
    return read_image(APP_DIR / "api" / "Dockerfile"), [(APP_DIR / "api", "/app"), (host_venv(), "/opt/venv")]


def host_venv() -> Path:
    """The venv that stands for the image's /opt/venv (`APP_VENV`, else app/.venv)."""
    return Path(os.environ.get("APP_VENV", APP_DIR / ".venv")).absolute()


def _venv_interpreter_home() -> Path:
    """The installation the venv's python runs from (`home` in pyvenv.cfg, minus `bin`)."""
    venv = host_venv()
    for line in (venv / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise ValueError(f"{venv}/pyvenv.cfg has no home")


def _ids(user: str) -> tuple[int, int]:
    uid, _, gid = user.partition(":")
    return int(uid), int(gid or uid)


class Container:
    """One container of a rendered task, ready to start in the sandbox."""

    def __init__(
        self,
        taskdefs: Mapping[str, Any],
        role: str,
        secrets: FakeSecretStore,
        network: FakeNetwork,
        extra_env: Mapping[str, str] | None = None,
        image: Image | None = None,
    ) -> None:
        self.role = role
        self.task: dict[str, Any] = taskdefs["tasks"][role]
        (self.definition,) = self.task["containerDefinitions"]
        self.image, self.image_binds = image_of("web" if role == "web" else "api")
        self.image = image or self.image
        self.extra_binds: list[tuple[Path, str]] = []  # (host directory, path), read-only
        # The host's Python (standing for the base image's) and the venv at its host path: their
        # parents must be traversable by the task's user whatever the host's modes are.
        self.exposed = [] if role == "web" else [_venv_interpreter_home(), host_venv()]
        self.secrets, self.network = secrets, network
        self.extra_env = dict(extra_env or {})
        ports = [m["containerPort"] for m in self.definition.get("portMappings", [])]
        self.container_port: int | None = ports[0] if ports else None
        self.port: int | None = None
        self._base = Path(tempfile.mkdtemp(prefix=f"fargate-{role}-"))
        self.volume_dirs = self._create_volumes()

    # -- what Fargate gives the container --------------------------------------------------------

    def _create_volumes(self) -> dict[str, Path]:
        declared = {v["name"] for v in self.task["volumes"]}
        dirs: dict[str, Path] = {}
        for mount in self.definition.get("mountPoints", []):
            name, path = mount["sourceVolume"], mount["containerPath"]
            if name not in declared:
                raise ValueError(f"{self.role}: mount point {path} uses undeclared volume {name!r}")
            directory = self._base / name
            if name not in dirs:
                directory.mkdir()
                owner = self.image.volumes.get(path, Owner(0, 0, ROOT_DIR_MODE))
                os.chown(directory, owner.uid, owner.gid)
                os.chmod(directory, owner.mode)
                dirs[name] = directory
        return dirs

    @property
    def user(self) -> tuple[int, int]:
        return _ids(str(self.definition.get("user") or self.image.user))

    def environment(self) -> dict[str, str]:
        env = dict(self.image.env)
        env |= FARGATE_RUNTIME_ENV
        env |= {e["name"]: e["value"] for e in self.definition.get("environment", [])}
        env |= {s["name"]: self.secrets.resolve(s["valueFrom"]) for s in self.definition.get("secrets", [])}
        env = self.network.rewrite(env)
        if self.port is not None:
            env = {k: str(self.port) if v == str(self.container_port) else v for k, v in env.items()}
        return env | self.extra_env

    def command(self) -> list[str]:
        command = list(self.definition.get("command") or self.image.cmd)
        return self._remap(command)

    def _remap(self, command: list[str]) -> list[str]:
        if self.port is None or self.container_port is None:
            return command
        old, new = str(self.container_port), str(self.port)
        return [new if word == old else word.replace(f":{old}", f":{new}") for word in command]

    def _mounts(self) -> list[str]:
        """bwrap arguments: a read-only root with the image's files and the volumes on it."""
        if self.definition.get("readonlyRootFilesystem") is not True:
            raise ValueError(f"{self.role}: this sandbox runs only read-only roots (the contract's)")
        binds = self.image_binds + self.extra_binds
        targets = [path for _, path in binds]
        targets += [m["containerPath"] for m in self.definition.get("mountPoints", [])]
        args = _root_with_mount_points(targets, self.exposed)
        for host, path in binds:
            args += ["--ro-bind", str(host), path]
        for mount in self.definition.get("mountPoints", []):
            bind = "--ro-bind" if mount.get("readOnly") else "--bind"
            args += [bind, str(self.volume_dirs[mount["sourceVolume"]]), mount["containerPath"]]
        # The task's host name resolves to the task's address (not to 127.0.0.1), as on Fargate.
        address = _task_address()
        if address is not None:
            hosts = self._base / "hosts"
            hosts.write_text(
                f"{Path('/etc/hosts').read_text()}\n{address} {FARGATE_RUNTIME_ENV['HOSTNAME']}\n"
            )
            hosts.chmod(0o644)
            args += ["--ro-bind", str(hosts), "/etc/hosts"]
        if self.role != "web":
            mounted = [m["containerPath"] for m in self.definition.get("mountPoints", [])]
            args += _keep_visible(host_venv(), mounted)
        return [*args, "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/", "--die-with-parent"]

    def argv(self, command: list[str], *, as_root: bool = False) -> list[str]:
        assert BWRAP is not None and SETPRIV is not None, "bwrap and setpriv are required"
        uid, gid = (0, 0) if as_root else self.user
        drop = [SETPRIV, f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--"]  # fmt: skip
        return [BWRAP, *self._mounts(), "--chdir", self.image.workdir, *drop, *command]

    # -- running ---------------------------------------------------------------------------------

    def start(self, port: int | None = None, **popen: Any) -> subprocess.Popen[Any]:
        self.port = port
        return subprocess.Popen(self.argv(self.command()), env=self.environment(), **popen)

    def run(
        self, command: list[str], *, as_root: bool = False, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the container (like `docker exec`), same volumes and environment."""
        return subprocess.run(
            self.argv(command, as_root=as_root), env=self.environment(), capture_output=True,
            text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def health_check_command(self) -> list[str]:
        check = self.definition.get("healthCheck")
        if not check:
            raise ValueError(f"{self.role}: the task definition has no container health check")
        kind, *rest = check["command"]
        command = ["/bin/sh", "-c", rest[0]] if kind == "CMD-SHELL" else list(rest)
        remapped = self._remap(command)
        if self.port is not None and remapped == command:
            raise ValueError(f"{self.role}: health check {command} does not call the container port")
        return remapped

    def health_check(self) -> subprocess.CompletedProcess[str]:
        timeout = float(self.definition["healthCheck"].get("timeout", 5))
        return self.run(self.health_check_command(), timeout=timeout + 5)

    def wait_healthy(self, proc: subprocess.Popen[Any]) -> None:
        """Run the container health check until it passes, within its start period."""
        check = self.definition["healthCheck"]
        deadline = time.monotonic() + float(check.get("startPeriod", 60))
        while True:
            result = self.health_check()
            if result.returncode == 0:
                return
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.role} never became healthy: {result.stderr[-2000:]}")
            time.sleep(0.3)

    def cleanup(self) -> None:
        shutil.rmtree(self._base, ignore_errors=True)


def _keep_visible(path: Path, mounted: list[str]) -> list[str]:
    """bwrap arguments that keep a host directory readable at its own path in the container.

    The venv's scripts (`/opt/venv/bin/alembic`) name their interpreter by the venv's host path
    (`<checkout>/app/.venv/bin/python`), so that path must resolve in the container, wherever
    the checkout lives. The host's root is bound read-only, but `/tmp` (the sandbox's own, and a
    task volume) and every volume's mount point hide what the host has there: a checkout under
    /tmp (CI's clones) would vanish. So the directory is bound again after the volumes. bwrap
    creates the missing parents of a bind's destination with mode 0700, which the task's user
    (10001) cannot traverse: they are created first with 0755, as an image's directories are,
    whatever the host's are (pytest's /tmp/pytest-of-root is 0700).
    """
    hiding = [Path(m) for m in [*mounted, "/tmp"] if path.is_relative_to(m)]
    if not hiding:
        return []  # visible through the root's binds (parents made traversable by `exposed`)
    top = max(hiding, key=lambda hidden: len(hidden.parts))
    parents = [p for p in reversed(path.parents) if p.is_relative_to(top) and p != top]
    args = [arg for parent in parents for arg in ("--perms", "0755", "--dir", str(parent))]
    return [*args, "--ro-bind", str(path), str(path)]


def _root_with_mount_points(targets: list[str], exposed: list[Path]) -> list[str]:
    """bwrap arguments for the host's root, read-only, with directories for the mount points.

    A mount point missing on the host needs a directory, and a read-only bind of / has no room
    for one; so each host directory on the way to one becomes a directory of bwrap's own root
    (read-only as well at the end, `--remount-ro /`) with its entries bound into it one by one.
    The same for `exposed` paths (the host's Python, which stands for the base image's): their
    parents become traversable (0755) as in the image, whatever the host's are (e.g. /root).
    """
    missing = [Path(t) for t in targets if not Path(t).exists()] + exposed
    args: list[str] = []

    def place(directory: Path) -> None:
        for entry in sorted(directory.iterdir()):
            if str(entry) in ("/proc", "/dev", "/tmp"):
                continue
            if entry.is_symlink():
                args.extend(["--symlink", os.readlink(entry), str(entry)])
            elif entry.is_dir() and any(m.is_relative_to(entry) and m != entry for m in missing):
                args.extend(["--dir", str(entry)])
                place(entry)
            else:
                args.extend(["--ro-bind", str(entry), str(entry)])

    place(Path("/"))
    args += ["--dir", "/tmp"]
    for path in missing:
        if not path.exists():
            args += ["--dir", str(path)]  # bwrap creates the missing parents too
    return args


def terminate(proc: subprocess.Popen[Any], timeout: float = 30) -> int:
    """SIGTERM the program in the sandbox (bwrap does not forward signals), as ECS does."""
    if proc.poll() is not None:
        return proc.returncode
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    for pid in pids or [proc.pid]:
        os.kill(pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


@dataclass
class Running:
    container: Container
    proc: subprocess.Popen[Any]
    base_url: str


def start_serving(container: Container, port: int, log: Path) -> Generator[Running, None, None]:
    """Start a serving container on `port`, wait for its health check, stop it afterwards."""
    with log.open("w") as out:
        proc = container.start(port, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            container.wait_healthy(proc)
        except AssertionError as error:
            raise AssertionError(
                f"{error}\n--- {container.role} output:\n{log.read_text()[-4000:]}"
            ) from None
        yield Running(container, proc, f"http://127.0.0.1:{port}")
    finally:
        terminate(proc)
        container.cleanup()
