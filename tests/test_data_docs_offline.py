"""The Data Docs' browser libraries come from the project's own install (docs_assets/, npm), and a
site rewritten by expectations.data_docs loads nothing from the internet: checked on the files, and
in headless Chromium with the network off, against the same page as GX writes it (which is then bare).
The full chain (antq run -> Data Docs with seed 000's failed rule) is tests/test_offline_pages.py."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from antq import config
from expectations import data_docs
from expectations.context import file_context

# found without importing GX (tens of seconds on a loaded machine, paid at collection otherwise)
GX_TEMPLATES = Path(find_spec("great_expectations").origin).parent / "render" / "view" / "templates"
STYLED = """return {
  bootstrap: getComputedStyle(document.body).fontFamily.includes('Segoe UI')
             && getComputedStyle(document.querySelector('.navbar')).display === 'flex',
  table_plugin: !!(window.jQuery && jQuery.fn.bootstrapTable),
  tables: document.querySelectorAll('.bootstrap-table').length,
  vega: typeof window.vega === 'object' && typeof window.vegaEmbed === 'function'}"""


def _template_assets() -> dict[str, str]:
    """Every resource URL GX's page templates load from another host -> its integrity attribute ('' if none)."""
    found = {}
    for template in GX_TEMPLATES.glob("*.j2"):
        for tag in re.finditer(r"<(?:script|link)\b[^>]*>", template.read_text(encoding="utf-8")):
            url = re.search(r"""(?:src|href)=["'](https?://[^"']+)""", tag.group(0))
            if url and (tag.group(0).startswith("<script") or "stylesheet" in tag.group(0)):
                integrity = re.search(r'integrity="([^"]+)"', tag.group(0))
                found[url.group(1)] = integrity.group(1) if integrity else ""
    return found


@pytest.fixture(scope="module")
def assets() -> Path:
    source = data_docs.assets_dir()
    if not (source / "bootstrap").is_dir():
        pytest.fail(f"the Data Docs' npm packages are not installed in {source}: run `make install`")
    return source


def test_every_library_gx_loads_from_a_cdn_is_installed_from_npm_at_the_same_version(assets):
    templates = _template_assets()
    assert len(templates) >= 15  # bootstrap, bootstrap-table, jquery, popper, datepicker, vega x3, font awesome …
    assert set(templates) == set(data_docs.CDN_FILES), "a GX upgrade changed its CDN assets: update CDN_FILES"
    pinned = 0
    for url, integrity in templates.items():
        installed = assets / data_docs.CDN_FILES[url]
        assert installed.is_file(), url
        if integrity:  # the very file GX names: same bytes as the CDN's
            algorithm, digest = integrity.split("-", 1)
            assert base64.b64encode(hashlib.new(algorithm, installed.read_bytes()).digest()).decode() == digest, url
            pinned += 1
        version = re.search(r"[@/-](\d+\.\d+\.\d+)/", url)
        if version and "bootstrap-table@1.19.0" not in url:
            package = installed.relative_to(assets).parts
            package_json = assets.joinpath(*package[: 2 if package[0].startswith("@") else 1], "package.json")
            assert f'"version": "{version.group(1)}"' in package_json.read_text(), url
    assert pinned == 2  # popper.js and bootstrap.min.js carry SRI hashes in GX's templates


@pytest.fixture(scope="module")
def gx_site(tmp_path_factory) -> Path:
    """A Data Docs site as GX 1.24 writes it: the index and one expectation suite's page."""
    import great_expectations as gx

    root = tmp_path_factory.mktemp("gx")
    context = file_context(root)
    context.suites.add(gx.ExpectationSuite(name="offline_check"))
    context.build_data_docs()
    index = Path(data_docs.docs_index(context))
    assert index == root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert data_docs.external_resources(index.read_text(encoding="utf-8")), "GX's own page loads from CDNs"
    return index.parent


def _local_references(page: Path) -> list[Path]:
    text = page.read_text(encoding="utf-8")
    refs = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=["']([^"'#]+)["']""", text)
    return [(page.parent / unquote(urlsplit(r).path)).resolve() for r in refs if "://" not in r]


def test_a_rewritten_site_loads_nothing_from_the_internet_and_every_file_it_names_is_there(gx_site, assets, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(gx_site, site)
    report = data_docs.make_offline(site, assets)
    assert report.offline and report.rewritten >= 1 and report.assets_copied > 20
    refs = _local_references(site / "index.html")
    assert len(refs) >= 15
    assert [r for r in refs if not r.is_file()] == []
    assert (site / "static" / "vendor" / "bootstrap" / "LICENSE").is_file()
    assert any((site / "static" / "vendor" / "@fortawesome" / "fontawesome-free" / "webfonts").glob("*.woff2"))
    text = (site / "index.html").read_text(encoding="utf-8")
    assert "integrity=" not in text and "crossorigin" not in text  # a file:// page cannot check SRI
    again = data_docs.make_offline(site, assets)
    assert (again.rewritten, again.assets_copied) == (0, 0) and again.offline


def test_after_a_build_only_the_pages_it_wrote_are_read_again(gx_site, assets, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(gx_site, site)
    index = site / "index.html"
    old = site / "expectations" / "offline_check.html"
    as_gx_wrote_it = old.read_text(encoding="utf-8")
    os.utime(old, (1_000_000_000, 1_000_000_000))  # written before the build below started
    report = data_docs.make_offline(site, assets, since=1_500_000_000)
    assert old.read_text(encoding="utf-8") == as_gx_wrote_it  # not read: not this build's page
    assert report.rewritten >= 1 and "bootstrapcdn.com" not in index.read_text(encoding="utf-8")
    assert data_docs.make_offline(site, assets).external == {}  # a full pass rewrites it too
    assert "bootstrapcdn.com" not in old.read_text(encoding="utf-8")


def test_missing_npm_packages_say_how_to_install_them(gx_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(gx_site, site)
    with pytest.raises(data_docs.MissingDocsAssets, match="make install"):
        data_docs.make_offline(site, tmp_path / "no_node_modules")
    assert data_docs.make_docs_offline(str(tmp_path / "nowhere" / "index.html")) == "no Data Docs site"


@pytest.mark.integration  # Chromium
def test_in_chromium_with_the_network_off_gx_page_is_bare_and_the_rewritten_one_styled(gx_site, assets, tmp_path):
    from offline_browser import OfflineBrowser

    as_gx_wrote_it = tmp_path / "as_gx_wrote_it"
    shutil.copytree(gx_site, as_gx_wrote_it)
    offline = tmp_path / "offline"
    shutil.copytree(gx_site, offline)
    data_docs.make_offline(offline, assets)
    with OfflineBrowser(tmp_path) as browser:
        browser.open("about:blank")
        browser.network_log()  # the new-tab page's own requests are not the Data Docs'
        browser.open(as_gx_wrote_it / "index.html")
        bare = browser.run(STYLED)
        tried = browser.network_log()
        browser.open(offline / "index.html", ready="window.jQuery && document.querySelector('.bootstrap-table')")
        styled = browser.run(STYLED)
        loaded = browser.network_log()
    # the control: network off, the CDN page cannot load its libraries, so the check can fail
    assert bare == {"bootstrap": False, "table_plugin": False, "tables": 0, "vega": False}
    assert any("bootstrapcdn.com" in url for url, _ in tried["failed"])
    assert styled == {"bootstrap": True, "table_plugin": True, "tables": styled["tables"], "vega": True}
    assert styled["tables"] >= 1
    assert [u for u in loaded["requested"] if not u.startswith(("file:", "data:"))] == []
    assert loaded["failed"] == []


def test_a_failed_rule_shows_its_rows():
    from great_expectations.core import ExpectationValidationResult

    row = {
        "message": "stated 106.7% but 252554/250814 = 100.69%",
        "actual": 252554.0,
        "stated_pct": 106.7,
        "figure_id": "9df12e9b83c3:3162:target.achievement",
        "note": None,
    }
    result = ExpectationValidationResult(
        success=False, result={"observed_value": 1, "details": {"unexpected_rows": [row]}}
    )
    caption, table = data_docs.unexpected_rows_table(result=result)
    assert caption.string_template["template"] == "1 unexpected row(s)"
    assert table.header_row == ["figure_id", "message", "actual", "stated_pct", "note"]
    assert table.table == [["9df12e9b83c3:3162:target.achievement", row["message"], "252554", "106.7", "null"]]
    many = ExpectationValidationResult(success=False, result={"details": {"unexpected_rows": [row] * 60}})
    assert (
        data_docs.unexpected_rows_table(result=many)[0].string_template["template"]
        == "the first 50 of 60 unexpected rows"
    )
    assert data_docs.unexpected_rows_table(result=ExpectationValidationResult(success=True, result={})) is None


def test_paths_are_shown_relative_to_where_the_command_runs_or_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert config.shown(tmp_path / "data" / "x.log") == "data/x.log"
    assert config.shown("/usr/bin") == "/usr/bin"
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ANTQ_GX_DIR", raising=False)
    assert config.gx_data_docs_index() == tmp_path / "data/gx/gx/uncommitted/data_docs/local_site/index.html"
    log = config.log_file("dag antq_ingest")  # in this run's own folder: data/logs/<started>-<pid>/
    assert log.name == "dag-antq_ingest.log" and log.parent.parent == tmp_path / "data/logs"
    assert log.parent.name.endswith(f"-{os.getpid()}") and log.parent == config.log_dir()
    assert config.dbt_static_docs() == tmp_path / "data/dbt/target/static_index.html"
