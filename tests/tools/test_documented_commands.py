"""Every command the README and docs/ show works after the documented set-up (`./scripts/plan`,
which installs requirements.txt only), and every expected failure of the commands that call AWS
is one line on stderr that says what to do: no credentials, no network, access denied, a stack
that is not deployed. Run as a newcomer runs them: a fresh process, no AWS credentials, the EC2
metadata service off, an unreachable endpoint."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from botocore.stub import Stubber

from stackctl.harness import PROJECT_ROOT

DOC_FILES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
COMMAND_RE = re.compile(r"(?:^|`|\s)((?:python -m stackctl|\./scripts/[a-z_]+)\b[^`\n#|]*)")
AWS_COMMANDS = ("migrate", "rollback", "status", "logs")
OFFLINE_COMMANDS = ("plan", "cost", "preflight", "docs", "taskdefs")
CHECK_COMMANDS = ("doctor",)  # runs the Pulumi CLI, Docker and STS when they are there
# Runs the app on this machine: tests/tools/test_dev_live.py runs it, test_dev_cli.py parses the
# documented lines.
LOCAL_COMMANDS = ("dev",)
# the app's own secrets (stackctl/secrets.py): AWS calls with the stack's config, no outputs
SECRET_COMMANDS = ("secret",)
# who may sign in (stackctl/users.py): the stack's userPoolId output, then AWS calls
USER_COMMANDS = ("user",)
REQUIREMENTS = PROJECT_ROOT / "requirements.txt"


def documented_commands() -> list[str]:
    """Each distinct command line the docs show (placeholders like <stack> left as written)."""
    found: dict[str, None] = {}
    for path in DOC_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in COMMAND_RE.finditer(line):
                command = " ".join(match.group(1).split()).rstrip(".,;:)")
                if command != "python -m stackctl":  # a name in prose, the command follows
                    found.setdefault(command, None)
    return list(found)


def subcommand(command: str) -> str:
    words = shlex.split(command.replace("|", " "))
    return words[3] if words[:3] == ["python", "-m", "stackctl"] else words[0]


def test_the_docs_list_every_stackctl_command_and_script() -> None:
    commands = documented_commands()
    shown = {subcommand(c) for c in commands}
    assert set(AWS_COMMANDS) <= shown
    assert {"plan", "cost", "preflight", "docs"} <= shown
    assert {"./scripts/plan", "./scripts/test"} <= shown
    # scripts that set up .venv and run the suite or the benchmarks (not commands to run here)
    scripts = {"./scripts/plan", "./scripts/test", "./scripts/bench"}
    unknown = (
        shown
        - set(AWS_COMMANDS)
        - set(OFFLINE_COMMANDS)
        - set(CHECK_COMMANDS)
        - set(LOCAL_COMMANDS)
        - set(SECRET_COMMANDS)
        - set(USER_COMMANDS)
        - scripts
    )
    assert not unknown, f"a documented command this test does not know how to run: {unknown}"


# -- the documented set-up installs what the commands import -------------------------------------


def _runtime_imports(path: Path) -> set[str]:
    """Top-level modules a file imports at run time (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for child in ast.walk(node)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _requirement_closure(requirements: Path) -> set[str]:
    """Distributions `pip install -r requirements` brings: the pins and what they require."""

    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pending = [
        canonical(re.split(r"[=<>\[ ;]", line.strip())[0])
        for line in requirements.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith(("#", "-"))
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" in requirement:
                continue
            pending.append(canonical(re.split(r"[=<>!~\[ ;(]", requirement)[0]))
    return seen


def test_every_module_the_commands_import_is_installed_by_the_documented_setup() -> None:
    """`./scripts/plan` installs requirements.txt: a dev-only import breaks a README command
    (cfn-lint for `stackctl preflight`, once)."""
    local = {"components", "stackctl", "policy", "tests", "__main__"}
    stdlib = set(sys.stdlib_module_names)
    distributions = metadata.packages_distributions()
    installed = _requirement_closure(REQUIREMENTS)
    missing = []
    # (policy/ is its own program with its own requirements, except rules.py, which stackctl
    # imports)
    files = [
        *sorted((PROJECT_ROOT / "stackctl").rglob("*.py")),
        *sorted((PROJECT_ROOT / "components").rglob("*.py")),
        PROJECT_ROOT / "policy" / "rules.py",
        PROJECT_ROOT / "__main__.py",
    ]
    for path in files:
        for module in sorted(_runtime_imports(path) - local - stdlib):
            owners = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(module, [])}
            if not owners & installed:
                missing.append(f"{path.relative_to(PROJECT_ROOT)}: {module} ({owners or '?'})")
    assert missing == []


# -- the commands that call AWS, as a newcomer runs them ----------------------------------------

OUTPUTS = {
    "clusterName": "fullstack-dev",
    "serviceNames": {"api": "fullstack-dev-api", "web": "fullstack-dev-web"},
    "migrationTaskFamily": "fullstack-dev-migrate",
    "migrationNetworkConfiguration": {
        "subnets": ["subnet-0a"],
        "securityGroups": ["sg-0a"],
        "assignPublicIp": "DISABLED",
    },
    "migrationContainerName": "migrate",
    "logGroupNames": {"api": "/fullstack/dev/api", "web": "/fullstack/dev/web"},
    "siteUrl": "https://example.com",
    "apiUrl": "https://example.com/api",
    "region": "us-east-1",
}


def newcomer_env(home: Path, **extra: str) -> dict[str, str]:
    """No AWS credentials or config, no metadata service, no Pulumi CLI on PATH."""
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


def aws_command_lines() -> list[str]:
    """The AWS commands shown with their arguments (`migrate|rollback|...` in prose is a list)."""
    return [c for c in documented_commands() if subcommand(c) in AWS_COMMANDS and "--stack" in c]


def _argv(command: str, stack: str = "dev") -> list[str]:
    words = shlex.split(command.replace("<stack>", stack))
    return [sys.executable, *words[1:]]  # `python` is the venv's


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _assert_one_line(result: subprocess.CompletedProcess[str], says: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0], lines[0]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("newcomer")
    (folder / "outputs.json").write_text(json.dumps(OUTPUTS))
    yield folder


@pytest.mark.parametrize("command", aws_command_lines())
def test_as_documented_without_pulumi_or_credentials_it_says_what_to_do(
    command: str, home: Path
) -> None:
    _assert_one_line(_run(_argv(command), newcomer_env(home)), "--outputs FILE")


@pytest.mark.parametrize("command", aws_command_lines())
def test_without_aws_credentials_it_says_how_to_sign_in(command: str, home: Path) -> None:
    argv = [*_argv(command), "--outputs", str(home / "outputs.json")]
    _assert_one_line(_run(argv, newcomer_env(home)), "no AWS credentials found")


@pytest.mark.parametrize("command", aws_command_lines())
def test_without_network_it_says_aws_cannot_be_reached(command: str, home: Path) -> None:
    argv = [*_argv(command), "--outputs", str(home / "outputs.json")]
    env = newcomer_env(
        home,
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="not-a-real-secret",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # nothing listens on the discard port
        AWS_MAX_ATTEMPTS="1",
    )
    _assert_one_line(_run(argv, env), "cannot reach AWS")


def secret_command_lines() -> list[str]:
    return [c for c in documented_commands() if subcommand(c) in SECRET_COMMANDS and "--stack" in c]


@pytest.mark.parametrize("command", secret_command_lines())
def test_secret_commands_say_what_to_do_without_credentials_or_network(
    command: str, home: Path
) -> None:
    # the names the docs use are declared; `set` reads its value from standard input
    contract = json.loads((PROJECT_ROOT / "app" / "contract.json").read_text())
    contract["appSecrets"] = {
        name: {"services": ["api"], "doc": "documented example"}
        for name in ("STRIPE_API_KEY", "OAUTH_CLIENT_SECRET")
    }
    (home / "contract.json").write_text(json.dumps(contract))
    argv = _argv(command)
    extra = {"FULLSTACK_CONTRACT": str(home / "contract.json")}
    for env, says in (
        (newcomer_env(home, **extra), "no AWS credentials found"),
        (
            newcomer_env(
                home,
                **extra,
                AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
                AWS_SECRET_ACCESS_KEY="not-a-real-secret",
                AWS_ENDPOINT_URL="http://127.0.0.1:9",
                AWS_MAX_ATTEMPTS="1",
            ),
            "cannot reach AWS",
        ),
    ):
        result = subprocess.run(
            argv, cwd=PROJECT_ROOT, env=env, input="a value\n", capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
        _assert_one_line(result, says)
        assert "a value" not in result.stderr + result.stdout


def user_command_lines() -> list[str]:
    return [c for c in documented_commands() if subcommand(c) in USER_COMMANDS and "--stack" in c]


def test_the_docs_show_each_user_action() -> None:
    shown = {shlex.split(c)[4] for c in user_command_lines()}
    assert shown == {"add", "list", "rm"}


@pytest.mark.parametrize("command", user_command_lines())
def test_user_commands_say_what_to_do_without_pulumi_credentials_or_network(
    command: str, home: Path
) -> None:
    outputs = home / "user-outputs.json"
    outputs.write_text(json.dumps({**OUTPUTS, "userPoolId": "us-east-1_0123456789"}))
    password = "Correct horse 42\n"  # `add` reads it from standard input
    offline = {
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }
    with_outputs = [*_argv(command), "--outputs", str(outputs)]
    for argv, env, says in (
        (_argv(command), newcomer_env(home), "--outputs FILE"),
        (with_outputs, newcomer_env(home), "no AWS credentials"),
        (with_outputs, newcomer_env(home, **offline), "cannot reach"),
    ):
        result = subprocess.run(
            argv, cwd=PROJECT_ROOT, env=env, input=password, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        _assert_one_line(result, says)
        assert password.strip() not in result.stderr + result.stdout


def test_preflight_runs_offline_after_the_documented_setup(home: Path) -> None:
    """README: `python -m stackctl preflight --stack dev` (it once needed a dev-only package)."""
    result = _run(
        [sys.executable, "-m", "stackctl", "preflight", "--stack", "dev"], newcomer_env(home)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_doctor_on_a_bare_machine_names_each_fix(home: Path) -> None:
    """docs/doctor.md: `python -m stackctl doctor --stack dev` without the Pulumi CLI or AWS
    credentials: a line per check, each problem with its fix, exit code 1, no traceback."""
    (command,) = {c for c in documented_commands() if subcommand(c) == "doctor"}
    result = _run(_argv(command), newcomer_env(home))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PROBLEM pulumi  the Pulumi CLI is not on PATH.")
    assert "Fix: install Pulumi 3." in lines[0]
    aws = next(line for line in lines if line.split()[1] == "aws")
    assert (
        aws.startswith("PROBLEM aws     no AWS credentials found.")
        and "Fix: set AWS_PROFILE" in aws
    )
    assert all(" Fix: " in line for line in lines if line.startswith("PROBLEM"))


# -- access denied and a stack that is not deployed: botocore's own errors, one line each -------


def _status_with(error_code: str, message: str, capsys: pytest.CaptureFixture[str]) -> str:
    import argparse

    import boto3

    from stackctl import ops
    from stackctl.outputs import parse_outputs

    session = boto3.session.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="not-a-real-secret",
        region_name="us-east-1",
    )
    clients = ops.make_clients("us-east-1", session)
    stub = Stubber(clients.ecs)
    stub.add_client_error("describe_services", error_code, message)
    stub.activate()
    outputs = parse_outputs("dev", OUTPUTS, "test")
    original = ops._outputs_and_clients
    ops._outputs_and_clients = lambda args: (outputs, clients)
    try:
        args = argparse.Namespace(
            command="status", stack="dev", alarm_prefix="fullstack-dev", wait=False,
            wait_minutes=1.0,
        )  # fmt: skip
        assert ops._run(args) == 2
    finally:
        ops._outputs_and_clients = original
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_access_denied_is_one_line_naming_the_stack(capsys: pytest.CaptureFixture[str]) -> None:
    err = _status_with("AccessDeniedException", "User is not authorized", capsys)
    assert err.startswith("status: access denied by AWS") and "stack dev" in err


def test_a_stack_that_is_not_deployed_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = _status_with("ClusterNotFoundException", "Cluster not found.", capsys)
    assert "is not deployed" in err and "pulumi up" in err
