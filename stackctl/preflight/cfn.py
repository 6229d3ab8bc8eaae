"""Check the rendered template with cfn-lint: AWS's CloudFormation resource schemas and rules.

cfn-lint carries, per region, the registry schemas AWS publishes for every resource type
(types, enums, patterns, lengths, ranges), extensions AWS maintains with service data the schemas
lack (the instance types, DB instance classes and cache node types offered in each region, the
Aurora engine versions RDS offers, the Fargate cpu/memory pairs), and the IAM action list
(every service prefix and action). Its rules are the checker; this module only decides which
of its findings apply to a partial rendering and maps them back to the program's inputs.

Loading cfn-lint's rules reads its data files (about 3 s): the runner is built once per process
and region, and only the schemas of the types in the template are loaded.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from stackctl.preflight.findings import Finding
from stackctl.preflight.mapping import SETTINGS_BEHIND
from stackctl.preflight.render import Rendered

# Findings that say the rendering is partial, not that a value is wrong. The preflight renders
# only the inputs with a CloudFormation counterpart, so a property CloudFormation requires may
# be absent (E3003) and co-dependent properties may be incomplete (E3021, E3014).
NOT_APPLICABLE: frozenset[str] = frozenset({"E3003", "E3021", "E3014"})
# cfn-lint warnings that are AWS refusing a value, not style: IAM actions that do not exist.
WARNINGS_THAT_FAIL: frozenset[str] = frozenset({"W3037"})


# Values the AWS API accepts where CloudFormation wants another spelling: (rule, property, prefix).
# RunInstances takes `resolve:ssm:<parameter>` as ImageId (EC2 user guide, "Use a Systems
# Manager parameter instead of an AMI ID"); CloudFormation writes it as a dynamic reference.
API_SPELLINGS: tuple[tuple[str, str, str], ...] = (("E1152", "ImageId", "resolve:ssm:"),)


@lru_cache(maxsize=4)
def _runner(region: str) -> Any:
    from cfnlint.config import ConfigMixIn  # type: ignore[import-untyped]
    from cfnlint.runner import Runner  # type: ignore[import-untyped]

    return Runner(ConfigMixIn(regions=[region]))


def _applies(rule_id: str) -> bool:
    if rule_id in NOT_APPLICABLE:
        return False
    return rule_id.startswith("E") or rule_id in WARNINGS_THAT_FAIL


def _value_at(properties: Any, path: list[Any]) -> Any:
    value = properties
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def lint(rendered: Rendered, region: str) -> list[Finding]:
    from cfnlint.decode.decode import decode_str  # type: ignore[import-untyped]

    template, errors = decode_str(json.dumps(rendered.template))
    if errors or template is None:
        raise RuntimeError(f"the rendered template does not decode: {errors}")
    findings = []
    for match in _runner(region).validate_template(template):
        if not _applies(match.rule.id):
            continue
        finding = _finding(rendered, list(match.path or []), match.rule.id, match.message)
        if _is_reference(rendered, finding) or _api_spelling(match.rule.id, match.path, finding):
            continue
        findings.append(finding)
    return findings


def _is_reference(rendered: Rendered, finding: Finding) -> bool:
    return isinstance(finding.value, str) and finding.value in rendered.generated


def _api_spelling(rule_id: str, path: Any, finding: Finding) -> bool:
    last = str(list(path or [""])[-1])
    return any(
        rule_id == rule and last == prop and str(finding.value).startswith(prefix)
        for rule, prop, prefix in API_SPELLINGS
    )


def _short(message: str, limit: int = 160) -> str:
    """cfn-lint repeats the value and lists every allowed one: keep the head of the message."""
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _finding(rendered: Rendered, path: list[Any], rule_id: str, message: str) -> Finding:
    logical = path[1] if len(path) > 1 and path[0] == "Resources" else ""
    resource = rendered.resources.get(str(logical))
    inner = path[3:] if len(path) > 3 and path[2] == "Properties" else []
    properties = rendered.template["Resources"].get(logical, {}).get("Properties", {})
    source = ""
    if inner:
        source = rendered.sources.get((logical, ".".join(str(p) for p in inner[:2])), "")
        source = source or rendered.sources.get((logical, str(inner[0])), "")
    where = ".".join(str(p) for p in inner) or "(resource)"
    prop = source or f"CloudFormation {where}"
    pulumi_type = resource.type if resource else ""
    return Finding(
        resource=resource.name if resource else str(logical),
        type=pulumi_type,
        property=prop,
        value=_value_at(properties, inner) if inner else None,
        rule=f"cfn-lint {rule_id}",
        message=f"{_short(message)} (as CloudFormation {where})",
        setting=SETTINGS_BEHIND.get((pulumi_type, source)),
    )
