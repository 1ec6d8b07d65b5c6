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


def load_raw(url: str, reports_dir: Path, files: list[LandedFile], run_id: str) -> list[str]:
    """Store new contents in raw.report_files and record every file in the ledger.

    A file that cannot be read now or changed since discovery is skipped (the next run takes it).
    Returns the report_ids whose content is new to the warehouse (to extract)."""
    new_ids: list[str] = []
    root_real = Path(os.path.realpath(reports_dir))
    # pipeline mode: a file's statements go to the server together, one round trip per file
    # instead of four (the same statements, in the same order, in the same transaction)
    with psycopg.connect(config.libpq_url(url)) as conn, conn.pipeline():
        for f in progress(files, "load_raw"):
            try:
                content = read_inside(root_real, Path(reports_dir) / f.relative_path)
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
            inserting = conn.execute(
                """insert into raw.report_files
                       (report_id, file_name, relative_path, size_bytes, content, received_date, run_id)
                   values (%s, %s, %s, %s, %s, %s, %s)
                   on conflict (report_id) do nothing returning report_id""",
                (
                    f.report_id,
                    Path(f.relative_path).name,
                    f.relative_path,
                    f.size_bytes,
                    content,
                    f.received_date,
                    run_id,
                ),
            )
            earlier = ledger.earlier_content(conn, f.relative_path, f.report_id)  # its fetch syncs both
            inserted = inserting.fetchone()
            outcome = "loaded" if inserted else "duplicate_content"
            note = f"a new version of {f.relative_path} (earlier content {earlier[:12]})" if earlier else None
            ledger.record(conn, f.relative_path, f.report_id, f.size_bytes, run_id, outcome, note)
            # a rejection at discovery that no longer stands: this content, or this path, is loaded now
            conn.execute(
                """delete from raw.rejected_files where stage = 'discover'
                   and (report_id = %s or (relative_path = %s and report_id like 'unreadable:%%'))""",
                (f.report_id, f.relative_path),
            )
            if inserted:
                new_ids.append(f.report_id)
            log.info(
                "load_raw: %s -> %s (%s)%s", f.relative_path, outcome, f.report_id[:12], f"; {note}" if note else ""
            )
    return new_ids
