"""`antq run` (what `make run` calls) from the sample reports to validated marts, as a user runs it,
on a server given by WAREHOUSE_URL (the embedded default: tests/test_offline_pages.py, which also
opens its pages). Slow (Airflow + dbt + GX)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import psycopg
import pytest

from antq import config, runner

pytestmark = pytest.mark.integration  # `antq run`: Airflow, dbt, GX

SAMPLE_DOCS = {
    f"{n}_{h}.txt"
    for n, h in [
        ("000", "19a092f55bfce8ee"),
        ("001", "24808d28fd314263"),
        ("002", "8cb08c7fc698b016"),
        ("003", "444a77a962dd98df"),
        ("004", "f927958248fcde9a"),
    ]
}
FACTS_FROM_EVERY_REPORT = ("fct_figures", "dim_report")


def _antq_run(env: dict) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "antq.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=config.PROJECT_ROOT,
    )
    assert proc.returncode == 0, f"antq run failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return proc.stdout


def _mart_checksums(conn) -> dict[str, tuple[int, str]]:
    out = {}
    for mart in runner.MARTS:
        out[mart] = conn.execute(
            f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from marts.{mart} t"
        ).fetchone()
    return out


def _assert_warehouse_is_complete(conn):
    docs = {r[0] for r in conn.execute("select distinct doc from marts.fct_figures")}
    assert docs == SAMPLE_DOCS
    assert {r[0] for r in conn.execute("select file_name from marts.dim_report")} == SAMPLE_DOCS
    for mart in ("fct_campaigns", "fct_tips", "fct_awards", "fct_targets"):
        assert conn.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart
    # the 106,7% of report 000 is kept in the mart and flagged, not dropped
    flagged = conn.execute(
        """select figure_id, actual, target, stated_pct, computed_pct from marts.fct_targets
           where pct_consistent is false"""
    ).fetchall()
    assert len(flagged) == 1
    figure_id, actual, target, stated, computed = flagged[0]
    assert (actual, target, float(stated), float(computed)) == (252554, 250814, 106.7, 100.69)
    verdict = conn.execute(
        """select success, unexpected_count from dq.validation_results
           where expectation = 'stated_pct_matches_actual_over_target'
           order by validated_at desc limit 1"""
    ).fetchone()
    assert verdict == (False, 1)
    failed = conn.execute(
        """select distinct expectation from dq.validation_results v
           where not success and severity = 'error'
             and run_id = (select run_id from dq.validation_results order by validated_at desc limit 1)"""
    ).fetchall()
    assert failed == [("stated_pct_matches_actual_over_target",)]
    assert conn.execute("select array_agg(distinct figure_id) from dq.flagged_figures").fetchone()[0] == [figure_id]


def test_run_on_a_server_given_by_url_twice_gives_the_same_marts(fresh_db, tmp_path):
    env = {**os.environ, "WAREHOUSE_URL": fresh_db, "ANTQ_DATA_DIR": str(tmp_path / "data")}
    env.pop("REPORTS_DIR", None)
    out = _antq_run(env)
    assert "reports loaded   5" in out and "FAILED stated_pct_matches_actual_over_target" in out
    with psycopg.connect(config.libpq_url(fresh_db)) as conn:
        _assert_warehouse_is_complete(conn)
        first = _mart_checksums(conn)
    out = _antq_run(env)
    assert "airflow db migrate" not in out  # metadata already current: skipped
    assert "skipped: nothing staged" in out  # nothing new staged
    with psycopg.connect(config.libpq_url(fresh_db)) as conn:
        assert _mart_checksums(conn) == first
    # an audit validates every report again, though nothing new was staged
    out = _antq_run({**env, "ANTQ_VALIDATION_SCOPE": "all"})
    assert "skipped: nothing staged" not in out and "FAILED stated_pct_matches_actual_over_target" in out
    assert re.search(r"dag antq_transform\s+ok", out), out
    # the dbt project has not changed since the first run parsed it: its manifest is kept
    assert re.search(r"dbt parse\s+skipped", out), out
    with psycopg.connect(config.libpq_url(fresh_db)) as conn:
        assert _mart_checksums(conn) == first
        audits = conn.execute(
            "select count(*), count(validated_at) from dq.validated_reports where run_id = ("
            " select run_id from dq.validated_reports order by validated_at desc nulls last limit 1)"
        ).fetchone()
    assert audits == (5, 5)
