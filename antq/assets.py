"""Airflow assets the DAGs produce and consume (kept import-light: DAG files import this at parse time)."""

from airflow.sdk import Asset

STAGED_FIGURES = Asset(name="antq_staged_figures", uri="antq://warehouse/staging/figures")
VALIDATED_MARTS = Asset(name="antq_validated_marts", uri="antq://warehouse/marts")
