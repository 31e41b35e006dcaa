"""The employer's page end to end in Debian's chromium: vacancy titles, a card's own contact request and its
state as the consultant sees and answers it, saved and hidden candidates; screenshots ``employer_*.png``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.workspace import Workspace
from core.settings import Settings
from tests.dashboard.browser import commit, shots, sign_in


@pytest.fixture()
def first_candidate(home: Path, targets: dict[str, str]) -> dict[str, str]:
    """Who tops the demo employer's shortlist, read before the server holds the store (the test asks for it
    before ``server``): the consultant then opens that citizen."""
    ws = Workspace.open(Settings(home=home))
    try:
        employer = ws.directory.get("arbejdsgiver-odense")
        assert employer is not None
        shown = ws.shortlist(employer, targets["vacancy"])
        seeker = ws.audit.records("WHERE seq = ?", [shown.audit_seq])["payload"].str.json_decode()[0][
            "ranked"
        ][0]
        jc = ws.world.query(
            "SELECT jobcenter_id FROM seekers WHERE seeker_id = ?", [seeker["seeker_id"]]
        ).item()
        title = ws.world.query(
            "SELECT title FROM vacancies WHERE vacancy_id = ?", [targets["vacancy"]]
        ).item()
    finally:
        ws.close()
    consultant = "teamleder-odense" if jc == "jc-odense" else "teamleder-kbh"  # sees the whole team
    return {
        "seeker": seeker["seeker_id"],
        "candidate": seeker["candidate"],
        "consultant": consultant,
        "title": title,
    }


def test_employer_cards_contact_status_save_and_hide(first_candidate: dict[str, str], server: str, browser,  # type: ignore[no-untyped-def]
                                                      targets: dict[str, str], tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    url = f"{server}/?stilling={targets['vacancy']}"
    page = sign_in(browser, url, "arbejdsgiver-odense")
    heading = page.get_by_role("heading", name=re.compile("Kandidater til"))
    heading.wait_for()
    assert first_candidate["title"] in heading.inner_text() and targets["vacancy"] not in heading.inner_text()
    page.get_by_text("Ansøgningsfrist:").first.wait_for()
    page.screenshot(path=str(out / "employer_vacancy.png"))
    # The first card's own message field and contact button; the card then shows the request's state.
    commit(page, page.get_by_label("Besked til jobcentret").first, "Vi vil gerne invitere til en samtale")
    page.get_by_role("button", name="Bed jobcentret om kontakt").first.click()
    page.get_by_text("Sendt til jobcentret").wait_for()
    page.get_by_text("Anmodning: Sendt").wait_for()
    page.screenshot(path=str(out / "employer_contact.png"))
    # Save the third candidate (it moves to the top), then hide the second (it goes; a button undoes it).
    page.get_by_role("button", name="Gem", exact=True).nth(2).click()
    page.get_by_text("Kandidaten er gemt øverst på listen.").wait_for()
    page.get_by_role("button", name="Fjern fra gemte").wait_for()
    page.get_by_role("button", name="Skjul", exact=True).nth(2).click()  # saved, requested, then this one
    page.get_by_text("vises ikke igen for denne stilling").wait_for()
    page.get_by_role("button", name=re.compile(r"Vis skjulte kandidater igen \(1\)")).wait_for()
    page.get_by_role("button", name="Fjern fra gemte").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "employer_saved_hidden.png"))
    page.close()
    # The citizen's consultant opens the citizen: the request reads "Set"; they answer it.
    page = sign_in(browser, f"{server}/?borger={first_candidate['seeker']}", first_candidate["consultant"])
    page.get_by_text("Kontaktanmodninger").first.wait_for()
    page.get_by_text("Set", exact=True).first.wait_for()
    commit(
        page,
        page.get_by_placeholder("Hvad blev svaret (kort)"),
        "Ringet til borgeren, som gerne vil til samtale",
    )
    page.get_by_role("button", name="Marker som besvaret").click()
    page.get_by_text("Besvaret", exact=True).first.wait_for()
    page.screenshot(path=str(out / "employer_request_answered_by_consultant.png"))
    page.close()
    # Back at the employer: the request is answered.
    page = sign_in(browser, url, "arbejdsgiver-odense")
    page.get_by_text("Anmodning: Besvaret").wait_for()
    page.screenshot(path=str(out / "employer_request_status.png"))
    page.close()
    for name in ("vacancy", "contact", "saved_hidden", "request_answered_by_consultant", "request_status"):
        assert (out / f"employer_{name}.png").stat().st_size > 10_000
