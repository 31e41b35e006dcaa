"""Admission: a process runs at most ``serving_slots`` workspace calls at once (the rest wait their turn),
nested calls never wait for themselves, and cached world rows keep every scope check."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from app.access import Role, User
from app.admission import Slots
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
        assert ws._slots.size == 6
    finally:
        ws.close()


def _queued(slots: Slots, n: int) -> None:
    deadline = time.monotonic() + 10
    while slots.waiting < n:
        assert time.monotonic() < deadline, "the waiters never queued"
        time.sleep(0.01)


def test_slots_are_handed_on_in_arrival_order() -> None:
    slots, order = Slots(1), []
    slots.acquire()

    def call(name: str) -> None:
        with slots:
            order.append(name)

    threads = []
    for i, name in enumerate("abc"):
        threads.append(threading.Thread(target=call, args=(name,)))
        threads[-1].start()
        _queued(slots, i + 1)
    slots.release()
    for t in threads:
        t.join(10)
    assert order == ["a", "b", "c"]


def test_a_caller_who_released_cannot_jump_the_queue() -> None:
    """threading.Semaphore let the releasing thread take its slot back before the woken waiter ran."""
    slots, got = Slots(1), []
    slots.acquire()
    waiter = threading.Thread(target=lambda: (slots.acquire(), got.append("waiter"), slots.release()))
    waiter.start()
    _queued(slots, 1)
    slots.release()
    slots.acquire()  # the releasing thread asks again at once: it must queue behind the waiter
    got.append("again")
    slots.release()
    waiter.join(10)
    assert got == ["waiter", "again"]
    with pytest.raises(RuntimeError):
        slots.release()


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
