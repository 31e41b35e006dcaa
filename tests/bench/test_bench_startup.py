"""The start-up benchmark on the small built world: make run's steps with build "up to date", Streamlit
healthy, and the cold start as the median of three fresh processes, each run shown."""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from bench.startup import COLD_STARTS, run_startup, to_markdown
from core.settings import Settings


def test_make_run_steps_and_cold_starts(built_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    result = run_startup(Settings(home=home))
    assert result["healthy"] and result["build_up_to_date"]
    runs, seconds = result["cold_start_runs"], result["seconds"]
    assert len(runs) == COLD_STARTS and all(r > 0 for r in runs)
    assert seconds["workspace cold start"] == round(statistics.median(runs), 3)
    assert seconds["make run until serving"] > seconds["streamlit until healthy"] > 0
    assert result["cold_start_problems"].startswith("problems:")
    markdown = to_markdown(result)
    assert f"the median of {COLD_STARTS} processes" in markdown
    assert all(f"{r:.2f}" in markdown for r in runs)
