"""Registry: ECR repositories with scanning, immutable tags and a lifecycle policy."""

from __future__ import annotations

import json

import pytest

from components.compute.registry import lifecycle_policy
from stackctl.harness import Graph
from tests.compute_helpers import LIFECYCLE, REPOSITORY, container, task_definitions
from tests.conftest import PlanFn


def test_one_repository_per_image_api_and_web(stack_graph: Graph) -> None:
    names = sorted(r.get("name") for r in stack_graph.of_type(REPOSITORY))
    assert names == [f"fullstack-{stack_graph.stack}/api", f"fullstack-{stack_graph.stack}/web"]


def test_repositories_scan_on_push_and_have_immutable_tags(stack_graph: Graph) -> None:
    for repo in stack_graph.of_type(REPOSITORY):
        assert repo.get("imageScanningConfiguration") == {"scanOnPush": True}
        assert repo.get("imageTagMutability") == "IMMUTABLE"


@pytest.mark.parametrize(("stack", "keep"), [("dev", 10), ("prod", 30)])
def test_lifecycle_expires_untagged_after_7_days_and_keeps_the_last_n_tagged(
    plan: PlanFn, stack: str, keep: int
) -> None:
    graph = plan(stack)
    policies = graph.of_type(LIFECYCLE)
    assert len(policies) == 2
    for policy in policies:
        untagged, tagged = json.loads(policy.get("policy"))["rules"]
        assert untagged["selection"]["tagStatus"] == "untagged"
        assert untagged["selection"]["countType"] == "sinceImagePushed"
        assert untagged["selection"]["countNumber"] == 7
        assert tagged["selection"]["tagStatus"] == "tagged"
        assert tagged["selection"]["countType"] == "imageCountMoreThan"
        assert tagged["selection"]["countNumber"] == keep


def test_keep_tagged_is_a_dial(plan: PlanFn) -> None:
    for policy in plan("dev", "ecrKeepTagged=3").of_type(LIFECYCLE):
        assert json.loads(policy.get("policy"))["rules"][1]["selection"]["countNumber"] == 3


def test_lifecycle_rule_priorities_are_unique() -> None:
    rules = json.loads(lifecycle_policy(5, 7))["rules"]
    assert len({r["rulePriority"] for r in rules}) == len(rules)


@pytest.mark.parametrize(("stack", "force"), [("dev", True), ("prod", False)])
def test_force_delete_only_without_deletion_protection(
    plan: PlanFn, stack: str, force: bool
) -> None:
    for repo in plan(stack).of_type(REPOSITORY):
        assert repo.get("forceDelete") is force


def test_images_come_from_these_repositories_at_the_image_tag(plan: PlanFn) -> None:
    graph = plan("dev", "images=registry", "worker.enabled=true", "@imageTag=3f9c2a1")
    urls = {
        r.get("name").split("/")[-1]: r.outputs["repositoryUrl"] for r in graph.of_type(REPOSITORY)
    }
    images = {family: container(t)["image"] for family, t in task_definitions(graph).items()}
    assert images["api"] == f"{urls['api']}:3f9c2a1"
    assert images["web"] == f"{urls['web']}:3f9c2a1"
    # The worker and the migration run the api image.
    assert images["worker"] == images["api"]
    assert images["migrate"] == images["api"]
