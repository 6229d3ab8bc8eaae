"""Dials as data: one declaration per setting gives the parser, the profiles and the docs."""

from __future__ import annotations

import dataclasses

import pytest

from components.config import dials
from components.config.dials import BOOLEAN, dial, dials_of
from components.config.reader import SettingsError, parse_settings
from components.config.settings import DIALS, PROFILES, Settings
from stackctl import docs

P = "fullstack"
RAW = {"aws:region": "us-east-1", f"{P}:profile": "lab"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class WithANewDial(Settings):
    """A hypothetical new setting, declared the one way docs/code.md says to."""

    drain_seconds: int = dial(
        dials.integer(0, 300),
        doc="Seconds a task drains before it stops.",
        cost="free",
        lab=5,
        mvp=60,
    )


def test_a_new_dial_needs_only_its_declaration() -> None:
    lab = parse_settings(P, "dev", RAW, WithANewDial)
    assert isinstance(lab, WithANewDial) and lab.drain_seconds == 5
    mvp = parse_settings(P, "prod", {**RAW, f"{P}:profile": "mvp"}, WithANewDial)
    assert isinstance(mvp, WithANewDial) and mvp.drain_seconds == 60
    given = parse_settings(P, "dev", {**RAW, f"{P}:drainSeconds": "30"}, WithANewDial)
    assert isinstance(given, WithANewDial) and given.drain_seconds == 30
    with pytest.raises(SettingsError) as caught:
        parse_settings(P, "dev", {**RAW, f"{P}:drainSeconds": "301"}, WithANewDial)
    assert caught.value.problems == [
        'fullstack:drainSeconds = "301" is not valid; allowed: a whole number from 0 to 300'
    ]
    # The base class does not know it: the unknown-key check comes from the declarations too.
    with pytest.raises(SettingsError) as unknown:
        parse_settings(P, "dev", {**RAW, f"{P}:drainSeconds": "30"})
    assert "fullstack:drainSeconds is not a setting of this project" in unknown.value.problems[0]
    # ... and the documentation.
    table = docs.settings_table(WithANewDial)
    assert "| `drainSeconds` | a whole number from 0 to 300 | 5 | 60 |" in table
    assert "fullstack:drainSeconds (integer): Seconds a task drains" in docs.project_comments(
        P, WithANewDial
    )


def test_every_dial_has_a_doc_an_allowed_text_and_a_kind_that_parses_its_defaults() -> None:
    for declared in DIALS:
        assert declared.doc.endswith("."), declared.key
        assert declared.allowed, declared.key
        for profile in ("lab", "mvp"):
            value = declared.default(profile)
            if value is None or declared.kind.merge is not None:
                continue  # unset by default / an object given in parts
            shown = declared.kind.show(value)
            assert declared.kind.parse(shown) == value, (declared.key, profile, shown)


def test_profiles_differ_only_where_a_dial_says_so() -> None:
    differing = {k for k in PROFILES["lab"] if PROFILES["lab"][k] != PROFILES["mvp"][k]}
    declared_apart = {
        d.key
        for d in DIALS
        if d.defaults["lab"] is not d.defaults["mvp"] and d.defaults["lab"] != d.defaults["mvp"]
    }
    assert differing == declared_apart
    assert "nat" not in differing and "natAddress" in differing
    assert "fargateSpot" not in differing and "dashboard" not in differing


def test_the_settings_docs_are_generated_from_the_declarations() -> None:
    stale = [p.name for p, text in docs.rendered().items() if p.read_text() != text]
    assert stale == [], "run `python -m stackctl docs`"


def test_each_dial_appears_in_the_readme_table_and_the_project_file() -> None:
    table, comments = docs.settings_table(), docs.project_comments(P)
    for declared in dials_of(Settings):
        assert f"| `{declared.key}` |" in table
        assert f"# {P}:{declared.key} (" in comments


def test_boolean_dials_take_only_what_pulumi_config_set_stores() -> None:
    assert BOOLEAN.parse("true") is True and BOOLEAN.parse("False") is False
    for refused in ("yes", "1", "on", ""):
        assert BOOLEAN.parse(refused) is None, refused
