"""The bench's measured steps, each run in a child process of its own (as under Airflow):

    python -m bench.step ingest --url URL --reports DIR --run-id ID --result FILE
    python -m bench.step validate --url URL --run-id ID --result FILE

ingest is the product's one ingestion, antq.ingest.night.run, on a nightly plan for today; validate
is the transform DAG's validation. Each writes its result (JSON) to FILE.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path


def step_ingest(url: str, reports_dir: Path, run_id: str) -> dict:
    from antq.ingest import night, plan

    return night.run(url, reports_dir, plan.nightly(), run_id)


def step_validate(url: str, run_id: str) -> dict:
    from antq import pipeline

    summary = pipeline.validate(run_id, url)
    return {
        k: summary.get(k)
        for k in (
            "scope",
            "reports_validated",
            "evaluated",
            "passed",
            "failed",
            "warnings",
            "flagged_figures",
            "failed_expectations",
            "errored_expectations",
        )
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.step")
    parser.add_argument("which", choices=["ingest", "validate"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--reports", type=Path)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.which == "ingest":
        out = step_ingest(args.url, args.reports, args.run_id)
    else:
        out = step_validate(args.url, args.run_id)
    args.result.write_text(json.dumps(out, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
