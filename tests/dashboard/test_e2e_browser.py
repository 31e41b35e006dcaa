"""End to end in a real headless browser (Debian's chromium driven by Playwright): each role signs in,
does its main action, and a screenshot is saved (to $JOBMATCH_SCREENSHOTS when set, else the test's tmp)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from data.store import Store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("JOBMATCH_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(browser, url: str, user: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(180_000)  # a loaded 2-core machine can take this long for the first models load
    page.goto(url)
    page.get_by_label("Bruger").fill(user)
    page.get_by_label("Adgangskode").fill("demo")
    page.get_by_role("button", name="Log ind").click()
    page.get_by_text("(demo)").first.wait_for()
    return page


def test_each_role_signs_in_and_does_its_main_action(server: str, browser, targets: dict[str, str],  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    # Consultant: open a citizen, accept the first suggestion with a reason, look at the programmes.
    page = sign_in(browser, f"{server}/?borger={targets['seeker']}", "konsulent-odense")
    page.get_by_role("button", name="Accepter").first.wait_for()
    page.get_by_placeholder("Begrundelse (påkrævet)").first.fill("Passer til borgerens ønsker")
    page.get_by_role("button", name="Accepter").first.click()
    page.get_by_text("Gemt: Accepter").wait_for()
    page.get_by_text("Gemt: Accepter").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "consultant.png"))
    page.get_by_text("Indsatser", exact=True).click()
    page.get_by_text("Anslået effekt (procentpoint)").wait_for()
    page.screenshot(path=str(out / "consultant_programmes.png"))
    page.close()
    # Employer: the pseudonymised shortlist of an own vacancy, then a contact request.
    page = sign_in(browser, f"{server}/?stilling={targets['vacancy']}", "arbejdsgiver-odense")
    page.get_by_text("Kandidater (pseudonymiserede").wait_for()
    page.get_by_label("Besked til jobcentret").fill("Vi vil gerne invitere til en samtale")
    page.get_by_role("button", name="Bed jobcentret om kontakt").click()
    page.get_by_text("Sendt til jobcentret").wait_for()
    page.screenshot(path=str(out / "employer.png"))
    page.close()
    # Analyst: model quality, then data drift.
    page = sign_in(browser, server, "analytiker")
    page.get_by_role("tab", name="Datadrift").click()
    page.get_by_text("i træningsgrundlaget").wait_for()  # the drift caption (chart text is drawn, not DOM)
    page.screenshot(path=str(out / "analyst.png"))
    page.close()
    # Admin: verify the audit log the actions above wrote.
    page = sign_in(browser, server, "admin")
    page.get_by_role("button", name="Kontroller revisionsloggen").click()
    page.get_by_text("Kæden er intakt").wait_for()
    page.screenshot(path=str(out / "admin.png"))
    page.close()
    for name in ("consultant", "consultant_programmes", "employer", "analyst", "admin"):
        assert (out / f"{name}.png").stat().st_size > 10_000
