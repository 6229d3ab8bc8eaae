"""The app's contract with the infrastructure, read from `app/contract.json`.

The app owns that file. It declares:
- `images`: one section per image (its build context is `app/<image>`): the port it serves
  and its health path, user, read-only root and writable paths, command (the image's CMD),
  environment and secret names, fixed run-time environment;
- `services`: one entry per ECS service: the image it runs, whether it serves traffic (then it
  gets the image's port and health check, a target group and routes), a command that replaces
  the image's CMD, the data stores it `uses` (database, cache, storage), the user pool (auth:
  it checks tokens) and the pool's app client (signIn: it signs users in), the services it
  `calls` through the ingress, whether CPU target tracking may scale it, its stop timeout;
- `tasks`: one-off tasks (the migration) in the same shape;
- `routes`: the ordered route list (first match wins; priorities follow the order): which
  service serves which host groups and paths (components/config/routing.py).

The task definitions, target groups, routes, security group pairs and alarms all follow it, so
the two sides cannot drift. Both health paths answer without touching the database (the web's
is a static route handler, the api's does no query), so the checks that run every few seconds,
forever, never open a connection to Aurora, which can then pause (aws-facts#auto-pause).
Container health checks are derived here: an image with Python is checked with Python, one with
Node.js with Node.js; a service that serves no port has no health check, so ECS relies on its
process (an essential container that exits is replaced).

Cost: none.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from components.config.routing import Route, check_routes

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "app" / "contract.json"
# Another contract file to read instead (tests use it to add a hypothetical service).
CONTRACT_ENV = "FULLSTACK_CONTRACT"
DATA_STORES = ("database", "cache", "storage")
# What a workload may `use`: the data stores, the user pool (auth: the issuer, client id and
# key set URL it checks tokens against) and the pool's app client (signIn: the client id and the
# issuer, whose origin is the pool's cognito-idp endpoint, for a server that signs users in).
USES = (*DATA_STORES, "auth", "signIn")
# Given to an image that lists it in `env`: the site's origins (`https://<name>`, comma-separated),
# for a server that must tell its own site's requests from cross-site ones (the web's server
# actions: app/web/lib/site-origins.mjs).
SITE_ORIGINS_ENV = "SITE_ORIGINS"
MAX_STOP_TIMEOUT = 120  # ECS allows a container stop timeout of at most 120 s on Fargate


class ContractError(ValueError):
    """app/contract.json is inconsistent (a service naming an unknown image, a bad route...)."""


@dataclass(frozen=True)
class Image:
    """One container image of the app, built from `app/<name>`."""

    name: str
    port: int | None
    health_path: str | None
    user: str
    read_only_root: bool
    writable_paths: tuple[str, ...]
    runtime: str  # "python" or "node": how the container health check calls the port
    fixed_env: dict[str, str] = field(default_factory=dict)
    env: tuple[str, ...] = ()  # the names of the run-time environment it reads
    static_paths: tuple[str, ...] = ()  # path patterns CloudFront serves from S3 (the web's)

    @property
    def context(self) -> str:
        return f"app/{self.name}"

    def health_check(self, port: int, path: str) -> tuple[str, ...]:
        url = f"http://127.0.0.1:{port}{path}"
        if self.runtime == "node":
            script = f"fetch('{url}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
            return ("CMD", "node", "-e", script)
        return (
            "CMD",
            "python",
            "-c",
            f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)",
        )


@dataclass(frozen=True)
class Workload:
    """A service or a one-off task as the app declares it."""

    name: str
    image: Image
    serves: bool = False
    command: tuple[str, ...] | None = None
    uses: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    autoscaling: bool = False
    stop_timeout: int = 30

    @property
    def port(self) -> int | None:
        return self.image.port if self.serves else None

    @property
    def health_path(self) -> str | None:
        return self.image.health_path if self.serves else None

    @property
    def health_check(self) -> tuple[str, ...] | None:
        if self.port is None or self.health_path is None:
            return None
        return self.image.health_check(self.port, self.health_path)


@dataclass(frozen=True)
class AppContract:
    images: dict[str, Image]
    services: dict[str, Workload]
    tasks: dict[str, Workload]
    routes: tuple[Route, ...]

    @property
    def static_paths(self) -> tuple[str, ...]:
        """Every path pattern the images' static files are served under (CloudFront -> S3)."""
        return tuple(p for image in self.images.values() for p in image.static_paths)

    @property
    def user(self) -> str:
        users = {image.user for image in self.images.values()}
        if len(users) != 1:
            raise ContractError(f"the images run as different users: {sorted(users)}")
        return users.pop()


def _runtime(name: str, section: dict[str, Any]) -> str:
    command = [str(part) for part in section.get("command", [])]
    if command and command[0] == "node":
        return "node"
    return "python"


def _image(name: str, section: dict[str, Any]) -> Image:
    return Image(
        name=name,
        port=int(section["port"]) if "port" in section else None,
        health_path=str(section["healthPath"]) if "healthPath" in section else None,
        user=str(section["user"]),
        read_only_root=bool(section.get("readonlyRootFilesystem", True)),
        writable_paths=tuple(section.get("writablePaths", ())),
        runtime=_runtime(name, section),
        fixed_env={str(k): str(v) for k, v in section.get("fixedEnv", {}).items()},
        env=tuple(str(name) for name in section.get("env", ())),
        static_paths=tuple(section.get("staticPathPatterns", ())),
    )


def _workload(name: str, entry: dict[str, Any], images: dict[str, Image]) -> Workload:
    image_name = str(entry["image"])
    if image_name not in images:
        raise ContractError(f"{name}: image {image_name!r} is not one of {sorted(images)}")
    image = images[image_name]
    uses = tuple(entry.get("uses", ()))
    unknown = set(uses) - set(USES)
    if unknown:
        raise ContractError(f"{name}: uses {sorted(unknown)}; allowed: {', '.join(USES)}")
    serves = bool(entry.get("serves", False))
    if serves and (image.port is None or image.health_path is None):
        raise ContractError(f"{name} serves traffic, but image {image_name} has no port/health")
    return Workload(
        name=name,
        image=image,
        serves=serves,
        command=tuple(entry["command"]) if "command" in entry else None,
        uses=uses,
        calls=tuple(entry.get("calls", ())),
        autoscaling=bool(entry.get("autoscaling", False)),
        stop_timeout=min(int(entry.get("stopTimeoutSeconds", 30)), MAX_STOP_TIMEOUT),
    )


def parse_contract(data: dict[str, Any]) -> AppContract:
    """The contract from its JSON; raises ContractError when its parts disagree."""
    images = {name: _image(name, section) for name, section in data["images"].items()}
    services = {n: _workload(n, e, images) for n, e in data["services"].items()}
    tasks = {n: _workload(n, e, images) for n, e in data.get("tasks", {}).items()}
    routes = tuple(
        Route(
            str(r["service"]),
            hosts=tuple(r["hosts"]),
            paths=tuple(r.get("paths", ())),
            purpose=str(r.get("purpose", "")),
            name=str(r["name"]),
        )
        for r in data.get("routes", ())
    )
    for route in routes:
        if route.target not in services or not services[route.target].serves:
            raise ContractError(f"a route targets {route.target!r}, which serves no traffic")
    for service in services.values():
        if service.serves and not any(r.target == service.name for r in routes):
            raise ContractError(f"{service.name} serves traffic but no route leads to it")
        for called in service.calls:
            if called not in services or not services[called].serves:
                raise ContractError(f"{service.name} calls {called!r}, which serves no traffic")
    problems = check_routes(routes)
    if problems:
        raise ContractError("; ".join(problems))
    return AppContract(images=images, services=services, tasks=tasks, routes=routes)


def load_contract(path: Path | None = None) -> AppContract:
    """The contract at `path`, else at $FULLSTACK_CONTRACT, else app/contract.json."""
    chosen = path or Path(os.environ.get(CONTRACT_ENV) or CONTRACT_PATH)
    return _load(chosen.resolve())


@cache
def _load(path: Path) -> AppContract:
    return parse_contract(json.loads(path.read_text(encoding="utf-8")))
