"""Least-privilege PostgreSQL roles for the warehouse.

Three LOGIN roles, created by the project's setup (`warehouse.migrate`, so `antq run` and
`antq migrate`):

    antq_loader       writes raw and staging (the ingestion DAG's job): USAGE on both schemas,
                      SELECT/INSERT/UPDATE/DELETE on their tables, their sequences
    antq_transformer  dbt: reads raw and staging; USAGE, CREATE and everything on the tables
                      of marts_build (where dbt builds the marts), marts, transform (dbt's
                      workspace: seeds, staging views) and dq; may publish the marts
                      (EXECUTE on transform.publish_marts, antq/publish.py)
    bi_reader         reads marts and dq, nothing else, and writes nowhere

bi_reader has no USAGE on marts_build: a build BI may not see yet is unreadable to it. It holds
SELECT on the tables there (default privileges), so that a build is readable the moment the
publication renames marts_build to marts: grants on a table travel with it, grants on a schema stay
with its name (transform.publish_marts puts them back).

Passwords come from the environment only (ANTQ_LOADER_PASSWORD, ANTQ_TRANSFORMER_PASSWORD,
ANTQ_BI_READER_PASSWORD). They are hashed (SCRAM) by libpq on this side before they are sent,
so no plain password reaches the server's log. A role whose variable is unset is created (or
kept) without a password, and a log line says so: that is fine with trust or peer auth (the
embedded server, the local test server), and such a role cannot log in over password auth.

Roles are cluster-wide, grants are per database. Creating the roles is idempotent and safe when
several databases on one server set up at the same time (a concurrent CREATE ROLE is caught).
A WAREHOUSE_URL user without CREATEROLE gets a clear warning and the run goes on; grants are
still made to the roles that exist.

Default privileges keep tables created later readable: FOR ROLE the WAREHOUSE_URL user (dbt
connects as that user today and rebuilds the marts each run) and FOR ROLE antq_transformer
(when dbt is switched to it with ANTQ_TRANSFORMER_USER).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import psycopg
from psycopg import errors, sql

from antq import config

log = logging.getLogger(__name__)

LOADER = "antq_loader"
TRANSFORMER = "antq_transformer"
BI_READER = "bi_reader"

LOADER_SCHEMAS = ("raw", "staging")
TRANSFORMER_READS = ("raw", "staging")
TRANSFORMER_WRITES = ("marts_build", "marts", "transform", "dq")
READER_SCHEMAS = ("marts", "dq")  # USAGE: what bi_reader can see
READER_TABLES = ("marts", "marts_build", "dq")  # SELECT on the tables: a build is readable once published
WAREHOUSE_SCHEMAS = ("raw", "staging", "transform", "marts_build", "marts", "dq")
PUBLISH_FUNCTION = "transform.publish_marts(text)"


@dataclass(frozen=True)
class RoleNames:
    """The three role names (tests use their own, so they can drop them afterwards)."""

    loader: str = LOADER
    transformer: str = TRANSFORMER
    bi_reader: str = BI_READER

    def password_vars(self) -> dict[str, str]:
        return {
            self.loader: "ANTQ_LOADER_PASSWORD",
            self.transformer: "ANTQ_TRANSFORMER_PASSWORD",
            self.bi_reader: "ANTQ_BI_READER_PASSWORD",
        }


DEFAULT_ROLES = RoleNames()


@dataclass
class RolesReport:
    """What apply_roles did, for logs and the run summary."""

    database: str
    owner: str = ""
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    passwords_set: list[str] = field(default_factory=list)
    without_password: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # could not be created: no grants for them
    granted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.warnings

    def warn(self, msg: str) -> None:
        """Log a warning and keep it for the run summary."""
        log.warning(msg)
        self.warnings.append(msg)

    def line(self) -> str:
        parts = [f"{', '.join(self.granted) or 'none'} granted on {self.database}"]
        if self.created:
            parts.append(f"created {', '.join(self.created)}")
        if self.passwords_set:
            parts.append(f"passwords from env for {', '.join(self.passwords_set)}")
        if self.without_password:
            parts.append(f"no password set for {', '.join(self.without_password)}")
        if self.missing:
            parts.append(f"MISSING {', '.join(self.missing)}")
        return "; ".join(parts)


# --------------------------------------------------------------------------- roles (cluster-wide)


def _role_row(conn: psycopg.Connection, name: str):
    return conn.execute(
        "select rolcanlogin, rolsuper, rolbypassrls from pg_roles where rolname = %s", (name,)
    ).fetchone()


def _retry_concurrent(fn, attempts: int = 5):
    """ALTER ROLE on a role another session alters at the same moment can fail with
    'tuple concurrently updated' (XX000): try again after a short pause."""
    for i in range(attempts):
        try:
            return fn()
        except errors.InternalError_ as err:
            if "concurrently" not in str(err) or i == attempts - 1:
                raise
            time.sleep(0.05 * (i + 1))


def ensure_role(conn: psycopg.Connection, name: str, password: str | None, report: RolesReport) -> bool:
    """Create LOGIN role `name` if missing, set its password if one is given. `conn` must be in
    autocommit mode. Returns whether the role exists afterwards."""
    password_sql = sql.SQL("")
    if password:
        hashed = conn.pgconn.encrypt_password(password.encode(), name.encode()).decode()
        password_sql = sql.SQL(" PASSWORD {}").format(sql.Literal(hashed))
    row = _role_row(conn, name)
    if row is None:
        try:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION{}").format(
                    sql.Identifier(name), password_sql
                )
            )
            report.created.append(name)
            log.info("created role %s", name)
            if password:
                report.passwords_set.append(name)
            return True
        except (errors.DuplicateObject, errors.UniqueViolation):
            # another database's setup on this server created it a moment ago
            log.info("role %s was created concurrently by another setup", name)
            row = _role_row(conn, name)
            if row is None:  # and dropped again already: nothing sensible to grant to
                msg = f"role {name} was created and dropped by another session during setup"
                report.warn(msg)
                report.missing.append(name)
                return False
        except errors.InsufficientPrivilege as err:
            msg = (
                f"cannot create role {name}: the warehouse user lacks CREATEROLE ({err.diag.message_primary}); "
                f"the run goes on without it. An administrator can create it with: "
                f"CREATE ROLE {name} LOGIN PASSWORD '...'; then run `antq migrate` again for the grants"
            )
            report.warn(msg)
            report.missing.append(name)
            return False
    report.existing.append(name)
    can_login, is_super, bypass_rls = row
    if is_super or bypass_rls:
        msg = f"role {name} exists as SUPERUSER or BYPASSRLS: its privileges are not limited by these grants"
        report.warn(msg)
    changes = [sql.SQL(" LOGIN")] if not can_login else []
    if password:
        changes.append(password_sql)
    if changes:
        changes = sql.Composed(changes)
        try:
            _retry_concurrent(lambda: conn.execute(sql.SQL("ALTER ROLE {}{}").format(sql.Identifier(name), changes)))
            if password:
                report.passwords_set.append(name)
        except errors.InsufficientPrivilege as err:
            msg = f"cannot alter role {name} (LOGIN/PASSWORD): {err.diag.message_primary}"
            report.warn(msg)
    return True


def ensure_roles(
    conn: psycopg.Connection,
    report: RolesReport,
    names: RoleNames = DEFAULT_ROLES,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """Create (or keep) the three LOGIN roles; returns those that exist."""
    env = os.environ if env is None else env
    present = []
    for name, var in names.password_vars().items():
        password = env.get(var) or None
        if password is None:
            log.info(
                "%s is not set: role %s is created/kept without a password set by antq "
                "(fine with trust or peer auth; it cannot log in with a password)",
                var,
                name,
            )
        if ensure_role(conn, name, password, report):
            present.append(name)
            if password is None:
                report.without_password.append(name)
    return present


# --------------------------------------------------------------------------- grants (per database)


def _idents(names) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def grant_statements(database: str, owners: list[str], names: RoleNames, present: set[str]) -> list[sql.Composed]:
    """GRANT / REVOKE / ALTER DEFAULT PRIVILEGES for one database, for the roles in `present`.
    `owners` are the roles whose future tables the defaults cover (the warehouse user)."""
    S = sql.SQL
    stmts: list[sql.Composed] = [
        # dbt's workspace; dbt would create it too ("create schema if not exists")
        S("CREATE SCHEMA IF NOT EXISTS transform"),
        # nothing in the warehouse is open to every role by default
        S("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(_idents(WAREHOUSE_SCHEMAS)),
    ]

    # per role: its privileges on the database, on schemas, on ALL TABLES / SEQUENCES of schemas (these
    # also by default privileges, for the ones the owners create later), and the functions it may execute
    privileges = [
        (
            names.loader,
            "CONNECT, TEMPORARY",
            [("USAGE", LOADER_SCHEMAS)],
            [
                ("SELECT, INSERT, UPDATE, DELETE", "TABLES", LOADER_SCHEMAS),
                ("USAGE, SELECT, UPDATE", "SEQUENCES", LOADER_SCHEMAS),
            ],
            [],
        ),
        (
            names.transformer,
            "CONNECT, TEMPORARY",  # TEMPORARY: dbt's incremental models stage their new rows in temp tables
            [("USAGE", TRANSFORMER_READS), ("USAGE, CREATE", TRANSFORMER_WRITES)],
            [
                ("SELECT", "TABLES", TRANSFORMER_READS),
                ("ALL", "TABLES", TRANSFORMER_WRITES),
                ("ALL", "SEQUENCES", TRANSFORMER_WRITES),
            ],
            [PUBLISH_FUNCTION],  # dbt's on-run-end hook publishes a complete build (antq/publish.py)
        ),
        (names.bi_reader, "CONNECT", [("USAGE", READER_SCHEMAS)], [("SELECT", "TABLES", READER_TABLES)], []),
    ]
    for role, on_database, on_schemas, on_all, functions in privileges:
        if role not in present:
            continue
        r = sql.Identifier(role)
        stmts.append(S("GRANT " + on_database + " ON DATABASE {} TO {}").format(sql.Identifier(database), r))
        for what, schemas in on_schemas:
            stmts.append(S("GRANT " + what + " ON SCHEMA {} TO {}").format(_idents(schemas), r))
        for what, on, schemas in on_all:
            stmts.append(S("GRANT " + what + " ON ALL " + on + " IN SCHEMA {} TO {}").format(_idents(schemas), r))
            stmts += [
                S("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT " + what + " ON " + on + " TO {}").format(
                    sql.Identifier(owner), _idents(schemas), r
                )
                for owner in owners
            ]
        stmts += [S("GRANT EXECUTE ON FUNCTION " + function + " TO {}").format(r) for function in functions]
    return stmts


def _transformer_defaults(names: RoleNames) -> list[sql.Composed]:
    """Tables the transformer itself creates (dbt run as antq_transformer) stay readable by
    bi_reader. Needs membership in antq_transformer (a superuser has it, a plain owner may not):
    tried on its own, and a warning when refused."""
    return [
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
            sql.Identifier(names.transformer), _idents(READER_TABLES), sql.Identifier(names.bi_reader)
        )
    ]


def grant(conn: psycopg.Connection, report: RolesReport, names: RoleNames, present: list[str]) -> None:
    """Apply the per-database grants in one transaction (`conn` not in autocommit)."""
    owner = conn.execute("select current_user").fetchone()[0]
    report.owner = owner
    present_set = set(present)
    try:
        with conn.transaction():
            # concurrent setups of the same database must not race on the same ACLs
            conn.execute("select pg_advisory_xact_lock(hashtext('antq-roles'))")
            for stmt in grant_statements(report.database, [owner], names, present_set):
                conn.execute(stmt)
            if names.transformer in present_set and names.bi_reader in present_set:
                for stmt in _transformer_defaults(names):
                    try:
                        with conn.transaction():
                            conn.execute(stmt)
                    except errors.InsufficientPrivilege as err:
                        msg = (
                            f"tables {names.transformer} creates will not be readable by "
                            f"{names.bi_reader} by default: {err.diag.message_primary}"
                        )
                        report.warn(msg)
    except errors.InsufficientPrivilege as err:
        msg = (
            f"grants for {', '.join(present) or 'no role'} not applied on {report.database}: "
            f"{err.diag.message_primary} (the warehouse user must own the warehouse schemas)"
        )
        report.warn(msg)
        return
    report.granted = [n for n in (names.loader, names.transformer, names.bi_reader) if n in present_set]


def apply_roles(url: str, *, names: RoleNames = DEFAULT_ROLES, env: Mapping[str, str] | None = None) -> RolesReport:
    """Create the roles (cluster-wide, idempotent) and grant them their schemas in the database
    `url` names. Never fails for lack of CREATEROLE: that is a warning in the report and the log."""
    url = config.libpq_url(url)
    report = RolesReport(database=config.url_parts(url)["dbname"])
    with psycopg.connect(url, autocommit=True) as conn:
        present = ensure_roles(conn, report, names, env)
    with psycopg.connect(url) as conn:
        grant(conn, report, names, present)
    log.info("roles: %s", report.line())
    return report
