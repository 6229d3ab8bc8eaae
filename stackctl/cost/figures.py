"""Dollar figures in prose, taken from the cost model: a dial's cost text names the price line
or the dial row it means, never the figure.

A cost text (components/config/settings.py `cost=...`) may hold two kinds of reference, which
`fill` replaces when the docs are written (`python -m stackctl docs`):

- `{price ITEM}`: the us-east-1 figure of `ITEM` in prices/prices.yaml with its unit, and for an
  hourly item what a month of it is (`{price nat_gateway.hour}` -> `$0.045/gateway-hour ($32.85
  a month)`);
- `{dial STACK KEY=VALUE}`: what setting `KEY=VALUE` changes in STACK's idle monthly cost, as
  `stackctl cost` prices it: a row of `DIAL_ROWS` (stackctl/cost/scenarios.py), the same figure
  docs/costs.md's dial cost table shows (`{dial dev nat=gateway}` -> `+$29.27 a month`).

An unknown item, or a dial row that `DIAL_ROWS` does not have, is an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stackctl.prices import PriceTable

REGION = "us-east-1"
REFERENCE = re.compile(r"\{(price|dial) ([^{}]+)\}")


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


def change_text(delta: float) -> str:
    return f"{'+' if delta >= 0 else '-'}${abs(delta):.2f} a month"


def fill(text: str, table: PriceTable, dial_change: Callable[[str, tuple[str, ...]], float]) -> str:
    """`text` with every reference replaced by its figure. `dial_change(stack, overrides)`: the
    change of a dial row's idle monthly total against its stack's."""

    def figure(match: re.Match[str]) -> str:
        kind, body = match.group(1), match.group(2).strip()
        if kind == "price":
            return price_text(body, table)
        stack, *overrides = body.split(" ", 1)
        return change_text(dial_change(stack, tuple(overrides)))

    return REFERENCE.sub(figure, text)
