"""app/scripts/check-shell.sh checks every script it is given, and test.sh gives it every one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[2]
CHECK = APP_DIR / "scripts" / "check-shell.sh"


def _check(*scripts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK), *map(str, scripts)], capture_output=True, text=True, check=False
    )


def test_a_syntax_error_in_any_named_script_fails(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.sh", tmp_path / "bad.sh"
    good.write_text("echo fine\n")
    bad.write_text("if then fi (\n")
    assert _check(good, good).returncode == 0
    for order in ((good, bad), (bad, good)):
        result = _check(*order)
        assert result.returncode == 1
        assert f"shell syntax error in {bad}" in result.stderr


def test_no_script_is_a_usage_error() -> None:
    assert _check().returncode == 2


def test_test_sh_checks_every_shell_script_of_the_app() -> None:
    text = (APP_DIR / "scripts" / "test.sh").read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if 'step "shell syntax"' in line]
    named = {
        Path(m.replace("$APP_DIR", str(APP_DIR)).replace("$WEB_DIR", str(APP_DIR / "web")))
        for m in re.findall(r'"(\$(?:APP|WEB)_DIR/[^"]+\.sh)"', line)
    }
    scripts = {p for p in APP_DIR.rglob("*.sh") if "node_modules" not in p.parts and ".venv" not in p.parts}
    assert CHECK in named
    assert named == scripts
