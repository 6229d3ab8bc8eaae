"""Dials as data: one declaration per setting drives parsing, checks, profiles and the docs.

A dial is declared once, as a field of `Settings` (components/config/settings.py):

    nat: NatMode = dial(
        choice("none", "instance", "gateway", "gatewayPerAz"),
        doc="Egress for the private subnets.",
        cost="gateway: {price nat_gateway.hour}, {dial dev nat=gateway} over the instance",
        lab="instance", mvp="instance",
    )

From that one declaration come: the config key (`nat`, the field name in camelCase), the parser
and the text of what is allowed (from the kind), each profile's default, the unknown-key check,
docs/settings.md's settings table and the comments in `Pulumi.yaml` (`python -m stackctl docs`
writes both; a test fails when they differ from the declarations). A cost text types no dollar
figure: it names the price line (`{price ITEM}`, prices/prices.yaml) or the dial row of the
docs/costs.md's dial cost table (`{dial STACK KEY=VALUE}`) and the docs fill in the figure from the
cost model (stackctl/cost/figures.py); tests/config/test_cost_figures.py checks that.

A kind turns the raw string that `pulumi config set` stores into a typed value, or returns
None when the value is not allowed; a kind whose values have parts (a service's size) may raise
`DialPartsError` to report each part on its own.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

PROFILE_NAMES: tuple[str, ...] = ("lab", "mvp")
UNSET = object()  # a dial without a default in a profile: unset unless the stack sets it


class DialPartsError(ValueError):
    """Problems with parts of one value, each as `(part, value, allowed)`."""

    def __init__(self, problems: list[tuple[str, object, str]]) -> None:
        super().__init__("; ".join(p[0] for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Kind(Generic[T]):
    """How one kind of value is parsed, described and shown.

    `parse` takes the raw config string and returns the value, or None if it is not allowed;
    `allowed` is what the error message and the docs say is allowed; `pulumi_type` is the type
    named in `Pulumi.yaml`'s comments; `show` renders a value for the docs' profile columns.
    """

    parse: Callable[[str], T | None]
    allowed: str
    pulumi_type: str = "string"
    show: Callable[[Any], str] = str
    # Objects given in part: how the parsed parts combine with the profile's default.
    merge: Callable[[Any, Any], Any] | None = None
    choices: tuple[str, ...] = ()  # for a did-you-mean on a misspelt choice


@dataclass(frozen=True)
class Dial:
    """One setting: its kind, its documentation, its cost and its default in each profile."""

    kind: Kind[Any]
    doc: str
    cost: str
    defaults: Mapping[str, Any]
    allowed_doc: str = ""  # shown in the docs instead of `kind.allowed` when set
    key: str = ""  # filled in from the field name by `dials_of`

    @property
    def allowed(self) -> str:
        return self.allowed_doc or self.kind.allowed

    def default(self, profile: str) -> Any:
        value = self.defaults.get(profile, UNSET)
        return None if value is UNSET else value

    def shown_default(self, profile: str) -> str:
        value = self.defaults.get(profile, UNSET)
        return "unset" if value is UNSET or value is None else self.kind.show(value)


def dial(
    kind: Kind[Any],
    *,
    doc: str,
    cost: str = "",
    lab: Any = UNSET,
    mvp: Any = UNSET,
    default: Any = UNSET,
    allowed: str = "",
) -> Any:
    """Declare a dial as a dataclass field. `default` sets both profiles; `lab`/`mvp` one each."""
    if default is not UNSET:
        lab = default if lab is UNSET else lab
        mvp = default if mvp is UNSET else mvp
    declared = Dial(kind, doc, cost, {"lab": lab, "mvp": mvp}, allowed_doc=allowed)
    return field(metadata={"dial": declared})


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


_DECLARED: dict[type, tuple[Dial, ...]] = {}


def dials_of(settings_class: type) -> tuple[Dial, ...]:
    """Every dial declared on a settings dataclass, in declaration order, with its key."""
    if settings_class in _DECLARED:
        return _DECLARED[settings_class]
    found = []
    for declared in dataclasses.fields(settings_class):
        spec = declared.metadata.get("dial")
        if isinstance(spec, Dial):
            found.append(dataclasses.replace(spec, key=camel(declared.name)))
    _DECLARED[settings_class] = tuple(found)
    return _DECLARED[settings_class]


def field_name(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), key)


# -- kinds --------------------------------------------------------------------------------------


def _boolean_value(value: object) -> bool | None:
    """`true`/`false` (any case) as `pulumi config set` stores them; nothing else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return None


def _show_bool(value: Any) -> str:
    return "true" if value else "false"


BOOLEAN: Kind[bool] = Kind(_boolean_value, "true, false", "boolean", _show_bool)


def choice(*values: str) -> Kind[str]:
    return Kind(lambda text: text if text in values else None, ", ".join(values), choices=values)


def integer(low: int, high: int) -> Kind[int]:
    def parse(text: str) -> int | None:
        number = int(text)
        return number if low <= number <= high else None

    return Kind(parse, f"a whole number from {low} to {high}", "integer")


def one_of_integers(values: tuple[int, ...]) -> Kind[int]:
    def parse(text: str) -> int | None:
        number = int(text)
        return number if number in values else None

    return Kind(parse, ", ".join(str(v) for v in values), "integer")


def steps(low: float, high: float, step: float) -> Kind[float]:
    def parse(text: str) -> float | None:
        number = float(text)
        ok = low <= number <= high and (number / step).is_integer()
        return number if ok else None

    return Kind(parse, f"{low:g} to {high:g} in steps of {step:g}", "number", lambda v: f"{v:g}")


def pattern(regex: re.Pattern[str], allowed: str) -> Kind[str]:
    return Kind(lambda text: text if regex.match(text) else None, allowed)


def custom(
    parse: Callable[[str], T | None], allowed: str, show: Callable[[Any], str] = str
) -> Kind[T]:
    return Kind(parse, allowed, "string", show)


def json_object(
    parse_object: Callable[[dict[str, Any]], dict[str, Any]],
    allowed: str,
    show: Callable[[Any], str],
    merge: Callable[[Any, Any], Any],
) -> Kind[Any]:
    """A JSON object (`pulumi config set --path api.cpu 512` stores one) given in part: its
    parts are checked by `parse_object` (which raises DialPartsError for the parts it refuses)
    and laid over the profile's default by `merge`."""

    def parse(text: str) -> dict[str, Any] | None:
        try:
            given = json.loads(text)
        except ValueError:
            return None
        return parse_object(given) if isinstance(given, dict) else None

    return Kind(parse, allowed, "object", show, merge)
