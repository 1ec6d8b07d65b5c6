"""The landing-folder scanner (antq.ingest.landing.survey) on generated trees (#15): names, dated folders real
and impossible, links inside and outside, loops, links to folders, named pipes. Whatever the tree,
it never raises, never opens a file outside the folder, and sorts every entry into exactly one of
loaded / set aside / still being written, with a received date only for real days."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antq.ingest import landing

RUN_DATE = date(2024, 1, 2)

folder_names = st.sampled_from(
    [
        "2024-03-01",
        "2024-13-45",
        "2024-02-30",
        "2023-02-29",
        "2024-02-29",
        "0000-00-00",
        "9999-99-99",
        "notes",
        "a b",
        "Báo cáo",
        ".hidden",
        "2024-03-01x",
    ]
)
file_names = st.sampled_from(
    [
        "r.txt",
        "báo cáo.txt",
        "x",
        "~$lock.docx",
        ".DS_Store",
        "a\nb.txt",
        "-rf.txt",
        "$(touch PWNED).txt",
        "r.docx",
        "2024.txt",
    ]
)
entry_kinds = st.sampled_from(
    [
        "file",
        "empty",
        "link-inside",
        "link-outside",
        "link-outside-rel",
        "link-dangling",
        "link-loop",
        "link-folder-inside",
        "link-folder-outside",
        "link-etc",
        "fifo",
        "link-root",
        "link-parent",
    ]
)
trees = st.lists(st.tuples(st.lists(folder_names, max_size=2), file_names, entry_kinds), min_size=1, max_size=12)


def _make(root: Path, outside: Path, tree) -> None:
    (outside / "secret.txt").write_text("SECRET outside the landing folder", encoding="utf-8")
    (outside / "dir").mkdir(exist_ok=True)
    (outside / "dir" / "f.txt").write_text("outside dir", encoding="utf-8")
    made_file = None
    for i, (folders, name, kind) in enumerate(tree):
        parent = root.joinpath(*folders)
        parent.mkdir(parents=True, exist_ok=True)
        path = parent / f"{i}-{name}"
        if kind == "file":
            path.write_text(f"Công an tỉnh tiếp nhận {i} tin báo.", encoding="utf-8")
            made_file = path
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "link-inside":
            os.symlink(made_file or path.name, path)  # to an earlier file, or to itself (a loop)
        elif kind == "link-outside":
            os.symlink(outside / "secret.txt", path)
        elif kind == "link-outside-rel":
            os.symlink(os.path.relpath(outside / "secret.txt", parent), path)
        elif kind == "link-dangling":
            os.symlink("nowhere.txt", path)
        elif kind == "link-loop":
            os.symlink(path.name + ".b", path)
            os.symlink(path.name, parent / (path.name + ".b"))
        elif kind == "link-folder-inside":
            os.symlink(root, path)
        elif kind == "link-folder-outside":
            os.symlink(outside / "dir", path)
        elif kind == "link-etc":
            os.symlink("/etc/passwd", path)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "link-root":
            os.symlink("/", path)
        elif kind == "link-parent":
            os.symlink("..", path)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_the_scanner_never_fails_never_reads_outside_and_accounts_for_every_entry(tree):
    base = Path(tempfile.mkdtemp(prefix="antq-scan-"))
    try:
        root, outside = base / "landing", base / "outside"
        root.mkdir()
        outside.mkdir()
        _make(root, outside, tree)
        root_real = Path(os.path.realpath(root))
        opened: list[str] = []
        real_open = os.open

        def spying_open(path, flags, *args, **kwargs):
            opened.append(os.path.realpath(path))
            return real_open(path, flags, *args, **kwargs)

        os.open = spying_open
        try:
            found = landing.survey(root, RUN_DATE, settle_seconds=0, max_bytes=1 << 20)
        finally:
            os.open = real_open
        # never a read outside the folder
        for p in opened:
            assert Path(p).is_relative_to(root_real), p
        # each entry once, in one of the three lists
        names = [f.relative_path for f in found.files] + [a.relative_path for a in found.set_aside] + found.unsettled
        assert len(names) == len(set(names))
        for f in found.files:
            target = Path(os.path.realpath(root / f.relative_path))
            assert target.is_relative_to(root_real) and target.is_file()
            first = f.relative_path.split("/", 1)[0]
            if "/" in f.relative_path and landing.DATED_FOLDER.match(first):
                assert f.received_date == date.fromisoformat(first)
            else:
                assert f.received_date == RUN_DATE
        for a in found.set_aside:
            assert a.reason
            if a.source is not None:  # bytes to keep in the quarantine folder: only from inside
                assert Path(os.path.realpath(a.source)).is_relative_to(root_real)
        # every link out of the folder, and every file under an impossible day, is set aside with its reason
        aside = {a.relative_path: a.reason for a in found.set_aside}
        for i, (folders, name, kind) in enumerate(tree):
            if any(part.startswith(".") for part in folders) or name.startswith((".", "~$")):
                continue  # hidden: ignored
            rel = "/".join([*folders, f"{i}-{name}"])
            if kind in ("link-outside", "link-outside-rel", "link-etc", "link-folder-outside", "link-root"):
                assert "outside the landing folder" in aside[rel]
            elif (
                kind == "file"
                and folders
                and folders[0] in ("2024-13-45", "2024-02-30", "2023-02-29", "0000-00-00", "9999-99-99")
            ):
                assert "no real day" in aside[rel]
    finally:
        shutil.rmtree(base, ignore_errors=True)
