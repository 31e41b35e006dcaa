"""The store: migrations, one writer, read-only readers, atomic whole-world replacement."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from core.errors import StoreError
from data.schema import LATEST_VERSION, MIGRATIONS
from data.store import Store, migrate, replace_atomically
from data.taxonomy import load_builtin


def test_new_store_is_migrated_to_latest(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb", read_only=False) as store:
        assert store.schema_version() == LATEST_VERSION
        assert {"seekers", "seeker_protected", "vacancies", "interactions", "decisions"} <= set(
            store.tables()
        )
        assert migrate(store.con) == []  # idempotent: nothing pending


def test_migrations_are_numbered_consecutively() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_missing_store_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="jobmatch generate"):
        Store(tmp_path / "absent.duckdb")


def test_read_only_store_refuses_writes(world: Store) -> None:
    with pytest.raises(StoreError, match="read-only"):
        world.set_meta("x", "y")
    with pytest.raises(duckdb.Error):
        world.con.execute("DELETE FROM seekers")


def test_older_schema_is_refused_for_reading_and_upgraded_by_writer(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    con.close()
    with pytest.raises(StoreError, match="schema version 0"):
        Store(path, read_only=True)
    with Store(path, read_only=False) as store:
        assert store.schema_version() == LATEST_VERSION


def test_transaction_rolls_back_everything(writable_world: Store) -> None:
    before = writable_world.count("employers"), writable_world.data_version
    row = writable_world.table("employers").head(1).with_columns(pl.lit("E-NEW").alias("employer_id"))
    with pytest.raises(RuntimeError), writable_world.transaction():
        writable_world.insert("employers", row)
        writable_world.bump_data_version()
        raise RuntimeError("boom")
    assert (writable_world.count("employers"), writable_world.data_version) == before


def test_replace_atomically_keeps_old_store_on_failure(world_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    target.write_bytes(world_path.read_bytes())
    with pytest.raises(ValueError), replace_atomically(target) as store:
        store.insert_taxonomy(load_builtin())
        raise ValueError("crash while building")
    with Store(target) as store:
        assert store.count("seekers") == 800
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # no temp files left


def test_replace_atomically_swaps_in_new_store(tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    with replace_atomically(target) as store:
        store.set_meta("marker", "new")
    with Store(target) as store:
        assert store.meta("marker") == "new"


def test_taxonomy_round_trips_through_store(tmp_path: Path) -> None:
    builtin = load_builtin()
    with Store(tmp_path / "t.duckdb", read_only=False) as store:
        store.save_taxonomy(builtin)
        store.save_taxonomy(builtin)  # replacing, not duplicating
        loaded = store.load_taxonomy("builtin")
        with pytest.raises(StoreError, match="import-esco"):
            store.load_taxonomy("esco")
    assert loaded.summary() == builtin.summary()
    assert loaded.occupations.sort("occupation_id").equals(builtin.occupations.sort("occupation_id"))


def test_replace_atomically_discards_a_stale_wal_of_the_old_file(world_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    target.write_bytes(world_path.read_bytes())
    (tmp_path / "w.duckdb.wal").write_bytes(b"left by a crashed writer of the old file")
    with replace_atomically(target) as store:
        store.set_meta("marker", "fresh")
    with Store(target) as store:
        assert store.meta("marker") == "fresh"
