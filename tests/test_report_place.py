"""Where a report comes from: province from the text (provinces, districts and communes through the
gazetteer across the 2025 reorganisation, national and regional reports), from a manifest, from the
outlet of the manifest's url; and the period read against the report date.

The shared reports are read in place (ANTQ_SHARED_DIR or ../shared); the ground truth and the URLs come
from the tables of ../shared/dev/SOURCES_*.md, read at run time (the manifests are built from them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import extractors
from antq import manifest
from extractors import ReportSource
from extractors.gazetteer import outlet_of_url
from extractors.report_meta import _FOLDED_PROVINCE

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ANTQ_SHARED_DIR") or REPO.parent / "shared")
# the five sample reports are not in SOURCES_*.md: four of Báo Bắc Kạn, one of Kon Tum's portal
SEED_PROVINCES = {
    "000_19a092f55bfce8ee.txt": "Bắc Kạn",
    "001_24808d28fd314263.txt": "Bắc Kạn",
    "002_8cb08c7fc698b016.txt": "Bắc Kạn",
    "003_444a77a962dd98df.txt": "Bắc Kạn",
    "004_f927958248fcde9a.txt": "Kon Tum",
}
_SPELLING = {"TP.HCM": "Hồ Chí Minh", "Bà Rịa – Vũng Tàu": "Bà Rịa - Vũng Tàu"}


def _expected(scope_cell: str):
    """The SOURCES table's "province / scope" cell -> a set of right provinces, "national" or "region"."""
    head = scope_cell.split(" (")[0].strip()
    if head.startswith("Nationwide"):
        return "national"
    if head.startswith("Tây Nam Bộ"):
        return "region"
    return {_SPELLING.get(p.strip(), p.strip()) for p in head.split(" and ")}


def shared_reports() -> list[tuple[Path, str | None, object]]:
    """(path, url, expected) of every shared report: the five samples and the dev sets."""
    if not (SHARED / "dev").is_dir():
        pytest.skip(f"no shared folder at {SHARED} (set ANTQ_SHARED_DIR)")
    out = [(SHARED / "reports" / name, None, {prov}) for name, prov in SEED_PROVINCES.items()]
    for md in sorted((SHARED / "dev").glob("SOURCES_*.md")):
        for line in md.read_text(encoding="utf-8").splitlines():
            if line.startswith("| reports/"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                out.append((SHARED / "dev" / cells[0], cells[1], _expected(cells[2])))
    assert len(out) == 59, f"expected the 59 shared reports, found {len(out)}"
    return out


def _right(report, expected) -> bool:
    if isinstance(expected, set):
        return report.scope == "province" and report.province in expected
    return report.scope == expected and report.province is None


def _score(with_manifest: bool) -> tuple[float, list[str], list[str]]:
    rows = shared_reports()
    provincial, wrong, others_wrong = 0, [], []
    for path, url, expected in rows:
        source = ReportSource(url=url) if with_manifest and url else None
        r = extractors.extract_path(path, source)
        if isinstance(expected, set):
            provincial += 1
            if not _right(r, expected):
                wrong.append(f"{path.name}: {r.province} ({r.scope}, {r.province_source}), expected {expected}")
        elif not _right(r, expected):
            others_wrong.append(f"{path.name}: {r.province} ({r.scope}), expected {expected}")
    return 1 - len(wrong) / provincial, wrong, others_wrong


def test_province_from_the_text_alone_on_the_shared_reports():
    accuracy, wrong, others = _score(with_manifest=False)
    assert accuracy >= 0.85, "\n".join(wrong)
    assert not others, "national and regional reports: " + "; ".join(others)


def test_province_with_a_manifest_of_file_and_url():
    accuracy, wrong, others = _score(with_manifest=True)
    assert accuracy >= 0.95, "\n".join(wrong)
    assert not others


def test_the_manifest_of_file_and_url_reads_as_the_cli_reads_it(tmp_path):
    """The same through `antq extract --format reports` with a manifest.csv beside copies of the files."""
    import json
    import shutil
    import subprocess
    import sys

    picked = [(p, u, e) for p, u, e in shared_reports() if u and p.name.startswith(("dA_07", "dD_04", "dD_12"))]
    lines = ["file,url"]
    for p, url, _ in picked:
        shutil.copy(p, tmp_path / p.name)
        lines.append(f"{p.name},{url}")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "antq.cli",
            "extract",
            "--format",
            "reports",
            *(str(tmp_path / p.name) for p, _, _ in picked),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    got = {d["doc"]: d for d in map(json.loads, out.splitlines())}
    assert set(got) == {p.name for p, _, _ in picked}
    for p, url, expected in picked:
        d = got[p.name]
        assert d["province"] in expected and d["province_source"] == "outlet" and d["url"] == url, d
        assert set(d) >= {
            "doc",
            "province",
            "province_source",
            "report_date",
            "period_start",
            "period_end",
            "period_label",
        }


# ---- the gazetteer across the 2025 reorganisation ---------------------------------------------


def place(text: str, published: date | None = None):
    r = extractors.extract_text(text, "t.txt", source=ReportSource(published=published) if published else None)
    return r.province, r.scope


@pytest.mark.parametrize(
    "text, province",
    [
        ("Ngày hội được tổ chức tại xã Cẩm Nhượng với sự tham gia của 500 người.", "Hà Tĩnh"),
        ("Công an huyện Duy Xuyên tổng kết phong trào năm 2022.", "Quảng Nam"),
        ("Huyện Thanh Hà có 120 tổ tự quản.", "Hải Dương"),
        ("Tại TX Đông Triều, xã Việt Dân ra mắt mô hình.", "Quảng Ninh"),
        ("Ban Chỉ đạo 138 huyện Vĩnh Thuận tổng kết mô hình camera.", "Kiên Giang"),
    ],
)
def test_districts_and_communes_place_a_report(text, province):
    assert place(text) == (province, "province")


def test_a_commune_named_after_the_reorganisation_is_in_its_new_province():
    # xã Ba Bể exists only after 1 July 2025 (Bắc Kạn's communes merged into the new Thái Nguyên)
    assert place("Công an xã Ba Bể ra mắt 12 tổ an ninh.", date(2025, 9, 1)) == ("Thái Nguyên", "province")
    # xã Song Khủa is a commune of Sơn La before and after
    assert place("Ngày hội tại xã Song Khủa thu hút 300 người.", date(2024, 8, 1))[0] == "Sơn La"
    assert place("Ngày hội tại xã Song Khủa thu hút 300 người.", date(2025, 8, 1))[0] == "Sơn La"
    # a district (abolished on 1 July 2025) named in a later report: its old province's successor
    assert place("Công an huyện Lập Thạch tổ chức hội nghị.", date(2024, 8, 1))[0] == "Vĩnh Phúc"
    assert place("Công an huyện Lập Thạch tổ chức hội nghị.", date(2025, 8, 1))[0] == "Phú Thọ"
    # an old commune (Vĩnh Phúc's xã Bắc Bình) in a report after the merger: the new province
    assert place("Ngày hội tại xã Bắc Bình, huyện Lập Thạch.", date(2025, 8, 1))[0] == "Phú Thọ"


def test_a_name_of_several_provinces_shares_its_weight():
    # "xã Thanh Hà" is in four provinces before 2025: a district or province named once outweighs it
    assert place("Tại xã Thanh Hà, huyện Duy Xuyên, hội nghị tổng kết.")[0] == "Quảng Nam"


def test_national_reports_are_national():
    text = "Chiều 4/4, Bộ Công an tổ chức họp báo cung cấp thông tin về tình hình quý I/2025 trên toàn quốc."
    assert place(text) == (None, "national")
    # a provincial report that mentions Bộ Công an stays provincial
    assert place("Công an tỉnh Lạng Sơn được Bộ Công an tặng Bằng khen.") == ("Lạng Sơn", "province")


# ---- the outlet of a url ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, province, how",
    [
        ("https://baophutho.vn/dau-an-phong-trao-244084.htm", "Phú Thọ", "host"),
        ("http://baoyenbai.com.vn/13/317517/x.aspx", "Yên Bái", "host"),
        ("https://camnhuong.camxuyen.hatinh.gov.vn/portal/x.aspx", "Hà Tĩnh", "host"),
        ("https://congan.kontum.gov.vn/tin-tuc", "Kon Tum", "host"),
        ("https://truyenhinhthanhhoa.vn/x.htm", "Thanh Hóa", "host"),
        ("http://www.thtg.vn/bieu-duong/", "Tiền Giang", "listed"),
        ("https://www.sggp.org.vn/x.html", "Hồ Chí Minh", "listed"),
        ("https://trangtraiviet.danviet.vn/x.htm", None, "national"),
        ("https://www.bocongan.gov.vn/bai-viet/x", None, "national"),
        ("https://example.com/x", None, "unknown"),
        ("not a url", None, "unknown"),
    ],
)
def test_outlet_of_a_url(url, province, how):
    assert outlet_of_url(url, _FOLDED_PROVINCE) == (province, how)


def test_precedence_manifest_then_text_then_outlet():
    text = "Công an tỉnh Lạng Sơn tổng kết phong trào năm 2023."
    paper = "https://baophutho.vn/x.htm"
    r = extractors.extract_text(text, "t.txt", source=ReportSource(url=paper, province="Cao Bằng", scope="province"))
    assert (r.province, r.province_source) == ("Cao Bằng", "manifest")
    r = extractors.extract_text(text, "t.txt", source=ReportSource(url=paper))
    assert (r.province, r.province_source, r.source_url) == ("Lạng Sơn", "text", paper)
    r = extractors.extract_text("Toàn tỉnh có 120 tổ tự quản.", "t.txt", source=ReportSource(url=paper))
    assert (r.province, r.province_source) == ("Phú Thọ", "outlet")
    r = extractors.extract_text("Toàn tỉnh có 120 tổ tự quản.", "t.txt")
    assert (r.province, r.province_source, r.scope) == (None, None, None)
    r = extractors.extract_text(text, "t.txt", source=ReportSource(scope="national"))
    assert (r.province, r.scope, r.province_source) == (None, "national", "manifest")


# ---- report date and period -------------------------------------------------------------------


def test_the_year_in_progress_ends_at_the_report_date():
    r = extractors.extract_text("Ngày 28/7/2023, hội nghị sơ kết: năm 2023, toàn tỉnh có 120 tổ.", "t.txt")
    assert (r.report_date, r.period_label, r.period_start, r.period_end) == (
        date(2023, 7, 28),
        "năm 2023",
        date(2023, 1, 1),
        date(2023, 7, 28),
    )
    # a year already over is the whole year
    r = extractors.extract_text("Ngày 6/1/2024, hội nghị tổng kết năm 2023.", "t.txt")
    assert (r.period_start, r.period_end) == (date(2023, 1, 1), date(2023, 12, 31))


def test_n_years_ends_at_the_published_date_of_the_manifest():
    text = "Trong 5 năm qua, toàn tỉnh Lạng Sơn xây dựng 300 mô hình."
    r = extractors.extract_text(text, "t.txt")
    assert (r.report_date, r.period_start, r.period_end) == (None, None, None)
    r = extractors.extract_text(text, "t.txt", source=ReportSource(published=date(2024, 10, 16)))
    assert (r.report_date, r.report_date_source, r.period_label, r.period_start, r.period_end) == (
        date(2024, 10, 16),
        "manifest",
        "5 năm qua",
        date(2019, 10, 1),
        date(2024, 10, 16),
    )


def test_the_published_date_of_the_manifest_comes_before_the_text():
    r = extractors.extract_text(
        "Ngày 16/10/2024, hội nghị năm 2024.", "t.txt", source=ReportSource(published=date(2024, 10, 18))
    )
    assert (r.report_date, r.report_date_source) == (date(2024, 10, 18), "manifest")
    r = extractors.extract_text("Ngày 16/10/2024, hội nghị năm 2024.", "t.txt")
    assert (r.report_date, r.report_date_source) == (date(2024, 10, 16), "text")


def test_sources_beside_reads_only_the_manifest_in_the_files_folder(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "file,url,published,province\na.txt,https://baophutho.vn/x,2024-01-02,\nb.txt,,bad-date,\n", encoding="utf-8"
    )
    sources, rejected = manifest.sources_beside([str(tmp_path / "a.txt")])
    assert sources == {str(tmp_path / "a.txt"): ReportSource(url="https://baophutho.vn/x", published=date(2024, 1, 2))}
    assert [(r.line_no, re.search("not a date", r.reason) is not None) for r in rejected] == [(3, True)]


# "huyện An Lão" is a district of Bình Định and of Hải Phòng: an even split, which the order the
# provinces were counted in decides. That order must not be a set's, which changes with the hash seed
# of the process (each extraction worker has its own): the same file got another province per run.
TIED = "Năm 2023, Công an huyện An Lão đã phát động phong trào toàn dân bảo vệ ANTQ tại 120 thôn."
PLACE_IN_A_PROCESS = "import sys; from extractors.report_meta import place_report; print(place_report(sys.argv[1]))"


def test_a_tie_between_provinces_is_placed_the_same_whatever_the_hash_seed():
    seen = {
        subprocess.run(
            [sys.executable, "-c", PLACE_IN_A_PROCESS, TIED],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in range(1, 9)
    }
    assert seen == {"('Bình Định', 'province')"}
