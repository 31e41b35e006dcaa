"""The employer's page in a Streamlit session: titles not ids, candidate cards with their own buttons, request
state, saved and hidden candidates; and the consultant's box of contact requests."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.dashboard.apptest import one_of, ops_rows, signed_in, texts


def open_vacancy(home: Path) -> str:
    """The first open vacancy of the Copenhagen demo employer (app.access picks it by most open vacancies)."""
    return one_of(home, "SELECT min(v.vacancy_id) FROM vacancies v WHERE v.status = 'open' AND v.employer_id = ("
                  " SELECT e.employer_id FROM employers e JOIN vacancies w USING (employer_id) WHERE w.status = 'open'"
                  " AND e.municipality = 'København' GROUP BY ALL ORDER BY count(*) DESC, e.employer_id LIMIT 1)")  # fmt: skip


def button(at: AppTest, prefix: str, index: int = 0):  # type: ignore[no-untyped-def]
    return [b for b in at.button if str(b.key).startswith(prefix)][index]


def test_vacancies_are_listed_by_title_with_status_and_deadline_in_words(app_home: Path) -> None:
    at = signed_in("arbejdsgiver-kbh")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["Stilling", "Stillingstype", "Status", "Ansøgningsfrist", "Antal stillinger",
                                   "Timer/uge", "Kontaktanmodninger"]  # fmt: skip
    assert set(table["Status"]) <= {"Åben", "Lukket", "Besat"}
    assert not any(str(v).startswith("V-") for v in table["Stilling"])
    vid = open_vacancy(app_home)
    title = one_of(app_home, "SELECT title FROM vacancies WHERE vacancy_id = ?", [vid])
    at = signed_in("arbejdsgiver-kbh", stilling=vid)
    header = next(s.value for s in at.subheader if s.value.startswith("Kandidater til"))
    assert title.split()[0] in header and vid not in header
    assert any("Ansøgningsfrist" in c.value and "Åben" in c.value for c in at.caption)


def test_each_card_has_its_own_contact_button_and_shows_the_request_state(app_home: Path) -> None:
    at = signed_in("arbejdsgiver-kbh", stilling=open_vacancy(app_home))
    contacts = [b for b in at.button if str(b.key).startswith("contact_")]
    assert len(contacts) >= 5 and len({b.key for b in contacts}) == len(contacts)
    body = texts(at)
    assert re.search(r"(års erfaring|erfaring skjult)", body, re.IGNORECASE), "bands, not exact years"
    assert not re.search(r"\d+ km væk", body), "no exact distance reaches the employer"
    second = contacts[1]
    at.text_input(key=second.key.replace("contact_", "msg_")).set_value("Vi vil gerne tale med kandidaten")
    button(at, second.key).click().run()
    assert not at.exception, at.exception
    assert any("Sendt til jobcentret" in s.value for s in at.success)
    assert "Anmodning: Sendt" in texts(at)
    assert button(at, second.key).disabled, "one open request per candidate"
    assert list(at.dataframe[1].value["Status"]) == ["Sendt"]


def test_the_consultant_sees_the_request_which_the_employer_then_sees_as_seen_and_answered(
    app_home: Path,
) -> None:
    vid = open_vacancy(app_home)
    employer = signed_in("arbejdsgiver-kbh", stilling=vid)
    first = button(employer, "contact_")
    employer.text_input(key=first.key.replace("contact_", "msg_")).set_value(
        "Vi har en stilling til kandidaten"
    )
    button(employer, first.key).click().run()
    seeker = str(ops_rows(app_home, "SELECT seeker_id FROM decisions WHERE action = 'contact_request'")[0][0])
    jc = one_of(app_home, "SELECT jobcenter_id FROM seekers WHERE seeker_id = ?", [seeker])
    consultant = signed_in(
        "teamleder-kbh" if jc == "jc-kbh" else "teamleder-odense", borger=seeker
    )  # the team
    assert not consultant.exception, consultant.exception
    assert "Kontaktanmodninger" in texts(consultant) and "Set" in texts(consultant)
    assert ops_rows(app_home, "SELECT status FROM contact_request_status") == [("seen",)]
    employer = signed_in("arbejdsgiver-kbh", stilling=vid)
    assert list(employer.dataframe[1].value["Status"]) == ["Set"]
    consultant.text_input(
        key=button(consultant, "cr_answer_").key.replace("cr_answer_", "cr_note_")
    ).set_value("Ringet til borgeren, som gerne vil")
    button(consultant, "cr_answer_").click().run()
    assert not consultant.exception and "Besvaret" in texts(consultant)
    employer = signed_in("arbejdsgiver-kbh", stilling=vid)
    assert list(employer.dataframe[1].value["Status"]) == ["Besvaret"]
    assert "Anmodning: Besvaret" in texts(employer)


def test_saved_candidates_move_to_the_top_and_hidden_ones_go(app_home: Path) -> None:
    at = signed_in("arbejdsgiver-kbh", stilling=open_vacancy(app_home))
    names = [str(b.key).removeprefix("save_") for b in at.button if str(b.key).startswith("save_")]
    button(at, f"save_{names[2]}").click().run()
    assert not at.exception, at.exception
    order = [str(b.key).removeprefix("save_") for b in at.button if str(b.key).startswith("save_")]
    assert order[0] == names[2] and "Gemt" in texts(at)
    assert button(at, f"save_{names[2]}").label == "Fjern fra gemte"
    button(at, f"hide_{names[0]}").click().run()
    after = [str(b.key).removeprefix("save_") for b in at.button if str(b.key).startswith("save_")]
    assert names[0] not in after and len(after) == len(names)
    assert any("vises ikke igen" in s.value for s in at.success)
    again = next(b for b in at.button if str(b.key).startswith("unhide_"))
    assert again.label.endswith("(1)")
    again.click().run()
    assert names[0] in [str(b.key).removeprefix("save_") for b in at.button if str(b.key).startswith("save_")]
