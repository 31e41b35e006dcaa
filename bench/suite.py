"""Every benchmark of the project in one run: one Markdown table and one JSON file.

Sections (each reuses the project's own benchmark function, with quick parameters unless ``full``):

- ``generate``: world generation time and peak memory (``bench.harness.bench_generate``);
- ``encoders``: texts per second of the char n-gram encoder (the default) and MiniLM
  (``bench.retrieval.encoder_throughput``); baseline MiniLM;
- ``retrieval``: FAISS flat (exact) vs IVF at the default vacancy index size and at 100k vectors (1M with
  ``full``): p50 / p95 of one search, recall@50 (``run_retrieval_benchmark``); baseline exact search;
- ``recommender``: LightFM training time on the default world's events and one-seeker hybrid serving latency
  over the default vacancies (``run_recommender_benchmark``); baseline ``LightFM.predict`` per pair. Ranking
  quality (NDCG@10, hybrid vs popularity) is read from the committed ``evaluation/results/recommender/
  metrics.json`` and marked "from the last evaluation run" (``jobmatch evaluate`` takes too long to repeat);
- ``interventions``: DR-learner fit time on the default world's episodes, ranking latency per citizen (the
  model alone, and ``recommend_programmes`` with employers and text); baseline: the model's batch ranking
  of the same citizens, per citizen;
- ``dashboard``: server-side latency of dashboard clicks (``bench.dashboard``);
- ``load``: 20 concurrent consultants on one workspace (``bench.load``);
- ``live``: an import while 20 consultants work: seconds until the new vacancy is suggested to the
  consultant it fits (``bench.live``; target 60 s);
- ``startup``: `make run`'s steps on an unchanged world until the dashboard answers (target 20 s) and a
  dashboard process's cold start (target 3 s) (``bench.startup``);
- ``ops``: two dashboard processes x 10 consultants on one PostgreSQL operations store (``bench.ops``): audit
  records lost and duplicated, decisions, the chain;
- ``scale``: the Copenhagen-sized world's generate / build / serve times, memory and load, read from the last
  ``jobmatch bench scale`` (``bench.scale``; a run takes long, so the suite does not repeat it) and marked so.

Every figure is a median over repeated measurements; ``n`` says over how many and of what (runs, queries,
requests, calls). A ratio compares a figure with its baseline measured in the same run, oriented so that
above 1 means better than the baseline (baseline time / time; value / baseline value for throughput and
quality). Nothing here writes to the installation: the sections that need the default world work on copies.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import MissingFileError
from core.machine import machine_info
from core.reporting import markdown_table
from core.reporting import write_results as report_files
from core.settings import Settings

SECTIONS = (
    "generate",
    "encoders",
    "retrieval",
    "recommender",
    "interventions",
    "dashboard",
    "load",
    "live",
    "startup",
    "ops",
    "scale",
)
COMMITTED_METRICS = Path(__file__).resolve().parent / "results" / "recommender" / "metrics.json"
FROM_LAST_EVALUATION = "from the last evaluation run (evaluation/results/recommender/metrics.json)"


@dataclass
class Figure:
    """One figure: its measurements, the median reported, and its baseline measured in the same run."""

    section: str
    name: str
    unit: str
    runs: list[float]
    n_of: str = "runs"  # what the runs are: runs, queries, requests, calls ...
    n: int | None = None  # defaults to len(runs); set when the value is already a percentile over n samples
    baseline: str | None = None
    baseline_value: float | None = None
    higher_is_better: bool = False
    source: str = "measured"
    note: str = ""
    value: float = field(init=False)
    ratio: float | None = field(init=False)

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError(f"figure {self.name!r} has no measurements")
        self.value = float(statistics.median(self.runs))
        self.n = self.n if self.n is not None else len(self.runs)
        self.ratio = None
        if self.baseline_value is not None and self.baseline_value > 0 and self.value > 0:
            self.ratio = (
                self.value / self.baseline_value
                if self.higher_is_better
                else self.baseline_value / self.value
            )


def code_version() -> str:
    """The commit the code was measured at (``JOBMATCH_CODE_VERSION`` where the code is not a checkout)."""
    import os
    import subprocess

    if os.environ.get("JOBMATCH_CODE_VERSION"):
        return os.environ["JOBMATCH_CODE_VERSION"]
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+uncommitted changes" if dirty else "")


def _copy_home(settings: Settings, tmp: str) -> Settings:
    """A private copy of the home folder (no bench, reports or operations store): the installation stays
    untouched, and a running dashboard's write lock on the world store does not block the benchmark."""
    home = Path(tmp) / "home"
    shutil.copytree(
        settings.home, home, ignore=shutil.ignore_patterns("bench", "reports", "ops.*"), symlinks=True
    )
    return settings.at_home(home, ops_url="")  # a private operations store too


# --- sections ------------------------------------------------------------------------------------------------


def section_generate(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.harness import bench_generate

    sizes = [settings.vacancies] + ([1_000_000] if full else [])
    say(f"generating worlds with {', '.join(f'{v:,}' for v in sizes)} vacancies, 3 runs each")
    raw = bench_generate(settings, sizes, repeats=3)
    figures = []
    for row in raw["results"]:
        label = f"{row['seekers']:,} seekers, {row['vacancies']:,} vacancies"
        figures += [
            Figure("generate", f"world generation, {label}", "s", row["all_s"]),
            Figure(
                "generate",
                f"world generation peak RSS, {label}",
                "MiB",
                [row["peak_rss_mib"]],
                n=row["runs"],
                note="largest peak over the runs",
            ),
        ]
    return figures, raw


def section_encoders(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.retrieval import encoder_throughput, world_texts

    n_texts, runs = (1_000, 3) if full else (128, 3)
    say(f"encoding {n_texts} vacancy texts with char and MiniLM, {runs} runs each")
    texts = world_texts(max(n_texts, 50), 50, seed=settings.seed)
    raw = encoder_throughput(texts.vacancy_texts[:n_texts], encoders=("minilm", "char"), runs=runs)
    minilm = [n_texts / s for s in raw["minilm"]["runs_s"]]
    figures = [
        Figure("encoders", f"MiniLM (all-MiniLM-L6-v2, torch CPU) throughput, {n_texts} texts", "texts/s", minilm,
               higher_is_better=True),
        Figure("encoders", f"char n-gram LSA (default encoder) throughput, {n_texts} texts", "texts/s",
               [n_texts / s for s in raw["char"]["runs_s"]], baseline="MiniLM",
               baseline_value=statistics.median(minilm), higher_is_better=True),
    ]  # fmt: skip
    return figures, raw


def section_retrieval(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.retrieval import MINILM_DIM, RECALL_KEY, run_retrieval_benchmark

    sizes = [settings.vacancies, 100_000] + ([1_000_000] if full else [])
    kinds = ["flat", "ivf", "hnsw"] if full else ["flat", "ivf"]
    # Quick: vectors from the default (char, 256-d) encoder, as in the product's default index; full: MiniLM.
    dim = MINILM_DIM if full else 256
    say(f"FAISS {', '.join(kinds)} at {', '.join(f'{s:,}' for s in sizes)} vectors ({dim}-d)")
    raw = run_retrieval_benchmark(sizes, kinds, n_queries=300, seed=settings.seed, dim=dim, progress=False,
                                  n_latency=200, n_base=1_000 if full else 500, encoders=(), sweep=full,
                                  exact_latency_s=20.0 if full else 8.0)  # fmt: skip
    figures = []
    for size, per_kind in raw["results"].items():
        exact = per_kind["flat"]
        for kind, row in per_kind.items():
            timed = int(row["params"]["timed_queries"])
            label = f"{int(size):,} vectors ({dim}-d), {kind}"
            is_exact = kind == "flat"
            figures += [
                Figure("retrieval", f"search p50, {label}", "ms", [row["p50_ms"]], "queries", timed,
                       None if is_exact else "exact (flat)", None if is_exact else exact["p50_ms"]),
                Figure("retrieval", f"search p95, {label}", "ms", [row["p95_ms"]], "queries", timed,
                       None if is_exact else "exact (flat)", None if is_exact else exact["p95_ms"]),
            ]  # fmt: skip
            if not is_exact:
                figures.append(Figure("retrieval", f"recall@50 vs exact, {label}", "", [row[RECALL_KEY]],
                                      "queries", int(raw["machine"]["run"]["n_queries"]), higher_is_better=True))  # fmt: skip
    return figures, raw


def section_recommender(
    settings: Settings, full: bool, say: Callable[[str], None]
) -> tuple[list[Figure], Any]:
    from bench.recommender import (
        DEFAULT_EVENT_SIZES,
        DEFAULT_VACANCY_SIZES,
        run_recommender_benchmark,
    )

    events = list(DEFAULT_EVENT_SIZES) if full else [settings.interactions]
    vacancies = list(DEFAULT_VACANCY_SIZES) if full else [settings.vacancies]
    say(f"LightFM training on {', '.join(f'{e:,}' for e in events)} events (3 runs), serving over "
        f"{', '.join(f'{v:,}' for v in vacancies)} vacancies")  # fmt: skip
    # No waiting for a quiet machine here: the suite records the load average instead.
    raw = run_recommender_benchmark(
        events, vacancies, repeats=3, n_seekers=200, max_wait_s=0.0, progress=False
    )
    figures = []
    for row in raw["training"]:
        figures.append(Figure("recommender", f"LightFM fit, {row['events']:,} events", "s", row["all_fit_s"]))
    for row in raw["serving"]:
        label = f"one seeker over {row['vacancies']:,} vacancies"
        loop = row["per_pair_loop_ms"]
        figures += [
            Figure("recommender", f"hybrid request p50, {label}", "ms", [row["p50_ms"]], "requests",
                   row["n_requests"], "LightFM.predict per pair", loop),
            Figure("recommender", f"hybrid request p95, {label}", "ms", [row["p95_ms"]], "requests",
                   row["n_requests"]),
            Figure("recommender", f"LightFM scoring part p50, {label}", "ms", [row["lightfm_p50_ms"]], "requests",
                   row["n_requests"], "LightFM.predict per pair", loop),
            Figure("recommender", f"baseline: LightFM.predict per pair, extrapolated to {row['vacancies']:,} "
                   "vacancies", "ms", [loop], "pairs", row["per_pair_sample"]),
        ]  # fmt: skip
    if COMMITTED_METRICS.is_file():
        metrics = json.loads(COMMITTED_METRICS.read_text(encoding="utf-8"))
        pop = metrics["popularity"]["ndcg@10"]["value"]
        for model in ("hybrid", "lightfm", "skill_overlap"):
            if model in metrics:
                figures.append(Figure("recommender", f"NDCG@10, {model}", "", [metrics[model]["ndcg@10"]["value"]],
                                      "evaluation", 1, "popularity", pop, higher_is_better=True,
                                      source=FROM_LAST_EVALUATION))  # fmt: skip
    return figures, raw


def section_interventions(
    settings: Settings, full: bool, say: Callable[[str], None]
) -> tuple[list[Figure], Any]:
    import numpy as np

    from data.store import Store
    from matching.retrieval import Matcher
    from recommender.interventions import fit_model, recommend_programmes, seeker_features, taxonomy_of

    fits, n_citizens = (3, 200) if full else (3, 100)
    with tempfile.TemporaryDirectory(prefix="jobmatch-bench-interventions-") as tmp:
        copy = _copy_home(settings, tmp)
        with Store(copy.db_path, read_only=True) as store:
            fit_s = []
            for i in range(fits):
                say(f"fitting the intervention model on the default world, run {i + 1}/{fits}")
                t0 = time.perf_counter()
                model = fit_model(store)
                fit_s.append(time.perf_counter() - t0)
            tax = taxonomy_of(store)
            ids = store.query("SELECT seeker_id FROM seekers ORDER BY hash(seeker_id) LIMIT ?",
                              [n_citizens])["seeker_id"].to_list()  # fmt: skip
            frame = store.query(
                "SELECT * FROM seekers WHERE seeker_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
            )
            say(f"ranking programmes for {len(ids)} citizens, one at a time and in one batch")
            features = seeker_features(frame, tax)
            rank_ms = []
            for i in range(frame.height):
                one = seeker_features(frame[i : i + 1], tax)
                t0 = time.perf_counter()
                model.rank(one)
                rank_ms.append((time.perf_counter() - t0) * 1000)
            batch_ms = []
            for _ in range(3):
                t0 = time.perf_counter()
                model.rank(features)
                batch_ms.append((time.perf_counter() - t0) * 1000 / frame.height)
            say(f"recommend_programmes (ranking, employers, text) for {len(ids)} citizens")
            matcher = Matcher.open(copy, store)
            full_ms = []
            for sid in ids:
                t0 = time.perf_counter()
                recommend_programmes(model, store, sid, matcher=matcher)
                full_ms.append((time.perf_counter() - t0) * 1000)
    figures = [
        Figure("interventions", "intervention model fit (DR-learner, default world)", "s", fit_s),
        Figure("interventions", "programme ranking per citizen, one at a time (model.rank)", "ms", rank_ms,
               "citizens", baseline="batch ranking, per citizen", baseline_value=statistics.median(batch_ms),
               note="ratio < 1: one at a time costs more than its share of a batch"),
        Figure("interventions", f"baseline: batch ranking of {len(ids)} citizens, per citizen", "ms", batch_ms,
               "runs"),
        Figure("interventions", "recommend_programmes per citizen p50 (ranking, employers, Danish text)", "ms",
               full_ms, "citizens"),
        Figure("interventions", "recommend_programmes per citizen p95", "ms",
               [float(np.percentile(full_ms, 95))], "citizens", len(full_ms)),
    ]  # fmt: skip
    raw = {"fit_s": fit_s, "rank_ms": rank_ms, "batch_ms_per_citizen": batch_ms, "recommend_ms": full_ms}
    return figures, raw


def section_dashboard(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.dashboard import run_dashboard_benchmark

    citizens = 25 if full else 5
    raw = run_dashboard_benchmark(settings, citizens, progress=lambda m: say(f"dashboard: {m}"))
    figures = [
        Figure("dashboard", f"click p95, {name}", "ms", [r["p95_ms"]], "clicks", r["n"])
        for name, r in raw["interactions"].items()
    ]
    figures.append(Figure("dashboard", "worst click p95", "ms", [raw["worst_p95_ms"]], "interaction kinds",
                          len(raw["interactions"]), note=f"target < {raw['target_p95_ms']:.0f} ms"))  # fmt: skip
    return figures, raw


def section_load(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.load import LoadConfig, run_load

    # The target: 100 consultants, each clicking about once a second (a pause of 0.7 s on average to
    # read each answer; back-to-back callers would make p95 a queue length, not a latency: Little's law).
    cfg = LoadConfig(threads=100, duration_s=120.0 if full else 60.0, think_s=0.7)
    say(f"load: {cfg.threads} consultants for {cfg.duration_s:.0f} s")
    raw = run_load(settings, cfg, progress=False)
    figures = [
        Figure("load", f"throughput, {cfg.threads} concurrent consultants pausing {cfg.think_s:g} s on average after each answer", "calls/s",
               [raw["throughput_calls_per_s"]], "calls", raw["calls"], higher_is_better=True),
    ]  # fmt: skip
    for op, s in raw["operations"].items():
        for p in ("p50", "p95", "p99"):
            figures.append(Figure("load", f"{op} {p} under load", "ms", [s[f"{p}_ms"]], "calls", s["n"]))
    a = raw["audit"]
    figures += [
        Figure("load", "errors", "", [float(raw["errors"])], "calls", raw["calls"], note="must be 0"),
        Figure("load", "audit rows written", "rows", [float(a["rows_written"])], "calls", a["audited_calls_served"],
               note=f"audited calls served {a['audited_calls_served']:,}; chain "
                    f"{'verifies' if a['chain_ok'] else 'BROKEN'}"),
    ]  # fmt: skip
    return figures, raw


def section_live(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.live import LiveConfig, run_live

    cfg = LiveConfig(threads=20, duration_s=120.0 if full else 90.0)
    say(f"live: an import while {cfg.threads} consultants work")
    raw = run_live(settings, cfg, progress=False)
    live, a = raw.get("during", {}), raw["audit"]
    after = live.get("suggested_after_s")
    figures = [
        Figure("live", "new vacancy suggested to its consultant after the import", "s",
               [float("nan") if after is None else after], "imports", 1, note=f"target <= {cfg.target_s:.0f} s"),
        Figure("live", "import with its refresh (one new release)", "s", [float(live.get("import_s", float("nan")))],
               "imports", 1),
        Figure("live", "errors and refusals during the import", "", [float(raw["errors"])], "calls", raw["calls"],
               note="must be 0"),
        Figure("live", "audit rows written", "rows", [float(a["rows_written"])], "calls", a["audited_calls_served"],
               note=f"lists served {a['audited_calls_served']:,}; chain {'verifies' if a['chain_ok'] else 'BROKEN'}"),
    ]  # fmt: skip
    return figures, raw


def section_startup(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.startup import run_startup

    say("startup: make run's steps and a cold start")
    with tempfile.TemporaryDirectory(prefix="jobmatch-startup-") as tmp:
        raw = run_startup(_copy_home(settings, tmp))
    s, t = raw["seconds"], raw["targets"]
    figures = [
        Figure("startup", "make run until serving, unchanged world", "s", [s["make run until serving"]], "runs",
               note=f"target < {t['make run until serving']:.0f} s; build up to date: {raw['build_up_to_date']}"),
        Figure("startup", "dashboard process cold start (Workspace.open)", "s", raw["cold_start_runs"], "processes",
               note=f"target < {t['workspace cold start']:.0f} s"),
    ]  # fmt: skip
    return figures, raw


def section_ops(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.ops import OpsConfig, run_ops

    cfg = OpsConfig(processes=2, threads=10, duration_s=120.0 if full else 60.0)
    say(f"ops: {cfg.processes} dashboard processes x {cfg.threads} consultants on one PostgreSQL store")
    raw = run_ops(settings, cfg)
    if not raw["ok"]:  # lost or duplicated records, a broken chain or errors fail the section
        raise RuntimeError(f"bench ops failed its checks: audit {raw['audit']}, decisions {raw['decisions']}, "
                           f"errors {raw['error_samples'][:2]}")  # fmt: skip
    a, d, label = raw["audit"], raw["decisions"], f"{cfg.processes} processes x {cfg.threads} consultants"
    return [
        Figure("ops", f"throughput, {label}, one PostgreSQL operations store", "calls/s",
               [raw["throughput_calls_per_s"]], "calls", raw["calls"], higher_is_better=True),
        Figure("ops", "audit records lost", "rows", [float(a["lost"])], "calls", a["audited_calls_served"],
               note=f"must be 0; chain {'verifies' if a['chain_ok'] else 'BROKEN'} ({a['chain_records']:,} records)"),
        Figure("ops", "audit records duplicated", "rows", [float(a["duplicated"])], "calls",
               a["audited_calls_served"], note="must be 0"),
        Figure("ops", "decision rows minus decide calls", "rows", [float(d["rows"] - d["decide_calls"])],
               "calls", d["decide_calls"], note="must be 0"),
    ], raw  # fmt: skip


def section_scale(settings: Settings, full: bool, say: Callable[[str], None]) -> tuple[list[Figure], Any]:
    from bench.scale import preset_of, read_results

    say("reading the last scale run")
    try:
        raw = read_results(settings.bench_dir)
    except MissingFileError as exc:  # never run here: said in the report, not a failure of the suite
        return [], {"skipped": str(exc)}
    world, steps = raw["world"], raw["steps"]
    label = f"{preset_of(world)} world ({world['seekers']:,} citizens, {world['open_vacancies']:,} open vacancies)"
    source = f"from the last scale run ({raw['machine']['when']}, bench/scale.json)"

    def fig(name: str, unit: str, value: float, n_of: str = "runs", n: int = 1, note: str = "") -> Figure:
        return Figure("scale", f"{name}, {label}", unit, [float(value)], n_of, n, source=source, note=note)

    figures = []
    for step, s in steps.items():
        load = f"load average {s['loadavg_before'][0]:.2f} before"
        figures += [
            fig(f"{step} wall time", "s", s["seconds"], note=load),
            fig(f"{step} peak RSS", "MiB", s["peak_rss_mib"]),
        ]
    figures.append(fig("Workspace cold open", "s", steps["serve"]["cold_open_s"]))
    for kind, c in steps["serve"]["calls"].items():
        if c.get("n"):
            figures.append(fig(f"single call p50, {kind}", "ms", c["p50_ms"], "calls", c["n"]))
    load = steps["load"]
    threads = load["config"]["threads"]
    figures.append(
        fig(
            f"throughput, {threads} concurrent consultants",
            "calls/s",
            load["throughput_calls_per_s"],
            "calls",
            load["calls"],
        )
    )
    figures[-1].higher_is_better = True
    for op, o in load["operations"].items():
        figures.append(
            fig(f"{op} p95 under load ({threads} consultants)", "ms", o["p95_ms"], "calls", o["n"])
        )
    figures.append(fig("load errors", "", load["errors"], "calls", load["calls"], note="must be 0"))
    return figures, raw


SECTION_FUNCS: dict[str, Callable[[Settings, bool, Callable[[str], None]], tuple[list[Figure], Any]]] = {
    "generate": section_generate,
    "encoders": section_encoders,
    "retrieval": section_retrieval,
    "recommender": section_recommender,
    "interventions": section_interventions,
    "dashboard": section_dashboard,
    "load": section_load,
    "live": section_live,
    "startup": section_startup,
    "ops": section_ops,
    "scale": section_scale,
}


# --- the suite ---------------------------------------------------------------------------------------------------


def run_bench_all(settings: Settings, *, full: bool = False, sections: list[str] | None = None,
                  progress: bool = True) -> dict[str, Any]:  # fmt: skip
    """Run the sections in order; a failing section is recorded (with its error) and the rest still run."""
    chosen = list(sections or SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections {sorted(unknown)}: use {', '.join(SECTIONS)}")
    started = time.perf_counter()
    machine_before = machine_info()
    figures: list[Figure] = []
    raw: dict[str, Any] = {}
    timings: dict[str, float] = {}
    failed: dict[str, str] = {}
    with _progress(progress, len(chosen)) as say:
        for name in chosen:
            t0 = time.perf_counter()
            say(name, f"{name}: starting", False)
            try:
                got, raw[name] = SECTION_FUNCS[name](settings, full, _teller(say, name))
                figures += got
            except Exception as exc:  # a broken section is reported, the others still run
                failed[name] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
            timings[name] = round(time.perf_counter() - t0, 1)
            say(name, f"{name}: {'FAILED' if name in failed else 'done'} in {timings[name]:.0f} s", True)
    return {
        "benchmark": "all",
        "mode": "full" if full else "quick",
        "code": code_version(),
        "machine": {
            **machine_info(),
            "loadavg_at_start": machine_before["loadavg"],
            "started": machine_before["when"],
        },
        "sections": chosen,
        "section_s": timings,
        "total_s": round(time.perf_counter() - started, 1),
        "failed": failed,
        "figures": [asdict(f) for f in figures],
        "raw": raw,
    }


def _teller(say: Callable[[str, str, bool], None], section: str) -> Callable[[str], None]:
    def tell(message: str) -> None:
        say(section, message, False)

    return tell


class _progress:
    """Rich progress over the sections (the sub-benchmarks run with their own bars off); or nothing."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self) -> Callable[[str, str, bool], None]:
        if not self.enabled:
            return lambda _s, _m, _a: None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("[bold]bench all[/bold]"), BarColumn(),
                            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                            TextColumn("{task.description}"))  # fmt: skip
        self.bar.__enter__()
        task = self.bar.add_task("", total=self.total)

        def say(section: str, message: str, advance: bool) -> None:
            self.bar.update(task, description=message, advance=1 if advance else 0)
            if advance:
                self.bar.console.log(message)

        return say

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.__exit__(None, None, None)


# --- output --------------------------------------------------------------------------------------------------------


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.4g}"


def _load(avg: list[float]) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in avg) + "]"


def to_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# All benchmarks",
        "",
        f"`jobmatch bench all` ({result['mode']}, code {result.get('code', 'unknown')}), {m['when']}: {m['cpus']} CPUs, {m['platform']}, Python "
        f"{m['python']}. Load average (1, 5, 15 min) {_load(m['loadavg_at_start'])} at start, {_load(m['loadavg'])} at end: "
        f"the machine is shared, so figures move with the load. Total {result['total_s']:.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in result['section_s'].items())}).",
        "",
        "Value: the median of n measurements (n counts what the column says). Ratio: how many times better than "
        "the baseline measured in the same run (baseline time / time; value / baseline for throughput and "
        "quality), so above 1 is better than the baseline.",
        "",
    ]
    rows = []
    for f in result["figures"]:
        base = f"{f['baseline']} ({_fmt(f['baseline_value'])})" if f["baseline"] else ""
        ratio = (
            "" if f["ratio"] is None else f"{f['ratio']:.2f}x" if f["ratio"] >= 0.1 else f"{f['ratio']:.2g}x"
        )
        notes = [s for s in (f["note"], "" if f["source"] == "measured" else f["source"]) if s]
        name = f["name"] + (f" ({'; '.join(notes)})" if notes else "")
        rows.append((f["section"], name, _fmt(f["value"]), f["unit"], base, ratio, f"{f['n']} {f['n_of']}"))
    columns = ("section", "figure", "value", "unit", "baseline", "ratio", "n")
    lines.append(markdown_table(rows, columns, right=("value", "ratio")))
    skipped = {
        name: r["skipped"]
        for name, r in result.get("raw", {}).items()
        if isinstance(r, dict) and "skipped" in r
    }
    if skipped:
        lines += ["", "Sections without figures:", ""]
        lines += [f"- {name}: {why}" for name, why in skipped.items()]
    if result["failed"]:
        lines += ["", "Failed sections:", ""]
        lines += [f"- {name}: {err.splitlines()[0]}" for name, err in result["failed"].items()]
    return "\n".join(lines) + "\n"


def write_results(result: dict[str, Any], folder: str | Path) -> dict[str, Path]:
    """``all.json`` and ``all.md`` in ``folder``."""
    return report_files(result, folder, "all", md=to_markdown(result))
