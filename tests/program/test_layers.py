"""The layout of components/ (docs/code.md, how the code is organised).

import-linter (pyproject.toml, run by scripts/test) checks the imports between the packages of
components/ and stackctl/. What it does not see is checked here: that every module has a place
in the layout, and that no program file outside components/ but __main__.py imports a layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ROOT / "components"
LAYERS = ("network", "data", "compute", "ingress", "operations", "security")
SHARED = ("config", "kit")
# Pinned by state: every stack records the release steps' providers by this module's name
# (aws-facts#dynamic-provider-preview); it counts as part of compute, imports only config, kit.
PINNED = {"components/__init__.py", "components/release_steps.py"}
# Program files outside components/ that are not the wiring (the tests may import anything).
TOOLS = ("stackctl", "policy", "bootstrap", "benchmarks", "scripts")


def layer_imports(path: Path) -> list[str]:
    """The `components.<layer>` modules a file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found += [n for n in names if n.split(".")[:2] in (["components", x] for x in LAYERS)]
    return found


def test_every_module_of_components_is_in_config_kit_or_a_layer() -> None:
    placed = {f"components/{p}" for p in (*LAYERS, *SHARED)}
    stray = [
        rel
        for path in sorted(COMPONENTS.rglob("*.py"))
        if (rel := path.relative_to(ROOT).as_posix()) not in PINNED
        and rel.rsplit("/", 1)[0] not in placed
    ]
    assert not stray, f"{stray}: put each under components/<{'|'.join((*SHARED, *LAYERS))}>/"


def test_only_the_wiring_imports_layers() -> None:
    offenders = {
        path.relative_to(ROOT).as_posix(): imports
        for folder in TOOLS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (imports := layer_imports(path))
    }
    assert not offenders, f"only __main__.py wires layers together; found {offenders}"
    assert layer_imports(ROOT / "__main__.py"), "the wiring imports the layers"


def test_the_release_steps_are_stored_by_their_pinned_module_only() -> None:
    """What pulumi.dynamic stores in the state for each release step (dill, as its SDK calls
    it): a reference to `components.release_steps`, the path the layout must keep, and to no
    module the layout may move."""
    import pickle

    import dill  # type: ignore[import-untyped]

    from components.release_steps import MigrationRunProvider, StaticFilesProvider

    for provider in (MigrationRunProvider(), StaticFilesProvider()):
        stored = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
        assert b"components.release_steps" in stored
        moved = [f"components.{p}".encode() for p in (*SHARED, *LAYERS)]
        assert not [m for m in moved if m in stored], type(provider).__name__
