"""Stacks and dial combinations that whole-graph rules are checked over.

Each entry is (stack, overrides). Together they switch on every optional part of the program:
a domain with WAF, end-to-end TLS, CloudFront logs, CI identity, alarm email and the user pool;
the public ALB with a NAT gateway; no NAT with Redis and a sleep schedule; x86 with three AZs;
each stack with the other ingress mode (the lab's ALB, the mvp's HTTP API).
"""

from __future__ import annotations

FULL_EDGE = (
    "domain=example.com",
    "waf=true",
    "albHttps=true",
    "cloudfrontLogs=true",
    "githubRepo=acme/shop",
    "alarmEmail=ops@example.com",
    "auth=cognito",
)
PUBLIC_EDGE = ("edge=public", "nat=gateway")
NO_NAT_SLEEPING = ("nat=none", "redis=true", "sleep=weekdays 08-20")
X86_THREE_AZS = ("cpuArchitecture=X86_64", "azCount=3")

DIAL_MATRIX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dev", ()),
    ("prod", ()),
    ("dev", FULL_EDGE),
    ("prod", FULL_EDGE),
    ("dev", PUBLIC_EDGE),
    ("prod", PUBLIC_EDGE),
    ("dev", NO_NAT_SLEEPING),  # sleep is refused with profile mvp
    ("dev", X86_THREE_AZS),
    ("prod", X86_THREE_AZS),
    ("dev", ("ingress=alb",)),
    ("prod", ("ingress=httpApi",)),
    ("prod", ("ingress=httpApi", *FULL_EDGE[:2], *FULL_EDGE[3:])),  # albHttps is the ALB's
)


def matrix_id(entry: tuple[str, tuple[str, ...]]) -> str:
    stack, overrides = entry
    return "-".join([stack, *overrides]) if overrides else stack
