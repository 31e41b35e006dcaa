"""Decisions with state, the stop switch as a consultant meets it, and the explanation export (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.dashboard.apptest import one_of, signed_in, texts

ODENSE = "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'"


def _audit(home: Path, where: str = "") -> list[tuple[object, ...]]:
    from app.ops import OpsStore
    from core.settings import Settings

    with OpsStore.open(Settings(home=home)) as ops:
        return ops.rows(f"SELECT seq, kind, subject, payload FROM audit_log {where} ORDER BY seq")


def test_explanation_export_prepares_both_files_and_audits_once(app_home: Path) -> None:
    sid = one_of(app_home, ODENSE)
    at = signed_in("konsulent-odense", borger=sid)
    at.segmented_control(key="section").set_value("tab_notes").run()
    next(b for b in at.button if b.label.startswith("Forbered")).click().run()
    assert not at.exception, at.exception
    downloads = at.get("download_button")
    assert len(downloads) == 2, "a JSON file and a printable explanation"
    at.run()  # a rerun keeps what was prepared and writes no second export record
    assert not at.exception and len(at.get("download_button")) == 2
    exports = [r for r in _audit(app_home) if r[1] == "export"]
    assert len(exports) == 1 and exports[0][2] == sid


def test_switching_suggestions_off_hides_an_open_sessions_cached_list(app_home: Path) -> None:
    sid = one_of(app_home, ODENSE)
    at = signed_in("konsulent-odense", borger=sid)
    assert any(b.label == "Accepter" for b in at.button)
    admin = signed_in("admin")
    admin.toggle[0].set_value(False)
    admin.text_input[0].set_value("modellen undersøges")
    admin.button[0].click().run()
    at.run()  # the consultant's next rerun, same session, same cached list
    assert not at.exception, at.exception
    assert any("slået fra" in w.value for w in at.warning)
    assert not any(b.label in ("Accepter", "Afvis") for b in at.button), "no cached list, no buttons"


def test_every_redisplay_of_a_cached_list_is_audited(app_home: Path) -> None:
    sid = one_of(app_home, ODENSE)
    at = signed_in("konsulent-odense", borger=sid)
    first = [r for r in _audit(app_home) if r[1] == "vacancy_suggestions" and r[2] == sid]
    assert len(first) == 1
    at.run()
    at.run()
    again = [r for r in _audit(app_home) if r[1] == "list_redisplayed" and r[2] == sid]
    assert len(again) == 2
    assert all(json.loads(str(r[3]))["shows_again"] == first[0][0] for r in again)
    assert len([r for r in _audit(app_home) if r[1] == "vacancy_suggestions"]) == 1, "computed once"


def test_a_decided_card_shows_its_state_and_can_be_undone_not_decided_twice(app_home: Path) -> None:
    sid = one_of(app_home, ODENSE)
    at = signed_in("konsulent-odense", borger=sid)
    accept = next(b for b in at.button if b.label == "Accepter")
    at.text_input(key=accept.key.replace("accept_", "reason_")).set_value("Passer til ønsket").run()
    next(b for b in at.button if b.key == accept.key).click().run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "Accepteret af konsulent-odense" in body.replace("\\", "").replace("*", "")
    keys = {b.key for b in at.button}
    assert accept.key not in keys and accept.key.replace("accept_", "reject_") not in keys, (
        "no second decision"
    )
    undo = accept.key.replace("accept_", "undo_")
    assert undo in keys
    next(b for b in at.button if b.key == undo).click().run()
    assert not at.exception, at.exception
    assert accept.key in {b.key for b in at.button}, "open again after the undo"
    rows = [r for r in _audit(app_home) if r[1] == "decision"]
    assert [json.loads(str(r[3]))["action"] for r in rows] == ["accept", "undo"]


def test_an_employers_open_shortlist_is_not_shown_again_after_the_switch_goes_off(app_home: Path) -> None:
    vid = one_of(app_home, "SELECT min(v.vacancy_id) FROM vacancies v WHERE v.status = 'open' AND v.employer_id = ("
                 " SELECT e.employer_id FROM employers e JOIN vacancies w USING (employer_id) WHERE w.status = 'open'"
                 " AND e.municipality = 'Odense' GROUP BY ALL ORDER BY count(*) DESC, e.employer_id LIMIT 1)")  # fmt: skip
    at = signed_in("arbejdsgiver-odense", stilling=vid)
    assert "Kandidater" in "".join(s.value for s in at.subheader)
    admin = signed_in("admin")
    admin.toggle[0].set_value(False)
    admin.text_input[0].set_value("modellen undersøges")
    admin.button[0].click().run()
    at.run()
    assert not at.exception, at.exception
    assert any("slået fra" in w.value for w in at.warning)
    assert not at.get("form"), "no candidates, no contact form from the cached shortlist"
