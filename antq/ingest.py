"""Landing folder → raw → extracted figures → staging. The ingestion DAG's tasks call these.

Each step is idempotent: a file is identified by its content (sha256) and recorded in
raw.file_ledger under its path, so a rerun, a renamed copy or a retried task adds nothing twice.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

from antq import config

log = logging.getLogger(__name__)

DATED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STAGE_LOCK = "antq-stage"  # serialises staging writes of concurrent runs

FIGURE_COLUMNS = (
    "figure_id", "report_id", "ordinal", "surface", "value", "unit", "measure", "qualifier",
    "attrs", "char_start", "char_end", "sentence", "extractor_version",
)


@dataclass(frozen=True)
class LandedFile:
    relative_path: str
    report_id: str  # sha256 of the bytes
    size_bytes: int
    received_date: date


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def received_date_of(relative_path: str, default: date) -> date:
    """A file under a dated folder (YYYY-MM-DD/…) was received that day; a flat one, the run's day."""
    first = relative_path.split("/", 1)[0]
    if "/" in relative_path and DATED_FOLDER.match(first):
        return date.fromisoformat(first)
    return default


def scan(reports_dir: Path, run_date: date) -> list[LandedFile]:
    """Every regular file under the landing folder (hidden files and folders skipped)."""
    found = []
    for path in sorted(reports_dir.rglob("*")):
        rel = path.relative_to(reports_dir).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        found.append(LandedFile(rel, _sha256(path), path.stat().st_size, received_date_of(rel, run_date)))
    return found


def discover(url: str, reports_dir: Path, run_date: date) -> list[LandedFile]:
    """Files whose (path, content) the ledger has not seen yet."""
    landed = scan(reports_dir, run_date)
    with psycopg.connect(config.libpq_url(url)) as conn:
        seen = set(conn.execute("select relative_path, report_id from raw.file_ledger").fetchall())
    new = [f for f in landed if (f.relative_path, f.report_id) not in seen]
    log.info("discover: %d files in %s, %d new", len(landed), reports_dir, len(new))
    return new


def load_raw(url: str, reports_dir: Path, files: list[LandedFile], run_id: str) -> list[str]:
    """Store new contents in raw.report_files and record every file in the ledger.

    Returns the report_ids whose content is new to the warehouse (to extract)."""
    new_ids: list[str] = []
    with psycopg.connect(config.libpq_url(url)) as conn:
        for f in files:
            content = (reports_dir / f.relative_path).read_bytes()
            if hashlib.sha256(content).hexdigest() != f.report_id:
                log.warning("load_raw: %s changed since discovery; the next run takes it", f.relative_path)
                continue
            inserted = conn.execute(
                """insert into raw.report_files
                       (report_id, file_name, relative_path, size_bytes, content, received_date, run_id)
                   values (%s, %s, %s, %s, %s, %s, %s)
                   on conflict (report_id) do nothing returning report_id""",
                (f.report_id, Path(f.relative_path).name, f.relative_path, f.size_bytes, content,
                 f.received_date, run_id),
            ).fetchone()
            outcome = "loaded" if inserted else "duplicate_content"
            conn.execute(
                """insert into raw.file_ledger (relative_path, report_id, size_bytes, run_id, outcome)
                   values (%s, %s, %s, %s, %s) on conflict do nothing""",
                (f.relative_path, f.report_id, f.size_bytes, run_id, outcome),
            )
            if inserted:
                new_ids.append(f.report_id)
            log.info("load_raw: %s -> %s (%s)", f.relative_path, outcome, f.report_id[:12])
    return new_ids


def pending_report_ids(url: str, extractor_version: str | None = None) -> list[str]:
    """Raw reports not staged yet, not rejected, or (given a version) staged by another extractor version."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        rows = conn.execute(
            """select r.report_id from raw.report_files r
               left join staging.reports s using (report_id)
               left join raw.rejected_files x using (report_id)
               where x.report_id is null
                 and (s.report_id is null or (%(v)s::text is not null and s.extractor_version <> %(v)s))
               order by r.received_at, r.report_id""",
            {"v": extractor_version},
        ).fetchall()
    return [r[0] for r in rows]


def figure_rows(report_id: str, report) -> list[tuple]:
    """staging.figures rows of one extracted report; ids stable across reruns (report + span + measure)."""
    rows, used = [], set()
    for ordinal, fig in enumerate(report.figures):
        fid = f"{report_id[:12]}:{fig.start}:{fig.measure}"
        n = 1
        while fid in used:
            n += 1
            fid = f"{report_id[:12]}:{fig.start}:{fig.measure}#{n}"
        used.add(fid)
        rows.append((
            fid, report_id, ordinal, fig.surface, fig.value, fig.unit, fig.measure, fig.qualifier,
            json.dumps(fig.attrs, ensure_ascii=False, sort_keys=True), fig.start, fig.end, fig.sentence,
            report.extractor_version,
        ))
    return rows


def extract_and_stage(url: str, report_ids: list[str], run_id: str) -> dict:
    """Extract each raw report and replace its staged figures, all in one transaction (COPY).

    A report that cannot be read goes to raw.rejected_files (with a copy in the quarantine folder);
    it never stops the others. Returns counts for the run summary."""
    import extractors  # the rule lexicons load on import: keep it out of DAG parsing

    staged, rejected, figures = [], [], 0
    if not report_ids:
        return {"staged": 0, "rejected": 0, "figures": 0}
    with psycopg.connect(config.libpq_url(url)) as conn:
        raw = conn.execute(
            """select report_id, file_name, relative_path, content, received_date
               from raw.report_files where report_id = any(%s) order by report_id""",
            (report_ids,),
        ).fetchall()
        results = []
        for report_id, file_name, rel, content, received in raw:
            try:
                report = extractors.extract_bytes(bytes(content), file_name)
            except extractors.UnreadableReport as err:
                rejected.append((report_id, file_name, rel, err.reason, bytes(content)))
                log.warning("extract: %s rejected: %s", rel, err.reason)
                continue
            results.append((report_id, received, report))
            log.info("extract: %s -> %d figures", rel, len(report.figures))

        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (STAGE_LOCK,))
            ids = [r[0] for r in results]
            conn.execute("delete from staging.reports where report_id = any(%s)", (ids,))  # cascades
            with conn.cursor() as cur:
                cur.executemany(
                    """insert into staging.reports (report_id, doc, source_format, encoding, province,
                           report_date, period_label, period_start, period_end, figure_count,
                           extractor_version, received_date)
                       values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                    [(rid, rep.doc, rep.source_format, rep.encoding, rep.province, rep.report_date,
                      rep.period_label, rep.period_start, rep.period_end, len(rep.figures),
                      rep.extractor_version, received) for rid, received, rep in results],
                )
                with cur.copy(f"copy staging.figures ({', '.join(FIGURE_COLUMNS)}) from stdin") as copy:
                    for rid, _, rep in results:
                        for row in figure_rows(rid, rep):
                            copy.write_row(row)
                            figures += 1
            for report_id, file_name, rel, reason, _ in rejected:
                conn.execute(
                    """insert into raw.rejected_files (report_id, file_name, relative_path, reason, run_id)
                       values (%s, %s, %s, %s, %s)
                       on conflict (report_id) do update set reason = excluded.reason,
                           run_id = excluded.run_id, rejected_at = now()""",
                    (report_id, file_name, rel, reason, run_id),
                )
            staged = ids
    for report_id, file_name, rel, reason, content in rejected:
        quarantine(report_id, file_name, content, reason)
    return {"staged": len(staged), "rejected": len(rejected), "figures": figures}


def quarantine(report_id: str, file_name: str, content: bytes, reason: str) -> Path:
    """Keep a copy of a rejected file (and why) where an operator looks first."""
    folder = config.quarantine_dir() / report_id[:12]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / Path(file_name).name).write_bytes(content)
    (folder / "REASON.txt").write_text(reason + "\n", encoding="utf-8")
    return folder
