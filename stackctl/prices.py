"""The dated price table behind `stackctl cost` (prices/prices.yaml).

Every entry names its figure, its source and the date it was gathered; `load_prices()` refuses a
table with an entry that lacks one. `PriceTable.get(item, region)` returns None for an item or a
region the table does not price: the cost model lists such a line as *unpriced*, never as free.

Regions: `regions.priced` lists every region with figures; `regions.complete` the ones with a
figure for every item (the table is refused when one lacks an item). In any other region, or
when a stack uses an item its region has no figure for, `stackctl cost` and `plan` print no total
and say which region they cannot price and what to do (`cannot_price`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
    complete_regions: tuple[str, ...] = ()
    """Regions with a figure for every item: a stack there always gets a total."""

    def get(self, item: str, region: str) -> Price | None:
        return self.prices.get((item, region))

    def missing(self, region: str) -> list[str]:
        """The items `region` has no figure for (every item, for a region not in the table)."""
        return sorted(item for item in self.units if (item, region) not in self.prices)

    def cannot_price(self, region: str, items: Iterable[str] = ()) -> str:
        """Why a total cannot be given in `region` for a stack that uses `items` without a
        figure there, and what to do: empty when nothing is missing."""
        gaps = sorted(set(items))
        if not gaps:
            return ""
        complete = ", ".join(self.complete_regions) or "none"
        todo = (
            "add the figures (with source and date) to prices/prices.yaml, or see a priced "
            f"region's estimate with `stackctl cost --region {self.complete_regions[0]}`"
            if self.complete_regions
            else "add the figures (with source and date) to prices/prices.yaml"
        )
        if region not in self.priced_regions:
            return (
                f"cannot price {region}: prices/prices.yaml has "
                f"{', '.join(self.priced_regions)}; {todo}"
            )
        return (
            f"cannot price {region} in full: prices/prices.yaml has no {region} figure for "
            f"{', '.join(gaps)} (priced in full: {complete}); {todo}"
        )

    def dates(self) -> list[str]:
        return sorted({p.date for p in self.prices.values()})


class PriceTableError(ValueError):
    """The price table is malformed (an entry without a figure, source or date)."""


def parse_prices(document: dict[str, Any]) -> PriceTable:
    problems: list[str] = []
    sources = {str(k): str(v) for k, v in (document.get("sources") or {}).items()}
    regions = document.get("regions") or {}
    priced = tuple(str(r) for r in regions.get("priced") or ())
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
    complete = tuple(str(r) for r in regions.get("complete") or ())
    for region in complete:
        if region not in priced:
            problems.append(f"regions.complete: {region} is not in regions.priced")
        gaps = sorted(item for item in units if (item, region) not in prices)
        if gaps:
            problems.append(
                f"regions.complete: {region} has no figure for {', '.join(gaps)} (add them, or "
                "move the region out of regions.complete)"
            )
    if problems:
        raise PriceTableError("price table problems:\n  " + "\n  ".join(problems))
    return PriceTable(
        hours_per_month=int(document.get("hours_per_month") or 730),
        prices=prices,
        units=units,
        sources=sources,
        priced_regions=priced,
        complete_regions=complete,
    )


@cache
def load_prices(path: Path = PRICES_PATH) -> PriceTable:
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    return parse_prices(document)
