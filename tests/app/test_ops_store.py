"""The operations store on both backends (embedded SQLite, PostgreSQL): the hash chain stays whole with two
processes appending at once, purges stay correct, and an earlier version's ops.duckdb is copied over whole."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from app.audit import Actor, AuditLog
from app.ops import OpsStore
from app.ops_migrate import MIGRATED_KEY

PER_PROCESS = 150
THREADS = 3


def _append_many(target: str, writer: str, start: Any) -> None:
    """One OS process: its own store, THREADS threads appending PER_PROCESS records in all."""
    import threading

    with OpsStore(target) as ops:
        log = AuditLog(ops)
        start.wait(60)  # both processes open their store first, then append at once

        def run(thread: int) -> None:
            for i in range(thread, PER_PROCESS, THREADS):
                log.append(Actor(writer, "consultant"), "vacancy_suggestions", subject=f"{writer}-{i}",
                           payload={"writer": writer, "i": i})  # fmt: skip

        workers = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()


@pytest.fixture()
def ops(ops_target: str) -> Iterator[OpsStore]:
    with OpsStore(ops_target) as store:
        yield store


def test_two_processes_appending_at_once_keep_one_whole_chain(ops: OpsStore, ops_target: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(3)
    procs = [ctx.Process(target=_append_many, args=(ops_target, w, start)) for w in ("a", "b")]
    for p in procs:
        p.start()
    start.wait(60)
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    log = AuditLog(ops)
    rows = log.records()
    assert rows["seq"].to_list() == list(range(1, 2 * PER_PROCESS + 1)), "contiguous, none given out twice"
    subjects = rows["subject"].to_list()
    assert sorted(subjects) == sorted(f"{w}-{i}" for w in "ab" for i in range(PER_PROCESS)), "each once"
    if (
        ops.backend.postgres
    ):  # advisory locks queue their waiters; SQLite's busy handler lets one process run on
        writers = rows["user_id"].to_list()
        switches = sum(a != b for a, b in pairwise(writers))
        assert switches >= 2, "the two processes really appended at the same time"
    result = log.verify()
    assert result.ok and result.records == 2 * PER_PROCESS
    deleted = log.purge(Actor("admin", "admin"), retention_days=183, now=datetime.now() + timedelta(days=400))
    assert deleted == 2 * PER_PROCESS and log.verify().ok and log.count() == 1


def test_upserts_and_typed_frames_read_the_same_on_both_backends(ops: OpsStore) -> None:
    ops.set_meta("k", "1")
    ops.set_meta("k", "2")
    assert ops.meta("k") == "2"
    ops.set_switch("recommendations", False, "admin", "test")
    frame = ops.query("SELECT name, enabled, changed_at FROM switches")
    assert frame.schema == pl.Schema(
        {"name": pl.String, "enabled": pl.Boolean, "changed_at": pl.Datetime("us")}
    )
    assert frame.row(0)[:2] == ("recommendations", False)
    empty = ops.query("SELECT seeker_id, due FROM follow_ups")
    assert empty.height == 0 and empty.schema == pl.Schema({"seeker_id": pl.String, "due": pl.Date})
    computed = ops.query("SELECT max(changed_at) AS last FROM switches", schema={"last": pl.Datetime("us")})
    assert computed["last"][0] == frame["changed_at"][0]


# The operations store of earlier versions (DuckDB), as it was created.
LEGACY_SCHEMA = """
CREATE TABLE ops_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE users (user_id VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
    jobcenter_id VARCHAR, employer_id VARCHAR, password_hash VARCHAR, oidc_email VARCHAR,
    active BOOLEAN NOT NULL DEFAULT TRUE, demo BOOLEAN NOT NULL DEFAULT FALSE, team VARCHAR,
    team_lead BOOLEAN DEFAULT FALSE);
CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, ts TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL, jobcenter_id VARCHAR, kind VARCHAR NOT NULL, subject VARCHAR, model_version VARCHAR,
    data_version VARCHAR, payload VARCHAR NOT NULL, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL);
CREATE TABLE switches (name VARCHAR PRIMARY KEY, enabled BOOLEAN NOT NULL, changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL, reason VARCHAR NOT NULL);
CREATE TABLE caseload (seeker_id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, team VARCHAR,
    assigned_at TIMESTAMP NOT NULL, assigned_by VARCHAR NOT NULL);
CREATE TABLE follow_ups (seeker_id VARCHAR PRIMARY KEY, due DATE NOT NULL, set_by VARCHAR NOT NULL,
    set_at TIMESTAMP NOT NULL);
"""


def _legacy_store(tmp_path: Path, tamper: bool = False) -> tuple[Path, str]:
    """An ops.duckdb with a user, a switch and a purged, verified chain; returns it and its head hash."""
    with OpsStore(tmp_path / "scratch.sqlite") as scratch:
        log = AuditLog(scratch)
        t0 = datetime(2026, 1, 5, 9, 0, 0, 123456)
        for i in range(5):
            log.append(Actor("k", "consultant"), "view", subject=f"P-{i}", ts=t0 + timedelta(days=100 * i))
        log.purge(Actor("admin", "admin"), retention_days=183, now=t0 + timedelta(days=450))
        scratch.set_switch("recommendations", False, "admin", "pause")
        head = log.verify().head
        tables = {t: scratch.query(f"SELECT * FROM {t}") for t in ("ops_meta", "audit_log", "switches")}
    path = tmp_path / "ops.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(LEGACY_SCHEMA)
        for name, frame in tables.items():
            con.register("incoming", frame.to_arrow())
            con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
            con.unregister("incoming")
        con.execute("INSERT INTO users (user_id, display_name, role) VALUES ('k', 'K', 'consultant')")
        if tamper:
            con.execute("UPDATE audit_log SET subject = 'P-x' WHERE seq = 4")
    return path, head


def test_an_earlier_ops_duckdb_is_copied_over_once_with_its_chain_verified(
    ops_target: str, tmp_path: Path
) -> None:
    legacy, head = _legacy_store(tmp_path)
    key = duckdb.connect(str(legacy), read_only=True).execute(
        "SELECT value FROM ops_meta WHERE key = 'pseudonym_key'").fetchall()[0][0]  # fmt: skip
    with OpsStore(ops_target, legacy=legacy) as ops:
        assert ops.notices and "chain verified" in ops.notices[0] and "3 audit records" in ops.notices[0]
        result = AuditLog(ops).verify()
        assert result.ok and result.head == head and result.purges == 1
        assert ops.meta("pseudonym_key") == key, "employer pseudonyms stay the same"
        assert not ops.switch_enabled() and ops.rows("SELECT user_id FROM users") == [("k",)]
        assert ops.meta(MIGRATED_KEY) == str(legacy)
        AuditLog(ops).append(Actor("k", "consultant"), "view")
    with OpsStore(ops_target, legacy=legacy) as again:
        assert not again.notices and AuditLog(again).count() == 4 and AuditLog(again).verify().ok


def test_a_broken_chain_is_not_copied_over(tmp_path: Path) -> None:
    legacy, _ = _legacy_store(tmp_path, tamper=True)
    with pytest.raises(Exception, match="did not keep the audit chain"):
        OpsStore(tmp_path / "ops.sqlite", legacy=legacy)


def test_threads_that_finished_hand_their_connection_on(ops: OpsStore) -> None:
    """Streamlit runs each page rerun in a new thread: connections are reused, not one per thread ever seen."""
    import threading

    before = ops.backend.connections
    for _ in range(20):
        t = threading.Thread(target=lambda: ops.set_meta("rerun", "x"))
        t.start()
        t.join()
    assert ops.backend.connections <= before + 1
    assert ops.meta("rerun") == "x"
