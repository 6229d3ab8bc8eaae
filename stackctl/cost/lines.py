"""How one line item is priced: a quantity, a price item of the dated table, hourly or monthly."""

from __future__ import annotations

from stackctl.cost.model import Assumptions, LineItem
from stackctl.harness import Graph, Resource
from stackctl.prices import PriceTable


class Pricer:
    """Builds line items for one graph in one region."""

    def __init__(self, graph: Graph, table: PriceTable, assume: Assumptions, region: str) -> None:
        self.graph = graph
        self.table = table
        self.assume = assume
        self.region = region
        self.hours = table.hours_per_month
        self.lines: list[LineItem] = []
        self.statements: list[str] = []

    # A quantity billed per hour (count of things running all month).
    def hourly(  # noqa: PLR0917 (the line item fields, in order)
        self,
        category: str,
        resource: Resource,
        description: str,
        item: str,
        quantity: float,
        note: str = "",
    ) -> None:
        self._add(category, resource, description, item, quantity, per_hour=True, note=note)

    # A quantity billed per month (GB-month, secret-month, GB ingested a month...).
    def monthly(  # noqa: PLR0917 (the line item fields, in order)
        self,
        category: str,
        resource: Resource,
        description: str,
        item: str,
        quantity: float,
        note: str = "",
    ) -> None:
        self._add(category, resource, description, item, quantity, per_hour=False, note=note)

    def free(self, category: str, resource: Resource, description: str, note: str) -> None:
        self.lines.append(
            LineItem(
                category,
                resource.name,
                resource.type,
                description,
                1,
                "-",
                0.0,
                0.0,
                0.0,
                note=note,
            )
        )

    def unpriced(self, category: str, resource: Resource, description: str, note: str) -> None:
        self.lines.append(
            LineItem(
                category,
                resource.name,
                resource.type,
                description,
                1,
                "-",
                None,
                None,
                None,
                note=f"UNPRICED: {note}",
            )
        )

    def _add(  # noqa: PLR0917 (the line item fields, in order)
        self,
        category: str,
        resource: Resource,
        description: str,
        item: str,
        quantity: float,
        per_hour: bool,
        note: str,
    ) -> None:
        region = str(resource.inputs.get("region") or self.region)
        price = self.table.get(item, region)
        unit = self.table.units.get(item, item)
        if price is None:
            reason = f"no price for {item} in {region}"
            self.lines.append(
                LineItem(
                    category,
                    resource.name,
                    resource.type,
                    description,
                    quantity,
                    unit,
                    None,
                    None,
                    None,
                    price_item=item,
                    note=f"UNPRICED: {reason}" + (f"; {note}" if note else ""),
                )
            )
            return
        if per_hour:
            hourly = quantity * price.usd
            monthly = hourly * self.hours
        else:
            monthly = quantity * price.usd
            hourly = monthly / self.hours
        notes = "; ".join(n for n in (note, price.note) if n)
        self.lines.append(
            LineItem(
                category,
                resource.name,
                resource.type,
                description,
                quantity,
                unit,
                price.usd,
                monthly,
                hourly,
                price_item=item,
                source=self.table.sources[price.source],
                date=price.date,
                note=notes,
            )
        )
