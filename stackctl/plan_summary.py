"""The summary at the end of `stackctl plan`: settings in effect, monthly cost, tasks per service.

- Settings: every dial with the value this run uses (components/config/settings.py: the profile's
  default unless the stack sets it). A value set by the stack file or by `--set` is marked `*`
  with its source and the profile's default; one another setting derived (interface endpoints
  forced on by `nat: none`, the 300 s auto-pause of a 0 ACU database) is marked `~`.
- Cost: the idle monthly total of `stackctl.cost.estimate` on the very graph the plan shows,
  with the command that itemizes it.
- Tasks: the image tag the services would run (with `images: registry`, what the stack's image
  tag parameter holds: under the mocks, the `@imageTag=<tag>` override, else no parameter yet),
  then the tasks each ECS service runs after `pulumi up`, read from the graph (the service's
  desiredCount, or its autoscaling target's range), and why a service runs none.
- App secrets: the app's own secrets (app/contract.json `appSecrets`) and who gets them; the
  plan runs offline, so it cannot say whether they are set: it names the command that does
  (`pulumi up` refuses while a required one is missing, components/kit/app_secrets.py).
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from components.config.dials import field_name
from components.config.reader import parse_settings
from components.config.settings import DIALS, PROFILES, Settings
from stackctl.cost import Estimate
from stackctl.harness import PROJECT_ROOT, Graph, stack_config

SERVICES = ("api", "web", "worker")


def override_sources(
    graph: Graph, overrides: Sequence[str], root: Path = PROJECT_ROOT
) -> dict[str, str]:
    """Config key (without namespace) -> where this run's value came from: the stack file or
    `--set` (the later one wins, as in the harness)."""
    _, from_file = stack_config(graph.stack, root=root)
    prefix = f"{graph.project}:"
    sources = {key[len(prefix) :]: f"Pulumi.{graph.stack}.yaml" for key in from_file}
    for override in overrides:
        key = override.partition("=")[0]
        if key.startswith(prefix):
            key = key[len(prefix) :]
        sources[key.partition(".")[0]] = "--set"
    return sources


def _shown(declared: Any, value: Any) -> str:
    return "unset" if value is None else str(declared.kind.show(value))


def settings_lines(settings: Settings, sources: dict[str, str]) -> list[str]:
    defaults = PROFILES[settings.profile]
    width = max(len(d.key) for d in DIALS)
    lines = [
        f"Settings (profile {settings.profile}, {settings.region}): * set for this stack, "
        "~ derived from another setting, the rest the profile's defaults"
    ]
    if "profile" in sources:
        lines.append(f"  * {'profile':<{width}}  {settings.profile}   ({sources['profile']})")
    for declared in DIALS:
        value = getattr(settings, field_name(declared.key))
        text = _shown(declared, value)
        default = defaults[declared.key]
        was = f"{settings.profile} default: {_shown(declared, default)}"
        if declared.key in sources:
            lines.append(f"  * {declared.key:<{width}}  {text}   ({sources[declared.key]}; {was})")
        elif value != default:
            lines.append(f"  ~ {declared.key:<{width}}  {text}   (derived; {was})")
        else:
            lines.append(f"    {declared.key:<{width}}  {text}")
    return lines


def cost_lines(estimate: Estimate, overrides: Sequence[str], parked: bool) -> list[str]:
    sets = "".join(f" --set {shlex.quote(o)}" for o in overrides)
    unpriced = len(estimate.unpriced)
    if estimate.can_total:
        total = (
            f"Monthly cost (idle, {estimate.region}): ${estimate.total_monthly:.2f} "
            f"(${estimate.total_hourly:.4f} an hour)"
            + (f"; {unpriced} unpriced item(s) not in the total" if unpriced else "")
        )
    else:
        total = f"Monthly cost (idle, {estimate.region}): no total: {estimate.region_note}"
    lines = [total, f"  itemized: python -m stackctl cost --stack {estimate.stack}{sets}"]
    if parked:
        lines.append(
            "  (this total has the services parked at 0 tasks; `stackctl cost` prices them "
            "running, as after the first deploy with an image)"
        )
    return lines


def _word(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"


def image_lines(graph: Graph, settings: Settings) -> list[str]:
    """Which images the services would run, and where that tag comes from."""
    if settings.images == "build":
        return ["Images: built by `pulumi up` and tagged by content (images: build)"]
    parameter = graph.exports.get("imageTagParameter", "the stack's image tag parameter")
    if settings.image_tag:
        return [f"Image tag: {settings.image_tag} (what {parameter} holds; CI writes it)"]
    return [
        f"Image tag: none: {parameter} names no tag yet (CI writes it when it deploys; "
        "`--set @imageTag=<tag>` plans as if it had)"
    ]


def task_lines(graph: Graph, settings: Settings, sources: dict[str, str]) -> list[str]:
    services = {r.get("name"): r for r in graph.of_type("aws:ecs/service:Service")}
    targets = {
        str(r.get("resourceId", "")).rsplit("/", 1)[-1]: r
        for r in graph.of_type("aws:appautoscaling/target:Target")
    }
    lines = [*image_lines(graph, settings), "Tasks after `pulumi up` (ECS desired count):"]
    for name in SERVICES:
        size = getattr(settings, name)
        service = services.get(name)
        if service is None:
            where = sources.get(name, f"the {settings.profile} profile's default")
            lines.append(f"  {name:<7} {_word(0):<9} off: {name}.enabled is false ({where})")
            continue
        count = int(service.get("desiredCount") or 0)
        target = targets.get(name)
        low = int(target.get("minCapacity")) if target is not None else count
        high = int(target.get("maxCapacity")) if target is not None else count
        shown = _word(count) if low == high else f"{low}-{_word(high)}"
        reasons = []
        if settings.parked:
            reasons.append(
                "parked: images is registry and the image tag parameter names no tag yet "
                "(CI writes it when it deploys)"
            )
        elif high == 0:
            reasons.append(f"{name}.count is 0")
        else:
            if low != high:
                reasons.append("autoscaling on CPU")
            if size.runs_on_spot(settings.fargate_spot):
                reasons.append("on Fargate Spot")
            if settings.sleep is not None:
                reasons.append(f"awake {settings.sleep}, 0 tasks outside (sleep)")
        lines.append(f"  {name:<7} {shown:<10} {'; '.join(reasons)}".rstrip())
    return lines


def app_secret_lines(graph: Graph) -> list[str]:
    """The app's own secrets of the contract the plan ran with; none: no lines."""
    from components.config.app_contract import load_contract

    declared = load_contract().app_secrets.values()
    if not declared:
        return []
    lines = ["", "App secrets (stored per stack, injected as ECS secrets; not checked offline)"]
    for secret in declared:
        need = "optional" if secret.optional else "required"
        lines.append(f"  {secret.name:<28} {need:<8}  {', '.join(secret.services)}")
    lines.append(
        f"  Check them: python -m stackctl secret list --stack {graph.stack} "
        f"(set one: python -m stackctl secret set --stack {graph.stack} NAME)"
    )
    return lines


def render_summary(graph: Graph, overrides: Sequence[str], estimate: Estimate) -> list[str]:
    settings = parse_settings(graph.project, graph.stack, graph.config)
    # the tag comes from the image tag parameter, not config: what the program deployed
    settings = dataclasses.replace(settings, image_tag=graph.exports.get("imageTag") or None)
    sources = override_sources(graph, overrides)
    return [
        "Summary",
        *settings_lines(settings, sources),
        "",
        *cost_lines(estimate, overrides, settings.parked),
        "",
        *task_lines(graph, settings, sources),
        *app_secret_lines(graph),
    ]
