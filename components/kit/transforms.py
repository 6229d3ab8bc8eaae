"""Child transforms: adjust one property of one child resource without forking a component.

Every component's args carry `transform`: child label -> a function that receives the child's
resource arguments (the keyword arguments pulumi_aws takes, snake_case, e.g. `idle_timeout`) and
returns them changed. A child's label is its logical name minus `<component name>-`
(`lb-alb` -> `alb`); a child whose name does not start with the prefix (the egress side of a
connection, `web-to-api`) is labelled by its whole name. Several children can share a name when
their types differ (`storage-uploads` is the bucket and its public access block, ownership,
encryption...): `label:Type` picks one (`uploads:BucketPublicAccessBlock`, the last part of the
type token); a bare label that names children of several types is refused.

The mechanism is one legacy Pulumi transformation (`ResourceOptions.transformations`) on the
component's options, which Pulumi runs for the component and every resource below it, before the
resource is registered; it composes with the other transformations on the same options (the
permissions boundary of security/boundary.py) in their order. The newer `transforms` option is
run by the engine over gRPC, and the mock monitor the tests and the plan use does not run it,
so a transform written with it could not be tested offline.

Every custom resource below the component is matched, also those of a component it builds:
`network-nat-instance` is `nat-instance` to the network (names are prefixed level by level, so
a label is unique in the component). After its constructor has built its children, the
component calls `check()`: a key that matched no child is an error listing the children that
exist, and a function that returns an argument the resource does not take is an error listing
its arguments, so a typo is never silently ignored. Children created later by the component's
methods (listener rules, connections) are matched too, but a key naming only such a child fails
the check: the check knows the children built so far.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi

Transform = Callable[[dict[str, Any]], dict[str, Any]]


def type_name(type_token: str) -> str:
    """`aws:lb/loadBalancer:LoadBalancer` -> `LoadBalancer`."""
    return type_token.rsplit(":", 1)[-1]


class ChildTransforms:
    """The `transform` of one component: its transformation and the check that every key matched."""

    def __init__(self, component: str, transform: Mapping[str, Transform]) -> None:
        self.component = component
        self.transform = dict(transform)
        self.owner: pulumi.Resource | None = None
        # label -> the type names of the children that carry it, in creation order
        self.children: dict[str, list[str]] = {}
        self.matched: dict[str, list[str]] = {key: [] for key in self.transform}

    def options(self, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
        """`opts` plus this transformation: what the component passes to `super().__init__`."""
        return pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(transformations=[self._transformation])
        )

    def label(self, name: str) -> str:
        prefix = f"{self.component}-"
        return name[len(prefix) :] if name.startswith(prefix) else name

    def _transformation(
        self, args: pulumi.ResourceTransformationArgs
    ) -> pulumi.ResourceTransformationResult | None:
        if self.owner is None:
            # Pulumi runs a resource's own transformations on it first: that is the component.
            self.owner = args.resource
            return None
        # Pulumi hands a component's transformations only to resources below it: every call
        # from here on is a descendant. Components below (the NAT instance of the network)
        # have no arguments of their own to change; their resources are matched.
        if not isinstance(args.resource, pulumi.CustomResource):
            return None
        label, kind = self.label(args.name), type_name(args.type_)
        self.children.setdefault(label, []).append(kind)
        function = self.transform.get(f"{label}:{kind}")
        key = f"{label}:{kind}"
        if function is None:
            function, key = self.transform.get(label), label
        if function is None:
            return None
        if self.matched[key]:
            kinds = ", ".join(f"{label}:{k}" for k in [*self.matched[key], kind])
            raise ValueError(
                f"{self.component}: transform key {key!r} names children of several types; "
                f"name one: {kinds}"
            )
        self.matched[key].append(kind)
        props = dict(args.props)
        changed = function(dict(props))
        if not isinstance(changed, Mapping):
            raise TypeError(
                f"{self.component}: transform[{key!r}] returned {type(changed).__name__}, "
                "not the dict of resource arguments"
            )
        unknown = sorted(set(changed) - set(props))
        if unknown:
            raise ValueError(
                f"{self.component}: transform[{key!r}] returned {', '.join(unknown)}, which "
                f"{args.type_} does not take; its arguments: {', '.join(sorted(props))}"
            )
        return pulumi.ResourceTransformationResult(dict(changed), args.opts)

    def check(self) -> None:
        """Raise when a key matched no child of the component (a typo, or a child it lacks)."""
        existing = sorted(
            label if len(kinds) == 1 else ", ".join(f"{label}:{kind}" for kind in kinds)
            for label, kinds in self.children.items()
        )
        for key, kinds in self.matched.items():
            if not kinds:
                raise ValueError(
                    f"{self.component}: transform key {key!r} matches no child; "
                    f"its children: {', '.join(existing)}"
                )
