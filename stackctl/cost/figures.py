"""Dollar figures in prose, taken from the cost model: a dial's cost text names the price line
or the dial row it means, never the figure.

A cost text (components/config/settings.py `cost=...`) may hold two kinds of reference, which
`fill` replaces when the docs are written (`python -m stackctl docs`):

- `{price ITEM}`: the us-east-1 figure of `ITEM` in prices/prices.yaml with its unit, and for an
  hourly item what a month of it is (`{price nat_gateway.hour}` -> `$<figure>/gateway-hour
  ($<figure x 730> a month)`);
- `{off ITEM BASE}`: how much less ITEM costs than BASE, in percent (`{off
  fargate.spot.arm64.vcpu_hour fargate.ondemand.arm64.vcpu_hour}` -> `68%`);
- `{dial STACK KEY=VALUE}`: what setting `KEY=VALUE` changes in STACK's idle monthly cost, as
  `stackctl cost` prices it: a row of `DIAL_ROWS` (stackctl/cost/scenarios.py), the same figure
  docs/costs.md's dial cost table shows (`{dial dev nat=gateway}` -> `+$<change> a month`).

An unknown item, or a dial row that `DIAL_ROWS` does not have, is an error naming it.

For prose about the whole stack, `headline_costs()` gives "lab $X a month, asleep $Y, mvp $Z"
from the named scenarios (stackctl/cost/scenarios.py), as `stackctl cost` prices them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from stackctl.prices import PriceTable

if TYPE_CHECKING:
    from stackctl.harness import Graph

REGION = "us-east-1"
REFERENCE = re.compile(r"\{(price|off|dial) ([^{}]+)\}")


def price_text(item: str, table: PriceTable) -> str:
    """`$<figure>/<unit>`, plus the month of an hourly item."""
    price = table.get(item, REGION)
    if price is None:
        raise ValueError(f"{{price {item}}}: prices/prices.yaml has no {REGION} entry for {item}")
    usd = f"{price.usd:.2f}" if round(price.usd, 2) == price.usd else f"{price.usd:g}"
    text = f"${usd}/{price.unit}"
    if price.unit.endswith("hour"):
        text += f" (${price.usd * table.hours_per_month:.2f} a month)"
    return text


def off_text(item: str, base: str, table: PriceTable) -> str:
    """`<percent>%`: how much less `item` costs than `base` (both us-east-1 figures)."""
    cheap, full = table.get(item, REGION), table.get(base, REGION)
    if cheap is None or full is None or not full.usd:
        raise ValueError(
            f"{{off {item} {base}}}: prices/prices.yaml has no {REGION} figure for both"
        )
    return f"{round((1 - cheap.usd / full.usd) * 100)}%"


def change_text(delta: float) -> str:
    return f"{'+' if delta >= 0 else '-'}${abs(delta):.2f} a month"


def fill(text: str, table: PriceTable, dial_change: Callable[[str, tuple[str, ...]], float]) -> str:
    """`text` with every reference replaced by its figure. `dial_change(stack, overrides)`: the
    change of a dial row's idle monthly total against its stack's."""

    def figure(match: re.Match[str]) -> str:
        kind, body = match.group(1), match.group(2).strip()
        if kind == "price":
            return price_text(body, table)
        if kind == "off":
            item, _, base = body.partition(" ")
            return off_text(item, base.strip(), table)
        stack, *overrides = body.split(" ", 1)
        return change_text(dial_change(stack, tuple(overrides)))

    return REFERENCE.sub(figure, text)


# The scenarios the headline names, in its order: (scenario, how the sentence calls it).
HEADLINE = (("lab", "lab"), ("lab asleep", "asleep"), ("mvp", "mvp"))


def headline_costs(run: Callable[[str, list[str]], Graph] | None = None) -> str:
    """ "lab $X a month, asleep $Y, mvp $Z": the idle monthly totals of the named scenarios
    (us-east-1, images deployed, no free tier), as `stackctl cost --compare` prices them.
    `run(stack, overrides)` gives each graph (default: the program, as deployed)."""
    from stackctl.cost.scenarios import BY_NAME, price

    totals = []
    for name, called in HEADLINE:
        est = price(BY_NAME[name], run) if run else price(BY_NAME[name])
        if not est.can_total:
            raise ValueError(f"scenario {name!r}: {est.region_note}")
        totals.append(f"{called} ${est.total_monthly:.2f}")
    return totals[0] + " a month, " + ", ".join(totals[1:])
