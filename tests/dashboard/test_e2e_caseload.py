"""The caseload in a real headless browser: a consultant sees only own citizens, sorted by what needs action
(a follow-up set today goes on top, with the reason), pages through them and is refused a colleague's
citizen; a team lead sees the team and the unassigned. Screenshots ``caseload_*.png``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.settings import Settings
from data.store import Store
from tests.dashboard.browser import shots, sign_in


@pytest.fixture()
def odense_ids(home: Path) -> list[str]:
    """Read before the server starts (it then holds the store); the demo split gives konsulent-odense the
    first and konsulent-odense-2 the second citizen of the job centre."""
    with Store(Settings(home=home).db_path) as store:
        return store.query("SELECT seeker_id FROM seekers WHERE jobcenter_id = 'jc-odense' ORDER BY seeker_id "
                           "LIMIT 2")["seeker_id"].to_list()  # fmt: skip


def test_caseload_queue_paging_follow_up_and_team_lead(odense_ids: list[str], server: str, browser,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    mine, colleagues = odense_ids
    page = sign_in(browser, f"{server}/?borger={mine}", "konsulent-odense")
    page.get_by_text(f"Borger {mine}").first.wait_for()
    page.get_by_text("Side 1 af").wait_for()
    page.get_by_role("button", name="Næste →").click()
    page.get_by_text("Side 2 af").wait_for()
    page.get_by_role("button", name="← Forrige").click()
    page.get_by_text("Side 1 af").wait_for()
    # A follow-up due today puts the citizen on top of the queue, with the reason in words.
    page.get_by_role("spinbutton", name="day, Opfølgning (dato)").click()
    page.keyboard.type(date.today().strftime("%d%m%Y"))  # the date field moves on from day to month to year
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Gem opfølgning").click()
    page.get_by_text("Opfølgning gemt").wait_for()
    page.close()
    # A fresh session: the queue's top row (picked in the table, drawn on a canvas) is that citizen.
    page = sign_in(browser, server, "konsulent-odense")
    page.get_by_text("Vælg en borger i listen.").wait_for()
    grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    assert grid is not None
    page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)  # the first row's selection box, under the header
    page.get_by_role("heading", name=f"Borger {mine}").wait_for()
    page.get_by_text("Ønskejob:").wait_for()
    page.screenshot(path=str(out / "caseload_queue.png"))
    page.close()
    # A colleague's citizen is refused, by URL too.
    page = sign_in(browser, f"{server}/?borger={colleagues}", "konsulent-odense")
    page.get_by_text("blandt dine borgere").wait_for()
    page.screenshot(path=str(out / "caseload_refused.png"))
    page.close()
    # The team lead sees the team's citizens with their caseworker, and those without one.
    page = sign_in(browser, f"{server}/?borger={colleagues}", "teamleder-odense")
    page.get_by_text("Teamets borgere").first.wait_for()
    page.get_by_text("Opfølgning (dato)").wait_for()  # the colleague's citizen opens for the team lead
    page.screenshot(path=str(out / "caseload_team_lead.png"))
    page.close()
    for name in ("caseload_queue", "caseload_refused", "caseload_team_lead"):
        assert (out / f"{name}.png").stat().st_size > 10_000
