"""The api, worker, migration and web run as the program's rendered task definitions say.

Input: `app/.taskdefs/<stack>.json` (see tests/fargate.py). Secrets come from a fake Secrets
Manager keyed by ARN, the AWS endpoints are routed to the local PostgreSQL (TLS only) and Redis.
Without bwrap/setpriv (or not as root), the task definitions or the web build these tests skip,
unless APP_TESTS_STRICT=1 (app/scripts/test.sh sets it), which turns a skip into a failure.
APP_HEALTH_WINDOW_SECONDS shortens the run of health checks at their real rates (default: the
longest check interval of the task definitions, 30 s) for a quicker local loop.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from psycopg import sql

from tests.cognito import cognito_server, new_pool
from tests.dockerfile import Image, read_image
from tests.fargate import (
    APP_DIR,
    ECS_EXEC_AGENT_PATHS,
    FARGATE_RUNTIME_ENV,
    STANDALONE,
    Container,
    FakeNetwork,
    FakeSecretStore,
    Running,
    app_secret_values,
    load_taskdefs,
    sandbox_usable,
    start_serving,
    terminate,
)
from tests.servers import PostgresServer, RedisServer, free_port, redis_server

STACKS = ("dev", "prod")
STRICT = os.environ.get("APP_TESTS_STRICT") == "1"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if STRICT:
        pytest.fail(f"{reason} (APP_TESTS_STRICT=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def _sandbox() -> None:
    _require(sandbox_usable(), "bwrap and setpriv as root are needed to model Fargate")


@pytest.fixture(scope="module")
def tls_redis() -> Iterator[RedisServer]:
    with redis_server(tls=True) as server:
        yield server


def _taskdefs(stack: str) -> dict[str, Any]:
    try:
        return load_taskdefs(stack)
    except FileNotFoundError as missing:
        _require(False, str(missing))
        raise


def _http(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class FakeAws:
    """The stack's AWS side, local: secrets by ARN, endpoints routed to local servers."""

    taskdefs: dict[str, Any]
    secrets: FakeSecretStore
    network: FakeNetwork
    extra_env: dict[str, str]
    extra_binds: list[tuple[Path, str]]
    # With a user pool in the definition: a signed-in user's header (moto's cognito-idp).
    auth_headers: dict[str, str] = field(default_factory=dict)

    def container(self, role: str, image: Image | None = None) -> Container:
        container = Container(self.taskdefs, role, self.secrets, self.network, self.extra_env, image)
        container.extra_binds = list(self.extra_binds)
        return container


@contextmanager
def fake_aws(stack: str, pg: PostgresServer, redis_tls: RedisServer, tmp: Path) -> Iterator[FakeAws]:
    taskdefs = _taskdefs(stack)
    endpoints, arns = taskdefs["endpoints"], taskdefs["secretArns"]
    api_env = {
        e["name"]: e["value"] for e in taskdefs["tasks"]["api"]["containerDefinitions"][0]["environment"]
    }
    user, password = f"app_{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    db_name = api_env["DB_NAME"]  # the database the stack's cluster creates
    with pg.admin() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(user), sql.Literal(password))
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(db_name), sql.Identifier(user))
        )
    store = {
        arns["database"]: json.dumps({"username": user, "password": password, "engine": "postgres"}),
        arns["app"]: secrets.token_urlsafe(32),
    }
    store |= app_secret_values(taskdefs)
    network = FakeNetwork()
    network.route(endpoints["database"]["host"], endpoints["database"]["port"], (pg.host, pg.port))
    extra_env: dict[str, str] = {}
    extra_binds: list[tuple[Path, str]] = []
    if endpoints["redis"]:
        assert redis_tls.ca_file is not None
        redis_tls.client().flushall()
        store[arns["redisAuthToken"]] = redis_tls.password
        network.route(
            endpoints["redis"]["host"], endpoints["redis"]["port"], (redis_tls.host, redis_tls.port)
        )
        # ElastiCache's certificate chains to a public CA in the image's trust store; here the
        # throw-away CA stands in for that store.
        trust = tmp / "trust-store"
        trust.mkdir(mode=0o755)
        (trust / "ca.pem").write_bytes(redis_tls.ca_file.read_bytes())
        (trust / "ca.pem").chmod(0o644)
        extra_binds.append((trust, "/opt/fake-aws-ca"))
        extra_env["SSL_CERT_FILE"] = "/opt/fake-aws-ca/ca.pem"
    with ExitStack() as stack_of_servers:
        auth_headers: dict[str, str] = {}
        if "USER_POOL_ISSUER" in api_env:
            # The stack's pool stands as a moto pool: its issuer, client and key set replace the
            # definition's (moto's ids are its own), and the test writes as a signed-in user.
            pool = new_pool(stack_of_servers.enter_context(cognito_server()))
            pool.add_user("fargate@example.com")
            extra_env.update(pool.env)
            auth_headers["Authorization"] = "Bearer " + pool.sign_in("fargate@example.com")["AccessToken"]
        yield from _serve_fake(
            taskdefs, store, network, extra_env, extra_binds, auth_headers, pg, db_name, user
        )


def _serve_fake(
    taskdefs: dict[str, Any],
    store: dict[str, str],
    network: FakeNetwork,
    extra_env: dict[str, str],
    extra_binds: list[tuple[Path, str]],
    auth_headers: dict[str, str],
    pg: PostgresServer,
    db_name: str,
    user: str,
) -> Iterator[FakeAws]:
    try:
        yield FakeAws(taskdefs, FakeSecretStore(store), network, extra_env, extra_binds, auth_headers)
    finally:
        with pg.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))


@pytest.fixture(params=STACKS)
def aws(
    request: pytest.FixtureRequest, pg: PostgresServer, tls_redis: RedisServer, tmp_path: Path
) -> Iterator[FakeAws]:
    with fake_aws(str(request.param), pg, tls_redis, tmp_path) as fake:
        yield fake


@pytest.fixture
def lab(pg: PostgresServer, tls_redis: RedisServer, tmp_path: Path) -> Iterator[FakeAws]:
    """The lab stack (dev): the one whose Aurora pauses."""
    with fake_aws("dev", pg, tls_redis, tmp_path) as fake:
        yield fake


def _migrate(aws: FakeAws) -> None:
    migrate = aws.container("migrate")
    try:
        result = migrate.run(migrate.command(), timeout=120)
    finally:
        migrate.cleanup()
    assert result.returncode == 0, result.stderr


@contextmanager
def _serve(aws: FakeAws, role: str, tmp: Path, api_url: str | None = None) -> Iterator[Running]:
    if role == "web":
        _require((STANDALONE / "server.js").is_file(), "run `npm run build` in app/web first")
        alb = aws.taskdefs["endpoints"]["loadBalancer"]["host"]
        target = urlsplit(api_url or f"http://127.0.0.1:{free_port()}")
        aws.network.route(alb, None, (target.hostname or "127.0.0.1", target.port or 80))
    yield from start_serving(aws.container(role), free_port(), tmp / f"{role}.log")


def _post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


# -- point 5: the task definitions are the input ----------------------------------------------


def test_migration_api_and_worker_run_as_their_task_definitions(aws: FakeAws, tmp_path: Path) -> None:
    _migrate(aws)
    with _serve(aws, "api", tmp_path) as api:
        status, body = _http(f"{api.base_url}/api/readyz")
        checks = json.loads(body)["checks"]
        assert status == 200, body
        assert checks["database"] == "ok"
        assert checks["redis"] == ("ok" if aws.taskdefs["endpoints"]["redis"] else "not configured")
        note = _post_json(
            f"{api.base_url}/api/notes",
            {"title": "fargate", "body": "From the task definition. Yes."},
            aws.auth_headers,
        )
        if "worker" not in aws.taskdefs["tasks"]:
            return
        worker = aws.container("worker")
        log = tmp_path / "worker.log"
        with log.open("w") as out:
            proc = worker.start(stdout=out, stderr=subprocess.STDOUT)
        try:
            job = _post_json(f"{api.base_url}/api/notes/{note['id']}/summarize", {}, aws.auth_headers)
            status_url = f"{api.base_url}/api/jobs/{job['job_id']}"
            deadline = time.monotonic() + 30
            while (state := json.loads(_http(status_url)[1]))["status"] not in ("finished", "failed"):
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
                time.sleep(0.2)
            assert state["status"] == "finished", log.read_text()
            assert state["result"]["summary"] == "From the task definition."
        finally:
            code = terminate(proc, timeout=float(worker.definition.get("stopTimeout", 30)))
            worker.cleanup()
        assert code == 0, log.read_text()
        assert "Read-only file system" not in log.read_text()


def test_secrets_resolve_by_arn_and_json_key_like_ecs() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf"
    store = FakeSecretStore({arn: json.dumps({"username": "u", "password": "p"})})
    assert store.resolve(f"{arn}:username::") == "u"
    assert store.resolve(arn) == json.dumps({"username": "u", "password": "p"})
    with pytest.raises(KeyError, match="no key 'user'"):
        store.resolve(f"{arn}:user::")
    with pytest.raises(KeyError, match="no secret"):
        store.resolve(arn.replace("AbCdEf", "XyZ123") + ":username::")


# -- points 1 and 2: health checks, HOSTNAME ----------------------------------------------------


def test_web_listens_on_all_interfaces_whatever_hostname_fargate_sets(aws: FakeAws, tmp_path: Path) -> None:
    web = aws.container("web")
    assert web.environment()["HOSTNAME"] != FARGATE_RUNTIME_ENV["HOSTNAME"], (
        "the task definition must set HOSTNAME"
    )
    web.cleanup()
    with _serve(aws, "web", tmp_path) as running:  # waits for the container health check on 127.0.0.1
        assert _http(f"{running.base_url}/")[0] == 200


def test_web_health_route_answers_with_the_api_and_database_down(aws: FakeAws, tmp_path: Path) -> None:
    check = aws.taskdefs["tasks"]["web"]["loadBalancerHealthCheck"] or {
        "path": "/healthz",  # the contract's health path (the lab's ingress has no ALB check)
        "timeout": 5,
    }
    with _serve(aws, "web", tmp_path) as web:  # API_INTERNAL_URL leads nowhere
        status, body = _http(f"{web.base_url}{check['path']}", timeout=check["timeout"])
        assert status == 200, body
        assert web.container.health_check().returncode == 0


def _run_checks(schedule: list[tuple[float, Any]], window: float) -> list[str]:
    """Run each check every `interval` seconds for `window` seconds; return the failures."""
    failures: list[str] = []
    stop = threading.Event()

    def loop(interval: float, check: Any) -> None:
        while True:
            problem = check()
            if problem:
                failures.append(problem)
            if stop.wait(interval):
                return

    threads = [threading.Thread(target=loop, args=item) for item in schedule]
    for thread in threads:
        thread.start()
    time.sleep(window)
    stop.set()
    for thread in threads:
        thread.join()
    return failures


def test_health_checks_at_their_rates_open_no_database_connection(
    lab: FakeAws, pg: PostgresServer, tmp_path: Path
) -> None:
    _migrate(lab)
    with _serve(lab, "api", tmp_path) as api, _serve(lab, "web", tmp_path, api.base_url) as web:
        before = pg.tcp_connections_logged()
        schedule: list[tuple[float, Any]] = []
        for running in (api, web):
            spec = lab.taskdefs["tasks"][running.container.role]
            alb = spec["loadBalancerHealthCheck"]
            container_check = running.container.definition["healthCheck"]

            def alb_check(url: str = f"{running.base_url}{(alb or {}).get('path', '')}") -> str | None:
                status = _http(url)[0]
                return None if 200 <= status < 300 else f"{url}: {status}"

            def in_container(c: Container = running.container) -> str | None:
                result = c.health_check()
                return None if result.returncode == 0 else f"{c.role} health check: {result.stderr}"

            # One ALB node per Availability Zone checks each target (the lab's HTTP API ingress
            # has no ALB: there, the container checks are the only ones).
            if alb is not None:
                schedule += [(float(alb["interval"]), alb_check)] * 2
            schedule.append((float(container_check["interval"]), in_container))
        window = float(os.environ.get("APP_HEALTH_WINDOW_SECONDS", max(i for i, _ in schedule))) + 1
        failures = _run_checks(schedule, window)
        assert not failures, failures
        assert pg.tcp_connections_logged() == before, "a health check opened a database connection"
        # The measure works: a page view does reach the database.
        assert _http(f"{web.base_url}/")[0] == 200
        assert pg.tcp_connections_logged() > before


# -- point 3: /tmp on a Fargate bind mount ----------------------------------------------------


@pytest.mark.parametrize("component", ["api", "web"])
def test_image_gives_tmp_to_the_app_user_and_declares_it(component: str) -> None:
    image = read_image(APP_DIR / component / "Dockerfile")
    uid = int(image.user.split(":")[0])
    assert "/tmp" in image.volumes, "without VOLUME /tmp, Fargate's bind mount is root-owned 0755"
    owner = image.volumes["/tmp"]
    assert (owner.uid, owner.mode & 0o700) == (uid, 0o700)


def test_tmp_is_writable_by_the_container_user_on_its_volume(aws: FakeAws) -> None:
    for role in aws.taskdefs["tasks"]:
        container = aws.container(role)
        try:
            probe = ["python", "-c", "import tempfile; tempfile.NamedTemporaryFile(dir='/tmp').write(b'x')"]
            if role == "web":
                probe = ["node", "-e", "require('fs').writeFileSync('/tmp/probe', 'x')"]
            result = container.run(probe)
            assert result.returncode == 0, (role, result.stderr)
            assert container.run(["sh", "-c", "echo x > /probe"]).returncode != 0, "root must be read-only"
        finally:
            container.cleanup()


def test_a_volume_the_image_does_not_declare_is_root_owned(aws: FakeAws) -> None:
    image = read_image(APP_DIR / "api" / "Dockerfile")
    image.volumes.clear()  # as if the Dockerfile had no VOLUME /tmp
    container = aws.container("api", image)
    try:
        result = container.run(["sh", "-c", "echo x > /tmp/probe"])
        assert result.returncode != 0 and "Permission denied" in result.stderr, result
    finally:
        container.cleanup()


# -- point 4: ECS Exec with a read-only root --------------------------------------------------


def test_ecs_exec_agent_can_write_its_paths_where_exec_is_on(aws: FakeAws) -> None:
    script = " && ".join(f"mkdir -p {p}/probe && echo x > {p}/probe/file" for p in ECS_EXEC_AGENT_PATHS)
    for role, task in aws.taskdefs["tasks"].items():
        mounted = {m["containerPath"] for m in task["containerDefinitions"][0]["mountPoints"]}
        container = aws.container(role)
        try:
            result = container.run(["sh", "-c", script], as_root=True)  # the agent runs as root
        finally:
            container.cleanup()
        # Writable exactly where the agent's volumes are (the read-only root refuses it elsewhere),
        # and every service with ECS Exec on has them.
        has_volumes = set(ECS_EXEC_AGENT_PATHS) <= mounted
        assert (result.returncode == 0) is has_volumes, (role, result.stderr)
        if task["enableExecuteCommand"]:
            assert result.returncode == 0, (role, result.stderr)


def test_exec_on_in_the_lab_only() -> None:
    dev, prod = _taskdefs("dev"), _taskdefs("prod")
    assert dev["tasks"]["api"]["enableExecuteCommand"] and dev["tasks"]["web"]["enableExecuteCommand"]
    assert not any(task["enableExecuteCommand"] for task in prod["tasks"].values())
