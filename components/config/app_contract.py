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
  service serves which host groups and paths (components/config/routing.py);
- `appSecrets` (optional): the app's OWN secrets (an OAuth client secret, a payment API key),
  which the infrastructure does not make: name -> the services that receive it (`services`),
  what it is (`doc`) and whether a deploy may go ahead without it (`optional`, default false).
  A person stores each value per stack with `python -m stackctl secret set` (a SecureString
  parameter `/<project>/<stack>/app-secrets/<NAME>`); the services get it as an ECS container
  secret (components/config/app_secrets.py). A one-off task gets the secrets of the service
  whose roles it borrows (the migration: the api's).

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
import re
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
SELF_SIGN_UP_ENV = (
    "SELF_SIGN_UP"  # the web's sign-up switch (UserPool.sign_in_link with selfSignUp)
)
# The web's MFA switch: `optional` when the pool allows TOTP MFA (UserPool.sign_in_link with
# totp_mfa), so the page offers to set up an authenticator app.
MFA_ENV = "MFA"
MFA_OPTIONAL = "optional"
MAX_STOP_TIMEOUT = 120  # ECS allows a container stop timeout of at most 120 s on Fargate
# An app secret's name is the environment variable the containers see, and the last part of its
# parameter's name (SSM allows letters, digits and `_.-`): upper case, digits and underscores.
APP_SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
# Names the platform sets in every task: the ECS agent and Fargate set AWS_REGION,
# AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (the task role's credentials), AWS_EXECUTION_ENV,
# ECS_CONTAINER_METADATA_URI_V4...; overriding one would break credentials or metadata.
RESERVED_PREFIXES = ("AWS_", "ECS_")
RESERVED_NAMES = frozenset({"PATH", "HOME", "HOSTNAME"})


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
class AppSecret:
    """A secret of the app's own (`appSecrets`): stored by a person, injected by ECS."""

    name: str  # the environment variable the services see
    services: tuple[str, ...]
    doc: str
    optional: bool = False


@dataclass(frozen=True)
class AppContract:
    images: dict[str, Image]
    services: dict[str, Workload]
    tasks: dict[str, Workload]
    routes: tuple[Route, ...]
    app_secrets: dict[str, AppSecret] = field(default_factory=dict)

    def app_secrets_of(self, service: str) -> tuple[AppSecret, ...]:
        """The app's own secrets `service` receives, in the contract's order."""
        return tuple(s for s in self.app_secrets.values() if service in s.services)

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


def _infra_names(data: dict[str, Any]) -> set[str]:
    """Every variable the infrastructure hands an image (env, secrets, fixed env, build args)."""
    names: set[str] = set()
    for section in data["images"].values():
        for key in ("env", "optionalEnv", "secrets", "optionalSecrets", "buildArgs"):
            names.update(str(n) for n in section.get(key, ()))
        names.update(str(n) for n in section.get("fixedEnv", {}))
    for entry in data["services"].values():  # each called service's URL (workloads.py)
        names.update(f"{str(c).upper()}_INTERNAL_URL" for c in entry.get("calls", ()))
    return names


def _app_secret(name: str, entry: Any, data: dict[str, Any]) -> AppSecret:
    where = f"appSecrets.{name}"
    if not APP_SECRET_NAME.match(name):
        raise ContractError(
            f"{where}: the name {name!r} is not allowed: it becomes an environment variable, "
            "so use upper-case letters, digits and underscores, starting with a letter "
            "(at most 128 characters), e.g. STRIPE_API_KEY"
        )
    if name.startswith(RESERVED_PREFIXES) or name in RESERVED_NAMES:
        raise ContractError(
            f"{where}: the name {name!r} is reserved: ECS and Fargate set "
            f"{', '.join(p + '*' for p in RESERVED_PREFIXES)} and the image's "
            f"{', '.join(sorted(RESERVED_NAMES))}; pick another name"
        )
    if name in _infra_names(data):
        raise ContractError(
            f"{where}: {name!r} is already a variable the infrastructure gives the app "
            "(an image's env, secrets, fixedEnv or buildArgs); pick another name"
        )
    if not isinstance(entry, dict):
        raise ContractError(
            f"{where}: expected an object such as "
            '{"services": ["api"], "doc": "what it is"}, got ' + repr(entry)
        )
    unknown = set(entry) - {"services", "doc", "optional"}
    if unknown:
        raise ContractError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: services, doc, optional"
        )
    services = entry.get("services")
    if (
        not isinstance(services, list)
        or not services
        or not all(isinstance(s, str) for s in services)
    ):
        raise ContractError(
            f"{where}.services: {services!r}; expected a non-empty list of service names "
            f"from {sorted(data['services'])}"
        )
    unknown_services = [s for s in services if s not in data["services"]]
    if unknown_services:
        tasks = sorted(set(unknown_services) & set(data.get("tasks", {})))
        hint = (
            f" ({', '.join(tasks)} is a one-off task: it gets the secrets of the service "
            "whose image and roles it borrows)"
            if tasks
            else ""
        )
        raise ContractError(
            f"{where}.services: {sorted(unknown_services)} is not a service; allowed: "
            f"{sorted(data['services'])}{hint}"
        )
    if len(set(services)) != len(services):
        raise ContractError(f"{where}.services: {services!r} names a service twice")
    doc = entry.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise ContractError(
            f"{where}.doc: {doc!r}; expected a sentence saying what the secret is and where "
            "to get it (stackctl secret list shows it)"
        )
    optional = entry.get("optional", False)
    if not isinstance(optional, bool):
        raise ContractError(f"{where}.optional: {optional!r}; expected true or false")
    return AppSecret(name=name, services=tuple(services), doc=doc.strip(), optional=optional)


def _app_secrets(data: dict[str, Any]) -> dict[str, AppSecret]:
    section = data.get("appSecrets", {})
    if not isinstance(section, dict):
        raise ContractError(
            f"appSecrets: expected an object of NAME -> {{services, doc, optional}}, got "
            f"{section!r}"
        )
    return {str(name): _app_secret(str(name), entry, data) for name, entry in section.items()}


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
    return AppContract(
        images=images,
        services=services,
        tasks=tasks,
        routes=routes,
        app_secrets=_app_secrets(data),
    )


def load_contract(path: Path | None = None) -> AppContract:
    """The contract at `path`, else at $FULLSTACK_CONTRACT, else app/contract.json."""
    chosen = path or Path(os.environ.get(CONTRACT_ENV) or CONTRACT_PATH)
    return _load(chosen.resolve())


@cache
def _load(path: Path) -> AppContract:
    return parse_contract(json.loads(path.read_text(encoding="utf-8")))
