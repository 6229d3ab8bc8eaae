"""`python -m stackctl plan`: output, overrides, JSON, errors and speed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.config.reader import parse_settings
from stackctl.__main__ import main
from stackctl.cost import estimate
from stackctl.harness import PROJECT_ROOT, Graph, stack_config
from stackctl.plan import render_plan
from stackctl.plan_summary import override_sources, render_summary, settings_lines
from stackctl.plan_values import References, declared_type, show_number, show_value
from tests.conftest import PlanFn


def test_plan_prints_the_tree_counts_and_exports(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "Plan for stack 'dev'" in out
    assert (
        "└─ fullstack:network:Network  network" in out
        or "├─ fullstack:network:Network  network" in out
    )
    assert "aws:ec2:Instance  network-nat-instance  [ignores ami]  instanceType=t4g.nano" in out
    assert "     6  aws:ec2/subnet:Subnet" in out
    assert "vpcId:" in out


@pytest.mark.parametrize(("mode", "gateways"), [("gateway", 1), ("gatewayPerAz", 2)])
def test_set_overrides_config_for_one_run(
    capsys: pytest.CaptureFixture[str], mode: str, gateways: int
) -> None:
    assert main(["plan", "--stack", "prod", "--set", f"nat={mode}"]) == 0
    out = capsys.readouterr().out
    assert f"     {gateways}  aws:ec2/natGateway:NatGateway" in out
    assert "aws:ec2/instance:Instance" not in out


def test_json_writes_the_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plan.json"
    assert main(["plan", "--stack", "dev", "--json", str(target)]) == 0
    graph = json.loads(target.read_text())
    assert graph["stack"] == "dev"
    assert graph["counts"]["aws:ec2/subnet:Subnet"] == 6
    instance = next(r for r in graph["resources"] if r["type"] == "aws:ec2/instance:Instance")
    assert instance["options"]["ignoreChanges"] == ["ami"]
    assert instance["inputs"]["sourceDestCheck"] is False


def test_bad_config_exits_2_naming_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "dev", "--set", "nat=gatway"]) == 2
    err = capsys.readouterr().err
    assert 'fullstack:nat = "gatway" is not valid' in err and 'did you mean "gateway"' in err


def test_unknown_stack_lists_the_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "staging"]) == 2
    assert "stacks here: dev, prod" in capsys.readouterr().err


def test_dotted_override_sets_one_field_of_an_object() -> None:
    _, config = stack_config("dev", ["api.count=2", "api.maxCount=4"])
    assert json.loads(config["fullstack:api"]) == {"count": 2, "maxCount": 4}


@pytest.mark.parametrize("value", ["yes", "on", "1", "no"])
def test_set_values_are_strings_as_pulumi_config_set_stores_them(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """`pulumi config set flowLogs yes` stores the string "yes", which the program refuses."""
    _, config = stack_config("dev", [f"flowLogs={value}"])
    assert config["fullstack:flowLogs"] == value
    assert main(["plan", "--stack", "dev", "--set", f"flowLogs={value}"]) == 2
    assert f"fullstack:flowLogs = {json.dumps(value)} is not valid" in capsys.readouterr().err


def test_set_top_level_json_stays_a_string_the_program_parses() -> None:
    _, config = stack_config("dev", ['api={"count": 1}', "azCount=3"])
    assert config["fullstack:api"] == '{"count": 1}' and config["fullstack:azCount"] == "3"


def test_set_fields_are_typed_as_pulumi_config_set_path_types_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With --path, true/false become booleans and integers numbers; the rest stays text."""
    _, config = stack_config("dev", ["api.count=2", "api.spot=true", "worker.spot=yes"])
    assert json.loads(config["fullstack:api"]) == {"count": 2, "spot": True}
    assert json.loads(config["fullstack:worker"]) == {"spot": "yes"}
    assert main(["plan", "--stack", "dev", "--set", "api.spot=yes"]) == 2
    assert 'fullstack:api.spot = "yes" is not valid' in capsys.readouterr().err


def test_stack_files_are_read_as_pulumi_reads_them(tmp_path: Path) -> None:
    """Pulumi reads YAML 1.2: only true/false are booleans, `yes` is a string."""
    (tmp_path / "Pulumi.yaml").write_text("name: fullstack\n", encoding="utf-8")
    (tmp_path / "Pulumi.lab.yaml").write_text(
        "config:\n  fullstack:flowLogs: yes\n  fullstack:waf: true\n  fullstack:redis: False\n",
        encoding="utf-8",
    )
    _, config = stack_config("lab", root=tmp_path)
    assert config["fullstack:flowLogs"] == "yes"
    assert (config["fullstack:waf"], config["fullstack:redis"]) == ("true", "false")


def _graph_json(stack: str, overrides: list[str], full_imports: bool) -> dict[str, object]:
    env = {**os.environ, "STACKCTL_FULL_IMPORTS": "1" if full_imports else "0"}
    sets = [arg for override in overrides for arg in ("--set", override)]
    result = subprocess.run(
        [sys.executable, "-m", "stackctl", "plan", "--stack", stack, *sets, "--json", "-"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    graph = json.loads(result.stdout)
    for resource in graph["resources"]:  # the engine's dependency order is not deterministic
        resource["options"]["dependsOn"] = sorted(resource["options"]["dependsOn"])
    graph["resources"] = sorted(graph["resources"], key=lambda r: r["urn"])
    return dict(graph)


# One configuration that reaches every pulumi_aws package the program can use.
EVERY_PACKAGE = [
    "waf=true", "domain=example.com", "edge=public", "albHttps=true", "redis=true",
    "flowLogs=true", "images=build", "githubRepo=acme/shop", "dashboard=true",
]  # fmt: skip


@pytest.mark.parametrize(("stack", "overrides"), [("dev", EVERY_PACKAGE)])
def test_selective_imports_declare_exactly_what_full_imports_do(
    stack: str, overrides: list[str]
) -> None:
    """stackctl.selective_imports only saves time: the graph is the same to the last input."""
    assert _graph_json(stack, overrides, full_imports=False) == _graph_json(
        stack, overrides, full_imports=True
    )


# -- what the plan shows -------------------------------------------------------------------------


def _rendered(graph: Graph, *overrides: str) -> str:
    """The text `plan` prints for `graph` (tree, counts, exports and summary)."""
    return render_plan(graph, render_summary(graph, overrides, estimate(graph)))


def _tree_line(text: str, kind: str, name: str) -> str:
    """The one tree line of the resource of short type `kind` and logical name `name`."""
    found = [line for line in text.splitlines() if re.search(rf"[─] {kind}  {name}(  |$)", line)]
    assert len(found) == 1, (kind, name, found)
    return found[0]


def test_names_are_physical_and_references_name_their_resource(plan: PlanFn) -> None:
    graph = plan("dev")
    text = _rendered(graph)
    bucket = graph.named("storage-uploads", "aws:s3/bucket:Bucket")
    physical = bucket.get("bucket")
    assert physical.startswith("fullstack-dev-uploads-")
    # The bucket's own name is its name, never a pointer to itself.
    assert f"bucket={physical}  " in _tree_line(text, "aws:s3:Bucket", "storage-uploads")
    # Another resource's reference: the physical name, then the logical name in brackets.
    policy = _tree_line(text, "aws:s3:BucketPolicy", "storage-uploads")
    assert f"bucket={physical} (storage-uploads)" in policy
    vpc = graph.named("network-vpc")
    assert f"vpcId={vpc.id} (network-vpc)" in _tree_line(
        text, "aws:ec2:RouteTable", "network-public-rt"
    )
    assert vpc.id.startswith("vpc-")
    rule = _tree_line(text, "aws:vpc:SecurityGroupIngressRule", "database-from-api")
    assert f"securityGroupId={graph.named('database-sg').id} (database-sg)" in rule
    log_group = graph.named("api-logs")
    assert f"name={log_group.get('name')}  " in _tree_line(
        text, "aws:cloudwatch:LogGroup", "api-logs"
    )
    assert "->" not in text.split("Resources by type:")[0]


def test_no_resource_is_shown_as_a_reference_to_itself(stack_graph: Graph) -> None:
    """An input holding the resource's own id (its name) shows bare; one holding another
    resource's id names that resource. Checked on every input of every resource."""
    refs = References(stack_graph)
    own, others = 0, 0
    for resource in stack_graph.custom_resources():
        for key, value in resource.inputs.items():
            if not isinstance(value, str) or value not in refs.owner:
                continue
            shown = show_value(value, None, refs, resource)
            if refs.owner[value].urn == resource.urn:
                own += 1
                assert shown == value, (resource.name, key)
            else:
                others += 1
                assert shown == f"{value} ({refs.owner[value].name})", (resource.name, key)
    assert own > 10 and others > 50  # buckets, log groups, roles ... name themselves


# Inputs pulumi_aws declares as floats, among those the plan shows: they keep a decimal point.
FLOAT_INPUTS = {"threshold", "minCapacity", "maxCapacity"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_integers_print_as_integers_and_floats_as_floats(plan: PlanFn, stack: str) -> None:
    graph = plan(stack, "flowLogs=true", "redis=true", "waf=true", "alarms=true", "ingress=alb")
    text = _rendered(graph).split("Resources by type:")[0]
    assert "fromPort=5432  toPort=5432" in text
    assert re.search(r"retentionInDays=(7|30)\s", text)
    shown = re.findall(r"(?:^|[\s.])([A-Za-z]+)=(-?\d+\.\d+)(?=[\s,\]]|$)", text, re.M)
    assert len(shown) > 5
    for key, number in shown:
        if number.endswith(".0"):
            assert key in FLOAT_INPUTS, f"{key}={number} is an integer input shown as a float"
    assert re.search(r"threshold=85\.0\b", text)
    acu = "minCapacity=0.0" if stack == "dev" else "minCapacity=0.5"
    assert f"serverlessv2ScalingConfiguration.{acu}" in text
    assert re.search(r"serverlessv2ScalingConfiguration\.maxCapacity=\d+\.0\b", text)
    assert re.search(r"secondsUntilAutoPause=300\b", text) or stack == "prod"
    assert re.search(r"desiredCount=\d+\s", text) and "desiredCount=0.0" not in text


def test_number_types_come_from_pulumi_aws(plan: PlanFn) -> None:
    plan("dev")  # loads the modules the program uses
    rule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    assert declared_type(rule, "fromPort") == "int"
    cluster = "aws:rds/cluster:Cluster"
    assert declared_type(cluster, "serverlessv2ScalingConfiguration.maxCapacity") == "float"
    assert declared_type(cluster, "serverlessv2ScalingConfiguration.secondsUntilAutoPause") == "int"
    assert declared_type("aws:cloudwatch/metricAlarm:MetricAlarm", "threshold") == "float"
    assert declared_type("random:index/randomPassword:RandomPassword", "length") == "int"
    # a folder named like a Python keyword: aws:lambda/... is pulumi_aws.lambda_
    assert declared_type("aws:lambda/function:Function", "memorySize") == "int"
    assert declared_type("aws:ecs/service:Service", "noSuchInput") is None
    assert (show_number(5432.0, "int"), show_number(1.0, "float"), show_number(0.5, "float")) == (
        "5432",
        "1.0",
        "0.5",
    )
    assert (show_number(7.0, None), show_number(1.5, None)) == ("7", "1.5")


def _summary(text: str) -> str:
    return text[text.index("\nSummary\n") :]


def test_summary_marks_overrides_with_their_source(plan: PlanFn, tmp_path: Path) -> None:
    graph = plan("prod", "nat=gateway", "api.count=3", "api.maxCount=6")
    summary = _summary(_rendered(graph, "nat=gateway", "api.count=3", "api.maxCount=6"))
    assert re.search(r"^  \* nat +gateway   \(--set; mvp default: instance\)$", summary, re.M)
    assert re.search(
        r"^  \* api +256/512 x3 \(up to 6\)   \(--set; mvp default: 256/512 x2", summary, re.M
    )
    assert re.search(r"^    redis +true$", summary, re.M)  # a default: not marked
    assert re.search(r"^  \* profile +mvp   \(Pulumi.prod.yaml\)$", summary, re.M)
    # A key the stack file sets is marked with the file as its source.
    (tmp_path / "Pulumi.yaml").write_text("name: fullstack\n", encoding="utf-8")
    (tmp_path / "Pulumi.prod.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  fullstack:profile: mvp\n  fullstack:waf: true\n",
        encoding="utf-8",
    )
    sources = override_sources(graph, ["nat=gateway"], root=tmp_path)
    assert (sources["waf"], sources["nat"]) == ("Pulumi.prod.yaml", "--set")
    settings = parse_settings(graph.project, "prod", {**graph.config, "fullstack:waf": "true"})
    lines = settings_lines(settings, sources)
    assert any(
        re.match(r"^  \* waf +true   \(Pulumi.prod.yaml; mvp default: false\)$", x) for x in lines
    )


def test_summary_marks_derived_values(plan: PlanFn) -> None:
    summary = _summary(_rendered(plan("dev", "nat=none"), "nat=none"))
    assert re.search(
        r"^  ~ interfaceEndpoints +true   \(derived; lab default: false\)$", summary, re.M
    )
    assert re.search(r"^  ~ dbAutoPauseSeconds +300 ", summary, re.M)


# Images CI pushed, their tag in the stack's image tag parameter: the services run.
DEPLOYED = ("images=registry", "@imageTag=abc123")


def _total(text: str) -> str:
    match = re.search(r"^Monthly cost \(idle, us-east-1\): \$(\d+\.\d\d) ", text, re.M)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize(
    ("stack", "overrides"),
    [("dev", [*DEPLOYED]), ("prod", [*DEPLOYED, "nat=gateway"])],
)
def test_cost_total_is_stackctl_costs_total(
    capsys: pytest.CaptureFixture[str], stack: str, overrides: list[str]
) -> None:
    sets = [arg for override in overrides for arg in ("--set", override)]
    assert main(["plan", "--stack", stack, *sets]) == 0
    text = capsys.readouterr().out
    assert f"  itemized: python -m stackctl cost --stack {stack} {' '.join(sets)}\n" in text
    assert main(["cost", "--stack", stack, *sets, "--json"]) == 0
    cost = json.loads(capsys.readouterr().out)["stacks"][0]["totalMonthlyUsd"]
    assert _total(text) == f"{cost:.2f}"


# Registry images, no image tag parameter yet: the services are parked.
PARKED = ("images=registry",)


def test_parked_stack_says_its_total_has_no_tasks(plan: PlanFn) -> None:
    graph = plan("dev", *PARKED)
    summary = _summary(_rendered(graph, *PARKED))
    assert _total(summary) == f"{estimate(graph).total_monthly:.2f}"
    assert "services parked at 0 tasks; `stackctl cost` prices them running" in summary


def test_the_summary_shows_which_tag_the_services_would_run_and_from_where(plan: PlanFn) -> None:
    deployed = _summary(_rendered(plan("prod", *DEPLOYED), *DEPLOYED))
    assert "Image tag: abc123 (what /fullstack/prod/release/image-tag holds; CI writes it)" in (
        deployed
    )
    parked = _summary(_rendered(plan("dev", *PARKED), *PARKED))
    assert "Image tag: none: /fullstack/dev/release/image-tag names no tag yet" in parked
    built = _summary(_rendered(plan("dev", "images=build"), "images=build"))
    assert "Images: built by `pulumi up` and tagged by content" in built


def _tasks(summary: str) -> dict[str, str]:
    block = summary[summary.index("Tasks after `pulumi up`") :].splitlines()[1:4]
    return {line.split()[0]: " ".join(line.split()[1:]) for line in block}


def test_task_counts_and_why_a_service_is_at_zero(plan: PlanFn) -> None:
    parked = _tasks(_summary(_rendered(plan("dev", *PARKED), *PARKED)))
    assert parked["api"].startswith(
        "0 tasks parked: images is registry and the image tag parameter names no tag yet"
    )
    assert parked["web"].startswith("0 tasks parked:")
    assert parked["worker"] == "0 tasks off: worker.enabled is false (the lab profile's default)"

    running = _tasks(_summary(_rendered(plan("prod", *DEPLOYED), *DEPLOYED)))
    assert running["api"] == "2-4 tasks autoscaling on CPU; on Fargate Spot"
    assert running["worker"] == "1 task on Fargate Spot"

    sets = (*DEPLOYED, "sleep=weekdays 08-20", "api.count=0", "api.minCount=0")
    asleep = _tasks(_summary(_rendered(plan("dev", *sets), *sets)))
    assert asleep["api"] == "0 tasks api.count is 0"
    assert asleep["web"] == "1 task on Fargate Spot; awake weekdays 08-20, 0 tasks outside (sleep)"
    disabled = (*DEPLOYED, "worker.enabled=false")
    assert _tasks(_summary(_rendered(plan("prod", *disabled), *disabled)))["worker"] == (
        "0 tasks off: worker.enabled is false (--set)"
    )


# -- output: stdout, files, errors ---------------------------------------------------------------


def test_unwritable_json_path_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in (tmp_path / "missing" / "plan.json", tmp_path):
        assert main(["plan", "--stack", "dev", "--json", str(target)]) == 1
        captured = capsys.readouterr()
        assert captured.err.splitlines() == [
            f"plan: cannot write --json {target}: "
            + ("No such file or directory" if target != tmp_path else "Is a directory")
        ]
        assert captured.out == ""


def test_relative_json_path_is_from_the_callers_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKCTL_CALLER_CWD", str(tmp_path))
    assert main(["plan", "--stack", "dev", "--json", "out/../plan-dev.json"]) == 0
    assert json.loads((tmp_path / "plan-dev.json").read_text())["stack"] == "dev"
    assert capsys.readouterr().err.splitlines()[-1] == f"wrote {tmp_path / 'plan-dev.json'}"


def test_scripts_plan_resolves_from_the_caller_and_keeps_stdout_json(tmp_path: Path) -> None:
    script = PROJECT_ROOT / "scripts" / "plan"
    result = subprocess.run(
        [str(script), "--stack", "dev", "--json", "plan-dev.json"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "plan-dev.json").read_text())["stack"] == "dev"
    assert f"wrote {tmp_path / 'plan-dev.json'}" in result.stderr
    assert not (PROJECT_ROOT / "plan-dev.json").exists()
    result = subprocess.run(
        [str(script), "--stack", "dev", "--json", "-"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout)["stack"] == "dev"


def test_closed_stdout_is_one_line_not_a_traceback() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "stackctl", "plan", "--stack", "dev"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the plan is written, as `| head -1` can
    err = process.stderr.read()
    assert process.wait() == 1
    assert err.splitlines() == ["plan: stdout closed before the plan was written in full"]


def test_setup_messages_go_to_stderr_on_the_first_run(tmp_path: Path) -> None:
    """A first run of _venv.sh (create .venv, install) writes nothing to stdout, and shows
    progress on stderr: what it installs and how long it took."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(PROJECT_ROOT / "scripts" / "_venv.sh", tmp_path / "scripts" / "_venv.sh")
    (tmp_path / "requirements.txt").write_text("# nothing to install\n", encoding="utf-8")
    result = subprocess.run(
        ["bash", "-c", "source scripts/_venv.sh && ensure_venv requirements.txt && echo READY"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "READY\n"
    assert "==> creating .venv with Python 3." in result.stderr
    assert "==> installing requirements.txt into .venv" in result.stderr
    assert re.search(r"==> installed requirements.txt in \d+ s", result.stderr)
