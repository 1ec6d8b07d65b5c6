"""docker-compose.yml cannot start here (no Docker engine): check what it would start."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"}


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_are_postgres_airflow_and_a_one_shot_init():
    services = _compose()["services"]
    assert {"postgres", "airflow-init"} | AIRFLOW_SERVICES <= set(services)
    assert services["airflow-init"]["restart"] == "no"
    assert services["postgres"]["image"].startswith("postgres:")


def test_every_airflow_service_runs_the_same_image_pinned_to_airflow_3_3_0():
    services = _compose()["services"]
    images = {services[name]["image"] for name in AIRFLOW_SERVICES | {"airflow-init"}}
    assert images == {"antq-warehouse-airflow:3.3.0"}
    assert "FROM apache/airflow:3.3.0-python3.11" in (ROOT / "Dockerfile").read_text()


def test_long_running_services_have_health_checks_and_wait_for_init():
    services = _compose()["services"]
    for name in AIRFLOW_SERVICES | {"postgres"}:
        assert services[name]["healthcheck"]["test"], name
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    commands = {services[n]["command"] for n in AIRFLOW_SERVICES}
    assert commands == {"api-server", "scheduler", "dag-processor", "triggerer"}


def test_no_secret_is_written_in_the_compose_file():
    env = _compose()["services"]["airflow-scheduler"]["environment"]
    assert "${AIRFLOW_JWT_SECRET" in env["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert "${WAREHOUSE_DB_PASSWORD" in env["WAREHOUSE_URL"]
    assert ".env" in (ROOT / ".gitignore").read_text().split()


# --- scale-out (profile celery) and BI (profile bi) --------------------------------------------------

CELERY_SERVICES = {"redis", "airflow-worker", "flower"}
BI_SERVICES = {"metabase", "metabase-init"}


def test_celery_profile_adds_redis_workers_and_flower():
    services = _compose()["services"]
    for name in CELERY_SERVICES:
        assert services[name]["profiles"] == ["celery"], name
        assert services[name]["healthcheck"]["test"], name
    assert services["redis"]["image"].startswith("redis:")
    assert services["airflow-worker"]["command"] == "celery worker"
    assert services["flower"]["command"] == "celery flower" and services["flower"]["ports"] == ["5555:5555"]
    for name in ("airflow-worker", "flower"):  # the same image and settings as the scheduler
        assert services[name]["image"] == "antq-warehouse-airflow:3.3.0"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    # without the profile, nothing depends on Redis: `docker compose up` still works on one machine
    for name, svc in services.items():
        if "profiles" not in svc:
            assert "redis" not in (svc.get("depends_on") or {}), name


def test_executor_is_local_by_default_and_celery_on_redis_and_postgres_when_chosen():
    services = _compose()["services"]
    for name in AIRFLOW_SERVICES | {"airflow-worker", "flower"}:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
        backend = env["AIRFLOW__CELERY__RESULT_BACKEND"]
        assert backend.startswith("db+postgresql+psycopg://airflow:${AIRFLOW_DB_PASSWORD}@postgres:5432/")
    assert services["airflow-worker"]["environment"]["DUMB_INIT_SETSID"] == "0"
    text = (ROOT / "docker-compose.yml").read_text()
    assert "AIRFLOW_EXECUTOR=CeleryExecutor" in text and "COMPOSE_PROFILES" in text  # how to switch, in the file


def test_metabase_reads_the_warehouse_as_the_read_only_bi_reader():
    services = _compose()["services"]
    for name in BI_SERVICES:
        assert services[name]["profiles"] == ["bi"], name
    assert services["metabase"]["image"].startswith("metabase/metabase:v")  # pinned, not :latest
    assert services["metabase"]["healthcheck"]["test"]
    init = services["metabase-init"]
    env = init["environment"]
    assert env["BI_READER_USER"] == "bi_reader" and env["WAREHOUSE_DB"] == "antq"
    assert env["BI_READER_PASSWORD"].startswith("${ANTQ_BI_READER_PASSWORD")
    assert env["MB_ADMIN_PASSWORD"].startswith("${METABASE_ADMIN_PASSWORD")
    assert init["restart"] == "no" and init["depends_on"]["metabase"]["condition"] == "service_healthy"
    script = init["volumes"][0].split(":")[0]
    assert (ROOT / script).is_file()
    # airflow-init (antq migrate) gets the password it gives bi_reader
    assert services["airflow-init"]["environment"]["ANTQ_BI_READER_PASSWORD"].startswith("${ANTQ_BI_READER_PASSWORD")


def test_no_password_is_written_in_any_service():
    for name, svc in _compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            if any(word in key.upper() for word in ("PASSWORD", "SECRET", "PASS")):
                assert str(value).startswith("${"), f"{name}: {key} is written in the file"


def test_metabase_init_sets_up_metabase_once_against_a_stand_in_server(tmp_path):
    """The script's HTTP calls, against a small stand-in for Metabase's API on 127.0.0.1 (no Metabase
    runs here): the admin is created, the warehouse added as bi_reader with marts and dq only, and a
    second run changes nothing."""
    import json
    import os
    import shutil
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    calls, state = [], {"set_up": False}

    class FakeMetabase(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, body: dict):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            calls.append(("GET", self.path, None, None))
            if self.path == "/api/health":
                return self._send({"status": "ok"})
            return self._send({"setup-token": None if state["set_up"] else "tok-123",
                               "has-user-setup": state["set_up"]})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append(("POST", self.path, body, self.headers.get("X-Metabase-Session")))
            if self.path == "/api/setup":
                state["set_up"] = True
                return self._send({"id": "session-abc"})
            return self._send({"id": 2})

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMetabase)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"PATH": os.environ["PATH"], "MB_URL": f"http://127.0.0.1:{server.server_port}",
           "MB_ADMIN_EMAIL": "admin@antq.local", "MB_ADMIN_PASSWORD": "s3cret-Admin-pw", "WAREHOUSE_HOST": "postgres",
           "WAREHOUSE_PORT": "5432", "WAREHOUSE_DB": "antq", "BI_READER_USER": "bi_reader",
           "BI_READER_PASSWORD": "reader-pw-42"}
    sh = shutil.which("dash") or "sh"  # a POSIX shell as small as the curl image's
    try:
        first = subprocess.run([sh, str(ROOT / "docker/metabase-init.sh")], env=env, capture_output=True,
                               text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        posts = [c for c in calls if c[0] == "POST"]
        assert [c[1] for c in posts] == ["/api/setup", "/api/database"]
        setup, database = posts[0][2], posts[1][2]
        assert setup["token"] == "tok-123" and setup["user"]["email"] == "admin@antq.local"
        assert setup["prefs"]["allow_tracking"] is False
        assert posts[1][3] == "session-abc"  # the new admin's session adds the database
        assert database["engine"] == "postgres"
        assert database["details"] | {} == {
            "host": "postgres", "port": 5432, "dbname": "antq", "user": "bi_reader", "password": "reader-pw-42",
            "ssl": False, "schema-filters-type": "inclusion", "schema-filters-patterns": "marts,dq"}
        second = subprocess.run([sh, str(ROOT / "docker/metabase-init.sh")], env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 0 and "already set up" in second.stdout
        assert len([c for c in calls if c[0] == "POST"]) == 2
        # without the passwords it stops and says which to set
        missing = subprocess.run([sh, str(ROOT / "docker/metabase-init.sh")], env={**env, "BI_READER_PASSWORD": ""},
                                 capture_output=True, text=True, timeout=60)
        assert missing.returncode == 1 and "ANTQ_BI_READER_PASSWORD" in missing.stderr
    finally:
        server.shutdown()
