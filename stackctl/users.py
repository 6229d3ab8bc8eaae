"""`python -m stackctl user add|list|rm --stack S [EMAIL]`: who may sign in to a stack's site.

With `auth: cognito` (the default) the stack has an Amazon Cognito user pool
(components/security/user_pool.py) whose users sign in with their email address, and without
`selfSignUp` nobody can create an account but an administrator. This command is that
administrator's tool, run by a person with their own AWS credentials:

  add   creates a user whose username is the email (the pool's username attribute; stored in
        lower case, as the pool's usernames are case-insensitive), with the email marked
        verified and no invitation mail, then gives it a permanent password, so the user can
        sign in to the web at once (the web has no "choose a new password" step).
        The password is read from standard input when it is not a terminal, else typed twice at
        a prompt that does not echo; never from the command line. It is checked first against
        the pool's own password policy (DescribeUserPool) and Cognito's character rules, and a
        refusal names each rule it breaks. `--reset-password` sets a new password for a user
        who exists instead.
  list  each user's email, status, whether it is enabled and when it was created; nothing else
        (no token, no attribute but the email).
  rm    deletes a user, after a confirmation (`--yes` skips it; without a terminal it is
        required).

The pool is the stack's `userPoolId` output (`pulumi stack output --json`, or `--outputs FILE`).
The AWS account is the stack's own, as for `stackctl secret`: the `aws:` keys of
`Pulumi.<stack>.yaml` build the session; the region is the pool's (the stack's `region`
output) unless `--region` says otherwise. Every expected failure is one line on stderr and
exit code 2. IAM actions it calls (docs/auth.md): cognito-idp:DescribeUserPool,
AdminGetUser, AdminCreateUser, AdminSetUserPassword, AdminDeleteUser, ListUsers.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from stackctl.ops import OpsError, refuse_extra_arguments, report_failures, stack_client
from stackctl.outputs import OutputsError, read_outputs_json, user_pool_output

# Cognito's password rules beyond the pool's policy (docs/aws-facts.md#cognito-passwords):
# basic Latin letters, digits and these special characters, a space counting as special; at most
# 256 characters. Ours: no space at either end (a stray one in a piped line is a mistake).
SPECIAL_CHARACTERS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
MAX_PASSWORD_LENGTH = 256
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_ALLOWED = _LOWER | _UPPER | _DIGITS | SPECIAL_CHARACTERS
# What `add` accepts as an email before asking AWS: one @, a dot in the domain, no spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_USERNAME = 128  # botocore cognito-idp model: UsernameType


@dataclass(frozen=True)
class PasswordPolicy:
    """A pool's PasswordPolicyType (DescribeUserPool `Policies.PasswordPolicy`)."""

    minimum_length: int = 8
    lowercase: bool = False
    uppercase: bool = False
    numbers: bool = False
    symbols: bool = False

    @classmethod
    def of_pool(cls, pool: dict[str, Any]) -> PasswordPolicy:
        policy = pool.get("Policies", {}).get("PasswordPolicy", {})
        return cls(
            minimum_length=int(policy.get("MinimumLength", 8)),
            lowercase=bool(policy.get("RequireLowercase", False)),
            uppercase=bool(policy.get("RequireUppercase", False)),
            numbers=bool(policy.get("RequireNumbers", False)),
            symbols=bool(policy.get("RequireSymbols", False)),
        )

    def broken_rules(self, password: str) -> list[str]:
        """Each rule the password breaks, in words; empty when Cognito should accept it."""
        chars = set(password)
        broken = []
        if len(password) < self.minimum_length:
            broken.append(f"at least {self.minimum_length} characters (it has {len(password)})")
        if len(password) > MAX_PASSWORD_LENGTH:
            broken.append(f"at most {MAX_PASSWORD_LENGTH} characters (it has {len(password)})")
        if self.lowercase and not chars & _LOWER:
            broken.append("a lower-case letter (a-z)")
        if self.uppercase and not chars & _UPPER:
            broken.append("an upper-case letter (A-Z)")
        if self.numbers and not chars & _DIGITS:
            broken.append("a digit (0-9)")
        special = chars & (SPECIAL_CHARACTERS - {" "}) or " " in password.strip()
        if self.symbols and not special:
            broken.append(f"a special character ({''.join(sorted(SPECIAL_CHARACTERS))})")
        if password != password.strip():
            broken.append("no space at the start or the end")
        others = sorted(chars - _ALLOWED)
        if others:
            broken.append(
                f"only letters A-Z/a-z, digits and Cognito's special characters ({len(others)} "
                "other character(s) found, not shown)"
            )
        return broken


def read_password(stdin: TextIO, prompt: Callable[[str], str]) -> str:
    """The password: the first line of a piped or redirected stdin, else typed twice at a
    prompt that does not echo."""
    if not stdin.isatty():
        password = stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = prompt("Password (not shown): ")
        if prompt("Again: ") != password:
            raise OpsError("the two passwords differ; nothing was changed")
    if not password:
        raise OpsError("the password is empty; nothing was changed")
    return password


def _code(error: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def find_user(cognito: Any, pool_id: str, email: str) -> dict[str, Any] | None:
    """AdminGetUser of `email` (the username), or None when the pool has no such user."""
    from botocore.exceptions import ClientError

    try:
        user: dict[str, Any] = cognito.admin_get_user(UserPoolId=pool_id, Username=email)
    except ClientError as error:
        if _code(error) == "UserNotFoundException":
            return None
        raise
    return user


def create_user(cognito: Any, pool_id: str, email: str, password: str) -> dict[str, Any]:
    """AdminCreateUser with the email as username, verified, no invitation mail; then the
    password, permanent (status CONFIRMED: no "new password" challenge at sign-in). Should
    Cognito refuse the password, the user is deleted again. Returns AdminCreateUser's User."""
    from botocore.exceptions import ClientError

    created: dict[str, Any] = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",  # no invitation mail: the password is set below
    )["User"]
    try:
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=password, Permanent=True
        )
    except ClientError:
        # without a permanent password the user could not sign in to this web: undo the create
        cognito.admin_delete_user(UserPoolId=pool_id, Username=email)
        raise
    return created


def _checked_password(
    cognito: Any, pool_id: str, read: Callable[[], str]
) -> tuple[str, PasswordPolicy]:
    policy = PasswordPolicy.of_pool(cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    password = read()
    broken = policy.broken_rules(password)
    if broken:
        raise OpsError(
            "the password does not meet the user pool's password policy; it needs "
            + "; ".join(broken)
            + ". Nothing was changed"
        )
    return password, policy


def add_user(
    cognito: Any,
    pool_id: str,
    stack: str,
    email: str,
    read: Callable[[], str],
    *,
    reset_password: bool,
    say: Callable[[str], None],
) -> int:
    existing = find_user(cognito, pool_id, email)
    if reset_password:
        if existing is None:
            raise OpsError(
                f"stack {stack} has no user {email}; add one without --reset-password: "
                f"`python -m stackctl user add --stack {stack} {email}`"
            )
        password, _ = _checked_password(cognito, pool_id, read)
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=password, Permanent=True
        )
        say(f"New password set for {email} on stack {stack}; it is permanent.")
        return 0
    if existing is not None:
        raise OpsError(
            f"{email} is already a user of stack {stack} (status "
            f"{existing.get('UserStatus', '?')}); to give it a new password: "
            f"`python -m stackctl user add --stack {stack} --reset-password {email}`"
        )
    password, _ = _checked_password(cognito, pool_id, read)
    create_user(cognito, pool_id, email, password)
    say(
        f"Added {email} to stack {stack}: email verified, password permanent, no mail sent. "
        "They can sign in on the site now."
    )
    return 0


def _email_of(user: dict[str, Any]) -> str:
    for attribute in user.get("Attributes", []):
        if attribute.get("Name") == "email":
            return str(attribute.get("Value", ""))
    return str(user.get("Username", "?"))


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return "?"


def list_users(
    cognito: Any, pool_id: str, stack: str, region: str, say: Callable[[str], None]
) -> int:
    users = [
        user
        for page in cognito.get_paginator("list_users").paginate(
            UserPoolId=pool_id, AttributesToGet=["email"]
        )
        for user in page.get("Users", [])
    ]
    say(f"Users of stack {stack} (user pool {pool_id}, {region}):")
    if not users:
        say(f"  none yet: `python -m stackctl user add --stack {stack} EMAIL` adds one")
        return 0
    rows = sorted(
        (
            _email_of(user),
            str(user.get("UserStatus", "?")),
            "enabled" if user.get("Enabled", False) else "DISABLED",
            _when(user.get("UserCreateDate")),
        )
        for user in users
    )
    width = max(len(row[0]) for row in rows)
    for email, status, enabled, created in rows:
        say(f"  {email:<{width}}  {status:<20}  {enabled:<8}  created {created}")
    return 0


def remove_user(
    cognito: Any,
    pool_id: str,
    stack: str,
    email: str,
    *,
    confirm: Callable[[str], bool],
    say: Callable[[str], None],
) -> int:
    if find_user(cognito, pool_id, email) is None:
        raise OpsError(f"stack {stack} has no user {email}; nothing removed")
    if not confirm(f"Delete user {email} from stack {stack}? It cannot be undone. [y/N] "):
        say("Nothing removed.")
        return 1
    cognito.admin_delete_user(UserPoolId=pool_id, Username=email)
    say(
        f"Removed {email} from stack {stack}. A session the web already holds stays valid "
        "until its access token expires (at most an hour)."
    )
    return 0


def _confirm(stdin: TextIO, yes: bool) -> Callable[[str], bool]:
    def ask(question: str) -> bool:
        if yes:
            return True
        if not stdin.isatty():
            raise OpsError("not a terminal, so nothing can be confirmed; pass --yes to delete")
        return input(question).strip().lower() in ("y", "yes")

    return ask


def _no_pool(stack: str) -> OpsError:
    from stackctl.harness import stack_config

    try:
        project, raw = stack_config(stack)
        auth = raw.get(f"{project}:auth", "cognito")
    except (FileNotFoundError, ValueError):
        auth = "cognito"
    if auth != "cognito":
        return OpsError(
            f"stack {stack} has no user pool: its `auth` is {auth!r}, and only `auth: cognito` "
            f"has users; set it (`pulumi config set auth cognito --stack {stack}`) and run "
            f"`pulumi up --stack {stack}`"
        )
    return OpsError(
        f"stack {stack} has no `userPoolId` output: its `auth` is cognito, but the stack was "
        f"deployed without a user pool; run `pulumi up --stack {stack}` first"
    )


def _cognito_client(args: argparse.Namespace) -> tuple[Any, str, str]:
    """The user pool id, a cognito-idp client of the stack's account, and its region."""
    data = read_outputs_json(args.stack, Path(args.outputs) if args.outputs else None)
    pool_id = user_pool_output(data)
    if pool_id is None:
        raise _no_pool(args.stack)
    cognito, region = stack_client(
        args.stack, "cognito-idp", args.region or str(data.get("region") or "") or None
    )
    return cognito, pool_id, region


def _run(args: argparse.Namespace) -> int:
    def body() -> int:
        try:
            return _act(args)
        except Exception as error:
            refusal = _cognito_refusal(error, args.stack)
            if refusal is None:
                raise
            raise OpsError(refusal) from None

    return report_failures(
        f"user {args.action}", args.stack, body, (OpsError, OutputsError, ValueError)
    )


def _act(args: argparse.Namespace) -> int:
    refuse_extra_arguments(args.extra, "password")
    # the pool's usernames are case-insensitive (user_pool.py): one spelling, lower case
    email = getattr(args, "email", "").strip().lower()
    if args.action != "list" and not (EMAIL.match(email) and len(email) <= MAX_USERNAME):
        raise OpsError(f"{email!r} is not an email address (the username is the email)")
    cognito, pool_id, region = _cognito_client(args)
    if args.action == "list":
        return list_users(cognito, pool_id, args.stack, region, print)
    if args.action == "rm":
        confirm = _confirm(sys.stdin, args.yes)
        return remove_user(cognito, pool_id, args.stack, email, confirm=confirm, say=print)

    def read() -> str:
        return read_password(sys.stdin, getpass.getpass)

    return add_user(
        cognito, pool_id, args.stack, email, read, reset_password=args.reset_password, say=print
    )


def _cognito_refusal(error: Exception, stack: str) -> str | None:
    """Cognito's own refusals of a password or a user, in words (other AWS errors: None)."""
    code = _code(error)
    if code == "InvalidPasswordException":
        from botocore.exceptions import ClientError

        assert isinstance(error, ClientError)
        said = str(error.response.get("Error", {}).get("Message", "")).splitlines()[:1]
        return (
            f"Cognito refused the password ({said[0] if said else code}); nothing was "
            "changed: choose another"
        )
    if code == "UsernameExistsException":
        return f"the user already exists in stack {stack}; use --reset-password"
    return None


def add_user_parser(commands: Any) -> None:
    """Register `user add|list|rm` on the stackctl subparsers."""
    parser = commands.add_parser(
        "user",
        help="add, list or remove the people who may sign in to a stack (auth: cognito)",
        description="Manage the users of the stack's Cognito user pool: add one with a "
        "permanent password (read from standard input or a hidden prompt, never from the "
        "command line), list them (email, status, enabled, created), or remove one.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    helps = {
        "add": "create a user (email verified, no mail) with a permanent password",
        "list": "the pool's users: email, status, enabled, created (never tokens)",
        "rm": "delete a user (asks first unless --yes)",
    }
    for action, text in helps.items():
        sub = actions.add_parser(action, help=text, description=text)
        if action != "list":
            sub.add_argument("email", metavar="EMAIL", help="the user's email (its username)")
        # anything more (a password typed after the email) is refused without being echoed
        sub.add_argument("extra", nargs="*", help=argparse.SUPPRESS)
        sub.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
        sub.add_argument(
            "--outputs",
            metavar="FILE",
            help="read the stack outputs from this JSON file instead of `pulumi stack output`",
        )
        sub.add_argument("--region", help="AWS region (default: the stack's `region` output)")
        if action == "add":
            sub.add_argument(
                "--reset-password",
                action="store_true",
                help="the user exists: only set a new permanent password",
            )
        if action == "rm":
            sub.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        sub.set_defaults(func=_run)
