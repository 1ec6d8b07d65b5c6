"""dbt and the marts in tests: run dbt on a test warehouse, digest what the marts hold, split the
sample reports into nights."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from antq import config

from conftest import SEEDS_DIR

DIGEST = "select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {} t"


def dbt(url: str, tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`dbt ARGS` on the warehouse at url, its target and logs under tmp_path; fails the test unless
    it succeeded (check=False: the caller looks at the outcome)."""
    proc = subprocess.run(
        [config.dbt_executable(), *args, "--project-dir", str(config.DBT_PROJECT_DIR)],
        env=config.child_env(url, tmp_path),
        capture_output=True,
        text=True,
    )
    if check:
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def digests(conn: psycopg.Connection, schema: str = "marts", names: list[str] | None = None) -> dict:
    """Each table of a schema (or those named): (rows, md5 of all its rows in a stable order)."""
    if names is None:
        names = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s order by 1", (schema,)
            )
        ]
    return {name: conn.execute(sql.SQL(DIGEST).format(sql.Identifier(schema, name))).fetchone() for name in names}


def split_nights(folder: Path) -> tuple[Path, Path]:
    """The sample reports as two nights' landing folders: 000-002, then 003-004."""
    first, second = folder / "night1", folder / "night2"
    first.mkdir(), second.mkdir()
    for i, report in enumerate(sorted(SEEDS_DIR.glob("*.txt"))):
        shutil.copy2(report, first if i < 3 else second)
    return first, second
