"""What sqlfluff's jinja templater lacks of dbt to render the dbt project without a database (`make lint`).

Its dbt builtins (ref, source, config, this, is_incremental() -> True) cover most models; this module
adds what the project's macros ask dbt for, answered from the repository instead of a warehouse, so
the SQL linted is the SQL dbt compiles to run (execute is true), not the placeholder of its parse:

- `this`: the model being linted (sqlfluff's is a generic "this_model"), as the marts' routing needs;
- `var()`: the vars and defaults of dbt_project.yml;
- `run_query()`: the measures seed's routing (macros/mart_routes.sql) read from seeds/measures.csv,
  and the unvalidated reports (macros/validation_scope.sql) of a warehouse with a backlog, which
  puts the macro's own query in the SQL; any other query fails the lint instead of being guessed;
- `adapter.get_columns_in_relation()`: no built relation, so the macros take their first-build branch;
- `graph`: dbt's manifest, which only dbt builds: no nodes, so tests that walk it render their
  no-node branch;
- `exceptions.raise_compiler_error()`: fails the lint as it fails dbt's compile.

sqlfluff imports this module again for each file it templates.
"""

import csv
import re
import sys
from pathlib import Path

import yaml
from sqlfluff.core.templaters.builtins.dbt import RelationEmulator

_DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
_VARS = yaml.safe_load((_DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8")).get("vars") or {}

execute = True


class CompilationError(Exception):
    pass


class _Exceptions:
    def raise_compiler_error(self, message):
        raise CompilationError(message)


exceptions = _Exceptions()


class _Adapter:
    def get_columns_in_relation(self, relation):
        return []


adapter = _Adapter()


class _Graph:
    nodes = {}


graph = _Graph()


_NO_DEFAULT = object()


def var(name, default=_NO_DEFAULT):
    if name in _VARS:
        return _VARS[name]
    if default is _NO_DEFAULT:
        raise CompilationError(f"var {name!r} is not declared in dbt_project.yml and has no default")
    return default


def _linted_model():
    """The file sqlfluff is templating: a frame of its templater (the caller of this import) holds it."""
    frame = sys._getframe()
    while frame is not None:
        fname = frame.f_locals.get("fname")
        if frame.f_code.co_filename.endswith("jinja.py") and isinstance(fname, str):
            return Path(fname).stem
        frame = frame.f_back
    return None


_model = _linted_model()
if _model is not None:
    this = RelationEmulator(_model)


class _Table:
    """What run_query returns, as far as the macros read it: `rows` of name -> value."""

    def __init__(self, rows):
        self.rows = rows


_SEED_ROUTES = re.compile(
    r"select (?P<columns>\w+(?:, \w+)*) from (?P<seed>\w+) where mart = '(?P<mart>\w+)' order by ctid"
)
_REPORT_IDS = re.compile(r"select count\(\*\)::int as n, .* as ids from \(.* limit (?P<limit>\d+)\) as ids", re.DOTALL)


def run_query(sql):
    if match := _SEED_ROUTES.fullmatch(sql):
        # a seed's lines in file order (`order by ctid`: dbt seed inserts them so); empty cells load as null
        columns = match["columns"].split(", ")
        with open(_DBT_PROJECT / "seeds" / f"{match['seed']}.csv", encoding="utf-8", newline="") as seed:
            lines = [line for line in csv.DictReader(seed) if line["mart"] == match["mart"]]
        return _Table([{column: line[column] or None for column in columns} for line in lines])
    if match := _REPORT_IDS.fullmatch(sql):
        # more unvalidated reports than the literals' limit: the macro writes its query, not literals
        return _Table([{"n": int(match["limit"]), "ids": None}])
    raise CompilationError(f"tools/sqlfluff_dbt cannot answer run_query without a warehouse: {sql}")
