"""Shared fixtures: real PostgreSQL only (the server on 127.0.0.1:5432, or ANTQ_TEST_SERVER_URL)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from antq import config

import pg_databases
from pg_databases import SERVER_URL

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "seeds"
# Tests write files just before ingesting them: no settle watch (a real run's guard against files still
# being written, 5 s by default); tests/test_bad_input.py tests the watch with its own value.
os.environ.setdefault("ANTQ_SETTLE_SECONDS", "0")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server tests create their databases on; a clear error if it is not there."""
    try:
        with pg_databases.admin(SERVER_URL) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as err:
        pytest.fail(f"tests need a PostgreSQL server at {SERVER_URL} (set ANTQ_TEST_SERVER_URL): {err}")
    return SERVER_URL


@pytest.fixture(scope="session")
def databases(pg_server) -> Iterator[pg_databases.Databases]:
    """Makes the session's databases (tests/pg_databases.py): `.empty()`, `.warehouse()`; all dropped at the end."""
    made = pg_databases.Databases(pg_server)
    yield made
    made.close()


@pytest.fixture
def fresh_db(databases):
    """A new, empty database for one test, dropped afterwards (with the Airflow one beside it)."""
    with databases.empty() as url:
        yield url


@pytest.fixture
def warehouse_db(databases):
    """A new database with the warehouse schemas, roles' grants and dq tables (as `warehouse.migrate`
    leaves it: a clone of the session's template)."""
    with databases.warehouse() as url:
        yield url


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items):
    """A test that starts the Airflow services or a Celery worker is an integration test too."""
    for item in items:
        if item.get_closest_marker("scheduler") or item.get_closest_marker("celery"):
            item.add_marker(pytest.mark.integration)


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


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    """Both DAG files parsed as the dag-processor parses them, then serialized and read back as the
    scheduler sees them (the transform DAG renders its dbt task group from a freshly parsed manifest)."""
    tmp = tmp_path_factory.mktemp("dagbag")
    env = config.child_env("postgresql://nobody@127.0.0.1:5432/antq_parse_only", tmp)
    proc = subprocess.run(
        [config.dbt_executable(), "parse", "--project-dir", str(config.DBT_PROJECT_DIR), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    mp = pytest.MonkeyPatch()
    for key in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        mp.setenv(key, env[key])
    mp.setenv("AIRFLOW_HOME", str(tmp / "airflow"))
    mp.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    bag = DagBag(dag_folder=str(config.DAGS_DIR))
    serialized = {dag_id: DagSerialization.from_dict(DagSerialization.to_dict(d)) for dag_id, d in bag.dags.items()}
    yield bag, serialized
    mp.undo()
