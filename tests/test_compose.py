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
BI_SERVICES = {"superset"}


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


def test_superset_reads_the_warehouse_as_the_read_only_bi_reader():
    """Profile bi: the Superset of `make dashboard` (bi/uv.lock, bi/assets), logging in as bi_reader."""
    services = _compose()["services"]
    assert set(BI_SERVICES) <= set(services) and not {"metabase", "metabase-init"} & set(services)
    superset = services["superset"]
    assert superset["profiles"] == ["bi"] and superset["ports"] == ["8088:8088"]
    assert superset["image"] == "antq-warehouse-superset:6.1.0" and superset["healthcheck"]["test"]
    dockerfile = (ROOT / superset["build"]["dockerfile"]).read_text()
    assert "COPY bi/pyproject.toml bi/uv.lock" in dockerfile and "uv sync --frozen" in dockerfile
    assert "COPY bi/assets" in dockerfile and "superset_setup.py" in dockerfile
    assert '"apache-superset==6.1.0"' in (ROOT / "bi" / "pyproject.toml").read_text()
    env = superset["environment"]
    assert (
        env["BI_READER_USER"] == "bi_reader" and env["WAREHOUSE_DB"] == "antq" and env["WAREHOUSE_HOST"] == "postgres"
    )
    assert env["BI_READER_PASSWORD"].startswith("${ANTQ_BI_READER_PASSWORD")
    assert env["ANTQ_SUPERSET_ADMIN_PASSWORD"].startswith("${SUPERSET_ADMIN_PASSWORD")
    assert env["SUPERSET_SECRET_KEY"].startswith("${SUPERSET_SECRET_KEY")
    # bi_reader has its grants (antq migrate in airflow-init) before Superset imports the dashboards
    assert superset["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert superset["volumes"] == ["superset-data:/superset-data"] and env["ANTQ_SUPERSET_HOME"] == "/superset-data"
    assert services["airflow-init"]["environment"]["ANTQ_BI_READER_PASSWORD"].startswith("${ANTQ_BI_READER_PASSWORD")


def test_superset_setup_builds_the_bi_reader_uri_from_compose_parts():
    """The compose service passes host, port, database and password apart; the password is quoted."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("superset_setup", ROOT / "bi" / "superset_setup.py")
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)  # only yaml at import time: Superset itself is imported in main()
    env = {
        "WAREHOUSE_HOST": "postgres",
        "WAREHOUSE_PORT": "5432",
        "WAREHOUSE_DB": "antq",
        "BI_READER_USER": "bi_reader",
        "BI_READER_PASSWORD": "p@ss:w/rd",
    }
    assert setup.uri_from_parts(env) == "postgresql+psycopg2://bi_reader:p%40ss%3Aw%2Frd@postgres:5432/antq"
    assert setup.uri_from_parts({}) is None


def test_no_password_is_written_in_any_service():
    for name, svc in _compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            if any(word in key.upper() for word in ("PASSWORD", "SECRET", "PASS")):
                assert str(value).startswith("${"), f"{name}: {key} is written in the file"
