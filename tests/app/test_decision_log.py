"""Decisions between the stores: the dashboard writes them to the operations store, the world writer copies
them into the world, where training reads them; an earlier version's world-store decisions are taken over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from app.decision_log import adopt_world_decisions, copy_decisions_to_world, decisions_frame
from app.ops import OpsStore
from data.interactions import training_events
from data.store import Store


@pytest.fixture()
def ops(tmp_path: Path) -> Iterator[OpsStore]:
    with OpsStore(tmp_path / "ops.sqlite") as store:
        yield store


def _decide(ops: OpsStore, decision_id: str, seeker: str, vacancy: str, action: str, minute: int) -> None:
    with ops.write() as cur:
        cur.execute("INSERT INTO decisions (decision_id, ts, user_id, role, jobcenter_id, seeker_id, vacancy_id, action,"
                    " reason) VALUES (?, ?, 'konsulent-odense', 'consultant', 'jc-odense', ?, ?, ?, 'passer')",
                    [decision_id, datetime(2026, 11, 2, 9, minute), seeker, vacancy, action])  # fmt: skip


def test_the_frame_has_the_world_tables_columns_and_types(ops: OpsStore, world: Store) -> None:
    assert decisions_frame(ops).schema == world.query("SELECT * FROM decisions LIMIT 0").schema


def test_an_accepted_decision_reaches_training_once_copied_and_a_second_copy_adds_nothing(
    ops: OpsStore, writable_world: Store
) -> None:
    seeker = writable_world.query("SELECT min(seeker_id) FROM seekers").item()
    first, second = writable_world.query("SELECT vacancy_id FROM vacancies ORDER BY vacancy_id LIMIT 2")[
        "vacancy_id"].to_list()  # fmt: skip
    _decide(ops, "D-1", seeker, first, "accept", 0)
    _decide(ops, "D-2", seeker, second, "reject", 1)
    _decide(ops, "D-3", seeker, second, "undo", 2)
    before = training_events(writable_world).filter(
        pl.col("source") == "consultant", pl.col("seeker_id") == seeker
    )
    with writable_world.transaction():
        assert copy_decisions_to_world(ops, writable_world) == 3
    with writable_world.transaction():
        assert copy_decisions_to_world(ops, writable_world) == 0, "append-only: copied once"
    assert writable_world.query("SELECT decision_id FROM decisions ORDER BY ts")["decision_id"].to_list() == [
        "D-1", "D-2", "D-3"]  # fmt: skip
    after = training_events(writable_world).filter(
        pl.col("source") == "consultant", pl.col("seeker_id") == seeker
    )
    added = after.join(before, on=after.columns, how="anti")
    assert added.select("vacancy_id", "event").rows() == [(first, "accepted")], (
        "the undone reject teaches nothing"
    )


def test_an_earlier_versions_world_decisions_are_taken_over_once(
    ops: OpsStore, writable_world: Store
) -> None:
    writable_world.execute("INSERT INTO decisions (decision_id, ts, user_id, role, seeker_id, vacancy_id, action) "
                           "VALUES ('D-old', TIMESTAMP '2026-10-01 10:00', 'k', 'consultant', 'P1', 'V1', 'accept')")  # fmt: skip
    writable_world.execute(
        "INSERT INTO employer_marks VALUES ('V1', 'P1', 'hidden', TIMESTAMP '2026-10-01', 'e')"
    )
    writable_world.execute(
        "INSERT INTO contact_request_status VALUES ('D-old', 'seen', TIMESTAMP '2026-10-01', 'k', NULL)"
    )
    assert adopt_world_decisions(ops, writable_world) == 3
    assert adopt_world_decisions(ops, writable_world) == 0
    assert decisions_frame(ops)["decision_id"].to_list() == ["D-old"]
    assert ops.rows("SELECT mark FROM employer_marks") == [("hidden",)]
    assert ops.rows("SELECT status FROM contact_request_status") == [("seen",)]
