"""The app's own secrets (`appSecrets` of app/contract.json): where they live, who gets them, and
the check that they are set before a deploy rolls out.

Where: one SecureString standard parameter per secret and stack, named
`/<project>/<stack>/app-secrets/<NAME>` (`Naming.app_secret`), under the stack's parameter path
that the permissions boundary (components/security/boundary.py, `ThisStacksParameters`) and the
CI deploy role (`StackParameters`) are scoped to. A person writes it with `python -m stackctl
secret set` (stackctl/secrets.py), never the program: the program only refers to it, so the
value is never in the program, its config or its state. The parameter is encrypted with the
account's AWS managed key `aws/ssm` (no KeyId), like the app secret key with `appSecretStore:
parameterStore`.

Who: `app_secret_links(...)` gives each service that the contract lists a `Link` whose
`secrets` map the variable to the parameter's full ARN (ECS `valueFrom`) and whose `secret_arns`
let its execution role call ssm:GetParameters on exactly those ARNs (components/compute/
fargate_service.py, `secret_read_statements`). With `aws/ssm` no KMS grant is needed
(aws-facts#ssm-securestring). Never `environment`: ECS fetches the value when it starts the task.

The check: ECS would otherwise fail to start the tasks with a bare ResourceNotFoundException on
the parameter. `AppSecretsCheck` (type `pulumi-python:dynamic/fullstack:AppSecretsCheck`) runs
during every `pulumi up` before the migration and the services roll out: ssm:DescribeParameters
(names and types only, never a value) for the required secrets, and it fails the `up` naming
each missing one and the command that sets it. Its `diff` always reports a change, so it runs at
every `up` (a preview shows it as an update); `check` and `diff` make no AWS call, so `pulumi
preview` checks nothing (`stackctl secret list` does). Its provider class is stored by reference
in the stack's state (dill, aws-facts#dynamic-provider-pickle): `AppSecretsCheckProvider` must
stay importable from this module.

Cost: a standard parameter is free (`ssm.parameter.standard.month`); the check is one
DescribeParameters call (a page per 50 parameters) per `up`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.config.app_contract import AppContract, AppSecret
from components.kit.links import Link
from components.kit.naming import APP_SECRETS_PATH, Naming
from components.kit.release_aws import AccountClients, ReleaseStepError, translated

__all__ = [
    "AppSecretsCheck",
    "AppSecretsCheckProvider",  # stored by reference in a stack's state: never move or rename
]

SECURE_STRING = "SecureString"

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


def parameter_arn(region: str, account: str, parameter_name: str) -> str:
    """The ARN of parameter `/a/b` (`arn:aws:ssm:<region>:<account>:parameter/a/b`): ECS takes
    it as `valueFrom`, IAM as the resource."""
    if not parameter_name.startswith("/"):
        raise ValueError(f"parameter name {parameter_name!r} must start with /")
    return f"arn:aws:ssm:{region}:{account}:parameter{parameter_name}"


def app_secret_links(
    contract: AppContract, naming: Naming, region: str, account: str
) -> dict[str, Link]:
    """Service name -> the link that injects the app secrets the contract gives it."""
    links: dict[str, Link] = {}
    for service in contract.services:
        arns = {
            secret.name: parameter_arn(region, account, naming.app_secret(secret.name))
            for secret in contract.app_secrets_of(service)
        }
        if arns:
            links[service] = Link(secrets=arns, secret_arns=sorted(arns.values()))
    return links


@dataclass(frozen=True)
class Stored:
    """One parameter under the stack's app-secrets path, as DescribeParameters shows it."""

    name: str  # the secret's name (the parameter's last part)
    kind: str  # SecureString, String, StringList
    changed: datetime | None


def stored_secrets(ssm: Any, naming: Naming) -> dict[str, Stored]:
    """The parameters directly under `/<project>/<stack>/app-secrets` by secret name:
    DescribeParameters (names, types, dates; never a value)."""
    path = naming.parameter(APP_SECRETS_PATH)
    found: dict[str, Stored] = {}
    paginator = ssm.get_paginator("describe_parameters")
    filters = [{"Key": "Path", "Option": "OneLevel", "Values": [path]}]
    for page in paginator.paginate(ParameterFilters=filters):
        for parameter in page.get("Parameters", []):
            name = str(parameter["Name"]).removeprefix(path + "/")
            changed = parameter.get("LastModifiedDate")
            found[name] = Stored(
                name,
                str(parameter.get("Type", "")),
                changed if isinstance(changed, datetime) else None,
            )
    return found


def set_command(stack: str, name: str) -> str:
    return f"python -m stackctl secret set --stack {stack} {name}"


def secret_problems(
    secrets: Sequence[AppSecret], naming: Naming, stored: Mapping[str, Stored]
) -> list[str]:
    """What stops a deploy: a required secret not stored, or stored as something other than a
    SecureString (plaintext at rest); each says the command that fixes it."""
    problems = []
    for secret in secrets:
        parameter = naming.app_secret(secret.name)
        found = stored.get(secret.name)
        kind = found.kind if found is not None else None
        if kind is None and not secret.optional:
            problems.append(
                f"{secret.name} (for {', '.join(secret.services)}) is not set: "
                f"run `{set_command(naming.stack, secret.name)}`"
            )
        elif kind is not None and kind != SECURE_STRING:
            problems.append(
                f"{secret.name} is stored as a {kind} parameter ({parameter}), not a "
                f"SecureString: run `{set_command(naming.stack, secret.name)}` to store it again"
            )
    return problems


def check_props(
    contract: AppContract, naming: Naming, account: Mapping[str, Any]
) -> dict[str, Any]:
    """The check's inputs: what it looks for, in which account (plain JSON values)."""
    return {
        "account": dict(account),
        "region": account["region"],
        "project": naming.project,
        "stack": naming.stack,
        "secrets": [
            {"name": s.name, "services": list(s.services), "optional": s.optional}
            for s in contract.app_secrets.values()
        ],
    }


class AppSecretsCheckProvider(ResourceProvider):
    """Checks on create and on every update that the app's required secrets are stored."""

    def __init__(self, clients: ClientFactory | None = None) -> None:
        self.clients = clients

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        # every `up` checks again: a secret removed since the last one would fail the tasks
        return DiffResult(changes=True, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._check(props)
        return CreateResult(id_=f"app-secrets-{props['project']}-{props['stack']}", outs=props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._check(news)
        return UpdateResult(outs=news)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None  # the secrets are a person's: never deleted by the program

    def _check(self, props: dict[str, Any]) -> None:
        naming = Naming(str(props["project"]), str(props["stack"]))
        secrets = [
            AppSecret(
                name=str(s["name"]),
                services=tuple(str(x) for x in s["services"]),
                doc="",
                optional=bool(s["optional"]),
            )
            for s in props["secrets"]
        ]
        region = str(props["region"])
        if self.clients is None:
            clients = AccountClients(props.get("account") or {"region": region})
            clients.session()  # sts:GetCallerIdentity against allowed/forbidden ids, first
            factory: ClientFactory = clients
        else:
            factory = self.clients
        with translated("checking that the app's secrets are set"):
            stored = stored_secrets(factory("ssm", region), naming)
        problems = secret_problems(secrets, naming, stored)
        if problems:
            raise ReleaseStepError(
                "the app's secrets are not ready, so no service was rolled out: "
                + "; ".join(problems)
                + ". Then run `pulumi up` again."
            )


class AppSecretsCheck(Resource, module="fullstack", name="AppSecretsCheck"):
    """During `pulumi up`: every required app secret is stored (names only, no values)."""

    def __init__(
        self,
        name: str,
        contract: AppContract,
        naming: Naming,
        account: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            AppSecretsCheckProvider(), name, check_props(contract, naming, account), opts
        )
