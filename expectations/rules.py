"""Consistency rules as data: load and check `rules.yaml`.

Only the standard library, PyYAML and antq.config are imported here, so this is cheap to import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from antq.config import DBT_PROJECT_DIR

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")
# where a param `{dbt_var: name}` is read: the `vars:` of the dbt project
DEFAULT_DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"
SEVERITIES = ("error", "warning")

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_QUALIFIED_TABLE = re.compile(r"^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$")
# `{name}` not part of an escaped `{{name}}`
_PARAM_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
# what SQLAlchemy text() would take for a bind parameter (same pattern as sqlalchemy.sql.elements)
_BIND_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
_STARTS_WITH_SELECT = re.compile(r"^\s*(?:\(\s*)*(select|with)\b", re.IGNORECASE)
_JOIN = re.compile(r"\bjoin\b", re.IGNORECASE)
_BATCH = re.compile(r"(?<!\{)\{batch\}(?!\})")
# `{batch}` followed by an alias: `as x`, or a bare name that is not the next clause's keyword
_ALIASED_BATCH = re.compile(
    r"(?<!\{)\{batch\}(?!\})\s+(?:as\s+)?(?!(?:where|group|order|limit|offset|fetch|union|intersect"
    r"|except|window|having|join|cross|inner|left|right|full|natural|on|using|tablesample)\b)"
    r"[a-z_][a-z0-9_]*",
    re.IGNORECASE,
)


class RuleError(ValueError):
    """rules.yaml (or a rule in it) is not well formed."""


@dataclass(frozen=True)
class Suite:
    name: str
    schema: str
    table: str

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def asset_name(self) -> str:
        """GX table asset name: the table name, schema-qualified when not in `marts`."""
        return self.table if self.schema == "marts" else f"{self.schema}__{self.table}"


@dataclass(frozen=True)
class Rule:
    name: str
    suite: str
    severity: str
    description: str
    sql: str  # as written, with `{batch}` and `{param}` fields
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def query(self) -> str:
        """The SQL handed to GX: params substituted, `{batch}` (and doubled braces) left for GX."""
        return render_params(self.sql, self.params).strip().rstrip(";").rstrip()

    def query_for_table(self, qualified_table: str, scope: str = "all") -> str:
        """The SQL run straight against a table's batch (`scope`: see batch_query), as GX runs it."""
        return self.query_as_gx_runs(qualified_table, scope)

    def query_as_gx_runs(self, qualified_table: str, scope: str = "all") -> str:
        """The SQL as GX 1.x runs it: `{batch}` becomes the batch's subquery (batch_query), aliased
        `AS subselect` unless the query has a JOIN, in which case it is left bare and the rule must
        alias it itself (PostgreSQL before 16 refuses a subquery in FROM without an alias).
        Tests use this to run a rule the way GX will."""
        subquery = f"(SELECT * FROM ({batch_query(qualified_table, scope)}) AS batch WHERE true)"
        batch = subquery if has_join(self.query) else f"{subquery} AS subselect"
        return self.query.format(batch=batch)


# A validation run checks the rows of the reports it recorded in dq.validated_reports when it started
# (expectations.dq.start_validation: by default the reports staged since the last validation, the
# night's new and re-staged ones). Rules that compare with other rows (a part with its whole, a figure
# with the previous period) read those from the whole mart, so the night is checked against the
# history.
REPORTS_BEING_VALIDATED = "select report_id from dq.validated_reports where validated_at is null"


def batch_query(qualified_table: str, scope: str = "run") -> str:
    """The SELECT behind a suite's GX batch (a query asset): scope "run" the rows of the reports
    being validated, "all" the whole table."""
    if scope == "all":
        return f"select * from {qualified_table}"
    if scope == "run":
        # start_validation analyzes dq.validated_reports: the planner knows how many reports these
        # are, and reads a night's few through the mart's report_id index
        return f"select * from {qualified_table} where report_id in ({REPORTS_BEING_VALIDATED})"
    raise ValueError(f"scope must be 'run' or 'all', not {scope!r}")


@dataclass(frozen=True)
class RuleSet:
    suites: dict[str, Suite]
    rules: list[Rule]

    def rules_of(self, suite: str) -> list[Rule]:
        return [r for r in self.rules if r.suite == suite]

    def rule(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)


def sql_literal(value: Any) -> str:
    """A Python value from rules.yaml as a SQL literal (lists -> comma-separated literals)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise RuleError(f"parameter value {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        # braces are doubled because GX runs the query through str.format afterwards
        return "'" + value.replace("'", "''").replace("{", "{{").replace("}", "}}") + "'"
    if isinstance(value, (list, tuple)):
        if not value:
            raise RuleError("a list parameter must not be empty (SQL has no empty IN list)")
        return ", ".join(sql_literal(v) for v in value)
    raise RuleError(f"parameter value {value!r} of type {type(value).__name__} is not supported")


def render_params(sql: str, params: dict[str, Any]) -> str:
    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key == "batch":
            return m.group(0)
        if key not in params:
            raise RuleError(f"the SQL uses {{{key}}} but the rule has no parameter {key!r}")
        return sql_literal(params[key])

    return _PARAM_FIELD.sub(sub, sql)


def has_join(sql: str) -> bool:
    """Whether GX 1.x sees a JOIN in the query (outside string literals and comments)."""
    return bool(_JOIN.search(_strip_literals(sql)))


def _check_batch_aliases(rule_name: str, sql: str) -> None:
    """GX substitutes `{batch}` with `(subquery) AS subselect` in a query without JOIN and with a
    bare `(subquery)` in a query with one: an alias is then needed, and only then allowed."""
    body = _strip_literals(sql)
    n_batch = len(_BATCH.findall(body))
    n_aliased = len(_ALIASED_BATCH.findall(body))
    if has_join(sql) and n_aliased < n_batch:
        raise RuleError(
            f"rule {rule_name}: the query has a JOIN, so GX leaves {{batch}} without an alias: "
            "write `{batch} as some_name` at every use"
        )
    if not has_join(sql) and n_aliased:
        raise RuleError(
            f"rule {rule_name}: without a JOIN GX already aliases {{batch}} (AS subselect): do not alias it again"
        )


def _check_sql(rule_name: str, sql: str, params: dict[str, Any]) -> None:
    if not _STARTS_WITH_SELECT.match(sql):
        raise RuleError(f"rule {rule_name}: sql must be a single SELECT (or WITH ... SELECT)")
    rendered = render_params(sql, params)
    body = rendered.strip().rstrip(";")
    if ";" in _strip_literals(body):
        raise RuleError(f"rule {rule_name}: sql must be a single statement")
    try:
        rendered.format(batch="t")
    except (KeyError, IndexError, ValueError) as exc:
        raise RuleError(
            f"rule {rule_name}: sql does not survive GX's str.format ({exc!r}); double literal braces: {{{{ and }}}}"
        ) from exc
    _check_batch_aliases(rule_name, body)
    binds = _BIND_PARAM.findall(_strip_literals(body, keep_strings=True))
    if binds:
        raise RuleError(
            f"rule {rule_name}: SQLAlchemy text() would read :{binds[0]} as a bind parameter; write the colon as \\:"
        )


def _strip_literals(sql: str, keep_strings: bool = False) -> str:
    """Blank out comments (and, unless keep_strings, string literals) for the crude checks above."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    if not keep_strings:
        sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return sql


def dbt_vars(dbt_project_file: str | Path | None = None) -> dict[str, Any]:
    """The vars a dbt_project.yml declares (default: dbt_project/dbt_project.yml): its top-level
    `vars:`, and those scoped to the project itself (`vars: {<project name>: {...}}`)."""
    import yaml

    path = Path(dbt_project_file) if dbt_project_file is not None else DEFAULT_DBT_PROJECT_FILE
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    declared = dict(doc.get("vars") or {})
    scoped = declared.get(doc.get("name"))
    if isinstance(scoped, dict):
        declared.update(scoped)
    return declared


def _resolve_param(rule_name: str, key: str, value: Any, read_dbt_vars) -> Any:
    """A param's value; `{dbt_var: name}` is the dbt var `name` (declared once, for dbt and GX)."""
    if not isinstance(value, dict):
        return value
    if set(value) != {"dbt_var"} or not isinstance(value["dbt_var"], str):
        raise RuleError(f"rule {rule_name}: param {key} must be a value or {{dbt_var: <name>}}, got {value!r}")
    declared = read_dbt_vars()
    if value["dbt_var"] not in declared:
        raise RuleError(
            f"rule {rule_name}: param {key} reads dbt var {value['dbt_var']!r}, which the dbt project "
            "does not declare under `vars:` (dbt_project/dbt_project.yml)"
        )
    return declared[value["dbt_var"]]


def load_rules(path: str | Path | None = None, dbt_project_file: str | Path | None = None) -> RuleSet:
    """Read and check a rules file (default: expectations/rules.yaml). Params written
    `{dbt_var: name}` take the value dbt_project_file (default: dbt_project/dbt_project.yml)
    declares for that var."""
    import functools

    import yaml

    read_dbt_vars = functools.cache(lambda: dbt_vars(dbt_project_file))
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: top level must be a mapping with `suites` and `rules`")

    suites: dict[str, Suite] = {}
    for name, spec in (doc.get("suites") or {}).items():
        if not isinstance(name, str) or not _IDENT.match(name):
            raise RuleError(f"suite name {name!r} must match {_IDENT.pattern}")
        table = (spec or {}).get("table") if isinstance(spec, dict) else None
        m = _QUALIFIED_TABLE.match(table or "")
        if not m:
            raise RuleError(f"suite {name}: table must be schema.table in lower case, got {table!r}")
        suites[name] = Suite(name=name, schema=m.group(1), table=m.group(2))

    rules: list[Rule] = []
    seen: set[str] = set()
    for i, spec in enumerate(doc.get("rules") or []):
        if not isinstance(spec, dict):
            raise RuleError(f"rule #{i + 1} is not a mapping")
        unknown = set(spec) - {"name", "suite", "severity", "description", "sql", "params"}
        if unknown:
            raise RuleError(f"rule #{i + 1}: unknown keys {sorted(unknown)}")
        name = spec.get("name")
        if not isinstance(name, str) or not _IDENT.match(name):
            raise RuleError(f"rule #{i + 1}: name {name!r} must match {_IDENT.pattern}")
        if name in seen:
            raise RuleError(f"rule {name} is defined twice")
        seen.add(name)
        suite = spec.get("suite")
        if suite not in suites:
            raise RuleError(f"rule {name}: suite {suite!r} is not one of {sorted(suites)}")
        severity = spec.get("severity", "error")
        if severity not in SEVERITIES:
            raise RuleError(f"rule {name}: severity must be one of {SEVERITIES}, got {severity!r}")
        description = spec.get("description")
        if not isinstance(description, str) or not description.strip():
            raise RuleError(f"rule {name}: description is required")
        sql = spec.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise RuleError(f"rule {name}: sql is required")
        params = spec.get("params") or {}
        if not isinstance(params, dict) or not all(
            isinstance(k, str) and _IDENT.match(k) and k != "batch" for k in params
        ):
            raise RuleError(f"rule {name}: params must map identifiers (not `batch`) to values")
        params = {k: _resolve_param(name, k, v, read_dbt_vars) for k, v in params.items()}
        _check_sql(name, sql, params)
        rules.append(
            Rule(
                name=name,
                suite=suite,
                severity=severity,
                description=" ".join(description.split()),
                sql=sql,
                params=dict(params),
            )
        )
    if not rules:
        raise RuleError(f"{path}: no rules")
    used = {r.suite for r in rules}
    return RuleSet(suites={k: v for k, v in suites.items() if k in used}, rules=rules)
