"""The bench's curves as one PNG (bench/curves.png, written by `make bench` beside results.json):

(a) a night's cost against the history already in the warehouse (sections.incremental.by_history:
    0, 10,000, 100,000 reports), and
(b) the end-to-end time against the corpus size (sections.e2e: 1,000, 10,000, 50,000 reports),

each as the total and its steps (ingest, dbt, gx). A size the results do not have is not drawn, and a
panel with no results at all says so, so a partial run still gets a plot of what it measured.

    python -m bench.plots [bench/results.json] [--out bench/curves.png]   # draw again from a results file
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

STEPS = ("ingest", "dbt", "gx")
DEFAULT_RESULTS = Path(__file__).resolve().parent / "results.json"


def _step_seconds(run: dict) -> dict[str, float]:
    """{step: seconds} of one measured run; a step given as a number or as {"seconds": ...}."""
    steps = run.get("steps") or {}
    out = {}
    for name, step in steps.items():
        seconds = step.get("seconds") if isinstance(step, dict) else step
        if isinstance(seconds, (int, float)):
            out[name] = float(seconds)
    return out


def _point(size, run) -> tuple[int, float, dict[str, float]] | None:
    """(size, total seconds, {step: seconds}) of a run, or None when it has no figures."""
    if not isinstance(run, dict):
        return None
    try:
        size = int(run.get("size", run.get("reports", size)))
    except (TypeError, ValueError):
        return None
    steps = _step_seconds(run)
    total = run.get("total_seconds")
    if not isinstance(total, (int, float)):
        if not steps:
            return None
        total = sum(steps.values())
    return size, float(total), steps


def _points(runs) -> list[tuple[int, float, dict[str, float]]]:
    """The points of a {size: run} mapping (keys that are not sizes, like "partial", are skipped) or
    of a list of runs that name their "size", in size order."""
    items = runs.items() if isinstance(runs, dict) else ((None, r) for r in runs or [])
    found = {}
    for key, run in items:
        if key is not None and not str(key).isdigit():
            continue
        point = _point(key, run)
        if point is not None:
            found[point[0]] = point
    return [found[size] for size in sorted(found)]


def night_points(results: dict) -> list[tuple[int, float, dict[str, float]]]:
    """A night's cost per history size: sections.incremental.by_history, or (results written before
    it existed) its empty and full warehouses."""
    inc = (results.get("sections") or {}).get("incremental") or {}
    if inc.get("by_history"):
        return _points(inc["by_history"])
    runs = {}
    if "empty" in inc:
        runs["0"] = inc["empty"]
    if "history" in inc and "history_reports" in inc:
        runs[str(inc["history_reports"])] = inc["history"]
    return _points(runs)


def e2e_points(results: dict) -> list[tuple[int, float, dict[str, float]]]:
    """End-to-end time per corpus size (sections.e2e)."""
    return _points((results.get("sections") or {}).get("e2e") or {})


def _panel(ax, points, title: str, xlabel: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seconds")
    ax.grid(True, alpha=0.3)
    if not points:
        ax.text(0.5, 0.5, "not measured in these results", ha="center", va="center", transform=ax.transAxes)
        return
    sizes = [size for size, _, _ in points]
    ax.plot(sizes, [total for _, total, _ in points], marker="o", linewidth=2, color="black", label="total")
    for step in STEPS:
        have = [(size, steps[step]) for size, _, steps in points if step in steps]
        if have:
            ax.plot(*zip(*have), marker=".", linestyle="--", label=step)
    for size, total, _ in points:
        ax.annotate(f"{total:.1f} s", (size, total), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    # 0 and 10,000 reports stay apart next to 100,000: linear up to 1,000, logarithmic beyond
    ax.set_xscale("symlog", linthresh=1000)
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{size:,}" for size in sizes])
    ax.set_ylim(0, max(total for _, total, _ in points) * 1.15)  # room for the labels
    ax.legend(fontsize=8)


def write_curves(results: dict, path: Path) -> Path:
    """Draw both panels from a results dict (bench/results.json's content) into the PNG at path."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    fig, (night_ax, e2e_ax) = plt.subplots(1, 2, figsize=(11, 4.5))
    inc = (results.get("sections") or {}).get("incremental") or {}
    night = inc.get("night_reports", "?")
    _panel(night_ax, night_points(results), f"(a) a night of {night} reports", "reports already in the warehouse")
    _panel(e2e_ax, e2e_points(results), "(b) folder → validated marts", "reports in the corpus")
    machine = results.get("machine") or {}
    # no date: a section may come from another run than the file's (each has its own load_average)
    fig.suptitle(
        f"antq bench: {machine.get('cpus', '?')} CPUs ({machine.get('cpu', '?')}), "
        f"PostgreSQL {(results.get('postgres') or {}).get('version', '?')}",
        fontsize=9,
    )
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.plots", description="draw bench/curves.png from results")
    p.add_argument("results", nargs="?", default=str(DEFAULT_RESULTS), help="results file (default bench/results.json)")
    p.add_argument("--out", help="PNG to write (default: curves.png beside the results file)")
    args = p.parse_args(argv)
    results_path = Path(args.results)
    out = Path(args.out) if args.out else results_path.with_name("curves.png")
    write_curves(json.loads(results_path.read_text(encoding="utf-8")), out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
