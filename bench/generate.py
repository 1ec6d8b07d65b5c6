"""A generated corpus of ANTQ movement reports, for scale only (benchmarks, load tests).

    python -m bench.generate --n 10000 --out /tmp/reports [--seed 0]   (or: antq generate …)

Each report recombines the sentences of the sample reports (seeds/*.txt) and moves them to another
province of dbt_project/seeds/provinces.csv, another day (inside the dates that province existed),
and other numbers:

- the sample's province becomes the report's: "tỉnh Bắc Kạn" -> "tỉnh Sơn La" ("thành phố" for a
  city), its outlet abbreviation ("BBK -") and web address ("congan.kontum.gov.vn") too, and its
  districts become the new province's (when the extractor's lexicon knows them);
- the report's day ("Ngày 16/10", "sáng 06/01", a "date 2023-01" header) is the drawn one, and
  every year is shifted by as many years as the report moved (periods, document dates);
- counts are multiplied by a whole number per sentence (1 to 5: a small province, a big one), so
  that what a sentence relates stays true (a part within its whole, parts adding up to it, "102/102
  xã", a stated percentage); they are written the Vietnamese way (1.107, 05); years, days, ages,
  durations, percentages, amounts (48,55 triệu) and document numbers ("Đề án 06", "số 09/CTr-BCA")
  are left alone;
- a report whose opening comes from a dated sample is dated near that sample's day of the year (a
  review conference is held when its period ends), in a year the province existed.

Deterministic: report i of seed s is the same bytes whatever n is (its own random stream).
The text is realistic enough to exercise the extractor, the loader and the marts at scale; it is
not a source of facts.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from antq import config
from extractors.lexicon import _load

SAMPLES_DIR = config.PROJECT_ROOT / "seeds"
PROVINCES_CSV = config.DBT_PROJECT_DIR / "seeds" / "provinces.csv"
FIRST_DAY, LAST_DAY = date(2019, 1, 1), date(2025, 12, 31)  # the days generated reports are from

# a district name for provinces the extractor's lexicon has none for (plain, not a known place)
_NEUTRAL_DISTRICTS = ("Trung Tâm", "Tân Lập", "Phú Lộc", "An Thịnh", "Đông Hưng", "Bình Xuyên")
# a word that puts a day after it, the extractor's (its lexicon's day_words), with or without a capital:
# "(?:[Nn]gày|[Ss]áng|...)"
_DAY_WORD = "(?:" + "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}" for w in _load("report_meta.yaml")["day_words"]) + ")"
# the report's own day: "Ngày 16/10", "sáng 06/01", "Sáng 25/5" (no year)
_OWN_DAY = re.compile(rf"({_DAY_WORD}[ ]+)([0-9]{{1,2}})/([0-9]{{1,2}})(?![0-9/])")
_DAY_BEFORE = re.compile(rf"{_DAY_WORD}[ ]+$")
_DATE_YEAR = re.compile(r"(?<=[0-9]/)([12][0-9]{3})(?![0-9])")
_UNNAMED_PLACE = re.compile(r"(Công an|UBND|Tỉnh ủy) tỉnh(?![ ]+[A-ZĐ])")
_YEAR_WORD = re.compile(r"(?<![0-9])(?:19[5-9][0-9]|20[0-4][0-9])(?![0-9])")
_LETTER = re.compile(r"[A-Za-zĐđ]")
_HEADER = re.compile(r"^\s*date[ ]+[0-9]{4}-[0-9]{2}[ ]+")
_OUTLET = re.compile(r"^([A-ZĐ]{2,6})(\s*[-–—]\s*)")
# a number: 1.107 / 58.831 / 507 / 05 / 48,55 / 252.554/250.814 (a pair) / 2022 (a year)
_NUMBER = re.compile(
    r"(?<![\w.,/])([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(,[0-9]+)?"
    r"(?:/([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?![0-9,]))?(?![0-9]|\.[0-9])"
)
# numbers that name something rather than count it
_NAMING_BEFORE = re.compile(
    r"(?:số|Đề án|đề án|Chỉ thị|chỉ thị|Nghị quyết|nghị quyết|Quyết định|quyết định|Nghị định|nghị định"
    r"|Kế hoạch|kế hoạch|Thông tư|thông tư|Công văn|công văn|Chương trình|chương trình|Ban chỉ đạo|Ban Chỉ đạo"
    r"|BCĐ|Đại hội|Điều|điều|khoản|Khoản|lần thứ|thứ|Tổ|tổ|khóa|khoá|Luật|luật)[ ]+$"
)
_UNTOUCHED_AFTER = re.compile(r"[ ]*(?:%|tuổi|năm|tháng|ngày|giờ|phút|h\b|/[A-Za-zĐđ]|-[A-Za-zĐđ])")


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    ascii_name: str
    kind: str  # province | city
    valid_from: date
    valid_to: date | None

    @property
    def place(self) -> str:
        """How a report names it: "tỉnh Sơn La", "thành phố Hà Nội"."""
        return f"{'thành phố' if self.kind == 'city' else 'tỉnh'} {self.name}"


@dataclass(frozen=True)
class Sentence:
    text: str
    home: str | None  # the province of the sample it comes from
    base_year: int  # the year of that sample (its report date, else the end of its period)
    names_home: bool  # it names that province (a good opening sentence)
    sample: int


@dataclass(frozen=True)
class Generated:
    name: str
    text: str
    province: Province
    day: date


@dataclass(frozen=True)
class Paragraph:
    sentences: tuple[Sentence, ...]


def load_provinces(path: Path = PROVINCES_CSV) -> list[Province]:
    """The provinces of the warehouse's seed, with the days each existed under that name."""
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.append(
                Province(
                    code=row["province_code"],
                    name=row["province_name"],
                    ascii_name=row["province_name_ascii"],
                    kind=row["kind"],
                    valid_from=date.fromisoformat(row["valid_from"]),
                    valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                )
            )
    return out


def _format_count(value: int, like: str) -> str:
    if value >= 1000:
        return f"{value:,}".replace(",", ".")
    if like.startswith("0") and len(like) == 2 and value < 10:
        return f"{value:02d}"
    return str(value)


def _count_value(s: str) -> int:
    return int(s.replace(".", ""))


class Corpus:
    """The sample reports cut into paragraphs and sentences, ready to be recombined."""

    def __init__(self, samples_dir: Path = SAMPLES_DIR, provinces_csv: Path = PROVINCES_CSV):
        import extractors
        from extractors.report_meta import DISTRICTS, OUTLETS
        from extractors.rules.segment import sentences as sentence_spans

        files = sorted(Path(samples_dir).glob("*.txt"))
        if not files:
            raise FileNotFoundError(f"no sample reports (*.txt) in {samples_dir}")
        self.provinces = [
            p
            for p in load_provinces(provinces_csv)
            if (p.valid_to or LAST_DAY) >= FIRST_DAY and p.valid_from <= LAST_DAY
        ]
        self.outlet_of: dict[str, str] = {}
        for abbrev, prov in OUTLETS.items():
            self.outlet_of.setdefault(prov, abbrev)
        self.home_outlets = set(OUTLETS)
        self.districts: dict[str, list[str]] = {}
        for district, prov in DISTRICTS.items():
            self.districts.setdefault(prov, []).append(district)
        # and the districts and communes the gazetteer places in one province only: a sample's own
        # ("xã Vi Hương") must not stay behind to pull the moved report back to its old province
        from extractors.gazetteer import gazetteer

        gz = gazetteer()
        for table in (gz.districts, gz.communes_before, gz.communes_after):
            for name, provs in table.items():
                if len(provs) == 1 and len(name) > 3 and name[:1].isupper():
                    self.districts.setdefault(next(iter(provs)), []).append(name)
        self.districts = {p: sorted(set(ds), key=lambda d: (-len(d), d)) for p, ds in self.districts.items()}
        self.openings: list[tuple[Paragraph, ...]] = []  # a sample's first paragraphs
        self.paragraphs: list[Paragraph] = []
        self.closings: list[Sentence] = []  # "... ANTQ./."
        self.sample_days: list[date | None] = []  # the day each sample is dated, if it says
        for k, path in enumerate(files):
            report = extractors.extract_path(path)
            self.sample_days.append(report.report_date)
            # the year the sample's text is written from: its date's; a review of a whole year
            # ("năm 2022") without a date is held early in the next year
            if report.report_date is not None:
                base = report.report_date.year
            elif report.period_end is not None:
                whole_year = (report.period_start, report.period_end) == (
                    date(report.period_end.year, 1, 1),
                    date(report.period_end.year, 12, 31),
                )
                base = report.period_end.year + (1 if whole_year else 0)
            else:
                base = 2023
            home = report.province
            paras = []
            for line in report.text.split("\n"):
                sents = tuple(
                    Sentence(line[a:b], home, base, bool(home and home in line[a:b]), k)
                    for a, b in sentence_spans(line)
                )
                if sents:
                    paras.append(Paragraph(sents))
            # the opening: up to the first paragraph that names the province or opens with an outlet
            # ("BBK - Ngày 16/10, ..."), banners before it included ("A- A A+ | Tăng tương phản ...")
            cut = next(
                (
                    i + 1
                    for i, para in enumerate(paras[:3])
                    if any(s.names_home for s in para.sentences)
                    or _OUTLET.match(_HEADER.sub("", para.sentences[0].text))
                ),
                0,
            )
            # ... and the paragraph after it that dates what the opening announces ("Qua 10 năm thực
            # hiện Chương trình ..., ngày 01/8/2013"), so a report's periods stay its own
            nxt = next(
                (
                    j + 1
                    for j in range(cut, min(cut + 3, len(paras)))
                    if any(_YEAR_WORD.search(s.text) for s in paras[j].sentences)
                ),
                None,
            )
            if cut and nxt:
                cut = nxt
            if cut:
                self.openings.append(tuple(paras[:cut]))
            for para in paras[cut:]:
                sents = para.sentences
                if sents[-1].text.endswith("./.") or sents[0].text.startswith("Tác giả"):
                    self.closings.append(sents[-1])
                    if len(sents) > 1:
                        self.paragraphs.append(Paragraph(sents[:-1]))
                    continue
                self.paragraphs.append(para)
        if not self.openings:
            self.openings = [tuple(self.paragraphs[:1])]
        self.sample_sizes = [len(p.read_text(encoding="utf-8")) for p in files]
        self._patterns: dict[str, tuple] = {}

    # ---- one report ------------------------------------------------------------------------

    def report(self, index: int, seed: int = 0) -> tuple[str, str]:
        """(file name, text) of generated report `index` for `seed`."""
        g = self.make(index, seed)
        return g.name, g.text

    def make(self, index: int, seed: int = 0) -> Generated:
        """Generated report `index` for `seed`, with the province and day it was given."""
        rng = random.Random(f"antq-generate:{seed}:{index}")
        prov = rng.choice(self.provinces)
        opening = rng.choice(self.openings)
        first = max(prov.valid_from, FIRST_DAY)
        last = min(prov.valid_to or LAST_DAY, LAST_DAY)
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        sample_day = self.sample_days[opening[0].sentences[0].sample]
        if sample_day is not None:
            # a conference reviewing a year or a plan is held when its sample's was (within weeks):
            # its day and period stay as plausible as the sample's
            near = date(day.year, sample_day.month, min(sample_day.day, 28)) + timedelta(days=rng.randint(-20, 20))
            day = min(max(near, first), last)
        target_len = int(rng.choice(self.sample_sizes) * rng.uniform(0.85, 1.15))  # as long as the samples
        districts = self.districts.get(prov.name) or list(_NEUTRAL_DISTRICTS)
        size_of = rng.choice((1, 1, 2, 2, 3, 4))  # a province's size: its counts are 1-5 times the samples'

        paras: list[list[Sentence]] = [list(p.sentences) for p in opening]
        size = sum(len(s.text) for para in paras for s in para)
        pool = list(self.paragraphs)
        rng.shuffle(pool)
        for para in pool:
            if size >= target_len:
                break
            sents = list(para.sentences)
            if len(sents) > 3 and rng.random() < 0.5:  # a long paragraph: keep a run of its sentences
                a = rng.randrange(len(sents) - 2)
                sents = sents[a : a + rng.randint(2, len(sents) - a)]
            paras.append(sents)
            size += sum(len(s.text) for s in sents)
        if self.closings and rng.random() < 0.6:
            paras.append([rng.choice(self.closings)])

        def move(s: Sentence, own_day: bool) -> str:
            # one whole multiplier a sentence: a part stays within its whole, parts still add up to it,
            # a stated percentage still matches (or not, as in the sample)
            return self._move(s, prov, day, size_of + rng.choice((0, 0, 1)), districts, rng, own_day)

        lines = [
            " ".join(move(s, own_day=(i == 0)) for i, s in enumerate(para))
            if j == 0
            else " ".join(move(s, own_day=False) for s in para)
            for j, para in enumerate(paras)
        ]
        head = lines[0]
        head = _HEADER.sub("", head)
        m = _OUTLET.match(head)
        if m and m.group(1) in self.home_outlets:  # the sample's outlet: the new province's, or none
            outlet = self.outlet_of.get(prov.name)
            head = (outlet + m.group(2) if outlet else "") + head[m.end() :]
        if m and not any(prov.name in line for line in [head, *lines[1 : len(opening)]]):
            # the outlet named the province and is gone: the opening names it ("tại Công an tỉnh X")
            head = _UNNAMED_PLACE.sub(lambda u: f"{u.group(1)} {prov.place}", head, count=1)
        if rng.random() < 0.4:  # a header like the samples' exports have
            head = f" date {day.year}-{day.month:02d} {head}"
        lines[0] = head
        sep = "\n\n" if rng.random() < 0.6 else "\n"
        text = sep.join(lines) + "\n"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return Generated(f"gen{seed}_{index:06d}_{digest}.txt", text, prov, day)

    def _home_patterns(self, home: str):
        """Compiled once per sample province: its place phrase, its name, its web name, its districts."""
        cached = self._patterns.get(home)
        if cached is None:
            folded = _fold_ascii(home)
            cached = self._patterns[home] = (
                re.compile(rf"(?:tỉnh|thành phố|Tỉnh)[ ]+{re.escape(home)}(?!\w)"),
                re.compile(rf"(?<!\w){re.escape(home)}(?!\w)"),
                re.compile(rf"(?<=[./]){folded}(?=\.)") if folded else None,
                # one alternation of the home's places, longest first
                re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, self.districts[home]))})(?!\w)")
                if self.districts.get(home)
                else None,
            )
        return cached

    def _move(
        self,
        s: Sentence,
        prov: Province,
        day: date,
        times: int,
        districts: list[str],
        rng: random.Random,
        own_day: bool,
    ) -> str:
        text = s.text
        delta = day.year - s.base_year
        if s.home:
            place_re, name_re, domain_re, district_res = self._home_patterns(s.home)  # district_res: one regex
            if s.home in text:
                text = place_re.sub(prov.place, text)
                text = name_re.sub(prov.name, text)
            if domain_re is not None and ".vn" in text:
                text = domain_re.sub(_fold_ascii(prov.name), text)
            if district_res is not None:
                text = district_res.sub(lambda _m: rng.choice(districts), text)
        if own_day:
            text, n = _OWN_DAY.subn(lambda m: f"{m.group(1)}{day.day:02d}/{day.month:02d}", text, count=1)

        def number(m: re.Match) -> str:
            whole, frac, den = m.group(1), m.group(2), m.group(3)
            before = text[max(0, m.start() - 24) : m.start()]
            after = text[m.end() : m.end() + 8]
            if frac:  # 48,55 triệu / 106,7%: amounts and rates are left alone
                return m.group()
            plain = "." not in whole
            if den is not None:
                if _DAY_BEFORE.search(before) or len(den) == 4:
                    return m.group()  # a date (its year, if any, is the next number)
                if _NAMING_BEFORE.search(before) or _LETTER.match(after):
                    return m.group()
                a, b = _count_value(whole), _count_value(den)
                return f"{_format_count(a * times, whole)}/{_format_count(b * times, den)}"
            if plain and len(whole) == 4 and 1945 <= int(whole) <= 2100:
                return str(int(whole) + delta)  # a year
            if plain and len(whole) > 4:
                return m.group()  # "202320": a typo or an identifier, not a count
            if text[max(0, m.start() - 1) : m.start()] == "/" or _UNTOUCHED_AFTER.match(after):
                return m.group()
            if _NAMING_BEFORE.search(before) or _DAY_BEFORE.search(before):
                return m.group()
            return _format_count(_count_value(whole) * times, whole)

        # years inside dates ("06/1/2022", "ngày 01/8/2013") move with the others
        if delta:
            text = _DATE_YEAR.sub(lambda m: str(int(m.group(1)) + delta), text)
        return _NUMBER.sub(number, text)


@functools.cache
def _fold_ascii(name: str) -> str:
    """ "Kon Tum" -> "kontum" (as in congan.kontum.gov.vn)."""
    s = unicodedata.normalize("NFD", name.lower()).replace("đ", "d")
    return "".join(c for c in s if unicodedata.category(c) != "Mn" and c.isalnum())


def reports(n: int, seed: int = 0, start: int = 0, corpus: Corpus | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, UTF-8 bytes) of generated reports start .. start+n-1."""
    corpus = corpus or Corpus()
    for i in range(start, start + n):
        name, text = corpus.report(i, seed)
        yield name, text.encode("utf-8")


def generate(n: int, out: Path, seed: int = 0, start: int = 0) -> list[Path]:
    """Write n generated reports into the folder `out` (created); returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in reports(n, seed, start):
        path = out / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description="write generated reports (for scale only) into a folder"
    )
    parser.add_argument("--n", type=int, required=True, help="how many reports")
    parser.add_argument("--out", required=True, help="the folder to write them in (created)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same reports (default 0)")
    parser.add_argument("--start", type=int, default=0, help="index of the first report (default 0)")
    args = parser.parse_args(argv)
    paths = generate(args.n, args.out, seed=args.seed, start=args.start)
    print(f"{len(paths)} generated reports (seed {args.seed}) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
