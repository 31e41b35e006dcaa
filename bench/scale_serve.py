"""The serving part of ``jobmatch bench scale``, run in its own process so its time and memory are its own.

``python -m bench.scale_serve serve HOME OUT`` opens a Workspace cold on a private copy of HOME (the way a
dashboard process starts) and times single calls of each kind, one at a time; ``... load HOME OUT THREADS
SECONDS`` runs ``bench.load`` on HOME. Each writes its figures as JSON to OUT.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.load import LoadConfig, latency_stats, run_load
from core.settings import load_settings

CALLS_PER_KIND = 20  # citizens (and vacancies) each kind of call is timed over
CONSULTANT, EMPLOYER = "konsulent-odense", "arbejdsgiver-odense"  # demo accounts every workspace has


def serve(home: Path, calls: int = CALLS_PER_KIND) -> dict[str, Any]:
    """Cold open of a Workspace and single-call latency per kind, on a copy of ``home``."""
    from app.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="jobmatch-scale-") as tmp:
        copy = Path(tmp) / "home"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("bench", "reports", "ops.*"), symlinks=True)
        started = time.perf_counter()
        ws = Workspace.open(load_settings(home=copy))
        cold_open_s = time.perf_counter() - started
        try:
            if ws.problems:
                raise RuntimeError("the workspace cannot serve: " + "; ".join(ws.problems))
            users = {u.user_id: u for u in ws.directory.users()}
            consultant, employer = users[CONSULTANT], users[EMPLOYER]
            citizens = ws.queue(consultant)["seeker_id"].to_list()
            rng = np.random.default_rng(0)
            picked = [
                citizens[i] for i in rng.choice(len(citizens), min(calls, len(citizens)), replace=False)
            ]
            vacancies = ws.employer_vacancies(employer).filter(pl.col("status") == "open")
            vids = vacancies["vacancy_id"].to_list()[:calls]
            kinds: dict[str, tuple[Callable[[str], Any], list[str]]] = {
                "open_citizen": (lambda sid: ws.citizen(consultant, sid), picked),
                "suggest_vacancies": (lambda sid: ws.suggest_vacancies(consultant, sid), picked),
                "programmes": (lambda sid: ws.programmes(consultant, sid), picked),
                "other_industries": (lambda sid: ws.other_industries(consultant, sid), picked),
                "employer_shortlist": (lambda vid: ws.shortlist(employer, vid), vids),
            }
            timings = {name: _timed_calls(call, subjects) for name, (call, subjects) in kinds.items()}
        finally:
            ws.close()
    return {"cold_open_s": round(cold_open_s, 2), "calls": timings}


def _timed_calls(call: Callable[[str], Any], subjects: list[str]) -> dict[str, Any]:
    """The first call (what the first click after a start waits for) apart, then the rest's percentiles."""
    ms = []
    for subject in subjects:
        started = time.perf_counter()
        call(subject)
        ms.append((time.perf_counter() - started) * 1000)
    if not ms:
        return {"n": 0}
    return {"first_ms": round(ms[0], 1), **latency_stats(ms[1:] or ms)}


def load(home: Path, threads: int, duration_s: float, think_s: float) -> dict[str, Any]:
    """``bench.load`` on ``home`` (it works on its own copy); its world counts are left to ``bench.scale``, which
    records the open vacancies too."""
    config = LoadConfig(threads=threads, duration_s=duration_s, think_s=think_s)
    result = run_load(load_settings(home=home), config, progress=False)
    result.pop("world", None)
    return result


def main(argv: list[str]) -> None:
    what, home, out = argv[0], Path(argv[1]), Path(argv[2])
    result = serve(home) if what == "serve" else load(home, int(argv[3]), float(argv[4]), float(argv[5]))
    out.write_text(json.dumps(result, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
