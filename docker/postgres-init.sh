#!/usr/bin/env bash
# First start of the compose PostgreSQL: the Airflow metadata database and the warehouse, each with
# its own owner. Passwords come from the environment (.env), never from the repository.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
create role airflow login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner airflow;
-- CREATEROLE: the warehouse setup creates the loader, transformer and bi_reader roles
create role antq login createrole password '${WAREHOUSE_DB_PASSWORD}';
create database antq owner antq;
SQL
