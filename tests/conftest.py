"""Shared fixtures: real PostgreSQL only (the server on 127.0.0.1:5432, or ANTQ_TEST_SERVER_URL)."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from antq import config

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "seeds"
SERVER_URL = os.environ.get("ANTQ_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Tests write files just before ingesting them: no settle watch (a real run's guard against files still
# being written, 5 s by default); tests/test_bad_input.py tests the watch with its own value.
os.environ.setdefault("ANTQ_SETTLE_SECONDS", "0")


def _admin():
    return psycopg.connect(config.with_database(SERVER_URL, "postgres"), autocommit=True)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server tests create their databases on; a clear error if it is not there."""
    try:
        with _admin() as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as err:
        pytest.fail(f"tests need a PostgreSQL server at {SERVER_URL} (set ANTQ_TEST_SERVER_URL): {err}")
    return SERVER_URL


@contextmanager
def new_database(server_url: str):
    """A new, empty database on the server; dropped afterwards with the Airflow one beside it."""
    name = f"antq_test_{uuid.uuid4().hex[:10]}"
    with _admin() as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield config.with_database(server_url, name)
    finally:
        with _admin() as conn:
            for db in (name, f"{name}_airflow"):
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db)))


@pytest.fixture
def fresh_db(pg_server):
    """A new, empty database for one test, dropped afterwards."""
    with new_database(pg_server) as url:
        yield url


@pytest.fixture
def warehouse_db(fresh_db):
    """A fresh database with the warehouse schemas applied."""
    from antq import warehouse

    warehouse.migrate(fresh_db)
    return fresh_db


def pytest_terminal_summary(terminalreporter):
    """Where the browser tests left their screenshots (tests/offline_browser.py)."""
    from offline_browser import SCREENSHOTS

    if SCREENSHOTS:
        terminalreporter.write_sep("-", "screenshots of the pages, as headless Chromium showed them offline")
        for path in SCREENSHOTS:
            terminalreporter.write_line(str(path))


@pytest.fixture
def landing(tmp_path):
    """A landing folder holding a copy of the five sample reports."""
    import shutil

    folder = tmp_path / "landing"
    shutil.copytree(SEEDS_DIR, folder)
    return folder


@pytest.fixture
def quarantine(tmp_path, monkeypatch):
    """Rejected files go to the test's own quarantine folder (use with pytestmark usefixtures)."""
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    return tmp_path / "quarantine"
