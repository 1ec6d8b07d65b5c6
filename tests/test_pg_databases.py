"""The tests' databases (tests/pg_databases.py): a warehouse cloned from the session's template is the
database `warehouse.migrate` sets up, grants included, and each clone is a database of its own."""

from __future__ import annotations

import os

import psycopg
import pytest

from antq import warehouse

from pg_databases import TEMPLATE_PREFIX, Databases, admin, create_database, drop_database, drop_stale_templates

CATALOG = {
    "schemas": """select nspname, nspacl::text from pg_namespace
                  where nspname not like 'pg\\_%' and nspname <> 'information_schema'""",
    "relations": """select n.nspname, c.relname, c.relkind, c.relacl::text
                    from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'""",
    "columns": """select table_schema, table_name, column_name, ordinal_position, data_type, column_default,
                         is_nullable
                  from information_schema.columns
                  where table_schema not in ('pg_catalog', 'information_schema')""",
    "constraints": """select n.nspname, c.conname, pg_get_constraintdef(c.oid)
                      from pg_constraint c join pg_namespace n on n.oid = c.connamespace
                      where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'""",
    "indexes": "select schemaname, indexname, indexdef from pg_indexes where schemaname not like 'pg\\_%'",
    "default_privileges": """select defaclrole::regrole::text, coalesce(n.nspname, ''), defaclobjtype,
                                    defaclacl::text
                             from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace""",
    "database_privileges": """select case when a.grantee = 0 then 'public' else a.grantee::regrole::text end,
                                     a.privilege_type, a.is_grantable
                              from pg_database d, aclexplode(d.datacl) a where d.datname = current_database()""",
}


def catalog(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as conn:
        return {name: sorted(conn.execute(query).fetchall(), key=repr) for name, query in CATALOG.items()}


def test_a_cloned_warehouse_is_what_migrate_sets_up(databases, warehouse_db):
    with databases.empty() as migrated:
        warehouse.migrate(migrated)
        expected = catalog(migrated)
    cloned = catalog(warehouse_db)
    assert {name: len(rows) for name, rows in cloned.items()} == {name: len(rows) for name, rows in expected.items()}
    assert cloned == expected
    # not vacuous: the warehouse's schemas, and the roles' grants on them and on the database itself
    schemas = dict(cloned["schemas"])
    assert {"raw", "staging", "marts", "dq", "transform"} <= set(schemas)
    assert "antq_loader=U/" in schemas["raw"] and "bi_reader=U/" in schemas["marts"]
    assert ("bi_reader", "CONNECT", False) in cloned["database_privileges"]


def test_clones_are_separate_databases_and_the_template_takes_no_connections(databases):
    with databases.warehouse() as first, databases.warehouse() as second:
        assert first != second
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("create table marts.only_in_first as select 1 as id")
        with psycopg.connect(second) as conn:
            assert conn.execute("select to_regclass('marts.only_in_first')").fetchone()[0] is None
    with admin(databases.server_url) as conn:
        allowed = conn.execute(
            "select datallowconn from pg_database where datname = %s", (databases.template,)
        ).fetchone()
    assert allowed == (False,)


def test_an_empty_database_has_no_warehouse_schema(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select to_regnamespace('raw'), to_regnamespace('staging')").fetchone() == (None, None)


def test_dropped_databases_are_gone_once_waited_for(pg_server):
    own = Databases(pg_server)  # its own drops only, not the session's backlog
    try:
        with own.empty() as url:
            name = url.rsplit("/", 1)[1]
        own.wait()
        with admin(pg_server) as conn:
            assert conn.execute("select count(*) from pg_database where datname = %s", (name,)).fetchone() == (0,)
    finally:
        own.close()


@pytest.mark.parametrize("tag", ["a", "b"])
def test_a_warehouse_db_starts_empty_whatever_the_test_before_wrote(warehouse_db, tag):
    with psycopg.connect(warehouse_db, autocommit=True) as conn:
        assert conn.execute("select count(*) from raw.report_files").fetchone() == (0,)
        conn.execute(
            "insert into raw.report_files (report_id, file_name, relative_path, size_bytes, content, received_date,"
            " run_id) values (%s, 'a.txt', 'a.txt', 1, 'x', current_date, 'test')",
            (tag,),
        )


def test_only_the_templates_of_sessions_that_are_gone_are_dropped(pg_server):
    gone = f"{TEMPLATE_PREFIX}99999999_dead00"  # above any pid_max: no such process
    alive = f"{TEMPLATE_PREFIX}{os.getppid()}_alive0"
    for name in (gone, alive):
        create_database(pg_server, name)
    try:
        assert drop_stale_templates(pg_server) == [gone]
        with admin(pg_server) as conn:
            left = {
                r[0] for r in conn.execute("select datname from pg_database where datname in (%s, %s)", (gone, alive))
            }
        assert left == {alive}
    finally:
        for name in (gone, alive):
            drop_database(pg_server, name)
