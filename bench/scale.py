"""`jobmatch bench scale`: generate (optionally), build and serve one world, each step in its own process.

Each step is a child process (``jobmatch generate``, ``jobmatch build``, ``bench.scale_serve serve`` and
``... load``), so its wall time and peak resident memory (its own VmHWM, written as it exits) are its own. The
result records the world's counts (open vacancies by the product's own rule), the size on disk, the load
average before and after each step and the machine, since a shared machine moves every timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.errors import MissingFileError
from core.machine import machine_info
from core.reporting import markdown_table
from core.reporting import write_results as report_files
from core.settings import WORLD_SIZES, Settings, WorldSizeName

STEPS = ("generate", "build", "serve", "load")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ScaleConfig:
    """What to run: ``size`` (a preset) or ``counts`` (explicit) generate a new world first, else the home's
    world is used as it is; ``build=False`` measures serving of what is already built."""

    size: WorldSizeName | None = None
    counts: dict[str, int] | None = None
    build: bool = True
    threads: int = 100
    duration_s: float = 60.0
    think_s: float = 0.7  # the consultants' mean pause: the same load as the default world's target


# Runs a module as ``python -m`` would and, at exit, writes the process's own peak RSS (VmHWM, KiB) to a file.
# The rusage a parent gets back is no good here: Linux carries the parent's peak into a child at fork and exec,
# so a small step started from a big process would report the big one's memory.
_PEAK_WRAPPER = """
import atexit, runpy, sys
out, module = sys.argv[1], sys.argv[2]
def peak():
    with open("/proc/self/status") as status:
        kib = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "")
    with open(out, "w") as f:
        f.write(kib)
atexit.register(peak)
sys.argv = [module, *sys.argv[3:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def run_step(argv: list[str], log: Path) -> dict[str, Any]:
    """Run one child process to its end: wall seconds, its own peak RSS, load average before and after.

    ``argv`` is ``[python, "-m", module, *args]`` (the module runs under a wrapper that records its peak
    memory) or any other command (its peak: the rusage of the wait, which may include the parent's)."""
    peak_file = log.with_suffix(".peak")
    if argv[1:2] == ["-m"]:
        argv = [argv[0], "-c", _PEAK_WRAPPER, str(peak_file), *argv[2:]]
    before = os.getloadavg()
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=_child_env())
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(argv[3:])} exited with {child.returncode}:\n{tail}")
    recorded = peak_file.read_text(encoding="utf-8").strip() if peak_file.is_file() else ""
    peak_kib = int(recorded) if recorded.isdigit() else usage.ru_maxrss
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(peak_kib / 1024),
            "loadavg_before": list(before), "loadavg_after": list(os.getloadavg())}  # fmt: skip


def _child_env() -> dict[str, str]:
    """The children import this checkout's packages, whatever the working directory."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def run_scale(settings: Settings, config: ScaleConfig, *, say: Any = None) -> dict[str, Any]:
    """Run the steps on ``settings.home``; see the module docstring."""
    tell = say or (lambda _m: None)
    home = settings.home
    cli = [sys.executable, "-m", "cli", "--home", str(home)]
    steps: dict[str, dict[str, Any]] = {}
    machine_before = machine_info()
    with tempfile.TemporaryDirectory(prefix="jobmatch-scale-") as tmp:
        logs = Path(tmp)
        if config.size or config.counts:
            tell("generating the world")
            steps["generate"] = run_step([*cli, "generate", "--force", *_generate_args(config)], logs / "g")
        if config.build:
            tell("building indexes and models")
            steps["build"] = run_step([*cli, "build"], logs / "b")
        serve = [sys.executable, "-m", "bench.scale_serve"]
        tell("opening a workspace cold and timing single calls")
        steps["serve"] = run_step([*serve, "serve", str(home), str(logs / "serve.json")], logs / "s")
        steps["serve"].update(json.loads((logs / "serve.json").read_text(encoding="utf-8")))
        tell(f"load: {config.threads} consultants for {config.duration_s:.0f} s")
        argv = [
            *serve,
            "load",
            str(home),
            str(logs / "load.json"),
            str(config.threads),
            str(config.duration_s),
            str(config.think_s),
        ]
        steps["load"] = run_step(argv, logs / "l")
        steps["load"].update(json.loads((logs / "load.json").read_text(encoding="utf-8")))
    return {
        "benchmark": "scale",
        "machine": {**machine_info(), "loadavg_at_start": machine_before["loadavg"],
                    "started": machine_before["when"]},
        "config": asdict(config),
        "home": str(home),
        "world": world_counts(settings),
        "disk_mib": _disk_mib(home),
        "steps": steps,
    }  # fmt: skip


def _generate_args(config: ScaleConfig) -> list[str]:
    args = ["--size", config.size] if config.size else []
    for name, value in (config.counts or {}).items():
        args += [f"--{name}", str(value)]
    return args


def world_counts(settings: Settings) -> dict[str, int]:
    """Rows of the world's main tables, and its open vacancies on its own reference date."""
    from data.clock import OPEN_VACANCY_SQL, REFERENCE_DATE_KEY, reference_date
    from data.store import Store

    with Store(settings.live().db_path, read_only=True) as store:  # the release a generate step made
        counts = {
            t: store.count(t) for t in ("seekers", "vacancies", "interactions", "interventions", "employers")
        }
        today = reference_date(store.meta(REFERENCE_DATE_KEY))
        counts["open_vacancies"] = int(
            store.query(f"SELECT count(*) AS n FROM vacancies v WHERE {OPEN_VACANCY_SQL}", [today])["n"][0]
        )
    return counts


def _disk_mib(home: Path) -> dict[str, float]:
    """Size on disk of the store and of each artefact folder."""
    out = {}
    for path in (home / "jobmatch.duckdb", home / "indexes", home / "models"):
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        out[path.name] = round(sum(p.stat().st_size for p in files) / 2**20, 1)
    return out


def preset_of(counts: dict[str, int]) -> str:
    """The preset whose counts a world has (open vacancies aside), or ``custom``."""
    for name, preset in WORLD_SIZES.items():
        if counts.get("seekers") == preset["seekers"] and counts.get("vacancies") == preset["vacancies"]:
            return name
    return "custom"


# --- output ----------------------------------------------------------------------------------------------


def to_markdown(result: dict[str, Any]) -> str:
    m, w, steps = result["machine"], result["world"], result["steps"]
    lines = [
        "# Scale: generate, build and serve one world",
        "",
        f"World `{preset_of(w)}`: {w['seekers']:,} citizens, {w['vacancies']:,} vacancies of which "
        f"{w['open_vacancies']:,} open, {w['interactions']:,} events, {w['interventions']:,} episodes, "
        f"{w['employers']:,} employers. On disk: "
        + ", ".join(f"{k} {v:,.0f} MiB" for k, v in result["disk_mib"].items())
        + f". Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}, {m['when']}.",
        "",
    ]
    rows = [(name, f"{s['seconds']:,.1f}", f"{s['peak_rss_mib']:,}", _load(s["loadavg_before"]),
             _load(s["loadavg_after"])) for name, s in steps.items()]  # fmt: skip
    lines.append(markdown_table(rows, ("step", "wall s", "peak RSS MiB", "load before", "load after")))
    serve = steps["serve"]
    lines += [
        "",
        f"Cold open of a Workspace: **{serve['cold_open_s']:.2f} s**. Single calls, one at a time:",
        "",
    ]
    calls = [(kind, s["n"], f"{s.get('first_ms', 0):.0f}", f"{s.get('p50_ms', 0):.0f}", f"{s.get('p95_ms', 0):.0f}")
             for kind, s in serve["calls"].items()]  # fmt: skip
    lines.append(markdown_table(calls, ("call", "n", "first ms", "p50 ms", "p95 ms")))
    load = steps["load"]
    lines += [
        "",
        f"Load: {load['config']['threads']} consultant threads pausing {load['config'].get('think_s', 0):g} s "
        f"on average after each answer, for {load['config']['duration_s']:.0f} s: "
        f"**{load['throughput_calls_per_s']:.1f} calls/s**, {load['errors']} errors, audit rows "
        f"{'equal to' if load['audit']['equal'] else 'NOT equal to'} calls served, chain "
        f"{'verifies' if load['audit']['chain_ok'] else 'BROKEN'}.",
        "",
    ]
    ops = [(op, f"{s['n']:,}", f"{s['calls_per_s']:.1f}", f"{s['p50_ms']:.0f}", f"{s['p95_ms']:.0f}")
           for op, s in load["operations"].items()]  # fmt: skip
    lines.append(markdown_table(ops, ("operation", "calls", "calls/s", "p50 ms", "p95 ms")))
    return "\n".join(lines) + "\n"


def _load(avg: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in avg)


def write_results(result: dict[str, Any], folder: Path, stem: str = "scale") -> dict[str, Path]:
    """``scale.json`` and ``scale.md`` (or another ``stem``) in ``folder``."""
    return report_files(result, folder, stem, md=to_markdown(result))


def read_results(folder: Path, stem: str = "scale") -> dict[str, Any]:
    """The last run's result from ``folder``/scale.json (a full run takes long: the suite reads it)."""
    path = folder / f"{stem}.json"
    if not path.is_file():
        raise MissingFileError(f"no scale results at {path}", hint="run `jobmatch bench scale` first")
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result
