"""End to end in Debian's chromium: a consultant accepts a suggestion, sees the card's state, undoes it inside
the window, and downloads the explanation as JSON and as the citizen's printable page."""

from __future__ import annotations

import json
from pathlib import Path

from tests.dashboard.browser import commit, settled_count, shots, sign_in


def test_accept_see_the_state_undo_and_export_both_files(server: str, browser, targets: dict[str, str],  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    page = sign_in(browser, f"{server}/?borger={targets['seeker']}", "konsulent-odense")
    page.get_by_role("button", name="Accepter").first.wait_for()
    accepts = settled_count(page.get_by_role("button", name="Accepter"))
    commit(page, page.get_by_placeholder("Begrundelse (påkrævet)").first, "Passer til borgerens ønsker")
    page.get_by_role("button", name="Accepter").first.click()
    page.get_by_text("Gemt: Accepteret").wait_for()
    state = page.get_by_text("af konsulent-odense").first
    state.wait_for()
    assert "Accepteret" in state.inner_text() and "Passer til borgerens ønsker" in state.inner_text()
    assert settled_count(page.get_by_role("button", name="Accepter")) == accepts - 1, (
        "no second accept on the card"
    )
    state.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "decisions_accepted.png"))
    page.get_by_role("button", name="Fortryd").first.click()
    page.get_by_text("Gemt: Fortrudt").wait_for()
    page.wait_for_function(
        f"document.querySelectorAll('button').length && [...document.querySelectorAll('button')]"
        f".filter(b => b.innerText.trim() === 'Accepter').length === {accepts}"
    )
    page.get_by_text("Gemt: Fortrudt").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "decisions_undone.png"))
    # The history, then the export as JSON and as the citizen's printable page.
    page.get_by_text("Noter og beslutninger", exact=True).click()
    page.get_by_role("button", name="Forbered udtræk af forklaring").click()
    with page.expect_download() as json_download:
        page.get_by_role("button", name="Hent forklaring (JSON)").click()
    doc = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert doc["citizen"] == targets["seeker"]
    assert [d["action"] for d in doc["decisions"]] == ["undo", "accept"]
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Hent forklaring til borgeren").click()
    assert html_download.value.suggested_filename == f"forklaring-{targets['seeker']}.html"
    printable = Path(html_download.value.path()).read_text(encoding="utf-8")
    assert "Forklaring af jobcentrets forslag" in printable and "Fortrudt" in printable
    assert all(v["title"].replace("&", "&amp;") in printable for v in doc["vacancies"])
    page.screenshot(path=str(out / "decisions_export.png"), full_page=True)
    saved = tmp_path / "forklaring.html"  # the download's own path has no extension: the browser needs one
    saved.write_text(printable, encoding="utf-8")
    page.goto(saved.as_uri())
    page.screenshot(path=str(out / "decisions_printable.png"), full_page=True)
    page.close()
    for name in ("decisions_accepted", "decisions_undone", "decisions_export", "decisions_printable"):
        assert (out / f"{name}.png").stat().st_size > 10_000
