"""The ordered route list (components/config/routing.py) as HTTP API route keys, and how an HTTP API
selects a route, so tests can prove both ingresses send a request to the same service.

An ALB takes the *first* rule that matches; an HTTP API takes the *most specific* route that
matches, whatever the order (aws-facts#http-api-routes): a route key without a path variable
that equals the path wins; then, among `{proxy+}` routes, the one with the longest fixed
prefix; then `$default`. Both match paths with regard to case and ignore the query string.
The two agree only for lists in which a more specific route comes before a broader one, so
`route_keys` translates the list and then checks, with probe paths taken from the patterns
themselves, that the HTTP API would choose what the ALB chooses; a list where they differ is an
error, never a silent change of routing.

Hosts: an HTTP API behind CloudFront never sees the viewer's Host (CloudFront must send the
API's own name, aws-facts#http-api-origin), so one HTTP API serves one group of hosts, the one
CloudFront forwards to it (`served`, the site's names). Routes of other host groups cannot be
expressed and are returned as `unserved` (with the ALB, `api.<domain>` is one of them).

Translation of path patterns: `/prefix/*` -> `ANY /prefix/{proxy+}`; a path without `*` or `?`
-> `ANY /path`; a route without paths -> `$default`. Other patterns (`*` inside a segment, `?`)
have no HTTP API equivalent and are refused.

One path is left out of the probes: `/prefix/` itself. The ALB's `/prefix/*` matches it (`*`
may match nothing); whether `{proxy+}` matches an empty remainder the documentation does not
say, and `select` assumes it does not (the request would fall to `$default`). The app serves
nothing at `/api/`, so the difference reaches no one; see aws-facts#http-api-routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from components.config.routing import HostGroups, Route, first_match

DEFAULT_ROUTE = "$default"
GREEDY = "{proxy+}"


@dataclass(frozen=True)
class Translation:
    """Route keys in declaration order, and the routes left out with why."""

    keys: tuple[tuple[str, str], ...]  # (route key, target)
    unserved: tuple[tuple[Route, str], ...]


def _key_for(pattern: str) -> str:
    plain = pattern.startswith("/")
    if plain and pattern.endswith("/*") and not any(c in pattern[:-2] for c in "*?"):
        return f"ANY {pattern[:-1]}{GREEDY}"
    if plain and not any(c in pattern for c in "*?"):
        return f"ANY {pattern}"
    raise ValueError(
        f"path pattern {pattern!r} has no HTTP API route key: allowed are '/prefix/*' "
        "(-> {proxy+}) and exact paths without '*' or '?'"
    )


def _key_path(key: str) -> str:
    return key.split(" ", 1)[1]


def select(keys: Sequence[tuple[str, str]], path: str) -> str | None:
    """The target of the route an HTTP API selects for `path` (any method), or None."""
    path = path.split("?", 1)[0]
    table = dict(keys)
    exact = [k for k in table if k != DEFAULT_ROUTE and GREEDY not in k]
    for key in exact:
        if _key_path(key) == path:
            return table[key]
    # `/p/{proxy+}` takes the paths below `/p/` with at least one character after it; of
    # several, the one with the longest fixed prefix.
    prefixes = {k: _key_path(k)[: -len(GREEDY)] for k in table if GREEDY in k}
    matching = [k for k, p in prefixes.items() if path.startswith(p) and len(path) > len(p)]
    if matching:
        return table[max(matching, key=lambda k: len(prefixes[k]))]
    return table.get(DEFAULT_ROUTE)


def _probes(keys: Sequence[tuple[str, str]]) -> list[str]:
    """Paths on and around each key's boundary: where first-match and most-specific differ."""
    probes = {"/", "/x", "/x/y"}
    for key, _ in keys:
        if key == DEFAULT_ROUTE:
            continue
        path = _key_path(key)
        if path.endswith(GREEDY):
            prefix = path[: -len(GREEDY)]
            probes |= {prefix.rstrip("/"), prefix + "x", prefix + "x/y", prefix.rstrip("/") + "x"}
        else:
            probes |= {path, path + "/x", path + "x"}
    return sorted(probes)


def route_keys(routes: Sequence[Route], groups: HostGroups, served: str = "site") -> Translation:
    """The HTTP API route keys for the routes of host group `served`, checked against the
    ALB's first-match on probe paths (ValueError when they would disagree)."""
    keys: list[tuple[str, str]] = []
    unserved: list[tuple[Route, str]] = []
    for route in routes:
        if served not in route.hosts:
            unserved.append(
                (route, f"host groups {route.hosts}: an HTTP API behind CloudFront sees no Host")
            )
            continue
        for key in [_key_for(p) for p in route.paths] or [DEFAULT_ROUTE]:
            taken = dict(keys).get(key)
            if taken is None:
                keys.append((key, route.target))
            elif taken != route.target:
                raise ValueError(f"route key {key!r} would go to both {taken} and {route.target}")
    hosts = list(groups.get(served, ()))
    if not hosts:
        raise ValueError(f"host group {served!r} has no names: nothing to check the routes with")
    for path in _probes(keys):
        alb, http_api = first_match(routes, groups, hosts[0], path), select(keys, path)
        if alb != http_api:
            raise ValueError(
                f"for {path!r} the ALB's first match goes to {alb} but the HTTP API's most "
                f"specific route goes to {http_api}: reorder the routes, most specific first"
            )
    return Translation(tuple(keys), tuple(unserved))
