"""Great Expectations consistency checks on the marts, run after dbt.

    from expectations import run_checks
    summary = run_checks("postgresql://user@host/db", run_id, "/path/to/gx_root")

Importing this package is cheap: great_expectations, SQLAlchemy and psycopg are imported only
when a check runs. See README.md in this directory for the Airflow side.
"""
from .dq import SCOPES, ensure_dq_tables, start_validation, write_verdicts
from .gx_checks import (
    CHECKPOINT_NAME,
    DATASOURCE_NAME,
    URL_ENV_VAR,
    NothingToValidate,
    WarehouseUrlError,
    build_checkpoint,
    configure_checkpoint,
    file_context,
    libpq_url,
    run_checks,
    sqlalchemy_url,
)
from .rules import DEFAULT_RULES_PATH, Rule, RuleError, RuleSet, load_rules

__all__ = [
    "CHECKPOINT_NAME",
    "DATASOURCE_NAME",
    "DEFAULT_RULES_PATH",
    "URL_ENV_VAR",
    "NothingToValidate",
    "Rule",
    "RuleError",
    "RuleSet",
    "SCOPES",
    "WarehouseUrlError",
    "build_checkpoint",
    "configure_checkpoint",
    "ensure_dq_tables",
    "file_context",
    "libpq_url",
    "load_rules",
    "run_checks",
    "sqlalchemy_url",
    "start_validation",
    "write_verdicts",
]
