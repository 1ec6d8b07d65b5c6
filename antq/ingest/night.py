"""One ingestion run: the landing folder -> raw -> extracted figures -> staging, as its plan says.

    night.run(url, reports_dir, plan, run_id)   # plan: plan.nightly(day), plan.plan_range(a, b),
                                                # plan.plan_from_context(ctx) (antq/ingest/plan.py)

run() is the one way reports get in. The DAG (dags/antq_ingest.py) runs its three steps as three
tasks (dag_discover, dag_load_raw, dag_extract: the same steps, handing over JSON); `antq reprocess`
and the tests call run(); the bench runs it in a child process.

1. discover  the files under the landing folder whose (path, content) the ledger has not seen
             (landing.survey; a file that cannot be loaded is rejected here, once) and the
             manifests; a re-processing run takes only the files of its days' dated folders
2. load_raw  their bytes into raw.report_files, every file into the ledger (raw.load_raw)
3. extract   the reports never staged, those the plan re-extracts and those a manifest row came
             for since they were staged: extracted on every core (antq.ingest.extraction) and
             staged as the results come, staging.BATCH reports per transaction
             (staging.extract_and_stage)
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import psycopg

from antq import config, manifest
from antq.ingest import landing, ledger, raw, staging
from antq.ingest.landing import LandedFile
from antq.ingest.plan import RunPlan, plan_from_context

log = logging.getLogger(__name__)


def discover(url: str, reports_dir: Path, plan: RunPlan, run_id: str | None = None) -> list[LandedFile]:
    """The new files this run takes: those whose (path, content) the ledger has not seen, narrowed
    to the plan's days for a re-processing run (the others wait for their night).

    Files that cannot be loaded are recorded here, once (raw.reject_set_aside); the landing folder's
    manifests are read and recorded (antq.manifest)."""
    run_id = run_id or os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or f"discover-{plan.run_date.isoformat()}"
    found = landing.survey(reports_dir, plan.run_date)
    with psycopg.connect(config.libpq_url(url)) as conn:
        seen = ledger.seen(conn)
        new = [f for f in found.files if (f.relative_path, f.report_id) not in seen]
        new_aside = [a for a in found.set_aside if (a.relative_path, a.report_id) not in seen]
        for a in new_aside:
            raw.reject_set_aside(conn, a, run_id)
    log.info(
        "discover: %d files in %s, %d new, %d set aside (%d newly), %d still being written",
        len(found.files),
        reports_dir,
        len(new),
        len(found.set_aside),
        len(new_aside),
        len(found.unsettled),
    )
    manifest.read_landing(url, reports_dir, run_id)
    taken = [f for f in new if plan.takes(f)]
    if len(taken) < len(new):
        log.info("discover: re-processing run takes %d of %d new files (flat or other days wait)", len(taken), len(new))
    return taken


def reports_to_extract(url: str, plan: RunPlan, extractor_version: str) -> dict[str, list[str]]:
    """{"pending": never staged (not rejected), "reextract": staged but to extract again,
    "manifest": staged before their manifest row came or changed (re-staged by every run)}.

    A nightly run takes every pending report (a failed run may have left some); a re-processing
    run only those of its range. Re-extraction follows plan.reextract within the plan's range:
    "outdated" the reports another extractor version staged, "all" every one, "none" none."""
    rng = {"lo": plan.from_date, "hi": plan.to_date, "v": extractor_version}
    in_range = (
        "(%(lo)s::date is null or r.received_date >= %(lo)s) and (%(hi)s::date is null or r.received_date <= %(hi)s)"
    )
    with psycopg.connect(config.libpq_url(url)) as conn:
        pending = [
            r[0]
            for r in conn.execute(
                f"""select r.report_id from raw.report_files r
                left join staging.reports s using (report_id)
                left join raw.rejected_files x using (report_id)
                where x.report_id is null and s.report_id is null
                  {"and " + in_range if plan.reprocessing else ""}
                order by r.received_date, r.report_id""",
                rng,
            )
        ]
        again: list[str] = []
        if plan.reextract != "none":
            again = [
                r[0]
                for r in conn.execute(
                    f"""select r.report_id from raw.report_files r
                    join staging.reports s using (report_id)
                    left join raw.rejected_files x using (report_id)
                    where x.report_id is null and {in_range}
                      and (%(mode)s = 'all' or s.extractor_version <> %(v)s)
                    order by r.received_date, r.report_id""",
                    {**rng, "mode": plan.reextract},
                )
            ]
        taken = set(pending) | set(again)
        restage = [r for r in manifest.reports_to_restage(conn) if r not in taken]
    return {"pending": pending, "reextract": again, "manifest": restage}


def extract(url: str, plan: RunPlan, run_id: str, workers_ahead=None) -> dict:
    """Extract the pending reports and re-extract those the plan names, replacing their figures.
    workers_ahead: extraction workers the run started earlier (extraction.Workers)."""
    import extractors  # the rule lexicons load on import: keep it out of DAG parsing

    ids = reports_to_extract(url, plan, extractors.EXTRACTOR_VERSION)
    todo = ids["pending"] + ids["reextract"] + ids["manifest"]
    totals = staging.extract_and_stage(url, todo, run_id, workers_ahead=workers_ahead)
    summary = {
        **totals,
        "reextracted": len(ids["reextract"]),
        "manifest_updates": len(ids["manifest"]),
        "extractor_version": extractors.EXTRACTOR_VERSION,
        "plan": plan.describe(),
    }
    log.info("extract: %s", summary)
    return summary


def run(url: str, reports_dir: Path, plan: RunPlan, run_id: str) -> dict:
    """The ingestion of one run, its three steps in one call; counts, and the seconds of each step."""
    seconds = {}
    t = time.perf_counter()
    found = discover(url, reports_dir, plan, run_id)
    seconds["discover"] = time.perf_counter() - t
    from antq.ingest import extraction

    # the extraction workers start (a spawned Python each, importing the extractor) while the
    # files load; a night too small for workers starts none (config.extract_workers)
    with extraction.Workers(config.extract_workers(len(found))) as workers_ahead:
        t = time.perf_counter()
        files_new, reports_new = len(found), len(raw.load_raw(url, reports_dir, found, run_id))
        del found  # a big night's file list is not kept through the extraction
        seconds["load_raw"] = time.perf_counter() - t
        t = time.perf_counter()
        result = extract(url, plan, run_id, workers_ahead)
        seconds["extract_and_stage"] = time.perf_counter() - t
    return {
        "files_new": files_new,
        "reports_new": reports_new,
        **result,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }


# --- the DAG's tasks: the same steps, on the warehouse and landing folder of the environment, handing
# over JSON (XCom) -----------------------------------------------------------------------------------


def dag_discover(ctx) -> dict:
    plan = plan_from_context(ctx)
    files = discover(config.warehouse_url(), config.reports_dir(), plan, ctx["run_id"])
    return {"plan": plan.to_dict(), "files": [f.to_dict() for f in files]}


def dag_load_raw(found: dict, ctx) -> dict:
    files = [LandedFile.from_dict(f) for f in found["files"]]
    new_ids = raw.load_raw(config.warehouse_url(), config.reports_dir(), files, ctx["run_id"])
    return {"plan": found["plan"], "new_ids": new_ids}


def dag_extract(loaded: dict, ctx) -> dict:
    """This run's files, any a failed run left behind, and the re-extractions the plan asks for."""
    return extract(config.warehouse_url(), RunPlan.from_dict(loaded["plan"]), ctx["run_id"])
