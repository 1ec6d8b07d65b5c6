"""staging: each extracted report's figures and sentences, replaced in one transaction by COPY.

extract_and_stage extracts raw reports (raw.report_files), on every core (antq.ingest.extraction:
worker processes, results in order, at most IN_FLIGHT reports held), and replaces what staging holds
of them (staging.reports, .figures, .sentences) BATCH reports per transaction under an advisory lock
(stage): a re-run, a retried task or two runs at once never leave a report with two sets of figures,
a failed batch leaves none of its rows, and a re-run on the same data stages the same figures under
the same ids (figure_rows). A report the extractor cannot read, fails on, or whose worker dies or
hangs on it is rejected (raw.record_rejection, stage 'extract'); it never stops the others.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

import psycopg
from psycopg._copy_base import format_row_text  # what Copy.write_row formats a row with
from psycopg.adapt import Transformer

from antq import config, manifest
from antq.ingest.progress import progress
from antq.ingest.raw import WHAT_TO_DO, quarantine, record_rejection

log = logging.getLogger(__name__)

STAGE_LOCK = "antq-stage"  # serialises staging writes of concurrent runs

FIGURE_COLUMNS = (
    "figure_id",
    "report_id",
    "ordinal",
    "surface",
    "value",
    "unit",
    "measure",
    "qualifier",
    "attrs",
    "char_start",
    "char_end",
    "sentence_no",
    "extractor_version",
)
# a report's sentences, each stored once: a sentence carries several figures and is most of a
# figure row's bytes, which is what COPY pays for
SENTENCE_COLUMNS = ("report_id", "sentence_no", "sentence")
# one encoder: json.dumps with options builds a new one per call, which was most of figure_rows' time
_attrs_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _sentence_numbers(report) -> dict[str, int]:
    """Each distinct sentence of the report's figures, numbered from 1 in the order they first cite it."""
    numbers: dict[str, int] = {}
    for fig in report.figures:
        if fig.sentence not in numbers:
            numbers[fig.sentence] = len(numbers) + 1
    return numbers


def figure_rows(report_id: str, report) -> list[tuple]:
    """staging.figures rows of one extracted report; ids stable across reruns (report + span + measure),
    sentence_no its sentence in sentence_rows."""
    rows, used = [], set()
    prefix, version = report_id[:12], report.extractor_version
    sentence_no = _sentence_numbers(report)
    for ordinal, fig in enumerate(report.figures):
        fid = base = f"{prefix}:{fig.start}:{fig.measure}"
        n = 1
        while fid in used:
            n += 1
            fid = f"{base}#{n}"
        used.add(fid)
        attrs = fig.attrs
        rows.append(
            (
                fid,
                report_id,
                ordinal,
                fig.surface,
                fig.value,
                fig.unit,
                fig.measure,
                fig.qualifier,
                _attrs_json(attrs) if attrs else "{}",
                fig.start,
                fig.end,
                sentence_no[fig.sentence],
                version,
            )
        )
    return rows


def sentence_rows(report_id: str, report) -> list[tuple]:
    """staging.sentences rows of one extracted report: each sentence its figures came from, once."""
    return [(report_id, no, sentence) for sentence, no in _sentence_numbers(report).items()]


def staged_rows(report_id: str, report) -> tuple[list[tuple], list[tuple]]:
    """(staging.figures rows, staging.sentences rows) of one extracted report."""
    return figure_rows(report_id, report), sentence_rows(report_id, report)


def _copy(cur, table: str, columns, rows) -> int:
    n = 0
    with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)
            n += 1
    return n


_copy_transformer = None


def copy_text(rows) -> bytes:
    """Rows as COPY text: the bytes cursor.copy's write_row sends for them (psycopg's own row
    formatter, its default adapters, UTF-8: the staging connection's client_encoding). The
    extraction workers format their rows so; COPY takes the bytes as they are (copy_texts)."""
    global _copy_transformer
    if _copy_transformer is None:
        _copy_transformer = Transformer()
    out = bytearray()
    for row in rows:
        format_row_text(row, _copy_transformer, out)
    return bytes(out)


def copy_texts(cur, table: str, columns, data: bytes) -> None:
    """COPY rows already formatted as COPY text (copy_text) into table, in the cursor's transaction."""
    if data:
        with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
            copy.write(data)


def copy_figures(cur, rows, table: str = "staging.figures") -> int:
    """COPY figure rows (staged_rows) into staging.figures, in the cursor's transaction; returns how many."""
    return _copy(cur, table, FIGURE_COLUMNS, rows)


def copy_sentences(cur, rows, table: str = "staging.sentences") -> int:
    """COPY sentence rows (staged_rows) into staging.sentences, in the cursor's transaction; returns how many."""
    return _copy(cur, table, SENTENCE_COLUMNS, rows)


def copy_staged(cur, built, tables: tuple[str, str] = ("staging.figures", "staging.sentences")) -> int:
    """COPY the (figure rows, sentence rows) of each report (staged_rows) in the cursor's transaction;
    returns how many figures. extract_and_stage's staging path, which the bench (load) times."""
    built = built if isinstance(built, list) else list(built)
    copy_sentences(cur, (s for _, sentences in built for s in sentences), tables[1])
    return copy_figures(cur, (f for figures, _ in built for f in figures), tables[0])


class StagingFailed(RuntimeError):
    """The staging transaction did not commit: nothing of it is in the warehouse."""


# a staging.reports row: its columns, and the row of one extracted report (the bench stages the same)
REPORT_COLUMNS = (
    "report_id",
    "doc",
    "source_format",
    "encoding",
    "province",
    "outlet",
    "report_date",
    "period_label",
    "period_start",
    "period_end",
    "figure_count",
    "extractor_version",
    "received_date",
    "scope",
    "province_source",
    "report_date_source",
    "source_url",
)


def report_row(report_id: str, rep, received) -> tuple:
    return (
        report_id,
        rep.doc,
        rep.source_format,
        rep.encoding,
        rep.province,
        rep.outlet,
        rep.report_date,
        rep.period_label,
        rep.period_start,
        rep.period_end,
        len(rep.figures),
        rep.extractor_version,
        received,
        rep.scope,
        rep.province_source,
        rep.report_date_source,
        rep.source_url,
    )


BATCH = 200  # reports per staging transaction: bounds what a failed load rolls back, and memory


def raw_reports(conn, report_ids: list[str], batch: int = BATCH) -> Iterator:
    """The raw reports (extraction.RawReport) of report_ids, read `batch` at a time as they are
    wanted, each tagged with its batch; no transaction stays open between reads."""
    from antq.ingest.extraction import RawReport

    for n, i in enumerate(range(0, len(report_ids), batch)):
        ids = report_ids[i : i + batch]
        rows = conn.execute(
            """select report_id, file_name, relative_path, content, received_date
               from raw.report_files where report_id = any(%s) order by report_id""",
            (ids,),
            binary=True,  # the bytes as stored, not as hex text to decode (half the CPU, both sides)
        ).fetchall()
        sources = manifest.sources_for(conn, ids)  # what the manifests say of them
        conn.commit()  # no transaction stays open while the extractor works
        for report_id, file_name, rel, content, received in rows:
            yield RawReport(report_id, file_name, rel, bytes(content), received, sources.get(report_id), n)


def extract_and_stage(
    url: str, report_ids: list[str], run_id: str, workers: int | None = None, extract=None, workers_ahead=None
) -> dict:
    """Extract each raw report and replace its staged figures and sentences, BATCH reports per
    transaction (COPY); extraction on `workers` processes (default config.extract_workers(); 1: in
    this one), the reports read as the work goes. `extract`: the per-report function
    (extraction.extract_one; the tests give one that fails on purpose); `workers_ahead`: workers
    the run started earlier (extraction.Workers).

    A report that cannot be read goes to raw.rejected_files (with a copy in the quarantine folder);
    it never stops the others. Returns counts for the run summary."""
    from antq.ingest.extraction import extract_one, extracted

    totals = {"staged": 0, "rejected": 0, "figures": 0}
    if not report_ids:
        return totals
    workers = config.extract_workers(len(report_ids)) if workers is None else workers
    extract = extract or extract_one
    with (
        psycopg.connect(config.libpq_url(url)) as reader,
        # client_encoding: the encoding of the COPY text the workers format (copy_text)
        psycopg.connect(config.libpq_url(url), client_encoding="UTF8") as conn,
        contextlib.closing(
            extracted(
                raw_reports(reader, report_ids),
                workers,
                budget=config.extract_seconds(),
                extract=extract,
                workers_ahead=workers_ahead,
            )
        ) as results,
    ):
        for _, batch in groupby(progress(results, "extract", total=len(report_ids)), key=lambda r: r[0].batch):
            counts = stage(conn, list(batch), run_id)
            for k in totals:
                totals[k] += counts[k]
    return totals


def stage(conn, batch: list, run_id: str) -> dict:
    """Replace what staging holds of a batch of extracted reports ((RawReport, Extracted) pairs) in
    one transaction under the staging lock, and record its rejections; counts."""
    done = [(raw, result) for raw, result in batch if not result.rejected]
    rejected = [(raw, result) for raw, result in batch if result.rejected]
    for raw, result in batch:
        if result.failure:
            log.error("extract: %s: the extractor failed\n%s", raw.relative_path, result.failure)
        elif not result.rejected:
            log.info("extract: %s -> %d figures", raw.relative_path, result.figures)
    if done:
        _test_pause("extract")
    # the copies first, so that a committed rejection always has its copy
    folders = {
        raw.report_id: quarantine(raw.report_id, raw.file_name, raw.content, result.reason) for raw, result in rejected
    }
    ids = [raw.report_id for raw, _ in done]
    try:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (STAGE_LOCK,))
            conn.execute("delete from staging.reports where report_id = any(%s)", (ids,))  # cascades
            with conn.cursor() as cur:  # the rows as the workers formatted them (extraction.extract_one)
                copy_texts(cur, "staging.reports", REPORT_COLUMNS, b"".join(r.report_copy for _, r in done))
                copy_texts(cur, "staging.sentences", SENTENCE_COLUMNS, b"".join(r.sentences_copy for _, r in done))
                copy_texts(cur, "staging.figures", FIGURE_COLUMNS, b"".join(r.figures_copy for _, r in done))
            figures = sum(result.figures for _, result in done)
            _test_pause("stage")
            for raw, result in rejected:
                record_rejection(
                    conn,
                    raw.report_id,
                    raw.file_name,
                    raw.relative_path,
                    result.reason,
                    run_id,
                    "extract",
                    len(raw.content),
                    folders[raw.report_id],
                )
    except psycopg.OperationalError as err:
        raise StagingFailed(
            f"extract_and_stage: the warehouse connection was lost while staging {len(ids)} report(s) "
            f"({str(err).strip()}); the transaction rolled back, so nothing of it is staged. Check that "
            "PostgreSQL is up (`antq status`); Airflow retries the task, or run `antq run` again"
        ) from err
    for raw, result in rejected:
        log.warning(
            "extract: %s rejected: %s. The bytes are kept in raw.report_files and in %s; %s",
            raw.relative_path,
            result.reason,
            folders[raw.report_id],
            WHAT_TO_DO,
        )
    return {"staged": len(ids), "rejected": len(rejected), "figures": figures}


_paused: set[str] = set()


def _test_pause(point: str) -> None:
    """Test hook (tests/test_faults.py): ANTQ_TEST_PAUSE_AT=extract|stage pauses this process there,
    once, for ANTQ_TEST_PAUSE_SECONDS (default 60) so a test can kill it or restart PostgreSQL
    (ANTQ_TEST_PAUSE_FILE: the first process to pause writes its pid there; later ones go on). At
    'stage' the figures and sentences are COPYed but not committed; at 'extract', the first batch is
    extracted and no transaction is open. Unset (always, outside those tests): nothing happens."""
    if os.environ.get("ANTQ_TEST_PAUSE_AT") != point or point in _paused:
        return
    _paused.add(point)
    marker = os.environ.get("ANTQ_TEST_PAUSE_FILE")  # with it: pause in the first process only (not a retry)
    if marker:
        if os.path.exists(marker):
            return
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    print(f"antq-test-paused:{point}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("ANTQ_TEST_PAUSE_SECONDS", "60")))
