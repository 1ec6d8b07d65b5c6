"""What `antq extract` prints: JSON lines for machines, a table for people; and the benchmark."""

from __future__ import annotations

import json

import extractors
from extractors import bench

TEXT = (
    "BBK - Ngày 16/10, hội nghị sơ kết phong trào giai đoạn 2019-2024. Thu hồi 1.224 khẩu súng, 587 viên đạn; "
    "có hơn 100 lượt tập thể, cá nhân được Bộ trưởng Bộ Công an, UBND tỉnh tặng Bằng khen."
)


def test_jsonl():
    r = extractors.extract_text(TEXT, "a.txt")
    rows = [json.loads(line) for line in extractors.cli_format_jsonl([r])]
    assert [(x["surface"], x["value"], x["measure"]) for x in rows] == [
        ("1.224", 1224, "weapons.guns"),
        ("587", 587, "weapons.ammunition"),
        ("100", 100, "awards.mixed"),
    ]
    assert isinstance(rows[0]["value"], int)
    assert TEXT[rows[0]["start"] : rows[0]["end"]] == "1.224"


def test_table_reads_well():
    r = extractors.extract_text(TEXT, "a.txt")
    table = extractors.cli_format_table([r])
    lines = table.splitlines()
    assert lines[0].startswith("a.txt") and "province=Bắc Kạn" in lines[0] and "period=giai đoạn 2019-2024" in lines[0]
    assert "measure" in lines[1] and "sentence" in lines[1]
    assert any("1.224" in line and "weapons.guns" in line for line in lines)
    assert any(
        ">" in line and "awards.mixed" in line and "issuer=Bộ trưởng Bộ Công an+UBND tỉnh" in line for line in lines
    )
    assert max(len(line) for line in lines if "weapons" in line) < 200


def test_table_of_a_report_without_figures():
    r = extractors.extract_text("Không có số liệu.", "b.txt")
    assert "(no figures)" in extractors.cli_format_table([r])


def test_bench_reports_its_speed(capsys):
    result = bench.run(seconds=0.3)
    assert result["reports"] >= 5 and result["reports_per_s"] > 0 and result["figures_per_report"] > 10
    assert bench.main(["0.2"]) == 0
    out = capsys.readouterr()
    assert "reports_per_s" in out.out and "reports/s" in out.err


def test_version():
    assert extractors.EXTRACTOR_VERSION.count(".") == 2
    assert extractors.extract_text(TEXT, "a.txt").extractor_version == extractors.EXTRACTOR_VERSION
