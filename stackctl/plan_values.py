"""How `stackctl plan` shows one input value: physical names for references, numbers as typed.

References. An input that holds another resource's id (or ARN) shows that resource's physical
name or id followed by its logical name: `vpcId=vpc-1a2b (network-vpc)`. An input that holds the
resource's own id is its own name (a bucket's `bucket`, a log group's `name`): it shows as the
name, never as a pointer to itself. The mocks answer plausible ids (`vpc-...`, `sg-...`) where AWS
would assign them; names the program sets (buckets, roles, log groups) are the real ones.

Numbers. Inputs cross the mock engine as protobuf Struct values, where every number is a double:
`fromPort: 5432` comes back as 5432.0. The plan uses the type pulumi_aws declares for the input
(its `...Args` class annotates each parameter `pulumi.Input[int]` or `pulumi.Input[float]`): an
int prints without a decimal point (`fromPort=5432`), a float keeps one (`maxCapacity=1.0`,
`minCapacity=0.5`: Aurora capacity is in 0.5 ACU steps). An input whose type cannot be read
(another provider, a remote component) prints a whole number as an integer.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import re
import sys
import typing
from functools import cache
from typing import Any

from stackctl.harness import Graph, Resource

# Type token package -> the Python package that implements it.
_PYTHON_PACKAGES = {"aws": "pulumi_aws", "random": "pulumi_random"}


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), camel)


def args_class(type_token: str, *, load: bool = False) -> Any:
    """The `...Args` class of a resource type, from the already imported provider module (or,
    with `load`, importing it). A folder that is a Python keyword is the package with a trailing
    underscore: `aws:lambda/...` lives in `pulumi_aws.lambda_`."""
    parts = type_token.split(":")
    package = _PYTHON_PACKAGES.get(parts[0])
    if package is None or len(parts) != 3 or "/" not in parts[1]:
        return None
    folder, module = parts[1].split("/", 1)
    if keyword.iskeyword(folder):
        folder += "_"
    prefix = package if folder == "index" else f"{package}.{folder}"
    name = f"{prefix}.{_snake(module)}"
    loaded = importlib.import_module(name) if load else sys.modules.get(name)
    return getattr(loaded, f"{parts[2]}Args", None) if loaded is not None else None


def takes_input(type_token: str, name: str) -> bool:
    """Whether pulumi_aws's resource takes the (camelCase) top-level input `name`."""
    cls = args_class(type_token, load=True)
    return cls is not None and _snake(name) in inspect.signature(cls.__init__).parameters


@cache
def declared_type(type_token: str, path: str) -> str | None:
    """`int`, `float`, `str`, `bool` as pulumi_aws declares input `path` (dotted), or None."""
    current = args_class(type_token)
    for part in path.split("."):
        if current is None:
            return None
        try:
            parameter = inspect.signature(current.__init__).parameters.get(_snake(part))
        except (TypeError, ValueError):
            return None
        if parameter is None:
            return None
        # `pulumi.Input[X]` (Optional or not) is a Union whose first member is X itself.
        members = typing.get_args(parameter.annotation) or (parameter.annotation,)
        first = members[0]
        if isinstance(first, typing.ForwardRef) and first.__forward_arg__.endswith("Args"):
            current = getattr(sys.modules.get(current.__module__), first.__forward_arg__, None)
            continue
        return first.__name__ if first in (int, float, str, bool) else None
    return None


def show_number(value: float | int, declared: str | None) -> str:
    """A number as its declared type: ints without `.0`, floats with a decimal point."""
    if declared == "float":
        return repr(float(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class References:
    """Which resource an id or ARN belongs to, to show a reference by physical name."""

    def __init__(self, graph: Graph) -> None:
        self.owner: dict[str, Resource] = {}
        for resource in graph.custom_resources():
            if resource.id and resource.id != "none":  # random's resources all have id "none"
                self.owner.setdefault(resource.id, resource)
            for attribute in ("arn", "primaryNetworkInterfaceId", "allocationId"):
                value = resource.outputs.get(attribute)
                if isinstance(value, str):
                    self.owner.setdefault(value, resource)

    def show(self, value: str, shown: Resource) -> str:
        """`value (owner)` when `value` is another resource's id or ARN; else the value itself."""
        owner = self.owner.get(value)
        if owner is None or owner.urn == shown.urn:
            return value
        return f"{value} ({owner.name})"


def show_value(value: Any, declared: str | None, refs: References, shown: Resource) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v, declared, refs, shown) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return show_number(value, declared)
    if isinstance(value, str):
        return refs.show(value, shown)
    return str(value)
