"""Load only the pulumi_aws modules a program uses (offline runs only: plan, cost, tests).

`import pulumi_aws.ec2` executes the package's `__init__`, which imports every one of its ~200
resource modules; importing those packages is most of an offline plan's time. In the harness'
process, `install()` puts a stand-in for each not yet loaded `pulumi_aws.<package>` into
`sys.modules`: the first time the program reads `aws.ec2.Vpc`, it imports `pulumi_aws.ec2.vpc`
alone (which brings in the package's `_inputs` and `outputs`) and answers with the very same
class the full package would. A name the stand-in cannot place loads the real package `__init__`
into it, so nothing can differ but the time; `STACKCTL_FULL_IMPORTS=1` turns it off (a test
compares both).

`pulumi up` never runs this: the Pulumi CLI runs `__main__.py` with the normal imports.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import types
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

_STAR_IMPORT = re.compile(r"^from \.(\w+) import \*$", re.MULTILINE)
_ALL_LIST = re.compile(r"^__all__ = \[(.*?)\]", re.MULTILINE | re.DOTALL)
_QUOTED_NAME = re.compile(r"'([A-Za-z_]\w*)'")
DISABLE_VARIABLE = "STACKCTL_FULL_IMPORTS"


class _SelectivePackage(types.ModuleType):
    """Stands in for `pulumi_aws.<package>` until the program asks for a name."""

    _selective_index: dict[str, str] | None

    def __getattr__(self, name: str) -> Any:  # only called for names not set yet
        if name.startswith("__"):
            raise AttributeError(name)
        index = self.__dict__.get("_selective_index")
        if index is None:
            index = self.__dict__["_selective_index"] = _index(self.__dict__["__spec__"])
        submodule = index.get(name)
        if submodule is None:
            return self._load_everything(name)
        value = getattr(importlib.import_module(f"{self.__name__}.{submodule}"), name)
        setattr(self, name, value)
        return value

    def _load_everything(self, name: str) -> Any:
        """Fall back to the package's own `__init__` (for names the index does not know)."""
        spec: ModuleSpec = self.__dict__["__spec__"]
        self.__class__ = types.ModuleType  # type: ignore[assignment]  # a plain module from here on
        assert spec.loader is not None
        spec.loader.exec_module(self)
        return getattr(self, name)


def _index(spec: ModuleSpec) -> dict[str, str]:
    """Which submodule of the package defines each name its `__init__` re-exports."""
    assert spec.origin is not None
    folder = Path(spec.origin).parent
    index: dict[str, str] = {"outputs": "outputs"}
    for submodule in _STAR_IMPORT.findall(Path(spec.origin).read_text(encoding="utf-8")):
        source = (folder / f"{submodule}.py").read_text(encoding="utf-8")
        found = _ALL_LIST.search(source)
        if found:
            for name in _QUOTED_NAME.findall(found.group(1)):
                index.setdefault(name, submodule)
    return index


def install() -> int:
    """Replace every not yet loaded `pulumi_aws.<package>` by a stand-in; returns how many."""
    if os.environ.get(DISABLE_VARIABLE) == "1":
        return 0
    import pulumi_aws

    replaced = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("pulumi_aws.") or name.count(".") != 1:
            continue
        if type(module).__name__ != "_LazyModule":
            continue  # already loaded for real (or already a stand-in)
        spec: ModuleSpec = object.__getattribute__(module, "__spec__")
        if spec.origin is None or not spec.origin.endswith("__init__.py"):
            continue
        stand_in = _SelectivePackage(name)
        stand_in.__spec__ = spec
        stand_in.__file__ = spec.origin
        stand_in.__path__ = list(spec.submodule_search_locations or [])
        stand_in.__package__ = name
        stand_in.__loader__ = spec.loader
        sys.modules[name] = stand_in
        setattr(pulumi_aws, name.split(".", 1)[1], stand_in)
        replaced += 1
    return replaced
