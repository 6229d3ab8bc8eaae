"""The app's own secrets reach exactly the services that declare them, as parameter ARNs.

A contract with two secrets of the app's own (`STRIPE_API_KEY` for api and worker, required;
`OAUTH_CLIENT_SECRET` for web, optional) runs through the whole program under mocks, with the
CI roles on. The task definitions, the execution roles' policies (checked against AWS's IAM data
and the CI scope rules), the boundary and the deploy-time check are read from the graph.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest

from components.config.app_contract import CONTRACT_ENV, CONTRACT_PATH
from components.security.boundary import boundary_document
from stackctl.harness import Graph, Resource, run_program
from stackctl.mocks import ACCOUNT_ID
from stackctl.plan_summary import app_secret_lines
from stackctl.taskdefs import render_task_definitions
from tests.compute.test_release_steps_contract import referenced
from tests.compute_helpers import (
    SERVICE,
    as_list,
    container,
    role_by_arn,
    secrets,
    statements_of,
    task_definitions,
)
from tests.iam_data import check_graph, unexplained
from tests.iam_helpers import REPO, ci_roles
from tests.security.test_ci_scope import RULES, context
from tests.security.test_iam_data import allowed

CHECK = "pulumi-python:dynamic/fullstack:AppSecretsCheck"
MIGRATION_RUN = "pulumi-python:dynamic/fullstack:MigrationRun"
PARAMETER = "aws:ssm/parameter:Parameter"
APP_SECRETS = {
    "STRIPE_API_KEY": {"services": ["api", "worker"], "doc": "Stripe secret key"},
    "OAUTH_CLIENT_SECRET": {"services": ["web"], "doc": "OAuth client secret", "optional": True},
}


def arn(name: str, stack: str = "prod", region: str = "us-east-1") -> str:
    return f"arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter/fullstack/{stack}/app-secrets/{name}"


def plan_with_secrets(tmp: Any, stack: str, *overrides: str) -> Graph:
    contract: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    contract["appSecrets"] = APP_SECRETS
    path = tmp / "contract.json"
    path.write_text(json.dumps(contract))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CONTRACT_ENV, str(path))
        return run_program(stack, overrides)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    tmp = tmp_path_factory.mktemp("contract")
    return plan_with_secrets(tmp, "prod", "@imageTag=abc1234", REPO)


def app_secrets_of(task: Resource) -> dict[str, str]:
    return {k: v for k, v in secrets(task).items() if k in APP_SECRETS}


def test_each_service_gets_exactly_its_secrets_as_parameter_arns(graph: Graph) -> None:
    tasks = task_definitions(graph)
    stripe = {"STRIPE_API_KEY": arn("STRIPE_API_KEY")}
    assert app_secrets_of(tasks["api"]) == stripe
    assert app_secrets_of(tasks["worker"]) == stripe
    # the migration runs with the api's task secrets (it borrows the api's roles)
    assert app_secrets_of(tasks["migrate"]) == stripe
    assert app_secrets_of(tasks["web"]) == {"OAUTH_CLIENT_SECRET": arn("OAUTH_CLIENT_SECRET")}


def test_the_app_tests_get_their_arns_to_give_them_values(graph: Graph) -> None:
    # app/api/tests/fargate.py stores a throw-away value under each (its FakeSecretStore)
    assert render_task_definitions(graph)["appSecretArns"] == {
        n: arn(n) for n in sorted(APP_SECRETS)
    }


def test_never_as_environment_and_never_created_by_the_program(graph: Graph) -> None:
    for name, task in task_definitions(graph).items():
        env = {e["name"] for e in container(task).get("environment", [])}
        assert not env & set(APP_SECRETS), name
    # the program refers to the parameters, a person stores them: no resource holds a value
    names = [str(p.get("name")) for p in graph.of_type(PARAMETER)]
    assert not [n for n in names if "/app-secrets/" in n], names
    assert "app-secrets" not in json.dumps(graph.exports, default=str)


def execution_parameter_reads(graph: Graph, task: Resource) -> set[str]:
    role = role_by_arn(graph, task.get("executionRoleArn"))
    found: set[str] = set()
    for statement in statements_of(graph, role):
        actions = as_list(statement["Action"])
        if any(a.startswith("ssm:") for a in actions):
            assert actions == ["ssm:GetParameters"], statement
            found |= set(as_list(statement["Resource"]))
        assert not any(a.startswith("kms:") for a in actions), "aws/ssm needs no KMS grant"
    return found


def test_each_execution_role_reads_exactly_the_parameters_it_injects(graph: Graph) -> None:
    tasks = task_definitions(graph)
    for name in ("api", "worker", "web"):
        injected = {v for v in secrets(tasks[name]).values() if v.startswith("arn:aws:ssm:")}
        assert execution_parameter_reads(graph, tasks[name]) == injected, name
    assert arn("STRIPE_API_KEY") in execution_parameter_reads(graph, tasks["api"])
    web = execution_parameter_reads(graph, tasks["web"])
    assert web == {arn("OAUTH_CLIENT_SECRET")}


def test_the_boundary_allows_those_reads(graph: Graph) -> None:
    document = boundary_document(
        account=ACCOUNT_ID, region="us-east-1", name_prefix="fullstack-prod",
        log_prefix="/fullstack/prod",
    )  # fmt: skip
    (own,) = [s for s in document["Statement"] if s["Sid"] == "ThisStacksParameters"]
    assert "ssm:GetParameters" in own["Action"]
    for name in APP_SECRETS:
        assert fnmatch.fnmatchcase(arn(name), own["Resource"]), name
    assert not fnmatch.fnmatchcase(arn("X", stack="dev"), own["Resource"])


def test_the_policies_pass_awss_iam_data_and_the_ci_scope_rules(graph: Graph) -> None:
    findings = unexplained(check_graph(graph), allowed())
    assert findings == [], "\n".join(f.key() + "  " + f.detail for f in findings)
    for rule, check in RULES.items():
        for purpose, role in ci_roles(graph).items():
            assert check(statements_of(graph, role), context(graph)) == [], (rule, purpose)


def test_the_deploy_check_runs_before_the_migration_and_the_services(graph: Graph) -> None:
    (check,) = graph.of_type(CHECK)
    assert check.get("stack") == "prod" and check.get("project") == "fullstack"
    assert check.get("secrets") == [
        {"name": "STRIPE_API_KEY", "services": ["api", "worker"], "optional": False},
        {"name": "OAUTH_CLIENT_SECRET", "services": ["web"], "optional": True},
    ]
    assert check.get("account")["region"] == "us-east-1"
    (migration,) = graph.of_type(MIGRATION_RUN)
    assert check.urn in migration.depends_on
    for service in graph.of_type(SERVICE):
        assert check.urn in service.depends_on, service.name
    # the provider is stored by reference (the state must be able to import it again)
    names = referenced(check.inputs["__provider"])
    assert names[0] == ("components.kit.app_secrets", "AppSecretsCheckProvider"), names


def test_a_parked_stack_and_a_contract_without_secrets_have_no_check(
    graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> None:
    parked = plan_with_secrets(tmp_path_factory.mktemp("parked"), "dev", "images=registry")
    assert not parked.of_type(CHECK)
    assert not run_program("prod", ["@imageTag=abc1234"]).of_type(CHECK)
    assert graph.of_type(CHECK)


def test_the_plan_names_them_and_the_command_that_checks_them(
    graph: Graph, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app_secret_lines(graph) == []  # the shipped contract declares none
    contract: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    contract["appSecrets"] = APP_SECRETS
    (tmp_path / "c.json").write_text(json.dumps(contract))
    monkeypatch.setenv(CONTRACT_ENV, str(tmp_path / "c.json"))
    text = "\n".join(app_secret_lines(graph))
    assert "STRIPE_API_KEY" in text and "required" in text and "api, worker" in text
    assert "python -m stackctl secret list --stack prod" in text
