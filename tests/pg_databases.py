"""The databases tests make on the test server (real PostgreSQL: 127.0.0.1:5432, or ANTQ_TEST_SERVER_URL).

One home for them (conftest.py's fixtures use it): an empty database, or a warehouse. A warehouse is
cloned from a template the warehouse DDL was applied to once per test session (`warehouse.migrate`,
roles and grants included): CREATE DATABASE … TEMPLATE copies schemas, tables, their grants and
default privileges, but not the database's own ACL (GRANT CONNECT ON DATABASE), which is copied
after the clone. Databases are dropped in background threads: a drop waits for a checkpoint, seconds
on a busy server, and no test needs to wait for it; the session waits for them all at its end.

Several sessions (and pytest-xdist workers) share the server: every name is unique, and the template
carries this host's name and this process's id, so a later session can drop the template a killed
one left behind without touching a live one.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

SERVER_URL = os.environ.get("ANTQ_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HOST_TAG = re.sub(r"[^a-z0-9]", "", socket.gethostname().lower())[:12] or "host"
TEMPLATE_PREFIX = f"antq_template_{HOST_TAG}_"


def with_database(url: str, database: str) -> str:
    """The same server and user, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def admin(server_url: str = SERVER_URL) -> psycopg.Connection:
    """An autocommit connection to the server's `postgres` database (CREATE / DROP DATABASE)."""
    return psycopg.connect(with_database(server_url, "postgres"), autocommit=True)


def new_name(kind: str = "test") -> str:
    return f"antq_{kind}_{uuid.uuid4().hex[:10]}"


def create_database(server_url: str, name: str, *, template: str | None = None, owner: str | None = None) -> str:
    """CREATE DATABASE name [TEMPLATE template] [OWNER owner]; returns its URL."""
    statement = sql.SQL("create database {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" template {}").format(sql.Identifier(template))
    if owner:
        statement += sql.SQL(" owner {}").format(sql.Identifier(owner))
    with admin(server_url) as conn:
        conn.execute(statement)
        if template:
            try:
                copy_database_acl(conn, template, name)
            except BaseException:
                conn.execute(sql.SQL("drop database {}").format(sql.Identifier(name)))
                raise
    return with_database(server_url, name)


def copy_database_acl(conn: psycopg.Connection, source: str, target: str) -> None:
    """Give `target` the database-level privileges of `source` (pg_database.datacl is not cloned)."""
    acl = conn.execute("select datacl is not null from pg_database where datname = %s", (source,)).fetchone()
    if not acl or not acl[0]:
        return  # the default ACL: nothing was granted or revoked
    target_id = sql.Identifier(target)
    conn.execute(sql.SQL("revoke all on database {} from public").format(target_id))
    rows = conn.execute(
        """select case when a.grantee = 0 then null else a.grantee::regrole::text end, a.privilege_type, a.is_grantable
           from pg_database d, aclexplode(d.datacl) a where d.datname = %s""",
        (source,),
    ).fetchall()
    for grantee, privilege, grantable in rows:
        to = sql.SQL("public") if grantee is None else sql.SQL(grantee)  # regrole text is quoted already
        conn.execute(
            sql.SQL("grant {} on database {} to {}{}").format(
                sql.SQL(privilege), target_id, to, sql.SQL(" with grant option" if grantable else "")
            )
        )


def drop_database(server_url: str, name: str) -> None:
    """Drop `name` and the Airflow metadata database a run may have made beside it."""
    with admin(server_url) as conn:
        for db in (name, f"{name}_airflow"):
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db)))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_stale_templates(server_url: str) -> list[str]:
    """Templates this host's killed sessions left behind (their process is gone)."""
    with admin(server_url) as conn:
        names = [
            r[0]
            for r in conn.execute("select datname from pg_database where starts_with(datname, %s)", (TEMPLATE_PREFIX,))
        ]
    stale = []
    for name in names:
        pid = name[len(TEMPLATE_PREFIX) :].split("_")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            drop_database(server_url, name)
            stale.append(name)
    return stale


class Databases:
    """Empty databases and warehouses on one server, for one test session (or one xdist worker)."""

    def __init__(self, server_url: str = SERVER_URL):
        self.server_url = server_url
        self.template: str | None = None
        # several at once: a drop waits for a checkpoint, and drops waiting together share the next one
        self._drops = ThreadPoolExecutor(max_workers=4, thread_name_prefix="drop-database")
        self._pending: list[tuple[str, Future]] = []

    @contextmanager
    def empty(self) -> Iterator[str]:
        """A new, empty database; dropped afterwards."""
        name = new_name()
        url = create_database(self.server_url, name)
        try:
            yield url
        finally:
            self.drop_later(name)

    @contextmanager
    def warehouse(self) -> Iterator[str]:
        """A new database as `warehouse.migrate` leaves it (cloned from the session's template)."""
        template = self.warehouse_template()
        name = new_name()
        url = create_database(self.server_url, name, template=template)
        try:
            yield url
        finally:
            self.drop_later(name)

    def warehouse_template(self) -> str:
        """The template, built on first use: a database `warehouse.migrate` set up, closed to connections
        (a connection to it, even autovacuum's, would make CREATE DATABASE … TEMPLATE fail)."""
        if self.template is None:
            from antq import warehouse

            for name in drop_stale_templates(self.server_url):
                log.warning("dropped %s, left by a test session that is gone", name)
            name = f"{TEMPLATE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:6]}"
            url = create_database(self.server_url, name)
            try:
                warehouse.migrate(url)
                with admin(self.server_url) as conn:
                    conn.execute(sql.SQL("alter database {} allow_connections false").format(sql.Identifier(name)))
            except BaseException:
                drop_database(self.server_url, name)
                raise
            self.template = name
        return self.template

    def drop_later(self, name: str) -> None:
        self._pending.append((name, self._drops.submit(drop_database, self.server_url, name)))

    def wait(self) -> None:
        """Wait for the drops asked for so far (before dropping a role their grants name, say);
        raise if a database could not be dropped."""
        pending, self._pending = self._pending, []
        failed = [f"{name}: {future.exception()}" for name, future in pending if future.exception()]
        if failed:
            raise RuntimeError("test databases left on the server:\n" + "\n".join(failed))

    def close(self) -> None:
        """Drop the template too and wait for every drop."""
        if self.template:
            self.drop_later(self.template)
            self.template = None
        try:
            self.wait()
        finally:
            self._drops.shutdown(wait=True)
