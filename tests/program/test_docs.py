"""The repository stands alone: everything it cites is in it.

- no file points at a file outside the repository (the team's shared notes, numbered
  "constraints" of a list that is not here);
- every citation of an AWS fact, `aws-facts#<name>`, names a fact on that page;
- every relative link in README.md, docs/ and app/README.md leads to a file of the repository,
  and every `#anchor` to a heading (or `<a id>`) of the page it names, slugged as GitHub does;
- README.md stays a short page for a newcomer: at most README_WORD_LIMIT words as `wc -w`
  counts them, generated blocks left out, and its first command is the offline plan.
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
# any Markdown link, inline code and fenced blocks removed first: (target file or "", anchor or "")
ANY_LINK = re.compile(r"\]\((?!https?://|mailto:)([^)#\s]*)(?:#([^)\s]*))?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
GENERATED = re.compile(r"<!-- BEGIN [^>]*-->.*?<!-- END [^>]*-->", re.S)
README_WORD_LIMIT = 1550  # "at most ~1,500": a little room, no more
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


LINKED_PAGES = [
    "README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
    "app/README.md",
]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text without Markdown (code marks, link targets,
    emphasis), lowercased, punctuation other than `-` and `_` dropped, each space a `-`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w keeps letters, digits, `_`, in any script
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor a page offers: its headings' slugs (a repeated one gets -1, -2, ... as on
    GitHub) and its explicit `<a id="...">` / `<a name="...">`."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found: set[str] = set(re.findall(r'<a (?:id|name)="([^"]+)"', text))
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.M):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(page: Path) -> list[tuple[str, str]]:
    """(target, anchor) of each link outside code: target "" is the page itself."""
    text = INLINE_CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    return ANY_LINK.findall(text)


def test_the_slugs_are_githubs() -> None:
    """Examples whose anchors GitHub shows on this repository's pages."""
    assert github_slug("What `pulumi up` does, in order") == "what-pulumi-up-does-in-order"
    assert github_slug("Which `aws:` keys count") == "which-aws-keys-count"
    assert github_slug("mvp (`prod`): internal ALB behind a CloudFront VPC origin") == (
        "mvp-prod-internal-alb-behind-a-cloudfront-vpc-origin"
    )
    assert github_slug("State backend (production setup)") == "state-backend-production-setup"


@pytest.mark.parametrize("page", LINKED_PAGES)
def test_every_relative_link_and_anchor_resolves(page: str) -> None:
    """A link to a file needs the file; `#anchor` (alone, or after a Markdown file) needs that
    heading there. Pages other helpers are writing count as broken until they exist."""
    source = ROOT / page
    broken = []
    for target, anchor in links(source):
        path = (source.parent / target).resolve() if target else source
        if not path.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}#{anchor} (no such heading)")
    assert broken == []


def readme_words() -> int:
    """README.md's words as `wc -w` counts them (runs of non-space), generated blocks left out."""
    text = GENERATED.sub("", (ROOT / "README.md").read_text(encoding="utf-8"))
    return len(text.split())


def test_the_readme_is_a_short_page() -> None:
    words = readme_words()
    assert words <= README_WORD_LIMIT, (
        f"README.md has {words} words (generated blocks left out); the limit is "
        f"{README_WORD_LIMIT}: move detail to a page under docs/ and link it"
    )


def test_the_readmes_first_command_is_the_offline_plan() -> None:
    """A newcomer runs the first command they see: the offline plan, not the test suite (which
    installs system packages as root)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"^```(?:bash|sh)?\n(.*?)^```", text, re.S | re.M)
    assert first_block is not None
    assert first_block.group(1).strip().splitlines()[0].startswith("./scripts/plan --stack dev")


def test_ci_runs_the_test_command_the_readme_gives() -> None:
    """`.ci/run` runs `./scripts/test`, and the README says that one command runs every check."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^exec \./scripts/test$", ci, re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^```bash\n\./scripts/test\n```", readme, re.M)
