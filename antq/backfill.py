"""`antq reprocess`: re-extract the reports received in a range of days, as a backfill of
antq_ingest through the running Airflow scheduler or, with none running, the same work here.

What a re-processing run does is antq.ingest.plan's (the plan) and antq.ingest.night's (the work).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime

from antq import config


def backfill_window(from_date: date, to_date: date) -> tuple[str, str]:
    """--from-date/--to-date for `airflow backfill create` that cover the nightly runs of these local days.

    The CLI reads a bare date as midnight UTC (07:00 here), which would miss the first day's 02:00
    run: give the local day bounds with their offset instead."""
    lo = datetime.combine(from_date, datetime.min.time(), config.LOCAL_TZ)
    hi = datetime.combine(to_date, datetime.max.time().replace(microsecond=0), config.LOCAL_TZ)
    return lo.isoformat(), hi.isoformat()


def backfill_command(from_date: date, to_date: date, reextract: str = "auto") -> list[str]:
    """The `airflow backfill create` arguments that re-process the reports received on these days."""
    lo, hi = backfill_window(from_date, to_date)
    cmd = [
        "backfill",
        "create",
        "--dag-id",
        "antq_ingest",
        "--from-date",
        lo,
        "--to-date",
        hi,
        # a day that already ran (the nightly run, an earlier backfill) is run again
        "--reprocess-behavior",
        "completed",
    ]
    if reextract != "auto":
        cmd += ["--dag-run-conf", json.dumps({"reextract": reextract})]
    return cmd


def reprocess_range(
    from_date: date, to_date: date, reextract: str = "auto", how: str = "auto", rebuild_marts: bool = True
) -> int:
    """`antq reprocess`: a backfill through the running scheduler, or (none running) the same here."""
    from antq import pipeline, runner, warehouse
    from antq.ingest import night, plan

    if from_date > to_date:
        raise ValueError(f"--from {from_date} is after --to {to_date}")
    stack = runner.Stack()
    env = stack.env()
    alive = runner.scheduler_alive(stack.airflow_url)
    if how == "backfill" or (how == "auto" and alive):
        if not alive:
            print(
                "note: no scheduler heartbeats into the Airflow metadata database; the backfill is "
                "queued and runs when one starts",
                file=sys.stderr,
            )
        cmd = [config.executable("airflow"), *backfill_command(from_date, to_date, reextract)]
        print("antq reprocess: " + " ".join(cmd[1:]))
        proc = subprocess.run(cmd, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:])
            return proc.returncode
        print(
            f"backfill of antq_ingest created for reports received {from_date}..{to_date}: the scheduler "
            "runs it (one run per night); each run replaces its reports' figures, and the updated "
            "asset makes antq_transform rebuild the marts. Follow it: airflow dags list-runs antq_ingest"
        )
        return 0

    where = f"embedded PostgreSQL ({config.shown(config.embedded_pg_dir())})" if stack.embedded else "WAREHOUSE_URL"
    print(
        f"antq reprocess: no Airflow scheduler is running against {config.url_parts(stack.airflow_url)['dbname']}, "
        f"so the backfill's work is done here, directly (warehouse on {where})"
    )
    warehouse.migrate(stack.warehouse_url)
    mode = "all" if reextract == "auto" else reextract
    run_plan = plan.plan_range(from_date, to_date, mode)
    run_id = f"reprocess__{datetime.now(config.LOCAL_TZ).isoformat(timespec='seconds')}"
    result = night.run(stack.warehouse_url, config.reports_dir(), run_plan, run_id)
    print(f"  {run_plan.describe()}")
    print(
        f"  new files {result['files_new']}, reports staged {result['staged']} "
        f"(re-extracted {result['reextracted']} with extractor {result['extractor_version']}), "
        f"figures {result['figures']}, rejected {result['rejected']}"
    )
    if not rebuild_marts:
        print("  marts not rebuilt (--no-marts): the next `antq run` or antq_transform run rebuilds them")
        return 0
    # what antq_transform does, without Airflow: dbt build (incremental marts pick up the re-staged
    # reports), then the Great Expectations checks
    runner._run(
        [config.dbt_executable(), "build", "--project-dir", str(config.DBT_PROJECT_DIR), "--quiet"], env, "dbt build"
    )
    summary = pipeline.validate(run_id, stack.warehouse_url)
    print(
        f"  marts rebuilt (dbt build) and checked: {summary.get('passed')} expectation(s) passed, "
        f"{summary.get('failed')} failed"
    )
    return 0
