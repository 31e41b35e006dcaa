"""How long `make run` takes to serve on an unchanged world, and the cold start of one dashboard process.

`make run` runs `jobmatch generate --if-absent`, `jobmatch build` (which returns "up to date" when the live
release is built for this world and these settings) and starts Streamlit. This benchmark runs the same three
commands on the given home as subprocesses, timing each, and polls Streamlit's health endpoint until it
answers; then, in fresh Python processes (three, one after another; the median counts), it times
``Workspace.open`` (imports included): what the first page of a newly started process waits for. Targets:
serving within 20 s, cold start under 3 s.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from core.machine import machine_info
from core.reporting import write_results as report_files
from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent  # where dashboard.py lives
TARGET_SERVING_S = 20.0
TARGET_COLD_START_S = 3.0
COLD_STARTS = 3  # fresh processes timed one after another; the median is reported, each run is shown
_COLD_START = (
    "import time; t = time.perf_counter(); from app.workspace import Workspace; "
    "from core.settings import load_settings; ws = Workspace.open(load_settings()); "
    "print(round(time.perf_counter() - t, 3)); print('problems:', ws.problems)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed: {(done.stdout + done.stderr)[-800:]}")
    return time.perf_counter() - started, done.stdout + done.stderr


def _until_healthy(port: int, timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def run_startup(settings: Settings) -> dict[str, Any]:
    """Time `make run`'s steps on ``settings.home`` (which must hold a built world) and a cold start."""
    env = {**os.environ, "JOBMATCH_HOME": str(settings.home), "PYTHONUNBUFFERED": "1"}
    cli = [sys.executable, "-m", "cli"]
    generate_s, _ = _timed([*cli, "generate", "--if-absent"], env)
    build_s, build_out = _timed([*cli, "build"], env)
    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        healthy = _until_healthy(port, 120.0)
        health_s = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    runs, problems = [], ""
    for _ in range(COLD_STARTS):
        cold = subprocess.run([sys.executable, "-c", _COLD_START], env=env, cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.split("\n")  # fmt: skip
        runs.append(float(cold[0]))
        problems = cold[1] if len(cold) > 1 else ""
    cold_s = statistics.median(runs)
    serving_s = generate_s + build_s + health_s
    return {
        "benchmark": "startup",
        "machine": machine_info(),
        "build_up_to_date": "up to date" in build_out,
        "seconds": {
            "generate --if-absent": round(generate_s, 2),
            "build": round(build_s, 2),
            "streamlit until healthy": round(health_s, 2),
            "make run until serving": round(serving_s, 2),
            "workspace cold start": round(cold_s, 3),
        },
        "cold_start_runs": runs,
        "cold_start_problems": problems,
        "healthy": healthy,
        "targets": {"make run until serving": TARGET_SERVING_S, "workspace cold start": TARGET_COLD_START_S},
        "ok": healthy and serving_s < TARGET_SERVING_S and cold_s < TARGET_COLD_START_S,
    }


def to_markdown(result: dict[str, Any]) -> str:
    s, m = result["seconds"], result["machine"]
    rows = "\n".join(f"| {k} | {v:.2f} |" for k, v in s.items())
    return (
        "# Start-up: `make run` on an unchanged world, and a dashboard process's cold start\n\n"
        f"| step | seconds |\n| --- | --- |\n{rows}\n\n"
        f"`jobmatch build` said up to date: {result['build_up_to_date']}. Targets: serving within "
        f"{result['targets']['make run until serving']:.0f} s, cold start under "
        f"{result['targets']['workspace cold start']:.0f} s: {'met' if result['ok'] else 'NOT met'}. "
        f"The cold start is `Workspace.open` in a fresh Python process, imports included (what a new dashboard "
        f"process's first page waits for): the median of {len(result['cold_start_runs'])} processes started one "
        f"after another ({', '.join(f'{x:.2f}' for x in result['cold_start_runs'])} s). Machine: {m['cpus']} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in m['loadavg'])} ({m['when']}).\n"
    )


def write_results(result: dict[str, Any], target: str | Path) -> dict[str, Path]:
    json_path = Path(target)
    return report_files(result, json_path.parent, json_path.stem, md=to_markdown(result))
