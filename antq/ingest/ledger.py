"""raw.file_ledger: every (path, content) the ingestion has seen, and what became of it.

A file is identified by its content (sha256) and recorded under its path, so a rerun, a renamed
copy or a retried task adds nothing twice: discover takes only the pairs the ledger has not seen;
load_raw records each file it loads ('loaded', or 'duplicate_content' when the same bytes came under
another name) and discover each file it sets aside ('rejected', with the reason).
"""

from __future__ import annotations


def seen(conn) -> set[tuple[str, str]]:
    """Every (relative_path, report_id) in the ledger."""
    return set(conn.execute("select relative_path, report_id from raw.file_ledger").fetchall())


def record(
    conn, relative_path: str, report_id: str, size_bytes: int, run_id: str, outcome: str, reason: str | None = None
) -> None:
    """Record a file once (a second record of the same path and content is a no-op)."""
    conn.execute(
        """insert into raw.file_ledger (relative_path, report_id, size_bytes, run_id, outcome, reason)
           values (%s, %s, %s, %s, %s, %s) on conflict do nothing""",
        (relative_path, report_id, size_bytes, run_id, outcome, reason),
    )


def record_many(conn, files: list[tuple[str, str, int, str, str | None]], run_id: str) -> None:
    """record() for many files at once: (relative_path, report_id, size_bytes, outcome, reason) each."""
    if not files:
        return
    paths, ids, sizes, outcomes, reasons = (list(col) for col in zip(*files))
    conn.execute(
        """insert into raw.file_ledger (relative_path, report_id, size_bytes, run_id, outcome, reason)
           select p, i, s, %s, o, r from unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[])
               as f(p, i, s, o, r)
           on conflict do nothing""",
        (run_id, paths, ids, sizes, outcomes, reasons),
    )


def earlier_contents(conn, relative_paths: list[str], report_ids: list[str]) -> dict[str, str]:
    """For (relative_path, report_id) pairs, each path once: {path: the report_id last recorded
    under it with other content (the file was replaced)}, for the paths that have one."""
    rows = conn.execute(
        """select f.p, e.report_id from unnest(%s::text[], %s::text[]) as f(p, i)
           cross join lateral (
               select report_id from raw.file_ledger where relative_path = f.p and report_id <> f.i
               order by first_seen_at desc limit 1) e""",
        (relative_paths, report_ids),
    ).fetchall()
    return dict(rows)
