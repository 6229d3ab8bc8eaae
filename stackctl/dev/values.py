"""Local values for the names stackctl/dev/env.py derives, and the local secrets file.

Secrets live in a gitignored file (`app/.env.dev` by default, mode 0600): `KEY=VALUE` lines, `#`
comments. The first run writes it with generated values for every secret name the contract's
images declare (the database login, the Redis password, APP_SECRET_KEY and whatever the app adds),
so nothing secret is ever typed, committed or passed on a command line. The same file may set:
- optional names of the contract (UPLOADS_BUCKET, the USER_POOL_* trio for `--auth cognito`),
  AWS_REGION, DB_NAME;
- the app's tunables that are not in the contract (API_DOCS=true, DB_SSLMODE, ...): given to every
  process.
It may not set the addresses the dev loop decides (DB_HOST/PORT, REDIS_HOST/PORT, the
`*_INTERNAL_URL`s): flags choose those.

Locally, the database credentials come from DB_USERNAME/DB_PASSWORD alone: DB_SECRET_ARN stays
unset, which makes the app re-read the environment instead of Secrets Manager (backend/credentials
.py), the way the app's own tests run it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from stackctl.dev.env import EnvNames, internal_url_name

DEFAULT_REGION = "us-east-1"  # only names a region: nothing calls AWS locally
LOCAL_POOL_SIZE = "5"  # the app's own default; one process, one developer
# Not in the contract: a tunable the dev loop sets for a process that uses the database. The
# PostgreSQL it starts has no TLS; "prefer" still uses TLS when a server given with --db offers it.
DATABASE_TUNABLES = {"DB_SSLMODE": "prefer"}
ADDRESS_NAMES = ("DB_HOST", "DB_PORT", "REDIS_HOST", "REDIS_PORT")


class DevConfigError(ValueError):
    """A value the dev loop needs is missing or not allowed; the message names the fix."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


@dataclass(frozen=True)
class Local:
    """Where things run on this machine, and what the secrets file says."""

    database: Endpoint
    redis: Endpoint | None
    urls: Mapping[str, str]  # service -> its base URL (http://127.0.0.1:8000)
    auth: str
    dotenv: Mapping[str, str] = field(default_factory=dict)
    fixed_env: Mapping[str, str] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()  # the images' optionalEnv and optionalSecrets
    contract_names: frozenset[str] = frozenset()  # every name any image declares
    env_file: Path = Path(".env.dev")


def _rule(name: str, local: Local) -> str | None:
    """The dev loop's own value for `name`, or None to leave it unset."""
    db, redis, given = local.database, local.redis, local.dotenv
    rules: dict[str, str | None] = {
        "AWS_REGION": given.get("AWS_REGION", DEFAULT_REGION),
        "DB_HOST": db.host,
        "DB_PORT": str(db.port),
        "DB_NAME": given.get("DB_NAME", "app"),
        "DB_SECRET_ARN": None,
        "REDIS_HOST": redis.host if redis else None,
        "REDIS_PORT": str(redis.port) if redis else None,
        "REDIS_TLS": "false",
        "DB_POOL_SIZE": given.get("DB_POOL_SIZE", LOCAL_POOL_SIZE),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "ALLOW_ANONYMOUS_WRITES": "true" if local.auth == "open" else None,
        # the site is the web's own address here (no CDN in between): its origin is the only one
        "SITE_ORIGINS": local.urls.get("web"),
    }
    for service, url in local.urls.items():
        rules[internal_url_name(service)] = url
    if name in rules:
        return rules[name]
    if name in given:
        return given[name]
    if name in local.fixed_env:
        return local.fixed_env[name]
    return None


def process_env(names: EnvNames, local: Local) -> dict[str, str]:
    """The contract's names for one process with their local values, plus the tunables.

    Raises DevConfigError for a required name nothing gives a value (naming the file to add it
    to) and for an address set in the secrets file."""
    for name in ADDRESS_NAMES:
        if name in local.dotenv:
            flag = "--db" if name.startswith("DB_") else "--redis"
            raise DevConfigError(
                f"{local.env_file}: {name} is set by the dev loop; remove it and pass "
                f"{flag} HOST:PORT to use a server you run"
            )
    env: dict[str, str] = {}
    missing: list[str] = []
    for name in names.all:
        value = _rule(name, local)
        if value is not None:
            env[name] = value
        elif name not in local.optional:
            missing.append(name)
    if missing:
        raise DevConfigError(
            f"{names.workload} needs {', '.join(missing)} (app/contract.json) and the dev loop "
            f"has no local value: add {missing[0]}=... to {local.env_file}"
        )
    if "database" in names.uses:
        env.update({k: v for k, v in DATABASE_TUNABLES.items() if k not in local.dotenv})
    # the file's own knobs (not contract names, which go only where the contract sends them)
    env.update({k: v for k, v in local.dotenv.items() if k not in local.contract_names})
    return env


# -- the secrets file --------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines; blank lines and `#` comments skipped; one pair of quotes stripped."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        if not sep or not key.isidentifier():
            raise DevConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw.strip()!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def generated_secret(name: str) -> str:
    """A dev value for a secret: the login name is readable, everything else random."""
    return "app" if name == "DB_USERNAME" else secrets.token_urlsafe(32)


def ensure_env_file(path: Path, secret_names: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The file's values, after adding a generated value for each secret it lacks (the file is
    created 0600 when absent). Returns (values, names just generated)."""
    values = read_env_file(path) if path.exists() else {}
    added = [name for name in secret_names if name not in values]
    if added:
        lines = []
        if not path.exists():
            lines += [
                "# Local values for `python -m stackctl dev` and app/compose.yaml. Generated;",
                "# never commit this file (it is gitignored). Delete a line to regenerate it.",
                "# Optional: UPLOADS_BUCKET, AWS_REGION, DB_NAME, API_DOCS=true, and for",
                "# --auth cognito USER_POOL_ISSUER, USER_POOL_CLIENT_ID, USER_POOL_JWKS_URL.",
            ]
        lines += [f"{name}={generated_secret(name)}" for name in added]
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        descriptor = os.open(path, flags, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
                handle.write("\n")
            handle.write("\n".join(lines) + "\n")
        values = read_env_file(path)
    return values, added
