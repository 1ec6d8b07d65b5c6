"""Superset settings for the antq warehouse (read through SUPERSET_CONFIG_PATH).

Everything local lives under ANTQ_SUPERSET_HOME (default .data/superset): the metadata database
(SQLite: charts, dashboards, users; never the warehouse), the secret key. The warehouse itself is a
database connection in the bundle (bi/assets/databases), logging in as the read-only role bi_reader.
"""

import os
import secrets
from pathlib import Path

_HOME = Path(os.environ.get("ANTQ_SUPERSET_HOME", Path(__file__).resolve().parents[1] / ".data" / "superset"))
_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SUPERSET_SECRET_KEY, or one made on first start and kept beside the metadata (it encrypts the
    stored connection password: a new key would make it unreadable)."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = _HOME / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URL", f"sqlite:///{_HOME / 'superset.db'}")
# SQLite metadata, one web process: no Celery, no Redis; results and thumbnails stay off
SQLALCHEMY_TRACK_MODIFICATIONS = False
DATA_DIR = str(_HOME)
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": False,
    "THUMBNAILS": False,
    "ALERT_REPORTS": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
    # every chart of a dashboard renders at once, not when scrolled to (the browser test waits for all)
    "DASHBOARD_VIRTUALIZATION": False,
}
# never fetched at run time: nothing may download
MAPBOX_API_KEY = ""
# served on localhost only (`make dashboard`, the tests); compose puts it behind its own port
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True
# a chart shows the warehouse as it is now: no cached answers between two nights
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
# the warehouse's grants decide what may be read (bi_reader: marts and dq); SQL Lab answers
# synchronously, there is no worker
SQLLAB_ASYNC_TIME_LIMIT_SEC = 60
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 120
LOG_LEVEL = os.environ.get("SUPERSET_LOG_LEVEL", "WARNING")
