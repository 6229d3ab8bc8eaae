"""The live check never runs by accident: without `--live` it is deselected; with it, it skips
(saying why) when the Pulumi CLI or AWS credentials are missing. Run as a user would, in a fresh
pytest process."""

from __future__ import annotations

import os
import subprocess
import sys

from stackctl.harness import PROJECT_ROOT

LIVE_TEST = "tests/live/test_live_stack.py"


def pytest_run(*args: str, path: str) -> str:
    env = {
        **os.environ,
        "PATH": path,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def test_without_the_option_the_live_test_is_deselected() -> None:
    out = pytest_run(LIVE_TEST, path=os.environ["PATH"])
    assert "1 deselected" in out, out


def test_with_the_option_but_no_pulumi_cli_it_skips_and_says_so() -> None:
    out = pytest_run(LIVE_TEST, "--live", path=os.path.dirname(sys.executable))
    assert "1 skipped" in out and "needs pulumi" in out, out
