"""What one run of the ingestion DAG takes and (re-)extracts: nightly runs, backfills, re-extraction.

The DAG (dags/antq_ingest.py) and `antq reprocess` both come through here; the steps themselves
(discover, load_raw, extract_and_stage) are antq.ingest's.

A run's *days* are the local (Asia/Ho_Chi_Minh) calendar days of its data interval; with the nightly
cron trigger that is the day of its logical date (the 02:00 run of 2024-03-05 covers 2024-03-05).

nightly run (scheduled, or manual for today)
    takes every new file: a flat one is received the run's day, one under `YYYY-MM-DD/` that day;
    extracts what is not staged yet and re-extracts every report an older extractor version staged
    (`reextract` param: "auto" = "outdated"; "all" or "none" also possible; `from_date`/`to_date`
    narrow the re-extraction to reports received in that range).
re-processing run (a backfill run, or a manual run for a past day)
    takes only new files under the dated folders of its days (flat files wait for the next night,
    which stamps them with its own day), then re-extracts, with the current extractor, every report
    received on its days ("auto" = "all"), replacing their staged figures.

A report's figures are replaced in one transaction (antq.ingest.extract_and_stage: delete + COPY
under an advisory lock), so a re-run, a retried task or two runs at once never leave a report with
two sets of figures, and a re-run on the same data stages the same figures under the same ids.
Rejected reports are not retried here: they stay in raw.rejected_files.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from antq import config

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REEXTRACT_MODES = ("auto", "outdated", "all", "none")
BATCH = 200  # reports per extract_and_stage call (one transaction each): bounds memory on "all"


@dataclass(frozen=True)
class RunPlan:
    run_date: date          # received_date of the flat files this run takes
    first_day: date         # the run's days (local), inclusive
    last_day: date
    reprocessing: bool      # a backfill / past-day run: re-process its days
    reextract: str          # resolved: outdated | all | none
    from_date: date | None  # received_date range of the re-extraction (None = unbounded)
    to_date: date | None

    @property
    def takes_flat_files(self) -> bool:
        return not self.reprocessing

    def to_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "RunPlan":
        dates = {"run_date", "first_day", "last_day", "from_date", "to_date"}
        return cls(**{k: (date.fromisoformat(v) if k in dates and v else v) for k, v in d.items()})

    def describe(self) -> str:
        rng = (f"{self.from_date or '…'}..{self.to_date or '…'}"
               if (self.from_date or self.to_date) else "any day")
        kind = "re-processing" if self.reprocessing else "nightly"
        return (f"{kind} run for {self.first_day}..{self.last_day}: flat files "
                f"{'taken' if self.takes_flat_files else 'left for the next night'}, "
                f"re-extract {self.reextract} (received {rng})")


def local_day(when: datetime) -> date:
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when!r}: Airflow dates are aware")
    return when.astimezone(LOCAL_TZ).date()


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return local_day(value)
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def plan_run(
    run_type: str | None,
    logical_date: datetime | None,
    data_interval_start: datetime | None = None,
    data_interval_end: datetime | None = None,
    params: dict | None = None,
    now: datetime | None = None,
) -> RunPlan:
    """Decide what a run does from what Airflow tells it (run type, dates, params)."""
    params = params or {}
    today = local_day(now or datetime.now(LOCAL_TZ))
    start = data_interval_start or logical_date
    end = data_interval_end or start
    if start is None:  # a manual run without a logical date (Airflow 3 allows it): today
        first = last = today
    else:
        first = local_day(start)
        # [start, end): a zero-length interval (cron trigger) is the day of start
        last = local_day(end - timedelta(microseconds=1)) if end > start else first
    run_date = local_day(logical_date) if logical_date else first
    run_type = str(getattr(run_type, "value", run_type) or "").lower()
    reprocessing = run_type == "backfill" or (run_type == "manual" and last < today)

    mode = params.get("reextract") or "auto"
    if mode not in REEXTRACT_MODES:
        raise ValueError(f"reextract must be one of {REEXTRACT_MODES}, not {mode!r}")
    if mode == "auto":
        mode = "all" if reprocessing else "outdated"
    from_date, to_date = _as_date(params.get("from_date")), _as_date(params.get("to_date"))
    if reprocessing and from_date is None and to_date is None:
        from_date, to_date = first, last
    if from_date and to_date and from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    return RunPlan(run_date, first, last, reprocessing, mode, from_date, to_date)


def plan_from_context(ctx) -> RunPlan:
    """The plan of the running task's DAG run (Airflow task context)."""
    dag_run = ctx.get("dag_run")
    # "today" is the day the run was created for (run_after), not the wall clock: a manual run
    # triggered at 23:59 whose task starts at 00:00 is still a run for today
    created = getattr(dag_run, "run_after", None) or getattr(dag_run, "start_date", None)
    return plan_run(
        getattr(dag_run, "run_type", None),
        ctx.get("logical_date"),
        ctx.get("data_interval_start"),
        ctx.get("data_interval_end"),
        dict(ctx.get("params") or {}),
        now=created if created is not None and getattr(created, "tzinfo", None) else None,
    )


def _in_range(d: date, from_date: date | None, to_date: date | None) -> bool:
    return (from_date is None or d >= from_date) and (to_date is None or d <= to_date)


def is_dated(relative_path: str) -> bool:
    from antq import ingest

    return "/" in relative_path and bool(ingest.DATED_FOLDER.match(relative_path.split("/", 1)[0]))


def discover(url: str, reports_dir: Path, plan: RunPlan, run_id: str | None = None) -> list:
    """New files this run takes (antq.ingest.discover, narrowed for a re-processing run)."""
    from antq import ingest, manifest

    found = ingest.discover(url, reports_dir, plan.run_date, run_id)
    manifest.read_landing(url, reports_dir, run_id or f"discover-{plan.run_date.isoformat()}")
    if plan.takes_flat_files:
        return found
    taken = [f for f in found if is_dated(f.relative_path)
             and _in_range(f.received_date, plan.from_date or plan.first_day, plan.to_date or plan.last_day)]
    if len(taken) < len(found):
        log.info("discover: re-processing run takes %d of %d new files (flat or other days wait)",
                 len(taken), len(found))
    return taken


def report_ids_to_extract(url: str, plan: RunPlan, extractor_version: str) -> dict[str, list[str]]:
    """{"pending": never staged (not rejected), "reextract": staged but to extract again,
    "manifest": staged before their manifest row came or changed (re-staged by every run)}.

    A nightly run takes every pending report (a failed run may have left some); a re-processing
    run only those of its range. Re-extraction follows plan.reextract within the plan's range."""
    rng = {"lo": plan.from_date, "hi": plan.to_date, "v": extractor_version}
    in_range = ("(%(lo)s::date is null or r.received_date >= %(lo)s) "
                "and (%(hi)s::date is null or r.received_date <= %(hi)s)")
    with psycopg.connect(config.libpq_url(url)) as conn:
        pending = [r[0] for r in conn.execute(
            f"""select r.report_id from raw.report_files r
                left join staging.reports s using (report_id)
                left join raw.rejected_files x using (report_id)
                where x.report_id is null and s.report_id is null
                  {'and ' + in_range if plan.reprocessing else ''}
                order by r.received_date, r.report_id""", rng)]
        again: list[str] = []
        if plan.reextract != "none":
            again = [r[0] for r in conn.execute(
                f"""select r.report_id from raw.report_files r
                    join staging.reports s using (report_id)
                    left join raw.rejected_files x using (report_id)
                    where x.report_id is null and {in_range}
                      and (%(mode)s = 'all' or s.extractor_version <> %(v)s)
                    order by r.received_date, r.report_id""", {**rng, "mode": plan.reextract})]
        from antq import manifest

        taken = set(pending) | set(again)
        restage = [r for r in manifest.reports_to_restage(conn) if r not in taken]
    return {"pending": pending, "reextract": again, "manifest": restage}


def extract(url: str, plan: RunPlan, run_id: str) -> dict:
    """Extract the pending reports and re-extract those the plan names, replacing their figures."""
    import extractors

    from antq import ingest

    ids = report_ids_to_extract(url, plan, extractors.EXTRACTOR_VERSION)
    todo = ids["pending"] + ids["reextract"] + ids["manifest"]
    totals = {"staged": 0, "rejected": 0, "figures": 0}
    for i in range(0, len(todo), BATCH):
        result = ingest.extract_and_stage(url, todo[i:i + BATCH], run_id)
        for k in totals:
            totals[k] += result.get(k, 0)
    summary = {**totals, "reextracted": len(ids["reextract"]), "manifest_updates": len(ids["manifest"]),
               "extractor_version": extractors.EXTRACTOR_VERSION,
               "plan": plan.describe()}
    log.info("extract: %s", summary)
    return summary


def process(url: str, reports_dir: Path, plan: RunPlan, run_id: str) -> dict:
    """The three ingestion steps of one run in one call (the DAG runs them as separate tasks)."""
    from antq import ingest

    found = discover(url, reports_dir, plan, run_id)
    new_ids = ingest.load_raw(url, reports_dir, found, run_id)
    return {"files_new": len(found), "reports_new": len(new_ids), **extract(url, plan, run_id)}


def plan_range(from_date: date, to_date: date, reextract: str = "all") -> RunPlan:
    """A re-processing plan over received dates from_date..to_date (what a backfill of them does)."""
    return plan_run("backfill", datetime.combine(from_date, datetime.min.time(), LOCAL_TZ),
                    datetime.combine(from_date, datetime.min.time(), LOCAL_TZ),
                    datetime.combine(to_date + timedelta(days=1), datetime.min.time(), LOCAL_TZ),
                    {"reextract": reextract})


def backfill_window(from_date: date, to_date: date) -> tuple[str, str]:
    """--from-date/--to-date for `airflow backfill create` that cover the nightly runs of these local days.

    The CLI reads a bare date as midnight UTC (07:00 here), which would miss the first day's 02:00
    run: give the local day bounds with their offset instead."""
    lo = datetime.combine(from_date, datetime.min.time(), LOCAL_TZ)
    hi = datetime.combine(to_date, datetime.max.time().replace(microsecond=0), LOCAL_TZ)
    return lo.isoformat(), hi.isoformat()


# --- `antq reprocess` -----------------------------------------------------------------------------

def scheduler_alive(airflow_url: str, within_seconds: int = 60) -> bool:
    """True when an Airflow scheduler heartbeats into this metadata database (it runs backfills)."""
    try:
        with psycopg.connect(config.libpq_url(airflow_url), connect_timeout=5) as conn:
            row = conn.execute(
                """select count(*) from job where job_type = 'SchedulerJob' and state = 'running'
                   and latest_heartbeat > now() - make_interval(secs => %s)""", (within_seconds,)).fetchone()
    except psycopg.Error:  # no metadata database, or not migrated: no scheduler
        return False
    return bool(row and row[0])


def backfill_command(from_date: date, to_date: date, reextract: str = "auto") -> list[str]:
    """The `airflow backfill create` arguments that re-process the reports received on these days."""
    import json

    lo, hi = backfill_window(from_date, to_date)
    cmd = ["backfill", "create", "--dag-id", "antq_ingest", "--from-date", lo, "--to-date", hi,
           # a day that already ran (the nightly run, an earlier backfill) is run again
           "--reprocess-behavior", "completed"]
    if reextract != "auto":
        cmd += ["--dag-run-conf", json.dumps({"reextract": reextract})]
    return cmd


def reprocess_range(from_date: date, to_date: date, reextract: str = "auto", how: str = "auto",
                    rebuild_marts: bool = True) -> int:
    """`antq reprocess`: a backfill through the running scheduler, or (none running) the same here."""
    import subprocess
    import sys

    from antq import runner, warehouse

    if from_date > to_date:
        raise ValueError(f"--from {from_date} is after --to {to_date}")
    stack = runner.Stack()
    env = stack.env()
    airflow = str(Path(sys.executable).with_name("airflow"))
    alive = scheduler_alive(stack.airflow_url)
    if how == "backfill" or (how == "auto" and alive):
        if not alive:
            print("note: no scheduler heartbeats into the Airflow metadata database; the backfill is "
                  "queued and runs when one starts", file=sys.stderr)
        cmd = [airflow, *backfill_command(from_date, to_date, reextract)]
        print("antq reprocess: " + " ".join(cmd[1:]))
        proc = subprocess.run(cmd, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:])
            return proc.returncode
        print(f"backfill of antq_ingest created for reports received {from_date}..{to_date}: the scheduler "
              "runs it (one run per night); each run replaces its reports' figures, and the updated "
              "asset makes antq_transform rebuild the marts. Follow it: airflow dags list-runs antq_ingest")
        return 0

    where = f"embedded PostgreSQL ({config.shown(config.embedded_pg_dir())})" if stack.embedded else "WAREHOUSE_URL"
    print(f"antq reprocess: no Airflow scheduler is running against {config.url_parts(stack.airflow_url)['dbname']}, "
          f"so the backfill's work is done here, directly (warehouse on {where})")
    warehouse.migrate(stack.warehouse_url)
    mode = "all" if reextract == "auto" else reextract
    plan = plan_range(from_date, to_date, mode)
    run_id = f"reprocess__{datetime.now(LOCAL_TZ).isoformat(timespec='seconds')}"
    result = process(stack.warehouse_url, config.reports_dir(), plan, run_id)
    print(f"  {plan.describe()}")
    print(f"  new files {result['files_new']}, reports staged {result['staged']} "
          f"(re-extracted {result['reextracted']} with extractor {result['extractor_version']}), "
          f"figures {result['figures']}, rejected {result['rejected']}")
    if not rebuild_marts:
        print("  marts not rebuilt (--no-marts): the next `antq run` or antq_transform run rebuilds them")
        return 0
    # what antq_transform does, without Airflow: dbt build (incremental marts pick up the re-staged
    # reports), then the Great Expectations checks
    runner._run([runner._bin("dbt"), "build", "--project-dir", str(config.DBT_PROJECT_DIR), "--quiet"], env,
                "dbt build")
    from antq import pipeline

    summary = pipeline.validate(run_id, stack.warehouse_url)
    print(f"  marts rebuilt (dbt build) and checked: {summary.get('passed')} expectation(s) passed, "
          f"{summary.get('failed')} failed")
    return 0
