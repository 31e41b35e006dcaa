"""The audit log's hash chain: any change, removal or reordering is found; purges are not tampering."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.access import Directory, Role, User, hash_password, verify_password
from app.audit import GENESIS, Actor, AuditLog
from app.ops import OpsStore
from cli.app import app

ACTOR = Actor("konsulent-odense", "consultant", "jc-odense")
T0 = datetime(2026, 1, 5, 9, 0)


@pytest.fixture()
def ops(ops_target: str) -> Iterator[OpsStore]:
    """An operations store on each backend (embedded SQLite, PostgreSQL)."""
    with OpsStore(ops_target) as store:
        yield store


def fill(log: AuditLog, n: int = 6) -> None:
    for i in range(n):
        log.append(ACTOR, "vacancy_suggestions", subject=f"P-{i}", payload={"ranked": [f"V{i}", "V9"], "i": i},
                   model_version="m1", data_version="d1", ts=T0 + timedelta(days=30 * i))  # fmt: skip


def test_intact_chain_verifies_and_links_each_record_to_the_one_before(ops: OpsStore) -> None:
    log = AuditLog(ops)
    assert log.verify().ok and log.verify().records == 0
    fill(log)
    result = log.verify()
    assert result.ok and result.records == 6
    rows = log.records()
    assert rows["seq"].to_list() == [1, 2, 3, 4, 5, 6]
    assert rows["prev_hash"][0] == GENESIS
    assert rows["prev_hash"].to_list()[1:] == rows["hash"].to_list()[:-1]
    assert result.head == rows["hash"][-1]


@pytest.mark.parametrize(
    ("sql", "params", "bad_seq", "problem"),
    [
        ('UPDATE audit_log SET payload = \'{"ranked":["V0"]}\' WHERE seq = 3', [], 3, "content"),
        ("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 1", [], 1, "content"),
        ("UPDATE audit_log SET ts = ? WHERE seq = 6", [T0 + timedelta(days=150, seconds=1)], 6, "content"),
        ("DELETE FROM audit_log WHERE seq = 4", [], 5, "missing"),
        ("DELETE FROM audit_log WHERE seq = 1", [], 2, "link"),
        ("UPDATE audit_log SET seq = 10 + seq WHERE seq IN (2, 3)", [], 4, "missing"),
    ],
)
def test_tampering_is_detected_at_the_first_bad_record(
    ops: OpsStore, sql: str, params: list[object], bad_seq: int, problem: str
) -> None:
    log = AuditLog(ops)
    fill(log)
    with ops.write() as cur:
        cur.execute(sql, params)
    result = log.verify()
    assert not result.ok and result.first_bad_seq == bad_seq and problem in result.problem


def test_rewriting_a_record_and_its_hash_still_breaks_the_next_link(ops: OpsStore) -> None:
    log = AuditLog(ops)
    fill(log)
    with ops.write() as cur:
        cur.execute("UPDATE audit_log SET hash = ? WHERE seq = 2", ["a" * 64])
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 2


def test_retention_purge_deletes_the_oldest_and_is_itself_logged(ops: OpsStore) -> None:
    log = AuditLog(ops)
    fill(log)  # records at T0 + 0, 30, ..., 150 days
    now = T0 + timedelta(days=150 + 200)
    deleted = log.purge(Actor("admin", "admin"), retention_days=260, now=now)  # cutoff T0 + 90 days
    assert deleted == 3
    rows = log.records()
    assert rows["seq"].to_list() == [4, 5, 6, 7] and rows["kind"][-1] == "retention_purge"
    result = log.verify()
    assert result.ok and result.purges == 1
    assert log.purge(Actor("admin", "admin"), retention_days=260, now=now) == 0
    # Deleting the oldest record by hand looks like a purge that was never logged.
    with ops.write() as cur:
        cur.execute("DELETE FROM audit_log WHERE seq = 4")
        cur.execute("UPDATE ops_meta SET value = (SELECT hash FROM audit_log WHERE seq = 4 UNION ALL "
                    "SELECT prev_hash FROM audit_log WHERE seq = 5 LIMIT 1) WHERE key = 'audit_anchor'")  # fmt: skip
    assert not log.verify().ok


def test_cli_verify_exits_1_on_tampering(tmp_path: Path) -> None:
    runner = CliRunner()
    with OpsStore(tmp_path / "ops.sqlite") as ops:
        fill(AuditLog(ops))
    ok = runner.invoke(app, ["--home", str(tmp_path), "audit", "verify"])
    assert ok.exit_code == 0 and "6 records" in ok.output
    with OpsStore(tmp_path / "ops.sqlite") as ops, ops.write() as cur:
        cur.execute("UPDATE audit_log SET subject = 'P-x' WHERE seq = 2")
    bad = runner.invoke(app, ["--home", str(tmp_path), "audit", "verify"])
    assert bad.exit_code == 1 and "record 2" in bad.output


def test_passwords_are_salted_and_checked_in_constant_time(ops: OpsStore) -> None:
    a, b = hash_password("demo"), hash_password("demo")
    assert a != b and verify_password("demo", a) and verify_password("demo", b)
    assert (
        not verify_password("Demo", a)
        and not verify_password("demo", None)
        and not verify_password("demo", "x")
    )
    directory = Directory(ops)
    user = User("k1", "K", Role.CONSULTANT, "jc-odense")
    directory.add(user, password="s3cret", oidc_email="K1@kommune.dk")
    assert directory.authenticate("k1", "s3cret") == user
    assert directory.by_email("k1@KOMMUNE.dk") == user
    directory.add(User("d1", "Demo", Role.ANALYST), password="demo", demo=True)
    assert [u.user_id for u in directory.users(demo_only=True)] == ["d1"]
    assert directory.authenticate("d1", "demo") is not None
    assert directory.authenticate("d1", "demo", allow_demo=False) is None, "demo accounts off in production"
    with ops.write() as cur:
        cur.execute("UPDATE users SET active = FALSE WHERE user_id = 'k1'")
    assert directory.get("k1") is None and directory.authenticate("k1", "s3cret") is None
