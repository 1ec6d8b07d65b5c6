"""bench/plots.py: the curves `make bench` draws (bench/curves.png) from its results."""

from __future__ import annotations

import struct

from bench import plots


def _run(ingest: float, dbt: float, gx: float) -> dict:
    return {
        "total_seconds": ingest + dbt + gx,
        "steps": {"ingest": {"seconds": ingest}, "dbt": {"seconds": dbt}, "gx": {"seconds": gx}},
    }


RESULTS = {
    "started_at": "2026-12-04T21:00:00+00:00",
    "machine": {"cpus": 2},
    "postgres": {"version": "15.20"},
    "sections": {
        "incremental": {
            "night_reports": 10,
            "by_history": {"0": _run(0.5, 8.0, 9.0), "10000": _run(0.6, 8.5, 9.2), "100000": _run(0.8, 9.0, 10.0)},
        },
        # 50,000 missing, and a marker key that is not a size: the plot shows what exists
        "e2e": {"1000": _run(2.6, 10.5, 19.1), "10000": _run(21.7, 17.1, 27.9), "partial": True},
    },
}


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_write_curves_writes_a_png_of_both_panels(tmp_path):
    out = plots.write_curves(RESULTS, tmp_path / "sub" / "curves.png")
    assert out == tmp_path / "sub" / "curves.png"
    assert _png_size(out) == (1100, 450)  # figsize 11 x 4.5 inches at 100 dpi
    assert not list((tmp_path / "sub").glob("*.tmp"))


def test_write_curves_draws_results_without_any_curve(tmp_path):
    out = plots.write_curves({"sections": {}}, tmp_path / "curves.png")
    assert _png_size(out) == (1100, 450)


def test_points_skip_missing_sizes_and_read_both_result_shapes():
    assert [(size, round(total, 1)) for size, total, _ in plots.e2e_points(RESULTS)] == [(1000, 32.2), (10000, 66.7)]
    night = plots.night_points(RESULTS)
    assert [size for size, _, _ in night] == [0, 10000, 100000]
    assert night[2][2] == {"ingest": 0.8, "dbt": 9.0, "gx": 10.0}
    # a list of runs naming their size, steps as plain seconds, no total
    listed = {"sections": {"e2e": [{"size": 50000, "steps": {"ingest": 60.0, "dbt": 40.0}}, {"size": 1000}]}}
    assert plots.e2e_points(listed) == [(50000, 100.0, {"ingest": 60.0, "dbt": 40.0})]
    # results from before by_history: the empty warehouse and the one history size
    older = {"sections": {"incremental": {"history_reports": 100000, "empty": _run(1, 2, 3), "history": _run(2, 3, 4)}}}
    assert [(size, total) for size, total, _ in plots.night_points(older)] == [(0, 6), (100000, 9)]
