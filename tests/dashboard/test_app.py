"""The Streamlit app, run headless with AppTest: each view, each isolation rule, escaping of data."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.dashboard.apptest import APP, one_of, ops_rows, signed_in, texts, world_writer

# The demo employer of a municipality: the one with most open vacancies there (app.access).
DEMO_EMPLOYER = (
    "SELECT e.employer_id FROM employers e JOIN vacancies v USING (employer_id) WHERE v.status = 'open' "
    "AND e.municipality = ? GROUP BY ALL ORDER BY count(*) DESC, e.employer_id LIMIT 1"
)


def test_login_form_refuses_a_wrong_password_and_accepts_a_demo_user(app_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    at.text_input(key="login_user").set_value("konsulent-odense")
    at.text_input(key="login_password").set_value("forkert")
    at.button[0].click().run()
    assert at.error and "Forkert" in at.error[0].value and "user_id" not in at.session_state
    at.text_input(key="login_password").set_value("demo")
    at.button[0].click().run()
    assert at.session_state["user_id"] == "konsulent-odense"
    assert "Mine borgere" in texts(at) or any("Mine borgere" in s.value for s in at.subheader)


def test_consultant_sees_citizen_suggestions_and_decides_with_a_reason(app_home: Path) -> None:
    sid = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    at = signed_in("konsulent-odense", borger=sid)
    assert not at.exception, at.exception
    assert any(sid in str(h.value).replace("\\", "") for h in at.header)
    body = texts(at)
    assert (
        "Har:" in body
        and "Mangler:" in body
        and any(m.label == "Sandsynlighed for ansøgning" for m in at.metric)
    )
    accept = next(b for b in at.button if b.label == "Accepter")
    accept.click().run()
    assert at.error and "begrundelse" in at.error[0].value
    key = accept.key.replace("accept_", "reason_")
    at.text_input(key=key).set_value("Passer til borgerens ønske").run()
    next(b for b in at.button if b.key == accept.key).click().run()
    assert any("Gemt" in s.value for s in at.success)
    assert ops_rows(app_home, "SELECT action, reason FROM decisions WHERE seeker_id = ?", [sid]) == [
        ("accept", "Passer til borgerens ønske")]  # fmt: skip
    for section in ("tab_other", "tab_programmes", "tab_manual", "tab_notes"):
        at.segmented_control(key="section").set_value(section).run()
        assert not at.exception, (section, at.exception)
    assert any(b.label.startswith("Forbered") for b in at.button)


def test_consultant_of_odense_sees_no_copenhagen_citizen_by_url_or_queue(app_home: Path) -> None:
    kbh = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-kbh'")
    at = signed_in("konsulent-odense", borger=kbh)
    assert not at.exception
    assert at.error and "Ingen adgang" in at.error[0].value
    assert not any(kbh in str(h.value).replace("\\", "") for h in at.header)
    queue = at.dataframe[0].value
    kbh_ids = set(one_of(app_home, "SELECT string_agg(seeker_id, ',') FROM seekers WHERE jobcenter_id = 'jc-kbh'")
                  .split(","))  # fmt: skip
    assert len(queue) > 0 and not kbh_ids & set(queue["Borger"])
    # Same process, same cache: the Copenhagen consultant gets Copenhagen's queue, never Odense's.
    other = signed_in("konsulent-kbh")
    assert set(other.dataframe[0].value["Borger"]) <= kbh_ids


def test_employer_sees_own_vacancy_shortlist_and_no_one_elses(app_home: Path) -> None:
    employer = one_of(app_home, DEMO_EMPLOYER, ["Odense"])  # the table shows titles, not ids
    own = one_of(app_home, "SELECT min(vacancy_id) FROM vacancies WHERE employer_id = ? AND status = 'open'",
                 [employer])  # fmt: skip
    foreign = one_of(app_home, "SELECT min(vacancy_id) FROM vacancies WHERE employer_id <> ?", [employer])
    denied = signed_in("arbejdsgiver-odense", stilling=foreign)
    assert denied.error and "Ingen adgang" in denied.error[0].value
    at = signed_in("arbejdsgiver-odense", stilling=own)
    assert not at.exception
    body = texts(at)
    assert re.search(r"K\\-[0-9A-F]{10}", body), "candidates are shown by pseudonym"
    assert "P-" not in body and "P\\-" not in body, "no citizen id reaches the employer"
    first = next(b for b in at.button if b.label == "Bed jobcentret om kontakt")  # each card has its own
    at.text_input(key=first.key.replace("contact_", "msg_")).set_value("Vi vil gerne tale med kandidaten")
    next(b for b in at.button if b.key == first.key).click().run()
    assert any("Sendt" in s.value for s in at.success)


def test_analyst_and_admin_views_render_and_the_stop_switch_reaches_consultants(app_home: Path) -> None:
    analyst = signed_in("analytiker")
    assert not analyst.exception, analyst.exception
    assert len(analyst.tabs) == 4
    # Without this installation's own report the page says how to get one (tests/dashboard/test_analyst_admin.py).
    assert any("jobmatch report" in i.value for i in analyst.info)
    admin = signed_in("admin")
    assert not admin.exception
    admin.toggle[0].set_value(False)
    admin.text_input[0].set_value("modellen undersøges")
    admin.button[0].click().run()
    assert any("Gemt" in s.value for s in admin.success)
    sid = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    at = signed_in("konsulent-odense", borger=sid)
    assert any("slået fra" in w.value for w in at.warning)
    assert not any(b.label == "Accepter" for b in at.button)
    at.segmented_control(key="section").set_value("tab_manual").run()
    assert not at.exception and at.dataframe[-1].value.shape[0] > 0, "manual search still works"
    verify = signed_in("admin")
    next(b for b in verify.button if b.label.startswith("Kontroller")).click().run()
    assert any("intakt" in s.value for s in verify.success)


def test_data_derived_text_is_escaped_not_rendered(app_home: Path) -> None:
    evil = "[klik](http://evil.example) ![x](http://evil.example/x.png) <script>alert(1)</script> **fed**"
    with world_writer(app_home) as store:
        store.execute("UPDATE vacancies SET title = ?", [evil])  # same data version: indexes stay valid
        store.execute("UPDATE taxonomy_skills SET label_da = label_da || ' [x](http://evil.example)'")
    sid = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    at = signed_in("konsulent-odense", borger=sid)
    assert not at.exception
    body = "\n".join(m.value for m in at.markdown)
    assert "evil" in body, "the hostile text is shown"
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", body), "no live Markdown link or image"
    assert "<script>" not in body
    source = Path(APP).read_text(encoding="utf-8")
    assert "unsafe_allow_html" not in source and "st.html" not in source and "components.html" not in source


def test_queue_search_for_a_copenhagen_id_finds_nothing_for_odense(app_home: Path) -> None:
    kbh = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-kbh'")
    at = signed_in("konsulent-odense")
    at.text_input(key="q_search").set_value(kbh).run()
    assert not at.exception and len(at.dataframe[0].value) == 0
    own = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    at.text_input(key="q_search").set_value(own).run()
    assert list(at.dataframe[0].value["Borger"]) == [own]


def test_employer_view_lists_only_the_employers_own_vacancies(app_home: Path) -> None:
    at = signed_in("arbejdsgiver-kbh")
    shown = sorted(at.dataframe[0].value["Stilling"])  # titles, not ids
    employer = one_of(app_home, DEMO_EMPLOYER, ["København"])
    own = sorted(one_of(app_home, "SELECT string_agg(title, '|') FROM vacancies WHERE employer_id = ?",
                        [employer]).split("|"))  # fmt: skip
    assert shown == own


def test_interface_switches_to_english(app_home: Path) -> None:
    at = signed_in("konsulent-odense")
    assert any(s.value.startswith("Mine borgere") for s in at.subheader)
    at.radio(key="lang").set_value("en").run()
    assert any(s.value.startswith("My citizens") for s in at.subheader)
    assert at.session_state["user_id"] == "konsulent-odense"
