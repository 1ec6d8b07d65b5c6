"""The landing folder: what is in it, and what of it can be loaded.

The landing folder is untrusted. survey looks at every file under it without failing on any:
a file that cannot even be loaded is set aside with a reason (a file larger than
ANTQ_MAX_FILE_BYTES, one that cannot be read: a link to nothing, a named pipe, a read error; a link
out of the folder, never followed; a name that is not UTF-8; a dated folder that is no real day),
and a file changed less than ANTQ_SETTLE_SECONDS ago is watched that long: if it still changes it
is being written, and is left for the next run.

The dated-folder rule: a file under `YYYY-MM-DD/` was received that day, a flat file the day of the
run that takes it (is_dated, received_date_of).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from antq import config
from antq.manifest import MANIFEST_NAME

log = logging.getLogger(__name__)

DATED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandedFile:
    relative_path: str
    report_id: str  # sha256 of the bytes
    size_bytes: int
    received_date: date

    def to_dict(self) -> dict:
        """As JSON (the DAG hands the files from task to task)."""
        return {**asdict(self), "received_date": self.received_date.isoformat()}

    @classmethod
    def from_dict(cls, d: dict) -> LandedFile:
        return cls(**{**d, "received_date": date.fromisoformat(d["received_date"])})


@dataclass(frozen=True)
class SetAside:
    """A landed file that cannot be loaded; discover records it as rejected (stage 'discover')."""

    relative_path: str  # as stored (a name that is not UTF-8 is shown with \\x escapes)
    report_id: str  # sha256 of the bytes, or 'unreadable:<sha256 of the path>' without bytes
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
    # no link followed at the last step (path is already resolved), no wait on a pipe swapped in
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class NotARealDate(ValueError):
    """A dated folder (YYYY-MM-DD) whose name is no day of the calendar ("2024-13-45")."""


def is_dated(relative_path: str) -> bool:
    """True for a file under a dated folder (YYYY-MM-DD/…), whatever the day."""
    return "/" in relative_path and bool(DATED_FOLDER.match(relative_path.split("/", 1)[0]))


def received_date_of(relative_path: str, default: date) -> date:
    """A file under a dated folder (YYYY-MM-DD/…) was received that day; a flat one, the run's day.
    Raises NotARealDate for a folder named like a date that is none (survey sets its files aside)."""
    if is_dated(relative_path):
        first = relative_path.split("/", 1)[0]
        try:
            return date.fromisoformat(first)
        except ValueError:
            raise NotARealDate(first) from None
    return default


def _inside(root_real: Path, path: Path) -> Path | None:
    """Where `path` leads once every link is followed, if that is inside the landing folder
    (root_real, resolved); None when it leaves it. The landing folder is untrusted: a link out of it
    (to /etc/passwd, to Airflow's config) is never followed."""
    try:
        target = Path(os.path.realpath(path, strict=False))
    except (OSError, ValueError):
        return None
    return target if target == root_real or target.is_relative_to(root_real) else None


def read_inside(root_real: Path, path: Path) -> bytes:
    """The bytes of a landed file, read only if it (after its links) is inside the landing folder.
    Raises PermissionError otherwise: a link changed since discovery to point out of it."""
    target = _inside(root_real, path)
    if target is None:
        raise PermissionError(f"{path} now leads outside the landing folder")
    fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise PermissionError(f"{path} is no longer a regular file")
        return f.read()


def _ignored(name: str) -> bool:
    """Hidden files and folders, the lock files Office leaves beside an open document (~$x.docx), and
    the manifests (manifest.csv: antq/manifest.py reads them; they are not reports)."""
    return name.startswith((".", "~$")) or name == MANIFEST_NAME


def _walk(root: Path):
    """(path, relative path) of every entry under root that is not a real folder; folders that are
    links are yielded too (they are not followed). A folder that cannot be listed is yielded with
    its error."""
    if not root.is_dir():
        raise FileNotFoundError(
            f"the landing folder {root} does not exist or is not a folder: "
            "create it, or point REPORTS_DIR at the right one"
        )
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


def survey(
    reports_dir: Path, run_date: date, settle_seconds: float | None = None, max_bytes: int | None = None
) -> Survey:
    """Look at every file under the landing folder without failing on any of them.

    A symbolic link to a file inside the folder is followed and loaded under the link's name; a link
    whose target is outside the folder is set aside without looking at the target (the folder is
    untrusted: no link may make the loader read /etc/passwd or Airflow's config); a link to nothing,
    to a folder or in a loop is set aside, as is a named pipe, a socket, a device, a file that cannot
    be read, a file larger than max_bytes, a name that is not UTF-8 and a file under a folder named
    like a date that is no real day ("2024-13-45/"). Hidden
    files and Office lock files (~$…) are ignored. A file changed less than settle_seconds ago is
    watched until it is that old: if its size or time changes, it is still being written and is
    left for the next run."""
    settle = config.settle_seconds() if settle_seconds is None else settle_seconds
    limit = config.max_file_bytes() if max_bytes is None else max_bytes
    reports_dir = Path(reports_dir)
    # (path, rel, stamp, target) of each file to take; a stamp, not the stat result: a night of
    # 50,000 files holds one each until they are hashed
    candidates: list[tuple[Path, str, _Stamp, Path]] = []
    set_aside: list[SetAside] = []

    def aside(rel: str, reason: str, *, report_id: str | None = None, size: int = 0, source: Path | None = None):
        stored, _ = _stored_path(rel)
        set_aside.append(SetAside(stored, report_id or _unreadable_id(stored), size, reason, source))
        log.info("discover: %s set aside: %s", stored, reason)

    root_real = Path(os.path.realpath(reports_dir))
    for path, err in _walk(reports_dir):
        rel = path.relative_to(reports_dir).as_posix()
        if err is not None:
            aside(rel + "/", f"a folder that cannot be read ({err.strerror or err}): check its permissions")
            continue
        is_link = path.is_symlink()
        target = _inside(root_real, path) if is_link else path
        if target is None:  # never stat or read where a link out of the folder leads
            aside(
                rel,
                f"a symbolic link to {_link_text(path)!r}, outside the landing folder: links out of "
                "it are not followed; copy the file itself into the landing folder",
            )
            continue
        try:
            st = path.stat()  # follows links (inside the folder only, checked above)
        except FileNotFoundError:
            if is_link:
                aside(
                    rel,
                    f"a symbolic link to {_link_text(path)!r}, which does not exist: "
                    "copy the file itself into the landing folder",
                )
            else:
                log.info("discover: %s disappeared while the folder was read; skipped", rel)
            continue
        except OSError as e:  # ELOOP, EACCES on a folder on the way, …
            aside(
                rel,
                f"cannot look at this file ({e.strerror or e}): "
                + ("a symbolic link in a loop" if is_link else "check its permissions"),
            )
            continue
        if stat.S_ISDIR(st.st_mode):  # only a link can be a folder here
            aside(
                rel,
                f"a symbolic link to the folder {_link_text(path)!r}: links to folders are not "
                "followed; move or copy its files into the landing folder",
            )
            continue
        if not stat.S_ISREG(st.st_mode):
            aside(rel, _kind_of(st.st_mode) + ": nothing to read")
            continue
        try:
            received_date_of(rel, run_date)
        except NotARealDate as bad:
            aside(
                rel,
                f"the folder '{bad}' is named like a date (YYYY-MM-DD) but is no real day: rename the "
                "folder to the day the file was received (e.g. 2024-03-01) or move the file out of it",
                source=target,
                size=st.st_size,
                report_id=_sha_or_none(target),
            )
            continue
        candidates.append((path, rel, _Stamp(st.st_size, st.st_mtime_ns), target))

    # a file still being written: wait until the youngest candidate is settle seconds old, then look again
    now = time.time()
    ages = [now - st.mtime_ns / 1e9 for _, _, st, _ in candidates]
    young = [age < settle for age in ages]
    if any(young):
        wait = min(settle, max(0.0, settle - min(ages)))
        log.info("discover: %d file(s) changed in the last %.0fs; watching them %.1fs", sum(young), settle, wait)
        time.sleep(wait)

    files: list[LandedFile] = []
    unsettled: list[str] = []
    for (path, rel, st, target), is_young in zip(candidates, young):
        stored, utf8_name = _stored_path(rel)
        try:
            if is_young and _changed(path, st):
                unsettled.append(stored)
                log.info(
                    "discover: %s is still being written (it changed in the last %.0fs); the next run takes it",
                    stored,
                    settle,
                )
                continue
            report_id = _sha256(target)
            if _changed(path, st):
                unsettled.append(stored)
                log.info("discover: %s changed while it was read; the next run takes it", stored)
                continue
        except FileNotFoundError:
            log.info("discover: %s disappeared while the folder was read; skipped", stored)
            continue
        except OSError as e:
            aside(
                rel,
                f"cannot read the file ({e.strerror or e}): check that it is a whole, readable "
                "file (permissions, disk) and copy it again",
            )
            continue
        if not utf8_name:
            aside(
                rel,
                f"the file name is not valid UTF-8 (shown here as '{stored}'): rename it and drop it again",
                report_id=report_id,
                size=st.size,
                source=target,
            )
        elif st.size > limit:
            aside(
                rel,
                f"too large: {st.size:,} bytes, the limit is {limit:,} (ANTQ_MAX_FILE_BYTES); "
                "a report is rarely over 1 MB: check that this is the report, or raise the limit "
                "and drop it again under a new name",
                report_id=report_id,
                size=st.size,
                source=target,
            )
        else:
            files.append(LandedFile(stored, report_id, st.size, received_date_of(stored, run_date)))
    files.sort(key=lambda f: f.relative_path)
    return Survey(files, set_aside, unsettled)


def _link_text(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _sha_or_none(path: Path) -> str | None:
    try:
        return _sha256(path)
    except OSError:
        return None


class _Stamp(NamedTuple):
    """What tells a file changed: its size and modification time."""

    size: int
    mtime_ns: int


def _changed(path: Path, before: _Stamp) -> bool:
    after = path.stat()
    return (after.st_size, after.st_mtime_ns) != before
