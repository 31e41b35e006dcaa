"""Danish throughout: what the consultant reads has no ids in pickers, no snake_case headers, no codes."""

from __future__ import annotations

from pathlib import Path

from app import labels
from tests.dashboard.apptest import one_of, signed_in


def test_manual_search_shows_danish_headers_and_vacancies_by_title_not_id(app_home: Path) -> None:
    sid = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    at = signed_in("konsulent-odense", borger=sid)
    at.segmented_control(key="section").set_value("tab_manual").run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert table.shape[0] > 0
    assert list(table.columns) == ["Stilling", "Arbejdsgiver", "Stillingstype", "Timer/uge", "Afstand (km)",
                                   "Ansøgningsfrist"]  # fmt: skip
    options = at.selectbox(key=f"manual_pick_{sid}").options
    assert options and all(" · " in o and o.endswith(" km") for o in options)
    assert not any(o.startswith("V-") for o in options), "vacancies are picked by title, not by id"


def test_citizen_header_and_signed_in_role_read_as_words_not_codes(app_home: Path) -> None:
    sid = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    benefit = one_of(app_home, "SELECT benefit_type FROM seekers WHERE seeker_id = ?", [sid])
    at = signed_in("konsulent-odense", borger=sid)
    assert not at.exception, at.exception
    header = next(m.value for m in at.markdown if "Ydelse:" in m.value)
    assert labels.value("benefit_type", benefit) in header.replace("\\", "")
    assert "Målgruppe:" in header and "Uddannelse:" in header
    assert benefit not in header.replace("\\", ""), "the code itself is not shown"
    assert any("Konsulent" in m.value and "consultant" not in m.value for m in at.sidebar.markdown)


def test_drift_table_reads_as_words_in_danish_and_english(app_home: Path) -> None:
    for lang, yes in (("da", "ja"), ("en", "yes")):
        at = signed_in("analytiker")
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception, at.exception
        drift = next(f.value for f in at.dataframe if f.value.shape[1] == 5 and f.value.shape[0] >= 10)
        cells = " ".join(str(v) for col in drift.columns[2:4] for v in drift[col])
        for code in ("kontanthjaelp", "dagpenge", "True", "False", "jc-odense", "jc-kbh", "jobparat"):
            assert code not in cells, (lang, code, cells)
        assert f"{yes} (" in cells
