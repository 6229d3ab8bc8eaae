"""The Fargate sandbox does not depend on where the checkout lives.

The venv's scripts name their interpreter by the venv's host path, so the sandbox keeps that path
visible to the task's user. A clone under /tmp, several folders deep (CI's clones, pytest's own
0700 base directory) once left it unreadable: bwrap made the missing parents 0700 and the
migration failed with `No module named 'alembic'`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fargate import Container, FakeNetwork, FakeSecretStore, host_venv, load_taskdefs, sandbox_usable


def _fake_venv(where: Path) -> Path:
    """A directory that stands for a venv at `where`: a pyvenv.cfg naming the real interpreter."""
    where.mkdir(parents=True)
    (where / "pyvenv.cfg").write_text((host_venv() / "pyvenv.cfg").read_text())
    (where / "marker").write_text("visible\n")
    for path in (where, where / "pyvenv.cfg", where / "marker"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return where


@pytest.mark.parametrize("depth", ["a", "a/b/c"])
@pytest.mark.parametrize("role", ["migrate", "api"])
def test_the_venv_path_is_readable_by_the_task_user_wherever_the_checkout_is(
    role: str, depth: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not sandbox_usable():
        pytest.skip("bwrap and setpriv as root are needed to model Fargate")
    try:
        taskdefs = load_taskdefs("dev")
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    tmp_path.chmod(0o700)  # as pytest's base directory is: the host's modes must not matter
    venv = _fake_venv(tmp_path / depth / "checkout" / "app" / ".venv")
    monkeypatch.setenv("APP_VENV", str(venv))
    container = Container(taskdefs, role, FakeSecretStore({}), FakeNetwork())
    try:
        result = subprocess.run(
            container.argv(["/bin/cat", str(venv / "marker")]),
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        container.cleanup()
    assert container.user != (0, 0)
    assert (result.returncode, result.stdout) == (0, "visible\n"), result.stderr
