"""Final snapshot names that are unique per life of a stack.

A final snapshot outlives the resource (and the stack) it was taken from, and snapshot names are
unique in the account and region: a fixed `<id>-final` would make the second destroy of a
re-created stack fail on the first destroy's snapshot. The name therefore ends in 8 hex digits
from a `random.RandomId` of the stack: stable for as long as the stack lives (no diff on later
`up`s), new when the stack is created again. No timestamp is involved, so a plan is repeatable.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_random as random


def final_snapshot_name(
    parent: pulumi.Resource,
    logical_name: str,
    identifier: str,
    protect: bool = False,
    replaced_with: Mapping[str, str] | None = None,
) -> pulumi.Output[str]:
    """`<identifier>-final-<8 hex>`; the RandomId is keyed on the identifier it extends and on
    `replaced_with`: inputs of the owner whose change may replace it. A replacement deletes the
    old resource, leaving its final snapshot; with the same name on the new one, the next delete
    would collide with it. A new suffix when they change avoids that; when the change turns out
    to be an in-place update, the owner only updates its final snapshot name."""
    suffix = random.RandomId(
        logical_name,
        random.RandomIdArgs(
            byte_length=4, keepers={"identifier": identifier, **(replaced_with or {})}
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    return pulumi.Output.concat(identifier, "-final-", suffix.hex)
