"""Send sample requests through the routing the program declares, as AWS would evaluate it.

`alb_lands(graph, host, path)` reads the listeners, listener rules and target groups of the
graph (not the program's own route list), orders the rules by priority, applies the ALB's
first-match semantics (components/config/routing.py) and answers where the request lands: the
`service` tag of the target group it is forwarded to, `"404"` for the fixed response, or
`"redirect"`.
"""

from __future__ import annotations

import json
from typing import Any

from components.config.routing import Route, first_match
from stackctl.harness import Graph

LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


def _action_result(actions: list[dict[str, Any]], target_groups: dict[str, str]) -> str:
    action = actions[0]
    kind = action.get("type")
    if kind == "forward":
        return target_groups[str(action.get("targetGroupArn"))]
    if kind == "fixed-response":
        return str((action.get("fixedResponse") or {}).get("statusCode"))
    return str(kind)


def alb_lands(graph: Graph, host: str, path: str, port: int | None = None) -> str:
    """Where a request for `host` + `path` on the listener at `port` (443 if any, else 80) lands."""
    listeners = {int(lst.get("port")): lst for lst in graph.of_type(LISTENER)}
    listener = listeners[port if port is not None else max(listeners)]
    target_groups = {
        str(tg.outputs.get("arn")): str((tg.get("tags") or {}).get("service"))
        for tg in graph.of_type(TARGET_GROUP)
    }
    rules = sorted(
        (r for r in graph.of_type(RULE) if r.get("listenerArn") == listener.outputs.get("arn")),
        key=lambda r: int(r.get("priority")),
    )
    priorities = [int(r.get("priority")) for r in rules]
    assert len(set(priorities)) == len(priorities), f"duplicate priorities {priorities}"
    routes: list[Route] = []
    groups: dict[str, list[str]] = {}
    for index, rule in enumerate(rules):
        hosts: list[str] = []
        paths: list[str] = []
        for condition in _as_list(rule.get("conditions")):
            hosts += list((condition.get("hostHeader") or {}).get("values") or [])
            paths += list((condition.get("pathPattern") or {}).get("values") or [])
        group = f"rule{index}"
        groups[group] = hosts or ["*"]
        routes.append(
            Route(
                _action_result(_as_list(rule.get("actions")), target_groups),
                hosts=(group,),
                paths=tuple(paths),
            )
        )
    landed = first_match(routes, groups, host, path)
    if landed is not None:
        return landed
    return _action_result(_as_list(listener.get("defaultActions")), target_groups)
