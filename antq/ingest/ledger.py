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


def earlier_content(conn, relative_path: str, report_id: str) -> str | None:
    """The report_id last recorded under this path with other content (the file was replaced), if any."""
    row = conn.execute(
        """select report_id from raw.file_ledger where relative_path = %s and report_id <> %s
           order by first_seen_at desc limit 1""",
        (relative_path, report_id),
    ).fetchone()
    return row[0] if row else None
