"""raw: the bytes of each loaded report (raw.report_files), the rejected files (raw.rejected_files)
and their copies in the quarantine folder.

Bad input never stops a batch. What cannot become a report ends in raw.rejected_files with a reason
an operator can act on, and its bytes are kept (raw.report_files and/or the quarantine folder, see
warehouse.sql): at discovery (stage 'discover': the files landing.survey sets aside) or at
extraction (stage 'extract': the reports the extractor cannot read, staging.extract_and_stage).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg

from antq import config
from antq.ingest import ledger
from antq.ingest.landing import LandedFile, SetAside, read_inside
from antq.ingest.progress import progress

log = logging.getLogger(__name__)

WHAT_TO_DO = (
    "fix the file and drop it in the landing folder again under a new name; `antq status` lists every rejected file"
)


def quarantine(report_id: str, file_name: str, content: bytes | None, reason: str, source: Path | None = None) -> Path:
    """Keep a copy of a rejected file (and why) where an operator looks first.

    The bytes come from `content`, or are copied from `source` without reading them into memory
    (a file too large for the warehouse); with neither, only REASON.txt is written."""
    folder = config.quarantine_dir() / report_id.split(":")[-1][:12]
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(file_name).name or "file"
    if name == "REASON.txt":
        name = "file-REASON.txt"
    if content is not None:
        (folder / name).write_bytes(content)
    elif source is not None:
        shutil.copyfile(source, folder / name)
    (folder / "REASON.txt").write_text(reason + "\n", encoding="utf-8")
    return folder


def record_rejection(conn, report_id, file_name, rel, reason, run_id, stage, size, folder) -> None:
    """raw.rejected_files: the file, why, at which stage, and where its copy is (one row per content)."""
    conn.execute(
        """insert into raw.rejected_files
               (report_id, file_name, relative_path, reason, run_id, stage, size_bytes, quarantine_path)
           values (%s, %s, %s, %s, %s, %s, %s, %s)
           on conflict (report_id) do update set reason = excluded.reason, run_id = excluded.run_id,
               stage = excluded.stage, size_bytes = excluded.size_bytes,
               quarantine_path = excluded.quarantine_path, rejected_at = now()""",
        (report_id, file_name, rel, reason, run_id, stage, size, str(folder)),
    )


def reject_set_aside(conn, a: SetAside, run_id: str) -> Path:
    """Record a file that cannot be loaded, once: its copy in the quarantine folder, the ledger
    (outcome 'rejected', with the reason) and raw.rejected_files (stage 'discover')."""
    folder = quarantine(a.report_id, Path(a.relative_path).name, None, a.reason, source=a.source)
    ledger.record(conn, a.relative_path, a.report_id, a.size_bytes, run_id, "rejected", a.reason)
    record_rejection(
        conn,
        a.report_id,
        Path(a.relative_path).name,
        a.relative_path,
        a.reason,
        run_id,
        "discover",
        a.size_bytes,
        folder,
    )
    log.warning(
        "discover: %s rejected: %s. %s; %s",
        a.relative_path,
        a.reason,
        _kept_where(folder, a.source is not None),
        WHAT_TO_DO,
    )
    return folder


def _kept_where(folder: Path, has_bytes: bool) -> str:
    return (
        f"The bytes are kept in {folder}"
        if has_bytes
        else f"There are no bytes to keep; the reason is in {folder / 'REASON.txt'}"
    )


LOAD_LOCK = "antq-load-raw"  # one load at a time: which contents are new is decided under it
LOAD_BATCH = 1000  # files per COPY: a batch's ledger rows are then written in a few statements


def load_raw(url: str, reports_dir: Path, files: list[LandedFile], run_id: str) -> list[str]:
    """Store new contents in raw.report_files and record every file in the ledger, in one
    transaction (a failed load leaves none of its rows).

    A file that cannot be read now or changed since discovery is skipped (the next run takes it).
    Returns the report_ids whose content is new to the warehouse (to extract).

    The files go LOAD_BATCH at a time: the contents the warehouse does not hold yet in one binary
    COPY (each file read, checked against its sha256 and written as it comes: memory does not grow
    with the night), then the batch's ledger rows and the discover-stage rejections they lift in a
    few set statements. A load takes LOAD_LOCK, so a concurrent run's load waits for this one and
    then finds these contents stored (what `insert ... on conflict do nothing` did row by row)."""
    new_ids: list[str] = []
    root_real = Path(os.path.realpath(reports_dir))
    with psycopg.connect(config.libpq_url(url)) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (LOAD_LOCK,))
        for batch in _batches(progress(files, "load_raw")):
            new_ids += _load_batch(conn, root_real, Path(reports_dir), batch, run_id)
    return new_ids


def _batches(files) -> Iterator[list[LandedFile]]:
    """LOAD_BATCH files at a time, each path at most once per batch (a batch's ledger rows are
    written together, and a path's earlier content is looked up before them)."""
    batch: list[LandedFile] = []
    paths: set[str] = set()
    for f in files:
        if len(batch) >= LOAD_BATCH or f.relative_path in paths:
            yield batch
            batch, paths = [], set()
        batch.append(f)
        paths.add(f.relative_path)
    if batch:
        yield batch


def _load_batch(conn, root_real: Path, reports_dir: Path, files: list[LandedFile], run_id: str) -> list[str]:
    stored = {
        r[0]
        for r in conn.execute(
            "select report_id from raw.report_files where report_id = any(%s)", ([f.report_id for f in files],)
        )
    }
    loaded: list[tuple[LandedFile, str]] = []  # (file, outcome), in the files' order
    new_ids: list[str] = []
    with (
        conn.cursor() as cur,
        cur.copy(
            """copy raw.report_files
                   (report_id, file_name, relative_path, size_bytes, content, received_date, run_id)
               from stdin (format binary)"""
        ) as copy,
    ):
        copy.set_types(["text", "text", "text", "int8", "bytea", "date", "text"])
        for f in files:
            try:
                content = read_inside(root_real, reports_dir / f.relative_path)
            except OSError as e:
                log.warning(
                    "load_raw: %s cannot be read now (%s); it stays in the landing folder and the next run tries again",
                    f.relative_path,
                    e.strerror or e,
                )
                continue
            if hashlib.sha256(content).hexdigest() != f.report_id:
                log.warning("load_raw: %s changed since discovery; the next run takes it", f.relative_path)
                continue
            if f.report_id in stored:  # stored by an earlier run, or under another name in this one
                loaded.append((f, "duplicate_content"))
                continue
            copy.write_row(
                (
                    f.report_id,
                    Path(f.relative_path).name,
                    f.relative_path,
                    f.size_bytes,
                    content,
                    f.received_date,
                    run_id,
                )
            )
            stored.add(f.report_id)
            new_ids.append(f.report_id)
            loaded.append((f, "loaded"))
    if not loaded:
        return new_ids
    paths = [f.relative_path for f, _ in loaded]
    ids = [f.report_id for f, _ in loaded]
    earlier = ledger.earlier_contents(conn, paths, ids)
    notes = [
        f"a new version of {f.relative_path} (earlier content {earlier[f.relative_path][:12]})"
        if f.relative_path in earlier
        else None
        for f, _ in loaded
    ]
    ledger.record_many(
        conn,
        [(f.relative_path, f.report_id, f.size_bytes, outcome, note) for (f, outcome), note in zip(loaded, notes)],
        run_id,
    )
    # a rejection at discovery that no longer stands: this content, or this path, is loaded now
    conn.execute(
        """delete from raw.rejected_files where stage = 'discover'
           and (report_id = any(%s) or (relative_path = any(%s) and report_id like 'unreadable:%%'))""",
        (ids, paths),
    )
    for (f, outcome), note in zip(loaded, notes):
        log.info("load_raw: %s -> %s (%s)%s", f.relative_path, outcome, f.report_id[:12], f"; {note}" if note else "")
    return new_ids
