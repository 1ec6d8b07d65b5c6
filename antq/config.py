"""Configuration from the environment, in one place.

WAREHOUSE_URL   the PostgreSQL warehouse (default: an embedded PostgreSQL under .data/pg)
REPORTS_DIR     the landing folder the ingestion DAG reads (default: seeds/, the sample reports)
ANTQ_DATA_DIR   where local state lives: embedded PostgreSQL, Airflow home, GX context (default: .data/)
ANTQ_QUARANTINE_DIR   copies of rejected files, each with a REASON.txt (default: <data dir>/quarantine)
ANTQ_SETTLE_SECONDS   a file changed less than this long ago is watched that long; if it changes, it is
                      still being written and waits for the next run (default: 5)
ANTQ_MAX_FILE_BYTES   larger files are rejected, their bytes kept in the quarantine folder (default: 20 MB)
ANTQ_EXTRACT_SECONDS  a report whose extraction takes longer is rejected and the batch goes on (default: 60)
ANTQ_EXTRACT_WORKERS  processes extracting reports (default: one per available core when a run has
                      POOL_MIN_REPORTS or more, else 1; 1 = in the ingesting process itself)
ANTQ_DBT_EXECUTABLE   the dbt command (default: the dbt beside this Python)

Also the facts every part shares: the local time zone, where the commands of this environment are,
the environment of a child process (dbt, Airflow, GX, a bench step), and the URL helpers.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DAGS_DIR = PROJECT_ROOT / "dags"
WAREHOUSE_DB = "antq"  # database name used on the embedded server
AIRFLOW_DB = "airflow"  # Airflow metadata lives beside the warehouse, in its own database

# The reports' time zone: the nightly schedule, a run's days and the received dates are local days.
LOCAL_TZ_NAME = "Asia/Ho_Chi_Minh"
LOCAL_TZ = ZoneInfo(LOCAL_TZ_NAME)


def data_dir() -> Path:
    return Path(os.environ.get("ANTQ_DATA_DIR", PROJECT_ROOT / ".data")).resolve()


def reports_dir() -> Path:
    return Path(os.environ.get("REPORTS_DIR", PROJECT_ROOT / "seeds")).resolve()


def quarantine_dir() -> Path:
    return Path(os.environ.get("ANTQ_QUARANTINE_DIR", data_dir() / "quarantine")).resolve()


def settle_seconds() -> float:
    return float(os.environ.get("ANTQ_SETTLE_SECONDS", "5"))


def max_file_bytes() -> int:
    return int(os.environ.get("ANTQ_MAX_FILE_BYTES", str(20 * 1024 * 1024)))


def extract_seconds() -> float:
    """The time budget of one report's extraction (a real one takes milliseconds)."""
    return float(os.environ.get("ANTQ_EXTRACT_SECONDS", "60"))


POOL_MIN_REPORTS = 2000  # below this a run extracts in process: starting the workers (~0.6 s of CPU each)
# costs about what they save


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def extract_workers(n_reports: int | None = None) -> int:
    """Processes extracting the reports of a run of n_reports: ANTQ_EXTRACT_WORKERS if set, else one
    per available core, or 1 (in process) for a run too small to be worth starting workers."""
    if os.environ.get("ANTQ_EXTRACT_WORKERS"):
        return max(1, int(os.environ["ANTQ_EXTRACT_WORKERS"]))
    if n_reports is not None and n_reports < POOL_MIN_REPORTS:
        return 1
    return available_cores()


def gx_context_dir() -> Path:
    return Path(os.environ.get("ANTQ_GX_DIR", data_dir() / "gx")).resolve()


def embedded_pg_dir() -> Path:
    """The embedded PostgreSQL's data folder (when no WAREHOUSE_URL is given)."""
    return data_dir() / "pg"


def gx_data_docs_index() -> Path:
    """The Data Docs' front page: GX's file context keeps its config and site in <root>/gx/."""
    return gx_context_dir() / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def dbt_target_dir(data: Path | None = None) -> Path:
    """dbt's target folder (manifest, `dbt docs generate`'s index.html), per data dir."""
    return Path(data or data_dir()) / "dbt" / "target"


def dbt_log_dir(data: Path | None = None) -> Path:
    return Path(data or data_dir()) / "dbt" / "logs"


def dbt_docs_index() -> Path:
    """dbt's docs page for `dbt docs serve`: it fetches manifest.json and catalog.json beside it."""
    return dbt_target_dir() / "index.html"


def dbt_static_docs() -> Path:
    """`dbt docs generate --static`'s page: the manifest and catalog inside, so it opens as a file."""
    return dbt_target_dir() / "static_index.html"


_log_dirs: dict[Path, Path] = {}


def log_dir() -> Path:
    """This process's log folder in the data folder: .data/logs/<started>-<pid>/ (two runs never
    write one log)."""
    base = data_dir()
    if base not in _log_dirs:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        _log_dirs[base] = base / "logs" / f"{stamp}-{os.getpid()}"
    path = _log_dirs[base]
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_file(step: str) -> Path:
    """Where `antq run` keeps the output of one of its steps ("dag antq_ingest" -> dag-antq_ingest.log),
    in this run's own log folder."""
    return log_dir() / log_name(step)


def log_name(step: str) -> str:
    """A step's log file name: "dag antq_ingest" -> dag-antq_ingest.log."""
    return f"{step.replace(' ', '-')}.log"


def shown(path: str | Path) -> str:
    """A path as the product prints it: relative to the current folder when it is inside it (so it
    opens from where the command ran), else absolute."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def antq_command() -> str:
    """How to call antq from where the user is: the clone's bin/antq (it brings the project's env)."""
    return shown(PROJECT_ROOT / "bin" / "antq")


def warehouse_url() -> str:
    url = os.environ.get("WAREHOUSE_URL")
    if not url:
        raise RuntimeError(
            "WAREHOUSE_URL is not set. `antq run` sets it (embedded PostgreSQL by default); "
            "to use your own server: export WAREHOUSE_URL=postgresql://user@host:5432/db"
        )
    return url


class WarehouseUrlError(ValueError):
    """Not a PostgreSQL URL."""


_POSTGRES_SCHEMES = ("postgres", "postgresql")


def _split_scheme(url: str) -> tuple[str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise WarehouseUrlError("warehouse URL must look like postgresql://user@host/db")
    if scheme.lower().split("+", 1)[0] not in _POSTGRES_SCHEMES:
        raise WarehouseUrlError(f"warehouse URL must be a PostgreSQL URL, not {scheme}://")
    return scheme, rest


def _normalise_rest(rest: str) -> str:
    """The part after `scheme://`, made to mean the same to libpq, SQLAlchemy and GX:

    - a percent-encoded socket directory as host (`u@%2Fvar%2Frun%2Fpostgresql/db`, which libpq
      takes but SQLAlchemy 2.0 does not decode) becomes `u@/db?host=/var/run/postgresql`;
    - `$` in the user info becomes %24, so GX's `${VAR}` substitution cannot touch a password.
    """
    m = re.match(r"^([^/?#]*)(.*)$", rest, re.DOTALL)
    netloc, tail = m.group(1), m.group(2)
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.lower().startswith("%2f"):
        socket_dir = unquote(hostport)
        port = None
        pm = re.match(r"^(.*?):(\d+)$", socket_dir)
        if pm:
            socket_dir, port = pm.group(1), pm.group(2)
        path, _, query = tail.partition("?")
        extra = [f"host={socket_dir}"] + ([f"port={port}"] if port else [])
        tail = path + "?" + "&".join(([query] if query else []) + extra)
        hostport = ""
    userinfo = userinfo.replace("$", "%24")
    return f"{userinfo}{at}{hostport}{tail}"


def libpq_url(url: str) -> str:
    """The URL in the form libpq / psycopg.connect() takes: postgresql://, any SQLAlchemy driver
    suffix dropped. Raises WarehouseUrlError for what is not a PostgreSQL URL."""
    _, rest = _split_scheme(url.strip())
    return "postgresql://" + _normalise_rest(rest)


def sqlalchemy_url(url: str) -> str:
    """The same server for SQLAlchemy, GX and Airflow, always through psycopg 3: postgres://,
    postgresql://, postgresql+<driver>:// -> postgresql+psycopg://. The rest is kept, so
    `postgresql://u@/db?host=/var/run/postgresql` (unix socket, no host) keeps its socket."""
    _, rest = _split_scheme(url.strip())
    return "postgresql+psycopg://" + _normalise_rest(rest)


def without_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password decoded, or None when it has none)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}")), unquote(parts.password)


def redact_url(url: str) -> str:
    """The URL without its password, for logs and summaries (user:***@host)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{host}"))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def url_parts(url: str) -> dict:
    """host/port/user/password/dbname of a URL, unix-socket form (?host=/dir) included."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    return {
        "host": host,
        "port": str(query.get("port", [parts.port or 5432])[0]),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": parts.path.lstrip("/") or "postgres",
    }


def dbt_env(url: str, data: Path | None = None) -> dict[str, str]:
    """Environment for dbt_project/profiles.yml (dbt-postgres takes parts, not a URL); dbt's target
    and logs in the data folder `data` (default: this process's)."""
    p = url_parts(url)
    return {
        "ANTQ_PG_HOST": p["host"],
        "ANTQ_PG_PORT": p["port"],
        "ANTQ_PG_USER": os.environ.get("ANTQ_TRANSFORMER_USER", p["user"]),
        "ANTQ_PG_PASSWORD": os.environ.get("ANTQ_TRANSFORMER_PASSWORD", p["password"]),
        "ANTQ_PG_DBNAME": p["dbname"],
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        # per data dir, so a test run and `make run` never share dbt's manifest or logs
        "DBT_TARGET_PATH": str(dbt_target_dir(data)),
        "DBT_LOG_PATH": str(dbt_log_dir(data)),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        # `dbt build -s model` must not pull in a test whose other parent is not built yet
        "DBT_INDIRECT_SELECTION": "buildable",
        # a night reads a few rows of big tables, but their size makes PostgreSQL's estimates turn
        # JIT compilation on: ~1 s per statement, more than the statement itself
        "PGOPTIONS": (os.environ.get("PGOPTIONS", "") + " -c jit=off").strip(),
    }


def child_env(url: str, data: Path | None = None) -> dict[str, str]:
    """The environment of a child process that works on the warehouse `url` (dbt, GX, an Airflow
    command, a bench step): this process's, the warehouse, the data folder `data` (default: this
    process's) with dbt's target and logs in it, and no telemetry."""
    data = Path(data).resolve() if data else data_dir()
    return {
        **os.environ,
        "WAREHOUSE_URL": url,
        "ANTQ_DATA_DIR": str(data),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "GX_ANALYTICS_ENABLED": "False",
        "DO_NOT_TRACK": "1",
        **dbt_env(url, data),
    }


def executable(name: str) -> str:
    """A command of this Python environment (airflow, dbt): the one beside the interpreter."""
    return str(Path(sys.executable).with_name(name))


def dbt_executable() -> str:
    """The dbt command: ANTQ_DBT_EXECUTABLE, else the dbt of this environment."""
    return os.environ.get("ANTQ_DBT_EXECUTABLE") or executable("dbt")
