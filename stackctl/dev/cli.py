"""`python -m stackctl dev`: the app's services, PostgreSQL and Redis on this machine, no Docker.

Order: check everything that can be checked before anything starts (ports free, binaries and the
app's dependencies present, every process's environment complete), then PostgreSQL (its data kept
in the dev folder unless --fresh) and Redis, then the contract's one-off tasks (the migration),
then the services in the contract's order, each waited for on its health path. Ctrl-C (or
SIGTERM) stops the services, then Redis, then PostgreSQL; a second Ctrl-C kills what is left.

What differs from the task definitions, on purpose: processes listen on 127.0.0.1 and the ports
given here; uvicorn runs with --reload and the web with `next dev` (hot reload) instead of the
standalone server; DB_SECRET_ARN is unset (credentials come from the environment); see
docs/local-dev.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from components.config.app_contract import (
    CONTRACT_ENV,
    CONTRACT_PATH,
    AppContract,
    Workload,
    load_contract,
)
from stackctl.dev.env import AUTH_MODES, declared, env_names
from stackctl.dev.procs import Output, Supervisor
from stackctl.dev.stores import (
    PG_BINARIES,
    Postgres,
    Redis,
    check_port_free,
    find_pg_binary,
    find_redis,
    redis_answers,
    socket_directory,
)
from stackctl.dev.values import DevConfigError, Endpoint, Local, ensure_env_file, process_env

APP_DIR = CONTRACT_PATH.parent
LOOPBACK = "127.0.0.1"
DATA_FOLDERS = ("postgres", "redis")  # what the dev folder holds (--reset deletes these)
AUTH_USER_POOL = ("USER_POOL_ISSUER", "USER_POOL_CLIENT_ID", "USER_POOL_JWKS_URL")
AUTH_NOTE = {
    "open": "auth open: anyone may write (ALLOW_ANONYMOUS_WRITES=true), as a stack with auth: open",
    "cognito": "auth cognito: writes need an access token of the user pool in the env file",
    "none": "auth none: the API refuses every write",
}


@dataclass(frozen=True)
class Plan:
    """Everything decided before a process starts."""

    ports: dict[str, int]  # service -> port
    database: Endpoint
    start_postgres: bool
    redis: Endpoint | None
    start_redis: bool
    envs: dict[str, dict[str, str]]  # workload -> its contract environment, local values
    secrets: Mapping[str, str]
    contract_names: frozenset[str]  # every name an image declares (kept out of the base env)


def _endpoint(value: str, flag: str) -> Endpoint:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise DevConfigError(f"{flag} {value!r}: expected HOST:PORT, e.g. 127.0.0.1:5432")
    return Endpoint(host, int(port))


def _ports(contract: AppContract, given: Sequence[str]) -> dict[str, int]:
    ports = {n: w.port for n, w in contract.services.items() if w.port is not None}
    for item in given:
        name, sep, number = item.partition("=")
        if not sep or name not in ports or not number.isdigit() or not 0 < int(number) < 65536:
            raise DevConfigError(
                f"--port {item!r}: expected SERVICE=PORT with SERVICE one of "
                f"{', '.join(sorted(ports))} and PORT from 1 to 65535"
            )
        ports[name] = int(number)
    return ports


def _raw_contract() -> dict[str, Any]:
    path = Path(os.environ.get(CONTRACT_ENV) or CONTRACT_PATH)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def make_plan(args: argparse.Namespace, contract: AppContract, out: Output) -> Plan:
    """Ports, stores and every process's environment; raises DevConfigError naming the fix."""
    raw = _raw_contract()
    names = declared(raw)
    ports = _ports(contract, args.port)
    db_given = args.db or os.environ.get("STACKCTL_DEV_DB")
    redis_given = args.redis or os.environ.get("STACKCTL_DEV_REDIS")
    database = _endpoint(db_given, "--db") if db_given else Endpoint(LOOPBACK, args.postgres_port)
    redis: Endpoint | None = (
        _endpoint(redis_given, "--redis") if redis_given else Endpoint(LOOPBACK, args.redis_port)
    )
    workloads = [*contract.tasks.values(), *contract.services.values()]
    if not any("cache" in w.uses for w in workloads):
        redis = None  # nothing uses it: not started
    for service, port in ports.items():
        check_port_free(port, service, f"--port {service}=PORT")
    if not db_given:
        check_port_free(database.port, "PostgreSQL", "--postgres-port")
        for binary in PG_BINARIES:
            find_pg_binary(binary)
    if redis is not None and not redis_given:
        check_port_free(redis.port, "Redis", "--redis-port")
        find_redis()
    env_file = Path(args.env_file)
    dotenv, added = ensure_env_file(env_file, names.secrets)
    if added:
        out.say(f"wrote generated dev values for {', '.join(added)} to {env_file} (mode 0600)")
    if args.auth == "cognito":
        lacking = [n for n in AUTH_USER_POOL if not dotenv.get(n)]
        if lacking:
            raise DevConfigError(
                f"--auth cognito needs {', '.join(lacking)} in {env_file}: a user pool you "
                "have (docs/local-dev.md, sign-in); or use --auth open"
            )
    local = Local(
        database=database,
        redis=redis,
        urls={service: f"http://{LOOPBACK}:{port}" for service, port in ports.items()},
        auth=args.auth,
        dotenv=dotenv,
        fixed_env={k: v for image in contract.images.values() for k, v in image.fixed_env.items()},
        optional=names.optional,
        contract_names=names.names,
        env_file=env_file,
    )
    envs = {w.name: process_env(env_names(contract, w.name, args.auth), local) for w in workloads}
    return Plan(ports, database, not db_given, redis, not redis_given, envs, dotenv, names.names)


# -- commands ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Toolchain:
    python: Path  # the app's virtualenv interpreter
    node_modules: Path


def find_toolchain(python: str | None) -> Toolchain:
    interpreter = Path(python) if python else APP_DIR / ".venv" / "bin" / "python"
    if not interpreter.exists():
        raise DevConfigError(
            f"the app's Python environment {interpreter} is missing: run `bash "
            "app/scripts/test.sh` once, or `python3 -m venv app/.venv && app/.venv/bin/pip "
            "install -r app/api/requirements-dev.txt`; or pass --app-python"
        )
    node_modules = APP_DIR / "web" / "node_modules"
    if not (node_modules / ".bin" / "next").exists():
        raise DevConfigError(f"{node_modules}/.bin/next is missing: run `npm ci` in app/web")
    if shutil.which("node") is None:
        raise DevConfigError("node was not found: install Node.js 20.9 or newer")
    return Toolchain(interpreter, node_modules)


def _executable(name: str, tools: Toolchain) -> str:
    if name == "python":
        return str(tools.python)
    beside = tools.python.parent / name
    return str(beside) if beside.exists() else name


def _set_option(argv: list[str], option: str, value: str) -> list[str]:
    if option in argv:
        index = argv.index(option)
        return [*argv[: index + 1], value, *argv[index + 2 :]]
    return [*argv, option, value]


def dev_command(workload: Workload, port: int | None, tools: Toolchain) -> list[str]:
    """The contract's command for `workload` as the dev loop runs it: the image's CMD (or the
    service's command), loopback and the local port, reload where the server has one."""
    if workload.image.runtime == "node":
        # the contract's `node server.js` is the standalone build; locally: the dev server
        next_bin = tools.node_modules / ".bin" / "next"
        return [str(next_bin), "dev", "--port", str(port), "--hostname", LOOPBACK]
    raw = _raw_contract()["images"][workload.image.name]
    argv = [str(part) for part in (workload.command or raw.get("command", []))]
    if not argv:
        raise DevConfigError(f"{workload.name}: the contract gives it no command")
    if argv[0] == "uvicorn" and port is not None:
        argv = _set_option(_set_option(argv, "--host", LOOPBACK), "--port", str(port))
        argv += ["--reload", "--reload-dir", "backend"]
    return [_executable(argv[0], tools), *argv[1:]]


def base_environment(contract_names: frozenset[str], tools: Toolchain) -> dict[str, str]:
    """This shell's environment without any contract name (a stray DB_HOST must not leak in),
    the app's virtualenv first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in contract_names}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = f"{tools.python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env["NEXT_TELEMETRY_DISABLED"] = "1"
    return env


# -- running -----------------------------------------------------------------------------------


class StopRequestedError(Exception):
    """Ctrl-C or SIGTERM."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise StopRequestedError(signal.Signals(signum).name)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_healthy(supervisor: Supervisor, name: str, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not _healthy(url):
        crashed = supervisor.exited()
        if crashed is not None:
            raise DevConfigError(f"{crashed.name} exited with code {crashed.proc.returncode}")
        if time.monotonic() > deadline:
            raise DevConfigError(f"{name} did not answer {url} within {timeout:g} s; see its log")
        time.sleep(0.25)


@contextmanager
def _data_dir(args: argparse.Namespace) -> Iterator[Path]:
    if args.fresh:
        temporary = Path(tempfile.mkdtemp(prefix="stackctl-dev-"))
        os.chmod(temporary, 0o755)  # the postgres user (when we are root) walks through it
        try:
            yield temporary
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return
    dev_dir = Path(args.dev_dir)
    if args.reset:  # only what the dev loop keeps there, whatever folder was named
        for kept in DATA_FOLDERS:
            shutil.rmtree(dev_dir / kept, ignore_errors=True)
    dev_dir.mkdir(parents=True, exist_ok=True)
    yield dev_dir


def _write_env_file(args: argparse.Namespace, out: Output) -> int:
    try:
        path = Path(args.env_file)
        _, added = ensure_env_file(path, declared(_raw_contract()).secrets)
    except (DevConfigError, OSError) as error:
        print(f"stackctl dev: {error}", file=sys.stderr)
        return 2
    out.say(f"{path}: " + (f"added {', '.join(added)}" if added else "complete, unchanged"))
    return 0


def run_dev(args: argparse.Namespace) -> int:
    out = Output()
    if args.write_env_file:
        return _write_env_file(args, out)
    try:
        contract = load_contract()
        plan = make_plan(args, contract, out)
        tools = find_toolchain(args.app_python)
    except (DevConfigError, ValueError) as error:
        print(f"stackctl dev: {error}", file=sys.stderr)
        return 2
    supervisor = Supervisor(out)
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    socket_dir: Path | None = None
    try:
        with _data_dir(args) as data:
            try:
                socket_dir = _start_stores(plan, data, supervisor)
                code = _start_app(plan, contract, tools, supervisor, args.auth)
            except StopRequestedError:
                out.say("stopping (Ctrl-C again to kill)")
            except DevConfigError as error:
                out.say(f"error: {error}")
                code = 1
            finally:
                _stop_all(supervisor)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if socket_dir is not None:
            shutil.rmtree(socket_dir, ignore_errors=True)
    out.say("all processes stopped")
    return code


def _stop_all(supervisor: Supervisor) -> None:
    def _second(signum: int, frame: FrameType | None) -> None:
        supervisor.kill()

    signal.signal(signal.SIGINT, _second)
    signal.signal(signal.SIGTERM, _second)
    supervisor.stop()


def _start_stores(plan: Plan, data: Path, supervisor: Supervisor) -> Path | None:
    db_name = next((env["DB_NAME"] for env in plan.envs.values() if "DB_NAME" in env), "app")
    socket_dir = None
    if plan.start_postgres:
        socket_dir = socket_directory()
        postgres = Postgres(data / DATA_FOLDERS[0], plan.database.port, socket_dir)
        if postgres.initialise():
            supervisor.output.say(f"created a PostgreSQL cluster in {postgres.data_dir}")
        postgres.start(supervisor)
        postgres.ensure_login(plan.secrets["DB_USERNAME"], plan.secrets["DB_PASSWORD"], db_name)
    if plan.redis is not None and plan.start_redis:
        Redis(
            plan.redis.port, plan.secrets.get("REDIS_AUTH_TOKEN", ""), data / DATA_FOLDERS[1]
        ).start(supervisor)
    elif plan.redis is not None and not redis_answers(
        plan.redis.host, plan.redis.port, plan.secrets.get("REDIS_AUTH_TOKEN")
    ):
        raise DevConfigError(
            f"Redis at {plan.redis.host}:{plan.redis.port} does not answer PING with the "
            "REDIS_AUTH_TOKEN of the env file"
        )
    return socket_dir


def _start_app(
    plan: Plan, contract: AppContract, tools: Toolchain, supervisor: Supervisor, auth: str
) -> int:
    out = supervisor.output
    base = base_environment(plan.contract_names, tools)
    for name, task in contract.tasks.items():
        argv = dev_command(task, None, tools)
        code = supervisor.run(
            name, argv, cwd=APP_DIR / task.image.name, env={**base, **plan.envs[name]}
        )
        if code != 0:
            raise DevConfigError(f"{name} ({' '.join(task.command or ())}) exited with {code}")
    for name, service in contract.services.items():
        port = plan.ports.get(name)
        supervisor.start(
            name,
            dev_command(service, port, tools),
            cwd=APP_DIR / service.image.name,
            env={**base, **plan.envs[name]},
        )
    for name, service in contract.services.items():
        if service.port is not None and service.health_path is not None:
            url = f"http://{LOOPBACK}:{plan.ports[name]}{service.health_path}"
            _wait_healthy(supervisor, name, url, timeout=300)
    links = "  ".join(f"{n} http://{LOOPBACK}:{p}" for n, p in plan.ports.items())
    out.say(f"ready: {links}  ({AUTH_NOTE[auth]}); Ctrl-C stops everything")
    while True:
        crashed = supervisor.exited()
        if crashed is not None:
            out.say(f"{crashed.name} exited with code {crashed.proc.returncode}: stopping")
            return 1
        time.sleep(0.5)


def add_dev_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "dev",
        help="run the app locally: api, web, worker, PostgreSQL, Redis (no Docker)",
        description="Start PostgreSQL and Redis from this machine's binaries, run the "
        "migration, then the app's services with the environment app/contract.json gives each "
        "(local values; secrets from a gitignored env file, generated on the first run), with "
        "hot reload. Ctrl-C stops everything. See docs/local-dev.md.",
    )
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="SERVICE=PORT",
        help="a service's local port (default: the contract's, api 8000, web 3000)",
    )
    parser.add_argument("--postgres-port", type=int, default=5432, help="default 5432")
    parser.add_argument("--redis-port", type=int, default=6379, help="default 6379")
    parser.add_argument(
        "--db",
        metavar="HOST:PORT",
        help="use this PostgreSQL instead of starting one (or $STACKCTL_DEV_DB); the env file's "
        "DB_USERNAME/DB_PASSWORD must log in and own DB_NAME",
    )
    parser.add_argument(
        "--redis",
        metavar="HOST:PORT",
        help="use this Redis instead of starting one (or $STACKCTL_DEV_REDIS); password: the "
        "env file's REDIS_AUTH_TOKEN",
    )
    parser.add_argument(
        "--auth",
        choices=AUTH_MODES,
        default="open",
        help="who may write, as the stack's auth setting (default open: anyone)",
    )
    parser.add_argument(
        "--dev-dir",
        default=str(APP_DIR / ".dev"),
        help="where PostgreSQL keeps its data between runs (default app/.dev, gitignored)",
    )
    parser.add_argument("--fresh", action="store_true", help="throwaway data, deleted at exit")
    parser.add_argument(
        "--reset", action="store_true", help="delete the dev folder's data first, then start"
    )
    parser.add_argument(
        "--env-file",
        default=str(APP_DIR / ".env.dev"),
        help="local secrets and extra values (default app/.env.dev, gitignored, made on first run)",
    )
    parser.add_argument(
        "--write-env-file",
        action="store_true",
        help="only add the env file's missing generated secrets (for app/compose.yaml), then exit",
    )
    parser.add_argument(
        "--app-python", help="the app's virtualenv interpreter (default app/.venv/bin/python)"
    )
    parser.set_defaults(func=run_dev)
