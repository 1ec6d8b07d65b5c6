"""expectations/: GX consistency checks after dbt, against the real local PostgreSQL.

Each test module run gets its own database (unique name), dropped at the end. Each test
rebuilds the marts it needs with plain SQL shaped like the dbt models.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

import expectations
from expectations import verdicts
from expectations.rules import RuleError, dbt_vars, load_rules

SOCKET_DIR = "/var/run/postgresql"
REPO = Path(__file__).resolve().parents[1]

MARTS_DDL = """
DROP SCHEMA IF EXISTS marts CASCADE;
DROP SCHEMA IF EXISTS dq CASCADE;
DROP SCHEMA IF EXISTS staging CASCADE;
CREATE SCHEMA marts;
CREATE SCHEMA staging;
-- what a validation run reads to know which reports are new (the loader's table, cut down)
CREATE TABLE staging.reports (report_id text PRIMARY KEY, staged_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE marts.fct_targets (
    figure_id text PRIMARY KEY, report_id text, doc text, province text, measure text,
    subject text, actual numeric, target numeric, stated_pct numeric, computed_pct numeric,
    pct_consistent boolean, qualifier text);
CREATE TABLE marts.fct_figures (
    figure_id text PRIMARY KEY, report_id text, doc text, province_code text, report_date date,
    period_start date, period_end date, measure text, value numeric, unit text, qualifier text,
    is_approximate boolean, part_of_figure_id text, is_breakdown_part boolean, attrs jsonb,
    char_start integer, sentence text);
CREATE TABLE marts.fct_coverage (
    figure_id text PRIMARY KEY, report_id text, doc text, covered numeric, total numeric,
    unit_kind text);
CREATE TABLE marts.fct_tips (
    report_id text PRIMARY KEY, province_code text, tips_received numeric,
    tips_received_is_approximate boolean, tips_valuable numeric,
    tips_valuable_is_approximate boolean, cases numeric, arrests numeric);
CREATE TABLE marts.dim_report (
    report_id text PRIMARY KEY, file_name text, province_code text, report_date date,
    period_start date, period_end date);
-- what dbt's fct_period_ranges holds for these rows (its first build), which the previous-period
-- rule reads: a view, so the figures a test inserts are in it
CREATE VIEW marts.fct_period_ranges AS
SELECT province_code, measure, lower(btrim(coalesce(unit, ''))) AS unit_key, period_start, period_end,
       period_end - period_start + 1 AS days, min(value) AS low, max(value) AS high, count(*) AS figure_count
FROM marts.fct_figures
WHERE province_code IS NOT NULL AND measure IS NOT NULL AND period_start IS NOT NULL
  AND period_end >= period_start AND value > 0
GROUP BY 1, 2, 3, 4, 5;
"""

# (figure_id, actual, target, stated_pct); computed_pct / pct_consistent derived as dbt does
# (dbt_project/models/marts/fct_targets.sql), with the tolerance dbt_project.yml declares.
PCT_TOLERANCE_POINTS = dbt_vars()["pct_tolerance_points"]
TARGETS = [
    ("t_bad", 252554, 250814, 106.7),  # 100.69% computed: off by 6.01 points
    ("t_ok", 102, 100, 102.0),
    ("t_close", 252554, 250814, 100.7),  # off by 0.01: within tolerance
    ("t_no_stated", 50, 100, None),
    ("t_no_target", 5, None, 80.0),
    ("t_zero_target", 5, 0, 80.0),
]
FIGURE_COLUMNS = (
    "figure_id",
    "report_id",
    "doc",
    "province_code",
    "report_date",
    "period_start",
    "period_end",
    "measure",
    "value",
    "unit",
    "qualifier",
    "is_approximate",
    "part_of_figure_id",
    "is_breakdown_part",
    "attrs",
    "char_start",
    "sentence",
)


def figure_row(fid, measure, value, unit, part_of=None, **extra):
    """A marts.fct_figures row (dict) with the defaults of one report of province 06 for 2022."""
    row = {
        "figure_id": fid,
        "report_id": "r1",
        "doc": "000.txt",
        "province_code": "06",
        "report_date": None,
        "period_start": "2022-01-01",
        "period_end": "2022-12-31",
        "measure": measure,
        "value": value,
        "unit": unit,
        "qualifier": "exact",
        "is_approximate": False,
        "part_of_figure_id": part_of,
        "is_breakdown_part": False,
        "attrs": "{}",
        "char_start": 0,
        "sentence": "the sentence of the figures",
    }
    unknown = set(extra) - set(row)
    assert not unknown, unknown
    row.update(extra)
    if row["qualifier"] != "exact" and "is_approximate" not in extra:
        row["is_approximate"] = True
    return row


FIGURES = [
    # figure_id, measure, value, unit, part_of_figure_id
    ("f_tips", "tips.received", 726, "nguồn tin", None),
    ("f_tips_valuable", "tips.valuable", 655, "nguồn tin", "f_tips"),
    ("f_ammo", "weapons.ammunition", 35.5, "kg", None),
    ("f_pct", "other", 98.5, "%", None),
    ("f_money", "money.vnd", 48550000.5, "đồng", None),
    ("f_rate", "target.achievement", 252554, "CCCD", None),
    # "22 Cụm an ninh liên hoàn gồm 01 tuyến ..., 07 cụm liên tỉnh, 02 cụm liên huyện, 12 cụm liên xã"
    figure_row("f_cum", "groups.count", 22, "Cụm an ninh liên hoàn", char_start=1305),
    figure_row("f_cum_1", "groups.count", 1, "tuyến", "f_cum", is_breakdown_part=True, char_start=1336),
    figure_row("f_cum_7", "groups.count", 7, "cụm liên tỉnh", "f_cum", is_breakdown_part=True, char_start=1437),
    figure_row("f_cum_2", "groups.count", 2, "cụm liên huyện", "f_cum", is_breakdown_part=True, char_start=1455),
    figure_row("f_cum_12", "groups.count", 12, "cụm liên xã", "f_cum", is_breakdown_part=True, char_start=1485),
    # the same province and measure a year later: 780 against 726 is no jump
    figure_row(
        "f_tips_2023",
        "tips.received",
        780,
        "nguồn tin",
        report_id="r2",
        period_start="2023-01-01",
        period_end="2023-12-31",
    ),
]
COVERAGE = [("c_all", 102, 102, "xã"), ("c_most", 85, 90, "xã")]
# report_id, tips_received, received approximate?, tips_valuable (as marts.fct_tips sums them)
TIPS = [("r_kon_tum", 726, False, 655), ("r_valuable_only", None, False, 507)]
# report_id, report_date, period_start, period_end: the five sample reports' dates
REPORTS = [
    ("r000", None, "2022-01-01", "2022-12-31"),
    ("r001", "2024-10-16", "2019-01-01", "2024-12-31"),  # "giai đoạn 2019-2024", met before its end
    ("r002", "2023-01-06", "2022-01-01", "2022-12-31"),
    ("r003", "2023-05-25", "2013-08-01", "2023-08-01"),  # "10 năm thực hiện (2013-2023)"
    ("r004", None, "2023-01-01", "2023-12-31"),
]


@pytest.fixture(scope="module")
def module_db(databases):
    """One empty database for the module (each test rebuilds the schemas it needs: load_marts)."""
    with databases.empty() as url:
        yield url


@pytest.fixture
def dbname(module_db):
    return urlsplit(module_db).path.lstrip("/")


@pytest.fixture
def url(module_db):
    return module_db


def insert_figures(cur, figures):
    cols = ", ".join(FIGURE_COLUMNS)
    marks = ", ".join(f"%({c})s" for c in FIGURE_COLUMNS)
    for f in figures:
        row = f if isinstance(f, dict) else figure_row(*f)
        cur.execute(f"INSERT INTO marts.fct_figures ({cols}) VALUES ({marks})", row)


def load_marts(url, targets=TARGETS, figures=FIGURES, coverage=COVERAGE, tips=TIPS, reports=REPORTS):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(MARTS_DDL)
        with conn.cursor() as cur:
            for fid, actual, target, stated in targets:
                cur.execute(
                    """
                    INSERT INTO marts.fct_targets (figure_id, report_id, doc, province, measure,
                        subject, actual, target, stated_pct, computed_pct, pct_consistent, qualifier)
                    SELECT %(fid)s, 'r1', '000.txt', 'Tỉnh A', 'target.achievement', 'CCCD',
                           %(actual)s::numeric, %(target)s::numeric, %(stated)s::numeric,
                           round(c.pct, 2),
                           CASE WHEN %(stated)s::numeric IS NULL OR c.pct IS NULL THEN NULL
                                ELSE abs(%(stated)s::numeric - c.pct) <= %(tolerance)s::numeric END,
                           'exact'
                    FROM (SELECT 100 * %(actual)s::numeric / nullif(%(target)s::numeric, 0) AS pct) c
                    """,
                    {
                        "fid": fid,
                        "actual": actual,
                        "target": target,
                        "stated": stated,
                        "tolerance": PCT_TOLERANCE_POINTS,
                    },
                )
            insert_figures(cur, figures)
            for fid, covered, total, kind in coverage:
                cur.execute(
                    "INSERT INTO marts.fct_coverage VALUES (%s, 'r1', '000.txt', %s, %s, %s)",
                    (fid, covered, total, kind),
                )
            for rid, received, received_approx, valuable in tips:
                cur.execute(
                    "INSERT INTO marts.fct_tips (report_id, province_code, tips_received,"
                    " tips_received_is_approximate, tips_valuable, tips_valuable_is_approximate)"
                    " VALUES (%s, '06', %s, %s, %s, false)",
                    (rid, received, received_approx, valuable),
                )
            for rid, report_date, start, end, *province in reports:  # province '06' unless given
                cur.execute(
                    "INSERT INTO marts.dim_report VALUES (%s, %s, %s, %s, %s, %s)",
                    (rid, f"{rid}.txt", province[0] if province else "06", report_date, start, end),
                )
            stage_reports_of_marts(cur)


def stage_reports_of_marts(cur):
    """Every report the marts mention, in staging.reports (as staged now, if it is not there)."""
    cur.execute(
        "INSERT INTO staging.reports (report_id) SELECT report_id FROM ("
        " SELECT report_id FROM marts.fct_targets UNION SELECT report_id FROM marts.fct_figures"
        " UNION SELECT report_id FROM marts.fct_coverage UNION SELECT report_id FROM marts.fct_tips"
        " UNION SELECT report_id FROM marts.dim_report) AS r"
        " WHERE report_id IS NOT NULL ON CONFLICT DO NOTHING"
    )


def snapshot_marts(url):
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"SELECT to_jsonb(x) FROM marts.{t} x ORDER BY 1").fetchall()
            for t in ("fct_targets", "fct_figures", "fct_coverage", "fct_tips", "dim_report")
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
    "breakdown_parts_sum_to_whole",
    "counts_are_whole_non_negative",
    "coverage_not_above_total",
    "figure_jump_against_previous_period",
    "part_not_larger_than_whole",
    "parts_sum_not_above_whole",
    "report_dates_plausible",
    "report_reads_as_a_report",
    "stated_pct_matches_actual_over_target",
    "tips_valuable_not_above_received",
]
WARNING_RULES = [
    "breakdown_parts_sum_to_whole",
    "counts_are_whole_non_negative",
    "figure_jump_against_previous_period",
    "parts_sum_not_above_whole",
    "report_dates_plausible",
    "report_reads_as_a_report",
    "tips_valuable_not_above_received",
]
ERROR_RULES = [r for r in ALL_RULES if r not in WARNING_RULES]


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
    for name in ALL_RULES:
        if name != "stated_pct_matches_actual_over_target":
            assert by_rule[name][3] is True and by_rule[name][4] == 0, name
    assert {r[1] for r in results} == {"targets", "coverage", "figures", "tips", "reports"}
    assert by_rule["figure_jump_against_previous_period"][5] == "warning"

    assert [(f[1], f[2]) for f in flagged] == [("t_bad", "stated_pct_matches_actual_over_target")]
    assert flagged[0][3] == "stated 106.7% but 252554/250814 = 100.69% (off by 6.01 points)"

    assert first["run_id"] == "run-1"
    assert (first["evaluated"], first["passed"], first["failed"], first["warnings"]) == (
        len(ALL_RULES),
        len(ALL_RULES) - 1,
        1,
        0,
    )
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

    # Another run_id does not touch run-1's rows (and has no new report to check).
    assert expectations.run_checks(url, "run-2", root)["reports_validated"] == 0
    assert dq_rows(url, "run-1") == (results2, flagged2)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM dq.validation_results").fetchone()[0] == 2 * len(ALL_RULES)

    assert snapshot_marts(url) == before

    # No credentials (no connection string at all) in the GX config written to disk.
    gx_dir = root / "gx"
    yml = (gx_dir / "great_expectations.yml").read_text()
    assert "${ANTQ_GX_WAREHOUSE_URL}" in yml and "127.0.0.1" not in yml
    for p in gx_dir.rglob("*"):
        if p.is_file() and p.suffix in (".yml", ".json"):
            assert "postgres@" not in p.read_text(errors="ignore"), p
    assert os.environ.get(expectations.URL_ENV_VAR) == env_before  # set only during the run


def test_a_run_validates_the_reports_staged_since_the_last_validation(url, tmp_path):
    """A night checks its own reports (against the whole history), records them in
    dq.validated_reports, and leaves the already validated ones alone; scope="all" rechecks all."""
    load_marts(url)
    root = tmp_path / "gx"
    with psycopg.connect(url) as conn:
        staged = conn.execute("SELECT count(*) FROM staging.reports").fetchone()[0]

    first = expectations.run_checks(url, "night-1", root)
    assert first["scope"] == "unvalidated" and first["reports_validated"] == staged
    assert first["failed_expectations"] == ["stated_pct_matches_actual_over_target"]

    # the next night brings one report: a wrong percentage, and tips 10x the previous year's
    # (that year's figure is in a report validated the night before)
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO marts.fct_targets (figure_id, report_id, actual, target, stated_pct, computed_pct)"
            " VALUES ('t_new_bad', 'r_new', 50, 100, 80, 50)"
        )
        insert_figures(
            cur,
            [
                figure_row(
                    "f_tips_2024",
                    "tips.received",
                    9000,
                    "nguồn tin",
                    report_id="r_new",
                    period_start="2024-01-01",
                    period_end="2024-12-31",
                )
            ],
        )
        stage_reports_of_marts(cur)
    second = expectations.run_checks(url, "night-2", root)
    assert second["reports_validated"] == 1
    assert second["failed_expectations"] == ["stated_pct_matches_actual_over_target"]
    assert second["warning_expectations"] == ["figure_jump_against_previous_period"]
    _, flagged = dq_rows(url, "night-2")
    assert [(f[1], f[2]) for f in flagged] == [
        ("f_tips_2024", "figure_jump_against_previous_period"),
        ("t_new_bad", "stated_pct_matches_actual_over_target"),
    ]
    assert "9000 nguồn tin for 2024-01-01..2024-12-31" in flagged[0][3] and "780" in flagged[0][3]
    with psycopg.connect(url) as conn:
        ledger = conn.execute(
            "SELECT run_id, report_id, validated_at IS NOT NULL FROM dq.validated_reports WHERE run_id = 'night-2'"
        ).fetchall()
    assert ledger == [("night-2", "r_new", True)]

    # nothing new: nothing checked, nothing fails
    third = expectations.run_checks(url, "night-3", root)
    assert third["reports_validated"] == 0 and third["failed"] == 0 and third["flagged_figures"] == 0

    # a run that died after it started: its reports are checked by the next one
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE staging.reports SET staged_at = now() WHERE report_id = 'r1'")
        assert [r[0] for r in expectations.start_validation(conn, "died")] == ["r1"]
    fourth = expectations.run_checks(url, "night-4", root)
    assert fourth["reports_validated"] == 1
    assert fourth["failed_expectations"] == ["stated_pct_matches_actual_over_target"]  # t_bad is r1's
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM dq.validated_reports WHERE run_id = 'died'").fetchone()[0] == 0

    # an audit of everything
    audit = expectations.run_checks(url, "audit", root, scope="all")
    assert audit["scope"] == "all" and audit["reports_validated"] == staged + 1
    _, flagged = dq_rows(url, "audit")
    assert {f[1] for f in flagged} == {"t_bad", "t_new_bad", "f_tips_2024"}
    with pytest.raises(ValueError, match="scope"):
        expectations.run_checks(url, "x", root, scope="yesterday")


def test_every_rule_catches_its_bad_rows(url, tmp_path):
    import datetime

    next_month = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    load_marts(
        url,
        figures=FIGURES
        + [
            ("f_part_too_big", "tips.valuable", 800, "nguồn tin", "f_tips"),
            ("f_negative", "tips.received", -3, "tin", None),
            ("f_fraction", "groups.count", 2.5, "tổ", None),
            ("f_tonnes", "other", 1.25, "tấn", None),
            ("f_teams", "groups.count", 10, "tổ công tác", None),
            ("f_teams_a", "groups.count", 6, "tổ xã", "f_teams"),
            ("f_teams_b", "groups.count", 5, "tổ thôn", "f_teams"),
            figure_row("f_cum_short", "groups.count", 22, "cụm", report_id="r9"),
            figure_row(
                "f_cs_7", "groups.count", 7, "cụm liên tỉnh", "f_cum_short", is_breakdown_part=True, char_start=10
            ),
            figure_row(
                "f_cs_2", "groups.count", 2, "cụm liên huyện", "f_cum_short", is_breakdown_part=True, char_start=20
            ),
            figure_row(
                "f_cs_12", "groups.count", 12, "cụm liên xã", "f_cum_short", is_breakdown_part=True, char_start=30
            ),
            figure_row(
                "f_tips_2024",
                "tips.received",
                9000,
                "nguồn tin",
                report_id="r3",
                period_start="2024-01-01",
                period_end="2024-12-31",
            ),
            figure_row("f_xml_id", "other", 778899, "id", report_id="r_dump"),
        ],
        coverage=COVERAGE + [("c_over", 103, 102, "xã")],
        tips=TIPS + [("r_bad_tips", 100, False, 150)],
        reports=REPORTS + [("r_future", next_month, "2022-01-01", "2022-12-31"), ("r_dump", None, None, None, None)],
    )
    before = snapshot_marts(url)
    summary = expectations.run_checks(url, "bad", tmp_path / "gx")

    assert summary["failed"] == len(ERROR_RULES) and summary["passed"] == 0
    assert sorted(summary["failed_expectations"]) == ERROR_RULES
    assert summary["warnings"] == len(WARNING_RULES) and sorted(summary["warning_expectations"]) == WARNING_RULES
    assert summary["errored_expectations"] == []
    _, flagged = dq_rows(url, "bad")
    got = {(f[2], f[1]): f[3] for f in flagged}
    assert set(got) == {
        ("breakdown_parts_sum_to_whole", "f_cum_short"),
        ("counts_are_whole_non_negative", "f_fraction"),
        ("counts_are_whole_non_negative", "f_negative"),
        ("coverage_not_above_total", "c_over"),
        ("figure_jump_against_previous_period", "f_tips_2024"),
        ("part_not_larger_than_whole", "f_part_too_big"),
        ("parts_sum_not_above_whole", "f_teams"),
        ("parts_sum_not_above_whole", "f_tips"),  # 655 + 800 > 726
        ("report_dates_plausible", "r_future"),
        ("report_reads_as_a_report", "r_dump"),
        ("stated_pct_matches_actual_over_target", "t_bad"),
        ("tips_valuable_not_above_received", "r_bad_tips"),
    }
    assert got[("coverage_not_above_total", "c_over")] == "covered 103 is more than the total 102 xã"
    assert got[("part_not_larger_than_whole", "f_part_too_big")] == ("part 800 is larger than its whole 726 (f_tips)")
    assert got[("counts_are_whole_non_negative", "f_negative")] == "negative value -3"
    assert got[("parts_sum_not_above_whole", "f_teams")] == (
        "parts 6 + 5 = 11 are more than their whole 10 tổ công tác"
    )
    assert got[("breakdown_parts_sum_to_whole", "f_cum_short")] == (
        "breakdown 7 + 2 + 12 = 21 does not add up to its whole 22 cụm (3 listed parts)"
    )
    assert got[("figure_jump_against_previous_period", "f_tips_2024")] == (
        "tips.received 9000 nguồn tin for 2024-01-01..2024-12-31 in province 06 is 11.5x more"
        " than 780 stated for 2023-01-01..2023-12-31"
    )
    assert got[("tips_valuable_not_above_received", "r_bad_tips")] == (
        "report r_bad_tips (figure_id is the report_id): valuable tips 150 are more than the tips received 100"
    )
    assert got[("report_dates_plausible", "r_future")].startswith(
        f"report r_future (figure_id is the report_id): report date {next_month} is in the future"
    )
    assert snapshot_marts(url) == before


def test_tolerance_is_a_parameter_and_changed_rules_update_in_place(url, tmp_path):
    load_marts(url)
    root = tmp_path / "gx"
    assert expectations.run_checks(url, "tol", root)["failed"] == 1

    rules = (REPO / "expectations" / "rules.yaml").read_text()
    assert "tolerance: {dbt_var: pct_tolerance_points}" in rules
    loose = tmp_path / "rules.yaml"
    loose.write_text(rules.replace("tolerance: {dbt_var: pct_tolerance_points}", "tolerance: 7"))
    summary = expectations.run_checks(url, "tol", root, rules_path=loose)
    assert summary["failed"] == 0 and summary["passed"] == len(ALL_RULES)
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
    assert summary["evaluated"] == len(ALL_RULES) - 1 and summary["failed"] == 1
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
    assert len(row[6]["unexpected_rows_sample"]) == verdicts.SAMPLE_ROWS_IN_DETAILS
    assert len({f[1] for f in flagged}) == 250


def test_gx_runs_a_rules_query_once_and_every_row_is_flagged(url, tmp_path, monkeypatch):
    import contextlib

    from great_expectations.execution_engine import SqlAlchemyExecutionEngine
    from great_expectations.expectations import registry

    from expectations import run

    many = [(f"t{i:04d}", 252554, 250814, 106.7) for i in range(250)]
    load_marts(url, targets=many)
    providers = {
        n: dict(registry._registered_metrics[n]["providers"])
        for n in ("unexpected_rows_query.table", "unexpected_rows_query.row_count")
    }
    executed = []
    execute_query = SqlAlchemyExecutionEngine.execute_query

    def recorded(self, query, *args, **kwargs):
        executed.append(str(query))
        return execute_query(self, query, *args, **kwargs)

    def not_again(*args, **kwargs):
        raise AssertionError("a rule's query was run again")

    monkeypatch.setattr(SqlAlchemyExecutionEngine, "execute_query", recorded)
    monkeypatch.setattr(verdicts, "_fetch_all_rows", not_again)
    summary = expectations.run_checks(url, "once", tmp_path / "gx")
    assert summary["flagged_figures"] == 250
    percentage = [q for q in executed if "stated_pct is not null" in q]
    assert len(percentage) == 1 and "count(*)" not in percentage[0].lower()
    results, flagged = dq_rows(url, "once")
    (row,) = [r for r in results if r[2] == "stated_pct_matches_actual_over_target"]
    assert row[3] is False and row[4] == 250 and len({f[1] for f in flagged}) == 250
    assert len(row[6]["unexpected_rows_sample"]) == verdicts.SAMPLE_ROWS_IN_DETAILS
    assert {n: registry._registered_metrics[n]["providers"] for n in providers} == providers  # GX's again

    # without the rows GX read (another GX), they are read again: the same verdict
    monkeypatch.undo()
    monkeypatch.setattr(run, "unexpected_rows_read_once", lambda: contextlib.nullcontext({}))
    expectations.run_checks(url, "once", tmp_path / "gx")
    assert dq_rows(url, "once")[1] and [f[1:] for f in dq_rows(url, "once")[1]] == [f[1:] for f in flagged]


def test_a_run_builds_its_data_docs_once_and_the_index_lists_the_newest_results(url, tmp_path, monkeypatch):
    from great_expectations.data_context import AbstractDataContext

    load_marts(url)
    builds = []
    build = AbstractDataContext.build_data_docs

    def counted(self, *args, **kwargs):
        builds.append(kwargs.get("resource_identifiers"))
        return build(self, *args, **kwargs)

    monkeypatch.setattr(AbstractDataContext, "build_data_docs", counted)
    summary = expectations.run_checks(url, "docs-once", tmp_path / "gx")
    (identifiers,) = builds  # one build for the five suites (GX's action builds once per suite)
    suites = {"targets", "coverage", "figures", "tips", "reports"}
    assert {i.expectation_suite_identifier.name for i in identifiers if hasattr(i, "run_id")} == suites
    site = Path(summary["data_docs_index"]).parent
    pages = sorted(site.glob("validations/*/docs-once/*/*.html"))
    assert {p.relative_to(site).parts[1] for p in pages} == suites
    (targets,) = [p for p in pages if p.relative_to(site).parts[1] == "targets"]
    text = targets.read_text(encoding="utf-8")
    assert "t_bad" in text and "bootstrapcdn.com" not in text  # the failed rule's row, offline
    assert "docs-once" in Path(summary["data_docs_index"]).read_text(encoding="utf-8")
    context = expectations.file_context(tmp_path / "gx")
    (site_config,) = context.variables.data_docs_sites.values()
    assert site_config["site_index_builder"]["validation_results_limit"] == expectations.context.DATA_DOCS_INDEX_LIMIT


def test_gx_turns_decimals_into_the_same_floats_without_reading_the_stack(monkeypatch):
    from decimal import Decimal

    from great_expectations import util as gx_util

    from expectations.context import plain_decimal_conversion

    values = [Decimal("252554"), Decimal("100.69"), Decimal("0.1234567890123456789"), Decimal("-Infinity")]
    expected = [gx_util.convert_to_json_serializable(v) for v in values]
    original = gx_util.convert_decimal_to_float

    def no_stack(*args, **kwargs):
        raise AssertionError("inspect.stack() called")

    monkeypatch.setattr(gx_util, "stack", no_stack)
    with plain_decimal_conversion():
        converted = [gx_util.convert_to_json_serializable(v) for v in values]
    assert converted == expected and [type(v) for v in converted] == [float] * len(values)
    assert gx_util.convert_decimal_to_float is original
    with pytest.raises(AssertionError, match="stack"):
        gx_util.convert_to_json_serializable(Decimal("1.5"))  # GX's own again after the block


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
        "id",
        "run_id",
        "suite",
        "expectation",
        "success",
        "unexpected_count",
        "severity",
        "details",
        "validated_at",
    ]
    assert [c for t, c in cols if t == "flagged_figures"] == [
        "id",
        "run_id",
        "figure_id",
        "expectation",
        "message",
        "flagged_at",
        "severity",
        "report_id",
        "file_name",
        "sentence",
    ]


def test_the_dq_ddl_has_one_home_the_warehouse_ddl_file():
    """ensure_dq_tables applies the `[dq]` section of antq/sql/warehouse.sql (what `antq migrate`
    applies): no DDL of schema dq is written anywhere in expectations/."""
    import re

    from expectations import dq

    warehouse_sql = (REPO / "antq" / "sql" / "warehouse.sql").read_text(encoding="utf-8")
    statements = dq.dq_ddl()
    assert all(s in warehouse_sql for s in statements)
    for table in ("validation_results", "flagged_figures", "validated_reports"):
        assert any(s.startswith(f"create table if not exists dq.{table} (") for s in statements), table
    assert any(s.startswith("create or replace view dq.flags_per_rule") for s in statements)
    ddl = re.compile(r"create\s+(?:table|index|schema)\s+if\s+not\s+exists|create\s+or\s+replace\s+view", re.I)
    for source in (REPO / "expectations").glob("*.py"):
        assert not ddl.search(source.read_text(encoding="utf-8")), source


def test_every_rule_runs_as_gx_runs_it_and_only_the_bad_percentage_fails(url):
    """All rules of rules.yaml, with {batch} substituted the way GX does, on marts shaped like
    the five sample reports: only the 106,7% figure is unexpected."""
    load_marts(url)
    got = {name: unexpected(url, name) for name in ALL_RULES}
    assert got.pop("stated_pct_matches_actual_over_target") == {
        "t_bad": "stated 106.7% but 252554/250814 = 100.69% (off by 6.01 points)"
    }
    assert got == {name: {} for name in got}


def test_rules_file_is_checked():
    rules = load_rules()
    assert sorted(r.name for r in rules.rules) == ALL_RULES
    assert sorted(r.name for r in rules.rules if r.severity == "warning") == WARNING_RULES
    assert {s.qualified_table for s in rules.suites.values()} == {
        "marts.fct_targets",
        "marts.fct_coverage",
        "marts.fct_figures",
        "marts.fct_tips",
        "marts.dim_report",
    }
    assert rules.rule("stated_pct_matches_actual_over_target").params == {"tolerance": 0.5}
    assert PCT_TOLERANCE_POINTS == 0.5
    assert all("{batch}" in r.query for r in rules.rules)


def test_the_percentage_tolerance_is_the_dbt_var_declared_once(tmp_path):
    """rules.yaml reads the tolerance from dbt_project.yml's vars, where fct_targets reads it."""
    project = (REPO / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8")
    assert "pct_tolerance_points: 0.5" in project
    assert "var('pct_tolerance_points'" in (REPO / "dbt_project/models/marts/fct_targets.sql").read_text()
    changed = tmp_path / "dbt_project.yml"
    changed.write_text(project.replace("pct_tolerance_points: 0.5", "pct_tolerance_points: 2"))
    rule = load_rules(dbt_project_file=changed).rule("stated_pct_matches_actual_over_target")
    assert rule.params == {"tolerance": 2} and "> 2\n" in rule.query
    # declared scoped to the project, as dbt also allows
    scoped = tmp_path / "scoped.yml"
    scoped.write_text("name: antq_warehouse\nvars:\n  antq_warehouse:\n    pct_tolerance_points: 1.5\n")
    assert load_rules(dbt_project_file=scoped).rule("stated_pct_matches_actual_over_target").params == {
        "tolerance": 1.5
    }
    undeclared = tmp_path / "undeclared.yml"
    undeclared.write_text("name: antq_warehouse\nvars: {}\n")
    with pytest.raises(RuleError, match="pct_tolerance_points"):
        load_rules(dbt_project_file=undeclared)


def test_the_percentage_rule_flags_exactly_what_dbt_marks_inconsistent(url):
    """GX's stated_pct_matches_actual_over_target and dbt's fct_targets.pct_consistent compare the
    same way: the stated % against the unrounded 100 * actual / target, off by more than the
    tolerance. At the edges: exactly the tolerance off is consistent; 0.5049 off is not, though
    the rounded computed_pct (100.00) is only 0.50 off."""
    edges = TARGETS + [
        ("t_exactly_tolerance", 1005, 1000, 100.0),  # 100.5 computed: off by 0.5
        ("t_just_over_unrounded", 1000049, 1000000, 99.5),  # 100.0049: off by 0.5049, rounded 0.50
        ("t_just_under", 1000049, 1000000, 99.51),  # off by 0.4949
        ("t_below", 2000, 4000, 50.6),  # 50 computed: off by 0.6
    ]
    load_marts(url, targets=edges)
    with psycopg.connect(url) as conn:
        inconsistent = {
            r[0] for r in conn.execute("SELECT figure_id FROM marts.fct_targets WHERE pct_consistent IS false")
        }
    assert inconsistent == {"t_bad", "t_just_over_unrounded", "t_below"}
    got = unexpected(url, "stated_pct_matches_actual_over_target")
    assert set(got) == inconsistent
    assert got["t_just_over_unrounded"] == "stated 99.5% but 1000049/1000000 = 100% (off by 0.5 points)"


@pytest.mark.parametrize(
    "rule, error",
    [
        ("severity: fatal", "severity"),
        ("sql: delete from marts.fct_targets", "SELECT"),
        ("sql: select figure_id, 'x' as message from {batch} where a > {limit}", "parameter"),
        ("sql: \"select figure_id, 'at :b' as message from {batch}\"", "bind parameter"),
        ("sql: select 1 as figure_id, 'x' as message; drop table t", "single statement"),
        # GX leaves {batch} bare in a query with a JOIN (PostgreSQL 15 wants an alias) ...
        ("sql: select b.figure_id, 'x' as message from {batch} join marts.t as w on true", "without an alias"),
        (
            "sql: \"with p as (select * from {batch}) select p.figure_id, 'x' as message"
            ' from p cross join lateral (values (1)) as v(n)"',
            "without an alias",
        ),
        # ... and adds `AS subselect` itself in one without
        ("sql: select figure_id, 'x' as message from {batch} as b", "do not alias"),
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


@pytest.mark.integration  # Airflow's GX operator, in its own process
def test_provider_operator_runs_configure_checkpoint_on_a_file_context(url, tmp_path):
    """GXValidateCheckpointOperator(context_type="file") with our two callables (own process:
    importing Airflow sets up its logging)."""
    load_marts(url)
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow_home"), "PYTHONPATH": str(REPO)}
    env.pop(expectations.URL_ENV_VAR, None)
    out = subprocess.run(
        [sys.executable, "-c", PROVIDER_SCRIPT, url, str(tmp_path / "gx")],
        check=True,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    # the checkpoint fails (t_bad) and the operator raises; nothing is written to dq by this path
    assert result == {"raised": True, "success": False, "n": 5}  # one result per suite
    assert (tmp_path / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").is_file()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('dq.validation_results')").fetchone()[0] is None


# ------------------------------------------------------------------ the rules one by one, in SQL
# Each rule's query (as GX runs it against its table) straight on the fixture marts: fast, and
# every rule gets rows that break it and rows that do not.


def unexpected(url, rule_name):
    rules = load_rules()
    rule = rules.rule(rule_name)
    with psycopg.connect(url) as conn:
        conn.execute("SET default_transaction_read_only = on")
        cur = conn.execute(rule.query_as_gx_runs(rules.suites[rule.suite].qualified_table))
        names = [d.name for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    return {r["figure_id"]: r["message"] for r in rows}


def test_parts_sum_not_above_whole(url):
    load_marts(
        url,
        figures=FIGURES
        + [
            # 6 + 5 > 10: flagged on the whole
            ("w_bad", "groups.count", 10, "tổ", None),
            ("w_bad_a", "groups.count", 6, "tổ", "w_bad"),
            ("w_bad_b", "groups.count", 5, "tổ", "w_bad"),
            # 6 + 4 = 10: fine
            ("w_equal", "groups.count", 10, "tổ", None),
            ("w_equal_a", "groups.count", 6, "tổ", "w_equal"),
            ("w_equal_b", "groups.count", 4, "tổ", "w_equal"),
            # "hơn 10 tổ, trong đó 6 ..., 5 ...": the whole is a lower bound, no contradiction
            figure_row("w_more", "groups.count", 10, "tổ", qualifier="more_than"),
            ("w_more_a", "groups.count", 6, "tổ", "w_more"),
            ("w_more_b", "groups.count", 5, "tổ", "w_more"),
            # "gần 6" is below 6: the sum of the stated numbers can pass the whole
            ("w_nearly", "groups.count", 10, "tổ", None),
            figure_row("w_nearly_a", "groups.count", 6, "tổ", "w_nearly", qualifier="nearly"),
            ("w_nearly_b", "groups.count", 5, "tổ", "w_nearly"),
            # a single part larger than its whole is part_not_larger_than_whole's, not this rule's
            ("w_single", "groups.count", 10, "tổ", None),
            ("w_single_a", "groups.count", 11, "tổ", "w_single"),
        ],
    )
    assert unexpected(url, "parts_sum_not_above_whole") == {
        "w_bad": "parts 6 + 5 = 11 are more than their whole 10 tổ",
    }
    assert set(unexpected(url, "part_not_larger_than_whole")) == {"w_single_a"}


def test_breakdown_parts_sum_to_whole(url):
    def breakdown(whole, whole_value, parts, **whole_extra):
        rows = [figure_row(whole, "groups.count", whole_value, "cụm", char_start=100, **whole_extra)]
        for i, (value, extra) in enumerate(parts):
            rows.append(
                figure_row(
                    f"{whole}_{i}",
                    "groups.count",
                    value,
                    "cụm",
                    whole,
                    char_start=200 + i,
                    **{"is_breakdown_part": True, **extra},
                )
            )
        return rows

    load_marts(
        url,
        figures=FIGURES  # holds the sample's 22 = 1 + 7 + 2 + 12
        + breakdown("b_short", 22, [(7, {}), (2, {}), (12, {})])  # 21: one part missing
        + breakdown("b_over", 20, [(7, {}), (2, {}), (12, {})])  # 21 > 20
        + breakdown("b_approx", 22, [(7, {"qualifier": "nearly"}), (2, {}), (12, {})])
        + breakdown("b_approx_whole", 22, [(7, {}), (12, {})], qualifier="more_than")
        # "trong đó" parts (not an exhaustive list) need not add up to the whole
        + breakdown("b_some", 22, [(7, {"is_breakdown_part": False})]),
    )
    assert unexpected(url, "breakdown_parts_sum_to_whole") == {
        "b_short": "breakdown 7 + 2 + 12 = 21 does not add up to its whole 22 cụm (3 listed parts)",
        "b_over": "breakdown 7 + 2 + 12 = 21 does not add up to its whole 20 cụm (3 listed parts)",
    }
    # a mart built before is_breakdown_part existed: the rule runs and finds no breakdown
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE marts.fct_figures DROP COLUMN is_breakdown_part")
    assert unexpected(url, "breakdown_parts_sum_to_whole") == {}


def test_figure_jump_against_previous_period(url):
    def year(fid, y, value, **extra):
        extra.setdefault("unit", "tin")
        extra.setdefault("measure", "tips.received")
        return figure_row(
            fid,
            extra.pop("measure"),
            value,
            extra.pop("unit"),
            period_start=f"{y}-01-01",
            period_end=f"{y}-12-31",
            report_id=f"r{y}",
            **extra,
        )

    load_marts(
        url,
        figures=[
            year("y2019", 2019, 70),
            year("y2020", 2020, 700),  # 10x exactly: not more than the factor
            year("y2021", 2021, 726),
            year("y2022", 2022, 7300),  # 10.06x 2021: warned
            year("y2023", 2023, 800),  # 9.1x less than 2022: fine
            year("y2023b", 2023, 60),  # 121x less than 2022: warned
            year("y2022_other_unit", 2022, 9000, unit="nguồn tin"),  # no earlier period in this unit
            year("y2021_other_prov", 2021, 10, province_code="62"),
            year("y2022_other_prov", 2022, 99, province_code="62"),  # 9.9x: and both < 100 anyway
            year("y2021_small", 2021, 3, measure="tips.cases", unit="vụ"),
            year("y2022_small", 2022, 40, measure="tips.cases", unit="vụ"),  # 13x but under 100
            year("y2021_other", 2021, 5, measure="other", unit="con dấu"),
            year("y2022_other", 2022, 445, measure="other", unit="con dấu"),  # catch-all: not compared
            year("y2021_zero", 2021, 0, measure="tips.arrests", unit="đối tượng"),
            year("y2022_zero", 2022, 288, measure="tips.arrests", unit="đối tượng"),  # no ratio to 0
            # a month after a year: periods of unlike length are not compared
            figure_row(
                "m2024_01",
                "tips.received",
                20,
                "tin",
                report_id="m1",
                period_start="2024-01-01",
                period_end="2024-01-31",
            ),
            # months: 31 and 29 days are alike; March (6x January) is fine, 1500 after 120 is 12.5x
            figure_row(
                "m2024_03",
                "tips.received",
                120,
                "tin",
                report_id="m3",
                period_start="2024-03-01",
                period_end="2024-03-31",
            ),
            figure_row(
                "m2024_04",
                "tips.received",
                1500,
                "tin",
                report_id="m4",
                period_start="2024-04-01",
                period_end="2024-04-29",
            ),
            # a 5-year phase overlapping the years: never "an earlier period" of them
            figure_row(
                "phase", "tips.received", 6091, "tin", report_id="p", period_start="2019-01-01", period_end="2024-12-31"
            ),
        ],
    )
    got = unexpected(url, "figure_jump_against_previous_period")
    assert got == {
        "y2022": "tips.received 7300 tin for 2022-01-01..2022-12-31 in province 06 is 10.1x more"
        " than 726 stated for 2021-01-01..2021-12-31",
        "y2023b": "tips.received 60 tin for 2023-01-01..2023-12-31 in province 06 is 121.7x less"
        " than 7300 stated for 2022-01-01..2022-12-31",
        "m2024_04": "tips.received 1500 tin for 2024-04-01..2024-04-29 in province 06 is 12.5x more"
        " than 120 stated for 2024-03-01..2024-03-31",
    }
    assert load_rules().rule("figure_jump_against_previous_period").severity == "warning"


def test_tips_valuable_not_above_received(url):
    load_marts(
        url,
        tips=TIPS
        + [
            ("r_bad", 100, False, 150),
            ("r_equal", 150, False, 150),
            ("r_lower_bound", 100, True, 150),  # "hơn 100 tin": no contradiction
            ("r_received_only", 37853, False, None),
        ],
    )
    assert unexpected(url, "tips_valuable_not_above_received") == {
        "r_bad": "report r_bad (figure_id is the report_id): valuable tips 150 are more than the tips received 100",
    }


def test_report_dates_plausible(url):
    import datetime

    today = datetime.date.today()
    future = (today + datetime.timedelta(days=30)).isoformat()
    load_marts(
        url,
        reports=REPORTS
        + [  # the five sample reports pass
            ("r_future", future, "2022-01-01", "2022-12-31"),
            ("r_1985", "1985-06-01", "1985-01-01", "1985-05-31"),
            ("r_backwards", "2023-01-06", "2022-12-31", "2022-01-01"),
            ("r_ends_late", "2022-06-15", "2022-01-01", "2022-12-31"),  # 199 days after the report
            ("r_ends_in_grace", "2022-10-01", "2022-01-01", "2022-12-31"),  # 91 days: fine
            ("r_starts_after", "2022-03-01", "2022-03-05", "2022-03-31"),
            # one report, two problems: two rows
            ("r_two", "2022-03-01", "2022-06-01", "2022-06-30"),
            ("r_undated_future", None, future, future),
            ("r_undated_ok", None, "2023-01-01", "2023-12-31"),
            ("r_dated_today", today.isoformat(), "2023-01-01", "2023-12-31"),
        ],
    )
    rules = load_rules()
    rule = rules.rule("report_dates_plausible")
    with psycopg.connect(url) as conn:
        rows = conn.execute(rule.query_as_gx_runs("marts.dim_report")).fetchall()
    got = sorted((r[0], r[1]) for r in rows)
    prefix = "report {} (figure_id is the report_id): "
    assert [fid for fid, _ in got] == [
        "r_1985",
        "r_backwards",
        "r_ends_late",
        "r_future",
        "r_starts_after",
        "r_two",
        "r_two",
        "r_undated_future",
    ]
    messages = dict(got)
    assert messages["r_1985"] == prefix.format("r_1985") + "report date 1985-06-01 is before 1990-01-01"
    assert messages["r_backwards"] == (
        prefix.format("r_backwards") + "period starts 2022-12-31 after it ends 2022-01-01"
    )
    assert messages["r_ends_late"] == (
        prefix.format("r_ends_late") + "period ends 2022-12-31, more than 92 days after the report date 2022-06-15"
    )
    assert messages["r_future"].startswith(
        prefix.format("r_future") + f"report date {future} is in the future (today is "
    )
    assert messages["r_starts_after"] == (
        prefix.format("r_starts_after") + "period starts 2022-03-05 after the report date 2022-03-01"
    )
    assert [m for fid, m in got if fid == "r_two"] == [
        prefix.format("r_two") + "period ends 2022-06-30, more than 92 days after the report date 2022-03-01",
        prefix.format("r_two") + "period starts 2022-06-01 after the report date 2022-03-01",
    ]
    assert messages["r_undated_future"].startswith(
        prefix.format("r_undated_future") + f"period starts {future} after the report date today "
    )


def test_a_report_with_no_province_and_only_other_figures_is_warned_about(url):
    """#15 item 6: text that is not a readable report got past the extractor (no province found,
    every figure `other`, or none): a warning names it; a report with a province, or with one
    figure of a known measure, passes."""
    load_marts(url, reports=[])
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor() as cur:
            for rid, province in (("r_dump", None), ("r_empty", None), ("r_known", None), ("r_province", "06")):
                cur.execute(
                    "INSERT INTO marts.dim_report VALUES (%s, %s, %s, null, null, null)", (rid, f"{rid}.txt", province)
                )
            insert_figures(
                cur,
                [
                    figure_row("d1", "other", 778899, "id", report_id="r_dump"),
                    figure_row("d2", "other", 5, "lần", report_id="r_dump"),
                    figure_row("k1", "other", 3, "lần", report_id="r_known"),
                    figure_row("k2", "tips.received", 12, "tin báo", report_id="r_known"),
                    figure_row("p1", "other", 3, "lần", report_id="r_province"),
                ],
            )
            stage_reports_of_marts(cur)
    got = unexpected(url, "report_reads_as_a_report")
    assert set(got) == {"r_dump", "r_empty"}
    assert "2 figure(s), all of measure other" in got["r_dump"] and "r_dump.txt" in got["r_dump"]
    assert "no figure" in got["r_empty"]
    assert load_rules().rule("report_reads_as_a_report").severity == "warning"


# ------------------------------------------------------------------ regressions: false flags found
# on the 59 shared reports (`make run` over ../shared/reports and ../shared/dev/reports), each with
# the shape the marts gave the figure; the text of the reports is not copied here.


def test_an_average_is_not_a_count(url):
    """dA_06 "duy trì 5,5 biên chế/xã" and dA_14 "5,3 Công an chính quy" per commune: the extractor
    marks them attrs.subject = average; they are no count to be whole. A fraction that is no average
    is still flagged, as a warning."""
    load_marts(
        url,
        figures=[
            figure_row("f_avg_dA06", "other", 5.5, "biên chế", attrs='{"subject": "average"}'),
            figure_row("f_avg_dA14", "other", 5.3, "Công an chính quy", attrs='{"subject": "average"}'),
            figure_row("f_per_unit", "police.officers", 2.5, "người/xã"),
            figure_row("f_count", "groups.count", 2.5, "tổ"),
        ],
    )
    assert set(unexpected(url, "counts_are_whole_non_negative")) == {"f_count"}
    assert load_rules().rule("counts_are_whole_non_negative").severity == "warning"


def test_the_year_in_progress_is_a_plausible_period(url):
    """24 mid-year reports ("năm 2023" in a report of 28/7/2023) were flagged: the extractor now ends
    a period still running on the report date on that date, and such a period passes."""
    load_marts(
        url,
        reports=[
            ("r_mid_year", "2023-07-28", "2023-01-01", "2023-07-28"),
            ("r_five_years", "2024-10-16", "2019-10-01", "2024-10-16"),
        ],
    )
    assert unexpected(url, "report_dates_plausible") == {}


def test_parts_are_checked_only_when_linked_to_their_whole_with_confidence(url):
    """A breakdown linked to the wrong whole (a part found in another sentence) is not checked; in
    one sentence a part above its whole is an error."""
    other = "another sentence"
    load_marts(
        url,
        figures=[
            figure_row("w", "groups.count", 10, "tổ"),
            figure_row("p_far_a", "groups.count", 8, "tổ", "w", sentence=other, is_breakdown_part=True),
            figure_row("p_far_b", "groups.count", 12, "tổ", "w", sentence=other, is_breakdown_part=True),
            figure_row("w2", "groups.count", 10, "tổ", report_id="r2"),
            figure_row("p_near", "groups.count", 12, "tổ", "w2", report_id="r2"),
            figure_row("w3", "groups.count", 10, "tổ", report_id="r3", qualifier="more_than"),
            figure_row("p_of_approx", "groups.count", 12, "tổ", "w3", report_id="r3"),
        ],
    )
    assert unexpected(url, "part_not_larger_than_whole") == {"p_near": "part 12 is larger than its whole 10 (w2)"}
    assert unexpected(url, "parts_sum_not_above_whole") == {}
    assert unexpected(url, "breakdown_parts_sum_to_whole") == {}


def test_only_certain_errors_are_errors():
    """error: what the text itself contradicts (a stated percentage against its own fraction, a part
    above its whole in one sentence, coverage above its total); everything else a warning."""
    severities = {r.name: r.severity for r in load_rules().rules}
    assert {n for n, s in severities.items() if s == "error"} == {
        "stated_pct_matches_actual_over_target",
        "part_not_larger_than_whole",
        "coverage_not_above_total",
    }


def test_a_flag_carries_its_severity_file_and_sentence(url, tmp_path):
    """dq.flagged_figures: the one-line reason (message), the severity, the report's file and the
    sentence, for a figure (from fct_figures) and for a report (from dim_report); seed 000's 106,7%
    stays an error."""
    load_marts(
        url,
        figures=FIGURES
        + [
            figure_row(
                "t_bad", "target.achievement", 252554, "CCCD", doc="000_19a.txt", sentence="… đạt 106,7% kế hoạch …"
            ),
            figure_row("f_count", "groups.count", 2.5, "tổ", report_id="r004", doc="004.txt", sentence="có 2,5 tổ"),
        ],
        reports=REPORTS + [("r_future", "2999-01-01", "2022-01-01", "2022-12-31")],
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update marts.dim_report set file_name = report_id || '.txt'")
    expectations.run_checks(url, "sent", tmp_path / "gx")
    with psycopg.connect(url) as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(
                "select figure_id, expectation, severity, file_name, sentence, message from dq.flagged_figures "
                "where run_id = 'sent'"
            )
        }
        per_rule = conn.execute(
            "select expectation, severity, flags from dq.flags_per_rule where run_id = 'sent' order by expectation"
        ).fetchall()
    assert rows["t_bad"][:4] == (
        "stated_pct_matches_actual_over_target",
        "error",
        "000_19a.txt",
        "… đạt 106,7% kế hoạch …",
    )
    assert rows["t_bad"][4].startswith("stated 106.7% but 252554/250814 = 100.69%")
    assert rows["f_count"][:4] == ("counts_are_whole_non_negative", "warning", "004.txt", "có 2,5 tổ")
    assert rows["r_future"][:4] == ("report_dates_plausible", "warning", "r_future.txt", None)
    assert ("stated_pct_matches_actual_over_target", "error", 1) in per_rule
