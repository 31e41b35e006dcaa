"""`jobmatch bench scale` on a tiny world: every step in its own process, each with its own time and memory."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from bench.scale import ScaleConfig, read_results, run_scale, run_step, to_markdown, write_results
from bench.suite import run_bench_all
from bench.suite import to_markdown as suite_markdown
from core.errors import MissingFileError
from core.settings import Settings


def test_a_step_reports_its_own_peak_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The step's own peak: a module that touches 300 MiB reports at least that, one that does not reports
    far less, however big the process that starts them (this test process holds 400 MiB more meanwhile)."""
    ballast = bytearray(400 * 2**20)
    ballast[:: 2**12] = b"x" * len(ballast[:: 2**12])
    (tmp_path / "big_step.py").write_text("b = bytearray(300 * 2**20)\nb[::4096] = b'x' * len(b[::4096])\n")
    (tmp_path / "small_step.py").write_text("import sys\nsys.exit(int(sys.argv[1]))\n")
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    heavy = run_step([sys.executable, "-m", "big_step"], tmp_path / "big.log")
    light = run_step([sys.executable, "-m", "small_step", "0"], tmp_path / "small.log")
    with pytest.raises(RuntimeError, match="small_step 3 exited with 3"):
        run_step([sys.executable, "-m", "small_step", "3"], tmp_path / "fail.log")
    assert heavy["peak_rss_mib"] >= 300 > 200 > light["peak_rss_mib"]
    assert heavy["seconds"] >= 0 and len(heavy["loadavg_before"]) == len(heavy["loadavg_after"]) == 3
    assert len(ballast) == 400 * 2**20


@pytest.fixture(scope="module")
def scale_result(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The harness on a copy of the small built world: generate and build are left out (the copy is built)."""
    home = tmp_path_factory.mktemp("scale") / "home"
    shutil.copytree(built_home, home)
    return run_scale(Settings(home=home), ScaleConfig(build=False, threads=2, duration_s=1.0))


def test_serving_steps_record_times_memory_calls_and_load(scale_result: dict) -> None:
    world, steps = scale_result["world"], scale_result["steps"]
    assert world["seekers"] == 1_200 and world["vacancies"] == 500
    assert 0 < world["open_vacancies"] < world["vacancies"] and world["interventions"] == 4_000
    assert list(steps) == ["serve", "load"], "no generate, no build: the world is measured as it is"
    for step in steps.values():
        assert step["seconds"] > 0 and step["peak_rss_mib"] > 50
    serve = steps["serve"]
    assert 0 < serve["cold_open_s"] < steps["serve"]["seconds"]
    kinds = {"open_citizen", "suggest_vacancies", "programmes", "other_industries", "employer_shortlist"}
    assert set(serve["calls"]) == kinds
    for kind in kinds:
        calls = serve["calls"][kind]
        assert calls["n"] >= 1 and calls["first_ms"] > 0 and calls["p95_ms"] >= calls["p50_ms"] > 0, kind
    load = steps["load"]
    assert load["ok"] and load["errors"] == 0 and load["config"]["threads"] == 2
    assert load["config"]["think_s"] == 0.7, "the same pausing consultants as the default world's load"
    assert load["throughput_calls_per_s"] > 0 and "suggest_vacancies" in load["operations"]
    assert scale_result["disk_mib"]["jobmatch.duckdb"] > 0 and scale_result["machine"]["cpus"] >= 1


def test_results_are_written_read_back_and_gathered_by_the_suite(scale_result: dict, tmp_path: Path) -> None:
    home = tmp_path / "home"
    empty = run_bench_all(Settings(home=home), sections=["scale"], progress=False)
    assert empty["failed"] == {} and empty["figures"] == []
    assert "scale: no scale results" in suite_markdown(empty), "a missing run is said, not a failure"
    with pytest.raises(MissingFileError, match="jobmatch bench scale"):
        read_results(home / "bench")
    paths = write_results(scale_result, home / "bench")
    assert read_results(home / "bench") == scale_result
    md = paths["markdown"].read_text()
    assert md == to_markdown(scale_result) and "1,200 citizens" in md and "Cold open" in md
    gathered = run_bench_all(Settings(home=home), sections=["scale"], progress=False)
    names = {f["name"].split(", custom world")[0]: f for f in gathered["figures"]}
    assert names["Workspace cold open"]["value"] == scale_result["steps"]["serve"]["cold_open_s"]
    assert names["load peak RSS"]["value"] == scale_result["steps"]["load"]["peak_rss_mib"]
    assert names["throughput, 2 concurrent consultants"]["higher_is_better"]
    assert all(f["source"].startswith("from the last scale run") for f in gathered["figures"])
