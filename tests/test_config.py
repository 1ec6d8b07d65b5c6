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
    assert config.with_database("postgresql://p:@/antq?host=/s", "antq_airflow") == "postgresql://p:@/antq_airflow?host=/s"


def test_dbt_env_comes_from_the_warehouse_url(monkeypatch):
    monkeypatch.delenv("ANTQ_TRANSFORMER_USER", raising=False)
    monkeypatch.delenv("ANTQ_TRANSFORMER_PASSWORD", raising=False)
    env = config.dbt_env("postgresql://postgres@127.0.0.1:5432/wh")
    assert env["ANTQ_PG_HOST"] == "127.0.0.1" and env["ANTQ_PG_DBNAME"] == "wh" and env["ANTQ_PG_PORT"] == "5432"
