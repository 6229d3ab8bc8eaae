"""The AWS side of the release steps (components/release_steps.py): which account their boto3
clients talk to, what every call's arguments look like on the wire, and how a failure reads.

1. The account. Each release step takes an input `account` (a dict, built from the stack's `aws:`
   configuration, the same the AWS provider gets):

       {"region": str, "profile": str|None, "sharedConfigFiles": [str]|None,
        "sharedCredentialsFiles": [str]|None,
        "assumeRoles": [{"roleArn": str, "sessionName": str|None, "externalId": str|None,
                         "durationSeconds": int|None, "policy": str|None,
                         "policyArns": [str]|None, "tags": {str: str}|None,
                         "transitiveTagKeys": [str]|None, "sourceIdentity": str|None}]|None,
        "allowedAccountIds": [str]|None, "forbiddenAccountIds": [str]|None}

   A key that is absent or None is not set. `AccountClients` starts from the default credential
   chain (with `profile` and the shared files when set), then assumes each role of
   `assumeRoles` in order, each with the credentials of the one before (a chain), and asks
   sts:GetCallerIdentity which account that is, before any other call: an account outside
   `allowedAccountIds` or inside `forbiddenAccountIds` fails the step, naming the account and
   the key. botocore reads one config file and one credentials file: a list of more than one is
   refused (a clear error, not a silent choice).

2. The wire. The engine hands a dynamic provider its inputs as protobuf Structs, where every
   number is a double (1 arrives as 1.0; aws-facts#dynamic-provider-numbers), and botocore
   refuses a float for an integer member. So every client this module makes coerces its
   arguments by the operation's own input shape just before botocore validates them (the
   `before-parameter-build` event): an `integer` or `long` member given an integral float gets
   the int; a non-integral float fails the step naming the parameter. Nothing is patched per
   parameter: any operation, any member.

3. The failure. `translated(step)` turns whatever boto3 raises (parameter validation, an AWS
   error, no credentials, a waiter that gave up) into a ReleaseStepError of one line: what
   failed, and how to retry. A failed create or update records nothing in the state, so the next
   `pulumi up` runs the step again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from components.config.aws_account import AccountError, session_in_account

RETRY = "fix the cause and run `pulumi up` again (the step was not recorded: it runs again)"
ACCOUNT_KEYS = frozenset(
    {
        "region",
        "profile",
        "sharedConfigFiles",
        "sharedCredentialsFiles",
        "assumeRoles",
        "allowedAccountIds",
        "forbiddenAccountIds",
    }
)


class ReleaseStepError(Exception):
    """A release step failed; the message is what `pulumi up` prints."""


# -- the wire: numbers by the operation's input shape ------------------------------------------


def coerce_to_shape(value: Any, shape: Any, path: str) -> Any:
    """`value` with every float at an integer/long member turned into an int (botocore shape)."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {
            key: coerce_to_shape(item, shape.members.get(key), f"{path}.{key}")
            for key, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [coerce_to_shape(item, shape.member, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {key: coerce_to_shape(v, shape.value, f"{path}.{key}") for key, v in value.items()}
    if kind in ("integer", "long") and isinstance(value, float):
        if not value.is_integer():
            raise ReleaseStepError(
                f"{path.lstrip('.')} must be a whole number for AWS, got {value}: "
                "correct the value and run `pulumi up` again"
            )
        return int(value)
    return value


def _coerce_params(params: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore's `before-parameter-build` handler: coerce in place, before validation."""
    coerced = coerce_to_shape(params, model.input_shape, model.name)
    params.clear()
    params.update(coerced)


def with_shape_coercion(client: Any) -> Any:
    client.meta.events.register("before-parameter-build", _coerce_params)
    return client


# -- the account -------------------------------------------------------------------------------


class AccountClients:
    """boto3 clients for `account`, callable as `(service, region) -> client` (the factory the
    providers take). The first call checks the account; the session is made once."""

    def __init__(self, account: Mapping[str, Any]) -> None:
        unknown = set(account) - ACCOUNT_KEYS
        if unknown:
            raise ReleaseStepError(
                f"account has unknown keys {sorted(unknown)}; allowed: {sorted(ACCOUNT_KEYS)}"
            )
        if not account.get("region"):
            raise ReleaseStepError("account.region is not set (aws:region)")
        self.account = dict(account)
        self._session: Any = None
        self.account_id: str | None = None

    def __call__(self, service: str, region: str | None = None) -> Any:
        session = self.session()
        return with_shape_coercion(
            session.client(service, region_name=region or self.account["region"])
        )

    def session(self) -> Any:
        if self._session is None:
            with translated("finding the AWS account of the release steps"):
                try:
                    self._session, self.account_id = session_in_account(
                        self.account, wrap=with_shape_coercion, always_check=True
                    )
                except AccountError as refused:
                    raise ReleaseStepError(
                        f"{refused}: nothing was called; fix it and run `pulumi up` again"
                    ) from None
        return self._session


# -- the failure -------------------------------------------------------------------------------


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@contextmanager
def translated(step: str) -> Iterator[None]:
    """Whatever boto3 raises inside becomes a one-line ReleaseStepError about `step`."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        ParamValidationError,
        WaiterError,
    )

    try:
        yield
    except ReleaseStepError:
        raise
    except ParamValidationError as error:
        raise ReleaseStepError(
            f"{step} failed: AWS's client refused the request ({_one_line(error)}); this is a bug "
            f"in the program's release steps, not in your settings: report it; then {RETRY}"
        ) from None
    except NoCredentialsError:
        raise ReleaseStepError(
            f"{step} failed: no AWS credentials were found (AWS_PROFILE "
            f"{os.environ.get('AWS_PROFILE', 'unset')}, or aws:profile); sign in, e.g. "
            f"`aws sso login --profile <profile>`, then {RETRY}"
        ) from None
    except WaiterError as error:
        raise ReleaseStepError(
            f"{step} failed: gave up waiting ({_one_line(error)}); {RETRY}"
        ) from None
    except ClientError as error:
        details = error.response.get("Error", {})
        raise ReleaseStepError(
            f"{step} failed: {error.operation_name} returned {details.get('Code', '?')}: "
            f"{_one_line(details.get('Message', ''))}; {RETRY}"
        ) from None
    except BotoCoreError as error:
        raise ReleaseStepError(f"{step} failed: {_one_line(error)}; {RETRY}") from None
