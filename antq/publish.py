"""BI never sees half a rebuild: the marts are published all at once, or not at all.

dbt commits model by model, so while it runs, or after it failed, a schema it builds in holds some
marts of the new build and some of the old one. So dbt builds the marts in schema `marts_build`,
which BI cannot read (bi_reader has no USAGE on it), and `marts`, which BI reads, changes only when
a build is complete and its tests passed: one transaction renames `marts_build` to `marts` and
`marts` to `marts_build` (transform.publish_marts, antq/sql/publish.sql). A rename locks no table,
so a BI query running at that moment ends on the previous build and the next query reads the new
one. The copy BI read until then becomes the next build's starting point: the incremental marts
catch up every report (re-)staged since that copy was built, however many nights ago.

Who publishes:
- `dbt build` of the whole project (`antq dbt build`, `antq reprocess --direct`, the benchmarks,
  Cosmos' watcher producer): its on-run-end hook publishes when every node ran and passed
  (dbt_project/macros/publish.sql);
- the antq_transform DAG: its `publish` task, after every dbt task succeeded (Cosmos runs one dbt
  invocation per node, none of which sees the whole build).
A failed model or test publishes nothing: BI keeps the previous complete build, and the next
complete build publishes everything since. Publishing twice is harmless: a publication takes the
record of the models built since the previous one (transform.marts_builds), so a second publisher
or a retry finds nothing to publish and swaps nothing back.

The Great Expectations checks run after publication, on `marts`: they read what BI reads, and a
failed expectation never holds a build back (it flags figures in dq).
"""

from __future__ import annotations

import logging
from importlib.resources import files

import psycopg

from antq import config

log = logging.getLogger(__name__)

BUILD_SCHEMA = "marts_build"
PUBLISHED_SCHEMA = "marts"


def ensure(conn: psycopg.Connection) -> None:
    """The build schema, the build and publication records and transform.publish_marts (idempotent;
    warehouse.migrate calls it)."""
    conn.execute(files("antq").joinpath("sql/publish.sql").read_text(encoding="utf-8"))


def publish_marts(url: str | None = None, published_by: str | None = None) -> dict:
    """Make the build in marts_build what BI reads, in one transaction. Call it only when the build
    is complete and its tests passed. Returns {"published": number or None, "models": [...]}:
    None when nothing was built since the last publication (already published, e.g. by dbt's
    on-run-end hook or by an earlier try of this task)."""
    with psycopg.connect(config.libpq_url(url or config.warehouse_url())) as conn:
        published = conn.execute("select transform.publish_marts(%s)", (published_by,)).fetchone()[0]
        models = []
        if published is not None:
            models = conn.execute(
                "select models from transform.marts_publications where publication = %s", (published,)
            ).fetchone()[0]
    if published is None:
        log.info("marts: nothing built since the last publication, nothing to publish")
    else:
        log.info("marts: publication %s makes %d model(s) of the new build visible at once", published, len(models))
    return {"published": published, "models": models}


def state(conn: psycopg.Connection) -> dict | None:
    """What BI reads and whether a build is waiting: the last publication, and the models dbt built
    in marts_build since (a build that failed, or one still running). None before the first
    publication or on a warehouse without these records."""
    if conn.execute("select to_regclass('transform.marts_publications') is null").fetchone()[0]:
        return None
    last = conn.execute(
        """select publication, published_at, published_by, last_built_at from transform.marts_publications
           order by publication desc limit 1"""
    ).fetchone()
    pending = conn.execute(
        "select count(distinct model), min(built_at), max(built_at) from transform.marts_builds"
    ).fetchone()
    return {
        "publication": last[0] if last else None,
        "published_at": last[1] if last else None,
        "published_by": last[2] if last else None,
        "built_at": last[3] if last else None,
        "unpublished_models": pending[0],
        "unpublished_since": pending[1],
        "unpublished_until": pending[2],
    }
