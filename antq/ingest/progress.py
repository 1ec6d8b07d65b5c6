"""Progress bars of the ingestion's long loops, on a terminal only."""

from __future__ import annotations

import os
import sys


def progress(items, step: str, total: int | None = None):
    """Items with a progress bar on the terminal (only when stdout is one, and for more than a few;
    ANTQ_PROGRESS=0 turns it off). Given their total, items are not read ahead (a stream stays one)."""
    if total is None:
        items = list(items)
        total = len(items)
    if total < 10 or not sys.stdout.isatty() or os.environ.get("ANTQ_PROGRESS") == "0":
        return items
    from rich.progress import track

    return track(items, total=total, description=f"{step:<9}", transient=True)
