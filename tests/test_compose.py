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
