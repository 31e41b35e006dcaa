"""Decisions have a state per (citizen, vacancy or programme): one decision, an undo inside a window, and
only the final state becomes a training signal; the stop switch also stops decisions on suggestions."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import polars as pl
import pytest

from app.access import User
from app.decision_log import copy_decisions_to_world
from app.ops import now_utc
from app.workspace import Workspace
from core.errors import InvalidDecision, RecommendationsOff
from data.interactions import training_events
from data.store import Store


def _users(ws: Workspace) -> dict[str, User]:
    return {u.user_id: u for u in ws.directory.users()}


def _citizen_and_vacancies(ws: Workspace, n: int = 3) -> tuple[User, str, list[str]]:
    odense = _users(ws)["konsulent-odense"]
    sid = ws.queue(odense)["seeker_id"][2]
    return odense, sid, ws.suggest_vacancies(odense, sid, k=n).frame["vacancy_id"].to_list()


def training_after_copy(ws: Workspace) -> pl.DataFrame:
    """The training events of the next world: the world writer copies the operations store's decisions into
    (a copy of) the world inside its transaction, as ``jobmatch build`` / ``refresh`` do."""
    world = ws.settings.home / "next-world.duckdb"
    shutil.copy(ws.settings.db_path, world)
    with Store(world, read_only=False) as store:
        with store.transaction():
            copy_decisions_to_world(ws.ops, store)
        return training_events(store)


def _decision_events(ws: Workspace, sid: str) -> list[tuple[str, str]]:
    """The training events the citizen's decisions add (the interaction history has consultant rows too)."""
    events = training_after_copy(ws).filter(pl.col("seeker_id") == sid)
    history = ws.world.table("interactions").filter(pl.col("seeker_id") == sid)
    added = events.join(history, on=events.columns, how="anti")
    return sorted(zip(added["vacancy_id"], added["event"], strict=True))


def test_a_suggestion_is_decided_once_and_its_state_says_by_whom_and_when(ws: Workspace) -> None:
    odense, sid, (first, *_) = _citizen_and_vacancies(ws)
    ws.decide(odense, sid, "accept", "passer til ønsket", vacancy_id=first)
    for action in ("accept", "reject"):
        with pytest.raises(InvalidDecision, match="allerede"):
            ws.decide(odense, sid, action, "skiftede mening", vacancy_id=first)
    state = ws.decision_states(odense, sid)[("vacancy", first)]
    assert (state.action, state.user_id, state.reason) == ("accept", "konsulent-odense", "passer til ønsket")
    assert state.undoable_until is not None and state.undoable_until > state.ts
    # Contacted is the step after accepted, not a second opinion about it.
    ws.decide(odense, sid, "contact", "", vacancy_id=first)
    assert ws.decision_states(odense, sid)[("vacancy", first)].action == "contact"
    with pytest.raises(InvalidDecision, match="allerede"):
        ws.decide(odense, sid, "contact", "", vacancy_id=first)


def test_contact_needs_an_accepted_suggestion(ws: Workspace) -> None:
    odense, sid, (first, *_) = _citizen_and_vacancies(ws)
    with pytest.raises(InvalidDecision, match="accepteret"):
        ws.decide(odense, sid, "contact", "", vacancy_id=first)


def test_undo_inside_the_window_reopens_and_is_itself_an_audited_decision(ws: Workspace) -> None:
    odense, sid, (first, second, *_) = _citizen_and_vacancies(ws)
    ws.decide(odense, sid, "reject", "for langt væk", vacancy_id=second)
    assert second not in ws.suggest_vacancies(odense, sid, k=10).frame["vacancy_id"].to_list()
    undo_id = ws.decide(odense, sid, "undo", "", vacancy_id=second)
    assert ("vacancy", second) not in ws.decision_states(odense, sid)
    assert second in ws.suggest_vacancies(odense, sid, k=10).frame["vacancy_id"].to_list(), "shown again"
    history = ws.decisions_for(odense, sid)
    assert history["action"].to_list() == ["undo", "reject"]  # newest first, nothing deleted
    record = json.loads(ws.audit.records("WHERE kind = 'decision'")["payload"].to_list()[-1])
    assert record["decision_id"] == undo_id and record["action"] == "undo" and record["undoes"]
    with pytest.raises(InvalidDecision, match="intet at fortryde"):
        ws.decide(odense, sid, "undo", "", vacancy_id=second)
    # Undo of a step goes back one step: accept, contact, undo -> accepted again.
    ws.decide(odense, sid, "accept", "passer", vacancy_id=first)
    ws.decide(odense, sid, "contact", "ringet op", vacancy_id=first)
    ws.decide(odense, sid, "undo", "", vacancy_id=first)
    assert ws.decision_states(odense, sid)[("vacancy", first)].action == "accept"


def test_undo_only_inside_the_window_and_only_by_whoever_decided(ws: Workspace) -> None:
    odense, sid, (first, *_) = _citizen_and_vacancies(ws)
    colleague = _users(ws)["teamleder-odense"]  # may open the citizen, but did not decide
    ws.decide(odense, sid, "accept", "passer", vacancy_id=first)
    with pytest.raises(InvalidDecision, match="konsulent-odense"):
        ws.decide(colleague, sid, "undo", "", vacancy_id=first)
    minutes = ws.settings.decision_undo_minutes
    with ws.ops.write() as cur:  # the one decision, made longer ago than the window
        cur.execute("UPDATE decisions SET ts = ?", [now_utc() - timedelta(minutes=minutes, seconds=1)])
    assert ws.decision_states(odense, sid)[("vacancy", first)].undoable_until is None
    with pytest.raises(InvalidDecision, match=f"{minutes} minutter"):
        ws.decide(odense, sid, "undo", "", vacancy_id=first)


def test_only_the_final_state_of_a_pair_becomes_a_training_signal(ws: Workspace) -> None:
    odense, sid, (first, second, third) = _citizen_and_vacancies(ws)
    ws.decide(odense, sid, "accept", "passer", vacancy_id=first)
    ws.decide(odense, sid, "undo", "", vacancy_id=first)
    ws.decide(odense, sid, "reject", "alligevel ikke", vacancy_id=first)
    ws.decide(odense, sid, "reject", "for langt", vacancy_id=second)
    ws.decide(odense, sid, "undo", "", vacancy_id=second)
    ws.decide(odense, sid, "accept", "passer", vacancy_id=third)
    ws.decide(odense, sid, "contact", "", vacancy_id=third)
    assert _decision_events(ws, sid) == sorted([(first, "vetoed"), (third, "accepted")]), "one per pair"


def test_history_written_before_states_existed_still_folds_to_one_final_state(ws: Workspace) -> None:
    """Old rows (accept, then reject of the same pair, no undo) keep meaning the last word counts."""
    odense, sid, (first, *_) = _citizen_and_vacancies(ws)
    for i, action in enumerate(("accept", "accept", "reject")):
        with ws.ops.write() as cur:
            cur.execute(
                "INSERT INTO decisions (decision_id, ts, user_id, role, seeker_id, vacancy_id, action, reason) "
                "VALUES (?, ?, 'konsulent-odense', 'consultant', ?, ?, ?, 'gammel')",
                [f"old-{i}", datetime(2026, 1, 5, 10, 0, i), sid, first, action],
            )  # fmt: skip
    assert _decision_events(ws, sid) == [(first, "vetoed")]
    assert ws.decision_states(odense, sid)[("vacancy", first)].action == "reject"


def test_suggestions_switched_off_stop_decisions_on_suggestions_not_own_choices(ws: Workspace) -> None:
    u = _users(ws)
    odense, sid, (first, *_) = _citizen_and_vacancies(ws)
    ws.set_recommendations(u["admin"], False, "modellen undersøges")
    for call in (lambda: ws.decide(odense, sid, "accept", "passer", vacancy_id=first),
                 lambda: ws.decide(odense, sid, "reject", "passer ikke", vacancy_id=first),
                 lambda: ws.decide(odense, sid, "accept", "passer", programme="virksomhedspraktik")):  # fmt: skip
        with pytest.raises(RecommendationsOff):
            call()
    assert ws.ops.rows("SELECT count(*) FROM decisions")[0][0] == 0
    ws.decide(odense, sid, "override", "mit eget valg", vacancy_id=first)
    ws.decide(odense, sid, "override", "hellere praktik", programme="virksomhedspraktik")
    ws.decide(odense, sid, "note", "samtale aftalt")
    assert ws.ops.rows("SELECT count(*) FROM decisions")[0][0] == 3


def test_the_switch_is_read_fresh_after_a_change_in_this_process(ws: Workspace) -> None:
    admin = _users(ws)["admin"]
    assert ws.recommendations_enabled()
    ws.set_recommendations(admin, False, "stop")
    assert not ws.recommendations_enabled()
    ws.ops.set_switch("recommendations", True, "admin", "direkte")
    assert ws.recommendations_enabled()


def test_a_redisplay_is_audited_pointing_at_the_original_list_and_refused_when_off(ws: Workspace) -> None:
    u = _users(ws)
    odense, sid, _ = _citizen_and_vacancies(ws)
    shown = ws.suggest_vacancies(odense, sid, k=3)
    seq = ws.log_redisplay(odense, "jobs", sid, shown.audit_seq)
    record = ws.audit.records("WHERE seq = ?", [seq]).row(0, named=True)
    assert (record["kind"], record["subject"], record["user_id"]) == (
        "list_redisplayed",
        sid,
        "konsulent-odense",
    )
    assert json.loads(record["payload"]) == {"shows_again": shown.audit_seq, "view": "jobs"}
    ws.set_recommendations(u["admin"], False, "stop")
    before = ws.audit.count()
    with pytest.raises(RecommendationsOff):
        ws.log_redisplay(odense, "jobs", sid, shown.audit_seq)
    assert ws.audit.count() == before
