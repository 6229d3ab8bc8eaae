"""`appSecretStore`: the app's session key in Parameter Store (default) or Secrets Manager.

Under mocks: the resource each value creates, what the api's task definition injects, and the
execution role's read grant on exactly that ARN. The grant's shape is also checked against AWS's
IAM data (tests/security/test_iam_data.py covers the whole program with both values).
"""

from __future__ import annotations

from typing import Any

import pytest

from components.compute.fargate_service import secret_read_statements
from components.config.reader import SettingsError, parse_settings
from components.data.app_storage import AppStorageArgs
from stackctl.harness import Graph, Resource
from tests.compute_helpers import (
    as_list,
    role_by_arn,
    secrets,
    services,
    statements_of,
    task_definition_of,
)
from tests.conftest import PlanFn
from tests.data_helpers import RANDOM_PASSWORD, SECRET, child_of_type, component, only

PARAMETER = "aws:ssm/parameter:Parameter"
SSM_STORE = "appSecretStore=parameterStore"
SM_STORE = "appSecretStore=secretsManager"


def _storage(graph: Graph) -> Resource:
    found = component(graph, "fullstack:data:AppStorage")
    assert found is not None
    return found


def _api_task(graph: Graph) -> Resource:
    return task_definition_of(graph, services(graph)["api"])


def _api_execution_statements(graph: Graph) -> list[dict[str, Any]]:
    role = role_by_arn(graph, _api_task(graph).get("executionRoleArn"))
    return statements_of(graph, role)


def _api_secrets(graph: Graph) -> dict[str, str]:
    return secrets(_api_task(graph))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_both_profiles_keep_the_app_secret_in_a_free_securestring_parameter(
    plan: PlanFn, stack: str
) -> None:
    graph = plan(stack)
    parent = _storage(graph)
    parameter = only(child_of_type(graph, parent, PARAMETER))
    value = only(child_of_type(graph, parent, RANDOM_PASSWORD))
    assert parameter.get("name") == f"/fullstack/{stack}/app-secret-key"
    assert parameter.get("type") == "SecureString"
    assert parameter.get("tier") == "Standard"  # the free tier
    assert parameter.get("keyId") is None  # the account's aws/ssm key: no kms:Decrypt grant
    assert parameter.get("value") == value.outputs["result"]
    assert "value" in parameter.secret_inputs
    assert child_of_type(graph, parent, SECRET) == []
    assert graph.exports["appSecretArn"] == parameter.outputs["arn"]


def test_the_api_injects_the_parameter_by_its_arn_and_may_read_exactly_it(plan: PlanFn) -> None:
    graph = plan("dev", SSM_STORE)
    parameter = only(child_of_type(graph, _storage(graph), PARAMETER))
    arn = parameter.outputs["arn"]
    assert arn.startswith("arn:aws:ssm:")
    assert _api_secrets(graph)["APP_SECRET_KEY"] == arn
    statements = _api_execution_statements(graph)
    reads = [s for s in statements if "ssm:GetParameters" in as_list(s["Action"])]
    assert reads == [
        {
            "Sid": "ReadInjectedParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": [arn],
        }
    ]
    # the database's RDS-managed secret stays in Secrets Manager, granted on its own
    (secret_read,) = [s for s in statements if s["Sid"] == "ReadInjectedSecrets"]
    assert arn not in as_list(secret_read["Resource"])
    assert all(":secretsmanager:" in r for r in as_list(secret_read["Resource"]))


def test_secrets_manager_keeps_the_secret_and_grants_no_parameter_read(plan: PlanFn) -> None:
    graph = plan("dev", SM_STORE)
    parent = _storage(graph)
    secret = only(child_of_type(graph, parent, SECRET))
    assert child_of_type(graph, parent, PARAMETER) == []
    assert _api_secrets(graph)["APP_SECRET_KEY"] == secret.outputs["arn"]
    statements = _api_execution_statements(graph)
    assert not [s for s in statements if s["Sid"] == "ReadInjectedParameters"]
    (secret_read,) = [s for s in statements if s["Sid"] == "ReadInjectedSecrets"]
    assert secret.outputs["arn"] in as_list(secret_read["Resource"])


def test_read_statements_split_the_arns_by_service_and_refuse_others() -> None:
    param = "arn:aws:ssm:us-east-1:123456789012:parameter/p/s/app-secret-key"
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"
    sm, ssm = secret_read_statements([secret, param, param])
    assert (sm["Action"], sm["Resource"]) == ("secretsmanager:GetSecretValue", [secret])
    assert (ssm["Action"], ssm["Resource"]) == ("ssm:GetParameters", [param])
    assert secret_read_statements([secret])[1] == {}
    with pytest.raises(ValueError, match="Secrets Manager or SSM ARN"):
        secret_read_statements(["arn:aws:s3:::bucket/key"])


def test_a_bad_store_value_names_the_key_and_the_choices() -> None:
    raw = {"fullstack:profile": "lab", "fullstack:appSecretStore": "vault"}
    with pytest.raises(SettingsError, match=r"appSecretStore.*vault.*parameterStore"):
        parse_settings("fullstack", "dev", raw)


def test_parameter_store_without_a_parameter_name_is_refused() -> None:
    with pytest.raises(ValueError, match="app_secret_parameter"):
        AppStorageArgs(bucket_name="b", app_secret_store="parameterStore")


def test_the_deploy_role_and_the_boundary_reach_only_this_stacks_parameter_path() -> None:
    from components.security.boundary import boundary_document
    from components.security.deploy_actions import SCOPES, TYPE_GRANTS

    grants = {g.scope: set(g.actions) for g in TYPE_GRANTS[PARAMETER]}
    assert {"ssm:PutParameter", "ssm:DeleteParameter"} <= grants["StackParameters"]
    assert grants["ReadConfiguration"] == {"ssm:DescribeParameters"}  # no resource type
    assert SCOPES["StackParameters"].resources == (
        "arn:aws:ssm:{region}:{account}:parameter{logs}/*",
    )
    document = boundary_document(
        account="123456789012", region="us-east-1", name_prefix="fullstack-dev",
        log_prefix="/fullstack/dev",
    )  # fmt: skip
    (reads,) = [s for s in document["Statement"] if "ssm:GetParameters" in s["Action"]]
    assert reads["Resource"] == "arn:aws:ssm:us-east-1:123456789012:parameter/fullstack/dev/*"
