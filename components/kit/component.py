"""Component: what every component of this program does the same way, written once.

A component's Args subclasses `ComponentArgs` (its `transform` field, keyword only). A
component passes its type token, its name, its Args' `transform` and its options to
`Component.__init__`, which
- sets up the component's `transform` (kit/transforms.py: child label -> function, checked);
- keeps the name as `self._name` (children are named `<name>-<label>`);
and then builds its children with `opts=self._child(...)` (parented to it, plus any option), and
ends its constructor with `self._finish(outputs)`: every transform key must have matched a
child, and the outputs are registered.

The type token (`fullstack:<module>:<Type>`) is part of every child's URN: it never changes.
Creates nothing itself; costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.kit.transforms import ChildTransforms, Transform


@dataclass(frozen=True, kw_only=True)
class ComponentArgs:
    """The field every component's Args has; a component's Args class subclasses this."""

    transform: Mapping[str, Transform] = field(default_factory=dict)
    """Child label -> function that receives the child's resource arguments (as the keyword
    arguments pulumi_aws takes, snake_case) and returns them changed (components/kit/transforms.py).
    Default {}: every child as the component builds it."""


class Component(pulumi.ComponentResource):
    """A component resource with the program's transform and child conventions."""

    def __init__(
        self,
        type_token: str,
        name: str,
        transform: Mapping[str, Transform],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._child_transforms = ChildTransforms(name, transform)
        super().__init__(type_token, name, None, self._child_transforms.options(opts))
        self._name = name

    def _child(self, **options: Any) -> pulumi.ResourceOptions:
        """Options of a child: parented to this component, plus `options`."""
        return pulumi.ResourceOptions(parent=self, **options)

    def _finish(self, outputs: Mapping[str, Any]) -> None:
        """End of the constructor: every transform key matched a child; outputs registered."""
        self._child_transforms.check()
        self.register_outputs(dict(outputs))
