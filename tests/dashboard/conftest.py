"""Shared fixtures of the dashboard tests: the app layer's built home, AppTest sessions, a live server and
Debian's chromium for the browser tests (helpers that are not fixtures live in ``apptest.py``/``browser.py``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from data.store import Store
from tests.app.conftest import home, ws
from tests.dashboard.browser import CHROMIUM_FLAGS, ROOT, free_port

__all__ = ["home", "ws"]


@pytest.fixture(autouse=True)
def no_incidents(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The dashboard turns a bug into an incident message instead of an AppTest exception, so every test here
    fails on an incident the page logged; a test that provokes one on purpose clears ``caplog`` after it."""
    yield
    logged = [
        r.getMessage() for r in caplog.records if r.name == "jobmatch.dashboard" and r.levelname == "ERROR"
    ]
    if logged:
        pytest.fail(f"the dashboard logged incidents: {logged}")


@pytest.fixture()
def app_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JOBMATCH_HOME", str(home))
    return home


@pytest.fixture()
def targets(home: Path) -> dict[str, str]:
    """Ids to open, read before the server starts (it then holds the store as the single writer)."""
    with Store(Settings(home=home).db_path) as store:
        sid = store.query("SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'").item()
        vid = store.query(  # the demo employer of Odense: most open vacancies there (app.access)
            "SELECT min(v.vacancy_id) FROM vacancies v WHERE v.status = 'open' AND v.employer_id = ("
            " SELECT e.employer_id FROM employers e JOIN vacancies w USING (employer_id) WHERE w.status = 'open'"
            " AND e.municipality = 'Odense' GROUP BY ALL ORDER BY count(*) DESC, e.employer_id LIMIT 1)"
        ).item()
    return {"seeker": sid, "vacancy": vid}


@pytest.fixture()
def server(home: Path, targets: dict[str, str]) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "JOBMATCH_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("the dashboard did not answer /_stcore/health within 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture()
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: run `make install-dev` (it installs it with apt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield b
        b.close()
