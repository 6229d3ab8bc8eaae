"""How long `stackctl plan` and `stackctl preflight` take in a fresh process: figures, not a test.

Run: `./scripts/bench` (or `python -m benchmarks.cli_speed` in the venv). It prints the best and
the median wall time of a few runs of each command (interpreter start and imports included), and
one ratio measured in the same run: a plan with selective imports (stackctl/selective_imports.py)
against the same plan with every pulumi_aws module imported (`STACKCTL_FULL_IMPORTS=1`). Wall
times depend on the machine and its neighbours, so they are only printed; the ratio compares two
runs on the same machine at the same moment, so it is the one figure that can fail: selective
imports exist to save time, and the benchmark exits 1 when they no longer save at least 10%.

Not part of `scripts/test`: CI runs on a shared 2-core machine where wall time says nothing about
the code.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_SELECTIVE_TO_FULL = 0.9  # selective imports must save at least 10% of a plan's wall time


def timed(command: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    """Wall times of `runs` fresh runs of `python -m stackctl <command>` (exits on a failure)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "stackctl", *command],
            cwd=ROOT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"stackctl {' '.join(command)} failed:\n{result.stderr}")
    return times


def line(label: str, times: list[float]) -> str:
    return (
        f"{label:<38} best {min(times):6.2f} s   median {statistics.median(times):6.2f} s"
        f"   ({len(times)} runs)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    selective: dict[str, list[float]] = {}
    for stack in ("dev", "prod"):
        selective[stack] = timed(["plan", "--stack", stack], args.runs)
        print(line(f"plan --stack {stack}", selective[stack]))
    full = timed(["plan", "--stack", "dev"], args.runs, {"STACKCTL_FULL_IMPORTS": "1"})
    print(line("plan --stack dev, every module imported", full))
    preflight = timed(["preflight", "--stack", "dev"], max(1, args.runs // 2 + 1))
    print(line("preflight --stack dev", preflight))
    ratio = min(selective["dev"]) / min(full)
    print(f"selective / full imports (best of each): {ratio:.2f} (at most {MAX_SELECTIVE_TO_FULL})")
    if ratio > MAX_SELECTIVE_TO_FULL:
        print("selective imports no longer save time: see stackctl/selective_imports.py")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
