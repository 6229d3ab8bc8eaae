"""The `images` dial: images from the registry CI pushes to, or built by `pulumi up` (awsx)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.compute.registry import PROJECT_ROOT, content_tag
from stackctl.harness import Graph
from tests.compute_helpers import REPOSITORY, container, services, task_definitions
from tests.conftest import PlanFn

IMAGE = "awsx:ecr:Image"
SCALABLE_TARGET = "aws:appautoscaling/target:Target"
BUILD = ("images=build", "worker.enabled=true")


def repository_urls(graph: Graph) -> dict[str, str]:
    return {
        r.get("name").split("/")[-1]: r.outputs["repositoryUrl"] for r in graph.of_type(REPOSITORY)
    }


def built(graph: Graph) -> dict[str, dict[str, str]]:
    """The awsx images by the repository they push to ("api", "web"): inputs and imageUri."""
    urls = {url: name for name, url in repository_urls(graph).items()}
    return {
        urls[image.get("repositoryUrl")]: {**image.inputs, "imageUri": image.outputs["imageUri"]}
        for image in graph.of_type(IMAGE)
    }


def images(graph: Graph) -> dict[str, str]:
    return {family: container(task)["image"] for family, task in task_definitions(graph).items()}


# -- images: build ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_build_mode_builds_the_api_and_web_images_once_each(plan: PlanFn, stack: str) -> None:
    graph = plan(stack, *BUILD)
    assert sorted(built(graph)) == ["api", "web"]
    assert len(graph.of_type(IMAGE)) == 2


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_task_definitions_run_the_built_images_and_worker_and_migration_the_api_image(
    plan: PlanFn, stack: str
) -> None:
    graph = plan(stack, *BUILD)
    uris = {name: image["imageUri"] for name, image in built(graph).items()}
    urls = repository_urls(graph)
    assert uris["api"].startswith(f"{urls['api']}@sha256:")
    assert uris["web"].startswith(f"{urls['web']}@sha256:")
    assert images(graph) == {
        "api": uris["api"],
        "web": uris["web"],
        "worker": uris["api"],
        "migrate": uris["api"],
    }


@pytest.mark.parametrize(
    ("architecture", "platform"), [("ARM64", "linux/arm64"), ("X86_64", "linux/amd64")]
)
def test_build_platform_follows_cpu_architecture(
    plan: PlanFn, architecture: str, platform: str
) -> None:
    graph = plan("dev", "images=build", f"cpuArchitecture={architecture}")
    assert {image["platform"] for image in built(graph).values()} == {platform}
    for task in task_definitions(graph).values():
        assert task.get("runtimePlatform")["cpuArchitecture"] == architecture


def test_build_contexts_are_the_app_directories_with_their_dockerfiles(plan: PlanFn) -> None:
    found = built(plan("dev", *BUILD))
    for name in ("api", "web"):
        assert found[name]["context"] == f"app/{name}"
        assert found[name]["dockerfile"] == f"app/{name}/Dockerfile"
        assert (PROJECT_ROOT / found[name]["dockerfile"]).is_file()


def test_built_images_are_tagged_by_the_content_of_their_context(plan: PlanFn) -> None:
    for name, image in built(plan("dev", *BUILD)).items():
        context = PROJECT_ROOT / "app" / name
        assert image["imageTag"] == content_tag(context, context / "Dockerfile", "linux/arm64")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_build_mode_runs_the_services_at_their_counts_without_parking(
    plan: PlanFn, stack: str
) -> None:
    graph = plan(stack, *BUILD)
    counts = {"dev": {"api": 1, "web": 1, "worker": 1}, "prod": {"api": 2, "web": 2, "worker": 1}}
    assert {n: s.get("desiredCount") for n, s in services(graph).items()} == counts[stack]
    for target in graph.of_type(SCALABLE_TARGET):  # prod autoscales api and web
        assert (target.get("minCapacity"), target.get("maxCapacity")) == (2, 4), target.name
    assert len(graph.of_type(SCALABLE_TARGET)) == (2 if stack == "prod" else 0)
    assert not any("0 tasks (parked)" in log for log in graph.logs)
    assert graph.exports["imageTag"] == ""


# -- images: registry (the default) ------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_registry_mode_builds_nothing_and_deploys_the_image_tag(plan: PlanFn, stack: str) -> None:
    graph = plan(stack, "images=registry", "worker.enabled=true", "@imageTag=3f9c2a1")
    assert graph.of_type(IMAGE) == []
    urls = repository_urls(graph)
    assert images(graph) == {
        "api": f"{urls['api']}:3f9c2a1",
        "web": f"{urls['web']}:3f9c2a1",
        "worker": f"{urls['api']}:3f9c2a1",
        "migrate": f"{urls['api']}:3f9c2a1",
    }
    assert all(s.get("desiredCount") >= 1 for s in services(graph).values())


def test_registry_mode_without_image_tag_parks_the_services(plan: PlanFn) -> None:
    graph = plan("prod")
    assert graph.of_type(IMAGE) == []
    assert {s.get("desiredCount") for s in services(graph).values()} == {0}


def test_the_default_plan_never_imports_pulumi_awsx() -> None:
    """`stackctl plan` must stay under 3 s: awsx is imported only with `images: build`."""
    script = (
        "import sys; from stackctl.harness import run_program; run_program('prod'); "
        "print('pulumi_awsx' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


# -- content tags ---------------------------------------------------------------------------------


def make_context(root: Path) -> Path:
    context = root / "app"
    (context / "src").mkdir(parents=True)
    (context / "node_modules" / "dep").mkdir(parents=True)
    (context / "Dockerfile").write_text("FROM scratch\nCOPY src /src\n")
    (context / ".dockerignore").write_text("node_modules\n**/*.pyc\nDockerfile\n")
    (context / "src" / "main.py").write_text("print('hello')\n")
    (context / "node_modules" / "dep" / "index.js").write_text("1\n")
    return context


def tag_of(context: Path, platform: str = "linux/arm64") -> str:
    return content_tag(context, context / "Dockerfile", platform)


def test_content_tag_changes_when_a_source_file_changes(tmp_path: Path) -> None:
    context = make_context(tmp_path)
    before = tag_of(context)
    assert tag_of(context) == before, "the same sources must give the same tag"
    (context / "src" / "main.py").write_text("print('bye')\n")
    assert tag_of(context) != before


def test_content_tag_ignores_what_dockerignore_leaves_out(tmp_path: Path) -> None:
    context = make_context(tmp_path)
    before = tag_of(context)
    (context / "node_modules" / "dep" / "index.js").write_text("2\n")
    (context / "src" / "cache.pyc").write_bytes(b"\0")
    assert tag_of(context) == before


def test_content_tag_changes_with_the_dockerfile_and_the_platform(tmp_path: Path) -> None:
    context = make_context(tmp_path)
    before = tag_of(context)
    assert tag_of(context, "linux/amd64") != before
    (context / "Dockerfile").write_text("FROM scratch\nCOPY src /app\n")
    assert tag_of(context) != before
