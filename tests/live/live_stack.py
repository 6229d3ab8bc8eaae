"""Bring a live stack up and always take it down again, with Pulumi's Automation API.

`deployed(config, ...)` is a context manager around one stack of this project (a LocalWorkspace
on the repository, the program `__main__.py`, the `pulumi` CLI on the PATH):

1. create the stack, or select it when a kept one exists (`Stack.create_or_select`), with
   `secrets_provider` for a new one;
2. set its config to `config.values` (`pulumi config set` of each; keys the copy no longer has
   are removed), which writes `Pulumi.<stack>.yaml` in the repository (.gitignore ignores
   `Pulumi.live-*.yaml`);
3. `up` (builds the images, publishes the static files, runs the migration), then yields the
   stack's outputs and its exported state;
4. finally, unless `keep`: `destroy` with `remove` (the stack and its config file are deleted
   too). A failed destroy raises `LeftBehindError` saying what to run. The stack the workspace
   had selected before is selected again, so the user's `pulumi up` keeps meaning their stack.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto

from stackctl.harness import PROJECT_ROOT
from tests.live.stack_config import LiveConfig, check_stack_name


class LeftBehindError(RuntimeError):
    """The live stack could not be destroyed; its resources are still in the account."""


@dataclass(frozen=True)
class Deployed:
    stack: str
    outputs: Mapping[str, Any]
    deployment: Mapping[str, Any]


def missing_tools() -> list[str]:
    """What the live check needs on the PATH: the Pulumi CLI, and Docker (`images: build`)."""
    return [tool for tool in ("pulumi", "docker") if shutil.which(tool) is None]


def leftover_help(stack: str) -> str:
    return (
        f"run `pulumi destroy --stack {stack} --yes` and then `pulumi stack rm {stack} --yes` "
        "from the repository (docs/live-check.md, 'When it fails')"
    )


@contextmanager
def deployed(
    config: LiveConfig,
    *,
    keep: bool,
    log: Callable[[str], None],
    secrets_provider: str | None = None,
) -> Iterator[Deployed]:
    name = check_stack_name(config.stack)  # never anything but a live-* stack
    workspace = auto.LocalWorkspace(work_dir=str(PROJECT_ROOT), secrets_provider=secrets_provider)
    selected = workspace.stack()
    previous = selected.name if selected is not None else None
    stack = auto.Stack.create_or_select(name, workspace)
    try:
        current = set(stack.get_all_config())
        stale = sorted(current - set(config.values))
        if stale:
            stack.remove_all_config(stale)
        stack.set_all_config({k: auto.ConfigValue(v) for k, v in config.values.items()})
        log(f"pulumi up --stack {name} (copied from {config.source}; dropped {config.dropped})")
        stack.up(on_output=log, color="never", message="tests/live: the live check")
        outputs = {key: value.value for key, value in stack.outputs().items()}
        exported = stack.export_stack().deployment or {}
        yield Deployed(stack=name, outputs=outputs, deployment=exported)
    finally:
        try:
            if keep:
                log(f"--live-keep: {name} stays up; when done, {leftover_help(name)}")
            else:
                _destroy(stack, name, log)
        finally:
            if previous and previous != name:
                workspace.select_stack(previous)


def _destroy(stack: auto.Stack, name: str, log: Callable[[str], None]) -> None:
    log(f"pulumi destroy --stack {name} --remove")
    try:
        stack.destroy(on_output=log, color="never", remove=True)
    except auto.CommandError as error:
        raise LeftBehindError(
            f"destroying the live stack {name} failed; its resources are still in your AWS "
            f"account and cost money until removed: {leftover_help(name)}.\n{error}"
        ) from error
