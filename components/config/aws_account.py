"""The AWS account a stack deploys into: the stack's `aws:` keys, checked, for every AWS client.

An explicit `aws.Provider` reads none of the stack's `aws:` configuration: only what its
constructor is given counts (pulumi/pulumi-aws#1307, by design; aws-facts#explicit-provider).
Every `aws:` key a stack may set is therefore either HONOURED, passed here to the provider's
arguments, and the ones that choose the account (profile, shared files, roles, allowed and
forbidden ids) also to the release steps and to `stackctl`'s commands, or REFUSED with a
reason, before any resource exists. Nothing else is silently dropped.

- `parse_aws_config(raw, region, problems)`: the stack's `aws:*` strings -> `AwsConfig`
  (each problem names the key, the value and what is allowed).
- `provider_kwargs(config)`: keyword arguments for `aws.ProviderArgs` (besides region and tags).
- `release_account(config)`: the `account` dict the release steps take (plain JSON values).
- `boto3_session(account)`: a boto3 Session in that account: profile, shared files, the role
  chain assumed in order, then the account id checked against allowed/forbidden ids. The same
  builder serves the release steps and `stackctl` (migrate, rollback, status, logs).

Cost: none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# key -> what it does once honoured (docs/settings.md's table of `aws:` keys).
HONOURED: dict[str, str] = {
    "region": "region of every resource, the release steps and stackctl",
    "profile": "shared-config profile (provider, release steps, stackctl)",
    "sharedConfigFiles": "the shared config file, one path (provider, release steps, stackctl)",
    "sharedCredentialsFiles": "the shared credentials file, one path (same three)",
    "assumeRoles": "roles assumed in order (same three)",
    "allowedAccountIds": "refuse any other account (same three)",
    "forbiddenAccountIds": "refuse these accounts (same three)",
    "skipCredentialsValidation": "provider only",
    "skipMetadataApiCheck": "provider only",
    "skipRegionValidation": "provider only",
    "skipRequestingAccountId": "provider only",
    "maxRetries": "provider only",
    "retryMode": "provider only (`standard` or `adaptive`)",
    "tokenBucketRateLimiterCapacity": "provider only",
    "userAgents": "provider only",
    "ignoreTags": "provider only (`keys`, `keyPrefixes`)",
    "tagPolicyCompliance": "provider only (`error`, `warning`, `disabled`)",
}

_ENV_INSTEAD = (
    "set it in the environment instead ({env}), which the provider, the release steps and "
    "stackctl all read"
)
# key -> why it is refused and what to do instead.
REFUSED: dict[str, str] = {
    "accessKey": "a static key in stack config is plaintext; use a profile, a role or the "
    "environment's credentials (AWS_PROFILE, OIDC in CI)",
    "secretKey": "a static key in stack config is plaintext; use a profile, a role or the "
    "environment's credentials (AWS_PROFILE, OIDC in CI)",
    "token": "a session token in stack config is plaintext and expires; use a profile or a role",
    "assumeRoleWithWebIdentity": "the release steps would not use it; "
    + _ENV_INSTEAD.format(env="AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE"),
    "endpoints": "the release steps would still call AWS itself; "
    + _ENV_INSTEAD.format(env="AWS_ENDPOINT_URL_<SERVICE>"),
    "customCaBundle": _ENV_INSTEAD.format(env="AWS_CA_BUNDLE"),
    "httpProxy": _ENV_INSTEAD.format(env="HTTP_PROXY"),
    "httpsProxy": _ENV_INSTEAD.format(env="HTTPS_PROXY"),
    "noProxy": _ENV_INSTEAD.format(env="NO_PROXY"),
    "insecure": "TLS verification stays on",
    "ec2MetadataServiceEndpoint": _ENV_INSTEAD.format(env="AWS_EC2_METADATA_SERVICE_ENDPOINT"),
    "ec2MetadataServiceEndpointMode": _ENV_INSTEAD.format(
        env="AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"
    ),
    "useFipsEndpoint": _ENV_INSTEAD.format(env="AWS_USE_FIPS_ENDPOINT"),
    "useDualstackEndpoint": _ENV_INSTEAD.format(env="AWS_USE_DUALSTACK_ENDPOINT"),
    "stsRegion": "the release steps would assume roles through the stack's region; leave it unset",
    "s3UsePathStyle": "the program's buckets use virtual-hosted addressing; leave it unset",
    "s3UsEast1RegionalEndpoint": "the provider's default (regional) is what the program expects",
    "defaultTags": "the program sets the default tags itself (project, stack, managed-by)",
}

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
POLICY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]+$")
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
# A Go duration as the provider takes it (`1h`, `90m`, `1h30m`, `3600s`).
DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
MIN_SESSION_SECONDS, MAX_SESSION_SECONDS = 900, 43200  # STS AssumeRole DurationSeconds
ROLE_FIELDS = (
    "roleArn", "sessionName", "externalId", "duration", "policy", "policyArns", "tags",
    "transitiveTagKeys", "sourceIdentity",
)  # fmt: skip
DEFAULT_SESSION_NAME = "fullstack-deploy"


@dataclass(frozen=True)
class AssumeRole:
    """One role of `aws:assumeRoles`, in the order the provider assumes them."""

    role_arn: str
    session_name: str | None = None
    external_id: str | None = None
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] | None = None
    tags: Mapping[str, str] | None = field(default=None, hash=False)
    transitive_tag_keys: tuple[str, ...] | None = None
    source_identity: str | None = None


@dataclass(frozen=True)
class AwsConfig:
    """The honoured `aws:` keys of one stack, parsed (None: unset, the provider's default)."""

    region: str
    profile: str | None = None
    shared_config_files: tuple[str, ...] | None = None
    shared_credentials_files: tuple[str, ...] | None = None
    assume_roles: tuple[AssumeRole, ...] = ()
    allowed_account_ids: tuple[str, ...] | None = None
    forbidden_account_ids: tuple[str, ...] | None = None
    provider_only: Mapping[str, Any] = field(default_factory=dict, hash=False)
    """snake_case ProviderArgs keyword -> value, for the keys that do not choose the account."""


# -- parsing ------------------------------------------------------------------------------------


def _show(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


class _Problems:
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def fail(self, key: str, value: object, allowed: str) -> None:
        self.problems.append(f"aws:{key} = {_show(value)} is not valid; allowed: {allowed}")


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _string_list(
    out: _Problems, key: str, text: str, pattern: re.Pattern[str] | None, allowed: str
) -> tuple[str, ...] | None:
    value = _json(text)
    if isinstance(value, list):  # YAML writes an unquoted account id as a number
        value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and (pattern is None or pattern.match(v)) for v in value)
    ):
        return tuple(value)
    out.fail(key, text, allowed)
    return None


def _boolean(out: _Problems, key: str, text: str) -> bool | None:
    if text in ("true", "false"):
        return text == "true"
    out.fail(key, text, "true, false")
    return None


def _whole(out: _Problems, key: str, text: str, low: int, high: int) -> int | None:
    if text.strip().isdigit() and low <= int(text) <= high:
        return int(text)
    out.fail(key, text, f"a whole number from {low} to {high}")
    return None


def parse_duration(text: str) -> int | None:
    """`1h30m` -> 5400 seconds (the forms the provider's `duration` takes); None if invalid."""
    match = DURATION_RE.match(text.strip())
    if not text.strip() or not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _role(out: _Problems, index: int, entry: Any) -> AssumeRole | None:
    key = f"assumeRoles[{index}]"
    if not isinstance(entry, dict):
        out.fail(key, entry, 'an object such as {"roleArn": "arn:aws:iam::123456789012:role/x"}')
        return None
    unknown = sorted(set(entry) - set(ROLE_FIELDS))
    for name in unknown:
        out.fail(f"{key}.{name}", entry[name], f"the fields {', '.join(ROLE_FIELDS)}")
    role_arn = entry.get("roleArn")
    if not isinstance(role_arn, str) or not ROLE_ARN_RE.match(role_arn):
        allowed = "an IAM role ARN, arn:aws:iam::<12 digits>:role/<name>"
        out.fail(f"{key}.roleArn", role_arn, allowed)
    session_name = entry.get("sessionName")
    if session_name is not None and (
        not isinstance(session_name, str) or not SESSION_NAME_RE.match(session_name)
    ):
        out.fail(f"{key}.sessionName", session_name, "2-64 characters of [A-Za-z0-9_+=,.@-]")
    duration_seconds: int | None = None
    if "duration" in entry:
        given = entry["duration"]
        duration_seconds = parse_duration(given) if isinstance(given, str) else None
        if duration_seconds is None or not (
            MIN_SESSION_SECONDS <= duration_seconds <= MAX_SESSION_SECONDS
        ):
            out.fail(f"{key}.duration", given, "15m to 12h, e.g. 1h or 1h30m")
            duration_seconds = None
    strings = {name: entry.get(name) for name in ("externalId", "policy", "sourceIdentity")}
    for name, value in strings.items():
        if value is not None and not isinstance(value, str):
            out.fail(f"{key}.{name}", value, "a string")
    policy_arns = entry.get("policyArns")
    if policy_arns is not None and not (
        isinstance(policy_arns, list)
        and all(isinstance(a, str) and POLICY_ARN_RE.match(a) for a in policy_arns)
    ):
        out.fail(f"{key}.policyArns", policy_arns, "a list of IAM policy ARNs")
    tags = entry.get("tags")
    if tags is not None and not (
        isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())
    ):
        out.fail(f"{key}.tags", tags, "an object of string values")
    transitive = entry.get("transitiveTagKeys")
    if transitive is not None and not (
        isinstance(transitive, list) and all(isinstance(t, str) for t in transitive)
    ):
        out.fail(f"{key}.transitiveTagKeys", transitive, "a list of tag keys")
    if not isinstance(role_arn, str) or not ROLE_ARN_RE.match(role_arn):
        return None
    return AssumeRole(
        role_arn=role_arn,
        session_name=session_name if isinstance(session_name, str) else None,
        external_id=strings["externalId"] if isinstance(strings["externalId"], str) else None,
        duration_seconds=duration_seconds,
        policy=strings["policy"] if isinstance(strings["policy"], str) else None,
        policy_arns=tuple(policy_arns) if isinstance(policy_arns, list) else None,
        tags=dict(tags) if isinstance(tags, dict) else None,
        transitive_tag_keys=tuple(transitive) if isinstance(transitive, list) else None,
        source_identity=strings["sourceIdentity"]
        if isinstance(strings["sourceIdentity"], str)
        else None,
    )


def _ignore_tags(out: _Problems, text: str) -> dict[str, list[str]] | None:
    value = _json(text)
    if (
        isinstance(value, dict)
        and value
        and set(value) <= {"keys", "keyPrefixes"}
        and all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values())
    ):
        return {"keys" if k == "keys" else "key_prefixes": list(v) for k, v in value.items()}
    out.fail("ignoreTags", text, '{"keys": [...], "keyPrefixes": [...]}')
    return None


def parse_aws_config(raw: Mapping[str, str], region: str, problems: list[str]) -> AwsConfig:
    """The stack's `aws:*` values -> AwsConfig; every problem is appended to `problems`.

    `region` was checked by the caller (settings). A key outside HONOURED and REFUSED is left
    to the caller's unknown-key check.
    """
    out = _Problems(problems)
    given = {k[len("aws:") :]: v for k, v in raw.items() if k.startswith("aws:")}
    for key in sorted(set(given) & set(REFUSED)):
        shown = "[secret]" if key in ("accessKey", "secretKey", "token") else given[key]
        problems.append(
            f"aws:{key} = {_show(shown)} is not honoured by this program: {REFUSED[key]}"
        )
    profile = given.get("profile")
    if profile is not None and not profile.strip():
        out.fail("profile", profile, "a profile name of your shared config file")
        profile = None
    files: dict[str, tuple[str, ...] | None] = {}
    for key in ("sharedConfigFiles", "sharedCredentialsFiles"):
        text = given.get(key)
        files[key] = None
        if text is not None:
            example = 'a list of one path, e.g. ["~/.aws/config"]'
            parsed = _string_list(out, key, text, None, example)
            if parsed is not None and len(parsed) != 1:
                out.fail(key, text, "exactly one path (boto3, of the release steps, reads one)")
                parsed = None
            files[key] = parsed
    roles: list[AssumeRole] = []
    if "assumeRoles" in given:
        entries = _json(given["assumeRoles"])
        if not isinstance(entries, list) or not entries:
            out.fail("assumeRoles", given["assumeRoles"], 'a list of {"roleArn": ..., ...} objects')
        else:
            roles = [r for i, e in enumerate(entries) if (r := _role(out, i, e)) is not None]
    ids: dict[str, tuple[str, ...] | None] = {}
    for key in ("allowedAccountIds", "forbiddenAccountIds"):
        text = given.get(key)
        ids[key] = (
            None
            if text is None
            else _string_list(out, key, text, ACCOUNT_ID_RE, "a list of 12-digit account ids")
        )
    if "allowedAccountIds" in given and "forbiddenAccountIds" in given:
        problems.append(
            "aws:allowedAccountIds and aws:forbiddenAccountIds are both set; allowed: one of them "
            "(the provider refuses both)"
        )
    return AwsConfig(
        region=region,
        profile=profile,
        shared_config_files=files["sharedConfigFiles"],
        shared_credentials_files=files["sharedCredentialsFiles"],
        assume_roles=tuple(roles),
        allowed_account_ids=ids["allowedAccountIds"],
        forbidden_account_ids=ids["forbiddenAccountIds"],
        provider_only=_provider_only(out, given),
    )


def _provider_only(out: _Problems, given: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in (
        "skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation",
        "skipRequestingAccountId",
    ):  # fmt: skip
        if key in given:
            values[_snake(key)] = _boolean(out, key, given[key])
    if "maxRetries" in given:
        values["max_retries"] = _whole(out, "maxRetries", given["maxRetries"], 0, 100)
    if "tokenBucketRateLimiterCapacity" in given:
        key = "tokenBucketRateLimiterCapacity"
        values["token_bucket_rate_limiter_capacity"] = _whole(out, key, given[key], 1, 100000)
    for key, choices in (
        ("retryMode", ("standard", "adaptive")),
        ("tagPolicyCompliance", ("error", "warning", "disabled")),
    ):
        if key in given:
            if given[key] in choices:
                values[_snake(key)] = given[key]
            else:
                out.fail(key, given[key], ", ".join(choices))
    if "userAgents" in given:
        values["user_agents"] = _string_list(
            out, "userAgents", given["userAgents"], None, 'a list of strings, e.g. ["team/1.0"]'
        )
    if "ignoreTags" in given:
        values["ignore_tags"] = _ignore_tags(out, given["ignoreTags"])
    return {k: v for k, v in values.items() if v is not None}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


# -- the provider, the release steps ------------------------------------------------------------


def provider_kwargs(config: AwsConfig) -> dict[str, Any]:
    """Keyword arguments of `aws.ProviderArgs` for every honoured key except region (and tags)."""
    import pulumi_aws as aws

    kwargs: dict[str, Any] = {}
    if config.profile is not None:
        kwargs["profile"] = config.profile
    if config.shared_config_files is not None:
        kwargs["shared_config_files"] = list(config.shared_config_files)
    if config.shared_credentials_files is not None:
        kwargs["shared_credentials_files"] = list(config.shared_credentials_files)
    if config.allowed_account_ids is not None:
        kwargs["allowed_account_ids"] = list(config.allowed_account_ids)
    if config.forbidden_account_ids is not None:
        kwargs["forbidden_account_ids"] = list(config.forbidden_account_ids)
    if config.assume_roles:
        kwargs["assume_roles"] = [
            aws.ProviderAssumeRoleArgs(
                role_arn=role.role_arn,
                session_name=role.session_name,
                external_id=role.external_id,
                duration=f"{role.duration_seconds}s" if role.duration_seconds else None,
                policy=role.policy,
                policy_arns=list(role.policy_arns) if role.policy_arns is not None else None,
                tags=dict(role.tags) if role.tags is not None else None,
                transitive_tag_keys=list(role.transitive_tag_keys)
                if role.transitive_tag_keys is not None
                else None,
                source_identity=role.source_identity,
            )
            for role in config.assume_roles
        ]
    for key, value in config.provider_only.items():
        if key == "ignore_tags":
            kwargs[key] = aws.ProviderIgnoreTagsArgs(**value)
        elif isinstance(value, tuple):
            kwargs[key] = list(value)
        else:
            kwargs[key] = value
    return kwargs


def _optional_list(values: Sequence[str] | None) -> list[str] | None:
    return list(values) if values is not None else None


def release_account(config: AwsConfig) -> dict[str, Any]:
    """The `account` input of the release steps: the same account, role chain and region."""
    return {
        "region": config.region,
        "profile": config.profile,
        "sharedConfigFiles": _optional_list(config.shared_config_files),
        "sharedCredentialsFiles": _optional_list(config.shared_credentials_files),
        "assumeRoles": [
            {
                "roleArn": role.role_arn,
                "sessionName": role.session_name,
                "externalId": role.external_id,
                "durationSeconds": role.duration_seconds,
                "policy": role.policy,
                "policyArns": _optional_list(role.policy_arns),
                "tags": dict(role.tags) if role.tags is not None else None,
                "transitiveTagKeys": _optional_list(role.transitive_tag_keys),
                "sourceIdentity": role.source_identity,
            }
            for role in config.assume_roles
        ],
        "allowedAccountIds": _optional_list(config.allowed_account_ids),
        "forbiddenAccountIds": _optional_list(config.forbidden_account_ids),
    }


# -- boto3 --------------------------------------------------------------------------------------


class AccountError(Exception):
    """The credentials at hand are for an account the stack does not allow."""


def _assume_role_arguments(role: Mapping[str, Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "RoleArn": role["roleArn"],
        "RoleSessionName": role.get("sessionName") or DEFAULT_SESSION_NAME,
    }
    optional = {
        "ExternalId": role.get("externalId"),
        # as given: from the engine a float, which the release steps' `wrap` coerces (or refuses)
        "DurationSeconds": role.get("durationSeconds"),
        "Policy": role.get("policy"),
        "PolicyArns": [{"arn": arn} for arn in role["policyArns"]]
        if role.get("policyArns")
        else None,
        "Tags": [{"Key": k, "Value": v} for k, v in role["tags"].items()]
        if role.get("tags")
        else None,
        "TransitiveTagKeys": list(role["transitiveTagKeys"])
        if role.get("transitiveTagKeys")
        else None,
        "SourceIdentity": role.get("sourceIdentity"),
    }
    arguments.update({k: v for k, v in optional.items() if v is not None})
    return arguments


def check_account_id(account_id: str, account: Mapping[str, Any]) -> None:
    """Raise AccountError when `account_id` is not allowed (or is forbidden) for the stack."""
    allowed = account.get("allowedAccountIds")
    forbidden = account.get("forbiddenAccountIds")
    if allowed is not None and account_id not in allowed:
        raise AccountError(
            f"the credentials are for AWS account {account_id}, not one of aws:allowedAccountIds "
            f"({', '.join(allowed)}); pick the right profile or role"
        )
    if forbidden is not None and account_id in forbidden:
        raise AccountError(
            f"the credentials are for AWS account {account_id}, which aws:forbiddenAccountIds "
            "lists; pick the right profile or role"
        )


def _same(client: Any) -> Any:
    return client


def boto3_session(account: Mapping[str, Any]) -> Any:
    """A boto3 Session in the stack's account (the `account` dict of `release_account`)."""
    return session_in_account(account)[0]


def session_in_account(
    account: Mapping[str, Any],
    *,
    wrap: Callable[[Any], Any] = _same,
    always_check: bool = False,
) -> tuple[Any, str | None]:
    """A boto3 Session in the stack's account (the `account` dict of `release_account`), and the
    account id when it was asked for (else None).

    The profile and shared files are used as the provider uses them (botocore reads one file of
    each: a list of more than one is refused), each role of `assumeRoles` is assumed in order
    with the previous one's credentials, and when allowed or forbidden ids are set (or
    `always_check`) the resulting account is asked for (STS GetCallerIdentity) and checked
    before any other call. `wrap` wraps each STS client it makes (the release steps coerce the
    engine's floats with it). One builder for stackctl and the release steps: both reach the
    account the provider reaches. Raises AccountError, or botocore's errors (no credentials).
    """
    import os

    import boto3
    import botocore.session

    core = botocore.session.Session()
    shared = (("sharedConfigFiles", "config_file"), ("sharedCredentialsFiles", "credentials_file"))
    for key, variable in shared:
        files = account.get(key)
        if files and len(files) > 1:
            raise AccountError(
                f"aws:{key} lists {len(files)} files ({', '.join(files)}); botocore reads one: "
                f"keep one in aws:{key}"
            )
        if files:
            core.set_config_variable(variable, os.path.expanduser(str(files[0])))
    region = account["region"]
    session = boto3.session.Session(
        botocore_session=core, region_name=region, profile_name=account.get("profile")
    )
    for role in account.get("assumeRoles") or ():
        sts = wrap(session.client("sts", region_name=region))
        credentials = sts.assume_role(**_assume_role_arguments(role))["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )
    checked = any(account.get(k) is not None for k in ("allowedAccountIds", "forbiddenAccountIds"))
    if not (checked or always_check):
        return session, None
    identity = wrap(session.client("sts", region_name=region)).get_caller_identity()
    account_id = str(identity["Account"])
    check_account_id(account_id, account)
    return session, account_id
