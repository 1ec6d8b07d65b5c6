"""Landing folder → raw → extracted figures → staging. The ingestion DAG's tasks call these.

Each step is idempotent: a file is identified by its content (sha256) and recorded in
raw.file_ledger under its path, so a rerun, a renamed copy or a retried task adds nothing twice.

Bad input never stops a batch. What cannot become a report ends in raw.rejected_files with a
reason an operator can act on, and its bytes are kept (raw.report_files and/or the quarantine
folder, see warehouse.sql):
  - discover sets aside what cannot even be loaded: a file larger than ANTQ_MAX_FILE_BYTES, one that
    cannot be read (a link to nothing, a named pipe, a read error), a name that is not UTF-8;
  - a file changed less than ANTQ_SETTLE_SECONDS ago is watched that long: if it still changes it is
    being written, and is left (unrecorded) for the next run;
  - extract_and_stage rejects the reports the extractor cannot read (empty, binary, a scan, …).

Every log line names the step and the file.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import stat
import sys
import time
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
    "attrs", "char_start", "char_end", "sentence_no", "extractor_version",
)
# a report's sentences, each stored once: a sentence carries several figures and is most of a
# figure row's bytes, which is what COPY pays for
SENTENCE_COLUMNS = ("report_id", "sentence_no", "sentence")
# one encoder: json.dumps with options builds a new one per call, which was most of figure_rows' time
_attrs_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode

WHAT_TO_DO = ("fix the file and drop it in the landing folder again under a new name; "
              "`antq status` lists every rejected file")


@dataclass(frozen=True)
class LandedFile:
    relative_path: str
    report_id: str  # sha256 of the bytes
    size_bytes: int
    received_date: date


@dataclass(frozen=True)
class SetAside:
    """A landed file that cannot be loaded; discover records it as rejected (stage 'discover')."""
    relative_path: str  # as stored (a name that is not UTF-8 is shown with \\x escapes)
    report_id: str      # sha256 of the bytes, or 'unreadable:<sha256 of the path>' without bytes
    size_bytes: int
    reason: str
    source: Path | None = None  # where its bytes can be copied from (None: there are none to keep)


@dataclass
class Survey:
    """What is in the landing folder: files to load, files set aside, files still being written."""
    files: list[LandedFile]
    set_aside: list[SetAside]
    unsettled: list[str]


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


def _ignored(name: str) -> bool:
    """Hidden files and folders, the lock files Office leaves beside an open document (~$x.docx), and
    the manifests (manifest.csv: antq/manifest.py reads them; they are not reports)."""
    return name.startswith((".", "~$")) or name == "manifest.csv"


def _walk(root: Path):
    """(path, relative path) of every entry under root that is not a real folder; folders that are
    links are yielded too (they are not followed). A folder that cannot be listed is yielded with
    its error."""
    if not root.is_dir():
        raise FileNotFoundError(f"the landing folder {root} does not exist or is not a folder: "
                                "create it, or point REPORTS_DIR at the right one")
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as err:
            if folder == root:
                raise
            yield folder, err
            continue
        for entry in entries:
            if _ignored(entry.name):
                continue
            try:
                real_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                real_dir = False
            if real_dir:
                stack.append(Path(entry.path))
            else:
                yield Path(entry.path), None


def _stored_path(rel: str) -> tuple[str, bool]:
    """(the relative path as text PostgreSQL can store, whether the name was valid UTF-8)."""
    try:
        rel.encode("utf-8")
        return rel, True
    except UnicodeEncodeError:  # os.fsdecode kept undecodable bytes as surrogates
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), False


def _unreadable_id(rel: str) -> str:
    return "unreadable:" + hashlib.sha256(rel.encode("utf-8")).hexdigest()


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    return "not a regular file"


def survey(reports_dir: Path, run_date: date, settle_seconds: float | None = None,
           max_bytes: int | None = None) -> Survey:
    """Look at every file under the landing folder without failing on any of them.

    A symbolic link to a file (inside the folder or not) is followed and loaded under the link's
    name; a link to nothing, to a folder or in a loop is set aside, as is a named pipe, a socket, a
    file that cannot be read, a file larger than max_bytes and a name that is not UTF-8. Hidden
    files and Office lock files (~$…) are ignored. A file changed less than settle_seconds ago is
    watched until it is that old: if its size or time changes, it is still being written and is
    left for the next run."""
    settle = config.settle_seconds() if settle_seconds is None else settle_seconds
    limit = config.max_file_bytes() if max_bytes is None else max_bytes
    reports_dir = Path(reports_dir)
    candidates: list[tuple[Path, str, os.stat_result]] = []
    set_aside: list[SetAside] = []

    def aside(rel: str, reason: str, *, report_id: str | None = None, size: int = 0, source: Path | None = None):
        stored, _ = _stored_path(rel)
        set_aside.append(SetAside(stored, report_id or _unreadable_id(stored), size, reason, source))
        log.info("discover: %s set aside: %s", stored, reason)

    for path, err in _walk(reports_dir):
        rel = path.relative_to(reports_dir).as_posix()
        if err is not None:
            aside(rel + "/", f"a folder that cannot be read ({err.strerror or err}): check its permissions")
            continue
        try:
            st = path.stat()  # follows links
        except FileNotFoundError:
            if path.is_symlink():
                aside(rel, f"a symbolic link to {os.readlink(path)!r}, which does not exist: "
                           "copy the file itself into the landing folder")
            else:
                log.info("discover: %s disappeared while the folder was read; skipped", rel)
            continue
        except OSError as e:  # ELOOP, EACCES on a folder on the way, …
            aside(rel, f"cannot look at this file ({e.strerror or e}): "
                       + ("a symbolic link in a loop" if path.is_symlink() else "check its permissions"))
            continue
        if stat.S_ISDIR(st.st_mode):  # only a link can be a folder here
            aside(rel, f"a symbolic link to the folder {os.readlink(path)!r}: links to folders are not "
                       "followed; move or copy its files into the landing folder")
            continue
        if not stat.S_ISREG(st.st_mode):
            aside(rel, _kind_of(st.st_mode) + ": nothing to read")
            continue
        candidates.append((path, rel, st))

    # a file still being written: wait until the youngest candidate is settle seconds old, then look again
    now = time.time()
    ages = [now - st.st_mtime for _, _, st in candidates]
    young = [age < settle for age in ages]
    if any(young):
        wait = min(settle, max(0.0, settle - min(ages)))
        log.info("discover: %d file(s) changed in the last %.0fs; watching them %.1fs", sum(young), settle, wait)
        time.sleep(wait)

    files: list[LandedFile] = []
    unsettled: list[str] = []
    for (path, rel, st), is_young in zip(candidates, young):
        stored, utf8_name = _stored_path(rel)
        try:
            if is_young and _changed(path, st):
                unsettled.append(stored)
                log.info("discover: %s is still being written (it changed in the last %.0fs); "
                         "the next run takes it", stored, settle)
                continue
            report_id = _sha256(path)
            if _changed(path, st):
                unsettled.append(stored)
                log.info("discover: %s changed while it was read; the next run takes it", stored)
                continue
        except FileNotFoundError:
            log.info("discover: %s disappeared while the folder was read; skipped", stored)
            continue
        except OSError as e:
            aside(rel, f"cannot read the file ({e.strerror or e}): check that it is a whole, readable "
                       "file (permissions, disk) and copy it again")
            continue
        if not utf8_name:
            aside(rel, f"the file name is not valid UTF-8 (shown here as '{stored}'): rename it and "
                       "drop it again", report_id=report_id, size=st.st_size, source=path)
        elif st.st_size > limit:
            aside(rel, f"too large: {st.st_size:,} bytes, the limit is {limit:,} (ANTQ_MAX_FILE_BYTES); "
                       "a report is rarely over 1 MB: check that this is the report, or raise the limit "
                       "and drop it again under a new name", report_id=report_id, size=st.st_size, source=path)
        else:
            files.append(LandedFile(stored, report_id, st.st_size, received_date_of(stored, run_date)))
    files.sort(key=lambda f: f.relative_path)
    return Survey(files, set_aside, unsettled)


def _changed(path: Path, before: os.stat_result) -> bool:
    after = path.stat()
    return (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)


def scan(reports_dir: Path, run_date: date) -> list[LandedFile]:
    """The files under the landing folder that can be loaded (see survey for the others)."""
    return survey(reports_dir, run_date).files


def discover(url: str, reports_dir: Path, run_date: date, run_id: str | None = None) -> list[LandedFile]:
    """Files whose (path, content) the ledger has not seen yet.

    Files that cannot be loaded are recorded here, once: in the ledger (outcome 'rejected', with the
    reason) and in raw.rejected_files (stage 'discover'), their bytes copied to the quarantine folder."""
    run_id = run_id or os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or f"discover-{run_date.isoformat()}"
    found = survey(reports_dir, run_date)
    with psycopg.connect(config.libpq_url(url)) as conn:
        seen = set(conn.execute("select relative_path, report_id from raw.file_ledger").fetchall())
        new = [f for f in found.files if (f.relative_path, f.report_id) not in seen]
        new_aside = [a for a in found.set_aside if (a.relative_path, a.report_id) not in seen]
        for a in new_aside:
            folder = quarantine(a.report_id, Path(a.relative_path).name, None, a.reason, source=a.source)
            conn.execute(
                """insert into raw.file_ledger (relative_path, report_id, size_bytes, run_id, outcome, reason)
                   values (%s, %s, %s, %s, 'rejected', %s) on conflict do nothing""",
                (a.relative_path, a.report_id, a.size_bytes, run_id, a.reason))
            _record_rejection(conn, a.report_id, Path(a.relative_path).name, a.relative_path, a.reason, run_id,
                              "discover", a.size_bytes, folder)
            log.warning("discover: %s rejected: %s. %s; %s", a.relative_path, a.reason,
                        _kept_where(folder, a.source is not None), WHAT_TO_DO)
    log.info("discover: %d files in %s, %d new, %d set aside (%d newly), %d still being written",
             len(found.files), reports_dir, len(new), len(found.set_aside), len(new_aside), len(found.unsettled))
    return new


def _kept_where(folder: Path, has_bytes: bool) -> str:
    return (f"The bytes are kept in {folder}" if has_bytes
            else f"There are no bytes to keep; the reason is in {folder / 'REASON.txt'}")


def _record_rejection(conn, report_id, file_name, rel, reason, run_id, stage, size, folder) -> None:
    conn.execute(
        """insert into raw.rejected_files
               (report_id, file_name, relative_path, reason, run_id, stage, size_bytes, quarantine_path)
           values (%s, %s, %s, %s, %s, %s, %s, %s)
           on conflict (report_id) do update set reason = excluded.reason, run_id = excluded.run_id,
               stage = excluded.stage, size_bytes = excluded.size_bytes,
               quarantine_path = excluded.quarantine_path, rejected_at = now()""",
        (report_id, file_name, rel, reason, run_id, stage, size, str(folder)))


def load_raw(url: str, reports_dir: Path, files: list[LandedFile], run_id: str) -> list[str]:
    """Store new contents in raw.report_files and record every file in the ledger.

    A file that cannot be read now or changed since discovery is skipped (the next run takes it).
    Returns the report_ids whose content is new to the warehouse (to extract)."""
    new_ids: list[str] = []
    with psycopg.connect(config.libpq_url(url)) as conn:
        for f in _progress(files, "load_raw"):
            try:
                content = (Path(reports_dir) / f.relative_path).read_bytes()
            except OSError as e:
                log.warning("load_raw: %s cannot be read now (%s); it stays in the landing folder and the "
                            "next run tries again", f.relative_path, e.strerror or e)
                continue
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
            earlier = conn.execute(
                """select report_id from raw.file_ledger where relative_path = %s and report_id <> %s
                   order by first_seen_at desc limit 1""", (f.relative_path, f.report_id)).fetchone()
            note = f"a new version of {f.relative_path} (earlier content {earlier[0][:12]})" if earlier else None
            conn.execute(
                """insert into raw.file_ledger (relative_path, report_id, size_bytes, run_id, outcome, reason)
                   values (%s, %s, %s, %s, %s, %s) on conflict do nothing""",
                (f.relative_path, f.report_id, f.size_bytes, run_id, outcome, note),
            )
            # a rejection at discovery that no longer stands: this content, or this path, is loaded now
            conn.execute(
                """delete from raw.rejected_files where stage = 'discover'
                   and (report_id = %s or (relative_path = %s and report_id like 'unreadable:%%'))""",
                (f.report_id, f.relative_path))
            if inserted:
                new_ids.append(f.report_id)
            log.info("load_raw: %s -> %s (%s)%s", f.relative_path, outcome, f.report_id[:12],
                     f"; {note}" if note else "")
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
        rows.append((
            fid, report_id, ordinal, fig.surface, fig.value, fig.unit, fig.measure, fig.qualifier,
            _attrs_json(attrs) if attrs else "{}", fig.start, fig.end, sentence_no[fig.sentence], version,
        ))
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


def copy_figures(cur, rows, table: str = "staging.figures") -> int:
    """COPY figure rows (staged_rows) into staging.figures, in the cursor's transaction; returns how many."""
    return _copy(cur, table, FIGURE_COLUMNS, rows)


def copy_sentences(cur, rows, table: str = "staging.sentences") -> int:
    """COPY sentence rows (staged_rows) into staging.sentences, in the cursor's transaction; returns how many."""
    return _copy(cur, table, SENTENCE_COLUMNS, rows)


def copy_staged(cur, built, tables: tuple[str, str] = ("staging.figures", "staging.sentences")) -> int:
    """COPY the (figure rows, sentence rows) of each report (staged_rows) in the cursor's transaction;
    returns how many figures. extract_and_stage's staging path, which `antq bench` (load) times."""
    built = built if isinstance(built, list) else list(built)
    copy_sentences(cur, (s for _, sentences in built for s in sentences), tables[1])
    return copy_figures(cur, (f for figures, _ in built for f in figures), tables[0])


class StagingFailed(RuntimeError):
    """The staging transaction did not commit: nothing of it is in the warehouse."""


def extract_and_stage(url: str, report_ids: list[str], run_id: str) -> dict:
    """Extract each raw report and replace its staged figures and sentences, all in one transaction (COPY).

    A report that cannot be read goes to raw.rejected_files (with a copy in the quarantine folder);
    it never stops the others. Returns counts for the run summary."""
    import extractors  # the rule lexicons load on import: keep it out of DAG parsing

    from antq import manifest

    staged, rejected, figures = [], [], 0
    if not report_ids:
        return {"staged": 0, "rejected": 0, "figures": 0}
    with psycopg.connect(config.libpq_url(url)) as conn:
        raw = conn.execute(
            """select report_id, file_name, relative_path, content, received_date
               from raw.report_files where report_id = any(%s) order by report_id""",
            (report_ids,),
        ).fetchall()
        sources = manifest.sources_for(conn, report_ids)  # what the manifests say of them
        conn.commit()  # no transaction stays open while the extractor works
        results = []
        for report_id, file_name, rel, content, received in _progress(raw, "extract"):
            try:
                report = extractors.extract_bytes(bytes(content), file_name, source=sources.get(report_id))
            except extractors.UnreadableReport as err:
                rejected.append((report_id, file_name, rel, err.reason, bytes(content)))
                continue
            except Exception as err:  # an extractor bug must not stop the batch; the file is kept
                log.exception("extract: %s: the extractor failed", rel)
                rejected.append((report_id, file_name, rel,
                                 f"the extractor failed on this file ({type(err).__name__}: {err}): a bug, "
                                 "not your file; report it with the copy from the quarantine folder",
                                 bytes(content)))
                continue
            results.append((report_id, received, report))
            log.info("extract: %s -> %d figures", rel, len(report.figures))
            _test_pause("extract")

        # the copies first, so that a committed rejection always has its copy
        folders = {rid: quarantine(rid, name, content, reason) for rid, name, _, reason, content in rejected}
        ids = [r[0] for r in results]
        try:
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (STAGE_LOCK,))
                conn.execute("delete from staging.reports where report_id = any(%s)", (ids,))  # cascades
                with conn.cursor() as cur:
                    cur.executemany(
                        """insert into staging.reports (report_id, doc, source_format, encoding, province,
                               outlet, report_date, period_label, period_start, period_end, figure_count,
                               extractor_version, received_date, scope, province_source, report_date_source,
                               source_url)
                           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                        [(rid, rep.doc, rep.source_format, rep.encoding, rep.province, rep.outlet,
                          rep.report_date, rep.period_label, rep.period_start, rep.period_end, len(rep.figures),
                          rep.extractor_version, received, rep.scope, rep.province_source,
                          rep.report_date_source, rep.source_url) for rid, received, rep in results],
                    )
                    figures = copy_staged(cur, [staged_rows(rid, rep) for rid, _, rep in results])
                _test_pause("stage")
                for report_id, file_name, rel, reason, content in rejected:
                    _record_rejection(conn, report_id, file_name, rel, reason, run_id, "extract", len(content),
                                      folders[report_id])
        except psycopg.OperationalError as err:
            raise StagingFailed(
                f"extract_and_stage: the warehouse connection was lost while staging {len(ids)} report(s) "
                f"({str(err).strip()}); the transaction rolled back, so nothing of it is staged. Check that "
                "PostgreSQL is up (`antq status`); Airflow retries the task, or run `antq run` again"
            ) from err
        staged = ids
    for report_id, file_name, rel, reason, _ in rejected:
        log.warning("extract: %s rejected: %s. The bytes are kept in raw.report_files and in %s; %s",
                    rel, reason, folders[report_id], WHAT_TO_DO)
    return {"staged": len(staged), "rejected": len(rejected), "figures": figures}


def quarantine(report_id: str, file_name: str, content: bytes | None, reason: str,
               source: Path | None = None) -> Path:
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


def _progress(items, step: str):
    """Items with a progress bar on the terminal (only when stdout is one, and for more than a few)."""
    items = list(items)
    if len(items) < 10 or not sys.stdout.isatty() or os.environ.get("ANTQ_PROGRESS") == "0":
        return items
    from rich.progress import track

    return track(items, description=f"{step:<9}", transient=True)


_paused: set[str] = set()


def _test_pause(point: str) -> None:
    """Test hook (tests/test_faults.py): ANTQ_TEST_PAUSE_AT=extract|stage pauses this process there,
    once, for ANTQ_TEST_PAUSE_SECONDS (default 60) so a test can kill it or restart PostgreSQL
    (ANTQ_TEST_PAUSE_FILE: the first process to pause writes its pid there; later ones go on). At
    'stage' the figures and sentences are COPYed but not committed; at 'extract', one report is extracted and no
    transaction is open. Unset (always, outside those tests): nothing happens."""
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
