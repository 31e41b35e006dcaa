"""Recommender benchmark: LightFM training time and memory by history size, and one-seeker serving latency.

**Training** (issue 4: 150k, 1M and 5M interaction events). Each size is a world made by the product's own
generator, ``data.synthetic.generate.generate_world``, with the default world (20k seekers, 6k vacancies, 150k events)
scaled by ``events / 150k`` in seekers and vacancies, so every world has the same density: as many events
per seeker and per vacancy, the same share of positives. Nothing is replicated or resampled; a 5M-event
world takes under 2 minutes to generate on two cores. A *prepare* subprocess generates the world and writes
the catalogue (seekers, vacancies, employers) and the positives (``data.interactions.positives`` over all
events: the strongest positive event per seeker-vacancy pair) to Parquet. Each timed run is then a fresh
*fit* subprocess that loads those, builds the ``RecContext`` and fits ``LightFMRecommender()`` with the
product defaults (WARP, side features, 32 components, 30 epochs, one thread). ``fit_s`` is the wall time of
``fit`` (the interaction matrix, the feature matrices and LightFM's epochs), ``fit_cpu_s`` its CPU time (more
robust on a shared machine); ``peak_rss_mib`` is the child's peak ``ru_maxrss``, i.e. everything the
training process held (catalogue, context, positives, model). Loading the catalogue and building the context
make transient Python lists that can set that peak, so the fit's own figures are kept too:
``rss_at_fit_start_mib`` (resident just before ``fit``) and ``fit_peak_rss_mib`` (the peak during ``fit``
alone: the kernel's peak counter is reset, Linux ``/proc/self/clear_refs``, right before it). Runs per size: ``repeats``, but no new run starts once the size's runs have used
``repeat_budget_s`` or the next one would overrun it (so the 5M size may run once); the count is reported
and ``fit_s`` is the median.

**Serving** (6k and 100k vacancies). A world with the default seekers and events and the given vacancy
count; the hybrid (LightFM + both logistic sides) is trained once in a fresh *serve* subprocess exactly as
``recommender.service.train_and_save`` does (LightFM on the history before the last 8 weeks, the ranker on
those weeks). One request is the full scoring path of ``RecommendationService.for_seeker`` after
retrieval: ``HybridRecommender.score_matrix`` (content signals + LightFM + both logits) for one seeker over
the candidate set, then the top ``k``. The candidate set is *every* vacancy, the worst case (the service
scores matching's filtered candidates, a few hundred). Text vectors, which the service takes from the
matching index, are random unit vectors of the index's dimension (384): similarity costs the same dot
product whatever the vectors are. ``first_request_ms`` includes exporting every user and item
representation once (cached per context); ``p50_ms`` / ``p95_ms`` are over ``n_seekers`` distinct seekers
after a warm-up; ``lightfm_p50_ms`` is LightFM's part alone (``LightFMRecommender.score_matrix``) and
``content_signals_p50_ms`` the content signals alone (``recommender.signals.content_signals``), timed over
the same seekers.

**Baseline**: ``LightFM.predict`` called once per (seeker, vacancy) pair, with float32 CSR feature matrices
prepared once (its cheapest form), timed on ``n_pairs`` pairs and extrapolated to the candidate set:
``per_pair_loop_ms = per_pair_predict_us x vacancies / 1000``. ``speedup_vs_per_pair_predict`` is that over
``lightfm_p50_ms`` (the same LightFM scores both ways; ``max_abs_diff_vs_predict`` checks they agree), and
``request_speedup_vs_per_pair_predict`` is it over the whole hybrid request's ``p50_ms``. One vectorised
``predict`` call over all candidates is reported too (``batch_predict_p50_ms``).

The machine is shared: before the timed runs the benchmark waits (polling every ``poll_s``, at most
``max_wait_s``) until the 1-minute load average is below ``load_threshold`` and records the load averages at
start and end (and the 1-minute load at the start of every run).

Run it with ``python -m bench.recommender`` or ``jobmatch bench recommender``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.harness import bench_progress
from core.machine import machine_info
from core.reporting import markdown_table
from core.reporting import write_results as report_files
from data.synthetic.generate import WorldSize

DEFAULT_EVENT_SIZES = (150_000, 1_000_000, 5_000_000)
DEFAULT_VACANCY_SIZES = (6_000, 100_000)
BASE = WorldSize()  # the product's default world: 20k seekers, 6k vacancies, 150k events
VECTOR_DIM = 384  # all-MiniLM-L6-v2, the matching index's vectors
ROOT = Path(__file__).resolve().parents[1]
TRAINING_KEYS = ("events", "positives", "users", "items", "fit_s", "fit_cpu_s", "peak_rss_mib", "runs")
SERVING_KEYS = ("vacancies", "p50_ms", "p95_ms", "lightfm_p50_ms", "per_pair_predict_us",
                "speedup_vs_per_pair_predict", "request_speedup_vs_per_pair_predict")  # fmt: skip
FRAMES = ("seekers", "vacancies", "employers")


def training_world(events: int, seed: int = 42) -> WorldSize:
    """The default world scaled by ``events / 150k`` in seekers and vacancies (same density everywhere)."""
    f = events / BASE.interactions
    return WorldSize(seekers=max(50, round(BASE.seekers * f)), vacancies=max(20, round(BASE.vacancies * f)),
                     interactions=events, episodes=0, seed=seed)  # fmt: skip


def serving_world(vacancies: int, seekers: int = BASE.seekers, events: int = BASE.interactions,
                  seed: int = 42) -> WorldSize:  # fmt: skip
    return WorldSize(seekers=seekers, vacancies=vacancies, interactions=events, episodes=0, seed=seed)


# --- measurements inside the subprocesses ---------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _status_mib(key: str) -> float | None:
    """``VmRSS`` / ``VmHWM`` of this process from /proc (Linux), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not on every platform
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux ``clear_refs`` 5), so the next peak is one phase's alone."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="utf-8")
    except OSError:  # pragma: no cover - not on every platform
        return False
    return True


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return []


def _load_frames(folder: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(folder / f"{name}.parquet") for name in FRAMES}


def _child_prepare(spec: dict[str, Any]) -> dict[str, Any]:
    """Generate a world and write the catalogue, the events and their positives as Parquet."""
    from data.interactions import positives
    from data.synthetic.generate import generate_world
    from data.taxonomy import load_builtin

    folder = Path(spec["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    world = generate_world(load_builtin(), WorldSize(**spec["size"]))
    generate_s = time.perf_counter() - t
    events = world["interactions"]
    for name in FRAMES:
        world[name].write_parquet(folder / f"{name}.parquet")
    pos = positives(events)
    pos.write_parquet(folder / "positives.parquet")
    events.write_parquet(folder / "interactions.parquet")
    return {
        "generate_s": generate_s,
        "generate_peak_rss_mib": _peak_rss_mib(),
        "events": events.height,
        "positives": pos.height,
        "seekers": world["seekers"].height,
        "vacancies": world["vacancies"].height,
        "event_counts": dict(events.group_by("event").len().sort("event").iter_rows()),
    }


def _child_fit(spec: dict[str, Any]) -> dict[str, Any]:
    """One timed LightFM fit (product defaults) on a prepared world."""
    from recommender.context import RecContext
    from recommender.lightfm_model import LightFMRecommender

    load = _loadavg()
    folder = Path(spec["dir"])
    frames = _load_frames(folder)
    pos = pl.read_parquet(folder / "positives.parquet")
    ctx = RecContext.from_frames(frames["seekers"], frames["vacancies"], frames["employers"])
    before, rss_at_fit = _peak_rss_mib(), _status_mib("VmRSS")
    reset = _reset_peak_rss()  # ru_maxrss restarts too: the process peak is max(before, after)
    model = LightFMRecommender(seed=spec["seed"])
    t, cpu = time.perf_counter(), time.process_time()
    model.fit(ctx, pos)
    fit_s, fit_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    after = _peak_rss_mib()
    assert model.user_ids_ is not None and model.item_ids_ is not None and model.space_ is not None
    return {
        "fit_s": fit_s,
        "fit_cpu_s": fit_cpu_s,
        "peak_rss_mib": max(before, after),
        "peak_rss_before_fit_mib": before,
        "rss_at_fit_start_mib": rss_at_fit,
        "fit_peak_rss_mib": after if reset else None,
        "positives": pos.height,
        "users": len(ctx.seekers),
        "items": len(ctx.vacancies),
        "users_with_positives": len(model.user_ids_),
        "items_with_positives": len(model.item_ids_),
        "user_features": len(model.user_ids_) + len(model.space_.user_vocab),
        "item_features": len(model.item_ids_) + len(model.space_.item_vocab),
        "params": model.config.model_dump(),
        "load_1m": load[0] if load else None,
    }


def _unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim), dtype=np.float32)
    value: np.ndarray = x / np.linalg.norm(x, axis=1, keepdims=True)
    return value


def _percentiles(times_ns: list[int]) -> tuple[float, float, float]:
    ms = np.asarray(times_ns, dtype=float) / 1e6
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95)), float(ms.mean())


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best scores, best first (ties by position)."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def _child_serve(spec: dict[str, Any]) -> dict[str, Any]:
    """Train the hybrid once, then time one-seeker requests and the per-pair ``predict`` baseline."""
    import scipy.sparse as sp

    from data.interactions import time_split
    from recommender.context import RecContext
    from recommender.hybrid import HybridRecommender
    from recommender.lightfm_model import LightFMRecommender
    from recommender.signals import content_signals

    load = _loadavg()
    folder, seed, k = Path(spec["dir"]), int(spec["seed"]), int(spec["k"])
    frames = _load_frames(folder)
    events = pl.read_parquet(folder / "interactions.parquet")
    ctx = RecContext.from_frames(frames["seekers"], frames["vacancies"], frames["employers"])
    rng = np.random.default_rng(seed)
    ctx.seeker_vectors = _unit_vectors(rng, len(ctx.seekers), spec["vector_dim"])
    ctx.vacancy_vectors = _unit_vectors(rng, len(ctx.vacancies), spec["vector_dim"])
    cut = time_split(events, test_period=False)
    train, ranker_events = cut.train, cut.ranker_events
    t = time.perf_counter()
    model = HybridRecommender(LightFMRecommender(seed=seed), seed=seed).fit(ctx, train, ranker_events)
    train_s = time.perf_counter() - t
    lfm = model.lightfm

    items = np.arange(len(ctx.vacancies))
    n_seekers = min(int(spec["n_seekers"]), len(ctx.seekers))
    users = rng.choice(len(ctx.seekers), n_seekers, replace=False)

    def request(u: int) -> np.ndarray:
        scores = model.score_matrix(ctx, np.array([u]), items)[0]
        value: np.ndarray = items[top_k(scores, k)]
        return value

    t0 = time.perf_counter_ns()
    request(int(users[0]))  # exports every user and item representation once (cached per context)
    first_ms = (time.perf_counter_ns() - t0) / 1e6
    for u in users[: min(5, n_seekers)]:
        request(int(u))
    times = []
    for u in users:
        t0 = time.perf_counter_ns()
        request(int(u))
        times.append(time.perf_counter_ns() - t0)
    lfm_times, signal_times = [], []
    for u in users:
        t0 = time.perf_counter_ns()
        lfm.score_matrix(ctx, np.array([u]), items)
        lfm_times.append(time.perf_counter_ns() - t0)
    for u in users:
        t0 = time.perf_counter_ns()
        content_signals(ctx, np.array([u]), items)
        signal_times.append(time.perf_counter_ns() - t0)

    # The baseline: LightFM.predict per pair, on the feature matrices LightFM was trained with (float32 CSR,
    # built once, so each call pays only predict's own overhead).
    assert lfm.model_ is not None and lfm.user_ids_ is not None and lfm.item_ids_ is not None
    uf = sp.csr_matrix(lfm._feature_matrix(ctx.seekers.ids, ctx.user_features, lfm.user_ids_, "user"),
                       dtype=np.float32)  # fmt: skip
    itf = sp.csr_matrix(lfm._feature_matrix(ctx.vacancies.ids, ctx.item_features, lfm.item_ids_, "item"),
                        dtype=np.float32)  # fmt: skip
    n_pairs = int(spec["n_pairs"])
    pair_users = rng.choice(users, n_pairs).astype(np.int32)
    pair_items = rng.integers(0, len(items), n_pairs).astype(np.int32)
    looped = np.empty(n_pairs, dtype=np.float32)
    lf_model = lfm.model_
    t0 = time.perf_counter_ns()
    for j in range(n_pairs):
        looped[j] = lf_model.predict(pair_users[j : j + 1], pair_items[j : j + 1], item_features=itf,
                                     user_features=uf)[0]  # fmt: skip
    per_pair_us = (time.perf_counter_ns() - t0) / 1e3 / n_pairs
    matrix = np.array([lfm.score_matrix(ctx, np.array([u]), np.array([i]))[0, 0]
                       for u, i in zip(pair_users, pair_items, strict=True)])  # fmt: skip
    batch_times = []
    for u in users[: int(spec["n_batch"])]:
        ids = np.full(len(items), u, dtype=np.int32)
        t0 = time.perf_counter_ns()
        lf_model.predict(ids, items.astype(np.int32), item_features=itf, user_features=uf)
        batch_times.append(time.perf_counter_ns() - t0)

    p50, p95, mean = _percentiles(times)
    lfm_p50, lfm_p95, _ = _percentiles(lfm_times)
    loop_ms = per_pair_us * len(items) / 1e3
    return {
        "vacancies": len(ctx.vacancies),
        "seekers": len(ctx.seekers),
        "events": events.height,
        "train_positives": train.height,
        "ranker_events": ranker_events.height,
        "hybrid_train_s": train_s,
        "k": k,
        "n_requests": n_seekers,
        "first_request_ms": first_ms,
        "p50_ms": p50,
        "p95_ms": p95,
        "mean_ms": mean,
        "lightfm_p50_ms": lfm_p50,
        "lightfm_p95_ms": lfm_p95,
        "content_signals_p50_ms": _percentiles(signal_times)[0],
        "batch_predict_p50_ms": _percentiles(batch_times)[0],
        "n_batch": len(batch_times),
        "per_pair_predict_us": per_pair_us,
        "per_pair_sample": n_pairs,
        "per_pair_loop_ms": loop_ms,
        "speedup_vs_per_pair_predict": loop_ms / lfm_p50,
        "request_speedup_vs_per_pair_predict": loop_ms / p50,
        "max_abs_diff_vs_predict": float(np.max(np.abs(looped - matrix))),
        "peak_rss_mib": _peak_rss_mib(),
        "load_1m": load[0] if load else None,
    }


CHILD_TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "prepare": _child_prepare,
    "fit": _child_fit,
    "serve": _child_serve,
}


def run_child(task: str, spec: dict[str, Any], *, isolate: bool = True) -> dict[str, Any]:
    """Run one task in a fresh interpreter (so its peak RSS is its own), or in-process if not ``isolate``."""
    if not isolate:
        return CHILD_TASKS[task](spec)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-m", "bench.recommender", "--child", task, json.dumps(spec)],
        capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"benchmark step {task} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- the benchmark --------------------------------------------------------------------------------------


def wait_for_quiet(
    threshold: float, poll_s: float, max_wait_s: float, say: Callable[[str], None] = lambda _m: None
) -> dict[str, Any]:
    """Poll the 1-minute load average until it is below ``threshold`` or ``max_wait_s`` has passed."""
    first = _loadavg()
    started = time.monotonic()
    while True:
        now = _loadavg()
        waited = time.monotonic() - started
        if not now or now[0] < threshold or waited >= max_wait_s:
            break
        say(f"waiting for a quieter machine: load {now[0]:.2f} >= {threshold} ({waited:.0f} s waited)")
        time.sleep(min(poll_s, max(max_wait_s - waited, 0.0)))
    return {"threshold": threshold, "loadavg_before_wait": first, "waited_s": round(waited, 1),
            "quiet": bool(now) and now[0] < threshold, "loadavg_at_start": now}  # fmt: skip


def _r(x: Any, digits: int = 3) -> Any:
    return round(float(x), digits) if isinstance(x, float) else x


def run_recommender_benchmark(
    event_sizes: Sequence[int] = DEFAULT_EVENT_SIZES,
    vacancy_sizes: Sequence[int] = DEFAULT_VACANCY_SIZES,
    *,
    repeats: int = 3,
    repeat_budget_s: float = 300.0,
    n_seekers: int = 200,
    k: int = 10,
    n_pairs: int = 2_000,
    n_batch: int = 20,
    serving_seekers: int = BASE.seekers,
    serving_events: int = BASE.interactions,
    vector_dim: int = VECTOR_DIM,
    seed: int = 42,
    load_threshold: float = 2.5,
    poll_s: float = 30.0,
    max_wait_s: float = 900.0,
    isolate: bool = True,
    progress: bool = True,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Training rows per event count, serving rows per vacancy count; see the module docstring."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    started = time.perf_counter()
    event_sizes = sorted({int(s) for s in event_sizes})
    vacancy_sizes = sorted({int(s) for s in vacancy_sizes})
    n_steps = 1 + 2 * len(event_sizes) + 2 * len(vacancy_sizes)
    training: list[dict[str, Any]] = []
    serving: list[dict[str, Any]] = []
    worlds: dict[str, dict[str, Any]] = {}
    with (
        tempfile.TemporaryDirectory(dir=workdir) as tmp,
        bench_progress("recommender", progress, n_steps) as step,
    ):
        load = wait_for_quiet(load_threshold, poll_s, max_wait_s, step)
        step(f"load {load['loadavg_at_start']} after {load['waited_s']} s", True)

        def prepare(size: WorldSize) -> tuple[Path, dict[str, Any]]:
            """Generate (once per distinct world size) in a subprocess; the 150k world serves 6k too."""
            key = "-".join(str(v) for v in asdict(size).values())
            folder = Path(tmp) / key
            if key not in worlds:
                worlds[key] = run_child(
                    "prepare", {"dir": str(folder), "size": asdict(size)}, isolate=isolate
                )
            return folder, worlds[key]

        for events in event_sizes:
            size = training_world(events, seed)
            step(f"generating {events:,} events ({size.seekers:,} seekers, {size.vacancies:,} vacancies)")
            folder, world = prepare(size)
            step(f"generated {world['events']:,} events in {world['generate_s']:.0f} s", True)
            runs: list[dict[str, Any]] = []
            while len(runs) < repeats:
                spent = sum(r["fit_s"] for r in runs)
                if runs and spent + runs[-1]["fit_s"] > repeat_budget_s:
                    break
                step(f"fitting LightFM on {events:,} events, run {len(runs) + 1}")
                runs.append(run_child("fit", {"dir": str(folder), "seed": 0}, isolate=isolate))
            row = _training_row(size, world, runs)
            training.append(row)
            step(f"{events:,} events: fit {row['fit_s']:.1f} s, peak {row['peak_rss_mib']:.0f} MiB", True)

        for vacancies in vacancy_sizes:
            size = serving_world(vacancies, serving_seekers, serving_events, seed)
            step(f"generating a world with {vacancies:,} vacancies")
            folder, world = prepare(size)
            step(f"generated {vacancies:,} vacancies in {world['generate_s']:.0f} s", True)
            step(f"training the hybrid and timing {n_seekers} requests over {vacancies:,} vacancies")
            spec = {"dir": str(folder), "seed": 0, "k": k, "n_seekers": n_seekers, "n_pairs": n_pairs,
                    "n_batch": n_batch, "vector_dim": vector_dim}  # fmt: skip
            row = {key: _r(v) for key, v in run_child("serve", spec, isolate=isolate).items()}
            serving.append(row)
            step(f"{vacancies:,} vacancies: p50 {row['p50_ms']:.2f} ms, p95 {row['p95_ms']:.2f} ms", True)

    machine = {**machine_info(), "cpu_model": _cpu_model(), "machine": platform.machine()}
    return {
        "benchmark": "recommender",
        "machine": machine,
        "load": {**load, "loadavg_at_end": _loadavg()},
        "config": {
            "event_sizes": event_sizes,
            "vacancy_sizes": vacancy_sizes,
            "repeats": repeats,
            "repeat_budget_s": repeat_budget_s,
            "n_seekers": n_seekers,
            "k": k,
            "n_pairs": n_pairs,
            "n_batch": n_batch,
            "serving_seekers": serving_seekers,
            "serving_events": serving_events,
            "vector_dim": vector_dim,
            "seed": seed,
            "isolated_processes": isolate,
        },
        "method": {
            "training_worlds": TRAINING_METHOD,
            "serving": SERVING_METHOD,
            "baseline": BASELINE_METHOD,
        },
        "training": training,
        "serving": serving,
        "total_s": round(time.perf_counter() - started, 1),
    }


TRAINING_METHOD = (
    "Each size is generate_world(load_builtin(), WorldSize(...)) with the default world (20k seekers, 6k "
    "vacancies, 150k events) scaled by events/150k in seekers and vacancies (same events per seeker and per "
    "vacancy), episodes=0; no replication or resampling. Positives = data.interactions.positives over all "
    "events. Each run is a fresh subprocess that loads the catalogue and positives from Parquet, builds the "
    "RecContext and times LightFMRecommender() (WARP, features, product defaults).fit; peak RSS is that "
    "subprocess's ru_maxrss (loading + context + fit), RSS at fit start its VmRSS just before fit, peak during "
    "fit its peak with the kernel counter reset right before fit (/proc/self/clear_refs)."
)
SERVING_METHOD = (
    "World with the default seekers and events and the given vacancies; the hybrid is trained once as in "
    "recommender.service.train_and_save. A request = HybridRecommender.score_matrix for one seeker over every "
    "vacancy (worst case; the service scores matching's filtered candidates) + top-k. Text vectors are "
    "random unit vectors of the index's dimension. Percentiles over distinct seekers after a warm-up."
)
BASELINE_METHOD = (
    "LightFM.predict called once per (seeker, vacancy) pair with float32 CSR feature matrices built once, "
    "timed on a sample of pairs and extrapolated to the candidate set; speedup = that / the matrix path's p50."
)


def _training_row(size: WorldSize, world: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    last = runs[-1]
    return {
        "events": world["events"],
        "positives": world["positives"],
        "users": last["users"],
        "items": last["items"],
        "users_with_positives": last["users_with_positives"],
        "items_with_positives": last["items_with_positives"],
        "user_features": last["user_features"],
        "item_features": last["item_features"],
        "fit_s": _r(statistics.median(r["fit_s"] for r in runs)),
        "fit_cpu_s": _r(statistics.median(r["fit_cpu_s"] for r in runs)),
        "peak_rss_mib": _r(statistics.median(r["peak_rss_mib"] for r in runs), 1),
        "peak_rss_before_fit_mib": _r(statistics.median(r["peak_rss_before_fit_mib"] for r in runs), 1),
        "rss_at_fit_start_mib": _median_or_none([r["rss_at_fit_start_mib"] for r in runs]),
        "fit_peak_rss_mib": _median_or_none([r["fit_peak_rss_mib"] for r in runs]),
        "runs": len(runs),
        "all_fit_s": [_r(r["fit_s"]) for r in runs],
        "load_1m": [r["load_1m"] for r in runs],
        "world": {
            **asdict(size),
            "generate_s": _r(world["generate_s"], 1),
            "generate_peak_rss_mib": _r(world["generate_peak_rss_mib"], 1),
            "event_counts": world["event_counts"],
        },
        "params": last["params"],
    }


def _median_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(float(statistics.median(known)), 1) if known else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not on every platform
        pass
    return platform.processor()


# --- output ---------------------------------------------------------------------------------------------


def to_markdown(result: dict[str, Any]) -> str:
    m, load = result["machine"], result["load"]
    out = [
        "# Recommender benchmark",
        "",
        f"{m.get('cpu_model')}, {m.get('cpus')} CPUs, Python {m.get('python')}, {m.get('when')}. "
        f"Load average (1, 5, 15 min) before waiting {load['loadavg_before_wait']}, at start "
        f"{load['loadavg_at_start']} (waited {load['waited_s']} s for < {load['threshold']}"
        f"{'' if load['quiet'] else ', not reached'}), at end {load['loadavg_at_end']}. Total "
        f"{result['total_s']:.0f} s.",
        "",
        "## Training: LightFM (WARP, side features, product defaults)",
        "",
        markdown_table(
            [_training_cells(r) for r in result["training"]], TRAINING_COLUMNS, right=TRAINING_COLUMNS[:-1]
        ),
        "",
        TRAINING_METHOD,
        "",
        "## Serving: one seeker, hybrid score over every vacancy + top-k",
        "",
        markdown_table(
            [_serving_cells(r) for r in result["serving"]], SERVING_COLUMNS, right=SERVING_COLUMNS
        ),
        "",
        SERVING_METHOD,
        "",
        BASELINE_METHOD,
        "",
    ]
    return "\n".join(out)


TRAINING_COLUMNS = ("events", "positives", "users", "items", "fit s (median)", "fit CPU s", "peak RSS MiB",
                    "RSS at fit start MiB", "peak RSS during fit MiB", "runs", "load 1m")  # fmt: skip
SERVING_COLUMNS = ("vacancies", "p50 ms", "p95 ms", "first request ms", "content signals p50 ms",
                   "LightFM part p50 ms", "batch predict p50 ms", "per-pair predict µs", "per-pair loop ms",
                   "speedup vs per-pair predict", "whole request vs per-pair", "requests", "peak RSS MiB")  # fmt: skip


def _training_cells(r: dict[str, Any]) -> tuple[str, ...]:
    return (f"{r['events']:,}", f"{r['positives']:,}", f"{r['users']:,}", f"{r['items']:,}", f"{r['fit_s']:.1f}",
            f"{r['fit_cpu_s']:.1f}", f"{r['peak_rss_mib']:.0f}", _mib(r["rss_at_fit_start_mib"]),
            _mib(r["fit_peak_rss_mib"]), str(r["runs"]), ", ".join(str(x) for x in r["load_1m"]))  # fmt: skip


def _serving_cells(r: dict[str, Any]) -> tuple[str, ...]:
    return (f"{r['vacancies']:,}", f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['first_request_ms']:.0f}",
            f"{r['content_signals_p50_ms']:.2f}", f"{r['lightfm_p50_ms']:.3f}", f"{r['batch_predict_p50_ms']:.2f}",
            f"{r['per_pair_predict_us']:.1f}", f"{r['per_pair_loop_ms']:.0f}",
            f"{r['speedup_vs_per_pair_predict']:,.0f}x", f"{r['request_speedup_vs_per_pair_predict']:,.1f}x",
            str(r["n_requests"]), f"{r['peak_rss_mib']:.0f}")  # fmt: skip


def _mib(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f}"


def write_results(result: dict[str, Any], target: str | Path) -> dict[str, Path]:
    """Write the JSON and, beside it, the Markdown. ``target`` is a ``.json`` file or a folder (then
    ``recommender.json`` / ``recommender.md`` in it)."""
    path = Path(target)
    if path.suffix != ".json":
        path = path / "recommender.json"
    return report_files(result, path.parent, path.stem, md=to_markdown(result))


def main(argv: Sequence[str] | None = None) -> None:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["--child"]:  # a measurement subprocess: one JSON line on stdout
        print(json.dumps(CHILD_TASKS[args_in[1]](json.loads(args_in[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, nargs="+", default=list(DEFAULT_EVENT_SIZES))
    parser.add_argument("--vacancies", type=int, nargs="+", default=list(DEFAULT_VACANCY_SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeat-budget", type=float, default=300.0)
    parser.add_argument("--seekers", type=int, default=200, help="requests timed per vacancy count")
    parser.add_argument("--max-wait", type=float, default=900.0)
    parser.add_argument("--json", type=Path, default=Path("evaluation/results/bench_recommender.json"))
    args = parser.parse_args(args_in)
    result = run_recommender_benchmark(
        args.events, args.vacancies, repeats=args.repeats, repeat_budget_s=args.repeat_budget,
        n_seekers=args.seekers, max_wait_s=args.max_wait,
    )  # fmt: skip
    paths = write_results(result, args.json)
    print(to_markdown(result))
    print("wrote", ", ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()
