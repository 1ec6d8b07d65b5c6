"""A digest of every mart's rows, to show that a change to dbt_project/ kept the marts as they were.

    python tools/marts_digest.py > /tmp/before.txt          # the warehouse `antq run` filled
    ... change dbt_project/, antq run again ...
    python tools/marts_digest.py --compare /tmp/before.txt   # same digest per mart, or what differs

One line per mart of `marts`: rows, md5 of its rows and the columns digested. A row is its columns
in name order, so a column moved in the table does not change the digest; the columns that change
from one run to the next (when a report was staged or received) are left out. With --compare, each
mart is digested over the columns the earlier digest had, and a column it did not have is named
(`+column`): a mart that only gained a column shows the same digest and the new column.

The warehouse is WAREHOUSE_URL, or the embedded PostgreSQL of .data/ (started for the digest).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from antq import config  # noqa: E402

# when the loader staged or received a report: different on every run, not what the marts hold
RUN_COLUMNS = {"report_staged_at", "staged_at", "received_at", "received_date"}


def columns_of(conn, mart: str) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = %s "
            "order by column_name",
            (mart,),
        )
        if name not in RUN_COLUMNS
    ]


def digest(conn, mart: str, columns: list[str]) -> tuple[int, str]:
    row = sql.SQL("row({})::text").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
    query = sql.SQL(
        "select count(*), md5(coalesce(string_agg(r, E'\\n' order by r), '')) "
        "from (select {} as r from marts.{}) as rows"
    ).format(row, sql.Identifier(mart))
    return conn.execute(query).fetchone()


def read_digests(path: Path) -> dict[str, tuple[int, str, list[str]]]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        mart, rows, md5, columns = line.split("\t")
        found[mart] = (int(rows), md5, columns.split(","))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", type=Path, help="an earlier output of this script")
    args = parser.parse_args(argv)
    url = os.environ.get("WAREHOUSE_URL")
    server = None
    if not url:
        from antq import warehouse

        server = warehouse.start_embedded(config.embedded_pg_dir())
        url = config.with_database(server.get_uri(), config.WAREHOUSE_DB)
    before = read_digests(args.compare) if args.compare else {}
    differs = 0
    with psycopg.connect(config.libpq_url(url)) as conn:
        marts = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            )
        ]
        for mart in marts:
            columns = columns_of(conn, mart)
            if mart not in before:
                rows, md5 = digest(conn, mart, columns)
                print(f"{mart}\t{rows}\t{md5}\t{','.join(columns)}")
                differs += bool(before)
                continue
            old_rows, old_md5, old_columns = before[mart]
            kept = [c for c in old_columns if c in columns]
            rows, md5 = digest(conn, mart, kept)
            changes = [f"+{c}" for c in columns if c not in old_columns] + [
                f"-{c}" for c in old_columns if c not in columns
            ]
            same = (rows, md5) == (old_rows, old_md5) and kept == old_columns
            differs += not same
            print(
                f"{mart}\t{rows}\t{md5}\t{'same' if same else 'DIFFERENT'}"
                + (f"\t{' '.join(changes)}" if changes else "")
            )
        for mart in sorted(set(before) - set(marts)):
            print(f"{mart}\tmissing")
            differs += 1
    return 1 if args.compare and differs else 0


if __name__ == "__main__":
    sys.exit(main())
