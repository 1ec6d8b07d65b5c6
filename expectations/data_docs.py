"""Data Docs that open without internet.

GX 1.24's page templates load Bootstrap, bootstrap-table, jQuery, popper.js, bootstrap-datepicker,
Vega and Font Awesome from public CDNs, and its logo from S3: on a closed network the pages are
bare links and the validation tables stay empty (bootstrap-table fills them from JavaScript).
The project installs the same libraries, at the same versions, from npm into docs_assets/
(`make install`: docs_assets/package-lock.json); `make_offline(site)` copies the files the pages
need, with each package's licence, into `<site>/static/vendor/` and points the pages at them.

It runs after every Data Docs build (expectations.run_checks, rebuild_data_docs); a page already
rewritten is left as it is, so it is cheap to run again, and after a run's build it reads only the
pages that build wrote (the site grows by a few pages a night).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .verdicts import SAMPLE_ROWS_IN_DETAILS

log = logging.getLogger(__name__)

ASSETS_ENV_VAR = "ANTQ_DOCS_ASSETS_DIR"
DEFAULT_ASSETS_DIR = Path(__file__).resolve().parents[1] / "docs_assets" / "node_modules"
VENDOR_DIR = Path("static") / "vendor"  # inside the site

# What GX's templates load -> the same file in the npm packages of docs_assets/package.json.
# Popper and Bootstrap's JS carry subresource-integrity hashes in the templates: the npm files
# have exactly those hashes (tests/test_data_docs_offline.py checks them).
CDN_FILES = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    # the templates name 1.19.0 for this stylesheet beside 1.19.1 for the rest: one package serves both
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css"
    ),
    # jsdelivr serves a package's "jsdelivr" file for a bare name: the minified browser build
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
}
# Folders a copied stylesheet refers to (all.min.css loads ../webfonts/*)
ASSET_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)
# GX's logos on S3 -> the images GX itself copies into <site>/static/images (it ships no dark logo)
GX_IMAGES = {
    "logo-long.png": "logo-long.png",
    "full_logo_dark.png": "logo-long.png",
}
_GX_IMAGE_URL = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/([\w.-]+)(\?[^\"')\s]*)?"
)
# a resource the page loads by itself (not a link a reader may click): scripts, stylesheets, images
_RESOURCE_TAG = re.compile(r"<(script|link|img)\b[^>]*>", re.IGNORECASE)
_ATTR_URL = re.compile(r"""\b(src|href)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
# an integrity hash needs a CORS fetch, which a file:// page cannot make: the browser would refuse
# the script. The files are the ones the hashes name (checked by the tests), so the hash goes.
_SRI_ATTRS = re.compile(r"""\s+(integrity|crossorigin)(\s*=\s*(["']).*?\3)?""", re.IGNORECASE | re.DOTALL)
# GX gives validation pages a favicon path one folder short ("../../../static/images/favicon.ico")
_SITE_STATIC = re.compile(r"^(?:\./|(?:\.\./)+)(static/.*)$")


class MissingDocsAssets(RuntimeError):
    """The npm packages the offline Data Docs copy from are not installed."""


@dataclasses.dataclass
class OfflineReport:
    site: Path
    pages: int = 0
    rewritten: int = 0
    assets_copied: int = 0
    external: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # page -> URLs left

    @property
    def offline(self) -> bool:
        return not self.external


def assets_dir() -> Path:
    return Path(os.environ.get(ASSETS_ENV_VAR) or DEFAULT_ASSETS_DIR)


def _package_root(relative: str) -> str:
    parts = relative.split("/")
    return "/".join(parts[:2] if parts[0].startswith("@") else parts[:1])


def _copy_if_changed(source: Path, target: Path) -> bool:
    if (
        target.is_file()
        and target.stat().st_size == source.stat().st_size
        and target.stat().st_mtime_ns >= source.stat().st_mtime_ns
    ):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return True


def copy_assets(site: Path, source: Path | None = None) -> int:
    """Copy the vendored files (and every package's licence) into <site>/static/vendor; returns
    how many files were copied (0 when all were there already)."""
    source = source or assets_dir()
    wanted = sorted(set(CDN_FILES.values()))
    missing = [f for f in wanted if not (source / f).is_file()]
    if missing:
        raise MissingDocsAssets(
            f"the Data Docs' browser libraries are not installed in {source} (missing {missing[0]}"
            f"{f' and {len(missing) - 1} more' if len(missing) > 1 else ''}): run `make install` "
            f"(npm ci in docs_assets/), or set {ASSETS_ENV_VAR} to a folder of those npm packages"
        )
    vendor = site / VENDOR_DIR
    files = [(source / f, vendor / f) for f in wanted]
    for folder in ASSET_FOLDERS:
        files += [(p, vendor / p.relative_to(source)) for p in sorted((source / folder).rglob("*")) if p.is_file()]
    for package in sorted({_package_root(f) for f in wanted}):
        files += [(p, vendor / package / p.name) for p in sorted((source / package).glob("LICEN[CS]E*"))]
    return sum(_copy_if_changed(src, dst) for src, dst in files)


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def rewrite_page(text: str, page: Path, site: Path) -> tuple[str, list[str]]:
    """The page with its CDN assets pointed at <site>/static/vendor and its GX images and static
    paths at <site>/static; and the external resource URLs still left (none when all is known)."""
    vendor = site / VENDOR_DIR

    def image(m: re.Match) -> str:
        name = GX_IMAGES.get(m.group(1))
        return _relative(site / "static" / "images" / name, page) if name else m.group(0)

    def tag(m: re.Match) -> str:
        html = m.group(0)
        known = False

        def attr(a: re.Match) -> str:
            nonlocal known
            url = a.group(3)
            if url in CDN_FILES:
                known = True
                return f"{a.group(1)}={a.group(2)}{_relative(vendor / CDN_FILES[url], page)}{a.group(2)}"
            static = _SITE_STATIC.match(url)
            if static:
                return f"{a.group(1)}={a.group(2)}{_relative(site / static.group(1), page)}{a.group(2)}"
            return a.group(0)

        html = _ATTR_URL.sub(attr, html)
        return _SRI_ATTRS.sub("", html) if known else html

    text = _GX_IMAGE_URL.sub(image, text)
    text = _RESOURCE_TAG.sub(tag, text)
    return text, external_resources(text)


def external_resources(text: str) -> list[str]:
    """URLs on other hosts that the page (or stylesheet) loads by itself: script and stylesheet
    sources, images, CSS url(...). Links a reader may follow are not counted."""
    urls = []
    for m in _RESOURCE_TAG.finditer(text):
        html = m.group(0)
        if m.group(1).lower() == "link" and not re.search(
            r"""rel\s*=\s*["']?(stylesheet|icon|shortcut icon|preload)""", html, re.IGNORECASE
        ):
            continue
        urls += [a.group(3) for a in _ATTR_URL.finditer(html) if re.match(r"(?i)(https?:)?//", a.group(3))]
    urls += re.findall(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", text, re.IGNORECASE)
    urls += re.findall(r"""@import\s+(?:url\()?\s*["']((?:https?:)?//[^"']+)""", text, re.IGNORECASE)
    return urls


def make_offline(site: str | Path, source: Path | None = None, since: float | None = None) -> OfflineReport:
    """Copy the browser libraries into the Data Docs site and point every page (and the site's
    stylesheets) at them. Raises MissingDocsAssets if the npm packages are not installed.
    `since` (a time.time()): only the pages written since then are read, the ones a build just
    made; the others were made offline when they were built (None: every page)."""
    site = Path(site)
    report = OfflineReport(site=site)
    if not site.is_dir():
        raise FileNotFoundError(f"no Data Docs site at {site}")
    report.assets_copied = copy_assets(site, source)
    vendor = site / VENDOR_DIR
    for page in sorted([*site.rglob("*.html"), *site.joinpath("static", "styles").rglob("*.css")]):
        if vendor in page.parents:
            continue
        if since is not None and page.stat().st_mtime < since:
            continue
        report.pages += 1
        text = page.read_text(encoding="utf-8")
        new, left = rewrite_page(text, page, site)
        if new != text:
            page.write_text(new, encoding="utf-8")
            report.rewritten += 1
        if left:
            report.external[str(page)] = left
    if report.external:
        page, urls = next(iter(report.external.items()))
        log.warning(
            "Data Docs: %d page(s) still load from the internet, e.g. %s: %s (a GX upgrade may have "
            "added an asset: add it to expectations/data_docs.py CDN_FILES)",
            len(report.external),
            page,
            ", ".join(urls[:3]),
        )
    return report


def docs_index(context) -> str | None:
    """The local Data Docs site's index.html of a GX context (None if it has no file site)."""
    from urllib.request import url2pathname

    for site in context.get_docs_sites_urls(only_if_exists=False):
        url = site.get("site_url")
        if url and url.startswith("file://"):
            return url2pathname(unquote(urlsplit(url).path))
    return None


def make_docs_offline(index: str | None, since: float | None = None) -> str:
    """Point the freshly built Data Docs at the project's copies of their browser libraries
    (`since`: only the pages written since then, see make_offline).
    "yes", or why not: missing assets cost the pages their styling, never the verdicts."""
    if not index or not Path(index).is_file():
        return "no Data Docs site"
    try:
        report = make_offline(Path(index).parent, since=since)
    except MissingDocsAssets as err:
        log.warning("Data Docs need the internet to show styled: %s", err)
        return str(err)
    if not report.offline:
        return f"{len(report.external)} page(s) still load from the internet (see the log)"
    return "yes"


def build_run_docs(context, checkpoint_result) -> None:
    """The Data Docs of one checkpoint run, in one build: the pages of its validation results and
    of their suites, and the index once (GX's UpdateDataDocsAction builds once per suite, and each
    build writes the index again, reading the validation results it lists)."""
    results = list(checkpoint_result.run_results)
    suites = list(dict.fromkeys(key.expectation_suite_identifier for key in results))
    context.build_data_docs(resource_identifiers=[*results, *suites])


def rebuild_data_docs(context_root: str | Path) -> tuple[str | None, str]:
    """Build the Data Docs again from the validation results GX stored (no database needed), with
    the rows of failed rules and the browser libraries of the project: (index.html, offline)."""
    from .context import file_context, quiet_gx_warnings

    with quiet_gx_warnings():
        context = file_context(context_root)
        register_unexpected_rows_table()
        context.build_data_docs()
        index = docs_index(context)
    return index, make_docs_offline(index)


# --------------------------------------------------------------------------- the rows behind a verdict

MAX_ROWS_SHOWN = SAMPLE_ROWS_IN_DETAILS  # the page shows the first ones, as dq.validation_results keeps
# figure and message first: they say which figure broke the rule and why
_FIRST_COLUMNS = ("figure_id", "message")


def _cell(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unexpected_rows_table(configuration=None, result=None, runtime_configuration=None, **kwargs):
    """GX renders an UnexpectedRowsExpectation's verdict as a count ("1 unexpected row"): the rows
    themselves (result_format COMPLETE keeps them in details.unexpected_rows) are shown under the
    expectation by this renderer, so a failed check's figure can be read on the page."""
    from great_expectations.render import RenderedStringTemplateContent, RenderedTableContent

    details = ((getattr(result, "result", None) or {}).get("details") or {}) if result is not None else {}
    rows = [r for r in details.get("unexpected_rows") or [] if isinstance(r, dict)]
    if not rows:
        return None
    keys = list(dict.fromkeys(k for r in rows for k in r))
    columns = [c for c in _FIRST_COLUMNS if c in keys] + [c for c in keys if c not in _FIRST_COLUMNS]
    shown = rows[:MAX_ROWS_SHOWN]
    caption = (
        f"{len(rows)} unexpected row(s)"
        if len(rows) == len(shown)
        else f"the first {len(shown)} of {len(rows)} unexpected rows"
    )
    return [
        RenderedStringTemplateContent(
            content_block_type="string_template",
            string_template={"template": caption, "tag": "strong", "styling": {"classes": ["text-danger"]}},
        ),
        RenderedTableContent(
            content_block_type="table",
            header_row=columns,
            table=[[_cell(r.get(c)) for c in columns] for r in shown],
            styling={"body": {"classes": ["table-bordered", "table-sm", "mt-3", "ge-unexpected-rows"]}},
        ),
    ]


def register_unexpected_rows_table() -> None:
    """Make Data Docs built in this process show the rows of a failed UnexpectedRowsExpectation
    (GX keeps one renderer of each kind per expectation type; this replaces the generic one, which
    only reads column-map results)."""
    from great_expectations.expectations import UnexpectedRowsExpectation
    from great_expectations.expectations.registry import get_renderer_impl, register_renderer
    from great_expectations.render.components import LegacyDiagnosticRendererType
    from great_expectations.render.renderer.renderer import renderer

    kind = LegacyDiagnosticRendererType.UNEXPECTED_TABLE
    current = get_renderer_impl("unexpected_rows_expectation", kind)
    if current and getattr(current.renderer, "__wrapped__", None) is unexpected_rows_table:
        return
    registry_log = logging.getLogger("great_expectations.expectations.registry")
    level = registry_log.level
    registry_log.setLevel(logging.ERROR)  # "Overwriting declaration of ..." is what we mean to do
    try:
        register_renderer(
            "unexpected_rows_expectation",
            UnexpectedRowsExpectation,
            renderer(renderer_type=kind)(unexpected_rows_table),
        )
    finally:
        registry_log.setLevel(level)
