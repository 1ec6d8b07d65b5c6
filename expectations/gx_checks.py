"""Great Expectations (GX Core 1.x) side: file context, datasource, suites, checkpoint, run.

great_expectations, SQLAlchemy and psycopg are imported inside the functions: importing this
module (or the `expectations` package) stays cheap, e.g. at Airflow DAG-parse time.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

from . import data_docs
from .dq import SCOPES, Verdict, start_validation, write_verdicts
from .rules import Rule, RuleSet, Suite, batch_query, load_rules

if TYPE_CHECKING:  # pragma: no cover
    import great_expectations as gx
    from great_expectations.data_context import AbstractDataContext, FileDataContext

log = logging.getLogger(__name__)

DATASOURCE_NAME = "warehouse"
CHECKPOINT_NAME = "antq_checkpoint"
BATCH_DEFINITION_NAME = "reports_in_scope"
DOCS_ACTION_NAME = "update_data_docs"
URL_ENV_VAR = "ANTQ_GX_WAREHOUSE_URL"
# What is stored in great_expectations.yml: GX substitutes it from the environment (or from
# uncommitted/config_variables.yml) when it connects, so no credentials are written to disk.
CONNECTION_STRING_TEMPLATE = "${" + URL_ENV_VAR + "}"
# Every GX connection is read-only: whatever a rule's SQL says, it cannot change the marts. No JIT:
# a night's batches are a few rows of big tables, whose size would make PostgreSQL compile each
# query (~1 s) for nothing.
ENGINE_KWARGS = {"connect_args": {"options": "-c default_transaction_read_only=on -c jit=off"}}
SAMPLE_ROWS_IN_DETAILS = 50

_POSTGRES_SCHEMES = ("postgres", "postgresql")


class WarehouseUrlError(ValueError):
    pass


class NothingToValidate(RuntimeError):
    """None of the suites' tables exists, so there is no checkpoint to run."""


# --------------------------------------------------------------------------- URLs


def _split_scheme(url: str) -> tuple[str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise WarehouseUrlError("warehouse URL must look like postgresql://user@host/db")
    base = scheme.lower().split("+", 1)[0]
    if base not in _POSTGRES_SCHEMES:
        raise WarehouseUrlError(f"warehouse URL must be a PostgreSQL URL, not {scheme}://")
    return base, rest


def _normalise_rest(rest: str) -> str:
    """The part after `scheme://`, made to mean the same to libpq, SQLAlchemy and GX:

    - a percent-encoded socket directory as host (`u@%2Fvar%2Frun%2Fpostgresql/db`, which libpq
      takes but SQLAlchemy 2.0 does not decode) becomes `u@/db?host=/var/run/postgresql`;
    - `$` in the user info becomes %24, so GX's `${VAR}` substitution cannot touch a password.
    """
    m = re.match(r"^([^/?#]*)(.*)$", rest, re.DOTALL)
    netloc, tail = m.group(1), m.group(2)
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.lower().startswith("%2f"):
        socket_dir = unquote(hostport)
        port = None
        pm = re.match(r"^(.*?):(\d+)$", socket_dir)
        if pm:
            socket_dir, port = pm.group(1), pm.group(2)
        path, q, query = tail.partition("?")
        extra = [f"host={socket_dir}"] + ([f"port={port}"] if port else [])
        tail = path + "?" + "&".join(([query] if query else []) + extra)
        hostport = ""
    userinfo = userinfo.replace("$", "%24")
    return f"{userinfo}{at}{hostport}{tail}"


def sqlalchemy_url(url: str) -> str:
    """postgres://, postgresql://, postgresql+<driver>:// -> postgresql+psycopg:// (psycopg 3).

    The rest is kept, so `postgresql://u@/db?host=/var/run/postgresql` (unix socket, no host)
    becomes `postgresql+psycopg://u@/db?host=/var/run/postgresql`.
    """
    _, rest = _split_scheme(url.strip())
    return "postgresql+psycopg://" + _normalise_rest(rest)


def libpq_url(url: str) -> str:
    """The same URL in the form libpq / psycopg.connect() takes (postgresql://)."""
    _, rest = _split_scheme(url.strip())
    return "postgresql://" + _normalise_rest(rest)


def redact_url(url: str) -> str:
    """The URL without its password, for logs and summaries."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


# --------------------------------------------------------------------------- context


@contextlib.contextmanager
def _quiet_gx_warnings() -> Iterator[None]:
    """Hide GX's DeprecationWarning for TableAsset.schema_name: deprecated since GX 1.14 in favour
    of a schema in the connection config, which a PostgreSQL URL cannot carry; it works in 1.24
    and is raised again each time the context re-reads great_expectations.yml."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="`schema_name` is deprecated", category=DeprecationWarning
        )
        yield


def _import_gx():
    # No network here: keep GX from trying to send usage statistics.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def file_context(context_root: str | Path, warehouse_url: str | None = None) -> "FileDataContext":
    """Get (or scaffold) the FILE data context under `context_root` (its config lives in
    `<context_root>/gx/`), with analytics and progress bars turned off.

    If `warehouse_url` is given it is put in the environment variable the datasource config
    refers to (ANTQ_GX_WAREHOUSE_URL), rewritten to the psycopg 3 driver; the variable stays
    set for the rest of the process. Use this as the provider operator's
    `configure_file_data_context` (see README.md).
    """
    gx = _import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    Path(context_root).mkdir(parents=True, exist_ok=True)
    with _quiet_gx_warnings():
        context = gx.get_context(mode="file", project_root_dir=str(context_root))
    variables = context.variables
    changed = False
    if variables.analytics_enabled is not False:
        variables.analytics_enabled = False
        changed = True
    bars = variables.progress_bars
    if isinstance(bars, dict):  # as read back from great_expectations.yml
        bars = ProgressBarsConfig(**bars)
    if bars is None or bars.globally or bars.metric_calculations:
        variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    if changed:
        variables.save()
    if warehouse_url is not None:
        os.environ[URL_ENV_VAR] = sqlalchemy_url(warehouse_url)
    return context


# --------------------------------------------------------------------------- datasource & assets


def _check_url_available(context: "AbstractDataContext") -> None:
    from great_expectations.exceptions import MissingConfigVariableError

    try:
        resolved = context.config_provider.substitute_config(CONNECTION_STRING_TEMPLATE)
    except MissingConfigVariableError:
        resolved = None
    if not resolved or "${" in str(resolved):
        raise WarehouseUrlError(
            f"the GX datasource {DATASOURCE_NAME!r} reads its connection string from "
            f"${{{URL_ENV_VAR}}}, which is not set: set it to the warehouse URL "
            "(postgresql+psycopg://...) or pass warehouse_url to expectations.file_context()"
        )
    _split_scheme(str(resolved))


def get_or_create_datasource(context: "AbstractDataContext"):
    """The postgres datasource "warehouse", created or brought to the wanted config."""
    from great_expectations.datasource.fluent import PostgresDatasource

    _check_url_available(context)
    try:
        ds = context.data_sources.get(DATASOURCE_NAME)
    except KeyError:
        ds = None
    if ds is not None and not isinstance(ds, PostgresDatasource):
        log.warning("replacing GX datasource %s of type %s", DATASOURCE_NAME, type(ds).__name__)
        context.data_sources.delete(DATASOURCE_NAME)
        ds = None
    if ds is not None:
        same = (
            str(ds.connection_string) == CONNECTION_STRING_TEMPLATE
            and ds.create_temp_table is False
            and ds.kwargs == ENGINE_KWARGS
        )
        if same:
            return ds
        log.info("updating GX datasource %s to the wanted config (its assets are re-added)", DATASOURCE_NAME)
        return context.data_sources.add_or_update_postgres(
            name=DATASOURCE_NAME,
            connection_string=CONNECTION_STRING_TEMPLATE,
            create_temp_table=False,
            kwargs=ENGINE_KWARGS,
        )
    return context.data_sources.add_postgres(
        name=DATASOURCE_NAME,
        connection_string=CONNECTION_STRING_TEMPLATE,
        create_temp_table=False,
        kwargs=ENGINE_KWARGS,
    )


def _existing_tables(datasource, suites: list[Suite]) -> set[str]:
    import sqlalchemy as sa

    found = set()
    with datasource.get_engine().connect() as conn:
        for s in suites:
            if conn.execute(sa.text("select to_regclass(:t)"), {"t": s.qualified_table}).scalar():
                found.add(s.qualified_table)
    return found


def get_or_create_query_asset(datasource, suite: Suite, batch_scope: str = "run"):
    """The suite's query asset: the rows of its table of the reports being validated (batch_scope
    "run") or all of them ("all"). An asset of another kind or query under the same name (a table
    asset of an older version) is replaced."""
    query = batch_query(suite.qualified_table, batch_scope)
    try:
        asset = datasource.get_asset(suite.asset_name)
    except LookupError:
        asset = None
    if asset is not None and getattr(asset, "query", None) != query:
        datasource.delete_asset(suite.asset_name)
        asset = None
    if asset is None:
        asset = datasource.add_query_asset(name=suite.asset_name, query=query)
    return asset


def get_or_create_batch(asset):
    try:
        return asset.get_batch_definition(BATCH_DEFINITION_NAME)
    except KeyError:
        return asset.add_batch_definition_whole_table(BATCH_DEFINITION_NAME)


def build_expectation(rule: Rule):
    gx = _import_gx()
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=rule.query,
        description=rule.description,
        severity="critical" if rule.severity == "error" else "warning",
        meta={"rule": rule.name, "severity": rule.severity, "params": dict(rule.params)},
    )


def build_checkpoint(
    context: "AbstractDataContext", rules: RuleSet | None = None, batch_scope: str = "run"
) -> tuple["gx.Checkpoint | None", list[dict[str, Any]]]:
    """Get-or-create everything in `context` for `rules` and return (checkpoint, skipped).
    Each suite's batch is the rows of its table of the reports being validated (batch_scope "run":
    dq.validated_reports rows not validated yet, see expectations.dq.start_validation), or the
    whole table ("all").

    A suite whose table does not exist (yet) is left out of the checkpoint and listed in
    `skipped`; the checkpoint is None when every suite was skipped.
    """
    gx = _import_gx()
    from great_expectations.checkpoint import UpdateDataDocsAction

    rules = rules or load_rules()
    datasource = get_or_create_datasource(context)
    suites = list(rules.suites.values())
    existing = _existing_tables(datasource, suites)

    validation_definitions = []
    skipped: list[dict[str, Any]] = []
    for suite in suites:
        suite_rules = rules.rules_of(suite.name)
        if suite.qualified_table not in existing:
            log.warning("GX suite %s skipped: table %s does not exist", suite.name, suite.qualified_table)
            skipped.append(
                {
                    "suite": suite.name,
                    "table": suite.qualified_table,
                    "rules": [r.name for r in suite_rules],
                    "reason": "table does not exist",
                }
            )
            continue
        asset = get_or_create_query_asset(datasource, suite, batch_scope)
        batch_definition = get_or_create_batch(asset)
        gx_suite = context.suites.add_or_update(
            gx.ExpectationSuite(
                name=suite.name,
                expectations=[build_expectation(r) for r in suite_rules],
                meta={"table": suite.qualified_table},
            )
        )
        validation_definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
            )
        )
    if not validation_definitions:
        return None, skipped
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=CHECKPOINT_NAME,
            validation_definitions=validation_definitions,
            actions=[UpdateDataDocsAction(name=DOCS_ACTION_NAME)],
            # COMPLETE: the unexpected rows themselves are in the result (at most 200 per
            # expectation, GX's MAX_RESULT_RECORDS); BASIC/SUMMARY only give the count.
            result_format={"result_format": "COMPLETE"},
        )
    )
    return checkpoint, skipped


def configure_checkpoint(context: "AbstractDataContext") -> "gx.Checkpoint":
    """Checkpoint "antq_checkpoint" for the rules in expectations/rules.yaml, created or updated
    in `context`; fits GXValidateCheckpointOperator(configure_checkpoint=...).

    The datasource connects through ${ANTQ_GX_WAREHOUSE_URL}: it must be set in the environment
    (expectations.file_context(root, warehouse_url=...) does that). Suites whose table does not
    exist are left out; raises NothingToValidate if that leaves nothing. Its batches are the whole
    tables: this path records nothing in dq (run_checks is the one that validates a night's reports).
    """
    with _quiet_gx_warnings():
        checkpoint, skipped = build_checkpoint(context, batch_scope="all")
    if checkpoint is None:
        raise NothingToValidate(f"no suite table exists: {skipped}")
    return checkpoint


# --------------------------------------------------------------------------- results


def _exception_message(exception_info: Any) -> str | None:
    """exception_info is {raised_exception, exception_message, ...} or {metric_id: that}."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "exception raised"
    return None


def _fetch_all_rows(engine, rule: Rule, table: str) -> list[dict]:
    """All unexpected rows, for when GX's result holds only the first 200."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        result = conn.execute(sa.text(rule.query_for_table(table, "run")))
        return [dict(r._mapping) for r in result]


def collect_verdicts(checkpoint_result, rules: RuleSet, engine) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for suite_result in checkpoint_result.run_results.values():
        suite_name = suite_result.suite_name
        suite = rules.suites[suite_name]
        for evr in suite_result.results:
            meta = evr.expectation_config.meta or {}
            rule = rules.rule(meta["rule"])
            details: dict[str, Any] = {
                "description": rule.description,
                "table": suite.qualified_table,
                "params": rule.params,
                "query": rule.query,
            }
            error = _exception_message(evr.exception_info)
            if error is not None:
                details["error"] = error
                verdicts.append(
                    Verdict(suite_name, rule.name, False, 0, rule.severity, details)
                )
                continue
            result = evr.result or {}
            count = int(result.get("observed_value") or 0)
            rows = list((result.get("details") or {}).get("unexpected_rows") or [])
            if count > len(rows):
                rows = _fetch_all_rows(engine, rule, suite.qualified_table)
            flagged, without_id = [], 0
            for row in rows:
                fid = row.get("figure_id")
                if fid is None:
                    without_id += 1
                    continue
                message = row.get("message")
                flagged.append((str(fid), str(message) if message is not None else rule.description))
            details["unexpected_rows_sample"] = rows[:SAMPLE_ROWS_IN_DETAILS]
            details["sample_truncated"] = len(rows) > SAMPLE_ROWS_IN_DETAILS
            if without_id:
                details["rows_without_figure_id"] = without_id
            verdicts.append(
                Verdict(suite_name, rule.name, bool(evr.success), count, rule.severity, details, flagged)
            )
    return verdicts


def _docs_index(context) -> str | None:
    from urllib.request import url2pathname

    for site in context.get_docs_sites_urls(only_if_exists=False):
        url = site.get("site_url")
        if url and url.startswith("file://"):
            return url2pathname(unquote(urlsplit(url).path))
    return None


def _make_docs_offline(docs_index: str | None) -> str:
    """Point the freshly built Data Docs at the project's copies of their browser libraries.
    "yes", or why not: missing assets cost the pages their styling, never the verdicts."""
    if not docs_index or not Path(docs_index).is_file():
        return "no Data Docs site"
    try:
        report = data_docs.make_offline(Path(docs_index).parent)
    except data_docs.MissingDocsAssets as err:
        log.warning("Data Docs need the internet to show styled: %s", err)
        return str(err)
    if not report.offline:
        return f"{len(report.external)} page(s) still load from the internet (see the log)"
    return "yes"


def rebuild_data_docs(context_root: str | Path) -> tuple[str | None, str]:
    """Build the Data Docs again from the validation results GX stored (no database needed), with
    the rows of failed rules and the browser libraries of the project: (index.html, offline)."""
    with _quiet_gx_warnings():
        context = file_context(context_root)
        data_docs.register_unexpected_rows_table()
        context.build_data_docs()
        docs_index = _docs_index(context)
    return docs_index, _make_docs_offline(docs_index)


def _dispose(datasource) -> None:
    for engine in (
        getattr(datasource, "_engine", None),
        getattr(getattr(datasource, "_execution_engine", None), "engine", None),
    ):
        if engine is not None:
            with contextlib.suppress(Exception):
                engine.dispose()


# --------------------------------------------------------------------------- entry point


def run_checks(
    warehouse_url: str,
    run_id: str,
    context_root: str | Path,
    *,
    rules_path: str | Path | None = None,
    scope: str = "unvalidated",
) -> dict[str, Any]:
    """Run every rule through the GX checkpoint and record the verdicts in schema dq.

    `scope` "unvalidated" (the default, what a night does) checks the rows of the reports staged
    since the last validation; "all" checks every row. Either way the reports checked are recorded
    in dq.validated_reports, with the verdicts: run_id's rows in dq.validation_results /
    dq.flagged_figures / dq.validated_reports are replaced in one transaction. Reads the marts on a
    read-only connection and never changes them. Returns {run_id, scope, reports_validated,
    evaluated, passed, failed, warnings, failed_expectations, warning_expectations,
    errored_expectations, flagged_figures, skipped, success, data_docs_index, data_docs_offline}.
    """
    import psycopg
    from great_expectations.core.run_identifier import RunIdentifier

    if not run_id:
        raise ValueError("run_id is required")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    rules = load_rules(rules_path)
    with psycopg.connect(libpq_url(warehouse_url)) as conn:
        reports = start_validation(conn, run_id, scope)
    with _env(URL_ENV_VAR, sqlalchemy_url(warehouse_url)), _quiet_gx_warnings():
        context = file_context(context_root)
        checkpoint, skipped = build_checkpoint(context, rules)
        datasource = context.data_sources.get(DATASOURCE_NAME)
        data_docs.register_unexpected_rows_table()  # the Data Docs show a failed rule's rows
        try:
            if checkpoint is not None:
                result = checkpoint.run(run_id=RunIdentifier(run_name=run_id))
                verdicts = collect_verdicts(result, rules, datasource.get_engine())
            else:
                verdicts = []
                context.build_data_docs()
        finally:
            _dispose(datasource)
        docs_index = _docs_index(context)
        docs_offline = _make_docs_offline(docs_index)

    with psycopg.connect(libpq_url(warehouse_url), autocommit=True) as conn:
        write_verdicts(conn, run_id, verdicts)

    failed = [v for v in verdicts if not v.success and v.severity == "error"]
    warned = [v for v in verdicts if not v.success and v.severity == "warning"]
    summary = {
        "run_id": run_id,
        "scope": scope,
        "reports_validated": len(reports),
        "evaluated": len(verdicts),
        "passed": sum(v.success for v in verdicts),
        "failed": len(failed),
        "warnings": len(warned),
        "failed_expectations": [v.expectation for v in failed],
        "warning_expectations": [v.expectation for v in warned],
        "errored_expectations": [v.expectation for v in verdicts if "error" in v.details],
        "flagged_figures": sum(len(v.flagged) for v in verdicts),
        "skipped": skipped,
        "success": not failed,
        "data_docs_index": docs_index,
        "data_docs_offline": docs_offline,
    }
    log.info(
        "GX run %s on %s (%d reports, scope %s): %d evaluated, %d passed, %d failed, %d warnings, "
        "%d skipped suites",
        run_id, redact_url(warehouse_url), len(reports), scope, summary["evaluated"], summary["passed"],
        summary["failed"], summary["warnings"], len(skipped),
    )
    return summary
