"""What a new user sees after `antq run` on the embedded default, on a machine without internet:
every path the product prints exists, and every page it makes (the Data Docs, the dbt docs, as a
file and as `antq dbt docs serve` serves them) opens in headless Chromium with the network off,
styled, its tables filled, seed 000's 106,7% shown as a failed expectation with its row.
Screenshots go to .data/screenshots/ (listed at the end of the pytest run). Slow: one `antq run`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from antq import config, warehouse

from offline_browser import SCREENSHOTS, OfflineBrowser, free_port
from test_run_end_to_end import _assert_warehouse_is_complete

pytestmark = pytest.mark.integration  # `antq run` on the embedded default, then Chromium

SHOTS = config.PROJECT_ROOT / ".data" / "screenshots"
FLAGGED_FIGURE = "9df12e9b83c3:3162:target.achievement"
# a path as the product prints it: absolute, or relative to where the command ran
_PATH = re.compile(r"(?<![\w/.])((?:/|\.{1,2}/|[\w.-]+/)[\w./@+%:-]*[\w])")
BOOTSTRAP_STYLED = (
    "getComputedStyle(document.body).fontFamily.includes('Segoe UI')"
    " && getComputedStyle(document.querySelector('.navbar')).display === 'flex'"
)


def printed_paths(out: str) -> list[str]:
    """Every file path in a command's output (a ratio like 252554/250814 is not one)."""
    return [p for p in _PATH.findall(out) if re.search(r"[A-Za-z]", p) and not p.startswith("//")]


class Product:
    def __init__(self, cwd: Path, env: dict):
        self.cwd, self.env = cwd, env

    def antq(self, *args: str, timeout: float = 1200) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "antq.cli", *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"antq {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
        return proc.stdout

    def existing(self, out: str) -> tuple[list[Path], list[str]]:
        paths = printed_paths(out)
        return [self.cwd / p for p in paths], [p for p in paths if not (self.cwd / p).exists()]


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> Product:
    """`antq run` on the embedded default, run from a folder of its own (so paths print relative to it)."""
    cwd = tmp_path_factory.mktemp("user")
    env = {k: v for k, v in os.environ.items() if k not in ("WAREHOUSE_URL", "REPORTS_DIR", "ANTQ_GX_DIR")}
    env["ANTQ_DATA_DIR"] = str(cwd / "data")
    env["PYTHONPATH"] = os.pathsep.join([str(config.PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    product = Product(cwd, env)
    product.run_output = product.antq("run")
    return product


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with OfflineBrowser(tmp_path_factory.mktemp("chromium")) as b:
        b.open("about:blank")
        b.network_log()  # Chromium's own new-tab requests are not the pages'
        yield b


def _screenshot(browser: OfflineBrowser, name: str) -> Path:
    path = browser.screenshot(SHOTS / f"{name}.png")
    SCREENSHOTS.append(path)
    return path


def _nothing_left_the_machine(log: dict, allowed_missing=()) -> None:
    outside = [
        u
        for u in log["requested"]
        if re.match(r"(?i)(https?|wss?|ftp):", u) and not re.match(r"(?i)https?://(localhost|127\.0\.0\.1)[:/]", u)
    ]
    assert outside == []
    assert sorted({f for f in log["failed"] if not any(a in f[0] for a in allowed_missing)}) == []


def test_antq_run_on_the_embedded_default_fills_the_warehouse(product, tmp_path):
    out = product.run_output
    assert "embedded PostgreSQL" in out and "reports loaded   5" in out
    server = warehouse.start_embedded(product.cwd / "data" / "pg")  # start it again to look inside
    with psycopg.connect(config.libpq_url(server.get_uri(database=config.WAREHOUSE_DB))) as conn:
        _assert_warehouse_is_complete(conn)


def test_every_path_the_product_prints_exists(product):
    out = product.run_output
    paths, missing = product.existing(out)
    assert missing == [], out
    names = {p.name for p in paths}
    assert {"dag-antq_ingest.log", "dag-antq_transform.log", "dbt-parse.log", "index.html"} <= names, out
    docs_line = next(line for line in out.splitlines() if line.startswith("data docs"))
    assert docs_line.split()[-1] == "data/gx/gx/uncommitted/data_docs/local_site/index.html"  # relative to cwd

    status = product.antq("status")
    paths, missing = product.existing(status)
    assert missing == [] and any(p.name == "index.html" for p in paths), status

    docs = product.antq("docs")
    paths, missing = product.existing(docs)
    assert missing == [], docs
    assert {"index.html", "static_index.html", "dbt-docs-generate.log"} <= {p.name for p in paths}, docs


def test_the_data_docs_show_seed_000s_failed_expectation_with_its_row_styled_offline(product, browser):
    index = product.cwd / "data" / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    browser.open(index, ready="window.jQuery && document.querySelector('.bootstrap-table tbody tr')")
    seen = browser.run(f"""
      const rows = [...document.querySelectorAll('.bootstrap-table tbody tr:not(.no-records-found)')];
      const failed = rows.filter(r => r.querySelector('.ge-failed-icon'));
      return {{styled: {BOOTSTRAP_STYLED}, rows: rows.length,
              failed: failed.map(r => [r.innerText, r.dataset.href])}}""")
    _screenshot(browser, "data-docs-index")
    assert seen["styled"] is True
    assert seen["rows"] >= 5  # one validation per suite of the run
    assert len(seen["failed"]) == 1 and "fct_targets" in seen["failed"][0][0], seen
    icons = browser.run_async("""const done = arguments[arguments.length - 1];
      document.fonts.ready.then(() => done(document.fonts.check('900 16px "Font Awesome 6 Free"')))""")
    assert icons is True
    _nothing_left_the_machine(browser.network_log())

    # as a reader does: click the failed validation's row
    browser.click(f'tr[data-href="{seen["failed"][0][1]}"] td:nth-child(2)')
    browser.wait_until("window.jQuery && document.querySelector('table.ge-unexpected-rows')")
    assert "/validations/targets/" in browser.run("return location.href")
    page = browser.run(f"""
      const table = document.querySelector('table.ge-unexpected-rows');
      table.scrollIntoView();
      const head = [...table.querySelectorAll(':scope > thead th')].map(th => th.innerText.trim());
      return {{styled: {BOOTSTRAP_STYLED}, in_table_plugin: !!table.closest('.bootstrap-table'),
              head: head, rows: [...table.querySelectorAll(':scope > tbody > tr')].map(r =>
                 Object.fromEntries([...r.cells].map((c, i) => [head[i], c.innerText.trim()]))),
              status: document.body.innerText.includes('Failed'),
              vega: typeof window.vega === 'object' && typeof window.vegaEmbed === 'function'}}""")
    _screenshot(browser, "data-docs-failed-validation")
    assert page["styled"] and page["in_table_plugin"] and page["status"] and page["vega"]
    assert len(page["rows"]) == 1
    row = page["rows"][0]
    assert row["figure_id"] == FLAGGED_FIGURE
    assert (row["stated_pct"], row["actual"], row["target"], row["computed_pct"]) == (
        "106.7",
        "252554",
        "250814",
        "100.69",
    )
    assert row["doc"].startswith("000_")
    _nothing_left_the_machine(browser.network_log())


# dbt's page names its favicon and icons by template expressions that were never filled in
# ("${require('./assets/favicons/favicon.ico')}", "{{ getIcon(item.type, 'on') }}" in a plain src):
# the browser asks for files of those names, which are not there on any machine
DBT_UNRENDERED_TEMPLATE = ("%7B%7B%20getIcon(", "$%7Brequire(")


def _dbt_model_page(browser: OfflineBrowser, url: str, name: str) -> dict:
    browser.open(
        url + "#!/model/model.antq_warehouse.fct_targets",
        ready="[...document.querySelectorAll('table')].some(t => t.innerText.includes('pct_consistent'))",
    )
    seen = browser.run("""
      const table = [...document.querySelectorAll('table')].find(t => t.innerText.includes('pct_consistent'));
      return {columns: table.querySelectorAll(':scope > tbody > tr').length, title: document.title,
              projects: document.body.innerText.includes('antq_warehouse')}""")
    _screenshot(browser, name)
    return seen


def test_the_dbt_docs_open_offline_as_a_file(product, browser):
    static = product.cwd / "data" / "dbt" / "target" / "static_index.html"
    if not static.is_file():
        product.antq("docs")
    seen = _dbt_model_page(browser, static.as_uri(), "dbt-docs-fct_targets")
    assert seen["columns"] >= 8 and seen["projects"] and seen["title"].startswith("dbt")
    _nothing_left_the_machine(browser.network_log(), allowed_missing=DBT_UNRENDERED_TEMPLATE)


def test_the_dbt_docs_as_antq_dbt_docs_serve_serves_them_offline(product, browser):
    if not (product.cwd / "data" / "dbt" / "target" / "catalog.json").is_file():
        product.antq("docs")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "antq.cli", "dbt", "docs", "serve", "--port", str(port), "--no-browser"],
        env=product.env,
        cwd=product.cwd,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        import urllib.request

        while True:
            try:
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                    f"http://127.0.0.1:{port}/", timeout=2
                ).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "antq dbt docs serve did not answer in 90 s"
                time.sleep(0.5)
        seen = _dbt_model_page(browser, f"http://127.0.0.1:{port}/", "dbt-docs-served")
        assert seen["columns"] >= 8 and seen["projects"]
        _nothing_left_the_machine(browser.network_log(), allowed_missing=DBT_UNRENDERED_TEMPLATE)
    finally:
        # Ctrl-C, as a user stops it: antq stops its embedded PostgreSQL on the way out
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
