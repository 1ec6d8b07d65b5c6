"""`python -m bench` (what `make bench` runs; `antq bench` in a checkout): speed and memory figures,
written to bench/results.json. See bench/speed.py."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from bench import speed

    p = argparse.ArgumentParser(
        prog="python -m bench", description="speed and memory figures, written to bench/results.json"
    )
    p.add_argument("--only", help="comma-separated sections: " + ",".join(speed.SECTIONS))
    p.add_argument("--quick", action="store_true", help="tiny sizes: every code path in a minute or two")
    p.add_argument("--sizes", help="end-to-end corpus sizes (default 1000,10000,50000)")
    p.add_argument(
        "--history",
        help="reports already in the warehouse for the night, one warehouse per size (default 10000,100000)",
    )
    p.add_argument("--night", type=int, help="new reports of the night (default 10)")
    p.add_argument("--airflow-size", type=int, help="reports of the Airflow vs direct run (default 1000)")
    p.add_argument("--extract-seconds", type=float, help="seconds per extraction measurement (default 5)")
    p.add_argument("--load-figures", type=int, help="figures each loader writes (default 30000)")
    p.add_argument("--seed", type=int, help="seed of the generated corpus (default 0)")
    p.add_argument("--out", help="results file (default bench/results.json)")
    p.add_argument("--keep", action="store_true", help="keep the throwaway databases and files (to look into)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    kw = {}
    if args.only:
        kw["sections"] = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = set(kw["sections"]) - set(speed.SECTIONS)
        if unknown:
            print(
                f"unknown section(s): {', '.join(sorted(unknown))}; choose from {', '.join(speed.SECTIONS)}",
                file=sys.stderr,
            )
            return 2
    if args.sizes:
        kw["sizes"] = tuple(int(x) for x in args.sizes.split(","))
    if args.history:
        kw["history"] = tuple(int(x) for x in args.history.split(","))
    for name in ("night", "seed", "extract_seconds", "load_figures"):
        if getattr(args, name) is not None:
            kw[name] = getattr(args, name)
    if args.out:
        kw["out"] = Path(args.out)
    if args.keep:
        kw["keep"] = True
    params = speed.Params.quick(**kw) if args.quick else speed.Params(**kw)
    if "sizes" in kw and args.airflow_size is None:
        params.airflow_size = min(params.sizes)
    if args.airflow_size is not None:
        params.airflow_size = args.airflow_size
    data = speed.run(params)
    return 1 if data.get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
