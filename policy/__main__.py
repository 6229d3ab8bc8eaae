"""Pulumi policy pack: `pulumi preview --policy-pack policy` (rules in policy/rules.py)."""

from pack import build_policies
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="fullstack-policies",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=build_policies(),
)
