"""Show that a change leaves the deployed graph alone: plan every stack of the dial matrix
before and after, then compare the graphs resource by resource.

    python scripts/graph_diff.py snapshot DIR [--root CHECKOUT]   plan each entry into DIR
    python scripts/graph_diff.py compare OLD NEW                  print what differs; exit 1 if any

`snapshot` runs `python -m stackctl plan --stack S --set ... --json DIR/<entry>.json` in the
checkout (default: this one) for dev, prod and each entry of tests/dial_matrix.py. `compare`
pairs resources by URN (a URN is the resource's identity for the engine: a new URN without an
alias is a delete and a create) and reports URNs gone or new, and any change of type, parent,
inputs, options or exports. An empty report means the engine would see the same program.
"""

from __future__ import annotations

import argparse
import json
import re
import runpy
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def matrix(root: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The entries of the checkout's dial matrix (dev and prod are its first two)."""
    entries = runpy.run_path(str(root / "tests" / "dial_matrix.py"))["DIAL_MATRIX"]
    return list(entries)


def entry_id(stack: str, overrides: tuple[str, ...]) -> str:
    return "-".join([stack, *overrides]).replace("/", "_") if overrides else stack


def plan(root: Path, out: Path, stack: str, overrides: tuple[str, ...]) -> str:
    target = out / f"{entry_id(stack, overrides)}.json"
    command = [sys.executable, "-m", "stackctl", "plan", "--stack", stack, "--json", str(target)]
    for override in overrides:
        command += ["--set", override]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"{target.name}: plan failed ({done.returncode}): {done.stderr.strip()[-400:]}"
    return f"{target.name}: planned"


def snapshot(out: Path, root: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda e: plan(root, out, *e), matrix(root)))
    print("\n".join(results))
    return 1 if any("failed" in line for line in results) else 0


# The plan's JSON writes an asset or archive as its repr (`<pulumi.asset.AssetArchive object at
# 0x7f...>`): the address changes every run. The program builds its only archive from a file's
# text (the origin check handler), so a changed handler shows in that file's own diff.
OBJECT_ADDRESS = re.compile(r" object at 0x[0-9a-f]+>")


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return OBJECT_ADDRESS.sub(" object>", value)
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    return value


def _resources(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """By URN, with what varies between two runs of the same program taken out: object
    addresses, and the order of `dependsOn` (the engine treats it as a set)."""
    found = {}
    for declared in graph["resources"]:
        resource = _normal(declared)
        resource["options"]["dependsOn"] = sorted(resource["options"]["dependsOn"])
        found[resource["urn"]] = resource
    return found


def compare_graphs(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two plans of one stack, one line each; [] when nothing does."""
    lines: list[str] = []
    before, after = _resources(old), _resources(new)
    lines += [f"  gone: {urn}" for urn in sorted(before.keys() - after.keys())]
    lines += [f"  new:  {urn}" for urn in sorted(after.keys() - before.keys())]
    for urn in sorted(before.keys() & after.keys()):
        for part in ("type", "parent", "custom", "inputs", "options"):
            if before[urn][part] != after[urn][part]:
                lines.append(f"  changed {part}: {urn}")
    for key in sorted(old["exports"].keys() | new["exports"].keys()):
        if old["exports"].get(key) != new["exports"].get(key):
            lines.append(f"  export changed: {key}")
    return lines


def compare(old_dir: Path, new_dir: Path) -> int:
    differs = False
    names = sorted(
        {p.name for p in old_dir.glob("*.json")} | {p.name for p in new_dir.glob("*.json")}
    )
    for name in names:
        old_file, new_file = old_dir / name, new_dir / name
        if not (old_file.exists() and new_file.exists()):
            print(f"{name}: only in {old_dir if old_file.exists() else new_dir}")
            differs = True
            continue
        old, new = json.loads(old_file.read_text()), json.loads(new_file.read_text())
        lines = compare_graphs(old, new)
        count = len(new["resources"])
        print(f"{name}: {'same graph' if not lines else 'DIFFERS'} ({count} resources)")
        for line in lines:
            print(line)
        differs = differs or bool(lines)
    return 1 if differs else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot", help="plan every matrix entry into DIR")
    snap.add_argument("dir", type=Path)
    snap.add_argument("--root", type=Path, default=ROOT, help="the checkout to plan")
    diff = commands.add_parser("compare", help="compare two snapshot directories")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        return snapshot(args.dir.resolve(), args.root.resolve())
    return compare(args.old, args.new)


if __name__ == "__main__":
    raise SystemExit(main())
