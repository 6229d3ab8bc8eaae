"""The live check's options and its opt-in.

Tests marked `live` create AWS resources (tests/live/test_live_stack.py). They are deselected
unless `--live` is given, so `./scripts/test` and a plain `pytest` never run them:

    python -m pytest tests/live --live [--live-stack live-ana] [--live-keep]

The options exist when pytest starts from tests/live (or a file in it); elsewhere `--live` is
unknown and the tests stay deselected.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("live", "the live deploy check (creates AWS resources)")
    group.addoption(
        "--live",
        action="store_true",
        default=False,
        help="run the live check: deploy a live-* stack to your AWS account, check it, destroy it",
    )
    group.addoption("--live-stack", default=None, help="the stack's name (default live-<user>)")
    group.addoption("--live-source", default="dev", help="copy Pulumi.<this>.yaml (default dev)")
    group.addoption(
        "--live-keep",
        action="store_true",
        default=False,
        help="leave the stack up for debugging (destroy it yourself afterwards)",
    )
    group.addoption(
        "--live-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key of the live stack (repeatable), e.g. auth=open",
    )
    group.addoption(
        "--live-secrets-provider",
        default=None,
        help="secrets provider of a new live stack, e.g. awskms://alias/...; default: the "
        "backend's (Pulumi Cloud, or a passphrase from PULUMI_CONFIG_PASSPHRASE)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("live", default=False):
        return
    live = [item for item in items if item.get_closest_marker("live")]
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = [item for item in items if not item.get_closest_marker("live")]
