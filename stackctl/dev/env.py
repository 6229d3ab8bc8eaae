"""Which environment names each workload receives, derived from app/contract.json.

The deployed stack decides a workload's environment in one place (components/compute/
workloads.py): the image's `fixedEnv`, what each data store it `uses` hands it (the stores'
`link()`s in components/data and components/security), `<NAME>_INTERNAL_URL` for every service it
`calls`, and the app's own knobs (`app_env`). A one-off task borrows the environment of the first
service that runs its image (`host_of`: the migration runs as the api). This module applies the
same rules to the contract without running the program, so `stackctl dev` (and the compose file's
test) give each process the names its task definition has. tests/tools/test_dev_env.py compares
the result with the program's rendered task definitions: a store that hands out a new name, or a
contract change, fails there until this table follows.

Nothing here knows values; stackctl/dev/values.py gives the local ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.app_contract import (
    MFA_ENV,
    SELF_SIGN_UP_ENV,
    SITE_ORIGINS_ENV,
    AppContract,
    Workload,
)

# What a workload that `uses` a store is handed: (plain names, secret names). The source of truth
# is each store's `link()`: components/data/database.py, cache.py, app_storage.py and
# components/security/user_pool.py (the test above keeps the two in step).
STORE_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "database": (
        ("AWS_REGION", "DB_HOST", "DB_PORT", "DB_NAME", "DB_SECRET_ARN"),
        ("DB_USERNAME", "DB_PASSWORD"),
    ),
    "cache": (("REDIS_HOST", "REDIS_PORT", "REDIS_TLS"), ("REDIS_AUTH_TOKEN",)),
    "storage": (("AWS_REGION", "UPLOADS_BUCKET"), ("APP_SECRET_KEY",)),
    "auth": (("USER_POOL_ISSUER", "USER_POOL_CLIENT_ID", "USER_POOL_JWKS_URL"), ()),
    "signIn": (("USER_POOL_ISSUER", "USER_POOL_CLIENT_ID"), ()),  # UserPool.sign_in_link()
}
AUTH_USES = frozenset({"auth", "signIn"})  # what a stack without a user pool links nothing for
AUTH_MODES = ("open", "cognito", "none")  # the stack's `auth` setting, same meanings


@dataclass(frozen=True)
class EnvNames:
    """The names one process receives: plain values and secrets, each sorted."""

    workload: str
    plain: tuple[str, ...]
    secrets: tuple[str, ...]
    uses: tuple[str, ...] = ()  # the stores (and auth) its environment comes from

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted({*self.plain, *self.secrets}))


def internal_url_name(service: str) -> str:
    """`API_INTERNAL_URL` for `api`: where a caller finds a service it `calls`."""
    return f"{service.upper()}_INTERNAL_URL"


def _service_names(
    workload: Workload, auth: str, self_sign_up: bool = False, totp_mfa: bool = False
) -> EnvNames:
    plain: set[str] = set(workload.image.fixed_env)
    secrets: set[str] = set()
    for store in workload.uses:
        if store in AUTH_USES and auth != "cognito":
            continue  # no user pool: the stack links none
        store_plain, store_secrets = STORE_NAMES[store]
        plain.update(store_plain)
        secrets.update(store_secrets)
    plain.update(internal_url_name(called) for called in workload.calls)
    if self_sign_up and auth == "cognito" and "signIn" in workload.uses:
        plain.add(SELF_SIGN_UP_ENV)  # UserPool.sign_in_link() with the selfSignUp dial
    if totp_mfa and auth == "cognito" and "signIn" in workload.uses:
        plain.add(MFA_ENV)  # UserPool.sign_in_link() with TOTP MFA (the mvp profile)
    # The app's knobs (components/compute/workloads.py, app_env)
    if auth == "open" and workload.serves and AUTH_USES & set(workload.uses):
        plain.add("ALLOW_ANONYMOUS_WRITES")
    if SITE_ORIGINS_ENV in workload.image.env:
        plain.add(SITE_ORIGINS_ENV)  # the site's names, for the server-action origin check
    if "database" in workload.uses:
        plain.add("DB_POOL_SIZE")
    if workload.serves and workload.image.runtime == "python":
        plain.add("FORWARDED_ALLOW_IPS")
    return EnvNames(
        workload.name, tuple(sorted(plain)), tuple(sorted(secrets)), tuple(workload.uses)
    )


def host_service(contract: AppContract, task: Workload) -> Workload:
    """The service a one-off task borrows its environment from: the first on the same image
    (the stack's rule, components/config/services.py `host_of`)."""
    for service in contract.services.values():
        if service.image.name == task.image.name:
            return service
    raise ValueError(f"task {task.name}: no service runs the {task.image.name} image")


def env_names(
    contract: AppContract,
    name: str,
    auth: str = "open",
    self_sign_up: bool = False,
    totp_mfa: bool = False,
) -> EnvNames:
    """The environment names the service or task `name` receives with the stack's `auth` (and
    its `selfSignUp` dial; `totp_mfa`: the pool allows TOTP MFA, as in the mvp profile)."""
    if auth not in AUTH_MODES:
        raise ValueError(f"auth={auth!r}; allowed: {', '.join(AUTH_MODES)}")
    if name in contract.services:
        return _service_names(contract.services[name], auth, self_sign_up, totp_mfa)
    if name in contract.tasks:
        host = _service_names(
            host_service(contract, contract.tasks[name]), auth, self_sign_up, totp_mfa
        )
        return EnvNames(name, host.plain, host.secrets, host.uses)
    known = sorted({*contract.services, *contract.tasks})
    raise ValueError(f"{name!r} is not a service or task of the contract ({', '.join(known)})")


@dataclass(frozen=True)
class Declared:
    """What the contract's images declare, from its JSON: every name, and the optional ones."""

    names: frozenset[str]
    optional: frozenset[str]
    secrets: tuple[str, ...]


def declared(raw: dict[str, Any]) -> Declared:
    """Every env and secret name of every image in the contract's JSON; which may be unset."""
    names: set[str] = set()
    optional: set[str] = set()
    secret_names: list[str] = []
    for section in raw.get("images", {}).values():
        names.update(section.get("env", ()))
        names.update(section.get("secrets", ()))
        optional.update(section.get("optionalEnv", ()))
        optional.update(section.get("optionalSecrets", ()))
        secret_names += [s for s in section.get("secrets", ()) if s not in secret_names]
    return Declared(frozenset(names), frozenset(optional), tuple(secret_names))
