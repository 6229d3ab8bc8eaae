"""Routing as data: an ordered list of routes, first match wins, priorities from the order.

A route sends requests for some hosts and some paths to one service. Hosts are named by group
(`site`: the names viewers use for the site; `api`: `api.<domain>`; `internal`: the load
balancer's own name, used by services inside the VPC), so the list is data that needs no
deployed value; each ingress resolves the groups to names. The list's order is its
priority: the load balancer's listener rules get priorities 10, 20, 30... in list order, so
"`/api/*` before the site's catch-all" is a fact of the list, not two numbers that happen to be
in the right order. `first_match` evaluates the list the way an ALB evaluates its rules
(aws-facts#listener-rules), so tests can send sample requests through it, and through the
rules the program actually declares (tests/routing_helpers.py), and check where they land.

Matching, as the ALB does it: a host pattern matches the Host header without regard to case; a
path pattern matches the path (not the query string) with regard to case; in both, `*` matches
any run of characters and `?` exactly one. A route without hosts matches every host, without
paths every path. Within a route, any host and any path may match (OR); hosts and paths must
both match (AND).

Cost: none (listener rules are free; the ALB's price is in components/ingress/load_balancer.py).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

PRIORITY_STEP = 10
MAX_PRIORITY = 50000  # ALB listener rule priorities are 1 to 50000 (aws-facts#listener-rules)


HostGroups = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Route:
    """Requests for the host groups `hosts` and the `paths` (any, if empty) go to `target`."""

    target: str
    hosts: tuple[str, ...]
    paths: tuple[str, ...] = ()
    purpose: str = ""  # why the route exists, for the plan and the tests' messages
    name: str = ""  # a stable label: the listener rule's logical name is made from it

    def host_names(self, groups: HostGroups) -> list[str]:
        """The names of this route's host groups (a group without names adds none)."""
        return [name for group in self.hosts for name in groups.get(group, ())]

    def matches(self, host: str, path: str, groups: HostGroups) -> bool:
        host_ok = any(_host_matches(p, host) for p in self.host_names(groups))
        path_ok = not self.paths or any(_path_matches(p, path) for p in self.paths)
        return host_ok and path_ok


@cache
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # fnmatch's translation knows * and ?; ALB patterns have no [...] classes, so escape them.
    escaped = pattern.replace("[", "[[]")
    return re.compile(fnmatch.translate(escaped), re.IGNORECASE if ignore_case else 0)


def _host_matches(pattern: str, host: str) -> bool:
    return _compiled(pattern, True).match(host.split(":", 1)[0]) is not None


def _path_matches(pattern: str, path: str) -> bool:
    return _compiled(pattern, False).match(path.split("?", 1)[0]) is not None


def priorities(routes: Sequence[Route]) -> list[tuple[int, Route]]:
    """Each route with its listener rule priority: 10, 20, 30... in list order."""
    numbered = [((index + 1) * PRIORITY_STEP, route) for index, route in enumerate(routes)]
    if numbered and numbered[-1][0] > MAX_PRIORITY:
        raise ValueError(f"{len(routes)} routes need priorities above {MAX_PRIORITY}")
    return numbered


def first_match(routes: Sequence[Route], groups: HostGroups, host: str, path: str) -> str | None:
    """The target of the first route that matches, or None (the listener's default action)."""
    for route in routes:
        if route.matches(host, path, groups):
            return route.target
    return None


def active(routes: Sequence[Route], groups: HostGroups) -> list[Route]:
    """The routes that have host names in this stack (no domain: no `api` host, no route)."""
    return [route for route in routes if route.host_names(groups)]


def shadowed(routes: Sequence[Route]) -> list[tuple[Route, Route, str]]:
    """(later, earlier, host group): an earlier route takes every request of that host group
    that the later route would take, so that part of the later route is dead.

    Only certain cases are reported: the earlier route has the host group, and no paths or
    paths that match each of the later route's as text.
    """

    def covers_paths(earlier: tuple[str, ...], later: tuple[str, ...]) -> bool:
        if not earlier:
            return True
        if not later:
            return False
        return all(any(_compiled(e, False).match(item) for e in earlier) for item in later)

    found = []
    for index, later in enumerate(routes):
        for group in later.hosts:
            for earlier in routes[:index]:
                if group in earlier.hosts and covers_paths(earlier.paths, later.paths):
                    found.append((later, earlier, group))
                    break
    return found


def check_routes(routes: Sequence[Route]) -> list[str]:
    """Problems that would make a route dead; empty when the list is sound."""
    problems = []
    for later, earlier, group in shadowed(routes):
        problems.append(
            f"route to {later.target} ({later.purpose or later.paths}) can never match on the "
            f"{group} hosts: the earlier route to {earlier.target} takes all those requests"
        )
    for route in routes:
        if not route.hosts:
            problems.append(f"route to {route.target} names no host group")
    names = [route.name for route in routes if route.name]
    if len(set(names)) != len(names):
        problems.append(f"route names repeat: {names}")
    return problems
