"""manifest.csv: what a crawler or a clerk knows of the reports in the landing folder.

A `manifest.csv` may stand in the landing folder or in any folder under it (a dated folder
`2024-03-01/manifest.csv`). Its header names its columns, among `file,url,published,province`; any
cell may be empty but `file`, which is relative to the manifest's own folder:

    file,url,published,province
    bao-cao-1.txt,https://baophutho.vn/dau-an-phong-trao-244084.htm,2025-12-13,
    bao-cao-2.txt,,,Bắc Kạn
    bo-cong-an.txt,https://danviet.vn/...,04/04/2025,toàn quốc

What a row says comes before what the text says (extractors.report_meta.resolve): `province` (a
province's name, or "toàn quốc" for a national report), `published` (the report's date, YYYY-MM-DD
or DD/MM/YYYY) and `url` (its outlet places the report when neither the row nor the text does).

The ingestion reads every manifest on every run (discover) and keeps the rows in
raw.manifest_entries, one per report file; a row that is new or changed after its report was staged
makes the next extraction re-stage that report, so a row arriving after its file updates the report.
A row may also come before its file: it waits in raw.manifest_entries and applies when the file
lands. A row that cannot be used is recorded in raw.manifest_rejections with the reason (`antq
status` lists them); the other rows of the manifest are used. The manifest itself is never loaded as
a report.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.csv"
COLUMNS = ("file", "url", "published", "province")
MAX_MANIFEST_BYTES = 5 * 1024 * 1024
NATIONAL = {"toàn quốc", "cả nước", "national", "quốc gia"}
_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class Entry:
    """One usable manifest row: the report file (relative to the landing folder) and what it says."""

    relative_path: str
    url: str | None
    published: date | None
    province: str | None
    scope: str | None  # "province" with a province, "national", or None (the row names no province)
    manifest_path: str
    line_no: int


@dataclass(frozen=True)
class Rejection:
    manifest_path: str
    line_no: int  # 0: the manifest as a whole
    line: str
    reason: str


@dataclass
class Scan:
    entries: list[Entry] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)  # relative paths of the manifests read


def is_manifest(name: str) -> bool:
    return name == MANIFEST_NAME


def _province_names() -> dict[str, str]:
    """Every way a province may be written (report_meta's names, aliases, both tone placements)."""
    from extractors import report_meta

    names = {k.casefold(): v for k, v in report_meta._NAME_OF.items()}
    return names


def parse_date(value: str) -> date | None:
    """YYYY-MM-DD or DD/MM/YYYY (also with '.' or '-'); None if it is neither or not a real day."""
    m = _ISO.match(value)
    y, mo, d = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (None, None, None)
    if not m:
        m = _DMY.match(value)
        if not m:
            return None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def parse(
    text: str,
    manifest_path: str = MANIFEST_NAME,
    today: date | None = None,
    province_names: dict[str, str] | None = None,
) -> Scan:
    """The rows of one manifest's text. `manifest_path` is its path relative to the landing folder:
    each row's `file` is read relative to the manifest's folder."""
    today = today or date.today()
    names = province_names if province_names is not None else _province_names()
    folder = PurePosixPath(manifest_path).parent
    scan = Scan(manifests=[manifest_path])
    reject = lambda n, line, why: scan.rejections.append(Rejection(manifest_path, n, line[:500], why))  # noqa: E731
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text))
    try:
        first = next(reader, None)
    except csv.Error as err:
        first = None
        reject(1, lines[0] if lines else "", f"the header is not a CSV row ({err})")
        return scan
    if not first:
        reject(0, "", "the manifest is empty: its first line must be the header file,url,published,province")
        return scan
    header = [h.strip().lower().lstrip("\ufeff") for h in first]
    if "file" not in header:
        reject(
            1,
            lines[0] if lines else "",
            "the first line must be the header naming the columns, with at least "
            f"'file' (of {','.join(COLUMNS)}); found {','.join(header)!r}",
        )
        return scan
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or len(set(header)) < len(header):
        reject(1, lines[0], f"the header may name only {', '.join(COLUMNS)}, each once; found {','.join(header)!r}")
        return scan
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            reject(reader.line_num, "", f"not a CSV row ({err})")
            break
        line_no = reader.line_num
        raw = lines[line_no - 1] if line_no - 1 < len(lines) else ",".join(row)
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            reject(
                line_no,
                raw,
                f"{len(row)} field(s) where the header has {len(header)} ({','.join(header)}): "
                "quote a value that holds a comma",
            )
            continue
        cell = {h: v.strip() for h, v in zip(header, row)}
        file_ = cell.get("file", "")
        if not file_:
            reject(line_no, raw, "no file: every row names its report file, relative to the manifest's folder")
            continue
        parts = PurePosixPath(file_).parts
        if file_.startswith(("/", "\\")) or "\\" in file_ or ".." in parts or re.match(r"^[A-Za-z]:", file_):
            reject(
                line_no,
                raw,
                f"file {file_!r} is not a path inside the manifest's folder (no '/' at the start, no '..', no '\\')",
            )
            continue
        rel = (folder / file_).as_posix() if str(folder) != "." else PurePosixPath(file_).as_posix()
        if is_manifest(PurePosixPath(rel).name):
            reject(line_no, raw, "a manifest cannot describe a manifest")
            continue
        url = cell.get("url") or None
        if url and not _URL.match(url):
            reject(line_no, raw, f"url {url!r} is not a web address (http:// or https:// and a host)")
            continue
        published = None
        if cell.get("published"):
            published = parse_date(cell["published"])
            if published is None:
                reject(line_no, raw, f"published {cell['published']!r} is not a date: write YYYY-MM-DD or DD/MM/YYYY")
                continue
            if not date(1990, 1, 1) <= published <= today:
                reject(line_no, raw, f"published {published} is not between 1990-01-01 and today ({today})")
                continue
        province = scope = None
        if cell.get("province"):
            given = " ".join(cell["province"].split())
            if given.casefold() in NATIONAL:
                scope = "national"
            elif given.casefold() in names:
                province, scope = names[given.casefold()], "province"
            else:
                reject(
                    line_no,
                    raw,
                    f"province {given!r} is not a province of Vietnam (before or after 2025) "
                    "nor 'toàn quốc': check the spelling",
                )
                continue
        if rel in seen:
            reject(line_no, raw, f"file {file_!r} is already on line {seen[rel]}: one row per file (the first is used)")
            continue
        seen[rel] = line_no
        scan.entries.append(Entry(rel, url, published, province, scope, manifest_path, line_no))
    return scan


def read_file(path: Path, manifest_path: str, today: date | None = None) -> Scan:
    """One manifest file, read without trusting it: a regular file (not a link), at most
    MAX_MANIFEST_BYTES, UTF-8 (with or without BOM). What is wrong with the file as a whole is one
    rejection (line 0)."""
    scan = Scan(manifests=[manifest_path])
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            why = "a symbolic link: copy the manifest itself into the folder"
        elif not stat.S_ISREG(st.st_mode):
            why = "not a regular file"
        elif st.st_size > MAX_MANIFEST_BYTES:
            why = f"too large ({st.st_size:,} bytes; at most {MAX_MANIFEST_BYTES:,})"
        else:
            why = None
        if why:
            scan.rejections.append(Rejection(manifest_path, 0, "", f"the manifest is {why}; none of its rows is used"))
            return scan
        with open(path, "rb") as f:
            data = f.read(MAX_MANIFEST_BYTES + 1)
    except OSError as err:
        scan.rejections.append(Rejection(manifest_path, 0, "", f"the manifest cannot be read ({err.strerror or err})"))
        return scan
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        scan.rejections.append(
            Rejection(
                manifest_path,
                0,
                "",
                f"the manifest is not UTF-8 (byte {err.start}): save it as UTF-8 CSV; none of its rows is used",
            )
        )
        return scan
    return parse(text, manifest_path, today)


def scan_folder(reports_dir: Path, today: date | None = None) -> Scan:
    """Every manifest.csv under the landing folder (hidden folders skipped, links to folders not followed)."""
    reports_dir = Path(reports_dir)
    out = Scan()
    if not reports_dir.is_dir():
        return out
    for folder, dirs, files in os.walk(reports_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if MANIFEST_NAME in files:
            rel = (Path(folder) / MANIFEST_NAME).relative_to(reports_dir).as_posix()
            one = read_file(Path(folder) / MANIFEST_NAME, rel, today)
            out.entries += one.entries
            out.rejections += one.rejections
            out.manifests.append(rel)
    # the same file in two manifests: the one nearer the file wins
    by_path: dict[str, Entry] = {}
    for e in sorted(out.entries, key=lambda e: e.manifest_path.count("/")):
        by_path[e.relative_path] = e
    out.entries = sorted(by_path.values(), key=lambda e: e.relative_path)
    return out


# ---- the warehouse ----------------------------------------------------------------------------


def record(conn, scan: Scan, run_id: str) -> dict:
    """Keep the manifests' rows in raw.manifest_entries (a changed row gets a new updated_at, which
    makes the next extraction re-stage its report) and their rejections in raw.manifest_rejections
    (those of each manifest read are replaced). Returns counts."""
    changed = 0
    for e in scan.entries:
        row = conn.execute(
            """insert into raw.manifest_entries
                   (relative_path, url, published, province, scope, manifest_path, line_no, run_id)
               values (%s, %s, %s, %s, %s, %s, %s, %s)
               on conflict (relative_path) do update set
                   url = excluded.url, published = excluded.published, province = excluded.province,
                   scope = excluded.scope, manifest_path = excluded.manifest_path,
                   line_no = excluded.line_no, run_id = excluded.run_id, updated_at = now()
               where (raw.manifest_entries.url, raw.manifest_entries.published, raw.manifest_entries.province,
                      raw.manifest_entries.scope)
                     is distinct from (excluded.url, excluded.published, excluded.province, excluded.scope)
               returning relative_path""",
            (e.relative_path, e.url, e.published, e.province, e.scope, e.manifest_path, e.line_no, run_id),
        ).fetchone()
        changed += row is not None
    conn.execute("delete from raw.manifest_rejections where manifest_path = any(%s)", (scan.manifests,))
    for r in scan.rejections:
        conn.execute(
            """insert into raw.manifest_rejections (manifest_path, line_no, line, reason, run_id)
               values (%s, %s, %s, %s, %s)
               on conflict (manifest_path, line_no) do update set line = excluded.line,
                   reason = excluded.reason, run_id = excluded.run_id, rejected_at = now()""",
            (r.manifest_path, r.line_no, r.line, r.reason, run_id),
        )
        log.warning("discover: %s line %d rejected: %s", r.manifest_path, r.line_no, r.reason)
    return {
        "manifests": len(scan.manifests),
        "entries": len(scan.entries),
        "changed": changed,
        "rejected": len(scan.rejections),
    }


def read_landing(url: str, reports_dir: Path, run_id: str) -> dict:
    """Read the landing folder's manifests and record them (the ingestion's discover step calls this)."""
    import psycopg

    from antq import config

    scan = scan_folder(reports_dir)
    with psycopg.connect(config.libpq_url(url)) as conn:
        counts = record(conn, scan, run_id)
        counts["waiting"] = conn.execute(
            """select count(*) from raw.manifest_entries m
               where not exists (select 1 from raw.file_ledger l where l.relative_path = m.relative_path)"""
        ).fetchone()[0]
    if scan.manifests:
        log.info(
            "discover: manifests %s: %d row(s), %d new or changed, %d rejected, %d waiting for their file",
            ", ".join(scan.manifests),
            counts["entries"],
            counts["changed"],
            counts["rejected"],
            counts["waiting"],
        )
    return counts


def reports_to_restage(conn) -> list[str]:
    """Staged reports whose manifest row is newer than their staging (a row that came or changed later)."""
    return [
        r[0]
        for r in conn.execute(
            """select distinct s.report_id from staging.reports s
           join raw.file_ledger l on l.report_id = s.report_id and l.outcome in ('loaded', 'duplicate_content')
           join raw.manifest_entries m on m.relative_path = l.relative_path
           left join raw.rejected_files x on x.report_id = s.report_id
           where x.report_id is null and m.updated_at > s.staged_at
           order by 1"""
        )
    ]


def sources_for(conn, report_ids: list[str]) -> dict:
    """{report_id: extractors.ReportSource} from the manifest rows of the reports' files (the newest
    row when a content came under several names)."""
    from extractors import ReportSource

    out = {}
    for report_id, url, published, province, scope in conn.execute(
        """select l.report_id, m.url, m.published, m.province, m.scope
               from raw.manifest_entries m
               join raw.file_ledger l on l.relative_path = m.relative_path
               where l.report_id = any(%s) and l.outcome in ('loaded', 'duplicate_content')
               order by m.updated_at, m.relative_path""",
        (report_ids,),
    ):
        out[report_id] = ReportSource(url=url, published=published, province=province, scope=scope)
    return out


def sources_beside(paths) -> tuple[dict[str, object], list[Rejection]]:
    """For `antq extract`: {path: ReportSource} from the manifest.csv in each file's folder."""
    from extractors import ReportSource

    out: dict[str, object] = {}
    rejections: list[Rejection] = []
    read: dict[Path, dict[str, Entry]] = {}
    for p in paths:
        folder = Path(p).resolve().parent
        if folder not in read:
            manifest = folder / MANIFEST_NAME
            scan = read_file(manifest, MANIFEST_NAME) if manifest.exists() else Scan()
            rejections += [Rejection(str(manifest), r.line_no, r.line, r.reason) for r in scan.rejections]
            read[folder] = {e.relative_path: e for e in scan.entries}
        e = read[folder].get(Path(p).name)
        if e is not None:
            out[p] = ReportSource(url=e.url, published=e.published, province=e.province, scope=e.scope)
    return out, rejections
