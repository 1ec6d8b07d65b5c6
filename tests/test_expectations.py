"""expectations/: GX consistency checks after dbt, against the real local PostgreSQL.

Each test module run gets its own database (unique name), dropped at the end. Each test
rebuilds the marts it needs with plain SQL shaped like the dbt models.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")

import expectations
from expectations import gx_checks
from expectations.rules import RuleError, load_rules

ADMIN_URL = os.environ.get("ANTQ_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SOCKET_DIR = "/var/run/postgresql"
REPO = Path(__file__).resolve().parents[1]

MARTS_DDL = """
DROP SCHEMA IF EXISTS marts CASCADE;
DROP SCHEMA IF EXISTS dq CASCADE;
CREATE SCHEMA marts;
CREATE TABLE marts.fct_targets (
    figure_id text PRIMARY KEY, report_id text, doc text, province text, measure text,
    subject text, actual numeric, target numeric, stated_pct numeric, computed_pct numeric,
    pct_consistent boolean, qualifier text);
CREATE TABLE marts.fct_figures (
    figure_id text PRIMARY KEY, report_id text, doc text, measure text, value numeric,
    unit text, qualifier text, part_of_figure_id text, attrs jsonb);
CREATE TABLE marts.fct_coverage (
    figure_id text PRIMARY KEY, report_id text, doc text, covered numeric, total numeric,
    unit_kind text);
"""

# (figure_id, actual, target, stated_pct); computed_pct / pct_consistent derived as dbt does.
TARGETS = [
    ("t_bad", 252554, 250814, 106.7),  # 100.69% computed: off by 6.01 points
    ("t_ok", 102, 100, 102.0),
    ("t_close", 252554, 250814, 100.7),  # off by 0.01: within tolerance
    ("t_no_stated", 50, 100, None),
    ("t_no_target", 5, None, 80.0),
    ("t_zero_target", 5, 0, 80.0),
]
FIGURES = [
    # figure_id, measure, value, unit, part_of_figure_id
    ("f_tips", "tips.received", 726, "nguồn tin", None),
    ("f_tips_valuable", "tips.valuable", 655, "nguồn tin", "f_tips"),
    ("f_ammo", "weapons.ammunition", 35.5, "kg", None),
    ("f_pct", "other", 98.5, "%", None),
    ("f_money", "money.vnd", 48550000.5, "đồng", None),
    ("f_rate", "target.achievement", 252554, "CCCD", None),
]
COVERAGE = [("c_all", 102, 102, "xã"), ("c_most", 85, 90, "xã")]


def _admin():
    return psycopg.connect(ADMIN_URL, autocommit=True)


@pytest.fixture(scope="module")
def dbname():
    name = f"antq_test_gx_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def url(dbname):
    return f"postgresql://postgres@127.0.0.1:5432/{dbname}"


def load_marts(url, targets=TARGETS, figures=FIGURES, coverage=COVERAGE):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(MARTS_DDL)
        with conn.cursor() as cur:
            for fid, actual, target, stated in targets:
                cur.execute(
                    """
                    INSERT INTO marts.fct_targets (figure_id, report_id, doc, province, measure,
                        subject, actual, target, stated_pct, computed_pct, pct_consistent, qualifier)
                    SELECT %(fid)s, 'r1', '000.txt', 'Tỉnh A', 'target.achievement', 'CCCD',
                           %(actual)s::numeric, %(target)s::numeric, %(stated)s::numeric, c.pct,
                           CASE WHEN %(stated)s::numeric IS NULL OR c.pct IS NULL THEN NULL
                                ELSE abs(%(stated)s::numeric - c.pct) <= 0.5 END,
                           'exact'
                    FROM (SELECT CASE WHEN coalesce(%(target)s::numeric, 0) = 0 THEN NULL
                                      ELSE round(100 * %(actual)s::numeric / %(target)s::numeric, 2)
                                 END AS pct) c
                    """,
                    {"fid": fid, "actual": actual, "target": target, "stated": stated},
                )
            for fid, measure, value, unit, part_of in figures:
                cur.execute(
                    "INSERT INTO marts.fct_figures VALUES (%s, 'r1', '000.txt', %s, %s, %s, 'exact', %s, '{}')",
                    (fid, measure, value, unit, part_of),
                )
            for fid, covered, total, kind in coverage:
                cur.execute(
                    "INSERT INTO marts.fct_coverage VALUES (%s, 'r1', '000.txt', %s, %s, %s)",
                    (fid, covered, total, kind),
                )


def snapshot_marts(url):
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"SELECT to_jsonb(x) FROM marts.{t} x ORDER BY figure_id").fetchall()
            for t in ("fct_targets", "fct_figures", "fct_coverage")
        }


def dq_rows(url, run_id):
    with psycopg.connect(url) as conn:
        results = conn.execute(
            "SELECT id, suite, expectation, success, unexpected_count, severity, details"
            " FROM dq.validation_results WHERE run_id = %s ORDER BY expectation",
            (run_id,),
        ).fetchall()
        flagged = conn.execute(
            "SELECT id, figure_id, expectation, message FROM dq.flagged_figures"
            " WHERE run_id = %s ORDER BY expectation, figure_id",
            (run_id,),
        ).fetchall()
    return results, flagged


ALL_RULES = [
    "counts_are_whole_non_negative",
    "coverage_not_above_total",
    "part_not_larger_than_whole",
    "stated_pct_matches_actual_over_target",
]


def test_run_checks_flags_the_inconsistent_percentage_and_reruns_idempotently(url, tmp_path):
    load_marts(url)
    before = snapshot_marts(url)
    env_before = os.environ.get(expectations.URL_ENV_VAR)
    root = tmp_path / "gx"

    first = expectations.run_checks(url, "run-1", root)

    results, flagged = dq_rows(url, "run-1")
    assert [r[2] for r in results] == ALL_RULES
    by_rule = {r[2]: r for r in results}
    bad = by_rule["stated_pct_matches_actual_over_target"]
    assert bad[1] == "targets" and bad[3] is False and bad[4] == 1 and bad[5] == "error"
    assert [row["figure_id"] for row in bad[6]["unexpected_rows_sample"]] == ["t_bad"]
    for name in ALL_RULES[:-1]:
        assert by_rule[name][3] is True and by_rule[name][4] == 0, name
    assert {r[1] for r in results} == {"targets", "coverage", "figures"}

    assert [(f[1], f[2]) for f in flagged] == [("t_bad", "stated_pct_matches_actual_over_target")]
    assert flagged[0][3] == "stated 106.7% but 252554/250814 = 100.69% (off by 6.01 points)"

    assert first["run_id"] == "run-1"
    assert (first["evaluated"], first["passed"], first["failed"], first["warnings"]) == (4, 3, 1, 0)
    assert first["failed_expectations"] == ["stated_pct_matches_actual_over_target"]
    assert first["success"] is False and first["skipped"] == [] and first["flagged_figures"] == 1
    index = Path(first["data_docs_index"])
    assert index.name == "index.html" and index.is_file()
    assert index.is_relative_to(root)

    # Second run, same run_id and context root: no "already exists", rows replaced not added.
    second = expectations.run_checks(url, "run-1", root)
    assert second == first
    results2, flagged2 = dq_rows(url, "run-1")
    assert [r[2:6] for r in results2] == [r[2:6] for r in results]
    assert [f[1:] for f in flagged2] == [f[1:] for f in flagged]
    assert min(r[0] for r in results2) > max(r[0] for r in results)  # new rows, old ones gone
    assert min(f[0] for f in flagged2) > max(f[0] for f in flagged)

    # Another run_id does not touch run-1's rows.
    expectations.run_checks(url, "run-2", root)
    assert dq_rows(url, "run-1") == (results2, flagged2)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM dq.validation_results").fetchone()[0] == 8

    assert snapshot_marts(url) == before

    # No credentials (no connection string at all) in the GX config written to disk.
    gx_dir = root / "gx"
    yml = (gx_dir / "great_expectations.yml").read_text()
    assert "${ANTQ_GX_WAREHOUSE_URL}" in yml and "127.0.0.1" not in yml
    for p in gx_dir.rglob("*"):
        if p.is_file() and p.suffix in (".yml", ".json"):
            assert "postgres@" not in p.read_text(errors="ignore"), p
    assert os.environ.get(expectations.URL_ENV_VAR) == env_before  # set only during the run


def test_every_rule_catches_its_bad_rows(url, tmp_path):
    load_marts(
        url,
        figures=FIGURES
        + [
            ("f_part_too_big", "tips.valuable", 800, "nguồn tin", "f_tips"),
            ("f_negative", "tips.received", -3, "tin", None),
            ("f_fraction", "groups.count", 2.5, "tổ", None),
            ("f_tonnes", "other", 1.25, "tấn", None),
        ],
        coverage=COVERAGE + [("c_over", 103, 102, "xã")],
    )
    before = snapshot_marts(url)
    summary = expectations.run_checks(url, "bad", tmp_path / "gx")

    assert summary["failed"] == 4 and summary["passed"] == 0
    assert sorted(summary["failed_expectations"]) == ALL_RULES
    _, flagged = dq_rows(url, "bad")
    got = {(f[2], f[1]): f[3] for f in flagged}
    assert set(got) == {
        ("counts_are_whole_non_negative", "f_fraction"),
        ("counts_are_whole_non_negative", "f_negative"),
        ("coverage_not_above_total", "c_over"),
        ("part_not_larger_than_whole", "f_part_too_big"),
        ("stated_pct_matches_actual_over_target", "t_bad"),
    }
    assert got[("coverage_not_above_total", "c_over")] == "covered 103 is more than the total 102 xã"
    assert got[("part_not_larger_than_whole", "f_part_too_big")] == (
        "part 800 is larger than its whole 726 (f_tips)"
    )
    assert got[("counts_are_whole_non_negative", "f_negative")] == "negative value -3"
    assert snapshot_marts(url) == before


def test_tolerance_is_a_parameter_and_changed_rules_update_in_place(url, tmp_path):
    load_marts(url)
    root = tmp_path / "gx"
    assert expectations.run_checks(url, "tol", root)["failed"] == 1

    rules = (REPO / "expectations" / "rules.yaml").read_text()
    assert "tolerance: 0.5" in rules
    loose = tmp_path / "rules.yaml"
    loose.write_text(rules.replace("tolerance: 0.5", "tolerance: 7"))
    summary = expectations.run_checks(url, "tol", root, rules_path=loose)
    assert summary["failed"] == 0 and summary["passed"] == 4
    results, flagged = dq_rows(url, "tol")
    assert flagged == [] and all(r[3] for r in results)
    suite = json.loads((root / "gx" / "expectations" / "targets.json").read_text())
    (query,) = [e["kwargs"]["unexpected_rows_query"] for e in suite["expectations"]]
    assert "> 7" in query


def test_warning_rules_count_as_warnings(url, tmp_path):
    load_marts(url)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        """
suites:
  targets: {table: marts.fct_targets}
rules:
  - name: stated_pct_present
    suite: targets
    severity: warning
    description: A target figure states the percentage it reached.
    sql: select figure_id, 'no stated percentage' as message from {batch} where stated_pct is null
  - name: target_positive
    suite: targets
    severity: error
    description: Targets are positive when present.
    sql: select figure_id, 'target ' || target as message from {batch} where target <= 0
"""
    )
    summary = expectations.run_checks(url, "warn", tmp_path / "gx", rules_path=rules)
    assert summary["warnings"] == 1 and summary["warning_expectations"] == ["stated_pct_present"]
    assert summary["failed"] == 1 and summary["failed_expectations"] == ["target_positive"]
    results, flagged = dq_rows(url, "warn")
    assert [(r[2], r[3], r[5]) for r in results] == [
        ("stated_pct_present", False, "warning"),
        ("target_positive", False, "error"),
    ]
    assert [(f[1], f[2]) for f in flagged] == [
        ("t_no_stated", "stated_pct_present"),
        ("t_zero_target", "target_positive"),
    ]


def test_unix_socket_and_postgres_scheme_urls(dbname, url, tmp_path):
    load_marts(url)
    socket_url = f"postgresql://postgres@/{dbname}?host={SOCKET_DIR}"
    assert expectations.sqlalchemy_url(socket_url) == f"postgresql+psycopg://postgres@/{dbname}?host={SOCKET_DIR}"
    assert expectations.sqlalchemy_url("postgres://u:p@h:5/d") == "postgresql+psycopg://u:p@h:5/d"
    assert expectations.sqlalchemy_url("postgresql+psycopg2://u@h/d") == "postgresql+psycopg://u@h/d"
    assert expectations.libpq_url("postgres://u@h/d") == "postgresql://u@h/d"
    # libpq's percent-encoded socket host, which SQLAlchemy 2.0 would take for a host name
    encoded = f"postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/{dbname}"
    assert expectations.sqlalchemy_url(encoded) == f"postgresql+psycopg://postgres@/{dbname}?host={SOCKET_DIR}"
    # a `$` in the password must not look like a GX ${VAR} once the URL is in the environment
    assert expectations.sqlalchemy_url("postgresql://u:a${B}c@h/d") == "postgresql+psycopg://u:a%24{B}c@h/d"
    with pytest.raises(expectations.WarehouseUrlError):
        expectations.sqlalchemy_url("mysql://u@h/d")

    if not Path(SOCKET_DIR, ".s.PGSQL.5432").exists():
        pytest.skip("no local PostgreSQL socket")
    root = tmp_path / "gx"
    summary = expectations.run_checks(socket_url, "sock", root)
    assert summary["failed_expectations"] == ["stated_pct_matches_actual_over_target"]
    # the same context root, now through a postgres:// TCP URL
    tcp = url.replace("postgresql://", "postgres://")
    assert expectations.run_checks(tcp, "sock", root) == summary
    assert expectations.run_checks(encoded, "sock", root) == summary
    assert len(dq_rows(url, "sock")[1]) == 1


def test_missing_mart_table_skips_its_suite(url, tmp_path):
    load_marts(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE marts.fct_coverage")
    summary = expectations.run_checks(url, "skip", tmp_path / "gx")
    assert summary["skipped"] == [
        {
            "suite": "coverage",
            "table": "marts.fct_coverage",
            "rules": ["coverage_not_above_total"],
            "reason": "table does not exist",
        }
    ]
    assert summary["evaluated"] == 3 and summary["failed"] == 1
    assert "coverage_not_above_total" not in [r[2] for r in dq_rows(url, "skip")[0]]


def test_a_rule_cannot_change_the_marts(url, tmp_path):
    """GX runs the rules on a read-only connection: a rule that would delete mart rows errors."""
    load_marts(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION marts.wipe_targets() RETURNS bigint LANGUAGE sql AS"
            " 'WITH d AS (DELETE FROM marts.fct_targets RETURNING 1) SELECT count(*) FROM d'"
        )
    before = snapshot_marts(url)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        """
suites:
  targets: {table: marts.fct_targets}
rules:
  - name: sneaky_delete
    suite: targets
    severity: error
    description: Calls a function that deletes from a mart.
    sql: select figure_id, 'deleted' as message from {batch} where marts.wipe_targets() >= 0
"""
    )
    summary = expectations.run_checks(url, "ro", tmp_path / "gx", rules_path=rules)
    assert summary["failed_expectations"] == ["sneaky_delete"]
    assert summary["errored_expectations"] == ["sneaky_delete"]
    (result,), flagged = dq_rows(url, "ro")
    assert result[3] is False and flagged == []
    assert "read-only transaction" in result[6]["error"]
    assert snapshot_marts(url) == before
    with psycopg.connect(url) as conn:  # the function does delete when allowed to
        assert conn.execute("SELECT marts.wipe_targets()").fetchone()[0] == len(TARGETS)
        conn.rollback()


def test_more_than_gx_sample_rows_are_all_flagged(url, tmp_path):
    many = [(f"t{i:04d}", 252554, 250814, 106.7) for i in range(250)]
    load_marts(url, targets=many)
    summary = expectations.run_checks(url, "many", tmp_path / "gx")
    assert summary["flagged_figures"] == 250
    results, flagged = dq_rows(url, "many")
    (row,) = [r for r in results if r[2] == "stated_pct_matches_actual_over_target"]
    assert row[4] == 250 and row[6]["sample_truncated"] is True
    assert len(row[6]["unexpected_rows_sample"]) == gx_checks.SAMPLE_ROWS_IN_DETAILS
    assert len({f[1] for f in flagged}) == 250


def test_ensure_dq_tables_is_idempotent_on_psycopg_and_sqlalchemy(url):
    import sqlalchemy as sa

    with psycopg.connect(url) as conn:
        conn.execute("DROP SCHEMA IF EXISTS dq CASCADE")
        expectations.ensure_dq_tables(conn)
        expectations.ensure_dq_tables(conn)
        conn.commit()
    engine = sa.create_engine(expectations.sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            expectations.ensure_dq_tables(conn)
            cols = conn.execute(
                sa.text(
                    "select table_name, column_name from information_schema.columns"
                    " where table_schema = 'dq' order by table_name, ordinal_position"
                )
            ).fetchall()
    finally:
        engine.dispose()
    assert [c for t, c in cols if t == "validation_results"] == [
        "id", "run_id", "suite", "expectation", "success", "unexpected_count", "severity",
        "details", "validated_at",
    ]
    assert [c for t, c in cols if t == "flagged_figures"] == [
        "id", "run_id", "figure_id", "expectation", "message", "flagged_at",
    ]


def test_rules_file_is_checked():
    rules = load_rules()
    assert [r.name for r in rules.rules] == [
        "stated_pct_matches_actual_over_target",
        "coverage_not_above_total",
        "part_not_larger_than_whole",
        "counts_are_whole_non_negative",
    ]
    assert rules.rule("stated_pct_matches_actual_over_target").params == {"tolerance": 0.5}
    assert all("{batch}" in r.query for r in rules.rules)


@pytest.mark.parametrize(
    "rule, error",
    [
        ("severity: fatal", "severity"),
        ("sql: delete from marts.fct_targets", "SELECT"),
        ("sql: select figure_id, 'x' as message from {batch} where a > {limit}", "parameter"),
        ("sql: \"select figure_id, 'at :b' as message from {batch}\"", "bind parameter"),
        ("sql: select 1 as figure_id, 'x' as message; drop table t", "single statement"),
    ],
)
def test_bad_rules_are_refused(tmp_path, rule, error):
    base = {
        "name": "r",
        "suite": "s",
        "severity": "error",
        "description": "d",
        "sql": "select figure_id, 'x' as message from {batch}",
    }
    key = rule.split(":", 1)[0]
    lines = [f"    {k}: {v}" for k, v in base.items() if k != key] + [f"    {rule}"]
    path = tmp_path / "rules.yaml"
    path.write_text("suites:\n  s: {table: marts.t}\nrules:\n  -\n" + "\n".join(lines) + "\n")
    with pytest.raises(RuleError, match=error):
        load_rules(path)


def test_import_is_cheap():
    code = (
        "import sys, expectations; "
        "heavy = [m for m in ('great_expectations', 'sqlalchemy', 'psycopg', 'airflow') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_configure_checkpoint_needs_the_url_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(expectations.URL_ENV_VAR, raising=False)
    context = expectations.file_context(tmp_path / "gx")
    with pytest.raises(expectations.WarehouseUrlError, match=expectations.URL_ENV_VAR):
        expectations.configure_checkpoint(context)


PROVIDER_SCRIPT = """
import functools, json, sys
from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator
from great_expectations_provider.common.errors import GXValidationFailed
import expectations

url, root = sys.argv[1], sys.argv[2]
op = GXValidateCheckpointOperator(
    task_id="gx_checks",
    configure_checkpoint=expectations.configure_checkpoint,
    context_type="file",
    configure_file_data_context=functools.partial(expectations.file_context, root, warehouse_url=url),
)

class TI:
    def xcom_push(self, key, value):
        self.pushed = value

ti = TI()
try:
    op.execute({"params": {}, "ti": ti})
    raised = False
except GXValidationFailed:
    raised = True
print(json.dumps({"raised": raised, "success": ti.pushed["success"],
                  "n": len(ti.pushed["validation_results"])}))
"""


def test_provider_operator_runs_configure_checkpoint_on_a_file_context(url, tmp_path):
    """GXValidateCheckpointOperator(context_type="file") with our two callables (own process:
    importing Airflow sets up its logging)."""
    load_marts(url)
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow_home"), "PYTHONPATH": str(REPO)}
    env.pop(expectations.URL_ENV_VAR, None)
    out = subprocess.run(
        [sys.executable, "-c", PROVIDER_SCRIPT, url, str(tmp_path / "gx")],
        check=True, cwd=REPO, env=env, capture_output=True, text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    # the checkpoint fails (t_bad) and the operator raises; nothing is written to dq by this path
    assert result == {"raised": True, "success": False, "n": 3}
    assert (tmp_path / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('dq.validation_results')").fetchone()[0] is None
