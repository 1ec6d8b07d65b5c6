"""Speed of the extractor on one core: the sample reports, repeated, through `extract_bytes`
(decoding included), for a given number of seconds.

    python -m extractors.bench [SECONDS]               # prints one JSON line
    python -m extractors.bench [SECONDS] --long-list   # and the time of one sentence of 10 000 and
                                                       # 50 000 numbers (#15: linear, not quadratic)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from . import extract_bytes

REPO = Path(__file__).resolve().parents[1]


def sample_reports() -> list[tuple[str, bytes]]:
    """The five sample reports: ../shared/reports (or $ANTQ_SHARED_DIR/reports), else the repo's seeds/."""
    shared = Path(os.environ.get("ANTQ_SHARED_DIR", REPO.parent / "shared")) / "reports"
    for folder in (shared, REPO / "seeds"):
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return [(p.name, p.read_bytes()) for p in files]
    raise FileNotFoundError(f"no sample reports in {shared} nor {REPO / 'seeds'}")


def run(seconds: float = 3.0, reports: list[tuple[str, bytes]] | None = None) -> dict:
    """Extract the sample reports over and over for about `seconds` in this one thread; returns
    reports_per_s (per CPU second of this process: one core's throughput), wall_reports_per_s,
    best_pass_reports_per_s (the fastest pass over the sample, the rate on a core no other process
    disturbs), figures_per_s, mb_per_s, ms_per_report and the counts behind them."""
    reports = reports or sample_reports()
    for name, data in reports:  # warm up: lexicons compiled, caches filled
        extract_bytes(data, name)
    n = figures = nbytes = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + seconds
    best = float("inf")  # the fastest pass over the sample: the rate with the least interference
    while True:
        t0 = time.perf_counter()
        for name, data in reports:
            figures += len(extract_bytes(data, name).figures)
            nbytes += len(data)
        t1 = time.perf_counter()
        best = min(best, t1 - t0)
        n += len(reports)
        if t1 >= deadline:
            break
    elapsed = time.perf_counter() - start
    # one core's throughput is what the process's CPU time buys; wall time also counts the time
    # other processes on the machine took the core away
    cpu = max(time.process_time() - cpu_start, 1e-9)
    return {
        "reports": n,
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "reports_per_s": round(n / cpu, 1),
        "wall_reports_per_s": round(n / elapsed, 1),
        "best_pass_reports_per_s": round(len(reports) / best, 1),
        "figures_per_s": round(figures / cpu, 1),
        "mb_per_s": round(nbytes / cpu / 1e6, 2),
        "ms_per_report": round(1000 * cpu / n, 3),
        "figures_per_report": round(figures / n, 1),
    }


def long_list(sizes: tuple[int, ...] = (10_000, 50_000)) -> dict:
    """CPU seconds of one sentence of n numbers with their nouns, per size, and the time per number:
    the same at every size when the extractor is linear in the numbers of a sentence."""
    import random

    from . import extract_text

    out = {}
    for n in sizes:
        r = random.Random(n)
        text = (
            "Công an tỉnh đã tiếp nhận " + ", ".join(f"{r.randint(1, 99_999)} người tham gia" for _ in range(n)) + "."
        )
        t = time.process_time()
        figures = len(extract_text(text, "long-list").figures)
        cpu = time.process_time() - t
        out[str(n)] = {"seconds": round(cpu, 2), "us_per_number": round(1e6 * cpu / n, 1), "figures": figures}
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    flags = [a for a in argv if a.startswith("--")]
    argv = [a for a in argv if not a.startswith("--")]
    seconds = float(argv[0]) if argv else 3.0
    result = run(seconds)
    if "--long-list" in flags:
        result["long_list"] = long_list()
    print(json.dumps(result))
    print(
        f"extractor: {result['reports_per_s']:.0f} reports/s on one core "
        f"({result['ms_per_report']:.2f} ms CPU per report; {result['wall_reports_per_s']:.0f}/s wall clock, "
        f"{result['best_pass_reports_per_s']:.0f}/s in the fastest pass)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
