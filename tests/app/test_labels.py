"""The UI never shows a code, a snake_case header, None or true/false: ``app.labels`` turns them into words."""

from __future__ import annotations

import polars as pl
import pytest

from app import labels
from data import columns as C


def test_every_known_code_has_words_in_both_languages() -> None:
    for kind, codes in (("benefit_type", C.BENEFIT_TYPES), ("target_group", C.TARGET_GROUPS),
                        ("programme", C.PROGRAMMES), ("status", C.VACANCY_STATUSES)):  # fmt: skip
        for code in codes:
            da, en = labels.value(kind, code, "da"), labels.value(kind, code, "en")
            assert "_" not in da and "_" not in en, (kind, code)
            assert da != code or kind == "sector", (kind, code)
    assert set(labels.VALUES["programme"]) == set(C.PROGRAMMES)
    assert set(labels.VALUES["benefit_type"]) == set(C.BENEFIT_TYPES)
    assert labels.value("benefit_type", "kontanthjaelp") == "Kontanthjælp"
    assert labels.value("programme", "loentilskud_privat", "en") == "Wage subsidy (private)"
    assert labels.value("sector", "warehouse_transport") == "Lager og transport"


def test_missing_and_unknown_values_read_as_words() -> None:
    assert labels.value("sector", None) == labels.MISSING
    assert labels.value("sector", "new_sector_code") == "New sector code"
    assert labels.header("weeks_since_decision") == "Weeks since decision"
    assert labels.header("benefit_type", "en") == "Benefit"


@pytest.mark.parametrize(
    ("share", "lang", "expected"),
    [(0.152, "da", "+15,2 procentpoint"), (-0.0049, "da", "-0,5 procentpoint"),
     (0.152, "en", "+15.2 percentage points"), (None, "da", "–")],
)  # fmt: skip
def test_percentage_points_use_the_languages_decimal_mark(
    share: float | None, lang: str, expected: str
) -> None:
    assert labels.pp(share, lang) == expected


def test_numbers_group_thousands_the_danish_way() -> None:
    assert labels.number(1639.26, 1, "da") == "1.639,3"
    assert labels.number(1639.26, 1, "en") == "1,639.3"
    assert labels.km(3.24) == "3,2 km" and labels.km(27.6) == "28 km"


def test_display_frame_translates_headers_codes_booleans_lists_and_nulls() -> None:
    frame = pl.DataFrame({"benefit_type": ["kontanthjaelp", None], "supported": [True, None],
                          "desired": [["Kok", "Tjener"], []], "weeks_unemployed": [12, 40]})  # fmt: skip
    shown = labels.display_frame(frame)
    assert shown.columns == ["Ydelse", "Supported", "Ønskejob", "Uger ledig"]
    assert shown.row(0) == ("Kontanthjælp", "ja", "Kok, Tjener", 12)
    assert shown.row(1) == ("–", "–", "–", 40)
    distances = labels.display_frame(pl.DataFrame({"distance_km": [3.46, None]}))
    assert distances.columns == ["Afstand (km)"] and distances.to_series().to_list() == ["3,5", "–"]
    english = labels.display_frame(frame, "en")
    assert english.row(0)[:2] == ("Social assistance", "yes")
