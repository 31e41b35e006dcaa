"""The analyst's and the administrator's pages in a real browser: two saves of the stop switch in one
session both stick; the analyst sees this installation's report with its time and a short drift chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.browser import choose, commit, idle, shots, sign_in


@pytest.fixture()
def reported(home: Path) -> Path:
    """The home with one nightly report written (before the server opens the stores)."""
    from core.installation_report import save_report
    from core.settings import Settings
    from data.store import Store
    from evaluation.installation import report_markdown, run_installation_report

    settings = Settings(home=home)
    with Store(settings.db_path, read_only=True) as store:
        report = run_installation_report(settings, store, n_boot=100)
    save_report(settings, report, report_markdown(report))
    return home


def test_admin_saves_the_switch_twice_and_analyst_reads_the_installation_report(  # type: ignore[no-untyped-def]
    reported: Path, server: str, browser, tmp_path: Path
) -> None:
    out = shots(tmp_path)
    page = sign_in(browser, server, "admin")
    for wanted, reason in (("fra", "modellen undersøges"), ("til", "undersøgelse afsluttet")):
        page.get_by_text("Forslag slået til", exact=True).click()
        commit(page, page.get_by_label("Begrundelse (påkrævet)"), reason)
        page.get_by_role("button", name="Gem", exact=True).click()
        page.get_by_text(f"Gemt: Forslag er slået {wanted}").wait_for()
    page.screenshot(path=str(out / "admin_switch.png"), full_page=True)
    page.close()
    page = sign_in(browser, server, "analytiker")
    page.get_by_text("af den planlagte kørsel").first.wait_for()
    page.screenshot(path=str(out / "analyst_quality.png"), full_page=True)
    page.get_by_role("tab", name="Fairness").click()
    page.get_by_text("Grupper efter").wait_for()
    page.screenshot(path=str(out / "analyst_fairness.png"), full_page=True)
    # The programme allocation per group: the share of programmes each group has an estimate for.
    choose(page, "Analyse", "Indsatser: dagens borgere fordelt på pladserne, pr. gruppe")
    # The page reruns with this audit's measures; a click during it would close the list again.
    choose(page, "Mål", "Andel indsatser med et skøn", exact=True)
    idle(page)
    page.screenshot(path=str(out / "analyst_programmes.png"), full_page=True)
    page.get_by_role("tab", name="Datadrift").click()
    page.get_by_text("øvrige variable har alle PSI").wait_for()
    page.screenshot(path=str(out / "analyst_drift.png"), full_page=True)
    page.close()
    for name in (
        "admin_switch",
        "analyst_quality",
        "analyst_fairness",
        "analyst_programmes",
        "analyst_drift",
    ):
        assert (out / f"{name}.png").stat().st_size > 10_000
