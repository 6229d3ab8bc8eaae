"""The Pulumi policy pack's policies, built from policy/rules.py (imported by __main__.py).

Kept apart from __main__.py because constructing `PolicyPack` starts the analyzer's gRPC server
and blocks: tests import this module and call the policies' `validate` directly.

The stack's profile and edge mode: pulumi_policy runs the pack with the stack's configuration in
its environment, so `pulumi.Config(<project>)` reads `profile` and `edge` as the program does.
The `mvp-deletion-protection` policy also takes a `profile` in the policy pack config
(`--policy-pack-config`), which wins; with neither it reports itself not applicable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

try:  # imported as `policy.pack` from the project root (tests)
    from policy.rules import DEFAULT_EDGE, MANDATORY, RULES, Context, Rule, StackResource
except ImportError:  # run by Pulumi as the pack: policy/ itself is on sys.path
    from rules import (  # type: ignore[import-not-found,no-redef]
        DEFAULT_EDGE,
        MANDATORY,
        RULES,
        Context,
        Rule,
        StackResource,
    )

PROFILE_SCHEMA = PolicyConfigSchema(
    properties={"profile": {"type": "string", "enum": ["lab", "mvp"]}}
)


def stack_setting(key: str) -> str | None:
    """A key of the program's own config namespace (`<project>:<key>`), when readable."""
    try:
        import pulumi

        value = pulumi.Config(pulumi.get_project()).get(key)
    except Exception:  # noqa: BLE001 (no project/config in this process: unknown)
        return None
    return str(value) if value else None


def _context(
    config: Mapping[str, Any],
    urn: str = "",
    resources: tuple[StackResource, ...] = (),
    settings: Callable[[str], str | None] = stack_setting,
) -> Context:
    profile = config.get("profile") or settings("profile")
    edge = settings("edge") or DEFAULT_EDGE
    return Context(profile=profile, edge=edge, urn=urn, resources=resources)


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.level == MANDATORY else EnforcementLevel.ADVISORY


def resource_policy(
    rule: Rule, settings: Callable[[str], str | None] = stack_setting
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.types:
            return
        ctx = _context(args.get_config(), args.urn, settings=settings)
        if rule.mvp_only and ctx.profile is None:
            args.not_applicable(
                "the stack's profile is unknown: set <project>:profile or the "
                "policy's `profile` config"
            )
        for message in rule.check(args.resource_type, args.props, ctx):
            report_violation(message, None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=f"{rule.description} Why: {rule.reason}",
        validate=validate,
        enforcement_level=_level(rule),
        config_schema=PROFILE_SCHEMA if rule.mvp_only else None,
    )


def stack_policy(
    rule: Rule, settings: Callable[[str], str | None] = stack_setting
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = tuple(
            StackResource(
                type=r.resource_type,
                name=r.name,
                urn=r.urn,
                props=r.props,
                refs={
                    k: tuple(d.urn for d in deps)
                    for k, deps in (r.property_dependencies or {}).items()
                },
            )
            for r in args.resources
        )
        for resource in resources:
            if resource.type not in rule.types:
                continue
            ctx = _context(args.get_config(), resource.urn, resources, settings)
            for message in rule.check(resource.type, resource.props, ctx):
                report_violation(f"{resource.name}: {message}", resource.urn)

    return StackValidationPolicy(
        name=rule.name,
        description=f"{rule.description} Why: {rule.reason}",
        validate=validate,
        enforcement_level=_level(rule),
    )


def build_policies(
    settings: Callable[[str], str | None] = stack_setting,
) -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [
        stack_policy(rule, settings) if rule.needs_stack else resource_policy(rule, settings)
        for rule in RULES
    ]
