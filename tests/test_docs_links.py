"""The README and docs/*.md point at things that exist: every relative link opens a file of the repo
(and its #anchor is a heading there, spelled as GitHub spells it), and every repo path they name in
`backticks` (`antq/config.py`, `dbt_project/models/*/_*.yml`) exists. Pure file checks, no services."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what only exists after a run or an install, so a fresh clone cannot have it
GENERATED_PARTS = {".data", ".venv", ".tools", "node_modules", "target", "logs"}

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def doc_files(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for no, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield no, line


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: the text lower-cased, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").lower()
    kept = "".join(
        c for c in text if c in " -" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pc"
    )
    return kept.replace(" ", "-")


def anchors(md: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose_lines(md.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        slug = github_slug(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(md: Path):
    """(line number, target) of every link and image in the prose (code spans and blocks excluded)."""
    for no, line in prose_lines(md.read_text(encoding="utf-8")):
        m = REFERENCE_LINK.match(line)
        if m:
            yield no, m.group(1)
            continue
        for target in INLINE_LINK.findall(CODE_SPAN.sub(lambda c: "x" * len(c.group(0)), line)):
            yield no, target


def broken_links(md: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for no, target in links(md):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto: — not files
            continue
        path_part, _, anchor = target.partition("#")
        dest = (md.parent / path_part).resolve() if path_part else md
        where = f"{md.relative_to(root)}:{no}: {target}"
        if not dest.is_relative_to(root.resolve()):
            problems.append(f"{where}: points outside the repository")
        elif not dest.exists():
            problems.append(f"{where}: no such file")
        elif anchor:
            if dest.suffix != ".md":
                problems.append(f"{where}: an anchor into a file that is not markdown")
            elif anchor not in anchors(dest):
                problems.append(f"{where}: no heading #{anchor} in {dest.relative_to(root.resolve())}")
    return problems


def missing_paths(md: Path, root: Path = ROOT) -> list[str]:
    """Repo paths named in `backticks` that do not exist: a token whose first part is a top-level
    entry of the repo (`antq/…`, `tests/…`, `docker-compose.yml`); `*` globs must match something."""
    top = {p.name for p in root.iterdir()} - GENERATED_PARTS - {".git"}
    problems = []
    for no, line in prose_lines(md.read_text(encoding="utf-8")):
        for _, token in CODE_SPAN.findall(line):
            token = token.strip()
            if not token or any(c in token for c in " <>…{}$=|,"):
                continue  # a command, a placeholder, a value: not a path
            parts = token.rstrip("/").split("/")
            if parts[0] not in top or (len(parts) == 1 and not token.endswith("/") and "." not in token):
                continue
            if GENERATED_PARTS & set(parts):
                continue
            found = list(root.glob(token.rstrip("/"))) if "*" in token else [root / token]
            if not any(p.exists() for p in found):
                problems.append(f"{md.relative_to(root)}:{no}: `{token}` does not exist")
    return problems


@pytest.mark.parametrize("md", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_opens(md):
    assert md.exists()
    assert not broken_links(md), "\n".join(broken_links(md))


@pytest.mark.parametrize("md", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_named_repo_path_exists(md):
    assert not missing_paths(md), "\n".join(missing_paths(md))


def test_the_readme_links_every_page_of_docs():
    readme_targets = {t.partition("#")[0] for _, t in links(ROOT / "README.md")}
    unlinked = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if f"docs/{p.name}" not in readme_targets]
    assert not unlinked, f"pages of docs/ the README does not link: {unlinked}"


def test_the_checks_catch_what_is_broken(tmp_path):
    """The checks can fail: a small tree with a good link, a missing file, a missing anchor, a link
    out of the repository, a link inside code (not a link), and paths named in backticks."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "antq").mkdir()
    (tmp_path / "antq" / "config.py").write_text("")
    (tmp_path / "docs" / "ops.md").write_text(
        "# Operations\n\n## When a file is rejected\n\n## Offline (closed networks)\n\n"
        "```bash\n# in .env\n```\n\n## Nightly runs\n\n## Nightly runs\n"
    )
    (tmp_path / "README.md").write_text(
        "[ok](docs/ops.md#when-a-file-is-rejected) [ok](docs/ops.md#offline-closed-networks)\n"
        "[ok](docs/ops.md#nightly-runs-1) [ok](#the-readme) [web](https://example.org/x)\n"
        "# The README\n"
        "[gone](docs/gone.md) [no anchor](docs/ops.md#in-env) [out](../elsewhere.md)\n"
        "`[not a link](docs/nowhere.md)`\n"
        "```\n[in a block](docs/nowhere-either.md)\n```\n"
        "`antq/config.py` `antq/*.py` `antq/ingest.py` `tests/*.py` `.data/pg` `bin/antq run`\n"
    )
    problems = broken_links(tmp_path / "README.md", tmp_path)
    assert [p.split(": ")[1] for p in problems] == ["docs/gone.md", "docs/ops.md#in-env", "../elsewhere.md"]
    assert "no such file" in problems[0] and "no heading #in-env" in problems[1]
    assert "outside the repository" in problems[2]
    assert missing_paths(tmp_path / "README.md", tmp_path) == ["README.md:9: `antq/ingest.py` does not exist"]
    assert github_slug("`make run`, step by step") == "make-run-step-by-step"
    assert (
        github_slug("Where a report comes from: manifest.csv, the text, the outlet")
        == "where-a-report-comes-from-manifestcsv-the-text-the-outlet"
    )
