"""The live check's stack: its name and its configuration, derived from a stack of the repository.

The check creates a stack, deploys it, checks it and destroys it. So that it can never touch a
stack someone uses, its name must start with `live-` (default `live-<your user name>`); dev and
prod are refused. Its configuration is the source stack's (`Pulumi.dev.yaml` by default: the
same profile, region and sizes) with these changes:

- set: `auth: cognito` (the check signs in a test user and writes through the real token check),
  `deletionProtection: false` (the destroy at the end must delete everything, data included) and
  `images: build` (`pulumi up` builds the images from the working tree: a new stack's registry
  is empty, so `images: registry` would leave the services at 0 tasks);
- dropped: every key in DROPPED, each for the reason given there (they would clash with the
  source stack, mail someone, reach outside the throwaway stack, or put it to sleep).

A source value kept encrypted (`secure:`) cannot be copied: it is encrypted with the source
stack's key. The derivation refuses it by name. `overrides` (`key=value`, the `--live-set`
option) apply last; the program checks the result like any stack's config.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stackctl.harness import PROJECT_ROOT, project_name, stack_config

PREFIX = "live-"
MAX_NAME = 20  # short: every physical name starts with <project>-<stack>
NAME = re.compile(rf"^{PREFIX}[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

FORCED = {"auth": "cognito", "deletionProtection": "false", "images": "build"}
DROPPED = {
    "domain": "its certificates, aliases and DNS records are the source stack's (CloudFront "
    "refuses an alias another distribution already has)",
    "hostedZoneId": "only with domain",
    "albHttps": "needs domain",
    "githubRepo": "CI roles are for stacks CI deploys, and the account's one GitHub OIDC "
    "provider belongs to the source stack",
    "githubOidcProvider": "only with githubRepo",
    "stateBucket": "only with githubRepo",
    "secretsKeyArn": "only with githubRepo",
    "alarmEmail": "a throwaway stack should not mail anyone",
    "sleep": "the check must not meet a sleeping stack",
    "imageTag": "images: build tags the images by content",
}


class LiveConfigError(ValueError):
    """The live stack's name or configuration is not acceptable; the message says why."""


def default_stack_name(user: str | None = None) -> str:
    """`live-<user>`, the user name reduced to lowercase letters, digits and hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", (user or _user()).lower()).strip("-")
    slug = slug[: MAX_NAME - len(PREFIX)].rstrip("-")
    return f"{PREFIX}{slug or 'check'}"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "check"


def check_stack_name(name: str) -> str:
    if not NAME.match(name) or len(name) > MAX_NAME:
        raise LiveConfigError(
            f"live stack name {name!r}: must start with {PREFIX!r} and be at most {MAX_NAME} "
            "lowercase letters, digits and hyphens (e.g. live-ana). The check destroys its "
            "stack at the end, so it refuses any name a real stack (dev, prod) could have."
        )
    return name


@dataclass(frozen=True)
class LiveConfig:
    stack: str
    source: str
    project: str
    # namespaced key -> the value as `pulumi config set` stores it and the program reads it
    values: dict[str, str]
    dropped: tuple[str, ...]  # keys of the source not copied

    def value(self, key: str) -> str | None:
        return self.values.get(key if ":" in key else f"{self.project}:{key}")


def derive(
    stack: str,
    source: str = "dev",
    overrides: Iterable[str] = (),
    root: Path = PROJECT_ROOT,
) -> LiveConfig:
    """The live stack's config: the source stack's file, changed as the module docstring says."""
    check_stack_name(stack)
    project = project_name(root)
    path = root / f"Pulumi.{source}.yaml"
    if not path.exists():
        raise LiveConfigError(f"no {path.name}: the live stack copies the config of a stack file")
    with open(path, encoding="utf-8") as handle:
        raw: Mapping[str, Any] = (yaml.safe_load(handle) or {}).get("config") or {}
    _, source_values = stack_config(source, root=root)  # as the program would read them
    values: dict[str, str] = {}
    dropped: list[str] = []
    for key, value in source_values.items():
        namespace, _, name = key.partition(":")
        if namespace == project and name in DROPPED:
            dropped.append(key)
            continue
        if isinstance(raw.get(key), dict) and "secure" in raw[key]:
            raise LiveConfigError(
                f"{key} in {path.name} is encrypted with the {source} stack's secrets provider "
                "and cannot be copied; give the live stack a plain value with --live-set "
                f"{name}=VALUE (or drop the key from the copy by editing {path.name})"
            )
        values[key] = value
    values.update({f"{project}:{name}": value for name, value in FORCED.items()})
    for override in overrides:
        key, sep, text = override.partition("=")
        if not sep or not key:
            raise LiveConfigError(f"--live-set {override!r}: expected KEY=VALUE")
        values[key if ":" in key else f"{project}:{key}"] = text
    return LiveConfig(stack, source, project, values, tuple(dropped))
