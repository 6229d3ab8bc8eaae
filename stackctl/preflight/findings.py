"""One finding of the preflight: what is wrong, where, and by which rule."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    resource: str  # the pulumi logical name
    type: str  # the pulumi type token
    property: str  # the pulumi input (and the path inside it, when nested)
    value: Any
    rule: str  # e.g. "cfn-lint E3030", "botocore ec2.CreateSecurityGroup", "cross-field ..."
    message: str
    setting: str | None = None  # the stack setting behind the value, when known

    def line(self) -> str:
        shown = json.dumps(self.value, default=str)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        setting = f" (setting: {self.setting})" if self.setting else ""
        return (
            f"{self.resource} [{self.type}] {self.property} = {shown}: {self.message} "
            f"[{self.rule}]{setting}"
        )
