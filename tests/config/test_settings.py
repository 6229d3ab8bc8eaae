"""Settings: profile defaults, every rule with one passing and one failing value."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pulumi
import pytest

from components.config.reader import SettingsError, parse_settings
from components.config.settings import AWS_PROVIDER_KEYS, KNOWN_KEYS, PROFILES, Settings
from components.config.values import ServiceSize
from stackctl.harness import ProgramError, run_program

P = "fullstack"


def settings(profile: str = "lab", **values: str) -> Settings:
    raw = {"aws:region": "us-east-1", f"{P}:profile": profile}
    raw.update({f"{P}:{key}": value for key, value in values.items()})
    return parse_settings(P, "dev", raw)


def problems(profile: str = "lab", **values: str) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        settings(profile, **values)
    return caught.value.problems


# -- profiles -----------------------------------------------------------------------------------


def test_lab_profile_defaults_match_the_design_table() -> None:
    lab = settings("lab")
    assert (lab.nat, lab.az_count, lab.vpc_cidr) == ("instance", 2, "10.0.0.0/16")
    assert lab.fargate_spot and lab.ecs_exec and not lab.autoscaling
    assert (lab.db_min_acu, lab.db_max_acu, lab.db_auto_pause_seconds) == (0, 2, 300)
    assert not lab.redis and not lab.flow_logs and not lab.deletion_protection
    assert (lab.log_retention_days, lab.backup_retention_days) == (7, 1)
    assert lab.api == ServiceSize(256, 512, 1, 1, 2)
    assert not lab.worker.enabled
    assert lab.cpu_architecture == "ARM64" and lab.edge == "vpcOrigin"


def test_mvp_profile_defaults_match_the_design_table() -> None:
    mvp = settings("mvp")
    # issue 25: Spot beyond one on-demand api and web task, no dashboard (docs/design.md)
    assert mvp.fargate_spot and not mvp.ecs_exec and mvp.autoscaling
    assert (mvp.db_min_acu, mvp.db_max_acu, mvp.db_auto_pause_seconds) == (0.5, 4, None)
    assert mvp.redis and mvp.flow_logs and mvp.deletion_protection and not mvp.dashboard
    assert not mvp.container_insights, "a departure from the first plan: docs/design.md"
    assert mvp.worker.runs_on_spot(mvp.fargate_spot) and mvp.api.runs_on_spot(mvp.fargate_spot)
    assert (mvp.nat_address, mvp.app_secret_store) == ("elasticIp", "parameterStore")
    assert (mvp.log_retention_days, mvp.backup_retention_days) == (30, 7)
    assert mvp.api.count == 2 and mvp.web.count == 2
    assert mvp.worker.enabled and mvp.worker.count == 1


def test_both_profiles_define_every_defaulted_key() -> None:
    assert set(PROFILES["lab"]) == set(PROFILES["mvp"])
    assert set(PROFILES["lab"]) < KNOWN_KEYS


def test_every_key_can_be_overridden_on_its_own() -> None:
    lab = settings("lab", nat="gateway", redis="true", fargateSpot="false", waf="true")
    assert (lab.nat, lab.redis, lab.fargate_spot, lab.waf) == ("gateway", True, False, True)
    assert lab.profile == "lab" and lab.db_min_acu == 0


def test_profile_is_required() -> None:
    raw = {"aws:region": "us-east-1"}
    with pytest.raises(SettingsError) as caught:
        parse_settings(P, "dev", raw)
    assert any(
        "fullstack:profile is required" in p and "lab, mvp" in p for p in caught.value.problems
    )


def test_bad_profile_names_the_allowed_values() -> None:
    (problem,) = problems("prod")
    assert 'fullstack:profile = "prod"' in problem and "allowed: lab, mvp" in problem


def test_region_is_required() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(P, "dev", {f"{P}:profile": "lab"})
    assert any(p.startswith("aws:region is required") for p in caught.value.problems)


# -- unknown keys and reporting -----------------------------------------------------------------


def test_unknown_key_suggests_the_closest_known_key() -> None:
    (problem,) = problems(natt="gateway")
    assert "fullstack:natt is not a setting" in problem and 'did you mean "nat"' in problem


def test_keys_of_other_namespaces_are_not_ours_to_judge() -> None:
    raw = {"aws:region": "us-east-1", f"{P}:profile": "lab", "aws:profile": "work"}
    assert parse_settings(P, "dev", raw).region == "us-east-1"


def test_a_misspelled_aws_provider_key_gets_a_suggestion() -> None:
    """The provider ignores keys it does not know: `aws:regon` would deploy to the default."""
    raw = {"aws:region": "us-east-1", f"{P}:profile": "lab", "aws:regon": "eu-west-1"}
    with pytest.raises(SettingsError) as caught:
        parse_settings(P, "dev", raw)
    (problem,) = caught.value.problems
    assert "aws:regon is not a setting of the AWS provider" in problem
    assert 'did you mean "aws:region"' in problem


def test_aws_provider_keys_are_the_ones_the_pinned_provider_reads() -> None:
    """The list in settings.py is pulumi_aws/config/vars.py's, key for key."""
    import pulumi_aws

    vars_py = Path(pulumi_aws.__file__).parent / "config" / "vars.py"
    read = set(re.findall(r"__config__\.get\w*\('(\w+)'", vars_py.read_text(encoding="utf-8")))
    assert read and read == AWS_PROVIDER_KEYS


def test_settings_errors_are_run_errors_so_pulumi_prints_only_the_message() -> None:
    """The Python language host logs a RunError's text; anything else gets a traceback."""
    with pytest.raises(pulumi.RunError):
        settings(nat="nope")


def test_the_program_raises_the_run_error_itself() -> None:
    """Through `__main__.py`, unwrapped: what the language host sees is the RunError."""
    with pytest.raises(ProgramError) as caught:
        run_program("dev", ["natt=gateway", "aws:regon=eu-west-1"])
    assert isinstance(caught.value.error, pulumi.RunError)
    assert 'did you mean "aws:region"' in str(caught.value.error)


def test_all_problems_are_reported_together() -> None:
    found = problems(nat="gatway", vpcCidr="10.0.0.0/8", azCount="5", redisNodeTyp="x")
    assert len(found) == 4
    assert {p.split(" ")[0] for p in found} == {
        "fullstack:nat",
        "fullstack:vpcCidr",
        "fullstack:azCount",
        "fullstack:redisNodeTyp",
    }


def test_error_message_names_stack_and_how_to_fix() -> None:
    with pytest.raises(SettingsError) as caught:
        settings(nat="nope")
    text = str(caught.value)
    assert "stack 'dev' has 1 configuration problem:" in text
    assert "Pulumi.dev.yaml" in text


# -- one rule each: a value that passes, a value that fails ---------------------------------------

RULES = [
    # key, good value, bad value, fragment of the message for the bad value
    ("nat", "gatewayPerAz", "gatway", "allowed: none, instance, gateway, gatewayPerAz"),
    ("natAddress", "elasticIp", "eip", "allowed: elasticIp, instanceIp"),
    ("appSecretStore", "secretsManager", "ssm", "allowed: parameterStore, secretsManager"),
    ("alarms", "true", "yes", "allowed: true, false"),
    ("ingress", "alb", "nlb", "allowed: alb, httpApi"),
    ("edge", "public", "private", "allowed: vpcOrigin, public"),
    ("cpuArchitecture", "X86_64", "arm64", 'did you mean "ARM64"'),
    ("azCount", "3", "4", "allowed: a whole number from 2 to 3"),
    ("vpcCidr", "172.20.0.0/18", "10.0.0.0/8", "outside /16 to /20"),
    ("vpcCidr", "192.168.0.0/20", "10.0.0.0/21", "outside /16 to /20"),
    ("vpcCidr", "10.1.0.0/16", "10.0.0.1/16", "host bits set"),
    ("vpcCidr", "10.2.0.0/16", "8.8.0.0/16", "private range"),
    ("vpcCidr", "10.3.0.0/16", "not-a-cidr", "allowed: a private IPv4 CIDR"),
    ("natInstanceType", "t4g.micro", "t3.nano", "Graviton (arm64)"),
    ("interfaceEndpoints", "true", "yes", "allowed: true, false"),
    ("flowLogs", "false", "1", "allowed: true, false"),
    ("domain", "example.com", "https://example.com", "DNS name"),
    ("fargateSpot", "false", "maybe", "allowed: true, false"),
    ("dbMinAcu", "0.5", "0.25", "0 to 256 in steps of 0.5"),
    ("dbMaxAcu", "8", "0.5", "1 to 256 in steps of 0.5"),
    ("dbMaxAcu", "256", "300", "1 to 256 in steps of 0.5"),
    ("dbReaders", "15", "16", "from 0 to 15"),
    ("dbEngineVersion", "16.4", "16", "MAJOR.MINOR"),
    ("dbEngineVersion", "15.8", "12.9", "major 13 to 17"),
    ("dbAutoPauseSeconds", "86400", "60", "from 300 to 86400"),
    ("redisNodeType", "cache.t4g.small", "t4g.micro", "cache.t4g.micro"),
    ("redisEngine", "redis", "memcached", "allowed: valkey, redis"),
    ("redisNodes", "2", "7", "from 1 to 6"),
    ("logRetentionDays", "14", "10", "allowed: 1, 3, 5, 7, 14, 30"),
    ("backupRetentionDays", "35", "0", "from 1 to 35"),
    ("deletionProtection", "true", "on", "allowed: true, false"),
    ("waf", "true", "TRUEISH", "allowed: true, false"),
    ("auth", "none", "amplify", "allowed: open, cognito, none"),
    ("selfSignUp", "false", "yes", "allowed: true, false"),
    ("alarmEmail", "ops@example.com", "ops-at-example", "email address"),
    ("githubRepo", "acme/shop", "acme/*", "without wildcards"),
    ("sleep", "weekdays 08-20", "weekdays 20-08", "weekdays HH-HH"),
    ("sleep", "daily 07-22 Europe/Berlin", "daily 07-22 Mars/Olympus", "IANA time zone"),
    ("githubOidcProvider", "existing", "lookup", "allowed: create, existing"),
    ("stateBucket", "acme-pulumi-state", "Acme_State", "S3 bucket"),
    ("secretsKeyArn", "arn:aws:kms:us-east-1:123456789012:alias/pulumi", "alias/pulumi", "KMS key"),
    ("images", "build", "docker", "allowed: registry, build"),
    ("autoscaling", "true", "auto", "allowed: true, false"),
    ("ecsExec", "false", "no", "allowed: true, false"),
    ("containerInsights", "true", "enhanced", "allowed: true, false"),
    ("redis", "true", "valkey", "allowed: true, false"),
    ("dashboard", "true", "yes", "allowed: true, false"),
    ("cloudfrontLogs", "true", "yes", "allowed: true, false"),
    ("priceClass", "PriceClass_All", "PriceClass_300", "PriceClass_100, PriceClass_200"),
    ("ecrKeepTagged", "50", "0", "from 1 to 1000"),
]


@pytest.mark.parametrize(("key", "good", "bad", "message"), RULES)
def test_rule_accepts_good_and_rejects_bad_value(
    key: str, good: str, bad: str, message: str
) -> None:
    settings("lab", **{key: good})
    found = problems("lab", **{key: bad})
    assert len(found) == 1, found
    assert found[0].startswith(f"fullstack:{key} = "), found[0]
    assert message in found[0], found[0]


def test_rules_cover_every_scalar_key() -> None:
    covered = {rule[0] for rule in RULES}
    objects = {"api", "web", "worker"}
    dependent = {"hostedZoneId", "albHttps"}  # tested with their domain below
    assert KNOWN_KEYS - covered - objects - dependent == {"profile"}


# -- cross-key rules ------------------------------------------------------------------------------


def test_self_sign_up_needs_a_user_pool() -> None:
    (problem,) = problems("lab", auth="none", selfSignUp="true")
    assert "fullstack:selfSignUp" in problem and "needs auth cognito" in problem
    assert settings("lab", auth="none").self_sign_up is False


def test_auto_pause_without_min_acu_zero_is_rejected() -> None:
    (problem,) = problems("mvp", dbAutoPauseSeconds="600")
    assert "fullstack:dbAutoPauseSeconds" in problem and "needs dbMinAcu 0" in problem


def test_auto_pause_defaults_to_300_when_min_acu_is_zero() -> None:
    assert settings("mvp", dbMinAcu="0").db_auto_pause_seconds == 300
    assert settings("lab", dbMinAcu="0.5").db_auto_pause_seconds is None


def test_min_acu_above_max_acu_is_rejected() -> None:
    (problem,) = problems("lab", dbMinAcu="4", dbMaxAcu="2")
    assert "fullstack:dbMinAcu = 4.0" in problem and "must not exceed dbMaxAcu (2)" in problem


def test_min_acu_zero_needs_an_engine_that_can_pause() -> None:
    (problem,) = problems("lab", dbEngineVersion="16.2")
    assert "needs 16.3 or newer" in problem
    assert settings("lab", dbEngineVersion="16.2", dbMinAcu="0.5").db_engine_version == "16.2"


def test_nat_none_turns_interface_endpoints_on_and_says_so() -> None:
    lab = settings("lab", nat="none")
    assert lab.interface_endpoints
    assert any("interfaceEndpoints is on" in notice for notice in lab.notices)


def test_nat_none_with_endpoints_explicitly_off_is_rejected() -> None:
    (problem,) = problems("lab", nat="none", interfaceEndpoints="false")
    assert problem.startswith("fullstack:interfaceEndpoints") and "nat none" in problem


def test_hosted_zone_needs_a_domain() -> None:
    (problem,) = problems("lab", hostedZoneId="Z0123456789ABC")
    assert problem.startswith("fullstack:hostedZoneId") and "needs domain" in problem
    both = settings("lab", hostedZoneId="Z0123456789ABC", domain="example.com")
    assert both.hosted_zone_id == "Z0123456789ABC"


def test_bad_hosted_zone_id_is_rejected() -> None:
    (problem,) = problems("lab", domain="example.com", hostedZoneId="zone-1")
    assert "Route 53 zone id" in problem


# -- service objects ------------------------------------------------------------------------------


def test_service_fields_merge_over_profile_defaults() -> None:
    lab = settings("lab", api='{"cpu": 512, "memory": 2048}')
    assert lab.api == ServiceSize(512, 2048, 1, 1, 2)


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [(256, 512), (256, 2048), (512, 4096), (1024, 8192), (2048, 16384), (4096, 30720),
     (8192, 61440), (16384, 122880)],
)  # fmt: skip
def test_valid_fargate_pairs_pass(cpu: int, memory: int) -> None:
    assert settings("lab", web=f'{{"cpu": {cpu}, "memory": {memory}}}').web.memory == memory


@pytest.mark.parametrize(
    ("cpu", "memory", "message"),
    [
        (256, 4096, "allowed: 512, 1024, 2048"),
        (512, 512, "1024 to 4096 in steps of 1024"),
        (1024, 1536, "2048 to 8192 in steps of 1024"),
        (4096, 32768, "8192 to 30720"),
        (8192, 18432, "16384 to 61440 in steps of 4096"),
    ],
)
def test_invalid_fargate_pairs_fail_naming_the_field(cpu: int, memory: int, message: str) -> None:
    (problem,) = problems("lab", api=f'{{"cpu": {cpu}, "memory": {memory}}}')
    assert problem.startswith(f"fullstack:api.memory = {memory} is not valid with cpu {cpu}")
    assert message in problem


def test_unknown_cpu_size_is_rejected() -> None:
    (problem,) = problems("lab", api='{"cpu": 300}')
    assert problem.startswith("fullstack:api.cpu = 300") and "256, 512, 1024" in problem


def test_unknown_service_field_suggests_the_closest() -> None:
    (problem,) = problems("lab", web='{"memroy": 1024}')
    assert "fullstack:web.memroy" in problem and 'did you mean "memory"' in problem


def test_service_must_be_an_object() -> None:
    (problem,) = problems("lab", web="big")
    assert problem.startswith('fullstack:web = "big"') and "an object with keys" in problem


def test_count_outside_min_and_max_is_rejected() -> None:
    (problem,) = problems("lab", api='{"count": 5, "maxCount": 3}')
    assert "minCount <= count <= maxCount" in problem


def test_max_count_below_one_is_rejected_even_when_count_and_min_count_agree() -> None:
    (problem,) = problems("lab", api='{"count": 0, "minCount": 0, "maxCount": 0}')
    assert problem == "fullstack:api.maxCount = 0 is not valid; allowed: 1 or more"
    assert settings("lab", api='{"count": 0, "minCount": 0, "maxCount": 1}').api.max_count == 1


def test_negative_count_is_rejected() -> None:
    (problem,) = problems("lab", api='{"count": -1}')
    assert "fullstack:api.count = -1" in problem


def test_worker_can_be_enabled_and_only_worker_has_enabled() -> None:
    assert settings("lab", worker='{"enabled": true}').worker.enabled
    (problem,) = problems("lab", api='{"enabled": false}')
    assert "fullstack:api.enabled" in problem


def test_spot_can_be_chosen_per_service() -> None:
    lab = settings("lab", api='{"spot": false}')
    assert lab.api.spot is False and not lab.api.runs_on_spot(lab.fargate_spot)
    assert lab.web.runs_on_spot(lab.fargate_spot), "unset follows fargateSpot"
    (problem,) = problems("lab", web='{"spot": "sometimes"}')
    assert problem.startswith("fullstack:web.spot") and "allowed: true, false" in problem


def test_disabled_worker_is_not_size_checked() -> None:
    lab = settings("lab", worker='{"enabled": false, "memory": 3}')
    assert not lab.worker.enabled


def test_sleep_schedule_is_parsed_with_its_time_zone() -> None:
    schedule = settings("lab", sleep="weekdays 8-20 Europe/Berlin").sleep
    assert schedule is not None
    assert (schedule.cron_days, schedule.wake_hour, schedule.sleep_hour) == ("MON-FRI", 8, 20)
    assert schedule.timezone == "Europe/Berlin" and schedule.awake_hours_per_week == 60
    assert settings("lab", sleep="daily 07-22").sleep.cron_days == "*"  # type: ignore[union-attr]


def test_sleep_is_refused_in_the_mvp_profile() -> None:
    (problem,) = problems("mvp", sleep="weekdays 08-20")
    assert problem.startswith("fullstack:sleep") and "non-production" in problem


def test_tags_name_project_stack_and_tool() -> None:
    assert settings().tags == {"project": "fullstack", "stack": "dev", "managed-by": "pulumi"}


def test_alb_https_needs_a_domain() -> None:
    (problem,) = problems("lab", albHttps="true")
    assert problem.startswith("fullstack:albHttps") and "set domain" in problem
    assert settings("lab", albHttps="true", domain="example.com").alb_https


@pytest.mark.parametrize("images", ["registry", "build"])
def test_image_tag_in_config_is_refused_naming_the_key_the_value_and_the_parameter(
    images: str,
) -> None:
    # `pulumi up --config imageTag=...` saves the tag into Pulumi.<stack>.yaml, where an older
    # copy of the file would roll the stack back: the tag lives in the stack's parameter
    (problem,) = problems("mvp", images=images, imageTag="3f9c2a1")
    assert problem.startswith('fullstack:imageTag = "3f9c2a1" is not read')
    assert "/fullstack/dev/release/image-tag" in problem
    assert "pulumi config rm imageTag" in problem


def test_the_lab_builds_its_images_and_the_mvp_deploys_the_registry_ci_pushes_to() -> None:
    assert settings("lab").images == "build" and not settings("lab").parked
    assert settings("mvp").images == "registry"
    # parked until the program fills in the tag it read from the parameter (deployed_tag.py)
    assert settings("mvp").parked
    assert not dataclasses.replace(settings("mvp"), image_tag="3f9c2a1").parked
    assert settings("lab", images="registry").parked


def test_images_build_never_parks_and_says_nothing_about_image_tag() -> None:
    built = settings("lab", images="build")
    assert not built.parked
    assert not any("imageTag" in notice for notice in built.notices)
