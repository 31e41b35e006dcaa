"""In the browser: a suggestion card shows deadline, distance and a calibrated chance of an application; the
programmes tab shows effect, uncertainty, why and where in Danish figures, without true/false legends."""

from __future__ import annotations

import re
from pathlib import Path

from tests.dashboard.browser import shots, sign_in


def test_cards_and_programmes_read_as_a_consultant_expects(server: str, browser, targets: dict[str, str],  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:  # fmt: skip
    out = shots(tmp_path)
    page = sign_in(browser, f"{server}/?borger={targets['seeker']}", "konsulent-odense")
    page.get_by_text("Sandsynlighed for ansøgning").first.wait_for()
    body = page.inner_text("body")
    assert re.search(r"Ansøgningsfrist: \d+\.\d+\.\d{4} \((om \d+ dage|sidste dag i dag)\)", body), body[
        :2000
    ]
    assert " km i luftlinje" in body and "kalibreret på historik" in body and "Andel af scoren" in body
    assert not re.search(r"\b(True|False|None)\b", body)
    page.get_by_text("Ansøgningsfrist").first.scroll_into_view_if_needed()
    page.screenshot(path=str(out / "cards_jobs.png"))
    page.get_by_text("Indsatser", exact=True).click()
    page.get_by_text("Anslået effekt").first.wait_for()
    body = page.inner_text("body")
    assert re.search(r"[+-]\d+,\d procentpoint", body), "effects in Danish percentage points"
    assert "Usikkerhed" in body and "Hvorfor" in body
    assert not re.search(r"\b(true|false|True|False|None)\b", body)
    page.screenshot(path=str(out / "cards_programmes.png"), full_page=True)
    page.close()
    for name in ("cards_jobs", "cards_programmes"):
        assert (out / f"{name}.png").stat().st_size > 10_000
