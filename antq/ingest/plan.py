"""What one ingestion run takes and (re-)extracts: nightly runs, backfills, re-extraction (the plan).

Every ingestion (the DAG dags/antq_ingest.py, `antq reprocess`, the tests, the bench) makes a plan
and hands it to antq.ingest.night, which carries it out.

A run's *days* are the local (config.LOCAL_TZ: Asia/Ho_Chi_Minh) calendar days of its data
interval; with the nightly cron trigger that is the day of its logical date (the 02:00 run of
2024-03-05 covers 2024-03-05).

nightly run (scheduled, or manual for today)
    takes every new file: a flat one is received the run's day, one under `YYYY-MM-DD/` that day;
    extracts what is not staged yet and re-extracts every report an older extractor version staged
    (`reextract` param: "auto" = "outdated"; "all" or "none" also possible; `from_date`/`to_date`
    narrow the re-extraction to reports received in that range).
re-processing run (a backfill run, or a manual run for a past day)
    takes only new files under the dated folders of its days (flat files wait for the next night,
    which stamps them with its own day), then re-extracts, with the current extractor, every report
    received on its days ("auto" = "all"), replacing their staged figures.

A report's figures are replaced in one transaction (antq.ingest.staging.extract_and_stage: delete +
COPY under an advisory lock), so a re-run, a retried task or two runs at once never leave a report
with two sets of figures, and a re-run on the same data stages the same figures under the same ids.
Rejected reports are not retried here: they stay in raw.rejected_files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from antq.config import LOCAL_TZ
from antq.ingest.landing import LandedFile, is_dated

REEXTRACT_MODES = ("auto", "outdated", "all", "none")


@dataclass(frozen=True)
class RunPlan:
    run_date: date  # received_date of the flat files this run takes
    first_day: date  # the run's days (local), inclusive
    last_day: date
    reprocessing: bool  # a backfill / past-day run: re-process its days
    reextract: str  # resolved: outdated | all | none
    from_date: date | None  # received_date range of the re-extraction (None = unbounded)
    to_date: date | None

    @property
    def takes_flat_files(self) -> bool:
        return not self.reprocessing

    def takes(self, f: LandedFile) -> bool:
        """Whether this run loads a new file: a nightly run every one, a re-processing run those
        under the dated folders of its days (or of its from_date..to_date)."""
        if self.takes_flat_files:
            return True
        lo, hi = self.from_date or self.first_day, self.to_date or self.last_day
        return is_dated(f.relative_path) and lo <= f.received_date <= hi

    def to_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> RunPlan:
        dates = {"run_date", "first_day", "last_day", "from_date", "to_date"}
        return cls(**{k: (date.fromisoformat(v) if k in dates and v else v) for k, v in d.items()})

    def describe(self) -> str:
        rng = f"{self.from_date or '…'}..{self.to_date or '…'}" if (self.from_date or self.to_date) else "any day"
        kind = "re-processing" if self.reprocessing else "nightly"
        return (
            f"{kind} run for {self.first_day}..{self.last_day}: flat files "
            f"{'taken' if self.takes_flat_files else 'left for the next night'}, "
            f"re-extract {self.reextract} (received {rng})"
        )


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


def nightly(run_date: date | None = None, reextract: str = "auto") -> RunPlan:
    """The plan of the nightly run of run_date (default: today, local): every new file, flat ones
    received that day; what is not staged yet extracted, what an older extractor staged re-extracted."""
    day = run_date or local_day(datetime.now(LOCAL_TZ))
    night = datetime.combine(day, datetime.min.time(), LOCAL_TZ).replace(hour=2)
    return plan_run("scheduled", night, night, night, {"reextract": reextract}, now=night)


def plan_range(from_date: date, to_date: date, reextract: str = "all") -> RunPlan:
    """A re-processing plan over received dates from_date..to_date (what a backfill of them does)."""
    return plan_run(
        "backfill",
        datetime.combine(from_date, datetime.min.time(), LOCAL_TZ),
        datetime.combine(from_date, datetime.min.time(), LOCAL_TZ),
        datetime.combine(to_date + timedelta(days=1), datetime.min.time(), LOCAL_TZ),
        {"reextract": reextract},
    )
