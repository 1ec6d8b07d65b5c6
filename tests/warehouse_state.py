"""What the backfill, re-extraction and idempotency tests compare: landing folders they build, the
staged figures as rows, reports made to look extracted by an older extractor version."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg

from antq import config

from conftest import SEEDS_DIR

SEEDS = sorted(SEEDS_DIR.iterdir())
OLD_VERSION = "0.9.0-old"


def land(landing: Path, folder: str, seed: Path, name: str | None = None, suffix: str = "") -> str:
    """Copy a sample report into landing/folder (optionally with extra text: a new content)."""
    target = landing / folder / (name or seed.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix:
        target.write_bytes(seed.read_bytes() + suffix.encode("utf-8"))
    else:
        shutil.copy(seed, target)
    return target.relative_to(landing).as_posix()


def figures(url: str) -> dict[str, set[tuple]]:
    """report relative path -> its staged figures (everything but when they were staged)."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        rows = conn.execute(
            """select r.relative_path, f.figure_id, f.ordinal, f.surface, f.value::text, f.unit, f.measure,
                      f.qualifier, f.attrs::text, f.char_start, f.char_end, f.extractor_version
               from staging.figures f join raw.report_files r using (report_id)"""
        ).fetchall()
    out: dict[str, set[tuple]] = {}
    for path, *rest in rows:
        out.setdefault(path, set()).add(tuple(rest))
    return out


def versions(url: str) -> dict[str, str]:
    """report relative path -> the extractor version that staged it."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        return dict(
            conn.execute(
                """select r.relative_path, s.extractor_version
               from staging.reports s join raw.report_files r using (report_id)"""
            ).fetchall()
        )


def staged_at(url: str) -> dict[str, object]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return dict(
            conn.execute(
                "select r.relative_path, s.staged_at from staging.reports s join raw.report_files r using (report_id)"
            ).fetchall()
        )


def age(url: str, relative_paths: list[str] | None = None) -> None:
    """Make reports look staged by an older extractor: another version, one figure fewer, values off by one."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "select report_id from raw.report_files where %s::text[] is null or relative_path = any(%s)",
                (relative_paths, relative_paths),
            )
        ]
        conn.execute("update staging.reports set extractor_version = %s where report_id = any(%s)", (OLD_VERSION, ids))
        conn.execute(
            "update staging.figures set extractor_version = %s, value = value + 1 where report_id = any(%s)",
            (OLD_VERSION, ids),
        )
        conn.execute(
            """delete from staging.figures where figure_id in (
                            select min(figure_id) from staging.figures where report_id = any(%s) group by report_id)""",
            (ids,),
        )
        conn.execute(
            """update staging.reports s set figure_count =
                            (select count(*) from staging.figures f where f.report_id = s.report_id)
                        where report_id = any(%s)""",
            (ids,),
        )


def duplicates(url: str) -> dict[str, int]:
    """Rows that share what should be unique: a report's content, a figure's span, a ledger entry."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        return {
            "raw.report_files": one("select count(*) - count(distinct report_id) from raw.report_files"),
            "raw.file_ledger": one("select count(*) - count(distinct (relative_path, report_id)) from raw.file_ledger"),
            "staging.reports": one("select count(*) - count(distinct report_id) from staging.reports"),
            "staging.figures": one("select count(*) - count(distinct (report_id, ordinal)) from staging.figures"),
            "staging.figures_per_report": one(
                "select count(*) from staging.reports s where s.figure_count <> "
                "(select count(*) from staging.figures f where f.report_id = s.report_id)"
            ),
        }
