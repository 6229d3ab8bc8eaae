"""FargateService (api, web, worker) and the migration task definition."""

from __future__ import annotations

import pytest

from components.config.limits import FARGATE_MEMORY
from stackctl.harness import Graph
from tests.compute_helpers import (
    CONFIG_IDS,
    CONFIGS,
    LOG_GROUP,
    RULE,
    SERVICE,
    TARGET_GROUP,
    TASK_DEFINITION,
    container,
    environment,
    secrets,
    services,
    task_definition_of,
    task_definitions,
)
from tests.conftest import PlanFn

FULL = (
    "dev",
    "images=registry",
    "ingress=alb",
    "redis=true",
    "worker.enabled=true",
    "@imageTag=3f9c2a1",
)
SECRETS_ARN = "arn:aws:secretsmanager:"


@pytest.fixture(params=CONFIGS, ids=CONFIG_IDS)
def graph(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    stack, overrides = request.param
    return plan(stack, *overrides)


# -- which services exist -------------------------------------------------------------------------


def test_api_and_web_always_worker_per_settings(plan: PlanFn) -> None:
    assert sorted(services(plan("dev", "ingress=alb"))) == ["api", "web"]
    assert sorted(services(plan("prod"))) == ["api", "web", "worker"]
    assert sorted(services(plan(*FULL))) == ["api", "web", "worker"]


# -- task definitions -----------------------------------------------------------------------------


def test_task_sizes_are_valid_fargate_pairs(graph: Graph) -> None:
    for task in graph.of_type(TASK_DEFINITION):
        cpu, memory = int(task.get("cpu")), int(task.get("memory"))
        assert memory in FARGATE_MEMORY[cpu], (task.name, cpu, memory)


def test_task_sizes_come_from_settings(plan: PlanFn) -> None:
    graph = plan("dev", "ingress=alb", 'api={"cpu": 512, "memory": 2048}')
    api = task_definitions(graph)["api"]
    assert (api.get("cpu"), api.get("memory")) == ("512", "2048")


def test_tasks_are_awsvpc_fargate_with_an_execution_role(graph: Graph) -> None:
    for task in graph.of_type(TASK_DEFINITION):
        assert task.get("networkMode") == "awsvpc"
        assert task.get("requiresCompatibilities") == ["FARGATE"]
        assert task.get("executionRoleArn", "").startswith("arn:aws:iam::")


@pytest.mark.parametrize("arch", ["ARM64", "X86_64"])
def test_cpu_architecture_follows_settings(plan: PlanFn, arch: str) -> None:
    for task in plan("dev", "ingress=alb", f"cpuArchitecture={arch}").of_type(TASK_DEFINITION):
        assert task.get("runtimePlatform") == {
            "cpuArchitecture": arch,
            "operatingSystemFamily": "LINUX",
        }


ECS_EXEC_AGENT_PATHS = {"/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}


def test_containers_run_as_non_root_on_a_read_only_root_with_a_writable_tmp(graph: Graph) -> None:
    for task in graph.of_type(TASK_DEFINITION):
        spec = container(task)
        assert spec["user"] == "10001"
        assert spec["readonlyRootFilesystem"] is True
        mounts = {m["containerPath"]: m for m in spec["mountPoints"]}
        assert mounts["/tmp"] == {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}
        assert {"name": "tmp"} in task.get("volumes")


@pytest.mark.parametrize(("stack", "exec_on"), [("dev", True), ("prod", False)])
def test_ecs_exec_agent_paths_get_writable_volumes_only_with_ecs_exec(
    plan: PlanFn, stack: str, exec_on: bool
) -> None:
    for task in plan(stack).of_type(TASK_DEFINITION):
        spec = container(task)
        mounts = {m["containerPath"]: m for m in spec["mountPoints"]}
        volumes = {v["name"] for v in task.get("volumes")}
        # Every mount point names a volume of its task, and every volume is a bind mount (no
        # host path, no EFS or Docker configuration): Fargate task storage.
        assert {m["sourceVolume"] for m in mounts.values()} == volumes
        assert all(set(v) == {"name"} for v in task.get("volumes"))
        assert set(mounts) == {"/tmp"} | (ECS_EXEC_AGENT_PATHS if exec_on else set())
        assert all(m["readOnly"] is False for m in mounts.values())


def test_api_and_web_have_container_health_checks_on_their_health_paths(graph: Graph) -> None:
    tasks = task_definitions(graph)
    api_check = " ".join(container(tasks["api"])["healthCheck"]["command"])
    web_check = " ".join(container(tasks["web"])["healthCheck"]["command"])
    assert "127.0.0.1:8000/api/healthz'" in api_check
    assert "127.0.0.1:3000/healthz'" in web_check


def test_web_listens_on_all_interfaces_whatever_hostname_fargate_sets(graph: Graph) -> None:
    # Fargate sets HOSTNAME to the task's host name (over the image's ENV); the Next.js
    # standalone server listens on $HOSTNAME, so the task definition sets it.
    assert environment(task_definitions(graph)["web"])["HOSTNAME"] == "0.0.0.0"


def test_ports_and_commands_follow_the_app_contract(plan: PlanFn) -> None:
    tasks = task_definitions(plan(*FULL))
    assert container(tasks["api"])["portMappings"][0]["containerPort"] == 8000
    assert "command" not in container(tasks["api"])  # the image's CMD runs the API
    assert container(tasks["web"])["portMappings"][0]["containerPort"] == 3000
    assert container(tasks["worker"])["command"] == ["python", "-m", "backend.worker"]
    assert "portMappings" not in container(tasks["worker"])
    assert container(tasks["worker"])["stopTimeout"] == 120


def test_logs_go_to_the_services_own_log_group_with_the_stack_retention(plan: PlanFn) -> None:
    for stack, days in (("dev", 7), ("prod", 30)):
        graph = plan(stack)
        groups = {g.get("name"): g for g in graph.of_type(LOG_GROUP)}
        for family, task in task_definitions(graph).items():
            options = container(task)["logConfiguration"]["options"]
            assert options["awslogs-region"] == "us-east-1"
            assert groups[options["awslogs-group"]].get("retentionInDays") == days, family


# -- environment and secrets ----------------------------------------------------------------------


def test_api_and_worker_get_database_and_redis_settings_as_plain_environment(
    plan: PlanFn,
) -> None:
    tasks = task_definitions(plan(*FULL))
    for family in ("api", "worker"):
        env = environment(tasks[family])
        assert {"DB_HOST", "DB_PORT", "DB_NAME", "REDIS_HOST", "REDIS_PORT", "REDIS_TLS"} <= set(
            env
        )
        assert env["DB_PORT"] == "5432" and env["REDIS_PORT"] == "6379"
        assert env["REDIS_TLS"] == "true"
        assert env["DB_SECRET_ARN"].startswith(SECRETS_ARN)


def test_without_redis_there_is_no_redis_environment_or_secret(plan: PlanFn) -> None:
    api = task_definitions(plan("dev", "ingress=alb"))["api"]
    assert not {"REDIS_HOST", "REDIS_PORT", "REDIS_TLS"} & set(environment(api))
    assert "REDIS_AUTH_TOKEN" not in secrets(api)


def test_secrets_point_at_full_arns_with_the_right_json_keys(graph: Graph) -> None:
    tasks = task_definitions(graph)
    for family in ("api", "worker", f"fullstack-{graph.stack}-migrate"):
        if family not in tasks:
            continue
        refs = secrets(tasks[family])
        assert refs["DB_USERNAME"].startswith(SECRETS_ARN)
        assert refs["DB_USERNAME"].endswith(":username::")
        assert refs["DB_PASSWORD"].endswith(":password::")
        assert (
            refs["DB_USERNAME"].removesuffix(":username::")
            == environment(tasks[family])["DB_SECRET_ARN"]
        )
        # appSecretStore parameterStore (both profiles' default): the parameter's full ARN
        assert refs.pop("APP_SECRET_KEY").startswith(
            f"arn:aws:ssm:us-east-1:123456789012:parameter/fullstack/{graph.stack}/"
        )
        if "REDIS_HOST" in environment(tasks[family]):
            assert refs["REDIS_AUTH_TOKEN"].startswith(SECRETS_ARN)
        for value_from in refs.values():
            assert value_from.startswith(SECRETS_ARN), value_from


def test_web_gets_the_internal_api_url_listen_address_sign_in_no_secrets(graph: Graph) -> None:
    web = task_definitions(graph)["web"]
    env = environment(web)
    # ... and the site's origins, and the user pool's app client and issuer (auth: cognito, the
    # default; tests/security/test_user_pool.py checks the values).
    # MFA (=optional) comes with them where the pool allows TOTP MFA (the mvp profile).
    sign_in = {"USER_POOL_CLIENT_ID", "USER_POOL_ISSUER"}
    assert set(env) - sign_in - {"MFA"} == {"API_INTERNAL_URL", "HOSTNAME", "SITE_ORIGINS"}
    assert sign_in <= set(env) or not (sign_in | {"MFA"}) & set(env)
    if graph.config.get("fullstack:edge") == "public":
        # A public ALB resolves to public IPs: the web service goes through CloudFront.
        assert env["API_INTERNAL_URL"] == graph.exports["siteUrl"]
    else:
        assert env["API_INTERNAL_URL"] == f"http://{graph.exports['albDnsName']}"
    assert secrets(web) == {}


def test_no_secret_value_is_in_plain_environment(plan: PlanFn) -> None:
    graph = plan(*FULL)
    for task in graph.of_type(TASK_DEFINITION):
        for name in environment(task):
            assert not any(word in name for word in ("PASSWORD", "TOKEN", "SECRET_KEY")), name


# -- services -------------------------------------------------------------------------------------


def test_services_run_in_private_subnets_without_public_ips(graph: Graph) -> None:
    private = {
        s.id
        for s in graph.of_type("aws:ec2/subnet:Subnet")
        if s.get("tags", {}).get("tier") == "private"
    }
    for service in graph.of_type(SERVICE):
        network = service.get("networkConfiguration")
        assert network["assignPublicIp"] is False
        assert set(network["subnets"]) == private


def test_deployment_circuit_breaker_rolls_back(graph: Graph) -> None:
    for service in graph.of_type(SERVICE):
        assert service.get("deploymentCircuitBreaker") == {"enable": True, "rollback": True}


def test_deployments_start_new_tasks_before_stopping_old_ones(plan: PlanFn) -> None:
    """minimumHealthyPercent 100 keeps every running task until its replacement is healthy
    (with one task, anything lower lets ECS stop it first: an outage on every deploy);
    maximumPercent 200 leaves room to start the replacements alongside."""
    found = services(plan(*FULL))
    assert set(found) == {"api", "web", "worker"}
    for name, service in found.items():
        assert service.get("deploymentMinimumHealthyPercent") == 100, name
        assert service.get("deploymentMaximumPercent") == 200, name


def test_grace_period_only_with_a_load_balancer_and_longer_than_startup_and_resume(
    plan: PlanFn,
) -> None:
    found = services(plan(*FULL))
    for name in ("api", "web"):
        assert found[name].get("healthCheckGracePeriodSeconds") >= 60
    assert found["worker"].get("healthCheckGracePeriodSeconds") is None
    assert not found["worker"].get("loadBalancers")


@pytest.mark.parametrize(
    ("stack", "overrides", "providers"),
    [
        (
            "dev",
            ("ingress=alb", "worker.enabled=true"),
            dict.fromkeys(("api", "web", "worker"), "FARGATE_SPOT"),
        ),
        # mvp with fargateSpot false: the user-facing services on demand; the worker (retries,
        # clean SIGTERM) on Spot (mvp's default, one on-demand base task: the test below)
        ("prod", ("fargateSpot=false",),
         {"api": "FARGATE", "web": "FARGATE", "worker": "FARGATE_SPOT"}),
        ("prod", ("fargateSpot=false", "worker.spot=false"),
         {"api": "FARGATE", "web": "FARGATE", "worker": "FARGATE"}),
        ("dev", ("ingress=alb", "api.spot=false",), {"api": "FARGATE", "web": "FARGATE_SPOT"}),
    ],
)  # fmt: skip
def test_dev_services_run_on_spot_and_prod_on_demand(
    plan: PlanFn, stack: str, overrides: tuple[str, ...], providers: dict[str, str]
) -> None:
    found = services(plan(stack, *overrides))
    assert set(found) == set(providers)
    for name, service in found.items():
        strategy = service.get("capacityProviderStrategies")
        assert [s["capacityProvider"] for s in strategy] == [providers[name]], name
        # A launch type is exclusive with a strategy (aws-facts#launch-type-or-strategy).
        assert service.get("launchType") is None


def test_spot_in_mvp_keeps_an_on_demand_base_for_api_and_web(plan: PlanFn) -> None:
    """mvp's default (fargateSpot true): one on-demand task each, the rest on Spot; only one
    provider may carry a base (aws-facts#spot-base-weight)."""
    found = services(plan("prod"))
    for name in ("api", "web"):
        strategy = {s["capacityProvider"]: s for s in found[name].get("capacityProviderStrategies")}
        assert strategy["FARGATE"]["base"] == 1
        assert strategy["FARGATE"]["weight"] == 0
        assert strategy["FARGATE_SPOT"]["weight"] >= 1
        assert not strategy["FARGATE_SPOT"].get("base")


@pytest.mark.parametrize(("stack", "enabled"), [("dev", True), ("prod", False)])
def test_ecs_exec_follows_settings(plan: PlanFn, stack: str, enabled: bool) -> None:
    for service in plan(stack).of_type(SERVICE):
        assert service.get("enableExecuteCommand") is enabled


@pytest.mark.parametrize(
    ("stack", "overrides", "ignoring"),
    [
        ("dev", (), set()),
        ("prod", (), {"api", "web"}),  # autoscaling owns the LB services' count, not the worker's
        (
            "dev",
            ("ingress=alb", "sleep=weekdays 08-20", "worker.enabled=true"),
            {"api", "web", "worker"},
        ),
    ],
)
def test_desired_count_is_ignored_where_a_scaler_owns_it(
    plan: PlanFn, stack: str, overrides: tuple[str, ...], ignoring: set[str]
) -> None:
    found = services(plan(stack, *overrides))
    assert {name for name, s in found.items() if s.ignore_changes == ["desiredCount"]} == ignoring
    assert all(s.ignore_changes in ([], ["desiredCount"]) for s in found.values())


def test_services_are_parked_until_an_image_tag_is_set(plan: PlanFn) -> None:
    assert {s.get("desiredCount") for s in plan("prod").of_type(SERVICE)} == {0}
    counts = {
        n: s.get("desiredCount") for n, s in services(plan("prod", "@imageTag=abc1234")).items()
    }
    assert counts == {"api": 2, "web": 2, "worker": 1}


def test_each_service_depends_on_the_rules_that_use_its_target_group(graph: Graph) -> None:
    for service in graph.of_type(SERVICE):
        target_groups = [lb["targetGroupArn"] for lb in service.get("loadBalancers") or []]
        for arn in target_groups:
            rules = [
                r
                for r in graph.of_type(RULE)
                if any(a.get("targetGroupArn") == arn for a in r.get("actions"))
            ]
            assert rules, f"no listener rule forwards to {service.name}'s target group"
            for rule in rules:
                assert rule.urn in service.depends_on, (service.name, rule.name)


def test_load_balanced_services_register_their_container_in_their_target_group(
    graph: Graph,
) -> None:
    groups = {g.outputs["arn"]: g for g in graph.of_type(TARGET_GROUP)}
    for name, service in services(graph).items():
        for lb in service.get("loadBalancers") or []:
            assert lb["containerName"] == name
            assert groups[lb["targetGroupArn"]].get("port") == lb["containerPort"]
            task = task_definition_of(graph, service)
            assert container(task)["portMappings"][0]["containerPort"] == lb["containerPort"]


# -- migration ------------------------------------------------------------------------------------


def test_migration_runs_alembic_with_the_api_image_env_and_secrets(plan: PlanFn) -> None:
    graph = plan(*FULL)
    tasks = task_definitions(graph)
    migrate, api = container(tasks["migrate"]), container(tasks["api"])
    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["image"] == api["image"]
    assert migrate["environment"] == api["environment"]
    assert migrate["secrets"] == api["secrets"]
    assert "portMappings" not in migrate and "healthCheck" not in migrate
    assert migrate["logConfiguration"]["options"]["awslogs-stream-prefix"] == "migrate"


def test_migration_network_configuration_is_exported_for_run_task(plan: PlanFn) -> None:
    graph = plan("prod")
    api = services(graph)["api"]
    config = graph.exports["migrationNetworkConfiguration"]["awsvpcConfiguration"]
    assert config["assignPublicIp"] == "DISABLED"
    assert config["subnets"] == api.get("networkConfiguration")["subnets"]
    assert config["securityGroups"] == api.get("networkConfiguration")["securityGroups"]
    assert graph.exports["migrationTaskFamily"] == "fullstack-prod-migrate"
    assert graph.exports["migrationContainerName"] == "migrate"
    assert graph.exports["logGroupNames"]["migration"] == graph.exports["logGroupNames"]["api"]
    assert graph.exports["capacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
