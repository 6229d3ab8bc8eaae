"""CI identity: GitHub OIDC trust per role, least-privilege policies, provider create or lookup."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.security.ci_identity import (
    DEPLOY_POLICIES,
    INSTANCE_PROFILE_WRITES,
    MANAGED_POLICY_LIMIT,
    PATH_SCOPED_ROLE_WRITES,
    POLICY_WRITES,
    STAR_REASONS,
    compact,
)
from components.security.deploy_actions import CALL_GRANTS, SCOPES, TYPE_GRANTS, WORKFLOW_GRANTS
from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.iam_helpers import (
    MATRIX,
    MATRIX_IDS,
    PERMISSIONS_BOUNDARY_WRITES,
    REPO,
    ROLE,
    ROLE_POLICY,
    allows,
    as_list,
    boundary,
    managed_policies_of,
    statements_of,
)

HOST = "token.actions.githubusercontent.com"
MATRIX_WITH_CI = [(s, o) for s, o in MATRIX if REPO in o]
MATRIX_WITH_CI_IDS = [i for (s, o), i in zip(MATRIX, MATRIX_IDS, strict=True) if REPO in o]

# Which declared resource type needs each service-linked role the deploy role may create.
SLR_NEEDED_BY = {
    "ecs.amazonaws.com": "aws:ecs/service:Service",
    "ecs.application-autoscaling.amazonaws.com": "aws:appautoscaling/target:Target",
    "elasticache.amazonaws.com": "aws:elasticache/replicationGroup:ReplicationGroup",
    "elasticloadbalancing.amazonaws.com": "aws:lb/loadBalancer:LoadBalancer",
    "events.amazonaws.com": "aws:ec2/instance:Instance",  # its recovery alarms' EC2 actions
    "ops.apigateway.amazonaws.com": "aws:apigatewayv2/vpcLink:VpcLink",  # the VPC link's ENIs
    "rds.amazonaws.com": "aws:rds/cluster:Cluster",
    "vpcorigin.cloudfront.amazonaws.com": "aws:cloudfront/vpcOrigin:VpcOrigin",
}


def roles(graph: Graph) -> dict[str, Resource]:
    found = {}
    for role in graph.of_type("aws:iam/role:Role"):
        for purpose in ("preview", "deploy"):
            if role.name == f"ci-{purpose}":
                found[purpose] = role
    return found


def trust(role: Resource) -> dict[str, Any]:
    (statement,) = json.loads(role.get("assumeRolePolicy"))["Statement"]
    return dict(statement)


def policy_of(graph: Graph, role: Resource) -> list[dict[str, Any]]:
    return statements_of(graph, role)


def deploy_statements(graph: Graph) -> list[dict[str, Any]]:
    return statements_of(graph, roles(graph)["deploy"])


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


@pytest.fixture
def ci_graph(plan: PlanFn) -> Graph:
    return plan(
        "prod",
        REPO,
        "domain=example.com",
        "stateBucket=acme-pulumi-state",
        "secretsKeyArn=arn:aws:kms:us-east-1:123456789012:alias/pulumi",
    )


def test_no_ci_roles_without_a_repository(stack_graph: Graph) -> None:
    assert roles(stack_graph) == {}
    assert stack_graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []


def test_the_github_oidc_provider_is_created_for_sts(ci_graph: Graph) -> None:
    (provider,) = ci_graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.get("url") == f"https://{HOST}"
    assert provider.get("clientIdLists") == ["sts.amazonaws.com"]


def test_an_existing_provider_is_looked_up_not_created(plan: PlanFn) -> None:
    graph = plan("dev", REPO, "githubOidcProvider=existing")
    assert graph.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    lookups = [a for t, a in graph.calls if t.endswith("getOpenIdConnectProvider")]
    assert lookups == [{"url": f"https://{HOST}"}]
    principal = trust(roles(graph)["deploy"])["Principal"]["Federated"]
    assert principal == f"arn:aws:iam::123456789012:oidc-provider/{HOST}"


def test_preview_role_trusts_only_pull_requests_of_the_repository(ci_graph: Graph) -> None:
    statement = trust(roles(ci_graph)["preview"])
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = statement["Condition"]
    assert list(condition) == ["StringEquals"], "no StringLike: no wildcards"
    assert condition["StringEquals"][f"{HOST}:aud"] == "sts.amazonaws.com"
    assert condition["StringEquals"][f"{HOST}:sub"] == ["repo:acme/shop:pull_request"]


def test_deploy_role_trusts_main_and_the_production_environment_only(ci_graph: Graph) -> None:
    condition = trust(roles(ci_graph)["deploy"])["Condition"]
    assert list(condition) == ["StringEquals"]
    assert condition["StringEquals"][f"{HOST}:aud"] == "sts.amazonaws.com"
    assert condition["StringEquals"][f"{HOST}:sub"] == [
        "repo:acme/shop:ref:refs/heads/main",
        "repo:acme/shop:environment:production",
    ]


def test_trust_subjects_have_no_wildcards(ci_graph: Graph) -> None:
    for role in roles(ci_graph).values():
        for subject in trust(role)["Condition"]["StringEquals"][f"{HOST}:sub"]:
            assert "*" not in subject and "?" not in subject


def test_preview_role_can_only_read(ci_graph: Graph) -> None:
    statements = policy_of(ci_graph, roles(ci_graph)["preview"])
    writes = {"s3:PutObject", "s3:DeleteObject"}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in actions(statement):
            verb = action.split(":")[1]
            if action in writes:
                assert statement["Resource"] == "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/*"
                continue
            assert verb.startswith(("Describe", "List", "Get")) or action in {"kms:Decrypt"}, action
    all_actions = {a for s in statements for a in actions(s)}
    assert "secretsmanager:GetSecretValue" not in all_actions
    assert "s3:GetObject" in all_actions  # the state file only:
    state_read = next(s for s in statements if s.get("Sid") == "ReadStateAndLocks")
    assert state_read["Resource"] == "arn:aws:s3:::acme-pulumi-state/.pulumi/*"
    assert managed_policies_of(ci_graph, roles(ci_graph)["preview"]) == []


def test_no_role_has_administrator_access(ci_graph: Graph) -> None:
    attachments = ci_graph.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not any("AdministratorAccess" in str(a.get("policyArn")) for a in attachments)
    for role in roles(ci_graph).values():
        for statement in policy_of(ci_graph, role):
            assert "*" not in actions(statement) and "iam:*" not in actions(statement)


def test_the_deploy_role_has_only_its_managed_policies(ci_graph: Graph) -> None:
    deploy = roles(ci_graph)["deploy"]
    assert [p for p in ci_graph.of_type(ROLE_POLICY) if p.get("role") == deploy.id] == []
    attached = managed_policies_of(ci_graph, deploy)
    assert sorted(p.name for p in attached) == sorted(f"ci-deploy-{g}" for g in DEPLOY_POLICIES)
    assert len(attached) <= 10, "IAM attaches at most 10 managed policies to a role by default"
    assert all(p.get("path") == "/fullstack/prod/" for p in attached)


def test_deploy_role_manages_iam_only_under_the_project_path(ci_graph: Graph) -> None:
    for statement in deploy_statements(ci_graph):
        if statement["Effect"] != "Allow":
            continue
        iam_actions = [a for a in actions(statement) if a.startswith("iam:")]
        if not iam_actions or iam_actions == ["iam:ListOpenIDConnectProviders"]:
            continue
        for resource in as_list(statement["Resource"]):
            assert resource.startswith("arn:aws:iam::123456789012:"), resource
            assert any(
                part in resource
                for part in ("/fullstack/prod/", f"oidc-provider/{HOST}", "role/aws-service-role/")
            ), resource


@pytest.mark.parametrize(("stack", "overrides"), MATRIX_WITH_CI, ids=MATRIX_WITH_CI_IDS)
def test_every_boundary_write_requires_the_stacks_boundary(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    """The writes whose row in the service authorization reference offers the
    iam:PermissionsBoundary key: each allowed only when the role carries the stack's boundary."""
    graph = plan(stack, *overrides)
    arn = boundary(graph).outputs["arn"]
    allowed: set[str] = set()
    for statement in deploy_statements(graph):
        written = set(actions(statement)) & PERMISSIONS_BOUNDARY_WRITES
        if statement["Effect"] != "Allow" or not written:
            continue
        assert statement["Condition"]["StringEquals"]["iam:PermissionsBoundary"] == arn, statement
        assert as_list(statement["Resource"]) == [
            f"arn:aws:iam::123456789012:role/fullstack/{stack}/*"
        ]
        allowed |= written
    # without them the program could not create its roles at all
    assert allowed == PERMISSIONS_BOUNDARY_WRITES


def test_iam_writes_are_only_the_known_ones(ci_graph: Graph) -> None:
    known = (
        PERMISSIONS_BOUNDARY_WRITES | set(PATH_SCOPED_ROLE_WRITES) | set(INSTANCE_PROFILE_WRITES)
    )
    known |= {"iam:PassRole", "iam:CreateServiceLinkedRole"}
    for statement in deploy_statements(ci_graph):
        if statement["Effect"] != "Allow":
            continue
        for action in actions(statement):
            verb = action.removeprefix("iam:")
            if action.startswith("iam:") and not verb.startswith(("Get", "List")):
                assert action in known, action
                assert "*" not in as_list(statement["Resource"]), statement["Sid"]


def test_no_write_touches_a_managed_policy_and_the_boundary_stays(ci_graph: Graph) -> None:
    statements = deploy_statements(ci_graph)
    arn = boundary(ci_graph).outputs["arn"]
    for action in POLICY_WRITES:
        assert not allows(statements, action, arn), action
        assert not allows(statements, action, "arn:aws:iam::123456789012:policy/fullstack/prod/x")
    denied = next(s for s in statements if s["Sid"] == "NeverRemoveABoundary")
    assert denied["Effect"] == "Deny" and denied["Resource"] == "*"
    assert denied["Action"] == "iam:DeleteRolePermissionsBoundary"


def test_the_deploy_role_cannot_change_the_ci_roles(ci_graph: Graph) -> None:
    statements = deploy_statements(ci_graph)
    for role in roles(ci_graph).values():
        arn = role.outputs["arn"]
        for action in (
            "iam:PutRolePolicy",
            "iam:AttachRolePolicy",
            "iam:UpdateAssumeRolePolicy",
            "iam:DeleteRole",
            "iam:PassRole",
            "iam:PutRolePermissionsBoundary",
        ):
            denies = [
                s
                for s in statements
                if s["Effect"] == "Deny"
                and action in actions(s)
                and arn in as_list(s.get("Resource", []))
            ]
            assert denies, (role.name, action)


def test_pass_role_goes_only_to_the_programs_services(ci_graph: Graph) -> None:
    statements = deploy_statements(ci_graph)
    (pass_role,) = [
        s for s in statements if s["Effect"] == "Allow" and "iam:PassRole" in actions(s)
    ]
    assert actions(pass_role) == ["iam:PassRole"]
    assert pass_role["Resource"] == "arn:aws:iam::123456789012:role/fullstack/prod/*"
    services = set(pass_role["Condition"]["StringEquals"]["iam:PassedToService"])
    assert services == {
        "ecs-tasks.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
        "scheduler.amazonaws.com",
    }
    # every service the program's own roles trust is one the role may pass them to
    for role in ci_graph.of_type(ROLE):
        for statement in json.loads(role.get("assumeRolePolicy"))["Statement"]:
            principal = statement["Principal"].get("Service")
            if principal:
                assert principal in services, (role.name, principal)


@pytest.mark.parametrize(("stack", "overrides"), MATRIX_WITH_CI, ids=MATRIX_WITH_CI_IDS)
def test_service_linked_roles_are_exactly_those_the_resources_need(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    (statement,) = [
        s for s in deploy_statements(graph) if "iam:CreateServiceLinkedRole" in actions(s)
    ]
    names = statement["Condition"]["StringEquals"]["iam:AWSServiceName"]
    assert sorted(names) == sorted(SLR_NEEDED_BY)
    assert statement["Resource"] == [
        f"arn:aws:iam::123456789012:role/aws-service-role/{name}/*" for name in names
    ]


def test_every_service_linked_role_is_needed_by_a_declared_resource(plan: PlanFn) -> None:
    declared = {r.type for stack, overrides in MATRIX for r in plan(stack, *overrides).resources}
    for service, resource_type in SLR_NEEDED_BY.items():
        assert resource_type in declared, (service, resource_type)
    # CloudFront's VPC origin runs under AWSServiceRoleForCloudFrontVPCOrigin
    assert (
        SLR_NEEDED_BY["vpcorigin.cloudfront.amazonaws.com"] == "aws:cloudfront/vpcOrigin:VpcOrigin"
    )


def test_no_service_wildcard_and_every_star_has_a_reason(ci_graph: Graph) -> None:
    for statement in deploy_statements(ci_graph):
        if statement["Effect"] != "Allow":
            continue
        for action in actions(statement):
            assert action != "*" and not action.endswith(":*"), (statement["Sid"], action)
        if "*" in as_list(statement["Resource"]):
            sid = statement["Sid"]
            reason = SCOPES[sid].reason if sid in SCOPES else STAR_REASONS.get(sid, "")
            assert len(reason) > 20, f"{sid}: Resource '*' without a written reason"


def test_every_star_scope_of_the_table_has_a_reason_and_a_narrowing_condition() -> None:
    for scope in SCOPES.values():
        if "*" in scope.resources:
            assert scope.reason, scope.sid
            if scope.sid == "CallerIdentity":
                continue  # sts:GetCallerIdentity: no resource type, no condition key, no effect
            assert scope.condition, f"{scope.sid}: '*' with no region, tag or service condition"


@pytest.mark.parametrize(("stack", "overrides"), MATRIX, ids=MATRIX_IDS)
def test_the_table_has_an_entry_for_every_type_and_data_source(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    declared = {r.type for r in graph.resources if r.custom or r.type.startswith("awsx:")}
    missing = declared - set(TYPE_GRANTS)
    assert not missing, f"add the API calls of {sorted(missing)} to security/deploy_actions.py"
    calls = {token for token, _ in graph.calls} - set(CALL_GRANTS)
    assert not calls, f"add the API calls of {sorted(calls)} to security/deploy_actions.py"


def test_every_table_action_reaches_a_deploy_policy(ci_graph: Graph) -> None:
    granted = {a for s in deploy_statements(ci_graph) if s["Effect"] == "Allow" for a in actions(s)}
    for grants in (*TYPE_GRANTS.values(), *CALL_GRANTS.values(), *WORKFLOW_GRANTS.values()):
        for grant in grants:
            assert set(grant.actions) <= granted, grant


@pytest.mark.parametrize(("stack", "overrides"), MATRIX_WITH_CI, ids=MATRIX_WITH_CI_IDS)
def test_deploy_policies_fit_the_managed_policy_size_limit(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    for policy in managed_policies_of(graph, roles(graph)["deploy"]):
        # IAM quotas: a customer managed policy holds at most 6,144 characters, white space aside
        assert len(compact(policy.get("policy"))) <= 6144, policy.name
    assert MANAGED_POLICY_LIMIT == 6144


def _boto3_actions(path: Path) -> set[str]:
    """`ecs.run_task(` and `get_paginator("list_tasks")` in a module -> ecs:RunTask, ..."""
    text = path.read_text()
    found = set()
    for service, method in re.findall(r"\b(ecs|logs|cloudwatch)\.([a-z_]+)\(", text):
        if method not in ("get_paginator", "get_waiter", "exceptions"):
            found.add(f"{service}:{''.join(p.title() for p in method.split('_'))}")
    for service, method in re.findall(
        r"\b(ecs|logs|cloudwatch)\.get_paginator\(\"([a-z_]+)\"\)", text
    ):
        found.add(f"{service}:{''.join(p.title() for p in method.split('_'))}")
    return found


def test_the_deploy_role_can_run_what_the_workflows_run(ci_graph: Graph) -> None:
    statements = deploy_statements(ci_graph)
    root = Path(__file__).resolve().parents[2]
    called = _boto3_actions(root / "stackctl" / "ops.py") | _boto3_actions(
        root / "components" / "kit" / "task_run.py"
    )
    assert {"ecs:RunTask", "ecs:DescribeTasks", "logs:GetLogEvents"} <= called
    ecs = "arn:aws:ecs:us-east-1:123456789012"
    logs = "arn:aws:logs:us-east-1:123456789012:log-group:/fullstack/prod/ecs/api:*"
    cluster = f"{ecs}:cluster/fullstack-prod-cluster"
    targets = {
        "ecs:RunTask": f"{ecs}:task-definition/fullstack-prod-migrate:3",
        "ecs:DescribeTasks": f"{ecs}:task/fullstack-prod-cluster/abc",
        "ecs:DescribeServices": f"{ecs}:service/fullstack-prod-cluster/api",
        "ecs:UpdateService": f"{ecs}:service/fullstack-prod-cluster/api",
        "logs:GetLogEvents": logs,
        "logs:FilterLogEvents": logs,
    }
    for action in sorted(called):
        assert allows(statements, action, targets.get(action, "*")) or allows(
            statements, action, cluster
        ), action
    assert "aws s3 sync" in (root / "app" / "web" / "scripts" / "upload-static.sh").read_text()
    static = ci_graph.exports["staticBucketName"]
    assert allows(statements, "s3:PutObject", f"arn:aws:s3:::{static}/_next/static/a.js")
    assert allows(statements, "s3:ListBucket", f"arn:aws:s3:::{static}")
    uploads = ci_graph.exports["uploadsBucketName"]
    assert not allows(statements, "s3:PutObject", f"arn:aws:s3:::{uploads}/uploads/a")
    assert not allows(statements, "s3:GetObject", f"arn:aws:s3:::{uploads}/uploads/a")


def test_deploy_role_acts_only_in_the_stack_regions(ci_graph: Graph) -> None:
    statements = {s["Sid"]: s for s in deploy_statements(ci_graph)}
    regional = statements["Ec2CreateAndModify"]["Condition"]
    assert regional == {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}
    plan_eu = _plan_eu()
    eu = {s["Sid"]: s for s in deploy_statements(plan_eu)}
    assert eu["Ec2CreateAndModify"]["Condition"]["StringEquals"]["aws:RequestedRegion"] == [
        "eu-west-1"
    ]
    # reads and certificate requests also in us-east-1 (CloudFront, its certificate, WAF)
    assert eu["ReadConfiguration"]["Condition"]["StringEquals"]["aws:RequestedRegion"] == [
        "eu-west-1",
        "us-east-1",
    ]
    assert "arn:aws:acm:us-east-1:123456789012:certificate/*" in eu["Certificates"]["Resource"]
    assert roles(plan_eu)


def test_deletes_of_network_resources_need_the_stacks_tags(ci_graph: Graph) -> None:
    statements = {s["Sid"]: s for s in deploy_statements(ci_graph)}
    deletes = statements["Ec2DeleteOnlyThisStack"]
    assert set(actions(deletes)) >= {"ec2:DeleteVpc", "ec2:TerminateInstances"}
    tags = deletes["Condition"]["StringEquals"]
    assert tags["aws:ResourceTag/project"] == "fullstack"
    assert tags["aws:ResourceTag/stack"] == "prod"
    # the tags the condition needs are the provider's default tags
    (provider,) = ci_graph.of_type("pulumi:providers:aws")
    default_tags = (
        json.loads(provider.get("defaultTags"))["tags"]
        if isinstance(provider.get("defaultTags"), str)
        else provider.get("defaultTags")["tags"]
    )
    assert default_tags["project"] == "fullstack" and default_tags["stack"] == "prod"
    others = [s for s in deploy_statements(ci_graph) if s["Sid"] != "Ec2DeleteOnlyThisStack"]
    assert not any(
        a.startswith(("ec2:Delete", "ec2:Terminate", "ec2:Release"))
        and a not in {"ec2:DeleteRoute", "ec2:DeleteTags"}
        for s in others
        if s["Effect"] == "Allow"
        for a in actions(s)
    )


def test_the_role_cannot_retag_another_stacks_resources(ci_graph: Graph) -> None:
    """Deletes rely on the stack tag, so tagging another stack's resource is denied."""
    statements = {s["Sid"]: s for s in deploy_statements(ci_graph)}
    deny = statements["NeverRetagAnotherStack"]
    assert deny["Effect"] == "Deny" and deny["Resource"] == "*"
    assert {"ec2:CreateTags", "ec2:DeleteTags", "kms:TagResource"} <= set(actions(deny))
    assert deny["Condition"] == {
        "StringNotEquals": {"aws:ResourceTag/stack": "prod"},
        "Null": {"aws:ResourceTag/stack": "false"},
    }
    create_key = statements["KmsCreateKey"]
    assert create_key["Condition"]["StringEquals"]["aws:RequestTag/stack"] == "prod"
    assert create_key["Condition"]["StringEquals"]["aws:RequestTag/project"] == "fullstack"


@pytest.mark.parametrize(("stack", "overrides"), MATRIX_WITH_CI, ids=MATRIX_WITH_CI_IDS)
def test_named_resources_fall_inside_their_scopes(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    """Each resource the program names is inside the ARN pattern the deploy role may touch."""
    graph = plan(stack, *overrides)
    statements = deploy_statements(graph)
    region = graph.config.get("aws:region", "us-east-1")
    account = "123456789012"
    arns: list[tuple[str, str]] = []
    for bucket in graph.of_type("aws:s3/bucket:Bucket"):
        arns.append(("s3:CreateBucket", f"arn:aws:s3:::{bucket.get('bucket')}"))
        arns.append(("s3:PutBucketPolicy", f"arn:aws:s3:::{bucket.get('bucket')}"))
    for group in graph.of_type("aws:cloudwatch/logGroup:LogGroup"):
        arns.append(
            (
                "logs:CreateLogGroup",
                f"arn:aws:logs:{region}:{account}:log-group:{group.get('name')}",
            )
        )
    for repo in graph.of_type("aws:ecr/repository:Repository"):
        arns.append(
            (
                "ecr:CreateRepository",
                f"arn:aws:ecr:{region}:{account}:repository/{repo.get('name')}",
            )
        )
    for cluster in graph.of_type("aws:ecs/cluster:Cluster"):
        arns.append(
            ("ecs:CreateCluster", f"arn:aws:ecs:{region}:{account}:cluster/{cluster.get('name')}")
        )
        for service in graph.of_type("aws:ecs/service:Service"):
            arns.append(
                (
                    "ecs:UpdateService",
                    f"arn:aws:ecs:{region}:{account}:service/{cluster.get('name')}/{service.get('name')}",
                )
            )
    for db in graph.of_type("aws:rds/cluster:Cluster"):
        arns.append(
            (
                "rds:CreateDBCluster",
                f"arn:aws:rds:{region}:{account}:cluster:{db.get('clusterIdentifier')}",
            )
        )
    for instance in graph.of_type("aws:rds/clusterInstance:ClusterInstance"):
        arns.append(
            (
                "rds:CreateDBInstance",
                f"arn:aws:rds:{region}:{account}:db:{instance.get('identifier')}",
            )
        )
    for group in graph.of_type("aws:rds/subnetGroup:SubnetGroup"):
        arns.append(
            (
                "rds:CreateDBSubnetGroup",
                f"arn:aws:rds:{region}:{account}:subgrp:{group.get('name')}",
            )
        )
    for cache in graph.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
        arns.append(
            (
                "elasticache:CreateReplicationGroup",
                f"arn:aws:elasticache:{region}:{account}:replicationgroup:{cache.get('replicationGroupId')}",
            )
        )
    for group in graph.of_type("aws:elasticache/subnetGroup:SubnetGroup"):
        arns.append(
            (
                "elasticache:CreateCacheSubnetGroup",
                f"arn:aws:elasticache:{region}:{account}:subnetgroup:{group.get('name')}",
            )
        )
    for alarm in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        name = alarm.get("name") or f"{alarm.name}-1a2b3c4"  # the NAT's are auto-named
        arns.append(
            ("cloudwatch:PutMetricAlarm", f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}")
        )
    for dashboard in graph.of_type("aws:cloudwatch/dashboard:Dashboard"):
        arns.append(
            (
                "cloudwatch:PutDashboard",
                f"arn:aws:cloudwatch::{account}:dashboard/{dashboard.get('dashboardName')}",
            )
        )
    for alias in graph.of_type("aws:kms/alias:Alias"):
        arns.append(("kms:CreateAlias", f"arn:aws:kms:{region}:{account}:{alias.get('name')}"))
    for lb in graph.of_type("aws:lb/loadBalancer:LoadBalancer"):
        arns.append(
            (
                "elasticloadbalancing:CreateLoadBalancer",
                f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{lb.get('name')}/0123abcd",
            )
        )
    for acl in graph.of_type("aws:wafv2/webAcl:WebAcl"):
        arns.append(
            (
                "wafv2:CreateWebACL",
                f"arn:aws:wafv2:us-east-1:{account}:global/webacl/{acl.get('name')}/0123",
            )
        )
    assert arns
    for action, arn in arns:
        assert allows(statements, action, arn), (action, arn)
    # and not another stack's
    other = graph.exports["uploadsBucketName"].replace(f"-{graph.stack}-", "-other-")
    assert not allows(statements, "s3:DeleteBucket", f"arn:aws:s3:::{other}")


def test_route53_changes_only_the_sites_names(ci_graph: Graph) -> None:
    statements = {s["Sid"]: s for s in deploy_statements(ci_graph)}
    condition = statements["SiteRecords"]["Condition"]["ForAllValues:StringLike"]
    patterns = condition["route53:ChangeResourceRecordSetsNormalizedRecordNames"]
    assert patterns == ["example.com", "*.example.com"]
    for record in ci_graph.of_type("aws:route53/record:Record"):
        name = record.get("name").rstrip(".").lower()
        assert any(fnmatch.fnmatchcase(name, p) for p in patterns), name


def _plan_eu() -> Graph:
    from tests.conftest import plan_stack

    return plan_stack("dev", REPO, "aws:region=eu-west-1")


def test_roles_use_the_state_bucket_and_secrets_key_when_given(ci_graph: Graph) -> None:
    deploy = deploy_statements(ci_graph)
    key = next(s for s in deploy if s["Sid"] == "UseStackSecretsKey")
    # KMS authorizes on the key: an alias is matched by kms:ResourceAliases, never as Resource
    assert key["Resource"] == "arn:aws:kms:us-east-1:123456789012:key/*"
    assert key["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/pulumi"}}
    assert set(actions(key)) == {
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
    }
    write = next(s for s in deploy if s["Sid"] == "WriteStateOrLocks")
    assert write["Resource"] == "arn:aws:s3:::acme-pulumi-state/.pulumi/*"


def test_ci_roles_live_under_the_stacks_path(ci_graph: Graph) -> None:
    for role in roles(ci_graph).values():
        assert role.get("path") == "/fullstack/prod/"


def test_role_arns_are_exported_for_the_workflows(ci_graph: Graph) -> None:
    assert ci_graph.exports["ciPreviewRoleArn"] == roles(ci_graph)["preview"].outputs["arn"]
    assert ci_graph.exports["ciDeployRoleArn"] == roles(ci_graph)["deploy"].outputs["arn"]


def record_names(graph: Graph) -> list[str]:
    """The names the deploy role may change records of (its one ChangeResourceRecordSets grant)."""
    (changes,) = [
        s
        for s in deploy_statements(graph)
        if s["Effect"] == "Allow" and "route53:ChangeResourceRecordSets" in actions(s)
    ]
    condition = changes["Condition"]["ForAllValues:StringLike"]
    return list(condition["route53:ChangeResourceRecordSetsNormalizedRecordNames"])


def test_without_a_domain_the_deploy_role_may_change_no_dns_record(plan: PlanFn) -> None:
    """No domain, no record of ours: a record change anywhere in the account stays refused."""
    assert record_names(plan("dev", "githubRepo=acme/shop")) == ["no-domain.invalid"]
    with_domain = plan("dev", "githubRepo=acme/shop", "domain=example.com")
    assert record_names(with_domain) == ["example.com", "*.example.com"]
