"""The image tag comes from the stack's Parameter Store parameter, which CI writes, not config.

Under the mocks, `@imageTag=<value>` is what the parameter holds (stackctl/harness.py); without
it there is no parameter yet. The program's read goes through the engine's invoke path (the
mocks' `call`), so what is asserted is what the program does with the provider's answer.
"""

from __future__ import annotations

import pulumi
import pytest

from components.compute.deployed_tag import NOT_DEPLOYED
from components.kit.naming import Naming
from stackctl.harness import Graph, ProgramError, Resource, run_program
from tests.compute_helpers import container, services, task_definitions
from tests.conftest import PlanFn

BY_PATH = "aws:ssm/getParametersByPath:getParametersByPath"
PARAMETER = "aws:ssm/parameter:Parameter"
NAME = Naming("fullstack", "prod").image_tag_parameter  # /fullstack/prod/release/image-tag


def tag_parameter(graph: Graph) -> Resource:
    (found,) = [r for r in graph.of_type(PARAMETER) if r.get("name") == NAME]
    return found


def parked_notices(graph: Graph) -> list[str]:
    return [log for log in graph.logs if "0 tasks (parked)" in log]


def test_the_program_reads_the_stacks_tag_path_and_runs_that_tag(plan: PlanFn) -> None:
    graph = plan("prod", "@imageTag=3f9c2a1")
    reads = [args for token, args in graph.calls if token == BY_PATH]
    assert reads == [
        {"path": "/fullstack/prod/release", "recursive": False, "withDecryption": False}
    ]
    images = {family: container(t)["image"] for family, t in task_definitions(graph).items()}
    assert images and all(image.endswith(":3f9c2a1") for image in images.values()), images
    assert all(s.get("desiredCount") > 0 for s in services(graph).values())
    assert graph.exports["imageTag"] == "3f9c2a1"
    assert graph.exports["imageTagParameter"] == NAME
    assert not parked_notices(graph)


@pytest.mark.parametrize(
    ("overrides", "why"),
    [((), "does not exist yet"), ((f"@imageTag={NOT_DEPLOYED}",), "says 'none'")],
)
def test_no_tag_in_the_parameter_parks_the_services_and_says_where_to_write_it(
    plan: PlanFn, overrides: tuple[str, ...], why: str
) -> None:
    graph = plan("prod", *overrides)
    assert {n: s.get("desiredCount") for n, s in services(graph).items()} == {
        "api": 0,
        "web": 0,
        "worker": 0,
    }
    (notice,) = parked_notices(graph)
    assert NAME in notice and why in notice and "docs/ci.md" in notice
    assert graph.exports["imageTag"] == ""


@pytest.mark.parametrize("value", ["latest", "bad tag", "-x"])
def test_a_value_that_names_no_image_is_refused_naming_parameter_and_value(value: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program("prod", [f"@imageTag={value}"])
    assert isinstance(caught.value.error, pulumi.RunError)
    message = str(caught.value.error)
    assert NAME in message and repr(value) in message and "git SHA" in message
    assert "aws ssm put-parameter" in message
    assert not caught.value.graph.of_type("aws:ecs/service:Service")  # before the services


def test_image_tag_in_config_is_refused_before_any_resource() -> None:
    with pytest.raises(ProgramError) as caught:
        run_program("prod", ["@imageTag=3f9c2a1", "imageTag=3f9c2a1"])
    message = str(caught.value.error)
    assert 'fullstack:imageTag = "3f9c2a1" is not read' in message and NAME in message
    assert caught.value.graph.resources == []


@pytest.mark.parametrize(
    ("overrides", "initial"), [((), NOT_DEPLOYED), (("@imageTag=3f9c2a1",), "3f9c2a1")]
)
def test_the_stack_owns_the_parameter_and_ci_owns_its_value(
    plan: PlanFn, overrides: tuple[str, ...], initial: str
) -> None:
    parameter = tag_parameter(plan("prod", *overrides))
    # created with what was read (so a parameter CI wrote first is overwritten with its own
    # value, never with `none`), and from then on its value is CI's
    assert parameter.get("insecureValue") == initial
    assert parameter.get("overwrite") is True
    assert parameter.ignore_changes == ["insecureValue"]
    assert parameter.secret_inputs == []
    assert "value" not in parameter.inputs


def test_the_parameters_other_inputs_never_change_with_the_tag(plan: PlanFn) -> None:
    # an update of the resource is PutParameter with the value in the state: any input that
    # changed between two `up`s would write an old tag back over CI's
    def fixed(graph: Graph) -> dict[str, object]:
        inputs = dict(tag_parameter(graph).inputs)
        inputs.pop("insecureValue")
        return inputs

    first, deployed, other = (
        plan("prod"),
        plan("prod", "@imageTag=3f9c2a1"),
        plan("prod", "@imageTag=abc1234"),
    )
    assert fixed(first) == fixed(deployed) == fixed(other)
    assert fixed(first)["type"] == "String" and fixed(first)["tier"] == "Standard"


def test_images_build_reads_no_parameter_and_creates_none(plan: PlanFn) -> None:
    graph = plan("dev", "images=build")
    assert not [token for token, _ in graph.calls if token == BY_PATH]
    assert not [r for r in graph.of_type(PARAMETER) if "/release/" in str(r.get("name"))]
    assert "imageTagParameter" not in graph.exports
