"""BI never sees half a rebuild (#15 item 7): dbt builds the marts in marts_build and a complete,
tested build is published to `marts` in one transaction (antq/publish.py).

Everything BI sees is read as bi_reader, on a real warehouse, with real dbt builds: a build that
fails in a model or in a test leaves every mart exactly as it was; the next good build shows the
whole new build; the copy a build starts from is one or more nights behind, and still ends equal to
a rebuild from scratch; bi_reader cannot read the copy being built.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors

from antq import config, publish, roles, status
from antq.ingest import night
from antq.ingest.plan import nightly

from marts import dbt, digests, split_nights

pytestmark = pytest.mark.integration  # dbt builds and Airflow's DagBag


def _build(url: str, tmp_path: Path, *args: str) -> str:
    proc = dbt(url, tmp_path, "build", *args)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "marts published" in proc.stdout
    return proc.stdout


def _as_bi_reader(url: str) -> psycopg.Connection:
    """The same database as bi_reader (the test server trusts 127.0.0.1: a role logs in by name)."""
    parts = urlsplit(url)
    netloc = f"{roles.BI_READER}@{parts.hostname or '127.0.0.1'}" + (f":{parts.port}" if parts.port else "")
    return psycopg.connect(config.libpq_url(urlunsplit((parts.scheme, netloc, *parts[2:]))), autocommit=True)


def bi_sees(url: str) -> dict:
    """Every mart as bi_reader reads it: (rows, md5 of all rows in a stable order)."""
    with _as_bi_reader(url) as conn:
        marts = digests(conn)
        assert len(marts) >= 16, list(marts)
        return marts


def _one(url: str, query: str, *params):
    with psycopg.connect(config.libpq_url(url)) as conn:
        return conn.execute(query, params).fetchone()[0]


def _execute(url: str, query: str, *params) -> None:
    with psycopg.connect(config.libpq_url(url)) as conn:
        conn.execute(query, params)


def _report_id(url: str, file_prefix: str) -> str:
    return _one(url, "select report_id from staging.reports where doc like %s", file_prefix + "%")


def restage(url: str, report_id: str, drop_measures_like: str | None = None) -> None:
    """What a re-extraction does to a report, as the loader would: (fewer figures and) a new staged_at."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        if drop_measures_like:
            conn.execute(
                "delete from staging.figures where report_id = %s and measure like %s", (report_id, drop_measures_like)
            )
        conn.execute(
            """update staging.reports set staged_at = clock_timestamp(),
                            figure_count = (select count(*) from staging.figures where report_id = %s)
                        where report_id = %s""",
            (report_id, report_id),
        )


def add_figure(url: str, report_id: str, figure_id: str, measure: str, value: int, attrs: str = "{}") -> None:
    """A staged figure as a faulty extractor could write it; the report is re-staged with it."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        conn.execute(
            """insert into staging.figures (figure_id, report_id, ordinal, surface, value, unit, measure, qualifier,
                                            attrs, char_start, char_end, sentence_no, extractor_version)
               select %s, report_id, 999, %s, %s, 'xã', %s, 'exact', %s::jsonb, 0, 4, 1, extractor_version
               from staging.reports where report_id = %s""",
            (figure_id, str(value), value, measure, attrs, report_id),
        )
    restage(url, report_id)


def validated(url: str, run_id: str) -> None:
    """Record every staged report as validated, as the validation after a publication does (the
    night's dbt tests and drop rules must not lean on it: the build copy may be nights behind)."""
    _execute(
        url,
        """insert into dq.validated_reports (run_id, report_id, staged_at, validated_at)
                     select %s, report_id, staged_at, now() from staging.reports""",
        run_id,
    )


@pytest.fixture
def nights(tmp_path):
    """The sample reports in two nights: 000-002, then 003-004."""
    return split_nights(tmp_path)


def test_a_failed_build_leaves_bi_on_the_previous_build_and_the_next_good_one_shows_all_of_it(
    warehouse_db, nights, tmp_path
):
    url = warehouse_db
    first, second = nights
    night.run(url, first, nightly(date(2024, 1, 1)), "night-1")
    _build(url, tmp_path)
    before = bi_sees(url)
    assert before["dim_report"][0] == 3
    publications = _one(url, "select count(*) from transform.marts_publications")

    # night 2: two new reports, and one of them carries a figure fct_coverage cannot read (its total
    # is a word): fct_coverage fails after other marts of the build were committed
    night.run(url, second, nightly(date(2024, 1, 2)), "night-2")
    report_003, report_004 = _report_id(url, "003"), _report_id(url, "004")
    add_figure(url, report_003, f"{report_003}:poison", "coverage.units", 10, '{"total": "mười"}')
    failed = dbt(url, tmp_path, "build", check=False)
    assert failed.returncode != 0 and "fct_coverage" in failed.stdout and "marts published" not in failed.stdout
    # the build did commit marts before it failed: in marts_build, which BI cannot read
    assert _one(url, "select count(distinct report_id) from marts_build.fct_figures") == 5
    assert _one(url, "select count(*) from marts_build.dim_report") == 5
    assert bi_sees(url) == before
    assert _one(url, "select count(*) from transform.marts_publications") == publications
    with psycopg.connect(config.libpq_url(url)) as conn:
        waiting = publish.state(conn)
    assert waiting["publication"] == publications and waiting["unpublished_models"] > 0
    assert "fct_figures" in _one(url, "select array_agg(model) from transform.marts_builds")
    text = status.render(status.collect(url))  # what an operator reads the morning after
    assert f"publication {publications} (dbt build" in text and "not published:" in text

    # every model builds now, but a test fails (a negative count): still nothing published
    _execute(url, "delete from staging.figures where figure_id = %s", f"{report_003}:poison")
    restage(url, report_003)
    add_figure(url, report_004, f"{report_004}:negative", "tips.cases", -3)
    failed = dbt(url, tmp_path, "build", check=False)
    assert failed.returncode != 0 and "not_negative" in failed.stdout and "marts published" not in failed.stdout
    assert _one(url, "select count(*) from marts_build.fct_figures where value < 0") == 1
    assert bi_sees(url) == before
    assert _one(url, "select count(*) from transform.marts_publications") == publications

    # the next good build: BI sees all of it at once
    _execute(url, "delete from staging.figures where figure_id = %s", f"{report_004}:negative")
    restage(url, report_004)
    _build(url, tmp_path)
    after = bi_sees(url)
    assert after["dim_report"][0] == 5 and after != before
    with _as_bi_reader(url) as conn:
        assert conn.execute("select count(distinct report_id) from marts.fct_figures").fetchone()[0] == 5
        assert (
            conn.execute(
                "select count(*) from marts.fct_figures where value < 0 or figure_id like '%%:poison'"
            ).fetchone()[0]
            == 0
        )

    # publishing again publishes nothing and swaps nothing back (a retried publish task)
    assert publish.publish_marts(url, "retry")["published"] is None
    assert bi_sees(url) == after

    # and the night after the failed ones equals a rebuild from scratch
    _build(url, tmp_path, "--full-refresh")
    assert bi_sees(url) == after


def test_a_build_nights_behind_ends_equal_to_a_rebuild_from_scratch(warehouse_db, nights, tmp_path):
    """Each build starts from the copy BI read before the last publication: night 3 starts from
    night 1's copy, and must take in night 2 (new reports, a report re-staged without its tips) and
    night 3 (a report re-staged without its police figures)."""
    url = warehouse_db
    first, second = nights
    night.run(url, first, nightly(date(2024, 1, 1)), "night-1")
    _build(url, tmp_path)
    validated(url, "night-1")
    report_000, report_001 = _report_id(url, "000"), _report_id(url, "001")
    assert _one(url, "select count(*) from marts.fct_tips where report_id = %s", report_001) == 1

    night.run(url, second, nightly(date(2024, 1, 2)), "night-2")
    restage(url, report_001, "tips.%")  # a newer extractor reads no tips in it
    _build(url, tmp_path)
    validated(url, "night-2")
    assert _one(url, "select count(*) from marts.fct_tips where report_id = %s", report_001) == 0

    restage(url, report_000, "police.%")
    assert _one(url, "select count(*) from marts_build.dim_report") == 3  # night 1's copy, two nights behind
    assert _one(url, "select count(*) from marts_build.fct_tips where report_id = %s", report_001) == 1
    _build(url, tmp_path)
    incremental = bi_sees(url)
    with _as_bi_reader(url) as conn:
        one = lambda q, *p: conn.execute(q, p).fetchone()[0]  # noqa: E731
        assert one("select count(*) from marts.dim_report") == 5
        assert one("select count(*) from marts.fct_tips where report_id = %s", report_001) == 0
        assert one("select count(*) from marts.fct_force where report_id = %s", report_000) == 0
        assert (
            one(
                "select count(*) from marts.fct_measure_statements where report_id = %s and measure like 'tips.%%'",
                report_001,
            )
            == 0
        )

    _build(url, tmp_path, "--full-refresh")
    assert bi_sees(url) == incremental


def test_bi_reader_reads_marts_and_never_the_build(warehouse_db, nights, tmp_path):
    url = warehouse_db
    first, _ = nights
    night.run(url, first, nightly(date(2024, 1, 1)), "night-1")
    for build_no in (1, 2):  # the second publication puts the first one's copy in marts_build
        _build(url, tmp_path)
        if build_no == 2:
            assert _one(url, "select count(*) from marts_build.fct_figures") > 0
        with _as_bi_reader(url) as conn:
            assert conn.execute("select count(*) from marts.fct_figures").fetchone()[0] > 0
            assert conn.execute("select has_schema_privilege('marts', 'usage')").fetchone()[0]
            assert not conn.execute("select has_schema_privilege('marts_build', 'usage')").fetchone()[0]
            for statement in (
                "select * from marts_build.fct_figures",
                "select * from marts_build.dim_report",
                "select * from transform.marts_publications",
                "select transform.publish_marts()",
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(statement)
    # the schemas' grants stayed with their names through the renames
    with psycopg.connect(config.libpq_url(url)) as conn:
        acl = dict(
            conn.execute("select nspname, nspacl::text from pg_namespace where nspname in ('marts', 'marts_build')")
        )
    assert roles.BI_READER in acl["marts"] and roles.BI_READER not in acl["marts_build"]


def test_dbt_as_the_transformer_publishes_through_the_one_function_it_may_run(
    warehouse_db, nights, tmp_path, monkeypatch
):
    """Renaming a schema takes its owner; antq_transformer owns none, and publishes through
    transform.publish_marts (SECURITY DEFINER), the only thing of it granted to it."""
    url = warehouse_db
    night.run(url, nights[0], nightly(date(2024, 1, 1)), "night-1")
    monkeypatch.setenv("ANTQ_TRANSFORMER_USER", roles.TRANSFORMER)  # read by config.dbt_env
    for _ in range(2):  # the second build starts from the copy the first publication put aside
        _build(url, tmp_path)
    assert _one(url, "select count(*) from transform.marts_publications") == 2
    assert (
        _one(url, "select count(*) from pg_tables where schemaname = 'marts' and tableowner = %s", roles.TRANSFORMER)
        >= 16
    )
    assert bi_sees(url)["dim_report"][0] == 3
    parts = urlsplit(url)
    as_transformer = urlunsplit((parts.scheme, f"{roles.TRANSFORMER}@{parts.hostname}:{parts.port}", *parts[2:]))
    with psycopg.connect(config.libpq_url(as_transformer), autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("alter schema marts rename to not_marts")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("select transform.set_schema_acl('marts', null)")


def test_the_dag_publishes_after_every_dbt_task_and_validates_what_bi_reads(dagbag):
    _, serialized = dagbag
    dag = serialized["antq_transform"]
    publish_task, validate_task = dag.get_task("publish"), dag.get_task("validate")
    dbt_tasks = {t for t in dag.task_ids if t.startswith("dbt.")}
    assert dbt_tasks and dbt_tasks <= set(publish_task.get_flat_relative_ids(upstream=True))
    assert publish_task.trigger_rule == "all_success" and publish_task.retries >= 2
    assert validate_task.upstream_task_ids == {"publish"}
