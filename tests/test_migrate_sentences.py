"""Upgrading a warehouse whose staging.figures still holds each figure's sentence text: the migration
moves the sentences to staging.sentences (each once), drops the column and dbt's views on it, and
the next dbt build gives every mart the same sentences as before."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from antq import config, warehouse
from antq.ingest import night
from antq.ingest.plan import nightly

from conftest import SEEDS_DIR
from marts import dbt

pytestmark = pytest.mark.integration  # dbt builds the marts before and after the upgrade

# staging as the warehouse had it before staging.sentences, with views like the ones dbt built on it
REWIND_TO_SENTENCE_TEXT = """
alter table staging.figures add column sentence text;
update staging.figures f set sentence = s.sentence
from staging.sentences s where s.report_id = f.report_id and s.sentence_no = f.sentence_no;

alter table staging.figures alter column sentence set not null;
alter table staging.figures drop column sentence_no;
drop table staging.sentences;
create schema if not exists transform;
create view transform.stg_figures as select figure_id, report_id, ordinal, sentence from staging.figures;
create view transform.int_figures as select * from transform.stg_figures;
"""


def _one(conn, query):
    return conn.execute(query).fetchone()[0]


def _columns(conn) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'staging' and table_name = 'figures'"
        )
    }


def test_an_old_warehouse_is_upgraded_and_its_marts_keep_their_sentences(warehouse_db, tmp_path):
    night.run(warehouse_db, SEEDS_DIR, nightly(date(2024, 1, 1)), "night-1")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        numbered = conn.execute("select figure_id, sentence_no from staging.figures order by 1").fetchall()
        conn.execute(REWIND_TO_SENTENCE_TEXT)
        before = conn.execute("select figure_id, sentence from staging.figures order by 1").fetchall()
        distinct = _one(conn, "select count(*) from (select distinct report_id, sentence from staging.figures) s")
    assert len(before) > 50 and distinct < len(before)

    warehouse.migrate(warehouse_db, roles=False)
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        assert "sentence" not in _columns(conn) and "sentence_no" in _columns(conn)
        assert _one(conn, "select count(*) from staging.figures where sentence_no is null") == 0
        assert _one(conn, "select count(*) from staging.sentences") == distinct
        after = conn.execute(
            "select f.figure_id, s.sentence from staging.figures f "
            "join staging.sentences s using (report_id, sentence_no) order by 1"
        ).fetchall()
        # numbered as the loader numbers them: in the order the figures first cite them
        assert conn.execute("select figure_id, sentence_no from staging.figures order by 1").fetchall() == numbered
        assert _one(
            conn, "select to_regclass('transform.stg_figures') is null and to_regclass('transform.int_figures') is null"
        )
    assert after == before

    dbt(warehouse_db, tmp_path, "build")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        marts = conn.execute("select figure_id, sentence from marts.fct_figures order by 1").fetchall()
    assert marts == before

    # applied again (every run does): nothing moves, and dbt's views stay
    warehouse.migrate(warehouse_db, roles=False)
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        assert _one(conn, "select to_regclass('transform.int_figures') is not null")
        assert _one(conn, "select count(*) from staging.sentences") == distinct
        assert (
            conn.execute(
                "select f.figure_id, s.sentence from staging.figures f join staging.sentences s "
                "using (report_id, sentence_no) order by 1"
            ).fetchall()
            == before
        )
