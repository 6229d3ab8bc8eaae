"""`stackctl dev` refuses bad starts in one line naming the fix, before anything starts."""

from __future__ import annotations

import glob
import io
import shlex
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from stackctl.__main__ import build_parser, main
from stackctl.dev.procs import Output
from stackctl.dev.stores import find_pg_binary, find_redis
from tests.tools.test_documented_commands import documented_commands, subcommand


def _dev(tmp_path: Path, *extra: str) -> list[str]:
    return ["dev", "--fresh", "--env-file", str(tmp_path / ".env.dev"), *extra]


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "started" not in captured.out  # nothing was started
    return lines[0]


@contextmanager
def _busy_port() -> Iterator[int]:
    """A port something listens on, for the duration."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield int(busy.getsockname()[1])


def test_a_busy_port_names_the_port_and_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _busy_port() as port:
        assert main(_dev(tmp_path, "--port", f"api={port}")) == 2
    line = _one_line(capsys)
    assert f"port {port} (api) is already in use" in line
    assert "--port api=PORT" in line


def test_a_busy_database_port_names_its_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_dev(tmp_path, "--port", "api=0")) == 2
    assert "--port 'api=0'" in _one_line(capsys)  # port 0 is refused, by name
    with _busy_port() as port:
        free = _free()
        args = ["--port", f"api={free[0]}", "--port", f"web={free[1]}"]
        assert main(_dev(tmp_path, *args, "--postgres-port", str(port))) == 2
    line = _one_line(capsys)
    assert f"port {port} (PostgreSQL)" in line and "--postgres-port" in line


def _free() -> list[int]:
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    return ports


def test_an_unknown_service_port_lists_the_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_dev(tmp_path, "--port", "admin=9000")) == 2
    assert "SERVICE one of api, web" in _one_line(capsys)


def test_a_missing_binary_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    with pytest.raises(ValueError, match=r"initdb was not found: apt-get install postgresql"):
        find_pg_binary("initdb")
    with pytest.raises(ValueError, match=r"redis-server was not found: apt-get install redis"):
        find_redis()
    free = _free()
    ports = ["--port", f"api={free[0]}", "--port", f"web={free[1]}"]
    assert main(_dev(tmp_path, *ports, "--postgres-port", str(_free()[0]))) == 2
    line = _one_line(capsys)  # before anything starts
    assert "was not found: apt-get install postgresql" in line and "--db HOST:PORT" in line


def test_a_missing_app_environment_names_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    free = _free()
    ports = ["--port", f"api={free[0]}", "--port", f"web={free[1]}"]
    stores_at = ["--db", "127.0.0.1:1", "--redis", "127.0.0.1:1"]  # not started: no port check
    missing = str(tmp_path / "no-venv" / "python")
    assert main(_dev(tmp_path, *ports, *stores_at, "--app-python", missing)) == 2
    line = _one_line(capsys)
    assert missing in line and "app/scripts/test.sh" in line


def test_every_documented_dev_command_parses() -> None:
    """The lines docs/local-dev.md shows are accepted by the parser (a renamed flag fails)."""
    shown = [c for c in documented_commands() if subcommand(c) == "dev"]
    assert len(shown) >= 4
    for command in shown:
        words = shlex.split(command)[3:]
        args = build_parser().parse_args(words)
        assert args.command == "dev", command


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_are_prefixed_and_coloured_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain, terminal = io.StringIO(), _Terminal()
    Output(plain).line("api", "hello")
    Output(terminal).line("api", "hello")
    assert plain.getvalue() == "api      | hello\n"
    assert terminal.getvalue().startswith("\033[") and "api" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    quiet = _Terminal()
    Output(quiet).line("api", "hello")
    assert quiet.getvalue() == "api      | hello\n"
