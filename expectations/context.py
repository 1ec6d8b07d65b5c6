"""The GX (Core 1.x) objects, got or created under fixed names: the file context, the postgres
datasource, one query asset + batch definition + suite + validation definition per rules.yaml
suite, and the checkpoint. Running them and reading their results is expectations.run's and
expectations.verdicts' job.

great_expectations and SQLAlchemy are imported inside the functions: importing this module stays
cheap, e.g. at Airflow DAG-parse time.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from antq.config import WarehouseUrlError, sqlalchemy_url

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
# The Data Docs index lists the newest validation results only (20 runs of the 5 suites): GX reads
# every result it lists each time it writes the index, so a full list would make every night slower
# than the one before. Older results keep their pages; dq.validation_results keeps every verdict.
DATA_DOCS_INDEX_LIMIT = 100
# What is stored in great_expectations.yml: GX substitutes it from the environment (or from
# uncommitted/config_variables.yml) when it connects, so no credentials are written to disk.
CONNECTION_STRING_TEMPLATE = "${" + URL_ENV_VAR + "}"
# Every GX connection is read-only: whatever a rule's SQL says, it cannot change the marts. No JIT:
# a night's batches are a few rows of big tables, whose size would make PostgreSQL compile each
# query (~1 s) for nothing.
ENGINE_KWARGS = {"connect_args": {"options": "-c default_transaction_read_only=on -c jit=off"}}


class NothingToValidate(RuntimeError):
    """None of the suites' tables exists, so there is no checkpoint to run."""


@contextlib.contextmanager
def quiet_gx_warnings() -> Iterator[None]:
    """Hide GX's DeprecationWarning for TableAsset.schema_name: deprecated since GX 1.14 in favour
    of a schema in the connection config, which a PostgreSQL URL cannot carry; it works in 1.24
    and is raised again each time the context re-reads great_expectations.yml."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`schema_name` is deprecated", category=DeprecationWarning)
        yield


@contextlib.contextmanager
def plain_decimal_conversion() -> Iterator[None]:
    """For the block, GX turns a Decimal into a float without looking at the call stack.

    When GX 1.24 stores a validation result it converts each Decimal in it (numeric columns of the
    unexpected rows a COMPLETE result holds) with great_expectations.util.convert_decimal_to_float,
    which calls inspect.stack() for every value, only to leave out a log line when GX's rule-based
    profiler (not used here) is the caller: about a millisecond a value, seconds for a large run.
    This is the same conversion (float(d), and the same warning when it loses digits) without the
    stack; GX's other code is untouched, and the original comes back after the block."""
    import decimal

    from great_expectations import util as gx_util

    original = getattr(gx_util, "convert_decimal_to_float", None)
    lossy = getattr(gx_util, "requires_lossy_conversion", None)
    if original is None or lossy is None:  # another GX: leave it as it is
        yield
        return

    def convert_decimal_to_float(d):
        if isinstance(d, decimal.Decimal) and lossy(d=d):
            gx_util.logger.warning(f"Using lossy conversion for decimal {d} to float object to support serialization.")
        return float(d)

    gx_util.convert_decimal_to_float = convert_decimal_to_float
    try:
        yield
    finally:
        gx_util.convert_decimal_to_float = original


@contextlib.contextmanager
def unexpected_rows_read_once() -> Iterator[dict[tuple[Any, str], list[dict]]]:
    """For the block, GX reads each UnexpectedRowsExpectation's rows with one execution of its query.

    GX 1.24 computes the expectation from two metrics, each running the query: the rows
    (`unexpected_rows_query.table`, of which it keeps the first 200) and their count
    (`unexpected_rows_query.row_count`, `SELECT COUNT(*) FROM (query)`). On PostgreSQL, inside the
    block, both are computed from one execution (GX's own query text and engine): the same first
    200 rows and the same count. Yields {(batch_id, query): every row}, so run_checks gets every
    row of a rule with more than 200 without running it a third time. GX's own metric functions
    come back after the block; another engine or GX keeps them."""
    import sqlalchemy as sa
    from great_expectations.constants import MAX_RESULT_RECORDS
    from great_expectations.core.metric_domain_types import MetricDomainTypes
    from great_expectations.expectations import registry
    from great_expectations.expectations.metrics.query_metrics.query_row_count.unexpected_rows_query_row_count import (
        UnexpectedRowsQueryRowCount,
    )
    from great_expectations.expectations.metrics.query_metrics.query_table.unexpected_rows_query_table import (
        UnexpectedRowsQueryTable,
    )

    rows_read: dict[tuple[Any, str], list[dict]] = {}
    queries: dict[tuple[Any, str], str] = {}

    def every_row(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs):
        selectable, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        query = cls._get_query_from_metric_value_kwargs(metric_value_kwargs)
        substituted = cls._get_substituted_batch_subquery_from_query_and_batch_selectable(
            query=query, batch_selectable=selectable, execution_engine=execution_engine
        )
        key = (metric_domain_kwargs.get("batch_id"), query)
        if queries.get(key) != substituted:
            result = execution_engine.execute_query(sa.text(substituted)).fetchall()
            rows_read[key], queries[key] = [row._asdict() for row in result], substituted
        return rows_read[key]

    def once(original, value):
        def metric_fn(*, cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, **kwargs):
            if getattr(execution_engine, "dialect_name", None) != "postgresql":
                return original(
                    cls=cls,
                    execution_engine=execution_engine,
                    metric_domain_kwargs=metric_domain_kwargs,
                    metric_value_kwargs=metric_value_kwargs,
                    **kwargs,
                )
            return value(every_row(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs))

        return metric_fn

    values = {
        UnexpectedRowsQueryTable.metric_name: lambda rows: rows[:MAX_RESULT_RECORDS],
        UnexpectedRowsQueryRowCount.metric_name: len,
    }
    # GX looks a metric's function up here for the engine's class (and caches what it finds for a
    # subclass): the whole table of each of the two metrics is put back as it was
    saved = {name: dict(registry._registered_metrics[name]["providers"]) for name in values}
    try:
        for name, value in values.items():
            original = saved[name].get("SqlAlchemyExecutionEngine")
            if original is not None:
                registry._registered_metrics[name]["providers"]["SqlAlchemyExecutionEngine"] = (
                    original[0],
                    once(original[1], value),
                )
        yield rows_read
    finally:
        for name, providers in saved.items():
            registry._registered_metrics[name]["providers"].clear()
            registry._registered_metrics[name]["providers"].update(providers)


def import_gx():
    # No network here: keep GX from trying to send usage statistics.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


@contextlib.contextmanager
def warehouse_url_in_env(warehouse_url: str) -> Iterator[None]:
    """${ANTQ_GX_WAREHOUSE_URL} set to the warehouse (psycopg 3 driver) for the block only."""
    old = os.environ.get(URL_ENV_VAR)
    os.environ[URL_ENV_VAR] = sqlalchemy_url(warehouse_url)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(URL_ENV_VAR, None)
        else:
            os.environ[URL_ENV_VAR] = old


def file_context(context_root: str | Path, warehouse_url: str | None = None) -> FileDataContext:
    """Get (or scaffold) the FILE data context under `context_root` (its config lives in
    `<context_root>/gx/`), with analytics and progress bars turned off.

    If `warehouse_url` is given it is put in the environment variable the datasource config
    refers to (ANTQ_GX_WAREHOUSE_URL), rewritten to the psycopg 3 driver; the variable stays
    set for the rest of the process. Use this as the provider operator's
    `configure_file_data_context` (see README.md).
    """
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    Path(context_root).mkdir(parents=True, exist_ok=True)
    with quiet_gx_warnings():
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
    sites = copy.deepcopy(variables.data_docs_sites or {})
    for site in sites.values():
        index_builder = site.setdefault("site_index_builder", {"class_name": "DefaultSiteIndexBuilder"})
        if index_builder.get("validation_results_limit") != DATA_DOCS_INDEX_LIMIT:
            index_builder["validation_results_limit"] = DATA_DOCS_INDEX_LIMIT
            variables.data_docs_sites = sites
            changed = True
    if changed:
        variables.save()
    if warehouse_url is not None:
        os.environ[URL_ENV_VAR] = sqlalchemy_url(warehouse_url)
    return context


# --------------------------------------------------------------------------- datasource & assets


def _check_url_available(context: AbstractDataContext) -> None:
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
    sqlalchemy_url(str(resolved))  # raises WarehouseUrlError unless a PostgreSQL URL


def get_or_create_datasource(context: AbstractDataContext):
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


def dispose(datasource) -> None:
    """Close the datasource's connections (GX keeps an engine per datasource object)."""
    for engine in (
        getattr(datasource, "_engine", None),
        getattr(getattr(datasource, "_execution_engine", None), "engine", None),
    ):
        if engine is not None:
            with contextlib.suppress(Exception):
                engine.dispose()


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


# --------------------------------------------------------------------------- suites & checkpoint


def build_expectation(rule: Rule):
    gx = import_gx()
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=rule.query,
        description=rule.description,
        severity="critical" if rule.severity == "error" else "warning",
        meta={"rule": rule.name, "severity": rule.severity, "params": dict(rule.params)},
    )


def build_checkpoint(
    context: AbstractDataContext,
    rules: RuleSet | None = None,
    batch_scope: str = "run",
    *,
    data_docs_action: bool = True,
) -> tuple[gx.Checkpoint | None, list[dict[str, Any]]]:
    """Get-or-create everything in `context` for `rules` and return (checkpoint, skipped).
    Each suite's batch is the rows of its table of the reports being validated (batch_scope "run":
    dq.validated_reports rows not validated yet, see expectations.dq.start_validation), or the
    whole table ("all").

    `data_docs_action`: the checkpoint updates the Data Docs itself (an UpdateDataDocsAction,
    which rebuilds the site's index once per suite). run_checks passes False and builds them once
    for the whole run (expectations.data_docs.build_run_docs).

    A suite whose table does not exist (yet) is left out of the checkpoint and listed in
    `skipped`; the checkpoint is None when every suite was skipped.
    """
    gx = import_gx()
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
            actions=[UpdateDataDocsAction(name=DOCS_ACTION_NAME)] if data_docs_action else [],
            # COMPLETE: the unexpected rows themselves are in the result (at most 200 per
            # expectation, GX's MAX_RESULT_RECORDS); BASIC/SUMMARY only give the count.
            result_format={"result_format": "COMPLETE"},
        )
    )
    return checkpoint, skipped


def configure_checkpoint(context: AbstractDataContext) -> gx.Checkpoint:
    """Checkpoint "antq_checkpoint" for the rules in expectations/rules.yaml, created or updated
    in `context`; fits GXValidateCheckpointOperator(configure_checkpoint=...).

    The datasource connects through ${ANTQ_GX_WAREHOUSE_URL}: it must be set in the environment
    (expectations.file_context(root, warehouse_url=...) does that). Suites whose table does not
    exist are left out; raises NothingToValidate if that leaves nothing. Its batches are the whole
    tables: this path records nothing in dq (run_checks is the one that validates a night's reports).
    """
    with quiet_gx_warnings():
        checkpoint, skipped = build_checkpoint(context, batch_scope="all")
    if checkpoint is None:
        raise NothingToValidate(f"no suite table exists: {skipped}")
    return checkpoint
