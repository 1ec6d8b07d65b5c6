"""Extraction of raw reports on every core: worker processes, results in order, memory bounded.

    for raw, result in extracted(raw_reports, workers):   # raw_reports: any iterable, read lazily
        ...                                              # result: Extracted (rows, or why rejected)

With one worker (ANTQ_EXTRACT_WORKERS=1) each report is extracted in this process, as the tests
may ask; with more, in a pool of spawned worker processes, CHUNK reports per task. Either way the
results come back in the order of the input, and at most `in_flight` reports are taken from the
input and not yet handed back: the ingestion's memory does not grow with the number of reports.

A worker builds the staging rows itself (staging.report_row, .figure_rows, .sentence_rows) and
formats them as COPY text (staging.copy_text), so this process only reads raw reports and hands
the workers' bytes to COPY: no row is pickled back or formatted here. A report the extractor cannot read, or fails on,
comes back as a rejection with its reason. A worker that dies (a crash in a library, the kernel's
OOM killer) or does not answer within the hard limit (the extractor's own time budget,
ANTQ_EXTRACT_SECONDS, did not stop it) takes down the pool's work in flight: each of those reports
is then extracted alone in a fresh worker, so the one that kills or hangs its worker is rejected
with that reason and every other one is extracted as usual.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice

from antq.ingest.staging import copy_text, figure_rows, report_row, sentence_rows

log = logging.getLogger(__name__)

CHUNK = 16  # reports per task sent to a worker: amortises the hand-over, small enough to keep order cheap
IN_FLIGHT = 400  # reports read and not yet handed back: two staging batches, so the workers go on
# while this process stages one


@dataclass(frozen=True, slots=True)
class RawReport:
    """A raw report to extract (raw.report_files) and what a manifest says of it."""

    report_id: str
    file_name: str
    relative_path: str
    content: bytes
    received_date: date
    source: object | None = None  # extractors.ReportSource
    batch: int = 0  # the staging batch (one transaction) it belongs to


@dataclass(frozen=True, slots=True)
class Extracted:
    """One report's extraction: its staging rows as COPY text (staging.REPORT_COLUMNS,
    .SENTENCE_COLUMNS, .FIGURE_COLUMNS) and its number of figures, or why it is rejected."""

    report_copy: bytes | None = None
    sentences_copy: bytes | None = None
    figures_copy: bytes | None = None
    figures: int = 0
    reason: str | None = None  # rejected: what the operator reads (raw.rejected_files.reason)
    failure: str | None = None  # an extractor bug: its traceback, for the log

    @property
    def rejected(self) -> bool:
        return self.reason is not None


def extract_one(raw: RawReport, budget: float | None) -> Extracted:
    """Extract one report into its staging rows; a report that cannot be read, or that the
    extractor fails on, is an Extracted with a reason (never an exception)."""
    import extractors  # the rule lexicons load on import: keep it out of DAG parsing

    try:
        report = extractors.extract_bytes(raw.content, raw.file_name, source=raw.source, time_budget=budget)
    except extractors.UnreadableReport as err:
        return Extracted(reason=err.reason)
    except Exception as err:  # an extractor bug must not stop the batch; the file is kept
        return _failed(err)
    figures = figure_rows(raw.report_id, report)
    return Extracted(
        copy_text([report_row(raw.report_id, report, raw.received_date)]),
        copy_text(sentence_rows(raw.report_id, report)),
        copy_text(figures),
        len(figures),
    )


def _failed(err: Exception) -> Extracted:
    return Extracted(
        reason=f"the extractor failed on this file ({type(err).__name__}: {err}): a bug, "
        "not your file; report it with the copy from the quarantine folder",
        failure=traceback.format_exc(),
    )


ExtractOne = Callable[[RawReport, "float | None"], Extracted]


def _guarded(extract: ExtractOne, raw: RawReport, budget: float | None) -> Extracted:
    """extract(raw, budget); whatever it raises is a rejection, never the end of the batch."""
    try:
        return extract(raw, budget)
    except Exception as err:
        return _failed(err)


def _extract_chunk(extract: ExtractOne, chunk: list[RawReport], budget: float | None) -> list[Extracted]:
    return [_guarded(extract, raw, budget) for raw in chunk]


def _worker_start(parent_pid: int) -> None:
    """In each worker: Ctrl-C is the parent's to handle, and a worker whose parent is gone (killed
    with SIGKILL) exits instead of waiting for work forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def exit_when_orphaned() -> None:
        while os.getppid() == parent_pid:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=exit_when_orphaned, daemon=True, name="antq-orphan-watch").start()
    import extractors  # noqa: F401  # loaded once per worker, before the first report


def hard_limit(budget: float | None) -> float:
    """Seconds a worker may take over one report before it is deemed hung: well past the
    extractor's own budget, which normally stops it first."""
    return 2 * (budget or 60.0) + 10.0


def _ready() -> int:
    return os.getpid()


START_SECONDS = 120.0  # a worker that has not started by then never will


@contextlib.contextmanager
def _main_script_not_rerun():
    """spawn runs the parent's main script again in each worker (as __mp_main__), in case a task
    was defined there. Ours live in modules, and the main script may be Airflow's CLI (seconds of
    imports and ~100 MB per worker) or one without a `__name__ == "__main__"` guard (which would
    spawn again): while workers start, __main__ shows no file to run."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or getattr(main, "__spec__", None) is not None:  # `python -m x`: imported by name
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


class PoolUnavailable(RuntimeError):
    """No worker process could start here (the extraction then runs in this process)."""


class _Pool:
    """A ProcessPoolExecutor of spawned workers that can be killed (a hung worker never returns).

    wait: block until a worker answers (PoolUnavailable if none can); otherwise the first task is
    that answer, and never_started() tells, after a failure, whether any worker ever ran."""

    def __init__(self, workers: int, wait: bool = True, initializer=None):
        self.workers = workers
        try:
            # spawn, not fork: the parent may hold connections and threads (Airflow's task runner)
            self.executor = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=initializer or _worker_start,
                initargs=(os.getpid(),),
            )
            with _main_script_not_rerun():
                # each submit starts a worker until there are `workers`: all start here
                self.ready = self.executor.submit(_ready)
                for _ in range(workers - 1):
                    self.executor.submit(_ready)
        except Exception as err:  # no semaphores, no process to spare
            raise PoolUnavailable(f"{type(err).__name__}: {err}") from err
        if wait:
            try:
                self.ready.result(timeout=START_SECONDS)
            except Exception as err:
                self.kill()
                raise PoolUnavailable(f"{type(err).__name__}: {err or 'no answer in time'}") from err

    def never_started(self) -> str | None:
        """Why no worker ever answered (a pool that cannot start at all: a main module that spawns
        on import, a process limit), or None when one did: a failure after that is a report's."""
        try:
            self.ready.result(timeout=START_SECONDS)  # a broken pool has failed it already
        except Exception as err:
            return f"{type(err).__name__}: {err or 'no answer in time'}"
        return None

    def submit(self, extract: ExtractOne, chunk: list[RawReport], budget: float | None):
        return self.executor.submit(_extract_chunk, extract, chunk, budget)

    def kill(self) -> None:
        # ProcessPoolExecutor has no public way to stop a worker mid-task (Python 3.14 adds
        # terminate_workers); its process table is the only handle on a hung one
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        for p in processes:
            p.kill()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.join(5)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class Workers:
    """Extraction workers started ahead of the reports, while the run does something else
    (night.run: while it loads the raw files), for extracted(): `with Workers(n) as w: ...
    extracted(raws, n, workers_ahead=w)`. The first extracted() given them takes them over; those
    no extracted() took are stopped on leaving the block. n <= 1, or no process to spare: none."""

    def __init__(self, workers: int):
        self._pool: _Pool | None = None
        if workers > 1:
            try:
                self._pool = _Pool(workers, wait=False)
            except PoolUnavailable as err:
                log.warning("extract: no worker process could start ahead (%s)", err)

    def take(self, workers: int) -> _Pool | None:
        """The pool, once, if it has `workers` workers (else it is stopped: the run wants another)."""
        pool, self._pool = self._pool, None
        if pool is not None and pool.workers != workers:
            pool.close()
            return None
        return pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def extracted(
    raws: Iterable[RawReport],
    workers: int,
    *,
    budget: float | None = None,
    extract: ExtractOne = extract_one,
    chunk: int = CHUNK,
    in_flight: int = IN_FLIGHT,
    limit: float | None = None,
    workers_ahead: Workers | None = None,
) -> Iterator[tuple[RawReport, Extracted]]:
    """(raw, Extracted) for each raw report, in input order; `raws` is read as the work goes (at most
    in_flight reports ahead of what was handed back). workers <= 1: in this process. `extract` must
    be a module-level function (workers import it); `limit`: seconds a worker may take over one
    report (default hard_limit(budget)); `workers_ahead`: workers started earlier (Workers), used
    when there are `workers` of them."""
    ahead = workers_ahead.take(workers) if workers_ahead is not None else None
    if workers <= 1:
        for raw in raws:
            yield raw, _guarded(extract, raw, budget)
        return
    limit = hard_limit(budget) if limit is None else limit
    chunk, in_flight = max(1, chunk), max(1, in_flight)
    source = iter(raws)
    pending: deque = deque()  # (future, chunk of RawReport), in input order
    held = 0  # reports taken from `source` and not yet handed back
    try:
        pool = ahead or _Pool(workers, wait=False)  # the workers start while the first reports are read
    except PoolUnavailable as err:
        yield from _in_process(source, extract, budget, err)
        return
    try:
        while True:
            failed = None
            while held < in_flight and failed is None:
                taken = list(islice(source, min(chunk, in_flight - held)))
                if not taken:
                    break
                held += len(taken)
                try:
                    pending.append((pool.submit(extract, taken, budget), taken))
                except Exception as err:  # the pool broke since the last result (a worker died)
                    pending.append((None, taken))
                    failed = err
            if not pending:
                return
            future, taken = pending[0]
            if failed is None:
                try:
                    results = future.result(timeout=limit * len(taken))
                except Exception as err:  # a worker died or hangs (or a result would not pickle)
                    failed = err
            if failed is not None:
                outstanding = [raw for _, c in pending for raw in c]
                never_started = pool.never_started()
                if never_started:
                    pool.kill()
                    pending.clear()
                    yield from _in_process(chain(outstanding, source), extract, budget, never_started)
                    return
                log.warning(
                    "extract: the worker pool failed (%s: %s) with %d report(s) in flight; "
                    "extracting each of them alone to find the one that did it",
                    type(failed).__name__,
                    failed or "no answer in time",
                    len(outstanding),
                )
                pool.kill()
                pending.clear()
                yield from _one_by_one(outstanding, extract, budget, limit)
                held = 0
                try:
                    pool = _Pool(workers, wait=False)
                except PoolUnavailable as err:
                    yield from _in_process(source, extract, budget, err)
                    return
                continue
            pending.popleft()
            for raw, result in zip(taken, results, strict=True):
                yield raw, result
            held -= len(taken)
    finally:
        pool.kill() if pending else pool.close()


def _one_by_one(
    raws: list[RawReport], extract: ExtractOne, budget: float | None, limit: float
) -> Iterator[tuple[RawReport, Extracted]]:
    """Each report alone in a one-worker pool: one that kills or hangs its worker is rejected."""
    try:
        pool = _Pool(1)
    except PoolUnavailable as err:
        yield from _in_process(raws, extract, budget, err)
        return
    try:
        for i, raw in enumerate(raws):
            try:
                (result,) = pool.submit(extract, [raw], budget).result(timeout=limit)
            except TimeoutError:
                pool.kill()
                pool = _restarted(raws[i + 1 :])
                result = Extracted(
                    reason=f"the extractor did not finish this file in {limit:.0f} s (its time budget is "
                    f"{budget or 60:.0f} s): a bug, not your file; report it with the copy from the quarantine folder"
                )
            except Exception as err:
                pool.kill()
                pool = _restarted(raws[i + 1 :])
                result = Extracted(
                    reason=f"the extractor's process died on this file ({type(err).__name__}: {err}): a bug, "
                    "not your file; report it with the copy from the quarantine folder",
                    failure=f"{type(err).__name__}: {err}",
                )
            yield raw, result
            if pool is None and raws[i + 1 :]:
                yield from _in_process(raws[i + 1 :], extract, budget, "no worker could restart")
                return
    finally:
        if pool is not None:
            pool.close()


def _restarted(rest: list) -> _Pool | None:
    """A fresh one-worker pool for the reports left, or None if none can start."""
    if not rest:
        return None
    try:
        return _Pool(1)
    except PoolUnavailable:
        return None


def _in_process(raws: Iterable[RawReport], extract: ExtractOne, budget: float | None, why) -> Iterator:
    log.warning("extract: no worker process could start (%s); extracting in this process", why)
    for raw in raws:
        yield raw, _guarded(extract, raw, budget)
