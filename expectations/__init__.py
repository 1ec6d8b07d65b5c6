"""Great Expectations consistency checks on the marts, run after dbt.

    from expectations import run_checks
    summary = run_checks("postgresql://user@host/db", run_id, "/path/to/gx_root")

Why two kinds of checks. dbt's tests check structure: nothing is lost on the way (every staged
figure reaches fct_figures with its value; a pivoted mart's columns add up to the figures they
came from), keys are unique and not null, relationships hold. GX checks business consistency: what
a report says against itself and against the history (a stated percentage against actual/target,
a part above its whole in one sentence, a coverage above its total, a figure that jumps against
the previous period, implausible report dates). Its rules are data (rules.yaml); a failing one
flags the figures (dq.flagged_figures) and never changes the marts. Where both judge the same
thing (a stated percentage: dbt's fct_targets.pct_consistent, GX's rule) they compare the same way
with one tolerance, declared once as the dbt var `pct_tolerance_points` in
dbt_project/dbt_project.yml and read from there by rules.yaml.

Modules, by job: rules (rules.yaml), context (the GX objects, got or created under fixed names),
verdicts (GX results -> dq rows), dq (the dq schema: its DDL is antq/sql/warehouse.sql's `[dq]`
section; the ledger of validated reports), data_docs (Data Docs readable offline), run
(run_checks). Importing this package is cheap: great_expectations, SQLAlchemy and psycopg are
imported only when a check runs. See README.md in this directory for the Airflow side.
"""

from antq.config import WarehouseUrlError, libpq_url, sqlalchemy_url

from .context import (
    CHECKPOINT_NAME,
    DATASOURCE_NAME,
    URL_ENV_VAR,
    NothingToValidate,
    build_checkpoint,
    configure_checkpoint,
    file_context,
)
from .data_docs import rebuild_data_docs
from .dq import SCOPES, ensure_dq_tables, start_validation
from .rules import DEFAULT_RULES_PATH, Rule, RuleError, RuleSet, load_rules
from .run import run_checks
from .verdicts import Verdict, write_verdicts

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
    "Verdict",
    "WarehouseUrlError",
    "build_checkpoint",
    "configure_checkpoint",
    "ensure_dq_tables",
    "file_context",
    "libpq_url",
    "load_rules",
    "rebuild_data_docs",
    "run_checks",
    "sqlalchemy_url",
    "start_validation",
    "write_verdicts",
]
