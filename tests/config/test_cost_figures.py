"""Dollar figures have one source: prices/prices.yaml through the cost model.

A dial's cost text names a price line (`{price ITEM}`) or a dial row (`{dial STACK KEY=VALUE}`)
and `python -m stackctl docs` fills in the figure (stackctl/cost/figures.py); a component's
docstrings name the price lines they mean. These tests fail when a `$<digits>` figure is typed
in a cost text or a docstring of components/, or when a reference names nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from components.config.dials import dials_of
from components.config.settings import Settings
from stackctl.cost.figures import REFERENCE, fill, price_text
from stackctl.prices import load_prices

ROOT = Path(__file__).resolve().parents[2]
FIGURE = re.compile(r"\$\d")


def _docstrings(tree: ast.Module) -> list[tuple[int, str]]:
    """The module's, classes' and functions' docstrings, and the attribute docstrings (a string
    statement after a field)."""
    found = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                found.append((statement.lineno, statement.value.value))
    return found


def test_no_dial_cost_text_types_a_dollar_figure() -> None:
    typed = [d.key for d in dials_of(Settings) if FIGURE.search(d.cost)]
    assert typed == [], "name the price line ({price ITEM}) or the dial row ({dial ...})"


def test_no_component_docstring_types_a_dollar_figure() -> None:
    typed = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "components").rglob("*.py"))
        for line, text in _docstrings(ast.parse(path.read_text(encoding="utf-8")))
        if FIGURE.search(text)
    ]
    assert typed == [], "name the price line of prices/prices.yaml, or see docs/costs.md"


def test_every_price_reference_of_the_dials_names_a_priced_line() -> None:
    table = load_prices()
    items = [
        m.group(2).strip()
        for d in dials_of(Settings)
        for m in REFERENCE.finditer(d.cost)
        if m.group(1) == "price"
    ]
    assert items, "the dials name no price line: the check would prove nothing"
    for item in items:
        assert price_text(item, table).startswith("$"), item


def test_a_reference_is_filled_from_the_table_and_the_model() -> None:
    table = load_prices()
    hourly = table.get("nat_gateway.hour", "us-east-1")
    assert hourly is not None
    month = hourly.usd * table.hours_per_month
    text = fill(
        "{price nat_gateway.hour}; {dial dev nat=gateway}",
        table,
        lambda stack, overrides: 29.27 if (stack, overrides) == ("dev", ("nat=gateway",)) else 0.0,
    )
    assert text == f"${hourly.usd:g}/{hourly.unit} (${month:.2f} a month); +$29.27 a month"
    with pytest.raises(ValueError, match=r"no-such\.item"):
        fill("{price no-such.item}", table, lambda s, o: 0.0)
