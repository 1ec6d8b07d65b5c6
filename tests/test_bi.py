"""Apache Superset on the sample warehouse, as the BI analyst sees it (tests/test_bi.py).

One Superset per test session (its startup is the slow part): a fresh warehouse on the test server
filled from seeds/ (ingestion, `dbt build`, the GX checks so that dq has rows), Superset's own
environment (bi/.venv) set up against it with the dashboards of bi/assets imported, and gunicorn
on a free port. Then:

- the bundle imports, and a second import changes nothing (same ids, no copies);
- every chart's /api/v1/chart/data rows equal its SQL run directly as bi_reader;
- the movement's participants are the newest report's for each province and period (no double
  counting: two sample reports state Bắc Kạn 2022);
- SQL Lab cannot read raw, staging or transform: the warehouse answers "permission denied";
- a real headless Chromium opens each dashboard, waits for every chart, saves a screenshot under
  .data/screenshots/test-bi/ and fails on an empty chart, an error box or "permission denied"
  (shown to fail on a dashboard made to have exactly those).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml

from antq import bi, config, roles
from antq.ingest import night
from antq.ingest.plan import nightly

from conftest import PROJECT_ROOT, SEEDS_DIR
from marts import dbt

SCREENSHOTS = PROJECT_ROOT / ".data" / "screenshots" / "test-bi"
PROBE_SLUG = "antq-test-probe"

pytestmark = [
    pytest.mark.integration,  # dbt builds the marts, Superset serves them, Chromium opens them
    pytest.mark.skipif(
        not (bi.BI_DIR / ".venv" / "bin" / "python").exists(),
        reason="Superset's environment bi/.venv is missing: `make test` creates it",
    ),
]


@pytest.fixture(scope="session")
def sample_warehouse(databases, tmp_path_factory):
    """The sample reports through the whole chain, on a fresh warehouse of the test server."""
    import expectations

    tmp = tmp_path_factory.mktemp("bi-warehouse")
    with databases.warehouse() as url:
        night.run(url, SEEDS_DIR, nightly(date(2024, 1, 1)), "bi-night-1")
        dbt(url, tmp, "build")
        expectations.run_checks(url, "bi-night-1", tmp / "gx")
        yield url


@pytest.fixture(scope="session")
def superset(sample_warehouse, tmp_path_factory):
    """Superset set up on the sample warehouse (bi_reader), serving on a free port."""
    home = tmp_path_factory.mktemp("superset-home")
    password = "test-admin-" + os.urandom(6).hex()
    os.environ["ANTQ_SUPERSET_ADMIN_PASSWORD"] = password  # read by bi.superset_env for every process
    try:
        uri = bi.bi_reader_uri(sample_warehouse, password="")
        first = bi.setup(home, uri)
        server = bi.SupersetServer(home, bi.free_port()).start()
        try:
            api = bi.SupersetAPI(server.url, bi.ADMIN_USER, password)
            yield {
                "home": home,
                "url": server.url,
                "api": api,
                "uri": uri,
                "setup_output": first,
                "password": password,
                "warehouse": sample_warehouse,
            }
        finally:
            server.stop()
    finally:
        os.environ.pop("ANTQ_SUPERSET_ADMIN_PASSWORD", None)


def _assets(kind: str) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((bi.ASSETS_DIR / kind).rglob("*.yaml"))]


def _inventory(api) -> dict:
    return {
        kind: sorted((item.get("uuid") or "", item["id"]) for item in api.listing(kind))
        for kind in ("database", "dataset", "chart", "dashboard")
    }


def _bi_reader(url: str):
    return psycopg.connect(config.libpq_url(url), user=roles.BI_READER)


def _normal(value):
    """One form for a value from Superset's JSON and from psycopg."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return round(float(value), 6)
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return round(value.timestamp() * 1000)
    if isinstance(value, date):
        return round(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    return str(value)


def _rows(records: list[dict], columns: list[str]) -> list[tuple]:
    return sorted((tuple(_normal(r[c]) for c in columns) for r in records), key=repr)


# --------------------------------------------------------------------------- import


def test_the_bundle_imports_and_a_second_import_changes_nothing(superset):
    api = superset["api"]
    assert "imported 1 databases, 8 datasets" in superset["setup_output"]
    before = _inventory(api)
    expected = {
        "database": _assets("databases"),
        "dataset": _assets("datasets"),
        "chart": _assets("charts"),
        "dashboard": _assets("dashboards"),
    }
    for kind, items in expected.items():
        assert len(before[kind]) == len(items), kind
    dashboards = {d["slug"]: d for d in api.listing("dashboard")}
    assert set(dashboards) == {d["slug"] for d in expected["dashboard"]}
    database = api.get(f"/api/v1/database/{before['database'][0][1]}/connection")["result"]
    assert database["sqlalchemy_uri"].startswith("postgresql+psycopg2://bi_reader@"), database["sqlalchemy_uri"]
    assert database["allow_dml"] is False

    bi.setup(superset["home"], superset["uri"])  # the server keeps running; the import is by uuid
    assert _inventory(api) == before


# --------------------------------------------------------------------------- chart data


def test_every_chart_returns_the_rows_of_its_sql_run_directly_as_bi_reader(superset):
    api = superset["api"]
    charts = api.listing("chart")
    assert len(charts) == len(_assets("charts"))
    with _bi_reader(superset["warehouse"]) as conn:
        assert conn.execute("select current_user").fetchone()[0] == roles.BI_READER
        for chart in charts:
            saved = api.get(f"/api/v1/chart/{chart['id']}")["result"]
            data = api.get(f"/api/v1/chart/{chart['id']}/data/", format="json")["result"]
            assert len(data) == 1, chart["slice_name"]
            result = data[0]
            assert result["status"] == "success" and result["rowcount"] > 0, (chart["slice_name"], result)
            context = json.loads(saved["query_context"]) | {"result_type": "query"}
            response = api.post("/api/v1/chart/data", context)
            assert response.status_code == 200, response.text
            sql = response.json()["result"][0]["query"]
            cursor = conn.execute(sql)
            columns = [c.name for c in cursor.description]
            direct = [dict(zip(columns, row)) for row in cursor.fetchall()]
            assert result["colnames"] == columns, chart["slice_name"]
            assert _rows(result["data"], columns) == _rows(direct, columns), chart["slice_name"]


def _chart_data(api, slice_name: str) -> list[dict]:
    chart = next(c for c in api.listing("chart") if c["slice_name"] == slice_name)
    return api.get(f"/api/v1/chart/{chart['id']}/data/", format="json")["result"][0]["data"]


def test_participants_are_the_newest_reports_for_each_province_and_period(superset):
    """Reports 000 and 002 both state Bắc Kạn's participants of 2022 (58,831 and 9,000): the
    dashboards show the newer report's (002, dated 2023-01-06), never the sum. Computed here from
    the figures themselves, not from fct_measure_statements."""
    with _bi_reader(superset["warehouse"]) as conn:
        figures = conn.execute(
            """select f.province_code, f.period_start, f.period_end, f.report_id, r.report_date, r.received_at,
                      f.value
               from marts.fct_figures f join marts.dim_report r using (report_id)
               where f.measure = 'campaign.participants' and not f.is_breakdown_part"""
        ).fetchall()
        names = dict(conn.execute("select province_code, province_name from marts.dim_province").fetchall())
    per_report = defaultdict(lambda: defaultdict(float))
    when = {}
    for province, start, end, report, report_date, received_at, value in figures:
        per_report[(province, start, end)][report] += float(value)
        when[report] = (report_date or date.min, received_at)
    expected = defaultdict(float)
    doubled = 0.0
    for key, reports in per_report.items():
        newest = max(reports, key=lambda r: when[r])
        expected[names[key[0]]] += reports[newest]
        doubled += sum(reports.values())
    rows = _chart_data(superset["api"], "Lượt người tham gia theo tỉnh (sau sáp nhập 2025) và tỉnh báo cáo")
    shown = {r["province"]: r["sum_participants"] for r in rows}
    assert shown == pytest.approx(dict(expected))
    total = _chart_data(superset["api"], "Lượt người tham gia")[0]["sum_participants"]
    assert total == pytest.approx(sum(expected.values()))
    assert doubled - total == pytest.approx(58831)  # what adding both 2022 reports would have shown
    by_period = _chart_data(superset["api"], "Phong trào theo tỉnh và kỳ báo cáo")
    bac_kan_2022 = [r for r in by_period if r["province"] == "Bắc Kạn" and r["period"] == "năm 2022"]
    assert [r["sum_participants"] for r in bac_kan_2022] == [9000]
    assert {r["province_after_2025"] for r in by_period} == {"Thái Nguyên", "Quảng Ngãi"}  # the 2025 merger


# --------------------------------------------------------------------------- grants


@pytest.mark.parametrize(
    "sql, schema",
    [
        ("select count(*) from raw.report_files", "raw"),
        ("select * from staging.figures limit 5", "staging"),
        ("select count(*) from transform.stg_figures", "transform"),
        ("with f as (select * from staging.figures) select count(*) from f", "staging"),
        ("select t.report_id from marts.fct_tips t join raw.report_files r using (report_id)", "raw"),
        ("select (select count(*) from raw.file_ledger) as n", "raw"),
    ],
)
def test_sql_lab_cannot_read_raw_staging_or_transform(superset, sql, schema):
    api = superset["api"]
    database_id = api.listing("database")[0]["id"]
    response = api.post(
        "/api/v1/sqllab/execute/", {"database_id": database_id, "sql": sql, "runAsync": False, "schema": "marts"}
    )
    assert response.status_code != 200, response.text[:500]
    assert f"permission denied for schema {schema}" in response.text  # the warehouse said no, not Superset


def test_sql_lab_reads_marts_and_dq_and_cannot_become_another_role(superset):
    api = superset["api"]
    database_id = api.listing("database")[0]["id"]

    def run(sql):
        return api.post(
            "/api/v1/sqllab/execute/", {"database_id": database_id, "sql": sql, "runAsync": False, "schema": "marts"}
        )

    ok = run("select (select count(*) from marts.fct_tips) as tips, (select count(*) from dq.validation_results) as dq")
    assert ok.status_code == 200, ok.text[:500]
    assert ok.json()["data"][0]["tips"] > 0 and ok.json()["data"][0]["dq"] > 0
    refused = run("set role postgres")
    assert "permission denied to set role" in refused.text
    # what Superset itself refuses (query_to_xml is on its deny list), the warehouse refuses too
    with _bi_reader(superset["warehouse"]) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select query_to_xml('select * from raw.report_files', true, false, '')")


# --------------------------------------------------------------------------- a real browser


def _browser_check(superset, dashboards: dict[str, int], out: Path) -> subprocess.CompletedProcess:
    if not (
        Path(os.environ.get("ANTQ_CHROMIUM", "/usr/bin/chromium")).exists()
        and Path(os.environ.get("ANTQ_CHROMEDRIVER", "/usr/bin/chromedriver")).exists()
    ):
        pytest.fail("Debian's chromium and chromium-driver are missing: `make test` installs them (make browser)")
    cmd = [
        str(bi.bi_python()),
        str(bi.BI_DIR / "browser_check.py"),
        "--url",
        superset["url"],
        "--out",
        str(out),
        *[f"{slug}={n}" for slug, n in dashboards.items()],
    ]
    return subprocess.run(cmd, env=bi.superset_env(superset["home"]), capture_output=True, text=True, timeout=900)


def _say(request, line: str) -> None:
    """Print past pytest's capture (where the screenshots are is worth seeing on every run)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(line, flush=True)


def test_chromium_opens_every_dashboard_and_every_chart_renders(superset, request):
    api = superset["api"]
    dashboards = {
        d["slug"]: len(api.get(f"/api/v1/dashboard/{d['id']}/charts")["result"]) for d in api.listing("dashboard")
    }
    assert len(dashboards) == 5 and all(dashboards.values())
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    proc = _browser_check(superset, dashboards, SCREENSHOTS)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    seen = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert {s["dashboard"]: s["charts"] for s in seen} == dashboards
    for slug in dashboards:
        shot = SCREENSHOTS / f"{slug}.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000, shot
    _say(request, f"\ntest_bi: dashboard screenshots in {SCREENSHOTS}")


def test_the_browser_check_fails_on_an_empty_chart_and_a_refused_read(superset, tmp_path):
    """A dashboard with one chart on raw (refused by the grants) and one on no rows: the check
    must see both, or it proves nothing for the real dashboards."""
    probe = tmp_path / "assets"
    shutil.copytree(bi.ASSETS_DIR / "databases", probe / "databases")
    shutil.copy(bi.ASSETS_DIR / "metadata.yaml", probe / "metadata.yaml")
    database_uuid = _assets("databases")[0]["uuid"]

    def write_asset(kind: str, name: str, asset: dict) -> None:
        (probe / kind).mkdir(exist_ok=True)
        (probe / kind / f"{name}.yaml").write_text(yaml.safe_dump(asset))

    charts, position = (
        [],
        {
            "DASHBOARD_VERSION_KEY": "v2",
            "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
            "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-probe"], "parents": ["ROOT_ID"]},
            "ROW-probe": {
                "type": "ROW",
                "id": "ROW-probe",
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {},
            },
        },
    )
    for n, (name, sql) in enumerate(
        [("probe_raw", "select count(*)::int as n from raw.report_files"), ("probe_empty", "select 1 as n where false")]
    ):
        ds_uuid, chart_uuid = f"00000000-0000-4000-8000-00000000010{n}", f"00000000-0000-4000-8000-00000000020{n}"
        write_asset(
            "datasets",
            name,
            {
                "table_name": name,
                "schema": "marts",
                "sql": sql,
                "uuid": ds_uuid,
                "database_uuid": database_uuid,
                "version": "1.0.0",
                "columns": [{"column_name": "n", "type": "INTEGER", "is_dttm": False}],
                "metrics": [],
            },
        )
        form = {"viz_type": "table", "query_mode": "raw", "all_columns": ["n"], "row_limit": 10}
        write_asset(
            "charts",
            name,
            {
                "slice_name": name,
                "viz_type": "table",
                "params": form,
                "query_context": None,
                "uuid": chart_uuid,
                "version": "1.0.0",
                "dataset_uuid": ds_uuid,
            },
        )
        charts.append(name)
        position[f"CHART-{name}"] = {
            "type": "CHART",
            "id": f"CHART-{name}",
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID", "ROW-probe"],
            "meta": {"chartId": 0, "width": 6, "height": 40, "sliceName": name, "uuid": chart_uuid},
        }
        position["ROW-probe"]["children"].append(f"CHART-{name}")
    write_asset(
        "dashboards",
        "probe",
        {
            "dashboard_title": "probe",
            "slug": PROBE_SLUG,
            "uuid": "00000000-0000-4000-8000-000000000300",
            "version": "1.0.0",
            "position": position,
            "metadata": {},
            "published": True,
        },
    )
    bi.setup(superset["home"], superset["uri"], assets=probe)
    try:
        proc = _browser_check(superset, {PROBE_SLUG: 2}, tmp_path / "shots")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        problems = [line for line in proc.stdout.splitlines() if line.startswith("PROBLEM")]
        assert any("probe_raw" in p and "shows an error" in p for p in problems), problems
        assert any("probe_empty" in p and "empty" in p for p in problems), problems
        assert any("the page says 'permission denied'" in p for p in problems), problems
    finally:
        api = superset["api"]
        for dashboard in api.listing("dashboard"):
            if dashboard["slug"] == PROBE_SLUG:
                api.session.delete(f"{api.url}/api/v1/dashboard/{dashboard['id']}")
        for chart in api.listing("chart"):
            if chart["slice_name"] in charts:
                api.session.delete(f"{api.url}/api/v1/chart/{chart['id']}")


def test_bi_reader_uri_for_the_embedded_socket_and_for_a_server_url(monkeypatch):
    monkeypatch.delenv("ANTQ_BI_READER_PASSWORD", raising=False)
    embedded = bi.bi_reader_uri("postgresql://postgres:@/antq?host=/work/x/.data/pg")
    assert embedded == "postgresql+psycopg2://bi_reader@/antq?host=%2Fwork%2Fx%2F.data%2Fpg&port=5432"
    monkeypatch.setenv("ANTQ_BI_READER_PASSWORD", "s3cret/@:")
    given = bi.bi_reader_uri("postgresql://antq:other@db.example:6543/warehouse")
    assert given == "postgresql+psycopg2://bi_reader:s3cret%2F%40%3A@db.example:6543/warehouse"
