"""The dated price table behind `stackctl cost` (prices/prices.yaml).

Every entry names its figure, its source and the date it was gathered; `load_prices()` refuses a
table with an entry that lacks one. `PriceTable.get(item, region)` returns None for an item or a
region the table does not price: the cost model lists such a line as *unpriced*, never as $0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PRICES_PATH = Path(__file__).resolve().parent.parent / "prices" / "prices.yaml"


@dataclass(frozen=True)
class Price:
    """One figure: `usd` per `unit` in `region`, from `source`, gathered on `date`."""

    item: str
    region: str
    usd: float
    unit: str
    source: str
    date: str
    note: str = ""


@dataclass(frozen=True)
class PriceTable:
    hours_per_month: int
    prices: dict[tuple[str, str], Price]
    units: dict[str, str]
    sources: dict[str, str]
    priced_regions: tuple[str, ...]
    unpriced_regions: dict[str, str] = field(default_factory=dict)

    def get(self, item: str, region: str) -> Price | None:
        return self.prices.get((item, region))

    def dates(self) -> list[str]:
        return sorted({p.date for p in self.prices.values()})


class PriceTableError(ValueError):
    """The price table is malformed (an entry without a figure, source or date)."""


def parse_prices(document: dict[str, Any]) -> PriceTable:
    problems: list[str] = []
    sources = {str(k): str(v) for k, v in (document.get("sources") or {}).items()}
    regions = document.get("regions") or {}
    priced = tuple(str(r) for r in regions.get("priced") or ())
    unpriced = {str(k): str(v) for k, v in (regions.get("unpriced") or {}).items()}
    prices: dict[tuple[str, str], Price] = {}
    units: dict[str, str] = {}
    for item, row in (document.get("items") or {}).items():
        if not isinstance(row, dict) or not row.get("unit"):
            problems.append(f"{item}: no unit")
            continue
        units[item] = str(row["unit"])
        for region, entry in row.items():
            if region == "unit":
                continue
            if region not in priced:
                problems.append(f"{item}: region {region} is not in regions.priced")
                continue
            if not isinstance(entry, dict):
                problems.append(f"{item} in {region}: not a mapping")
                continue
            missing = [k for k in ("usd", "source", "date") if entry.get(k) in (None, "")]
            if missing:
                problems.append(f"{item} in {region}: missing {', '.join(missing)}")
                continue
            source = str(entry["source"])
            if source not in sources:
                problems.append(f"{item} in {region}: unknown source {source!r}")
                continue
            prices[(str(item), str(region))] = Price(
                item=str(item),
                region=str(region),
                usd=float(entry["usd"]),
                unit=str(row["unit"]),
                source=source,
                date=str(entry["date"]),
                note=str(entry.get("note") or ""),
            )
    if problems:
        raise PriceTableError("price table problems:\n  " + "\n  ".join(problems))
    return PriceTable(
        hours_per_month=int(document.get("hours_per_month") or 730),
        prices=prices,
        units=units,
        sources=sources,
        priced_regions=priced,
        unpriced_regions=unpriced,
    )


@cache
def load_prices(path: Path = PRICES_PATH) -> PriceTable:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    return parse_prices(document)
