"""The bench's code paths (bench/: `make bench`, `python -m bench`) at tiny sizes (no timing asserts:
speed targets live in the bench's output)."""

from __future__ import annotations

import json
import sys

import psycopg
import pytest

from antq import cli, config
from antq.ingest import night, staging
from antq.ingest.plan import nightly
from bench import speed


def test_run_step_measures_a_child_process_and_reports_a_failure(tmp_path):
    code = "b = bytearray(80 * 2**20); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(0.3)"
    step = speed.run_step("alloc", [sys.executable, "-c", code], {}, tmp_path / "logs")
    assert step.returncode == 0 and step.seconds >= 0.3
    assert step.peak_rss_mb >= 80 and step.peak_tree_rss_mb >= 80
    with pytest.raises(RuntimeError, match=r"(?s)bench step 'boom' failed \(exit 3\).*went wrong"):
        speed.run_step(
            "boom", [sys.executable, "-c", "import sys; print('went wrong'); sys.exit(3)"], {}, tmp_path / "logs"
        )


def test_dbt_run_results_sums_by_kind_and_names_the_slowest(tmp_path):
    path = tmp_path / "run_results.json"
    path.write_text(
        json.dumps(
            {
                "elapsed_time": 9.5,
                "results": [
                    {"unique_id": "model.antq_warehouse.fct_figures", "status": "success", "execution_time": 4.0},
                    {"unique_id": "model.antq_warehouse.dim_report", "status": "success", "execution_time": 1.0},
                    {
                        "unique_id": "test.antq_warehouse.unique_fct_figures_figure_id.abc",
                        "status": "pass",
                        "execution_time": 2.5,
                    },
                ],
            }
        )
    )
    r = speed.dbt_run_results(path, top=2)
    assert r["seconds_by_kind"] == {"model": 5.0, "test": 2.5} and r["nodes"] == 3
    assert [n["node"] for n in r["slowest"]] == [
        "antq_warehouse.fct_figures",
        "antq_warehouse.unique_fct_figures_figure_id.abc",
    ]
    assert speed.dbt_run_results(tmp_path / "missing.json") == {}


def _staged(url) -> tuple[list[tuple], list[tuple]]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        figures = f"select {', '.join(staging.FIGURE_COLUMNS)} from staging.figures order by figure_id"
        sentences = f"select {', '.join(staging.SENTENCE_COLUMNS)} from staging.sentences order by 1, 2"
        return conn.execute(figures).fetchall(), conn.execute(sentences).fetchall()


def test_copy_and_row_by_row_loaders_write_the_same_rows(warehouse_db):
    reports = speed._extracted(3, seed=5)
    built = [staging.staged_rows(rid, rep) for rid, _, _, rep in reports]
    n_figures, n_sentences = sum(len(f) for f, _ in built), sum(len(s) for _, s in built)
    assert 0 < n_sentences < n_figures  # sentences carrying several figures are stored once
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        speed._copy_rows(
            conn,
            "raw.report_files",
            speed.RAW_COLUMNS,
            [(rid, n, n, len(d), d, speed.date.today(), "t") for rid, n, d, _ in reports],
        )
        speed._copy_rows(
            conn,
            "staging.reports",
            staging.REPORT_COLUMNS,
            [staging.report_row(rid, rep, speed.date.today()) for rid, _, _, rep in reports],
        )
        assert speed.copy_staged(conn, built) == n_figures
        conn.commit()
    copied = _staged(warehouse_db)
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        conn.execute("truncate staging.figures, staging.sentences")
        assert speed.insert_row_by_row(conn, built) == n_figures
        conn.commit()
    assert _staged(warehouse_db) == copied
    assert len(copied[0]) == n_figures and len(copied[1]) == n_sentences


def test_first_figures_cuts_the_last_report_and_keeps_only_the_sentences_it_cites():
    reports = speed._extracted(3, seed=5)
    built = [staging.staged_rows(rid, rep) for rid, _, _, rep in reports]
    first_figures = len(built[0][0])
    cut = list(speed._first_figures(built, first_figures + 1))
    assert len(cut) == 2 and cut[0] == built[0] and len(cut[1][0]) == 1
    only = cut[1][0][0]
    assert cut[1][1] == [(only[1], only[11], next(s for r, n, s in built[1][1] if n == only[11]))]


def test_synthesized_history_is_staged_and_not_pending(warehouse_db):
    base = speed._extracted(3, seed=2)
    out = speed.synthesize_history(warehouse_db, 25, base)
    per_base = [len(rep.figures) for _, _, _, rep in base]
    assert out["reports"] == 25 and out["figures"] == sum(per_base[h % 3] for h in range(25))
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        assert one("select count(*) from raw.report_files") == 25
        assert one("select count(*) from raw.file_ledger") == 25
        assert one("select count(*) from staging.reports") == 25
        assert one("select count(*) from staging.figures") == out["figures"]
        # every figure finds its sentence
        assert (
            one("select count(*) from staging.figures f join staging.sentences s using (report_id, sentence_no)")
            == out["figures"]
        )
        assert one("select count(*) from staging.sentences") == sum(
            len(staging.sentence_rows(rid, rep)) for h in range(25) for rid, _, _, rep in [base[h % 3]]
        )
        with_figures = sum(1 for h in range(25) if per_base[h % 3])
        assert one("select count(distinct report_id) from staging.figures") == with_figures
    import extractors

    # a night (today's, as the bench's) has nothing to extract or re-extract in the history
    todo = night.reports_to_extract(warehouse_db, nightly(), extractors.EXTRACTOR_VERSION)
    assert todo == {"pending": [], "reextract": [], "manifest": []}


@pytest.mark.integration  # dbt, GX and Airflow (`airflow dags test`) at tiny sizes
def test_quick_bench_fills_every_section(pg_server, tmp_path, monkeypatch, capsys):
    """Every section at tiny sizes on the test server: the figures are there and the runs are right."""
    monkeypatch.setenv("ANTQ_BENCH_SERVER_URL", pg_server)
    out = tmp_path / "results.json"
    data = speed.run(speed.Params.quick(out=out, sizes=(8,), airflow_size=8, history=40, night=2))
    assert data["errors"] == {}, data["errors"]
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["status"] == "complete" and set(saved["sections"]) == set(speed.SECTIONS)
    s = saved["sections"]
    assert s["extraction"]["samples"]["reports_per_s"] > 0 and s["extraction"]["generated"]["reports_per_s"] > 0
    assert s["load"]["figures"] == 300 and s["load"]["ratio"] > 0
    e2e = s["e2e"]["8"]
    assert set(e2e["steps"]) == {"ingest", "dbt", "gx"}
    c = e2e["counts"]
    assert c["staged_reports"] + c["rejected"] == 8 and c["marts"]["fct_figures"] == c["staged_figures"] > 0
    assert e2e["steps"]["ingest"]["result"]["files_new"] == 8
    assert e2e["steps"]["gx"]["result"]["evaluated"] > 0
    assert e2e["steps"]["dbt"]["result"]["slowest"]
    inc = s["incremental"]
    assert inc["empty"]["counts"]["staged_reports"] == 2
    assert inc["history"]["counts"]["staged_reports"] == 42
    assert inc["history"]["counts"]["marts"]["dim_report"] == 42
    assert inc["history"]["steps"]["ingest"]["result"]["staged"] == 2  # only the night's reports extracted
    af = s["airflow"]
    assert af["same_result_as_direct"] and af["counts"]["staged_reports"] == 8
    table = capsys.readouterr().out
    for figure in (
        "1 extraction",
        "2 load, COPY / INSERT",
        "3 end to end, 8 reports",
        "4 incremental ratio",
        "5 Airflow / direct",
    ):
        assert figure in table
    # its throwaway databases (and Airflow's beside one) are gone
    created = saved["databases"]["created"]
    assert len(created) == 5  # load, e2e, the two warehouses of the night, airflow
    with psycopg.connect(config.with_database(pg_server, "postgres")) as conn:
        left = conn.execute(
            "select datname from pg_database where datname = any(%s) or datname = any(%s)",
            (created, [f"{d}_airflow" for d in created]),
        ).fetchall()
    assert left == []


def test_cli_bench_rejects_an_unknown_section(capsys):
    assert cli.main(["bench", "--only", "extraction,warp"]) == 2
    assert "unknown section(s): warp" in capsys.readouterr().err


def test_the_ingest_peak_is_flat_when_it_does_not_grow_from_10000_reports_to_the_largest_size():
    def run(peak):
        return {"steps": {"ingest": {"peak_tree_rss_mb": peak}}}

    assert speed.ingest_peak_growth({1000: run(90.0), 10000: run(180.0)}) is None  # nothing larger
    flat = speed.ingest_peak_growth({1000: run(90.0), 10000: run(180.0), 50000: run(190.0)})
    assert flat == {
        "from": 10000,
        "to": 50000,
        "peak_mb": {"10000": 180.0, "50000": 190.0},
        "ratio": 1.06,
        "meets_target": True,
    }
    assert not speed.ingest_peak_growth({10000: run(180.0), 50000: run(900.0)})["meets_target"]
