"""`antq status`: what an operator needs to know at a glance, read from the warehouse.

- the last ingestion runs (raw.file_ledger, per run id) and, when Airflow's metadata database can be
  reached, the last DAG runs with their failed tasks;
- files pending: in the landing folder but not in the ledger yet (the next run takes them);
- rejected files still standing, with their reasons and where their bytes are kept;
- which build of the marts BI reads, and whether a build that failed is waiting (antq.publish);
- the expectations that failed in the last validation run (dq.validation_results).

Every problem it lists comes with what to do about it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import psycopg

from antq import config, publish

log = logging.getLogger(__name__)


def collect(url: str, reports_dir: Path | None = None, airflow_url: str | None = None, limit: int = 10) -> dict:
    """The status as plain data (what `antq status --json` prints)."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        one = lambda q, *p: conn.execute(q, p).fetchone()[0]  # noqa: E731
        runs = [
            {
                "run_id": r[0],
                "started": r[1],
                "finished": r[2],
                "files": r[3],
                "loaded": r[4],
                "duplicates": r[5],
                "rejected": r[6],
                "rejected_by_extractor": r[7],
            }
            for r in conn.execute(
                """select l.run_id, min(first_seen_at), max(first_seen_at), count(*),
                          count(*) filter (where outcome = 'loaded'),
                          count(*) filter (where outcome = 'duplicate_content'),
                          count(*) filter (where outcome = 'rejected'),
                          (select count(*) from raw.rejected_files x where x.run_id = l.run_id and x.stage = 'extract')
                   from raw.file_ledger l group by l.run_id order by max(first_seen_at) desc limit %s""",
                (limit,),
            )
        ]
        rejected = [
            {
                "relative_path": r[0],
                "reason": r[1],
                "stage": r[2],
                "rejected_at": r[3],
                "run_id": r[4],
                "kept_in": r[5],
                "report_id": r[6],
            }
            for r in conn.execute(
                """select relative_path, reason, stage, rejected_at, run_id, quarantine_path, report_id
                   from raw.rejected_files order by rejected_at desc, relative_path limit %s""",
                (limit,),
            )
        ]
        last_validation = conn.execute(
            """select run_id, max(validated_at), count(*), count(*) filter (where not success)
               from dq.validation_results group by run_id order by max(validated_at) desc limit 1"""
        ).fetchone()
        failed, errors, warnings = [], [], []
        if last_validation:
            has_cols = conn.execute(
                """select count(*) = 2 from information_schema.columns where table_schema = 'dq'
                   and table_name = 'flagged_figures' and column_name in ('severity', 'sentence')"""
            ).fetchone()[0]
            if has_cols:
                errors = [
                    {"expectation": r[0], "figure_id": r[1], "message": r[2], "file_name": r[3], "sentence": r[4]}
                    for r in conn.execute(
                        """select expectation, figure_id, message, file_name, sentence from dq.flagged_figures
                           where run_id = %s and severity = 'error'
                           order by file_name nulls last, expectation, figure_id""",
                        (last_validation[0],),
                    )
                ]
                warnings = [
                    {"expectation": r[0], "flags": r[1], "files": r[2]}
                    for r in conn.execute(
                        """select expectation, count(*), count(distinct file_name) from dq.flagged_figures
                           where run_id = %s and severity is distinct from 'error'
                           group by expectation order by count(*) desc, expectation""",
                        (last_validation[0],),
                    )
                ]
            failed = [
                {"suite": r[0], "expectation": r[1], "unexpected": r[2], "severity": r[3]}
                for r in conn.execute(
                    """select suite, expectation, unexpected_count, severity from dq.validation_results
                       where run_id = %s and not success order by severity, suite, expectation""",
                    (last_validation[0],),
                )
            ]
        status = {
            "warehouse": config.url_parts(url)["dbname"],
            "reports_staged": one("select count(*) from staging.reports"),
            "figures_staged": one("select count(*) from staging.figures"),
            "last_staged_at": one("select max(staged_at) from staging.reports"),
            "runs": runs,
            "rejected_total": one("select count(*) from raw.rejected_files"),
            "rejected": rejected,
            "validation": (
                {
                    "run_id": last_validation[0],
                    "validated_at": last_validation[1],
                    "expectations": last_validation[2],
                    "failed": last_validation[3],
                }
                if last_validation
                else None
            ),
            "failed_expectations": failed,
            "flagged_errors": errors,
            "flagged_warnings": warnings,
            "manifest_rejections": [
                {"manifest_path": r[0], "line_no": r[1], "reason": r[2]}
                for r in conn.execute(
                    """select manifest_path, line_no, reason from raw.manifest_rejections
                       where to_regclass('raw.manifest_rejections') is not null
                       order by manifest_path, line_no limit %s""",
                    (limit,),
                )
            ]
            if conn.execute("select to_regclass('raw.manifest_rejections') is not null").fetchone()[0]
            else [],
            "marts": publish.state(conn),
            "pending": None,
            "airflow": None,
        }
        if reports_dir is not None:
            status["pending"] = pending_files(conn, Path(reports_dir))
    if airflow_url:
        status["airflow"] = airflow_runs(airflow_url, limit)
    return status


def pending_files(conn, reports_dir: Path) -> dict:
    """Files in the landing folder the ledger has not recorded yet (without waiting for any to settle)."""
    from antq.ingest import landing

    if not reports_dir.is_dir():
        return {"folder": str(reports_dir), "error": "the landing folder does not exist (REPORTS_DIR)", "files": []}
    found = landing.survey(reports_dir, date.today(), settle_seconds=0)
    seen = set(conn.execute("select relative_path, report_id from raw.file_ledger").fetchall())
    files = [
        {"relative_path": f.relative_path, "size_bytes": f.size_bytes, "note": None}
        for f in found.files
        if (f.relative_path, f.report_id) not in seen
    ]
    files += [
        {"relative_path": a.relative_path, "size_bytes": a.size_bytes, "note": f"will be rejected: {a.reason}"}
        for a in found.set_aside
        if (a.relative_path, a.report_id) not in seen
    ]
    return {"folder": str(reports_dir), "files": sorted(files, key=lambda f: f["relative_path"])}


def airflow_runs(airflow_url: str, limit: int = 10) -> dict:
    """The last DAG runs from Airflow's metadata database, with the failed tasks of failed runs."""
    try:
        with psycopg.connect(config.libpq_url(airflow_url), connect_timeout=5) as conn:
            rows = conn.execute(
                """select dag_id, run_id, state, run_type, start_date, end_date from dag_run
                   where dag_id like 'antq%%' order by id desc limit %s""",
                (limit,),
            ).fetchall()
            runs = []
            for dag_id, run_id, state, run_type, start, end in rows:
                failed_tasks = []
                if state == "failed":
                    failed_tasks = [
                        r[0]
                        for r in conn.execute(
                            """select task_id from task_instance where dag_id = %s and run_id = %s
                           and state in ('failed', 'upstream_failed') order by task_id""",
                            (dag_id, run_id),
                        )
                    ]
                runs.append(
                    {
                        "dag_id": dag_id,
                        "run_id": run_id,
                        "state": state,
                        "run_type": run_type,
                        "start": start,
                        "end": end,
                        "failed_tasks": failed_tasks,
                    }
                )
        return {"runs": runs}
    except psycopg.Error as err:
        return {"runs": [], "error": f"Airflow's metadata database cannot be read: {str(err).strip().splitlines()[0]}"}


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ("-" if value is None else str(value))


def render(s: dict) -> str:
    """The status as text for a terminal."""
    out = [
        f"warehouse {s['warehouse']}: {s['reports_staged']} reports staged, {s['figures_staged']} figures "
        f"(last staged {_when(s['last_staged_at'])})",
        "",
    ]

    out.append("Last ingestion runs (raw.file_ledger)")
    if not s["runs"]:
        out.append("  none yet: run `antq run`, or wait for the nightly antq_ingest DAG (02:00)")
    for r in s["runs"]:
        out.append(
            f"  {_when(r['finished'])}  {r['run_id']}: {r['files']} new file(s): {r['loaded']} stored, "
            f"{r['duplicates']} duplicate, {r['rejected']} rejected at discovery, "
            f"{r['rejected_by_extractor']} rejected by the extractor"
        )
    af = s.get("airflow")
    if af is not None:
        out += ["", "Last Airflow DAG runs"]
        if af.get("error"):
            out.append(f"  {af['error']}")
        elif not af["runs"]:
            out.append("  none recorded")
        for r in af["runs"]:
            line = f"  {_when(r['start'])}  {r['dag_id']:<15} {r['state'] or '-':<8} {r['run_id']}"
            if r["failed_tasks"]:
                line += (
                    f"\n      failed task(s): {', '.join(r['failed_tasks'])}: read the task log "
                    f"(Airflow UI, or {config.shown(config.data_dir() / 'logs')} after `antq run`), fix the "
                    "cause, then clear the run"
                )
            out.append(line)

    pending = s.get("pending")
    if pending is not None:
        out += ["", f"Files pending in {pending['folder']}"]
        if pending.get("error"):
            out.append(f"  {pending['error']}")
        elif not pending["files"]:
            out.append("  none: every file there is in the ledger")
        else:
            for f in pending["files"]:
                out.append(
                    f"  {f['relative_path']!r} ({f['size_bytes']:,} bytes)" + (f": {f['note']}" if f["note"] else "")
                )
            out.append("  the next ingestion run takes them (nightly 02:00, or `antq run` now)")

    out += ["", f"Rejected files ({s['rejected_total']} standing; raw.rejected_files)"]
    if not s["rejected"]:
        out.append("  none")
    for r in s["rejected"]:
        out.append(f"  {r['relative_path']!r} ({r['stage']}, {_when(r['rejected_at'])}): {r['reason']}")
        if r["kept_in"]:
            out.append(f"      kept in {config.shown(r['kept_in'])}")
    if s["rejected"]:
        out.append(
            "  to load one: fix the file and drop it in the landing folder again under a new name "
            '(docs/operations.md: "When a file is rejected")'
        )
    if s.get("manifest_rejections"):
        out += ["", "Manifest rows not used (raw.manifest_rejections)"]
        for r in s["manifest_rejections"]:
            out.append(f"  {r['manifest_path']} line {r['line_no']}: {r['reason']}")
        out.append("  fix the manifest.csv: it is read again on every run")
    if s["rejected_total"] > len(s["rejected"]):
        out.append(
            f"  … and {s['rejected_total'] - len(s['rejected'])} more: "
            "`antq psql -c 'select relative_path, reason from raw.rejected_files'`"
        )

    out += ["", "Marts (what BI reads; transform.marts_publications)"]
    m = s.get("marts")
    if not m or m["publication"] is None:
        out.append("  none published yet: the antq_transform DAG publishes the marts after a complete dbt build")
    else:
        out.append(
            f"  {_when(m['published_at'])}  publication {m['publication']} ({m['published_by']}): "
            f"the build that ended {_when(m['built_at'])}"
        )
    if m and m["unpublished_models"]:
        out.append(
            f"  not published: {m['unpublished_models']} mart(s) built in marts_build since "
            f"{_when(m['unpublished_since'])}, without a complete build that passed its tests (a dbt model "
            "or test failed, or dbt is still running); BI keeps reading the build above. Read the dbt log "
            "of the failed antq_transform run, fix the cause, then clear the run (or `antq run`)"
        )

    v = s["validation"]
    out += ["", "Last validation run (dq.validation_results)"]
    if v is None:
        out.append("  none yet: the antq_transform DAG validates the marts after each load")
    else:
        out.append(
            f"  {_when(v['validated_at'])}  {v['run_id']}: {v['expectations']} expectation(s), {v['failed']} failed"
        )
        errors, warnings = s.get("flagged_errors") or [], s.get("flagged_warnings") or []
        if errors:
            out.append(f"  Errors ({len(errors)}): figures the text itself contradicts; read the sentence")
            for e in errors:
                out.append(f"    {e['file_name'] or e['figure_id']}: {e['message']} [{e['expectation']}]")
                if e.get("sentence"):
                    out.append(f"      “{_clip(e['sentence'], 300)}”")
        if warnings:
            out.append(
                "  Warnings, per rule (worth a look, may be right): "
                + "; ".join(f"{w['expectation']} {w['flags']} flag(s) in {w['files']} file(s)" for w in warnings)
            )
        for e in s["failed_expectations"]:
            out.append(f"  FAILED [{e['severity']}] {e['suite']}.{e['expectation']}: {e['unexpected']} row(s)")
        if s["failed_expectations"]:
            out.append(
                "  the rows are kept and flagged: see dq.flagged_figures and the Data Docs "
                f"({config.shown(config.gx_data_docs_index())})"
            )
    return "\n".join(out)


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def to_json(s: dict) -> str:
    return json.dumps(s, ensure_ascii=False, indent=2, default=str)


def progress_line(url: str) -> str:
    """One line on how far the ingestion got (for the spinner of `antq run`)."""
    with psycopg.connect(config.libpq_url(url), connect_timeout=3) as conn:
        files, staged, rejected = conn.execute(
            """select (select count(*) from raw.file_ledger), (select count(*) from staging.reports),
                      (select count(*) from raw.rejected_files)"""
        ).fetchone()
    return f"{files} files in the ledger, {staged} reports staged, {rejected} rejected"


@contextlib.contextmanager
def spinner(step: str, watch=None):
    """While a long step runs, on a terminal only: a spinner, the elapsed time, and every second what
    `watch()` says (a progress line). Elsewhere (logs, CI, Airflow) nothing is drawn."""
    if not sys.stdout.isatty() or os.environ.get("ANTQ_PROGRESS") == "0":
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("  {task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(step)
        stop = threading.Event()

        def poll():
            while not stop.wait(1.0):
                try:
                    bar.update(task, description=f"{step}: {watch()}")
                except Exception:  # a progress line is a nicety: never fail a step for it
                    pass

        poller = threading.Thread(target=poll, daemon=True) if watch else None
        if poller:
            poller.start()
        try:
            yield
        finally:
            stop.set()
            if poller:
                poller.join(timeout=5)
