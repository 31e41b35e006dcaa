"""Benchmarks: each runs its workload in a fresh subprocess (so peak memory is its own) and reports medians."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.machine import machine_info
from core.settings import Settings

_GENERATE_CHILD = """
import resource, sys, time
from data.synthetic.generate import WorldSize, generate_world
from data.taxonomy import load_builtin
tax = load_builtin()
t = time.perf_counter()
generate_world(tax, WorldSize(seekers={seekers}, vacancies={vacancies}, interactions={interactions},
               episodes={episodes}, seed={seed}))
elapsed = time.perf_counter() - t
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_generate(settings: Settings, vacancy_sizes: list[int], repeats: int) -> dict[str, Any]:
    """Generation time (median of ``repeats``) and peak RSS per vacancy count, other sizes at defaults."""
    rows = []
    for vacancies in vacancy_sizes:
        times, peaks = [], []
        for _ in range(repeats):
            code = _GENERATE_CHILD.format(
                seekers=settings.seekers,
                vacancies=vacancies,
                interactions=settings.interactions,
                episodes=settings.episodes,
                seed=settings.seed,
            )
            with tempfile.TemporaryDirectory() as tmp:
                out = subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp
                )
            elapsed, rss_kib = out.stdout.split()
            times.append(float(elapsed))
            peaks.append(int(rss_kib) / 1024)
        rows.append(
            {
                "vacancies": vacancies,
                "seekers": settings.seekers,
                "interactions": settings.interactions,
                "episodes": settings.episodes,
                "median_s": statistics.median(times),
                "runs": repeats,
                "all_s": times,
                "peak_rss_mib": max(peaks),
            }
        )
    md = ["| vacancies | seekers | median s | peak RSS MiB | runs |", "|---|---|---|---|---|"]
    md += [
        f"| {r['vacancies']:,} | {r['seekers']:,} | {r['median_s']:.1f} | {r['peak_rss_mib']:.0f} | {r['runs']} |"
        for r in rows
    ]
    return {
        "benchmark": "generate",
        "machine": machine_info(),
        "results": rows,
        "markdown": "\n".join(md) + "\n",
    }


class BenchSteps:
    """Benchmark steps on a rich progress bar (or nowhere): ``step(description)``, ``step(done, True)``."""

    def __init__(self, bar: Any = None, total: int = 0) -> None:
        self.bar = bar
        self.task = bar.add_task("", total=total) if bar is not None else None

    def __call__(self, message: str, advance: bool = False) -> None:
        if self.bar is None:
            return
        self.bar.update(self.task, description=message, advance=1 if advance else 0)
        if advance:
            self.bar.console.log(message)


@contextmanager
def bench_progress(label: str, enabled: bool, total: int) -> Iterator[BenchSteps]:
    """A progress bar for one benchmark (disabled: a no-op step function)."""
    if not enabled:
        yield BenchSteps()
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(f"[bold]{label}[/bold]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), TextColumn("{task.description}"),
    ) as bar:  # fmt: skip
        yield BenchSteps(bar, total)
