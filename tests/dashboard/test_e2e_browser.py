"""End to end in a real headless browser (Debian's chromium driven by Playwright): each role signs in,
does its main action, and a screenshot is saved (to $JOBMATCH_SCREENSHOTS when set, else the test's tmp)."""

from __future__ import annotations

from pathlib import Path

from tests.dashboard.browser import commit, shots, sign_in


def test_each_role_signs_in_and_does_its_main_action(server: str, browser, targets: dict[str, str],  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    # Consultant: open a citizen, accept the first suggestion with a reason, look at the programmes.
    page = sign_in(browser, f"{server}/?borger={targets['seeker']}", "konsulent-odense")
    page.get_by_role("button", name="Accepter").first.wait_for()
    commit(page, page.get_by_placeholder("Begrundelse (påkrævet)").first, "Passer til borgerens ønsker")
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
    page.get_by_text("Kandidater til").wait_for()  # the heading names the vacancy by title
    commit(page, page.get_by_label("Besked til jobcentret").first, "Vi vil gerne invitere til en samtale")
    page.get_by_role("button", name="Bed jobcentret om kontakt").first.click()
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
