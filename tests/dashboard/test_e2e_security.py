"""Hardening seen in a real headless browser: a lockout after five failed sign-ins (another user unaffected)
and a bidi override in a vacancy title that cannot reorder the page. Screenshots ``security_*.png``.
(No traceback on a bug is checked with AppTest in test_security.py: a browser cannot provoke one safely.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.apptest import world_writer
from tests.dashboard.browser import shots, sign_in

RLO = "\u202e"


@pytest.fixture()
def bidi_titles(home: Path) -> str:
    """Every vacancy gets a title with a right-to-left override, before the server opens the store."""
    with world_writer(home) as store:
        store.execute("UPDATE vacancies SET title = ?", [f"Lagerarbejder {RLO}fdp.exe"])
    return "Lagerarbejder fdp.exe"


def attempt(browser, url: str, user: str, password: str, expect: str):  # type: ignore[no-untyped-def]
    """One sign-in in a fresh browser session (so each attempt is counted once, whatever the timing)."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(180_000)
    page.goto(url)
    page.get_by_label("Bruger").fill(user)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_text(expect).wait_for()
    return page


def test_lockout_and_bidi_titles_in_the_browser(bidi_titles: str, server: str, browser,  # type: ignore[no-untyped-def]
                                                targets: dict[str, str], tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    for n in range(4):
        attempt(browser, server, "konsulent-kbh", f"forkert-{n}", "Forkert bruger eller adgangskode").close()
    attempt(browser, server, "konsulent-kbh", "forkert", "For mange mislykkede forsøg").close()
    page = attempt(browser, server, "konsulent-kbh", "demo", "For mange mislykkede forsøg")
    assert page.get_by_label("Adgangskode").is_visible() and page.get_by_text("(demo)").count() == 0, (
        "not signed in"
    )
    page.screenshot(path=str(out / "security_lockout.png"))
    page.close()
    # Another user signs in as usual, and the titles' override is gone from what the browser shows.
    page = sign_in(browser, f"{server}/?borger={targets['seeker']}", "konsulent-odense")
    page.get_by_text(bidi_titles).first.wait_for()
    assert RLO not in page.inner_text("body")
    page.get_by_text(bidi_titles).first.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "security_bidi.png"))
    page.close()
