"""Admission: a process runs at most ``serving_slots`` workspace calls at once (the rest wait their turn),
nested calls never wait for themselves, and cached world rows keep every scope check."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from app.access import Role, User
from app.workspace import Workspace
from core.errors import AccessDenied
from core.settings import Settings

ODENSE = User("konsulent-odense", "Konsulent, Odense (demo)", Role.CONSULTANT, "jc-odense")
KBH = User("konsulent-kbh", "Konsulent, København (demo)", Role.CONSULTANT, "jc-kbh")


def _own(ws: Workspace, user: User) -> str:
    return str(ws.queue(user)["seeker_id"][0])


def test_one_slot_makes_a_second_call_wait_until_the_first_returns(home: Path) -> None:
    ws = Workspace.open(Settings(home=home, serving_slots=1))
    try:
        sid = _own(ws, ODENSE)
        ws.suggest_vacancies(ODENSE, sid)  # nested public calls inside it do not wait for its own slot
        service = ws.service
        assert service is not None
        inside, release = threading.Event(), threading.Event()
        real = service.for_seeker

        def held(*args: object, **kwargs: object) -> object:
            inside.set()
            release.wait(10)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        service.for_seeker = held  # type: ignore[method-assign]
        first = threading.Thread(target=ws.suggest_vacancies, args=(ODENSE, sid), kwargs={"k": 7})
        first.start()
        assert inside.wait(10)
        done: list[float] = []
        second = threading.Thread(
            target=lambda: done.append(time.monotonic()) if ws.programmes(ODENSE, sid) else None
        )
        second.start()
        second.join(0.5)
        assert not done, "the second call ran while the only slot was taken"
        released = time.monotonic()
        release.set()
        first.join(10)
        second.join(10)
        assert done and done[0] >= released
    finally:
        ws.close()


def test_default_slots_are_twice_the_cpus(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    ws = Workspace.open(Settings(home=home))
    try:
        taken = [ws._slots.acquire(blocking=False) for _ in range(7)]
        assert taken == [True] * 6 + [False]
    finally:
        for _ in range(6):
            ws._slots.release()
        ws.close()


def test_a_cached_citizen_row_is_still_refused_to_another_job_centre(ws: Workspace) -> None:
    sid = _own(ws, ODENSE)
    first = ws.citizen(ODENSE, sid)
    first["skills"].append("changed by the caller")  # a caller's change must not reach the cache
    first["lat"] = 0.0
    again = ws.citizen(ODENSE, sid)
    assert "changed by the caller" not in again["skills"] and again["lat"] != 0.0
    with pytest.raises(AccessDenied):
        ws.citizen(KBH, sid)
    with pytest.raises(AccessDenied):
        ws.citizen(ODENSE, "no-such-citizen")
