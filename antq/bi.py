"""Apache Superset on the warehouse: `antq dashboard` and the BI tests.

Superset 6.1 pins SQLAlchemy < 2 and Airflow needs 2.x, so Superset lives in its own environment
(bi/.venv, from bi/uv.lock) and this module only drives it as subprocesses:

- `bi/superset_setup.py` migrates Superset's metadata (SQLite under .data/superset), creates the
  admin and imports the dashboards as code (bi/assets, Superset's YAML export format);
- gunicorn serves Superset on 127.0.0.1.

Superset reads the warehouse as bi_reader (SELECT on marts and dq only, antq.roles): the
warehouse's grants, not Superset's settings, decide what a chart or SQL Lab can read.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

from antq import config, roles

BI_DIR = config.PROJECT_ROOT / "bi"
ASSETS_DIR = BI_DIR / "assets"
DEFAULT_PORT = 8088
ADMIN_USER = "admin"


def bi_python() -> Path:
    python = BI_DIR / ".venv" / "bin" / "python"
    if not python.exists():
        raise RuntimeError(
            f"Superset's environment is missing ({python}): run `make dashboard` (or `cd bi && uv sync --frozen`)"
        )
    return python


def superset_home() -> Path:
    return Path(os.environ.get("ANTQ_SUPERSET_HOME", config.data_dir() / "superset")).resolve()


def bi_reader_uri(warehouse_url: str, password: str | None = None, user: str = roles.BI_READER) -> str:
    """The warehouse as Superset reaches it: the same server and database as `warehouse_url`, logged
    in as bi_reader (password from ANTQ_BI_READER_PASSWORD unless given), through psycopg2."""
    parts = config.url_parts(warehouse_url)
    password = os.environ.get("ANTQ_BI_READER_PASSWORD") if password is None else password
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    if parts["host"].startswith("/"):  # a unix socket directory (the embedded server)
        query = urlencode({"host": parts["host"], "port": parts["port"]})
        return f"postgresql+psycopg2://{auth}@/{quote(parts['dbname'])}?{query}"
    return f"postgresql+psycopg2://{auth}@{parts['host']}:{parts['port']}/{quote(parts['dbname'])}"


def admin_password(home: Path) -> str:
    """ANTQ_SUPERSET_ADMIN_PASSWORD, or one made on the first run and kept in <home>/admin_password
    (only the owner may read it): a local Superset never has a password written in the repo."""
    if os.environ.get("ANTQ_SUPERSET_ADMIN_PASSWORD"):
        return os.environ["ANTQ_SUPERSET_ADMIN_PASSWORD"]
    path = home / "admin_password"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(12))
    return path.read_text().strip()


def superset_env(home: Path, warehouse_uri: str | None = None, password: str | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "ANTQ_SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(BI_DIR / "superset_config.py"),
        "FLASK_APP": "superset.app:create_app()",
        "ANTQ_SUPERSET_ADMIN_USER": ADMIN_USER,
        "ANTQ_SUPERSET_ADMIN_PASSWORD": password or admin_password(home),
        "PYTHONPATH": str(BI_DIR),
        # nothing is fetched at run time, nothing is reported anywhere
        "SCARF_ANALYTICS": "false",
    }
    # Airflow's environment must not leak into Superset's (another SQLAlchemy, another app)
    for var in ("VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(var, None)
    if warehouse_uri:
        env["ANTQ_BI_WAREHOUSE_URI"] = warehouse_uri
    return env


def setup(home: Path, warehouse_uri: str, assets: Path = ASSETS_DIR, log_path: Path | None = None) -> str:
    """Migrate Superset's metadata, create the admin, import `assets`; returns the setup's output."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**superset_env(home, warehouse_uri), "ANTQ_BI_ASSETS": str(assets)}
    proc = subprocess.run(
        [str(bi_python()), str(BI_DIR / "superset_setup.py")],
        env=env,
        cwd=BI_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    log_path = log_path or home / "setup.log"
    log_path.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"Superset setup failed (log: {log_path}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SupersetServer:
    """Superset's web server (gunicorn, one worker with threads) on 127.0.0.1:port."""

    def __init__(self, home: Path, port: int = DEFAULT_PORT):
        self.home, self.port = home, port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = home / "webserver.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> SupersetServer:
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is taken: set ANTQ_SUPERSET_PORT to another one")
        gunicorn = bi_python().with_name("gunicorn")
        cmd = [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
            "--limit-request-line",
            "0",
            "--limit-request-field_size",
            "0",
            "superset.app:create_app()",
        ]
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            cmd, env=superset_env(self.home), cwd=BI_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"Superset stopped while starting (log: {self.log_path}):\n" + self.log_path.read_text()[-3000:]
                )
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Superset did not answer on {self.url}/health within {timeout:.0f}s (log: {self.log_path})")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def dashboard(port: int | None = None, serve: bool = True) -> int:
    """`antq dashboard`: the warehouse `antq run` filled (embedded, or WAREHOUSE_URL), Superset on it
    with the dashboards imported, served on localhost until Ctrl-C."""
    from antq import runner

    port = port or int(os.environ.get("ANTQ_SUPERSET_PORT", DEFAULT_PORT))
    stack = runner.Stack()  # starts the embedded warehouse for as long as this process runs
    where = "embedded PostgreSQL (.data/pg)" if stack.embedded else "WAREHOUSE_URL"
    home = superset_home()
    print(f"antq dashboard: warehouse on {where}; Superset metadata in {home}", flush=True)
    started = time.monotonic()
    out = setup(home, bi_reader_uri(stack.warehouse_url))
    for line in out.splitlines():
        print("  " + line)
    if not serve:
        return 0
    server = SupersetServer(home, port).start()
    print(f"  Superset up in {time.monotonic() - started:.0f}s (log: {server.log_path})\n")
    print(f"Superset     {server.url}/dashboard/list/")
    print(f"main         {server.url}/superset/dashboard/antq-movement/")
    password_from = (
        "ANTQ_SUPERSET_ADMIN_PASSWORD" if os.environ.get("ANTQ_SUPERSET_ADMIN_PASSWORD") else home / "admin_password"
    )
    print(f"login        {ADMIN_USER} / {admin_password(home)}   (kept in {password_from})")
    print("Ctrl-C stops Superset" + (" and the embedded warehouse" if stack.embedded else ""), flush=True)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops it as cleanly as Ctrl-C
    try:
        while server.proc and server.proc.poll() is None:
            time.sleep(1)
        print(f"Superset stopped (log: {server.log_path})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


class SupersetAPI:
    """Superset's REST API as the admin (JWT for reads, plus the CSRF token its POSTs need)."""

    def __init__(self, url: str, user: str, password: str):
        import requests

        self.url = url.rstrip("/")
        self.session = requests.Session()
        resp = self.session.post(
            self.url + "/api/v1/security/login",
            timeout=60,
            json={"username": user, "password": password, "provider": "db", "refresh": True},
        )
        resp.raise_for_status()
        self.session.headers["Authorization"] = "Bearer " + resp.json()["access_token"]
        csrf = self.session.get(self.url + "/api/v1/security/csrf_token/", timeout=60)
        csrf.raise_for_status()
        self.session.headers["X-CSRFToken"] = csrf.json()["result"]
        self.session.headers["Referer"] = self.url

    def get(self, path: str, **params):
        resp = self.session.get(self.url + path, params=params, timeout=120)
        resp.raise_for_status()
        return resp.json()

    def post(self, path: str, body: dict):
        """The response, whatever its status (SQL Lab answers a refused query with 400 and a message)."""
        return self.session.post(self.url + path, json=body, timeout=120)

    def listing(self, kind: str) -> list[dict]:
        return self.get(f"/api/v1/{kind}/", q="(page_size:100)")["result"]
