"""The estimate as text, two stacks side by side, the pull-request comment, and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from stackctl.cost.model import Estimate


def _money(value: float | None, digits: int = 2) -> str:
    return "unpriced" if value is None else f"${value:,.{digits}f}"


def render_estimate(est: Estimate) -> str:
    out = [
        f"Idle cost of stack '{est.stack}' (profile {est.profile}) in {est.region}: "
        f"{est.hours_per_month} h a month, prices from prices/prices.yaml",
    ]
    if est.region_note:
        out.append(f"  NOTE: {est.region_note}")
    out.append("")
    header = f"  {'category':<10} {'resource':<28} {'item':<52} {'$/hour':>9} {'$/month':>9}"
    out.append(header)
    out.append("  " + "-" * (len(header) - 2))
    order = ["compute", "network", "edge", "database", "cache", "secrets", "storage",
             "monitoring", "logs", "dns", "ops", "other"]  # fmt: skip
    lines = sorted(
        est.lines,
        key=lambda li: (order.index(li.category) if li.category in order else 99, li.resource),
    )
    for line in lines:
        hourly = "" if line.hourly_usd is None else f"{line.hourly_usd:.4f}"
        monthly = "unpriced" if line.monthly_usd is None else f"{line.monthly_usd:.2f}"
        desc = line.description if len(line.description) <= 52 else line.description[:51] + "…"
        res = line.resource if len(line.resource) <= 28 else line.resource[:27] + "…"
        out.append(f"  {line.category:<10} {res:<28} {desc:<52} {hourly:>9} {monthly:>9}")
    out.append("  " + "-" * (len(header) - 2))
    if est.can_total:
        out.append(
            f"  {'TOTAL':<10} {'':<28} {'(priced lines)':<52} {est.total_hourly:>9.4f} "
            f"{est.total_monthly:>9.2f}"
        )
        out.append("")
        out.append(
            "By category ($/month): "
            + ", ".join(
                f"{k} {v:.2f}" for k, v in sorted(est.by_category().items(), key=lambda kv: -kv[1])
            )
        )
    else:
        out.append(f"  NO TOTAL: {est.region_note}")
    if est.unpriced:
        out.append("")
        left_out = ": the total leaves these out" if est.can_total else ""
        out.append(f"Unpriced ({len(est.unpriced)}){left_out}")
        for line in est.unpriced:
            out.append(f"  - {line.resource}: {line.description}: {line.note}")
    if est.free:
        count = sum(n for n, _ in est.free.values())
        out.append("")
        out.append(f"No charge of their own ({count} resources of {len(est.free)} types):")
        for token, (n, reason) in est.free.items():
            out.append(f"  - {token.split(':')[-1]} x {n}: {reason}")
    notes = [line for line in lines if line.note and line.priced]
    if notes:
        out.append("")
        out.append("Notes:")
        seen: set[str] = set()
        for line in notes:
            text = f"{line.description}: {line.note}"
            if text not in seen:
                seen.add(text)
                out.append(f"  - {text}")
    out.append("")
    out.append("Usage assumptions (override with --assume KEY=VALUE):")
    out.append("  " + ", ".join(f"{k}={v:g}" for k, v in est.assumptions.items()))
    out.append("Free tiers (stated, not applied unless said):")
    for statement in est.statements:
        out.append(f"  - {statement}")
    return "\n".join(out)


def _rows(est: Estimate) -> dict[tuple[str, str, str], tuple[str, float | None]]:
    """Monthly cost by (category, resource, price item): the same across stacks."""
    rows: dict[tuple[str, str, str], tuple[str, float | None]] = {}
    for line in est.lines:
        key = (line.category, line.resource, line.price_item or line.description)
        text = f"{line.resource}: {line.price_item or line.description}"
        previous = rows.get(key)
        if line.monthly_usd is None:
            rows[key] = (text, None)
        elif previous is None:
            rows[key] = (text, line.monthly_usd)
        elif previous[1] is not None:
            rows[key] = (text, previous[1] + line.monthly_usd)
    return rows


def render_compare(estimates: Sequence[Estimate]) -> str:
    """Stacks or scenarios side by side: one row per resource and price item."""
    rows = [_rows(est) for est in estimates]
    keys = sorted(set().union(*rows))
    width = 62
    columns = [max(9, len(est.name)) for est in estimates]
    rule = "  " + "-" * (width + 12 + sum(c + 1 for c in columns))
    out = [
        "Idle monthly cost (USD): "
        + " vs ".join(f"{est.name} ({est.profile}, {est.region})" for est in estimates),
        "",
        f"  {'category':<10} {'resource: price item':<{width}} "
        + " ".join(f"{est.name:>{c}}" for est, c in zip(estimates, columns, strict=True)),
        rule,
    ]
    for key in keys:
        text = next(r[key][0] for r in rows if key in r)
        values = [r[key][1] if key in r else 0.0 for r in rows]
        if all(v == 0.0 for v in values):
            continue
        text = text if len(text) <= width else text[: width - 1] + "…"
        cells = [
            f"{'unpriced' if v is None else f'{v:.2f}':>{c}}"
            for v, c in zip(values, columns, strict=True)
        ]
        out.append(f"  {key[0]:<10} {text:<{width}} " + " ".join(cells))
    out.append(rule)
    pairs = list(zip(estimates, columns, strict=True))
    out.append(
        f"  {'TOTAL':<10} {'$/month':<{width}} "
        + " ".join(
            f"{e.total_monthly:>{c}.2f}" if e.can_total else f"{'none':>{c}}" for e, c in pairs
        )
    )
    out.append(
        f"  {'':<10} {'$/hour':<{width}} "
        + " ".join(
            f"{e.total_hourly:>{c}.4f}" if e.can_total else f"{'none':>{c}}" for e, c in pairs
        )
    )
    for est in estimates:
        if not est.can_total:
            out.append(f"  {est.name}: no total: {est.region_note}")
        if est.unpriced:
            out.append(
                f"  {est.name}: {len(est.unpriced)} unpriced item(s)"
                + (", not in the total: " if est.can_total else ": ")
                + "; ".join(f"{u.resource} {u.description}" for u in est.unpriced)
            )
    return "\n".join(out)


def render_markdown(estimates: list[Estimate], baseline: Mapping[str, Any] | None = None) -> str:
    """The pull-request comment: totals per stack, the change against `baseline` (the JSON that
    `cost --compare ... --json` printed on main), and the itemized tables folded."""
    base_totals: dict[str, float] = {}
    if baseline:
        for item in baseline.get("stacks", []):
            name = str(item.get("scenario") or item["stack"])
            if item.get("totalMonthlyUsd") is not None:
                base_totals[name] = float(item["totalMonthlyUsd"])
    regions = ", ".join(sorted({est.region for est in estimates})) or "no"
    out = [f"### Idle cost estimate ({regions} prices, `stackctl cost`)", ""]
    out.append("| stack | profile | $/month | $/hour | change vs main | unpriced |")
    out.append("|---|---|---:|---:|---:|---|")
    for est in estimates:
        if not est.can_total:
            change = "n/a (no total)"
        elif est.name in base_totals:
            delta = est.total_monthly - base_totals[est.name]
            change = f"{'+' if delta >= 0 else '-'}${abs(delta):,.2f}"
        else:
            change = "n/a (no baseline)"
        unpriced = ", ".join(f"{u.resource} {u.description}" for u in est.unpriced) or "none"
        monthly = _money(est.total_monthly) if est.can_total else f"no total: {est.region_note}"
        hourly = _money(est.total_hourly, 4) if est.can_total else "none"
        out.append(f"| {est.name} | {est.profile} | {monthly} | {hourly} | {change} | {unpriced} |")
    for est in estimates:
        out.append("")
        out.append(f"<details><summary>{est.name}: itemized</summary>")
        out.append("")
        out.append("| category | resource | item | $/month |")
        out.append("|---|---|---|---:|")
        for line in sorted(est.lines, key=lambda li: -(li.monthly_usd or 0.0)):
            if line.monthly_usd == 0.0 and not line.note:
                continue
            out.append(
                f"| {line.category} | {line.resource} | {line.description} | "
                f"{_money(line.monthly_usd)} |"
            )
        out.append("")
        out.append("</details>")
    out.append("")
    out.append(
        "Assumptions: " + ", ".join(f"{k}={v:g}" for k, v in estimates[0].assumptions.items())
        if estimates
        else ""
    )
    return "\n".join(out)


def estimates_json(estimates: list[Estimate]) -> str:
    return json.dumps({"stacks": [e.to_json() for e in estimates]}, indent=2)
