"""Child processes of the dev loop: each in its own process group, its output prefixed.

Every child starts in a new session (so its own process group): the terminal's Ctrl-C reaches
only `stackctl dev`, which then stops the children in order, each whole group at once (uvicorn's
reloader and its server, npm-less `next dev` and its workers, runuser and postgres). A thread per
child copies its output line by line as `name | line`, the name coloured when stdout is a
terminal (and NO_COLOR is unset).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

COLOURS = ("36", "35", "33", "32", "34", "31", "96", "95")  # ANSI: cyan, magenta, yellow, ...


class Output:
    """Prefixed lines on stdout from many threads, one whole line at a time."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.colour = self.stream.isatty() and not os.environ.get("NO_COLOR")
        self.width = 8
        self._lock = threading.Lock()
        self._colours: dict[str, str] = {}

    def line(self, name: str, text: str) -> None:
        label = name.ljust(self.width)
        if self.colour:
            code = self._colours.setdefault(name, COLOURS[len(self._colours) % len(COLOURS)])
            label = f"\033[{code}m{label}\033[0m"
        with self._lock:
            try:
                self.stream.write(f"{label} | {text}\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                pass  # our own stdout went away: the children keep running until stopped

    def say(self, text: str) -> None:
        self.line("dev", text)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    stop_signal: int = signal.SIGTERM
    pump: threading.Thread | None = None
    expected_exit: bool = False  # a one-off (the migration) or stopping

    @property
    def pgid(self) -> int:
        return self.proc.pid  # a session leader's group id is its pid


@dataclass
class Supervisor:
    output: Output
    children: list[Child] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        stop_signal: int = signal.SIGTERM,
    ) -> Child:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child = Child(name, proc, stop_signal)
        child.pump = threading.Thread(target=self._pump, args=(child,), daemon=True)
        child.pump.start()
        self.children.append(child)
        self.output.say(f"started {name} (pid {proc.pid}, process group {child.pgid})")
        return child

    def _pump(self, child: Child) -> None:
        assert child.proc.stdout is not None
        for raw in iter(child.proc.stdout.readline, b""):
            self.output.line(child.name, raw.decode("utf-8", "replace").rstrip("\r\n"))

    def run(self, name: str, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> int:
        """A one-off to its end; its exit code."""
        child = self.start(name, argv, cwd=cwd, env=env)
        child.expected_exit = True
        code = child.proc.wait()
        if child.pump:
            child.pump.join(timeout=5)
        return code

    def exited(self) -> Child | None:
        """A long-running child that ended on its own, if any."""
        for child in self.children:
            if not child.expected_exit and child.proc.poll() is not None:
                return child
        return None

    def stop(self, grace: float = 30.0) -> None:
        """Stop the children newest first (the app, then Redis, then PostgreSQL): the stop
        signal to each whole group, then SIGKILL to a group still there after `grace` s."""
        for child in reversed(self.children):
            child.expected_exit = True
            if child.proc.poll() is None:
                self.output.say(f"stopping {child.name}")
                _signal_group(child.pgid, child.stop_signal)
                try:
                    child.proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self.output.say(f"{child.name} did not stop in {grace:g} s: SIGKILL")
            # the leader may be gone while others of its group (a reloader's child) linger
            _kill_group_after(child.pgid, 5.0 if child.proc.poll() is not None else 0.0)
            child.proc.wait()
            if child.pump:
                child.pump.join(timeout=5)

    def kill(self) -> None:
        """Second Ctrl-C: SIGKILL to every group at once."""
        for child in self.children:
            _signal_group(child.pgid, signal.SIGKILL)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group_after(pgid: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(pgid):
        _signal_group(pgid, signal.SIGKILL)
