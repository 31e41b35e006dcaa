"""Caseloads: the demo assignment, who may open whom, assignments through the operations store (all or
nothing, audited, kept over a new world), and the queue paged and sorted by what needs action today."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from app.access import Directory, User
from app.caseload import Caseload, ensure_demo_caseload
from app.ops import OpsStore, now_utc
from app.workspace import UNASSIGNED, QueueFilters, Workspace
from core.errors import AccessDenied, CaseloadError
from core.settings import Settings
from data.store import Store

TODAY = date(2031, 1, 15)  # after every registration in the synthetic world: idle weeks are all positive


def users(ws: Workspace) -> dict[str, User]:
    return {u.user_id: u for u in ws.directory.users()}


def odense_ids(ws: Workspace) -> list[str]:
    return ws.world.query("SELECT seeker_id FROM seekers WHERE jobcenter_id = 'jc-odense' ORDER BY seeker_id")[
        "seeker_id"].to_list()  # fmt: skip


def held_by(ws: Workspace, user_id: str) -> set[str]:
    return set(ws.caseload.listing(user_id=user_id)["seeker_id"])


def whole_queue(ws: Workspace, user: User, **filters: str | None) -> pl.DataFrame:
    return ws.queue_page(user, QueueFilters(**filters), today=TODAY).frame  # type: ignore[arg-type]


def decide_at(ws: Workspace, seeker_id: str, action: str, role: str, ts: object) -> None:
    """A decision (or an employer's request) about an Odense citizen, made at ``ts``, in the operations store."""
    with ws.ops.write() as cur:
        cur.execute("INSERT INTO decisions (decision_id, ts, user_id, role, jobcenter_id, seeker_id, action, reason) "
                    "VALUES (?, ?, 'x', ?, 'jc-odense', ?, ?, 'r')", [f"D-{uuid.uuid4().hex[:12]}", ts, role,
                                                                   seeker_id, action])  # fmt: skip


def test_demo_team_splits_the_job_centre_and_leaves_every_tenth_citizen_to_the_team_lead(
    ws: Workspace,
) -> None:
    u = users(ws)
    ids = odense_ids(ws)
    first, second = held_by(ws, "konsulent-odense"), held_by(ws, "konsulent-odense-2")
    assert ids[0] in first and ids[1] in second and not first & second
    unassigned = set(ids) - first - second
    assert unassigned == set(ids[9::10])
    assert set(whole_queue(ws, u["konsulent-odense"])["seeker_id"]) == first
    lead = whole_queue(ws, u["teamleder-odense"])
    assert set(lead["seeker_id"]) == set(ids), "a team lead sees the team's citizens and the unassigned"
    assert set(lead.filter(pl.col("consultant").is_null())["seeker_id"]) == unassigned
    only = whole_queue(ws, u["teamleder-odense"], holder=UNASSIGNED)
    assert set(only["seeker_id"]) == unassigned
    assert u["teamleder-odense"].team_lead and not u["konsulent-odense"].team_lead
    assert ensure_demo_caseload(ws.ops, ws.world, list(u.values())) == 0, "once per data version"


def test_a_consultant_opens_own_citizens_only_and_a_team_lead_the_team(ws: Workspace) -> None:
    u = users(ws)
    ids = odense_ids(ws)
    mine, colleagues, unassigned = ids[0], ids[1], ids[9]
    assert ws.citizen(u["konsulent-odense"], mine)["seeker_id"] == mine
    for other in (colleagues, unassigned):
        with pytest.raises(AccessDenied, match="blandt dine borgere"):
            ws.citizen(u["konsulent-odense"], other)
        with pytest.raises(AccessDenied):
            ws.decide(u["konsulent-odense"], other, "note", "ringede til borgeren")
    for sid in (mine, colleagues, unassigned):
        assert ws.citizen(u["teamleder-odense"], sid)["seeker_id"] == sid
    with pytest.raises(AccessDenied):
        ws.citizen(u["teamleder-kbh"], mine)
    ws.settings.caseload_rule = "jobcenter"  # the job centre lets every consultant open all its citizens
    assert ws.citizen(u["konsulent-odense"], colleagues)["seeker_id"] == colleagues
    assert set(whole_queue(ws, u["konsulent-odense"])["seeker_id"]) == held_by(ws, "konsulent-odense")


def test_assignment_is_all_or_nothing_names_the_misfit_and_is_audited(ws: Workspace) -> None:
    ids = odense_ids(ws)
    kbh = ws.world.query("SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-kbh'").item()
    before, version = ws.caseload.listing(), ws.caseload.version()
    with pytest.raises(
        CaseloadError, match=rf"citizen '{kbh}' belongs to jc-kbh, consultant 'konsulent-odense'"
    ):
        ws.caseload.assign(ws.world, [(ids[9], "konsulent-odense"), (kbh, "konsulent-odense")])
    with pytest.raises(CaseloadError, match="user 'nobody' is not an active consultant"):
        ws.caseload.assign(ws.world, [(ids[9], "nobody")])
    with pytest.raises(CaseloadError, match="user 'admin' is not an active consultant"):
        ws.caseload.assign(ws.world, [(ids[9], "admin")])
    with pytest.raises(CaseloadError, match="no citizen 'P-NOPE'"):
        ws.caseload.assign(ws.world, [("P-NOPE", "konsulent-odense")])
    assert ws.caseload.listing().equals(before) and ws.caseload.version() == version, "nothing written"
    seq = ws.audit.count()
    assert ws.caseload.assign(ws.world, [(ids[9], "konsulent-odense"), (ids[1], "konsulent-odense")]) == 2
    assert {ids[9], ids[1]} <= held_by(ws, "konsulent-odense") and ids[1] not in held_by(
        ws, "konsulent-odense-2"
    )
    assert ws.caseload.version() != version
    record = ws.ops.query("SELECT kind, user_id, payload FROM audit_log ORDER BY seq DESC LIMIT 1").row(0)
    assert ws.audit.count() == seq + 1 and record[:2] == ("caseload_assign", "cli") and ids[9] in record[2]
    assert ws.caseload.unassign([ids[1], "P-NOPE"]) == 1
    assert ids[1] not in set(ws.caseload.listing()["seeker_id"])


def test_import_from_csv_refuses_a_file_with_one_bad_row(ws: Workspace, tmp_path: Path) -> None:
    ids = odense_ids(ws)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"seeker_id,user_id\n{ids[9]},konsulent-odense-2\n{ids[19]},\n", encoding="utf-8")
    with pytest.raises(CaseloadError, match="line 3"):
        ws.caseload.import_csv(ws.world, bad)
    assert ids[9] not in set(ws.caseload.listing()["seeker_id"])
    good = tmp_path / "good.csv"
    good.write_text(
        f"seeker_id,user_id\n{ids[9]},konsulent-odense-2\n{ids[19]},konsulent-odense\n", encoding="utf-8"
    )
    assert ws.caseload.import_csv(ws.world, good) == 2
    assert ids[9] in held_by(ws, "konsulent-odense-2") and ids[19] in held_by(ws, "konsulent-odense")


def test_a_new_world_keeps_the_operators_assignments(home: Path) -> None:
    settings = Settings(home=home)
    ws = Workspace.open(settings)
    ids = odense_ids(ws)
    ws.caseload.assign(ws.world, [(ids[0], "konsulent-odense-2")])
    ws.close()
    with Store(settings.db_path, read_only=False) as world:
        world.bump_data_version()  # what an import does
    with Store(settings.db_path) as world, OpsStore.open(settings) as ops:
        again = Caseload(ops)
        ensure_demo_caseload(ops, world, Directory(ops).users())
        assert again.holding(ids[0]).user_id == "konsulent-odense-2"  # type: ignore[union-attr]
        assert ids[9] not in set(again.listing()["seeker_id"])


def test_queue_puts_new_requests_then_due_follow_ups_then_idle_citizens_first(ws: Workspace) -> None:
    u = users(ws)
    me = u["konsulent-odense"]
    mine = sorted(held_by(ws, "konsulent-odense"))
    asked, answered, due, later, busy = mine[:5]
    decide_at(ws, asked, "contact_request", "employer", now_utc())
    decide_at(ws, answered, "contact_request", "employer", now_utc() - timedelta(days=2))
    request = ws.ops.query("SELECT decision_id FROM decisions WHERE seeker_id = ? AND action = 'contact_request'",
                           [answered]).item()  # fmt: skip
    ws.answer_contact_request(me, request, "ringet til borgeren")  # an answered request is not new
    ws.set_follow_up(me, due, TODAY)
    ws.set_follow_up(me, later, TODAY + timedelta(days=7))
    decide_at(ws, busy, "note", "consultant", TODAY - timedelta(days=3))
    queue = whole_queue(ws, me)
    top = queue.row(0, named=True)
    assert (top["seeker_id"], top["new_requests"], top["contact_requests"], top["priority"]) == (
        asked,
        1,
        1,
        0,
    )
    assert queue.row(1, named=True)["seeker_id"] == due and queue.row(1, named=True)["priority"] == 1
    by_id = {r["seeker_id"]: r for r in queue.iter_rows(named=True)}
    assert by_id[answered]["new_requests"] == 0 and by_id[answered]["contact_requests"] == 1
    assert by_id[later]["priority"] == 2 and by_id[later]["follow_up"] == TODAY + timedelta(days=7)
    assert by_id[busy]["priority"] == 3 and by_id[busy]["idle_weeks"] == 0
    assert queue["seeker_id"][-1] == busy, "the only citizen with a recent decision comes last"
    idle = queue.filter(pl.col("priority") == 2)["idle_weeks"].to_list()
    assert idle == sorted(idle, reverse=True) and min(idle) >= ws.settings.queue_idle_weeks


def test_pages_cover_the_queue_once_with_one_query_each(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = users(ws)["teamleder-odense"]
    whole = whole_queue(ws, me)["seeker_id"].to_list()
    queries: list[str] = []
    query = ws._q
    monkeypatch.setattr(ws, "_q", lambda sql, params=None: queries.append(sql) or query(sql, params))
    pages = [ws.queue_page(me, page=i, page_size=50, today=TODAY) for i in range(3)]
    assert len(queries) == 3, "one world query per page"
    assert [p.total for p in pages] == [len(whole)] * 3 and pages[0].pages == -(-len(whole) // 50)
    assert [sid for p in pages for sid in p.frame["seeker_id"].to_list()] == whole[:150]
    last = ws.queue_page(me, page=pages[0].pages - 1, page_size=50, today=TODAY)
    assert last.frame["seeker_id"].to_list() == whole[(pages[0].pages - 1) * 50 :]


def test_follow_up_is_audited_and_only_for_own_citizens(ws: Workspace) -> None:
    u = users(ws)
    ids = odense_ids(ws)
    seq = ws.audit.count()
    ws.set_follow_up(u["konsulent-odense"], ids[0], TODAY)
    assert ws.follow_up(u["konsulent-odense"], ids[0]) == TODAY
    ws.set_follow_up(u["konsulent-odense"], ids[0], None)
    assert ws.follow_up(u["konsulent-odense"], ids[0]) is None
    kinds = ws.ops.query("SELECT kind, subject FROM audit_log WHERE seq > ?", [seq]).rows()
    assert kinds == [("follow_up", ids[0])] * 2
    with pytest.raises(AccessDenied):
        ws.set_follow_up(u["konsulent-odense"], ids[1], TODAY)
