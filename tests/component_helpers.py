"""Create one component under the Pulumi mocks: a tiny program in a temporary project.

`run_snippet(tmp_path, source)` writes `source` as the `__main__.py` of a throw-away project
(one stack, `dev`, in us-east-1) and runs it with stackctl.harness, so a test sees the
component's resources exactly as a `pulumi up` would declare them, without the rest of the
program.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from stackctl.harness import Graph, run_program


def run_snippet(root: Path, source: str, region: str = "us-east-1") -> Graph:
    (root / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {region}\n")
    (root / "__main__.py").write_text(textwrap.dedent(source))
    return run_program("dev", root=root)
