"""`python -m stackctl secret set|list|rm --stack S [NAME]`: the app's own secrets of a stack.

The app declares them in app/contract.json (`appSecrets`: name, the services that get it, what
it is, whether a deploy may go without it); this command stores their values, one SecureString
standard parameter each, `/<project>/<stack>/app-secrets/<NAME>` (components/kit/app_secrets.py),
encrypted with the account's `aws/ssm` key. The program never sees a value: it hands each
service the parameter's ARN as an ECS container secret, and ECS reads the value when it starts
a task (so running tasks keep the old value until they are replaced: redeploy after a change).

  set   reads the value from standard input when it is not a terminal (`... < file`, a pipe;
        one trailing newline is dropped), else asks for it twice without echo; never from the
        command line (it would land in the shell's history and the process list). Only a
        declared name is accepted.
  list  every declared secret: the services that get it, whether it is required, whether it is
        set (and when it last changed), never a value; plus parameters under the path that the
        contract no longer declares. Exit 1 when a required secret is not set.
  rm    deletes the parameter (a declared, required one: the next `pulumi up` refuses until it
        is set again, and new tasks could not start).

The AWS account is the stack's own, as for `stackctl migrate`: the `aws:` keys of
`Pulumi.<stack>.yaml` build the session (components/config/aws_account.py); the region is the
stack's `aws:region` unless `--region` says otherwise. Every expected failure is one line on
stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import UTC
from typing import Any, TextIO

from components.config.app_contract import APP_SECRET_NAME, AppContract, load_contract
from components.kit.app_secrets import SECURE_STRING, set_command, stored_secrets
from components.kit.naming import APP_SECRETS_PATH, Naming
from stackctl.ops import OpsError, refuse_extra_arguments, report_failures, stack_client

# A standard parameter holds at most 4 KB (aws-facts#ssm-securestring); advanced ones are billed.
MAX_VALUE_BYTES = 4096


def secrets_path(naming: Naming) -> str:
    return naming.parameter(APP_SECRETS_PATH)


def read_value(stdin: TextIO, prompt: Callable[[str], str]) -> str:
    """The value: all of a piped or redirected stdin (one trailing newline dropped), else typed
    twice at a prompt that does not echo."""
    if not stdin.isatty():
        value = stdin.read()
        if value.endswith("\r\n"):
            value = value[:-2]
        elif value.endswith("\n"):
            value = value[:-1]
    else:
        value = prompt("Value (not shown): ")
        if prompt("Again: ") != value:
            raise OpsError("the two values differ; nothing was stored")
    if not value:
        raise OpsError("the value is empty; nothing was stored")
    if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise OpsError(
            f"the value is {len(value.encode('utf-8'))} bytes; a standard parameter holds at "
            f"most {MAX_VALUE_BYTES}; nothing was stored"
        )
    return value


def _declared(contract: AppContract, name: str) -> None:
    if name not in contract.app_secrets:
        declared = ", ".join(contract.app_secrets) or "none"
        raise OpsError(
            f"{name} is not declared in app/contract.json `appSecrets` (declared: {declared}); "
            "declare it there first, with the services that receive it"
        )


def set_secret(
    ssm: Any,
    naming: Naming,
    contract: AppContract,
    name: str,
    value: str,
    *,
    say: Callable[[str], None],
) -> int:
    _declared(contract, name)
    secret = contract.app_secrets[name]
    parameter = naming.app_secret(name)
    response = ssm.put_parameter(
        Name=parameter,
        Value=value,
        Type=SECURE_STRING,
        Tier="Standard",
        Overwrite=True,
        Description=f"app secret {name} of stack {naming.stack}: {secret.doc}"[:1024],
    )
    say(
        f"Stored {name} for stack {naming.stack} ({parameter}, version {response['Version']}). "
        f"{', '.join(secret.services)} read it when a task starts: run `pulumi up` (or wait "
        "for the next deploy) for running tasks to get it."
    )
    return 0


def list_secrets(
    ssm: Any, naming: Naming, contract: AppContract, region: str, say: Callable[[str], None]
) -> int:
    stored = stored_secrets(ssm, naming)
    say(f"App secrets of stack {naming.stack} ({secrets_path(naming)}/, {region}):")
    if not contract.app_secrets:
        say("  app/contract.json declares none (`appSecrets`).")
    width = max([len(n) for n in contract.app_secrets] + [4])
    missing = []
    for secret in contract.app_secrets.values():
        found = stored.get(secret.name)
        if found is None:
            state = "NOT SET" if not secret.optional else "not set (optional)"
            if not secret.optional:
                missing.append(secret.name)
        elif found.kind != SECURE_STRING:
            state = f"stored as {found.kind}, not SecureString: set it again"
            missing.append(secret.name)
        else:
            when = found.changed.astimezone(UTC) if found.changed else None
            state = f"set (changed {when:%Y-%m-%d %H:%M} UTC)" if when else "set"
        need = "optional" if secret.optional else "required"
        say(f"  {secret.name:<{width}}  {need:<8}  {', '.join(secret.services):<20}  {state}")
        say(f"  {'':<{width}}  {secret.doc}")
    for name in sorted(set(stored) - set(contract.app_secrets)):
        say(
            f"  {name:<{width}}  stored, but not declared: no service gets it "
            f"(`python -m stackctl secret rm --stack {naming.stack} {name}` removes it)"
        )
    if missing:
        say(
            f"{len(missing)} required secret(s) not ready: "
            + "; ".join(f"`{set_command(naming.stack, n)}`" for n in missing)
        )
        return 1
    return 0


def remove_secret(
    ssm: Any, naming: Naming, contract: AppContract, name: str, say: Callable[[str], None]
) -> int:
    from botocore.exceptions import ClientError

    parameter = naming.app_secret(name)
    try:
        ssm.delete_parameter(Name=parameter)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            raise OpsError(f"{name} is not set for stack {naming.stack}; nothing removed") from None
        raise
    say(f"Removed {name} of stack {naming.stack} ({parameter}).")
    secret = contract.app_secrets.get(name)
    if secret is not None and not secret.optional:
        say(
            f"It is required ({', '.join(secret.services)}): the next `pulumi up` refuses and "
            f"new tasks cannot start until `{set_command(naming.stack, name)}`."
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    from stackctl.harness import project_name

    label = f"secret {args.action}"
    say = print

    def body() -> int:
        refuse_extra_arguments(args.extra, "secret value", after="the name")
        if args.action != "list" and not APP_SECRET_NAME.match(args.name):
            raise OpsError(
                f"{args.name!r} is not a secret name: upper-case letters, digits and "
                "underscores, starting with a letter"
            )
        contract = load_contract()
        naming = Naming(project_name(), args.stack)
        if args.action == "set":
            _declared(contract, args.name)
            value = read_value(sys.stdin, getpass.getpass)
            ssm, _ = stack_client(args.stack, "ssm", args.region)
            return set_secret(ssm, naming, contract, args.name, value, say=say)
        ssm, region = stack_client(args.stack, "ssm", args.region)
        if args.action == "list":
            return list_secrets(ssm, naming, contract, region, say)
        return remove_secret(ssm, naming, contract, args.name, say)

    return report_failures(label, args.stack, body, (OpsError, ValueError))


def add_secret_parser(commands: Any) -> None:
    """Register `secret set|list|rm` on the stackctl subparsers."""
    parser = commands.add_parser(
        "secret",
        help="set, list or remove the app's own secrets of a stack (app/contract.json appSecrets)",
        description="Store the app's own secrets (declared in app/contract.json `appSecrets`) "
        "as SecureString parameters of the stack, list which are set (never their values), or "
        "remove one. `set` reads the value from standard input or a hidden prompt, never from "
        "the command line.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    helps = {
        "set": "store a secret's value (from standard input, or typed at a hidden prompt)",
        "list": "the declared secrets, who gets them and whether each is set (never values)",
        "rm": "delete a secret's parameter",
    }
    for action, text in helps.items():
        sub = actions.add_parser(action, help=text, description=text)
        if action != "list":
            sub.add_argument("name", metavar="NAME", help="the secret, e.g. STRIPE_API_KEY")
        # anything more (a value typed after the name) is refused without being echoed
        sub.add_argument("extra", nargs="*", help=argparse.SUPPRESS)
        sub.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
        sub.add_argument("--region", help="AWS region (default: the stack's aws:region)")
        sub.set_defaults(func=_run)
