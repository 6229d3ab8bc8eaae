"""The live stack's name and configuration (tests/live/stack_config.py), checked by the program
itself: the derived config runs through `__main__.py` under mocks like any stack's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stackctl.harness import PROJECT_ROOT, Graph, run_program
from tests.live.stack_config import (
    DROPPED,
    LiveConfigError,
    check_stack_name,
    default_stack_name,
    derive,
)

# Every key the derivation changes, set the way a team's dev stack might set them.
BUSY_SOURCE = """\
config:
  aws:region: eu-west-1
  fullstack:profile: lab
  fullstack:domain: example.com
  fullstack:hostedZoneId: Z0123456789ABC
  fullstack:albHttps: true
  fullstack:githubRepo: example/notes
  fullstack:githubOidcProvider: existing
  fullstack:stateBucket: example-pulumi-state
  fullstack:secretsKeyArn: arn:aws:kms:eu-west-1:123456789012:alias/pulumi
  fullstack:alarmEmail: ops@example.com
  fullstack:sleep: weekdays 08-20
  fullstack:deletionProtection: true
  fullstack:images: registry
  fullstack:imageTag: 0123abc
  fullstack:auth: open
  fullstack:flowLogs: true
  fullstack:api:
    count: 1
    maxCount: 3
"""


@pytest.fixture
def busy_root(tmp_path: Path) -> Path:
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.team.yaml").write_text(BUSY_SOURCE)
    return tmp_path


@pytest.mark.parametrize("user", ["ana", "Ana María", "first.last@corp", "x" * 40, "", "---"])
def test_the_default_name_is_a_valid_live_name_for_any_user(user: str) -> None:
    name = default_stack_name(user)
    assert check_stack_name(name) == name


NOT_LIVE = ["dev", "prod", "live", "live-", "live-Ana", "xlive-a", "live-a-"]


@pytest.mark.parametrize("name", NOT_LIVE)
def test_only_live_names_are_accepted(name: str) -> None:
    with pytest.raises(LiveConfigError, match="must start with 'live-'"):
        derive(name)


def test_a_long_name_is_refused() -> None:
    with pytest.raises(LiveConfigError, match="at most 20"):
        check_stack_name("live-" + "a" * 16)


def test_the_copy_keeps_sizes_and_region_and_changes_what_would_clash(busy_root: Path) -> None:
    config = derive("live-ana", source="team", root=busy_root)
    assert config.value("aws:region") == "eu-west-1"
    assert config.value("profile") == "lab"
    assert config.value("flowLogs") == "true"
    assert config.value("api") == '{"count": 1, "maxCount": 3}'  # as `pulumi config set` would
    assert config.value("auth") == "cognito"
    assert config.value("deletionProtection") == "false"
    assert config.value("images") == "build"
    assert sorted(config.dropped) == sorted(f"fullstack:{key}" for key in DROPPED)
    assert not any(config.value(key) for key in DROPPED)


def test_overrides_apply_last(busy_root: Path) -> None:
    config = derive("live-ana", source="team", overrides=["auth=open", "aws:region=us-east-2"],
                    root=busy_root)  # fmt: skip
    assert config.value("auth") == "open"
    assert config.value("aws:region") == "us-east-2"
    with pytest.raises(LiveConfigError, match="expected KEY=VALUE"):
        derive("live-ana", source="team", overrides=["auth"], root=busy_root)


def test_an_encrypted_value_is_refused_by_name(busy_root: Path) -> None:
    (busy_root / "Pulumi.team.yaml").write_text(
        BUSY_SOURCE + "  fullstack:vpcCidr:\n    secure: AAABAMSFA1xyz\n"
    )
    with pytest.raises(LiveConfigError, match=r"fullstack:vpcCidr in Pulumi.team.yaml"):
        derive("live-ana", source="team", root=busy_root)


def test_a_missing_source_is_named() -> None:
    with pytest.raises(LiveConfigError, match=r"no Pulumi.nosuch.yaml"):
        derive("live-ana", source="nosuch")


@pytest.fixture(scope="module")
def live_graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The program run with the live config derived from the busy source (on top of dev's
    file, which holds only keys the copy keeps)."""
    root = tmp_path_factory.mktemp("busy")
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "Pulumi.team.yaml").write_text(BUSY_SOURCE)
    config = derive("live-ana", source="team", root=root)
    return run_program("dev", extra_config=config.values)


def test_the_program_accepts_the_live_config_and_builds_a_throwaway_stack(
    live_graph: Graph,
) -> None:
    def count(type_token: str) -> int:
        return len(live_graph.of_type(type_token))

    assert count("aws:cognito/userPool:UserPool") == 1  # sign-in is checked for real
    assert count("awsx:ecr:Image") == 2  # images built from the working tree
    assert count("fullstack:ci:CiIdentity") == 0  # no CI roles, no OIDC provider
    assert count("fullstack:dns:Certificates") == 0  # no domain: CloudFront's own name
    assert count("fullstack:dns:SiteRecords") == 0
    assert count("aws:sns/topicSubscription:TopicSubscription") == 0  # nobody is mailed
    assert count("aws:scheduler/schedule:Schedule") == 0  # never asleep
    (cluster,) = live_graph.of_type("aws:rds/cluster:Cluster")
    assert cluster.get("deletionProtection") is False  # destroy deletes the data too
    assert cluster.get("skipFinalSnapshot") is True
