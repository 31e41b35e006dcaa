"""Suggestion cards say when the deadline is, how far, and how likely an application is (calibrated);
programmes come in parts (effect, uncertainty, why, where) in Danish figures, without true/false."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tests.dashboard.apptest import one_of, ops_rows, signed_in, texts

WORLD_TODAY = date(2026, 11, 1)


def _citizen(home: Path) -> str:
    return one_of(home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")


def test_cards_show_deadline_distance_and_calibrated_relevance(app_home: Path) -> None:
    at = signed_in("konsulent-odense", borger=_citizen(app_home))
    assert not at.exception, at.exception
    body = texts(at)
    deadlines = re.findall(
        r"Ansøgningsfrist: \*\*(\d+)\.(\d+)\.(\d{4}) \((om \d+ dage|sidste dag i dag)\)", body
    )
    metrics = [m for m in at.metric if m.label == "Sandsynlighed for ansøgning"]
    cards = [b for b in at.button if b.label == "Accepter"]
    assert len(deadlines) == len(metrics) == len(cards) >= 1  # every card, not some
    assert all(date(int(y), int(m), int(d)) >= WORLD_TODAY for d, m, y, _ in deadlines)
    assert body.count(" km i luftlinje") == len(metrics) and "ingen vej- eller trafikdata" in body
    assert "Datasættets dato er 1.11.2026" in body
    values = [m.value for m in metrics]
    assert all(re.fullmatch(r"(under )?\d+,\d %", v) for v in values), values
    assert "kalibreret på historik" in body and "Andel af scoren:" in body
    assert not at.get("progress"), "no relative bars"
    assert not at.get("arrow_vega_lite_chart"), "no lat/lon scatter 'map'"
    assert all("inden for 8 uger" in (m.help or "") for m in metrics)


def test_cards_read_in_order_of_calibrated_relevance(app_home: Path) -> None:
    at = signed_in("konsulent-odense", borger=_citizen(app_home))
    values = [m.value for m in at.metric if m.label == "Sandsynlighed for ansøgning"]
    numbers = [
        0.0 if v.startswith("under") else float(v.removesuffix(" %").replace(",", ".")) for v in values
    ]
    assert numbers == sorted(numbers, reverse=True), "a monotone map never reorders the list"


def test_no_figure_without_a_calibration(app_home: Path) -> None:
    import shutil

    shutil.rmtree(app_home / "models" / "relevance_calibration")
    at = signed_in("konsulent-odense", borger=_citizen(app_home))
    assert not at.exception, at.exception
    assert not [m for m in at.metric if m.label == "Sandsynlighed for ansøgning"]
    assert "ikke kalibreret" in texts(at) and "Ansøgningsfrist" in texts(at)


def test_other_industries_say_where_the_open_vacancies_are(app_home: Path) -> None:
    at = signed_in("konsulent-odense", borger=_citizen(app_home))
    at.segmented_control(key="section").set_value("tab_other").run()
    assert not at.exception, at.exception
    body = texts(at)
    assert re.search(r"inden for pendlingsafstand", body)
    assert "har " in body and "af de nødvendige kompetencer" in body


def test_programmes_in_parts_with_danish_figures(app_home: Path) -> None:
    at = signed_in("konsulent-odense", borger=_citizen(app_home))
    at.segmented_control(key="section").set_value("tab_programmes").run()
    assert not at.exception, at.exception
    body = texts(at)
    for part in ("Anslået effekt:", "Usikkerhed:", "Hvorfor:"):
        assert part in body, part
    assert re.search(r"[+-]\d+,\d procentpoint", body)
    assert not re.search(r"[+-]\d+\.\d pp", body)
    assert "90 %-interval" in body or "uden målt dækningsgrad" in body
    # A reason is stated only where it raises the estimate; what lowers it is said as "Taler imod".
    reasons = [line for line in body.splitlines() if line.startswith("- Hvorfor:")]
    against = [line for line in body.splitlines() if line.startswith("- Taler imod:")]
    assert reasons
    for line in reasons:
        assert not re.search(r"\(-\d+,\d procentpoint\)", line), line
        # The chance of being best as a number only where the evaluation found such chances to hold.
        assert re.search(r"sandsynlighed for at være den bedste: (\d+ %|vises ikke)", line), line
    for line in against:
        assert re.search(r"\(-\d+,\d procentpoint\)", line) and not re.search(r"\(\+\d", line), line
    lowered = body.lower()
    assert "true" not in lowered and "false" not in lowered and "bedste false" not in lowered
    for frame in at.dataframe:
        assert "reason_da" not in frame.value.columns and "name" not in frame.value.columns
    # Programmes without an estimate come together after the cards, one line each with its reason.
    grouped = [e for e in at.expander if e.label.startswith("Uden skøn:")]
    assert len(grouped) == 1
    n = int(re.search(r"Uden skøn: (\d+) indsatser", grouped[0].label).group(1))
    lines = [m.value for m in grouped[0].markdown]
    assert n == len(lines) > 0
    assert all("Ikke estimeret:" in line and ("sjældent" in line or "næsten altid" in line) for line in lines)
    assert ops_rows(app_home, "SELECT count(*) FROM decisions") == [(0,)]
