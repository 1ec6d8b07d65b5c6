"""Least-privilege roles (antq/roles.py): each boundary proven with real connections as the role.

The local test server trusts 127.0.0.1, so a role logs in by name. antq_loader, antq_transformer
and bi_reader are cluster-wide and left in place (setting them up is idempotent); the roles that
tests make under their own names, and every database, are dropped afterwards.
"""

from __future__ import annotations

import logging
import threading
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors, sql

from antq import config, roles, warehouse

from pg_databases import admin as _admin
from pg_databases import create_database, drop_database

LOADER, TRANSFORMER, READER = roles.LOADER, roles.TRANSFORMER, roles.BI_READER


def as_role(url: str, role: str) -> str:
    """The same database, logged in as `role` (no password: the test server trusts 127.0.0.1)."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{role}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def connect_as(url: str, role: str) -> psycopg.Connection:
    conn = psycopg.connect(config.libpq_url(as_role(url, role)), autocommit=True)
    assert conn.execute("select current_user").fetchone()[0] == role
    return conn


def refused(conn: psycopg.Connection, statement: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


RAW_ROW = (
    "insert into raw.report_files (report_id, file_name, relative_path, size_bytes, content,"
    " received_date, run_id) values ('{rid}', 'a.txt', 'a.txt', 1, 'x', current_date, 'test')"
)
STAGING_REPORT = (
    "insert into staging.reports (report_id, doc, source_format, figure_count, extractor_version,"
    " received_date) values ('{rid}', 'a.txt', 'txt', 1, 'test', current_date)"
)
STAGING_FIGURE = (
    "insert into staging.figures (figure_id, report_id, ordinal, surface, value, unit, measure,"
    " qualifier, char_start, char_end, sentence_no, extractor_version)"
    " values ('{rid}:0', '{rid}', 0, '7', 7, 'vụ', 'tips.cases', 'exact', 0, 1, 1, 'test')"
)
DQ_ROW = (
    "insert into dq.validation_results (run_id, suite, expectation, success, unexpected_count)"
    " values ('r', 's', 'e', true, 0)"
)


@pytest.fixture
def db(warehouse_db):
    """A migrated warehouse (migrate applies the roles) with a row in every layer, written by the
    owner as the loader, dbt and GX would."""
    with psycopg.connect(warehouse_db, autocommit=True) as conn:
        conn.execute(RAW_ROW.format(rid="r0"))
        conn.execute(STAGING_REPORT.format(rid="r0"))
        conn.execute(STAGING_FIGURE.format(rid="r0"))
        conn.execute("create table marts.fct_demo as select 1 as id, 'one'::text as label")
        conn.execute("create table transform.stg_demo as select 1 as id")
        conn.execute(DQ_ROW)
        conn.execute(
            "insert into dq.flagged_figures (run_id, figure_id, expectation, message) values ('r', 'f', 'e', 'm')"
        )
    return warehouse_db


def test_migrate_creates_the_three_login_roles(warehouse_db):
    with psycopg.connect(warehouse_db) as conn:
        rows = conn.execute(
            "select rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls"
            " from pg_roles where rolname = any(%s) order by rolname",
            ([LOADER, TRANSFORMER, READER],),
        ).fetchall()
    assert rows == [
        (LOADER, True, False, False, False, False),
        (TRANSFORMER, True, False, False, False, False),
        (READER, True, False, False, False, False),
    ]


def test_bi_reader_reads_marts_and_dq_only_and_writes_nothing(db):
    with connect_as(db, READER) as conn:
        assert conn.execute("select label from marts.fct_demo").fetchall() == [("one",)]
        assert conn.execute("select count(*) from dq.validation_results").fetchone()[0] == 1
        assert conn.execute("select count(*) from dq.flagged_figures").fetchone()[0] == 1
        for table in (
            "raw.report_files",
            "raw.file_ledger",
            "raw.rejected_files",
            "staging.reports",
            "staging.figures",
            "transform.stg_demo",
        ):
            refused(conn, f"select * from {table}")
        for statement in (
            "insert into marts.fct_demo values (2, 'two')",
            "update marts.fct_demo set label = 'x'",
            "delete from marts.fct_demo",
            "truncate marts.fct_demo",
            "create table marts.mine (id int)",
            DQ_ROW,
            "update dq.validation_results set success = false",
            "delete from dq.flagged_figures",
            "create table dq.mine (id int)",
            "create table raw.mine (id int)",
            "create table transform.mine (id int)",
            "create table public.mine (id int)",
            "create schema mine",
            "drop table marts.fct_demo",
            "alter table marts.fct_demo add column x int",
        ):
            refused(conn, statement)
    with psycopg.connect(db) as conn:  # nothing changed
        assert conn.execute("select count(*) from marts.fct_demo").fetchone()[0] == 1
        assert conn.execute("select count(*) from dq.flagged_figures").fetchone()[0] == 1


def test_loader_writes_raw_and_staging_only(db):
    with connect_as(db, LOADER) as conn:
        conn.execute(RAW_ROW.format(rid="r1"))
        conn.execute(
            "insert into raw.file_ledger (relative_path, report_id, size_bytes, run_id, outcome)"
            " values ('a.txt', 'r1', 1, 'test', 'loaded')"
        )
        conn.execute(STAGING_REPORT.format(rid="r1"))
        conn.execute(STAGING_FIGURE.format(rid="r1"))
        conn.execute("update staging.figures set value = 8 where report_id = 'r1'")
        conn.execute("delete from staging.figures where report_id = 'r1'")
        assert conn.execute("select count(*) from raw.report_files").fetchone()[0] == 2
        for statement in (
            "insert into marts.fct_demo values (2, 'two')",
            "select * from marts.fct_demo",
            DQ_ROW,
            "delete from dq.validation_results",
            "create table marts.mine (id int)",
            "create table raw.mine (id int)",
            "select * from transform.stg_demo",
            "drop table raw.report_files",
        ):
            refused(conn, statement)


def test_transformer_reads_staging_and_builds_marts_transform_and_dq(db):
    with connect_as(db, TRANSFORMER) as conn:
        assert conn.execute("select count(*) from staging.figures").fetchone()[0] == 1
        assert conn.execute("select count(*) from raw.report_files").fetchone()[0] == 1
        conn.execute("create table marts.fct_new as select report_id, value from staging.figures")
        conn.execute("create view transform.stg_new as select * from staging.reports")
        conn.execute(DQ_ROW)  # needs the bigserial's sequence too
        conn.execute("insert into marts.fct_demo values (2, 'two')")  # a mart the owner built
        conn.execute("create temporary table batch as select 1 as id")  # dbt's incremental models
        for statement in (
            RAW_ROW.format(rid="r2"),
            STAGING_REPORT.format(rid="r0b"),
            "delete from staging.figures",
            "update raw.report_files set file_name = 'b.txt'",
            "create table raw.mine (id int)",
            "create table staging.mine (id int)",
        ):
            refused(conn, statement)
    # what the transformer builds, bi_reader can read
    with connect_as(db, READER) as conn:
        assert conn.execute("select value from marts.fct_new").fetchall() == [(7,)]
        assert conn.execute("select count(*) from marts.fct_demo").fetchone()[0] == 2
        refused(conn, "select * from transform.stg_new")


def test_bi_reader_still_reads_marts_that_the_owner_rebuilds(db):
    """dbt (as the WAREHOUSE_URL user) replaces a table mart each run: new table, swap, drop."""
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("create table marts.fct_demo__dbt_tmp as select 2 as id, 'two'::text as label")
        conn.execute("alter table marts.fct_demo rename to fct_demo__dbt_backup")
        conn.execute("alter table marts.fct_demo__dbt_tmp rename to fct_demo")
        conn.execute("drop table marts.fct_demo__dbt_backup")
        conn.execute("create table dq.later as select 1 as id")
        conn.execute("create table staging.later (id int)")
        conn.execute("create table transform.later as select 1 as id")
    with connect_as(db, READER) as conn:
        assert conn.execute("select label from marts.fct_demo").fetchall() == [("two",)]
        assert conn.execute("select id from dq.later").fetchall() == [(1,)]
        refused(conn, "select * from staging.later")
        refused(conn, "select * from transform.later")
    with connect_as(db, LOADER) as conn:  # the loader's defaults cover new staging tables
        conn.execute("insert into staging.later values (1)")
    with connect_as(db, TRANSFORMER) as conn:
        assert conn.execute("select id from transform.later").fetchall() == [(1,)]


def test_apply_roles_is_idempotent(db):
    first = roles.apply_roles(db)
    second = roles.apply_roles(db)
    assert first.created == second.created == []
    assert first.existing == second.existing == [LOADER, TRANSFORMER, READER]
    assert second.granted == [LOADER, TRANSFORMER, READER] and second.ok
    with connect_as(db, READER) as conn:
        assert conn.execute("select count(*) from marts.fct_demo").fetchone()[0] == 1


# --------------------------------------------------------------------------- roles of our own


@pytest.fixture
def own_names(databases):
    """Role names of this test only, dropped afterwards. List it before the database fixtures in
    a test's arguments, so the databases holding their grants are dropped first."""
    tag = uuid.uuid4().hex[:8]
    names = roles.RoleNames(
        loader=f"antq_t{tag}_loader", transformer=f"antq_t{tag}_transformer", bi_reader=f"antq_t{tag}_reader"
    )
    yield names
    databases.wait()  # their drops run in the background (tests/pg_databases.py)
    with _admin() as conn:
        for name in (names.loader, names.transformer, names.bi_reader):
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(name)))


@pytest.fixture
def two_databases(databases):
    with databases.empty() as first, databases.empty() as second:
        yield [first, second]


def test_two_databases_setting_up_at_once_on_one_server(own_names, two_databases):
    for url in two_databases:
        warehouse.migrate(url, roles=False)
    reports, failures = [], []
    barrier = threading.Barrier(len(two_databases) * 2)

    def setup(url):
        try:
            barrier.wait(timeout=30)
            reports.append(roles.apply_roles(url, names=own_names))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=setup, args=(url,)) for url in two_databases * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    assert len(reports) == 4 and all(r.ok for r in reports)
    all_names = [own_names.loader, own_names.transformer, own_names.bi_reader]
    # each role was created exactly once, whichever setup got there first
    assert sorted(n for r in reports for n in r.created) == sorted(all_names)
    assert all(r.granted == all_names for r in reports)
    for url in two_databases:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("create table marts.fct_demo as select 1 as id")
        with connect_as(url, own_names.bi_reader) as conn:
            assert conn.execute("select id from marts.fct_demo").fetchall() == [(1,)]
            refused(conn, "select * from raw.report_files")


def test_passwords_come_from_the_environment(own_names, warehouse_db, caplog):
    secret = "s3cret-" + uuid.uuid4().hex
    env = {"ANTQ_BI_READER_PASSWORD": secret, "ANTQ_LOADER_PASSWORD": ""}
    with caplog.at_level(logging.INFO, logger="antq.roles"):
        report = roles.apply_roles(warehouse_db, names=own_names, env=env)
    assert report.passwords_set == [own_names.bi_reader]
    assert report.without_password == [own_names.loader, own_names.transformer]
    assert f"ANTQ_LOADER_PASSWORD is not set: role {own_names.loader}" in caplog.text
    assert f"ANTQ_TRANSFORMER_PASSWORD is not set: role {own_names.transformer}" in caplog.text
    assert secret not in caplog.text

    def stored():
        with _admin() as conn:
            return dict(
                conn.execute(
                    "select rolname, rolpassword from pg_authid where rolname = any(%s)",
                    ([own_names.loader, own_names.transformer, own_names.bi_reader],),
                ).fetchall()
            )

    first = stored()
    assert first[own_names.loader] is None and first[own_names.transformer] is None
    assert first[own_names.bi_reader].startswith("SCRAM-SHA-256$") and secret not in first[own_names.bi_reader]
    # a new password in the environment replaces the old one; an unset variable keeps it
    roles.apply_roles(warehouse_db, names=own_names, env={"ANTQ_BI_READER_PASSWORD": secret + "2"})
    second = stored()
    assert second[own_names.bi_reader].startswith("SCRAM-SHA-256$")
    assert second[own_names.bi_reader] != first[own_names.bi_reader]
    roles.apply_roles(warehouse_db, names=own_names, env={})
    assert stored() == second


def test_an_owner_without_createrole_gets_a_warning_not_a_failure(pg_server, own_names, caplog):
    """A user's server where the WAREHOUSE_URL user owns its database but may not create roles."""
    owner = f"antq_t{uuid.uuid4().hex[:8]}_owner"
    dbname = f"antq_test_{uuid.uuid4().hex[:10]}"
    with _admin() as conn:
        conn.execute(sql.SQL("create role {} login nocreaterole").format(sql.Identifier(owner)))
    url = as_role(create_database(pg_server, dbname, owner=owner), owner)
    try:
        with caplog.at_level(logging.WARNING, logger="antq.roles"):
            warehouse.migrate(url, roles=False)
            missing = roles.apply_roles(url, names=own_names)
        assert missing.missing == [own_names.loader, own_names.transformer, own_names.bi_reader]
        assert missing.granted == [] and not missing.ok
        assert "lacks CREATEROLE" in caplog.text
        # the project's roles exist already (made by an administrator): they get their grants
        ready = warehouse.migrate(url)
        assert ready.granted == [LOADER, TRANSFORMER, READER] and ready.missing == []
        with psycopg.connect(config.libpq_url(url), autocommit=True) as conn:
            conn.execute("create table marts.fct_demo as select 1 as id")
        with connect_as(url, READER) as conn:
            assert conn.execute("select id from marts.fct_demo").fetchall() == [(1,)]
            refused(conn, "select * from raw.report_files")
    finally:
        drop_database(pg_server, dbname)  # now, not in the background: the role goes next
        with _admin() as conn:
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(owner)))
