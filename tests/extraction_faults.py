"""Per-report extraction functions that fail on purpose, for the worker-pool tests
(tests/test_extraction_pool.py). They live in a module of their own: a worker process imports them
by name, as it does antq.ingest.extraction.extract_one."""

from __future__ import annotations

import os
import time

from antq.ingest.extraction import Extracted, extract_one


def faulty_extract(raw, budget):
    """extract_one, except for a file whose name says how to fail: 'crash' kills its worker
    (as a crash in a C library would), 'hang' never returns, 'raise' raises."""
    if "crash" in raw.file_name:
        os._exit(70)
    if "hang" in raw.file_name:
        time.sleep(3600)
    if "raise" in raw.file_name:
        raise RuntimeError("a bug on purpose")
    return extract_one(raw, budget)


def pid_of_worker(raw, budget):
    """No extraction: the id of the process the report went to, as the reason."""
    return Extracted(reason=str(os.getpid()))


def worker_that_cannot_start(parent_pid):
    """A worker initializer that fails, as one would where no worker can start."""
    raise OSError("no worker can start here")
