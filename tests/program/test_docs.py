"""The repository stands alone: everything it cites is in it.

- no file points at a file outside the repository (the team's shared notes, numbered
  "constraints" of a list that is not here);
- every citation of an AWS fact, `aws-facts#<name>`, names a fact on that page;
- every relative link in the Markdown files leads to a file of the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FACTS = ROOT / "docs" / "aws-facts.md"
OUTSIDE = re.compile(
    r"\.\./shared|shared/reference|aws-constraints\.md|aws-prices\.md|DESIGN\.md|STYLE\.md"
    r"|\bconstraints? \d+\b|\bfacts? \d+\b"
)
CITATION = re.compile(r"aws-facts(?:\.md)?#([a-z0-9-]+)")
LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)")
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".sh", ".json", ".mjs", ".ts", ""}


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    files = [ROOT / name for name in listed if (ROOT / name).is_file()]
    return [
        f
        for f in files
        if f.suffix in TEXT_SUFFIXES and "package-lock" not in f.name and f != Path(__file__)
    ]


def fact_names() -> set[str]:
    return set(re.findall(r'<a id="([a-z0-9-]+)"></a>', FACTS.read_text(encoding="utf-8")))


def test_nothing_points_outside_the_repository() -> None:
    found = []
    for path in tracked_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_every_cited_fact_is_on_the_facts_page() -> None:
    names = fact_names()
    assert len(names) > 40
    unknown = []
    for path in tracked_files():
        for name in CITATION.findall(path.read_text(encoding="utf-8")):
            if name not in names:
                unknown.append(f"{path.relative_to(ROOT)}: {name}")
    assert unknown == []


def test_every_fact_names_a_source() -> None:
    text = FACTS.read_text(encoding="utf-8")
    entries = re.split(r"\n- (?=<a id=)", text)[1:]
    assert entries
    for entry in entries:
        name = re.match(r'<a id="([a-z0-9-]+)">', entry)
        assert name is not None
        assert re.search(r"\[[^\]]+\]\s*$", entry.split("\n\n")[0].strip()), name.group(1)


@pytest.mark.parametrize(
    "page", ["README.md", "docs/design.md", "docs/aws-facts.md", "app/README.md"]
)
def test_relative_links_lead_to_files_of_the_repository(page: str) -> None:
    source = ROOT / page
    broken = [
        target
        for target in LINK.findall(source.read_text(encoding="utf-8"))
        if not (source.parent / target).exists()
    ]
    assert broken == []
