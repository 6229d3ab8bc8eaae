"""PostgreSQL and Redis on this machine for the dev loop, from the distribution's binaries.

PostgreSQL: `initdb` once into `<dev dir>/postgres` (kept between runs unless `--fresh` or
`--reset`), then `postgres` in the foreground as a supervised child on 127.0.0.1 only. Its Unix
socket (in a private temporary directory) admits the `postgres` superuser without a password
for the dev loop's own setup; TCP logins need a password (scram-sha-256). The setup makes the
app's role and database from the secrets file (and sets the role's password to the file's, so a
changed file wins). PostgreSQL refuses to run as root: as root, every step runs as the
`postgres` system user (runuser), which the `postgresql` package creates; the data directory is
then given to that user.

Redis: `redis-server` with a config file (mode 0600: it holds `requirepass`) on 127.0.0.1, no
persistence, like the stack's ElastiCache: the app keeps its jobs in PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stackctl.dev.procs import Child, Supervisor
from stackctl.dev.values import DevConfigError

PG_BINARIES = ("initdb", "postgres", "pg_isready", "psql")  # what the dev loop runs
INSTALL_HINT = {
    "postgres": "apt-get install postgresql (Debian/Ubuntu) or brew install postgresql@17",
    "redis-server": "apt-get install redis-server (Debian/Ubuntu) or brew install redis",
}


def find_pg_binary(name: str) -> Path:
    """A PostgreSQL server binary: on PATH, else Debian's /usr/lib/postgresql/<newest>/bin."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _version(Path(p)))
    for bindir in reversed(versions):
        if (Path(bindir) / name).exists():
            return Path(bindir) / name
    raise DevConfigError(
        f"PostgreSQL's {name} was not found: {INSTALL_HINT['postgres']}, "
        "or pass --db HOST:PORT to use a PostgreSQL you run"
    )


def _version(bindir: Path) -> int:
    name = bindir.parent.name
    return int(name) if name.isdigit() else 0


def find_redis() -> Path:
    found = shutil.which("redis-server")
    if not found:
        raise DevConfigError(
            f"redis-server was not found: {INSTALL_HINT['redis-server']}, or pass --redis "
            "HOST:PORT to use a Redis you run"
        )
    return Path(found)


def check_port_free(port: int, what: str, flag: str) -> None:
    """A one-line error naming the fix when something already listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as the servers bind: connections of a previous run in TIME_WAIT do not count
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            raise DevConfigError(
                f"port {port} ({what}) is already in use: stop what listens there "
                f"(`ss -ltnp 'sport = :{port}'` shows it) or pass {flag} with a free port"
            ) from None


def wait_until(ready: Callable[[], bool], child: Child, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if child.proc.poll() is not None:
            raise DevConfigError(f"{what} exited with code {child.proc.returncode}; see its log")
        if time.monotonic() > deadline:
            raise DevConfigError(f"{what} was not ready after {timeout:g} s; see its log")
        time.sleep(0.2)


# -- PostgreSQL --------------------------------------------------------------------------------


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise DevConfigError(
            "PostgreSQL refuses to run as root and there is no `postgres` user: run stackctl dev "
            "as your own user, or create the user (the postgresql package does)"
        ) from None
    return ["runuser", "-u", "postgres", "--", *argv]


def _give_to_postgres(*paths: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class Postgres:
    data_dir: Path
    port: int
    socket_dir: Path

    def initialise(self) -> bool:
        """initdb when the data directory is new; True when it was."""
        if (self.data_dir / "PG_VERSION").exists():
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        _give_to_postgres(self.data_dir)
        initdb = find_pg_binary("initdb")
        result = subprocess.run(
            _as_postgres(
                [str(initdb), "-D", str(self.data_dir), "-U", "postgres", "-E", "UTF8",
                 "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"]
            ),
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise DevConfigError(f"initdb failed in {self.data_dir}: {result.stderr.strip()}")
        return True

    def start(self, supervisor: Supervisor) -> Child:
        server = find_pg_binary("postgres")
        argv = [
            str(server), "-D", str(self.data_dir), "-p", str(self.port),
            "-k", str(self.socket_dir), "-c", "listen_addresses=127.0.0.1",
        ]  # fmt: skip
        # SIGINT is PostgreSQL's fast shutdown: open connections are closed, then it exits
        child = supervisor.start(
            "postgres",
            _as_postgres(argv),
            cwd=self.data_dir.parent,
            env=os.environ,
            stop_signal=signal.SIGINT,
        )
        wait_until(self.ready, child, "PostgreSQL", 60)
        return child

    def ready(self) -> bool:
        isready = find_pg_binary("pg_isready")
        probe = [str(isready), "-q", "-h", str(self.socket_dir), "-p", str(self.port)]
        probe += ["-U", "postgres", "-d", "postgres"]  # (else it logs in as the caller's name)
        return subprocess.run(probe, check=False, capture_output=True).returncode == 0

    def ensure_login(self, user: str, password: str, database: str) -> None:
        """The app's role (LOGIN, the file's password) and its database, made when missing."""
        psql = find_pg_binary("psql")
        script = (
            f"SELECT format('CREATE ROLE %I LOGIN', {_literal(user)}) WHERE NOT EXISTS "
            f"(SELECT FROM pg_roles WHERE rolname = {_literal(user)})\\gexec\n"
            f"ALTER ROLE {_identifier(user)} LOGIN PASSWORD {_literal(password)};\n"
            f"SELECT format('CREATE DATABASE %I OWNER %I', {_literal(database)}, {_literal(user)})"
            f" WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {_literal(database)})"
            "\\gexec\n"
        )
        # the script (with the password) goes on stdin, never on a command line
        result = subprocess.run(
            _as_postgres(
                [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                 "-p", str(self.port), "-U", "postgres", "-d", "postgres"]
            ),
            input=script,
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise DevConfigError(f"could not create the app's role and database: {result.stderr}")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def socket_directory() -> Path:
    """A short private directory for the Unix socket (a socket path has a ~100 byte limit)."""
    path = Path(tempfile.mkdtemp(prefix="stackctl-pg-"))
    _give_to_postgres(path)
    return path


# -- Redis -------------------------------------------------------------------------------------


@dataclass
class Redis:
    port: int
    password: str
    work_dir: Path

    def start(self, supervisor: Supervisor) -> Child:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "redis.conf"
        descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(
                f"port {self.port}\nbind 127.0.0.1\nrequirepass {self.password}\n"
                f'save ""\nappendonly no\ndir {self.work_dir}\n'
            )
        child = supervisor.start(
            "redis", [str(find_redis()), str(config)], cwd=self.work_dir, env=os.environ
        )
        wait_until(self.ready, child, "Redis", 30)
        return child

    def ready(self) -> bool:
        return redis_answers("127.0.0.1", self.port, self.password)


def redis_answers(host: str, port: int, password: str | None) -> bool:
    """AUTH (when a password is given) and PING over RESP; True on +PONG."""
    request = b""
    if password:
        request += _command("AUTH", password)
    request += _command("PING")
    try:
        with socket.create_connection((host, port), timeout=2) as conn:
            conn.sendall(request)
            reply = b""
            while b"PONG" not in reply and b"-" not in reply[:1]:
                chunk = conn.recv(256)
                if not chunk:
                    break
                reply += chunk
            return b"+PONG" in reply
    except OSError:
        return False


def _command(*parts: str) -> bytes:
    encoded = [part.encode() for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in encoded)
