"""Progress bars of the ingestion's long loops, on a terminal only."""

from __future__ import annotations

import os
import sys


def progress(items, step: str):
    """Items with a progress bar on the terminal (only when stdout is one, and for more than a few;
    ANTQ_PROGRESS=0 turns it off)."""
    items = list(items)
    if len(items) < 10 or not sys.stdout.isatty() or os.environ.get("ANTQ_PROGRESS") == "0":
        return items
    from rich.progress import track

    return track(items, description=f"{step:<9}", transient=True)
