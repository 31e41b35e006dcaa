"""Manual search lists only vacancies open on the world's own date: a passed deadline closes a vacancy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.access import Role, User
from app.workspace import Workspace
from core.settings import Settings
from data.store import Store

ODENSE = User("konsulent-odense", "Konsulent, Odense (demo)", Role.CONSULTANT, "jc-odense")


def test_manual_search_leaves_out_passed_deadlines(home: Path) -> None:
    settings = Settings(home=home)
    ws = Workspace.open(settings)
    today = ws.world.reference_date()
    assert today == date(2026, 11, 1)  # the synthetic world's clock, recorded in its meta
    sid = ws.world.query("SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'").item()
    found = ws.manual_search(ODENSE, sid, max_km=None, limit=10_000)
    ws.close()  # the dashboard reads the world read-only: the deadlines change through a writer
    assert found.height > 2
    expired, last_day = found["vacancy_id"][0], found["vacancy_id"][1]
    with Store(settings.db_path, read_only=False) as world:
        world.execute("UPDATE vacancies SET deadline = ? WHERE vacancy_id = ?", [date(2026, 10, 31), expired])
        world.execute("UPDATE vacancies SET deadline = ? WHERE vacancy_id = ?", [today, last_day])
    ws = Workspace.open(settings)
    ids = ws.manual_search(ODENSE, sid, max_km=None, limit=10_000)["vacancy_id"].to_list()
    ws.close()
    assert expired not in ids
    assert last_day in ids
    assert len(ids) == found.height - 1
