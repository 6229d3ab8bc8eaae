"""Real PostgreSQL and Redis servers for the tests, on free loopback ports.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is
initialised and started as the ``postgres`` system user (via runuser).

PostgreSQL speaks TLS only over TCP, like an Aurora cluster that insists on it:
``ssl=on`` with a throw-away certificate, and pg_hba.conf rejects every TCP
login without TLS (``hostnossl ... reject``). The Unix socket (trust) is for
the tests' own admin connections. Every connection is logged
(``log_connections``), so a test can count the connections the app opened.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(candidates[-1])


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class PostgresServer:
    port: int
    socket_dir: Path
    data_dir: Path
    log_file: Path
    ca_file: Path
    options: str = ""

    host = "127.0.0.1"

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are cut, as in a failover)."""
        subprocess.run(
            _as_pg_user([str(_pg_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        subprocess.run(
            _as_pg_user(
                [
                    str(_pg_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                    "-o", self.options, "-w", "start",
                ]
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip

    def auth_failures_logged(self) -> int:
        lines = self.log_file.read_text(errors="replace").splitlines()
        return sum(1 for line in lines if "FATAL:" in line and "password authentication failed" in line)

    def tcp_connections_logged(self) -> int:
        """TCP connections the server has accepted so far (the admin uses the Unix socket)."""
        return sum(
            1
            for line in self.log_file.read_text(errors="replace").splitlines()
            if "connection received: host=" in line and "host=[local]" not in line
        )

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=dbname, autocommit=True
        )


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _pg_bindir()
    base = Path(tempfile.mkdtemp(prefix="notes-pg-"))
    data_dir, socket_dir, log_file = base / "data", base / "sock", base / "postgres.log"
    socket_dir.mkdir()
    log_file.touch()
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for path in (base, socket_dir, log_file):
            os.chown(path, pg.pw_uid, pg.pw_gid)
    ca_file, cert_file, key_file = write_test_certificates(base)
    os.chmod(key_file, 0o600)
    port = free_port()
    subprocess.run(
        _as_pg_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    (data_dir / "pg_hba.conf").write_text(
        "local all all trust\n"
        "hostssl all all 127.0.0.1/32 scram-sha-256\n"
        "hostnossl all all 127.0.0.1/32 reject\n"
    )
    if os.geteuid() == 0:
        for path in (cert_file, key_file, data_dir / "pg_hba.conf"):
            os.chown(path, pg.pw_uid, pg.pw_gid)
    options = (
        f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        f" -c ssl=on -c ssl_cert_file={cert_file} -c ssl_key_file={key_file} -c log_connections=on"
    )
    subprocess.run(
        _as_pg_user(
            [str(bindir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-o", options, "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresServer(
            port=port,
            socket_dir=socket_dir,
            data_dir=data_dir,
            log_file=log_file,
            ca_file=ca_file,
            options=options,
        )
    finally:
        subprocess.run(
            _as_pg_user([str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class RedisServer:
    port: int
    password: str
    ca_file: Path | None = None  # set when the server speaks TLS only
    host = "127.0.0.1"

    def client(self) -> redis.Redis:
        if self.ca_file is None:
            return redis.Redis(host=self.host, port=self.port, password=self.password)
        return redis.Redis(
            host=self.host, port=self.port, password=self.password, ssl=True, ssl_ca_certs=str(self.ca_file)
        )


def write_test_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1/localhost: (ca, cert, key)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    validity = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notes test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(san, critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_path, cert_path, key_path


@contextlib.contextmanager
def redis_server(
    tls: bool = False, port: int | None = None, password: str | None = None
) -> Iterator[RedisServer]:
    """A Redis with no persistence: a restart (a new one on the same port) starts empty."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = port or free_port()
    password = password or secrets.token_urlsafe(16)
    workdir = Path(tempfile.mkdtemp(prefix="notes-redis-"))
    ca_file: Path | None = None
    if tls:
        ca_file, cert_file, key_file = write_test_certificates(workdir)
        listen = [
            "--port", "0",
            "--tls-port", str(port),
            "--tls-cert-file", str(cert_file),
            "--tls-key-file", str(key_file),
            "--tls-ca-cert-file", str(ca_file),
            "--tls-auth-clients", "no",
        ]  # fmt: skip
    else:
        listen = ["--port", str(port)]
    command = [
        binary, *listen,
        "--bind", "127.0.0.1",
        "--requirepass", password,
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
    ]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer(port=port, password=password, ca_file=ca_file)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                server.client().ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
