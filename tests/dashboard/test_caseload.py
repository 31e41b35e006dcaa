"""The caseload queue in the app (AppTest): own citizens only, paged, sorted by what needs action today with a
"why on top" column in Danish; the follow-up widget; a team lead's view of the team and the unassigned."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from app.ops import OpsStore, now_utc
from core.settings import Settings
from tests.dashboard.apptest import signed_in, texts, world


def odense(home: Path) -> list[str]:
    with world(home) as store:
        return store.query("SELECT seeker_id FROM seekers WHERE jobcenter_id = 'jc-odense' ORDER BY seeker_id")[
            "seeker_id"].to_list()  # fmt: skip


def captions(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(c.value for c in at.caption)


def test_consultant_pages_through_own_citizens_only(app_home: Path) -> None:
    ids = odense(app_home)
    mine = set(ids[0::2]) - set(ids[9::10])  # the demo split: every other citizen, every tenth unassigned
    at = signed_in("konsulent-odense")
    assert not at.exception, at.exception
    first = at.dataframe[0].value
    assert list(first.columns)[:2] == ["Derfor øverst", "Borger"] and "Sagsbehandler" not in first.columns
    assert len(first) == 25 and set(first["Borger"]) <= mine
    assert f"Side 1 af {-(-len(mine) // 25)} · {len(mine)} borgere" in captions(at)
    assert any(s.value == f"Mine borgere ({len(mine)})" for s in at.subheader)
    at.button(key="q_next").click().run()
    second = at.dataframe[0].value
    assert "Side 2 af" in captions(at) and set(second["Borger"]) <= mine
    assert not set(first["Borger"]) & set(second["Borger"])
    at.button(key="q_prev").click().run()
    assert list(at.dataframe[0].value["Borger"]) == list(first["Borger"])
    # Every citizen idle since registration: the column says why, in Danish.
    assert all(w.startswith("ingen beslutning i ") and w.endswith(" uger") for w in first["Derfor øverst"])
    at.radio(key="lang").set_value("en").run()
    english = at.dataframe[0].value
    assert list(english.columns)[:2] == ["Why on top", "Citizen"]
    assert english["Why on top"][0].startswith("no decision for ") and "Page 1 of" in captions(at)


def test_new_request_and_a_follow_up_due_go_on_top_with_the_reason(app_home: Path) -> None:
    ids = odense(app_home)
    asked, due = ids[2], ids[4]
    with OpsStore.open(Settings(home=app_home)) as ops, ops.write() as cur:
        cur.execute("INSERT INTO decisions (decision_id, ts, user_id, role, jobcenter_id, seeker_id, action, reason) "
                    "VALUES (?, ?, 'arbejdsgiver-odense', 'employer', 'jc-odense', ?, 'contact_request', 'samtale?')",
                    [f"D-{uuid.uuid4().hex[:12]}", now_utc(), asked])  # fmt: skip
    at = signed_in("konsulent-odense", borger=due)
    assert not at.exception, at.exception
    at.date_input(key=f"fu_date_{due}").set_value(date.today())
    at.button(key=f"fu_save_{due}").click().run()
    assert any(s.value == "Opfølgning gemt" for s in at.success)
    queue = at.dataframe[0].value
    assert list(queue["Borger"][:2]) == [asked, due]
    assert list(queue["Derfor øverst"][:2]) == ["1 ny kontaktanmodning", "opfølgning i dag"]
    assert list(queue["Opfølgning"][:2]) == ["–", date.today().strftime("%d.%m.%Y")]
    assert not (queue.astype(str) == "None").any().any(), "no None on screen"
    with OpsStore.open(Settings(home=app_home)) as ops:
        assert ops.rows("SELECT kind, subject, user_id FROM audit_log WHERE kind = 'follow_up'") == [
            ("follow_up", due, "konsulent-odense")]  # fmt: skip
    at.button(key=f"fu_clear_{due}").click().run()
    assert any(s.value == "Opfølgning fjernet" for s in at.success)
    assert at.dataframe[0].value["Borger"][1] != due


def test_consultant_cannot_open_a_colleagues_citizen(app_home: Path) -> None:
    ids = odense(app_home)
    at = signed_in("konsulent-odense", borger=ids[1])  # konsulent-odense-2's
    assert not at.exception
    assert at.error and "Ingen adgang" in at.error[0].value and "blandt dine borgere" in at.error[0].value
    assert "Har:" not in texts(at)


def test_team_lead_sees_the_team_with_caseworkers_and_the_unassigned(app_home: Path) -> None:
    ids = odense(app_home)
    at = signed_in("teamleder-odense", borger=ids[1])
    assert not at.exception, at.exception
    assert any(s.value == f"Teamets borgere ({len(ids)})" for s in at.subheader)
    assert any(ids[1] in str(h.value).replace("\\", "") for h in at.header), (
        "a team lead opens the team's citizens"
    )
    table = at.dataframe[0].value
    assert list(table.columns)[:3] == ["Derfor øverst", "Borger", "Sagsbehandler"]
    assert set(table["Sagsbehandler"]) <= {
        "Konsulent, Odense (demo)",
        "Konsulent 2, Odense (demo)",
        "uden sagsbehandler",
    }
    at.selectbox(key="q_holder").set_value("").run()  # "uden sagsbehandler"
    table = at.dataframe[0].value
    assert set(table["Sagsbehandler"]) == {"uden sagsbehandler"} and set(table["Borger"]) <= set(ids[9::10])
    unassigned = len(ids[9::10])
    assert f"Side 1 af {-(-unassigned // 25)} · {unassigned} borgere" in captions(at)
