import sys
from datetime import UTC
from pathlib import Path

import pytest

from antq import config


def test_url_parts_tcp():
    p = config.url_parts("postgresql://loader:s3cret@db.example:6543/antq")
    assert p == {"host": "db.example", "port": "6543", "user": "loader", "password": "s3cret", "dbname": "antq"}


def test_url_parts_unix_socket_form_of_embedded_postgres():
    p = config.url_parts("postgresql://postgres:@/antq?host=/work/.data/pg")
    assert p["host"] == "/work/.data/pg" and p["dbname"] == "antq" and p["user"] == "postgres"


def test_drivers_are_rewritten_to_psycopg3_for_sqlalchemy_and_back_for_libpq():
    assert config.sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert config.libpq_url("postgresql+psycopg://u@h/db?host=/s") == "postgresql://u@h/db?host=/s"


def test_with_database_keeps_the_socket_query():
    assert (
        config.with_database("postgresql://p:@/antq?host=/s", "antq_airflow") == "postgresql://p:@/antq_airflow?host=/s"
    )


def test_dbt_env_comes_from_the_warehouse_url(monkeypatch):
    monkeypatch.delenv("ANTQ_TRANSFORMER_USER", raising=False)
    monkeypatch.delenv("ANTQ_TRANSFORMER_PASSWORD", raising=False)
    env = config.dbt_env("postgresql://postgres@127.0.0.1:5432/wh")
    assert env["ANTQ_PG_HOST"] == "127.0.0.1" and env["ANTQ_PG_DBNAME"] == "wh" and env["ANTQ_PG_PORT"] == "5432"


def test_only_postgresql_urls_are_taken():
    for url in ("mysql://u@h/db", "sqlite:///x.db", "u@h/db"):
        with pytest.raises(config.WarehouseUrlError):
            config.libpq_url(url)
        with pytest.raises(config.WarehouseUrlError):
            config.sqlalchemy_url(url)


def test_libpq_socket_host_and_dollar_mean_the_same_to_libpq_sqlalchemy_and_gx():
    encoded = "postgresql://postgres@%2Fvar%2Frun%2Fpostgresql:5433/db"
    assert config.libpq_url(encoded) == "postgresql://postgres@/db?host=/var/run/postgresql&port=5433"
    # GX substitutes ${VAR} in its connection string: a `$` in a password must not look like one
    assert config.sqlalchemy_url("postgresql://u:a${B}c@h/d") == "postgresql+psycopg://u:a%24{B}c@h/d"


def test_redact_url_hides_the_password_only():
    assert config.redact_url("postgresql://u:s3cret@h:5/d?host=/s") == "postgresql://u:***@h:5/d?host=/s"
    assert config.redact_url("postgresql://u@h/d") == "postgresql://u@h/d"
    assert "s3cret" not in config.redact_url("postgresql+psycopg://u:s3cret@/d?host=/s")


def test_one_set_of_url_helpers_for_libpq_sqlalchemy_psql_and_logs():
    assert config.sqlalchemy_url("postgresql+psycopg2://u@h/d") == "postgresql+psycopg://u@h/d"
    assert config.without_password("postgresql://loader:s%2Fcret@db/antq") == ("postgresql://loader@db/antq", "s/cret")
    assert config.without_password("postgresql://loader@db/antq") == ("postgresql://loader@db/antq", None)


def test_a_child_process_gets_the_warehouse_its_data_folder_and_dbt_in_it(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTQ_DBT_EXECUTABLE", raising=False)
    env = config.child_env("postgresql://postgres@127.0.0.1:5432/wh", tmp_path)
    assert env["WAREHOUSE_URL"] == "postgresql://postgres@127.0.0.1:5432/wh"
    assert env["ANTQ_DATA_DIR"] == str(tmp_path.resolve())
    assert env["DBT_TARGET_PATH"] == str(config.dbt_target_dir(tmp_path)) == str(tmp_path / "dbt" / "target")
    assert env["GX_ANALYTICS_ENABLED"] == "False" and env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert config.dbt_executable() == str(Path(sys.executable).with_name("dbt"))
    monkeypatch.setenv("ANTQ_DBT_EXECUTABLE", "/opt/dbt/bin/dbt")
    assert config.dbt_executable() == "/opt/dbt/bin/dbt"


def test_the_local_day_is_ho_chi_minh_citys():
    from datetime import datetime

    assert config.LOCAL_TZ_NAME == "Asia/Ho_Chi_Minh"
    assert datetime(2024, 3, 1, 17, 0, tzinfo=UTC).astimezone(config.LOCAL_TZ).day == 2
