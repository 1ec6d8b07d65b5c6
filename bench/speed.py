"""The bench (`make bench`, `python -m bench`): the product's speed and memory as its users feel them.

Five figures, each in its own section of bench/results.json (written after every section, so a
partial run still leaves figures), and a table at the end:

1. extraction   reports/s on one core (CPU time of this process): the sample reports repeated, and a
                generated corpus (extractors.bench.run on both).
2. load         figures/s into staging.figures with the project's COPY path vs a row-by-row INSERT
                loader on the same rows, in the same run: the ratio.
3. e2e          1,000 and 10,000 (or --sizes, e.g. 1000,10000,50000) generated reports from the
                landing folder to validated marts: ingestion (antq.ingest.night.run: discover,
                load_raw, extract_and_stage with its extraction workers), dbt build, GX; wall time
                and peak memory of each step (each runs in its own process, as under Airflow; its
                memory is the sum of the RSS of its whole process tree, workers included, sampled
                every 50 ms), and whether the ingestion's peak stays flat as the corpus grows.
4. incremental  a night of 10 new reports on a warehouse already holding 100,000 reports vs the
                same 10 on an empty one (both already built once): the ratio (goal ≤ 1.2).
5. airflow      the 1,000-report run through `airflow dags test` (both DAGs) vs the same steps
                called directly: the ratio.

Every section works in throwaway databases on the local server (postgresql://postgres@127.0.0.1:5432,
or ANTQ_BENCH_SERVER_URL), or on an embedded PostgreSQL under a temporary folder when no server
answers. Nothing outside that folder and bench/ is touched. Where a target is missed the section
profiles the cause (pyinstrument for Python, dbt's run_results.json for the models) and keeps the
profile in results.json (and bench/profiles/).

The measured steps run in child processes: `python -m bench.step ingest|validate ...` (bench/step.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from antq import config
from antq.ingest import staging

log = logging.getLogger(__name__)

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS_PATH = Path(__file__).resolve().parent / "results.json"
SECTIONS = ("extraction", "load", "e2e", "incremental", "airflow")
TARGETS = {
    "extraction_reports_per_s": 1000.0,  # per core
    "load_copy_over_insert": 30.0,
    "e2e_10000_seconds": 45.0,
    "ingest_peak_mb": 300.0,  # the ingest step's process tree (its extraction workers included), any size
    "ingest_peak_growth": 1.2,  # its peak at the largest size ≥ 20,000 over its peak at 10,000: flat
    "incremental_ratio": 1.2,
}


@dataclass
class Params:
    sections: tuple[str, ...] = SECTIONS
    sizes: tuple[int, ...] = (1000, 10000, 50000)  # e2e corpus sizes (bench/curves.png)
    # reports already in the warehouse for the incremental night, one warehouse per size (and an
    # empty one): the night's cost against the history (bench/curves.png)
    history: int | tuple[int, ...] = (10_000, 100_000)
    night: int = 10  # new reports of that night
    extract_seconds: float = 5.0
    extract_corpus: int = 500  # generated reports the extraction figure cycles through
    load_figures: int = 30_000  # rows each loader writes
    airflow_size: int = 1000  # the e2e size the Airflow path is compared on
    seed: int = 0
    profile: bool = True  # profile a missed target
    keep: bool = False  # keep the databases and the temporary folder (to look into them afterwards)
    out: Path = RESULTS_PATH

    @classmethod
    def quick(cls, **kw) -> Params:
        """Tiny sizes: every code path in a minute or two (tests, a smoke run)."""
        base = dict(
            sizes=(12,),
            history=200,
            night=3,
            extract_seconds=0.3,
            extract_corpus=8,
            load_figures=300,
            airflow_size=12,
            profile=False,
        )
        base.update(kw)
        return cls(**base)


# ---------------------------------------------------------------------------------------------
# results


class Results:
    """bench/results.json, rewritten (atomically) after every section."""

    def __init__(self, path: Path, params: Params, server_kind: str, server_version: str):
        self.path = Path(path)
        self.data: dict = {
            "schema": 1,
            "status": "running",
            "results_file": _shown(self.path),
            "started_at": _now(),
            "finished_at": None,
            "machine": machine_info(),
            "postgres": {"where": server_kind, "version": server_version},
            "git": _git_describe(),
            "params": {
                k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v)
                for k, v in params.__dict__.items()
            },
            "targets": TARGETS,
            "load_average": {"start": list(os.getloadavg())},
            "sections": {},
            "errors": {},
        }
        self.write()

    def section(self, name: str, data: dict) -> None:
        self.data["sections"][name] = data
        self.write()

    def error(self, name: str, message: str) -> None:
        self.data["errors"][name] = message
        self.write()

    def finish(self, seconds: float) -> None:
        self.data["status"] = "complete" if not self.data["errors"] else "complete with errors"
        self.data["finished_at"] = _now()
        self.data["seconds"] = round(seconds, 1)
        self.data["load_average"]["end"] = list(os.getloadavg())
        self.data["summary"] = summary(self.data)
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        tmp.replace(self.path)


def _shown(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(config.PROJECT_ROOT)) if path.is_relative_to(config.PROJECT_ROOT) else str(path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git_describe() -> dict:
    def git(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=config.PROJECT_ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def machine_info() -> dict:
    import psutil

    model = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "hostname": platform.node(),
    }


# ---------------------------------------------------------------------------------------------
# servers and throwaway databases


class Server:
    """The PostgreSQL server the bench creates its databases on."""

    def __init__(self, tmp: Path, keep: bool = False):
        import psycopg

        self.keep = keep
        self.created: list[str] = []  # the databases this run made (and drops, unless keep)
        self._embedded = None
        url = os.environ.get("ANTQ_BENCH_SERVER_URL", DEFAULT_SERVER_URL)
        try:
            with psycopg.connect(
                config.with_database(config.libpq_url(url), "postgres"), connect_timeout=3, autocommit=True
            ) as conn:
                conn.execute("select 1")
            self.url, self.kind = url, "local server"
        except psycopg.OperationalError as err:
            log.warning("no PostgreSQL at %s (%s): starting an embedded one", url, str(err).strip()[:120])
            from antq import warehouse

            # the server's lock file lives in the runtime dir: one outside tmp, which is removed at the end
            runtime = Path(tempfile.gettempdir()) / "antq-bench-runtime"
            runtime.mkdir(mode=0o700, exist_ok=True)
            os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
            self._embedded = warehouse.start_embedded(tmp / "pg")
            self.url, self.kind = self._embedded.get_uri(), "embedded"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            self.version = conn.execute("show server_version").fetchone()[0]

    @property
    def admin_url(self) -> str:
        return config.with_database(config.libpq_url(self.url), "postgres")

    @contextlib.contextmanager
    def database(self, tag: str):
        """A new database with the warehouse DDL applied; dropped (with its _airflow twin) afterwards."""
        import psycopg
        from psycopg import sql

        from antq import warehouse

        name = f"antq_bench_{tag}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        self.created += [name, f"{name}_airflow"]
        url = config.with_database(self.url, name)
        try:
            warehouse.migrate(url)
            yield url
        finally:
            if self.keep:
                print(f"  kept database {name}", flush=True)
            else:
                with psycopg.connect(self.admin_url, autocommit=True) as conn:
                    for db in (name, f"{name}_airflow"):
                        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db)))

    def close(self) -> None:
        if self._embedded is not None and not self.keep:
            with contextlib.suppress(Exception):
                self._embedded.cleanup()
            self._embedded = None


# ---------------------------------------------------------------------------------------------
# one step in its own process: wall time, CPU, peak memory


@dataclass
class Step:
    name: str
    seconds: float
    returncode: int
    # memory is sampled every 50 ms (wait4's ru_maxrss would count the bench process itself: a child
    # inherits its parent's high-water mark through fork and exec)
    peak_rss_mb: float  # the largest single process of the step
    peak_tree_rss_mb: float  # the step's process tree at its largest
    cpu_seconds: float  # user + system of the step and its children (not the PostgreSQL server's work)
    log: str
    result: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_tree_rss_mb": round(self.peak_tree_rss_mb, 1),
            "cpu_seconds": round(self.cpu_seconds, 2),
            **({"result": self.result} if self.result else {}),
        }


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.peak_single = pid, every, 0, 0
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._halt.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    rss = p.memory_info().rss
                    total += rss
                    self.peak_single = max(self.peak_single, rss)
            self.peak = max(self.peak, total)
            self._halt.wait(self.every)

    def stop(self) -> tuple[int, int]:
        self._halt.set()
        self.join(timeout=2)
        return self.peak_single, self.peak


def run_step(
    name: str, cmd: list[str], env: dict, logs: Path, result_file: Path | None = None, check: bool = True
) -> Step:
    """Run cmd as a child process, measuring it; its output goes to logs/<name>.log."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name.replace(' ', '_').replace('/', '_')}.log"
    started = time.perf_counter()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=config.PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: do not leave the step running
            sampler.stop()
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
            raise
        seconds = time.perf_counter() - started
        single_peak, tree_peak = sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {}
    if result_file is not None and result_file.exists():
        result = json.loads(result_file.read_text(encoding="utf-8"))
    step = Step(
        name,
        seconds,
        proc.returncode,
        single_peak / 2**20,
        tree_peak / 2**20,
        usage.ru_utime + usage.ru_stime,
        str(log_path),
        result,
    )
    if check and proc.returncode != 0:
        tail = "\n".join(log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
        raise RuntimeError(f"bench step '{name}' failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    return step


def _python() -> str:
    return sys.executable


class Workspace:
    """A run's folders and child-process environment: ANTQ_DATA_DIR, dbt target and logs per run."""

    def __init__(self, root: Path, url: str):
        self.root = Path(root)
        self.url = url
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs = self.root / "logs"
        self._n = 0

    def env(self, **extra) -> dict:
        env = config.child_env(self.url, self.root / "data")  # ANTQ_DATA_DIR, dbt's target and logs per run
        env.update(extra)
        return env

    def result_file(self, name: str) -> Path:
        self._n += 1
        return self.root / f"result-{self._n:03d}-{name}.json"

    def ingest(self, reports_dir: Path, run_id: str, name: str = "ingest") -> Step:
        out = self.result_file(name)
        return run_step(
            name,
            [
                _python(),
                "-m",
                "bench.step",
                "ingest",
                "--url",
                self.url,
                "--reports",
                str(reports_dir),
                "--run-id",
                run_id,
                "--result",
                str(out),
            ],
            self.env(),
            self.logs,
            out,
        )

    def dbt_build(self, name: str = "dbt build") -> Step:
        target = Path(self.env()["DBT_TARGET_PATH"])
        step = run_step(
            name,
            [config.dbt_executable(), "build", "--project-dir", str(config.DBT_PROJECT_DIR)],
            self.env(),
            self.logs,
        )
        step.result = dbt_run_results(target / "run_results.json")
        return step

    def validate(self, run_id: str, name: str = "gx validate") -> Step:
        out = self.result_file(name)
        return run_step(
            name,
            [_python(), "-m", "bench.step", "validate", "--url", self.url, "--run-id", run_id, "--result", str(out)],
            self.env(),
            self.logs,
            out,
        )

    def night(self, reports_dir: Path, run_id: str, prefix: str = "") -> dict:
        """Folder -> validated marts, step by step (what the two DAGs do, called directly)."""
        steps = {
            "ingest": self.ingest(reports_dir, run_id, f"{prefix}ingest"),
            "dbt": self.dbt_build(f"{prefix}dbt build"),
            "gx": self.validate(run_id, f"{prefix}gx validate"),
        }
        return {
            "total_seconds": round(sum(s.seconds for s in steps.values()), 2),
            "total_cpu_seconds": round(sum(s.cpu_seconds for s in steps.values()), 2),
            "peak_rss_mb": round(max(s.peak_rss_mb for s in steps.values()), 1),
            "peak_tree_rss_mb": round(max(s.peak_tree_rss_mb for s in steps.values()), 1),
            "steps": {k: s.as_dict() for k, s in steps.items()},
        }


def dbt_run_results(path: Path, top: int = 8) -> dict:
    """Per-node timings from dbt's run_results.json: totals by kind and the slowest nodes."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    by_kind: dict[str, float] = {}
    nodes = []
    for r in data.get("results", []):
        uid = r.get("unique_id", "?")
        kind = uid.split(".", 1)[0]
        t = float(r.get("execution_time") or 0.0)
        by_kind[kind] = by_kind.get(kind, 0.0) + t
        nodes.append((t, uid, r.get("status")))
    nodes.sort(reverse=True)
    return {
        "elapsed_time": round(float(data.get("elapsed_time") or 0.0), 2),
        "nodes": len(nodes),
        "node_seconds": {uid.split(".", 1)[-1]: round(t, 3) for t, uid, _ in nodes},
        "seconds_by_kind": {k: round(v, 2) for k, v in sorted(by_kind.items())},
        "slowest": [
            {"node": uid.split(".", 1)[-1], "seconds": round(t, 2), "status": st} for t, uid, st in nodes[:top]
        ],
    }


# ---------------------------------------------------------------------------------------------
# 1. extraction


def bench_extraction(p: Params, profile_dir: Path) -> dict:
    from bench import generate
    from extractors import bench as xbench

    samples = xbench.sample_reports()
    generated = list(generate.reports(p.extract_corpus, seed=p.seed))
    out = {
        "samples": xbench.run(p.extract_seconds, samples),
        "generated": xbench.run(p.extract_seconds, generated),
        "generated_corpus": {
            "reports": len(generated),
            "mean_bytes": round(sum(len(d) for _, d in generated) / len(generated)),
        },
    }
    rate = min(out["samples"]["reports_per_s"], out["generated"]["reports_per_s"])
    out["reports_per_s_per_core"] = rate
    out["meets_target"] = rate >= TARGETS["extraction_reports_per_s"]
    if p.profile and not out["meets_target"]:
        out["profile"] = profile_extraction(
            samples + generated[:50], min(p.extract_seconds, 4.0), profile_dir / "extraction.txt"
        )
    return out


def profile_extraction(reports: list[tuple[str, bytes]], seconds: float, text_path: Path) -> dict:
    """Where the extractor's time goes: pyinstrument over `seconds` of extraction."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"error": "pyinstrument is not installed (it is in the dev group: uv sync)"}
    from extractors import extract_bytes

    profiler = Profiler(interval=0.0005)
    profiler.start()
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        for name, data in reports:
            extract_bytes(data, name)
            n += 1
    session = profiler.stop()
    text_path.parent.mkdir(parents=True, exist_ok=True)
    text_path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    return {"reports": n, "text": str(text_path), **profile_hotspots(session.root_frame())}


def profile_hotspots(root, top: int = 12) -> dict:
    """Self time by function, and inclusive time of the project's own functions."""
    self_t: dict[str, float] = {}
    incl: dict[str, float] = {}
    total = root.time if root is not None else 0.0

    def key(f):
        return f"{f.function} ({f.file_path_short}:{f.line_no})"

    def walk(f, on_stack: frozenset):
        k = key(f)
        if f.is_synthetic_leaf or not f.children:
            st = f.time if f.is_synthetic_leaf else f.total_self_time
            parent = f.parent if f.is_synthetic_leaf and f.parent is not None else f
            pk = key(parent)
            self_t[pk] = self_t.get(pk, 0.0) + st
        if (
            not f.is_synthetic
            and k not in on_stack
            and ("extractors" in (f.file_path or "") or "antq" in (f.file_path or ""))
        ):
            incl[k] = incl.get(k, 0.0) + f.time
        for c in f.children:
            walk(c, on_stack | {k})

    if root is not None:
        walk(root, frozenset())
    pct = (lambda t: round(100 * t / total, 1)) if total else (lambda t: 0.0)
    return {
        "seconds": round(total, 3),
        "self_time_top": [
            {"function": k, "pct": pct(v)} for k, v in sorted(self_t.items(), key=lambda kv: -kv[1])[:top]
        ],
        "inclusive_top_own_code": [
            {"function": k, "pct": pct(v)} for k, v in sorted(incl.items(), key=lambda kv: -kv[1])[:top]
        ],
    }


# ---------------------------------------------------------------------------------------------
# 2. load: COPY (the project's path) vs row-by-row INSERT


def _extracted(n_reports: int, seed: int, start: int = 0):
    """(report_id, file name, bytes, Report) of generated reports, extracted once."""
    import extractors
    from bench import generate

    out = []
    for name, data in generate.reports(n_reports, seed=seed, start=start):
        out.append((hashlib.sha256(data).hexdigest(), name, data, extractors.extract_bytes(data, name)))
    return out


RAW_COLUMNS = ("report_id", "file_name", "relative_path", "size_bytes", "content", "received_date", "run_id")


STAGING_TABLES = ("staging.figures", "staging.sentences")


def copy_staged(conn, built, tables: tuple[str, str] = STAGING_TABLES) -> int:
    """The project's COPY path: antq.ingest.staging.copy_staged (figures and their sentences), as
    extract_and_stage calls it; `built` is each report's (figure rows, sentence rows)."""

    with conn.cursor() as cur:
        return staging.copy_staged(cur, built, tables)


def insert_row_by_row(conn, built, tables: tuple[str, str] = STAGING_TABLES) -> int:
    """The naive loader: one INSERT statement (one round trip) per sentence and per figure, in one
    transaction; writes the same rows as copy_staged. Returns how many figures."""

    def statement(table, cols):
        return f"insert into {table} ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))})"

    figure_stmt = statement(tables[0], staging.FIGURE_COLUMNS)
    sentence_stmt = statement(tables[1], staging.SENTENCE_COLUMNS)
    n = 0
    with conn.cursor() as cur:
        for figures, sentences in built:
            for row in sentences:
                cur.execute(sentence_stmt, row)
            for row in figures:
                cur.execute(figure_stmt, row)
                n += 1
    return n


def _first_figures(built, n: int):
    """The (figure rows, sentence rows) of reports up to n figures in all: the last report cut
    short, with only the sentences its kept figures cite."""
    left = n
    for figures, sentences in built:
        if left <= 0:
            return
        if len(figures) > left:
            figures = figures[:left]
            cited = {(f[1], f[11]) for f in figures}  # (report_id, sentence_no)
            sentences = [s for s in sentences if s[:2] in cited]
        left -= len(figures)
        yield figures, sentences


# The tables each loader writes: staging.figures and staging.sentences as the warehouse has them
# (primary keys, foreign keys to staging.reports, figures' report_id index), the same without their
# foreign keys (the keys' per-row check), and without keys and indexes (what the tables themselves cost).
LOAD_TABLES = {
    "": STAGING_TABLES,
    "_without_fk": ("staging.bench_figures_without_fk", "staging.bench_sentences_without_fk"),
    "_bare": ("staging.bench_figures_bare", "staging.bench_sentences_bare"),
}
LOAD_TABLES_DDL = (  # `like` copies no foreign keys
    "create table staging.bench_figures_without_fk (like staging.figures including all)",
    "create table staging.bench_sentences_without_fk (like staging.sentences including all)",
    "create table staging.bench_figures_bare (like staging.figures including defaults)",
    "create table staging.bench_sentences_bare (like staging.sentences including defaults)",
)


def bench_load(server: Server, p: Params) -> dict:
    import psycopg

    # enough generated reports for load_figures figures
    reports, n_figures = [], 0
    start = 0
    while n_figures < p.load_figures:
        batch = _extracted(max(10, (p.load_figures - n_figures) // 20 + 1), p.seed, start)
        start += len(batch)
        reports.extend(batch)
        n_figures += sum(len(rep.figures) for *_, rep in batch)
    built = list(_first_figures((staging.staged_rows(rid, rep) for rid, _, _, rep in reports), p.load_figures))
    n_figures = sum(len(f) for f, _ in built)
    n_sentences = sum(len(s) for _, s in built)

    def copy_building_rows(conn, _built, tables):
        """extract_and_stage's whole staging path: the rows built from the extracted reports (staged_rows),
        then COPYed."""
        return copy_staged(
            conn, _first_figures((staging.staged_rows(rid, rep) for rid, _, _, rep in reports), p.load_figures), tables
        )

    with server.database("load") as url, psycopg.connect(config.libpq_url(url)) as conn:
        _copy_rows(
            conn,
            "raw.report_files",
            RAW_COLUMNS,
            ((rid, name, name, len(data), data, date.today(), "bench-load") for rid, name, data, _ in reports),
        )
        _copy_rows(
            conn,
            "staging.reports",
            staging.REPORT_COLUMNS,
            (staging.report_row(rid, rep, date.today()) for rid, _, _, rep in reports),
        )
        for ddl in LOAD_TABLES_DDL:
            conn.execute(ddl)
        conn.commit()
        runs: dict[str, list[float]] = {
            f"{loader}{variant}": [] for variant in LOAD_TABLES for loader in ("copy", "insert")
        }
        runs["copy_building_rows"] = []
        # alternate, so both loaders see the same machine load; each figure is the best of its runs
        plan = [
            ("copy", copy_staged, "", 3),
            ("insert", insert_row_by_row, "", 1),
            ("copy", copy_staged, "", 2),
            ("insert", insert_row_by_row, "", 1),
            ("copy_building_rows", copy_building_rows, "", 3),
        ]
        for variant in ("_without_fk", "_bare"):
            plan += [("copy", copy_staged, variant, 3), ("insert", insert_row_by_row, variant, 1)]
        for loader, fn, variant, repeat in plan:
            tables = LOAD_TABLES[variant]
            for _ in range(repeat):
                conn.execute(f"truncate {', '.join(tables)}")
                conn.commit()
                t = time.perf_counter()
                with conn.transaction():
                    n = fn(conn, built, tables)
                runs[loader + variant].append(time.perf_counter() - t)
                assert conn.execute(f"select count(*) from {tables[0]}").fetchone()[0] == n == n_figures
                assert conn.execute(f"select count(*) from {tables[1]}").fetchone()[0] == n_sentences
        conn.execute(f"truncate {', '.join(STAGING_TABLES)}")
        for variant, tables in LOAD_TABLES.items():
            if variant:
                conn.execute(f"drop table {', '.join(tables)}")
        conn.commit()

    def per_s(key: str) -> float:
        return n_figures / min(runs[key])

    def costs(variant: str) -> dict:
        copy_fps, insert_fps = per_s("copy" + variant), per_s("insert" + variant)
        return {
            "copy_figures_per_s": round(copy_fps),
            "insert_figures_per_s": round(insert_fps),
            "ratio": round(copy_fps / insert_fps, 1),
        }

    def text_bytes(rows) -> int:
        return sum(len(str(v).encode()) + 1 for r in rows for v in r)

    ratio = per_s("copy") / per_s("insert")
    best_copy = min(runs["copy"])
    return {
        "figures": n_figures,
        "sentences": n_sentences,
        "copy_figures_per_s": round(per_s("copy")),
        "insert_figures_per_s": round(per_s("insert")),
        "ratio": round(ratio, 1),
        "meets_target": ratio >= TARGETS["load_copy_over_insert"],
        "copy_building_rows_figures_per_s": round(per_s("copy_building_rows")),
        "bytes_per_figure": round(sum(text_bytes(f) + text_bytes(s) for f, s in built) / n_figures),
        "seconds": {k: [round(t, 3) for t in v] for k, v in runs.items()},
        "without_keys_and_indexes": {
            **costs("_bare"),
            "share_of_copy_time_in_keys_and_indexes": round(1 - min(runs["copy_bare"]) / best_copy, 2),
        },
        "without_foreign_key": {
            **costs("_without_fk"),
            "share_of_copy_time_in_the_key": round(1 - min(runs["copy_without_fk"]) / best_copy, 2),
            "share_of_insert_time_in_the_key": round(1 - min(runs["insert_without_fk"]) / min(runs["insert"]), 2),
        },
        "note": "figures/s: best of the COPY runs vs best of the row-by-row runs (one INSERT per sentence and per "
        "figure, psycopg 3 prepares them after 5 runs); both write the same rows, the figures into "
        "staging.figures and each sentence once into staging.sentences, in one transaction each: into "
        "the warehouse's tables (primary keys, foreign keys to staging.reports, figures' report_id "
        "index), into copies without the foreign keys, and into copies without keys and indexes. "
        "copy_building_rows: the same COPY with the rows built from the extracted reports first "
        "(staged_rows), as extract_and_stage does; bytes_per_figure: a figure's row plus its share of "
        "the sentence rows, as COPY text",
    }


def _copy_rows(conn, table: str, columns, rows, binary: bool = False, types: list[str] | None = None) -> int:
    n = 0
    fmt = " (format binary)" if binary else ""
    with conn.cursor() as cur:
        with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin{fmt}") as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


# ---------------------------------------------------------------------------------------------
# 3. end to end


def make_corpus(folder: Path, n: int, seed: int, start: int = 0) -> dict:
    from bench import generate

    t = time.perf_counter()
    paths = generate.generate(n, folder, seed=seed, start=start)
    seconds = time.perf_counter() - t
    # landed during the day, as a night finds them (discover watches files changed in the last
    # ANTQ_SETTLE_SECONDS, which a file written a moment ago is)
    landed = time.time() - 3600
    for path in paths:
        os.utime(path, (landed, landed))
    return {"reports": len(paths), "bytes": sum(p.stat().st_size for p in paths), "generate_seconds": round(seconds, 2)}


def warehouse_counts(url: str) -> dict:
    import psycopg

    with psycopg.connect(config.libpq_url(url)) as conn:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        marts = {}
        for m in ("fct_figures", "dim_report"):
            if one(f"select to_regclass('marts.{m}') is not null"):
                marts[m] = one(f"select count(*) from marts.{m}")
        return {
            "raw_reports": one("select count(*) from raw.report_files"),
            "staged_reports": one("select count(*) from staging.reports"),
            "rejected": one("select count(*) from raw.rejected_files"),
            "staged_figures": one("select count(*) from staging.figures"),
            "marts": marts,
        }


def bench_e2e(server: Server, tmp: Path, p: Params, size: int) -> dict:
    corpus = tmp / f"corpus_{size}"
    gen = make_corpus(corpus, size, p.seed) if not corpus.exists() else {"reports": size}
    with server.database(f"e2e{size}") as url:
        ws = Workspace(tmp / f"e2e_{size}", url)
        run = ws.night(corpus, f"bench_e2e_{size}")
        run["counts"] = warehouse_counts(url)
    run["corpus"] = gen
    run["reports_per_s"] = round(size / run["total_seconds"], 1)
    st = run["steps"]
    # one flat row per size (what a plot of time and memory against corpus size reads); memory is
    # each step's process tree, so the ingest's extraction workers count
    run["per_size"] = {
        "size": size,
        "total_seconds": run["total_seconds"],
        "seconds": {k: st[k]["seconds"] for k in st},
        "peak_mb": {k: st[k]["peak_tree_rss_mb"] for k in st},
        "ingest_seconds": st["ingest"]["result"].get("seconds", {}),
        "extract_workers": config.extract_workers(size),
    }
    run["ingest_meets_memory_target"] = st["ingest"]["peak_tree_rss_mb"] <= TARGETS["ingest_peak_mb"]
    # the target is for 10,000 reports (or the largest size above it when 10,000 is not run)
    if size == 10000 or (10000 not in p.sizes and size == max(p.sizes) and size >= 10000):
        run["meets_target"] = run["total_seconds"] <= TARGETS["e2e_10000_seconds"]
    return run


def ingest_peak_growth(runs: dict[int, dict]) -> dict | None:
    """The ingest's peak memory (process tree) at the largest size of 20,000 or more over its peak
    at 10,000: flat (≤ TARGETS["ingest_peak_growth"]) when memory does not grow with the corpus."""
    big = max((n for n in runs if n >= 20000), default=None)
    if 10000 not in runs or big is None:
        return None
    peak = {n: runs[n]["steps"]["ingest"]["peak_tree_rss_mb"] for n in (10000, big)}
    ratio = round(peak[big] / peak[10000], 2)
    return {
        "from": 10000,
        "to": big,
        "peak_mb": {str(n): v for n, v in peak.items()},
        "ratio": ratio,
        "meets_target": ratio <= TARGETS["ingest_peak_growth"],
    }


# ---------------------------------------------------------------------------------------------
# 4. incremental night


def synthesize_history(url: str, n_reports: int, base, received_days: int = 1000) -> dict:
    """n_reports already-staged reports written straight into raw and staging with COPY: each is a
    generated report (cycled from `base`) under its own id, with its own figures and sentences."""
    import psycopg

    base_rows = []
    for rid, name, data, rep in base:
        figs, sents = staging.staged_rows(rid, rep)
        base_rows.append((name, data, rep, figs, sents))
    today = date.today()
    t = time.perf_counter()
    figures = 0
    with psycopg.connect(config.libpq_url(url)) as conn:
        conn.execute("set synchronous_commit = off")
        if conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]:
            # the rows are consistent by construction: skip the foreign-key triggers (setup, not timed)
            conn.execute("set session_replication_role = replica")

        def copies(lo, hi):
            for h in range(lo, hi):
                name, data, rep, figs, sents = base_rows[h % len(base_rows)]
                content = data + f"\n<!-- history copy {h} -->\n".encode()
                yield h, hashlib.sha256(content).hexdigest(), f"history/{h:06d}_{name}", content, rep, figs, sents

        chunk = 20_000
        for lo in range(0, n_reports, chunk):
            batch = list(copies(lo, min(n_reports, lo + chunk)))
            received = [today - timedelta(days=1 + (h * received_days) // max(n_reports, 1)) for h, *_ in batch]
            with conn.transaction():
                _copy_rows(
                    conn,
                    "raw.report_files",
                    RAW_COLUMNS,
                    (
                        (rid, Path(rel).name, rel, len(c), c, d, "bench-history")
                        for (h, rid, rel, c, *_), d in zip(batch, received)
                    ),
                    binary=True,
                    types=["text", "text", "text", "int8", "bytea", "date", "text"],
                )
                _copy_rows(
                    conn,
                    "raw.file_ledger",
                    ("relative_path", "report_id", "size_bytes", "run_id", "outcome"),
                    ((rel, rid, len(c), "bench-history", "loaded") for h, rid, rel, c, *_ in batch),
                )
                _copy_rows(
                    conn,
                    "staging.reports",
                    staging.REPORT_COLUMNS,
                    (staging.report_row(rid, rep, d) for (h, rid, rel, c, rep, *_), d in zip(batch, received)),
                )
                _copy_rows(
                    conn,
                    "staging.sentences",
                    staging.SENTENCE_COLUMNS,
                    ((rid, *s[1:]) for h, rid, *_, sents in batch for s in sents),
                )
                figures += _copy_rows(
                    conn,
                    "staging.figures",
                    staging.FIGURE_COLUMNS,
                    ((rid[:12] + f[0][12:], rid, *f[2:]) for h, rid, rel, c, rep, figs, sents in batch for f in figs),
                )
        conn.execute("analyze")
    return {"reports": n_reports, "figures": figures, "seconds": round(time.perf_counter() - t, 1)}


def history_sizes(history) -> tuple[int, ...]:
    """The history sizes the night is measured on besides the empty warehouse: Params.history as one
    size or several, without 0 (the empty warehouse is always measured)."""
    sizes = (history,) if isinstance(history, int) else tuple(history)
    return tuple(sorted({int(n) for n in sizes if int(n) > 0}))


def _night_compact(night: dict, empty: dict) -> dict:
    """A night's figures for the curve of its cost against the history (sections.incremental.by_history)."""
    return {
        "total_seconds": night["total_seconds"],
        "total_cpu_seconds": night["total_cpu_seconds"],
        "ratio": round(night["total_seconds"] / max(empty["total_seconds"], 1e-6), 2),
        "cpu_ratio": round(night["total_cpu_seconds"] / max(empty["total_cpu_seconds"], 1e-6), 2),
        "steps": {
            k: {key: s[key] for key in ("seconds", "cpu_seconds", "peak_rss_mb")} for k, s in night["steps"].items()
        },
    }


def bench_incremental(server: Server, tmp: Path, p: Params) -> dict:
    histories = history_sizes(p.history)
    if not histories:
        raise ValueError("the incremental section needs a history size above 0 (--history)")
    largest = histories[-1]
    night_dir = tmp / "night"
    make_corpus(night_dir, p.night, p.seed, start=50_000_000)  # reports no other section uses
    base_n = min(1000, largest)
    base = _extracted(base_n, p.seed, start=60_000_000)
    out: dict = {"history_reports": largest, "night_reports": p.night, "history_sizes": [0, *histories]}
    # Every warehouse starts the same way, as a new one does: built once (dbt) and validated once
    # (GX: its context, suites and Data Docs exist) with nothing in them. A full one then gets its
    # history (raw and staging, by COPY), one dbt build and one GX validation over it, as if it had
    # arrived night by night; then the same night runs on each: the night's reports through
    # ingestion, dbt build and GX, exactly as a night does. One warehouse per history size.
    with server.database("night_empty") as url:
        ws = Workspace(tmp / "night_empty", url)
        out["empty_prime"] = {
            "dbt": ws.dbt_build("prime dbt build").as_dict(),
            "gx": ws.validate("bench_prime", "prime gx validate").as_dict(),
        }
        out["empty"] = ws.night(night_dir, "bench_night", "night ")
        out["empty"]["counts"] = warehouse_counts(url)
    by_history = {"0": _night_compact(out["empty"], out["empty"])}
    for n in histories:
        with server.database(f"night_history{n}") as url:
            ws = Workspace(tmp / f"night_history{n}", url)
            setup = {
                "history_prime": {
                    "dbt": ws.dbt_build("prime dbt build").as_dict(),
                    "gx": ws.validate("bench_prime", "prime gx validate").as_dict(),
                },
                "history_synthesis": synthesize_history(url, n, base),
                "history_build": ws.dbt_build("history dbt build").as_dict(),
                # the marts are built in marts_build and published by swapping it with marts: the
                # first build left the other copy empty, and the night would catch up the whole
                # history in it. A warehouse that got its history night by night has both copies
                # holding it (the build copy at most a night behind): build the other one too (setup)
                "history_build_other_copy": ws.dbt_build("history dbt build, other copy").as_dict(),
            }
            for build in ("history_build", "history_build_other_copy"):
                setup[build].get("result", {}).pop("node_seconds", None)
            # the history was validated on the nights it arrived: validate it once (setup, not timed)
            setup["history_validate"] = ws.validate("bench_history", "history gx validate").as_dict()
            night = ws.night(night_dir, "bench_night", "night ")
            night["counts"] = warehouse_counts(url)
        by_history[str(n)] = _night_compact(night, out["empty"])
        by_history[str(n)]["setup_seconds"] = {
            "synthesis": setup["history_synthesis"]["seconds"],
            "dbt_build": setup["history_build"]["seconds"],
            "dbt_build_other_copy": setup["history_build_other_copy"]["seconds"],
            "gx_validate": setup["history_validate"]["seconds"],
        }
        if n == largest:
            out.update(setup)
            out["history"] = night
    out["by_history"] = by_history
    ratio = out["history"]["total_seconds"] / out["empty"]["total_seconds"]
    out["ratio"] = round(ratio, 2)
    out["cpu_ratio"] = round(out["history"]["total_cpu_seconds"] / max(out["empty"]["total_cpu_seconds"], 1e-6), 2)
    out["step_ratios"] = {
        k: round(out["history"]["steps"][k]["seconds"] / max(out["empty"]["steps"][k]["seconds"], 1e-6), 2)
        for k in out["history"]["steps"]
    }
    out["meets_target"] = ratio <= TARGETS["incremental_ratio"]
    # what grows with the history: the dbt nodes that took longer on the largest warehouse's night
    e = out["empty"]["steps"]["dbt"].get("result", {}).get("node_seconds", {})
    h = out["history"]["steps"]["dbt"].get("result", {}).get("node_seconds", {})
    growth = sorted(((t - e.get(n, 0.0), n, t) for n, t in h.items()), reverse=True)
    out["dbt_nodes_growing_with_history"] = [
        {"node": n, "history_seconds": t, "empty_seconds": e.get(n), "added_seconds": round(g, 2)}
        for g, n, t in growth[:12]
    ]
    return out


# ---------------------------------------------------------------------------------------------
# 5. Airflow overhead


def bench_airflow(server: Server, tmp: Path, p: Params, direct: dict | None) -> dict:
    from antq import runner

    size = p.airflow_size
    corpus = tmp / f"corpus_{size}"
    if not corpus.exists():
        make_corpus(corpus, size, p.seed)
    if direct is None:
        direct = bench_e2e(server, tmp, p, size)
    with server.database("airflow") as url:
        stack = runner.Stack(warehouse_url=url)
        ws = Workspace(tmp / "airflow", stack.warehouse_url)
        data = ws.root / "data"
        saved = os.environ.get("ANTQ_DATA_DIR")
        os.environ["ANTQ_DATA_DIR"] = str(data)  # Stack.env() puts AIRFLOW_HOME under it
        try:
            env = {**stack.env(), **ws.env(), "REPORTS_DIR": str(corpus), "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300"}
        finally:
            if saved is None:
                os.environ.pop("ANTQ_DATA_DIR", None)
            else:
                os.environ["ANTQ_DATA_DIR"] = saved
        airflow = config.executable("airflow")
        setup = run_step("airflow db migrate", [airflow, "db", "migrate"], env, ws.logs)
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        # as `antq run` runs them: both DAGs in one Airflow process, dbt parse while Airflow starts
        runs_log = ws.logs / "dag_runs"
        steps = {
            "dag_runs": run_step(
                "dag runs",
                [sys.executable, "-m", "antq.dag_runs", "--logical-date", when, "--log-dir", str(runs_log)]
                + ["--always-transform"],
                env,
                ws.logs,
            ),
        }
        from antq.dag_runs import read_steps

        inside = {s["step"]: s.get("seconds") for s in read_steps(runs_log)}
        counts = warehouse_counts(stack.warehouse_url)
    total = sum(s.seconds for s in steps.values())
    ratio = total / direct["total_seconds"]
    return {
        "reports": size,
        "setup": {"airflow_db_migrate": setup.as_dict()},
        "steps": {k: s.as_dict() for k, s in steps.items()},
        "inside_dag_runs_seconds": inside,  # antq.dag_runs' own steps (dbt parse overlaps Airflow's start)
        "total_seconds": round(total, 2),
        "total_cpu_seconds": round(sum(s.cpu_seconds for s in steps.values()), 2),
        "peak_rss_mb": round(max(s.peak_rss_mb for s in steps.values()), 1),
        "direct_total_seconds": direct["total_seconds"],
        "direct_total_cpu_seconds": direct.get("total_cpu_seconds"),
        "ratio": round(ratio, 2),
        "cpu_ratio": round(sum(s.cpu_seconds for s in steps.values()) / direct["total_cpu_seconds"], 2)
        if direct.get("total_cpu_seconds")
        else None,
        "counts": counts,
        "same_result_as_direct": counts.get("staged_figures") == direct.get("counts", {}).get("staged_figures")
        and counts.get("marts") == direct.get("counts", {}).get("marts"),
    }


# ---------------------------------------------------------------------------------------------
# the whole bench


def run(p: Params) -> dict:
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="antq-bench-"))
    saved_env = {
        k: os.environ.get(k) for k in ("ANTQ_DATA_DIR", "AIRFLOW__COSMOS__ENABLE_TELEMETRY", "GX_ANALYTICS_ENABLED")
    }
    os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # the bench's own state (dbt targets, GX contexts, quarantine) stays in its temporary folder
    os.environ["ANTQ_DATA_DIR"] = str(tmp / "data")
    # a stop (SIGTERM, as `timeout` sends) still drops the throwaway databases and files
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(p, tmp, started)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if p.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _run(p: Params, tmp: Path, started: float) -> dict:
    server = Server(tmp, keep=p.keep)
    results = Results(p.out, p, server.kind, server.version)
    profile_dir = Path(p.out).parent / "profiles"
    print(
        f"antq bench: {results.data['machine']['cpus']} CPUs ({results.data['machine']['cpu']}), "
        f"PostgreSQL {server.version} ({server.kind}); writing {p.out}",
        flush=True,
    )
    e2e: dict = {}
    try:
        for name in p.sections:
            load0 = list(os.getloadavg())
            t = time.perf_counter()
            print(f"\n[{name}] ...", flush=True)
            try:
                if name == "extraction":
                    data = bench_extraction(p, profile_dir)
                elif name == "load":
                    data = bench_load(server, p)
                elif name == "e2e":
                    data = {}
                    for size in p.sizes:
                        data[str(size)] = e2e[size] = bench_e2e(server, tmp, p, size)
                        results.section(name, {**data, "partial": True})
                        _print_section(name, {str(size): e2e[size]})
                    growth = ingest_peak_growth(e2e)
                    if growth:
                        data["ingest_peak_growth"] = growth
                elif name == "incremental":
                    data = bench_incremental(server, tmp, p)
                elif name == "airflow":
                    data = bench_airflow(server, tmp, p, e2e.get(p.airflow_size))
                else:
                    raise ValueError(f"unknown section {name!r} (one of {', '.join(SECTIONS)})")
            except Exception as err:  # a failed section leaves the others' figures
                log.exception("section %s failed", name)
                results.error(name, f"{type(err).__name__}: {err}"[:4000])
                print(f"[{name}] FAILED: {type(err).__name__}: {str(err)[:500]}", flush=True)
                continue
            data["section_seconds"] = round(time.perf_counter() - t, 1)
            data["load_average"] = {"start": load0, "end": list(os.getloadavg())}
            results.section(name, data)
            if name != "e2e":
                _print_section(name, data)
    finally:
        server.close()
        results.data["databases"] = {
            "created": [d for d in server.created if not d.endswith("_airflow")],
            "kept": server.keep,
        }
    results.data["curves"] = write_curves(results.data, Path(p.out).with_name("curves.png"))
    results.finish(time.perf_counter() - started)
    print()
    print(format_table(results.data))
    return results.data


def write_curves(data: dict, path: Path) -> str | None:
    """bench/curves.png beside the results (bench/plots.py); None, with a warning, without matplotlib
    (a dev dependency: uv sync)."""
    try:
        from bench import plots

        return _shown(plots.write_curves(data, path))
    except ImportError as err:
        log.warning("no curves plot: %s (matplotlib is in the dev group: uv sync)", err)
        return None


def summary(data: dict) -> list[dict]:
    """The headline figures: name, value, unit, target, verdict."""
    s = data.get("sections", {})
    rows: list[dict] = []

    def add(figure, value, unit, target=None, ok=None):
        rows.append(
            {
                "figure": figure,
                "value": value,
                "unit": unit,
                "target": target,
                "verdict": None if ok is None else ("meets" if ok else "MISSED"),
            }
        )

    x = s.get("extraction")
    if x:
        t = TARGETS["extraction_reports_per_s"]
        add(
            "1 extraction, sample reports",
            x["samples"]["reports_per_s"],
            "reports/s/core",
            f"≥ {t:.0f}",
            x["samples"]["reports_per_s"] >= t,
        )
        add(
            "1 extraction, generated corpus",
            x["generated"]["reports_per_s"],
            "reports/s/core",
            f"≥ {t:.0f}",
            x["generated"]["reports_per_s"] >= t,
        )
    ld = s.get("load")
    if ld:
        add("2 load, COPY", ld["copy_figures_per_s"], "figures/s")
        add("2 load, row-by-row INSERT", ld["insert_figures_per_s"], "figures/s")
        add("2 load, COPY / INSERT", ld["ratio"], "×", f"≥ {TARGETS['load_copy_over_insert']:.0f}", ld["meets_target"])
    for size, run_ in (s.get("e2e") or {}).items():
        if not isinstance(run_, dict) or "total_seconds" not in run_:
            continue
        st = run_["steps"]
        add(
            f"3 end to end, {int(size):,} reports",
            run_["total_seconds"],
            "s",
            f"≤ {TARGETS['e2e_10000_seconds']:.0f}" if "meets_target" in run_ else None,
            run_.get("meets_target"),
        )
        for k in ("ingest", "dbt", "gx"):
            add(f"    {k}", st[k]["seconds"], f"s, peak {st[k]['peak_tree_rss_mb']:.0f} MB")
        peak = st["ingest"]["peak_tree_rss_mb"]
        add(
            f"    ingest peak, {int(size):,} reports",
            peak,
            "MB (process tree)",
            f"≤ {TARGETS['ingest_peak_mb']:.0f}",
            peak <= TARGETS["ingest_peak_mb"],
        )
    growth = (s.get("e2e") or {}).get("ingest_peak_growth")
    if growth:
        add(
            f"3 ingest peak, {growth['to']:,} / {growth['from']:,} reports",
            growth["ratio"],
            "×",
            f"≤ {TARGETS['ingest_peak_growth']}",
            growth["meets_target"],
        )
    inc = s.get("incremental")
    if inc:
        by_history = inc.get("by_history") or {str(inc["history_reports"]): inc["history"]}
        for n, night in sorted(by_history.items(), key=lambda kv: -int(kv[0])):
            if int(n):
                add(f"4 night of {inc['night_reports']} on {int(n):,} reports", night["total_seconds"], "s")
        add(f"4 night of {inc['night_reports']} on an empty warehouse", inc["empty"]["total_seconds"], "s")
        add("4 incremental ratio", inc["ratio"], "×", f"≤ {TARGETS['incremental_ratio']}", inc["meets_target"])
    af = s.get("airflow")
    if af:
        add(f"5 Airflow, {af['reports']:,} reports", af["total_seconds"], "s")
        add(f"5 direct, {af['reports']:,} reports", af["direct_total_seconds"], "s")
        add("5 Airflow / direct", af["ratio"], "×")
    return rows


def format_table(data: dict) -> str:
    m = data["machine"]
    la = data.get("load_average", {})
    head = (
        f"antq bench  {data.get('finished_at') or data['started_at']}  {m['cpus']} CPUs ({m['cpu']}), "
        f"{m['memory_gib']} GiB, PostgreSQL {data['postgres']['version']} ({data['postgres']['where']}), "
        f"load average {_fmt_load(la.get('start'))} -> {_fmt_load(la.get('end'))}"
    )
    rows = data.get("summary") or summary(data)
    w = max([len(r["figure"]) for r in rows] + [10])
    lines = [head, "", f"{'figure':<{w}}  {'value':>10}  {'unit':<22} {'target':<8} verdict", "-" * (w + 56)]
    for r in rows:
        v = r["value"]
        vs = f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"
        lines.append(f"{r['figure']:<{w}}  {vs:>10}  {r['unit']:<22} {r['target'] or '':<8} {r['verdict'] or ''}")
    for name, err in (data.get("errors") or {}).items():
        lines.append(f"{name}: FAILED: {err.splitlines()[0][:200]}")
    if data.get("seconds"):
        lines.append(f"\nwhole bench: {data['seconds']:.0f} s; details in {data.get('results_file', RESULTS_PATH)}")
    if data.get("curves"):
        lines.append(f"curves: {data['curves']}")
    return "\n".join(lines)


def _fmt_load(x) -> str:
    return "/".join(f"{v:.1f}" for v in x) if x else "?"


def _print_section(name: str, data: dict) -> None:
    if name == "extraction":
        print(
            f"  samples {data['samples']['reports_per_s']:.0f} reports/s/core, generated "
            f"{data['generated']['reports_per_s']:.0f} reports/s/core",
            flush=True,
        )
    elif name == "load":
        print(
            f"  COPY {data['copy_figures_per_s']:,} figures/s, INSERT {data['insert_figures_per_s']:,} figures/s: "
            f"{data['ratio']}×",
            flush=True,
        )
    elif name == "e2e":
        for size, r in data.items():
            if not size.isdigit():
                continue
            st = r["steps"]
            print(
                f"  {int(size):,} reports: {r['total_seconds']:.1f} s (ingest {st['ingest']['seconds']:.1f}, "
                f"dbt {st['dbt']['seconds']:.1f}, gx {st['gx']['seconds']:.1f}); peak (process trees) ingest "
                f"{st['ingest']['peak_tree_rss_mb']:.0f} / dbt {st['dbt']['peak_tree_rss_mb']:.0f} / "
                f"gx {st['gx']['peak_tree_rss_mb']:.0f} MB",
                flush=True,
            )
    elif name == "incremental":
        for n, night in (data.get("by_history") or {}).items():
            if int(n):
                print(
                    f"  night on {int(n):,}: {night['total_seconds']:.1f} s: {night['ratio']}× the empty one",
                    flush=True,
                )
        print(f"  night on an empty warehouse: {data['empty']['total_seconds']:.1f} s", flush=True)
    elif name == "airflow":
        print(
            f"  Airflow {data['total_seconds']:.1f} s vs direct {data['direct_total_seconds']:.1f} s: {data['ratio']}×",
            flush=True,
        )
