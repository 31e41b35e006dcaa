"""Building indexes from the store: full first, incremental after changes, refusing stale indexes."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from core.errors import ArtefactError
from core.settings import Settings
from data.store import Store
from matching.build import build_indexes
from matching.retrieval import Matcher, MatchFilters


def test_incremental_update_after_import(world_path: Path, tmp_path: Path) -> None:
    shutil.copy(world_path, tmp_path / "jobmatch.duckdb")
    settings = Settings(home=tmp_path, encoder="char")
    first = build_indexes(settings)
    assert first["vacancies"]["mode"] == "full" and first["vacancies"]["count"] == 400

    with Store(settings.db_path, read_only=False) as store:
        vac = store.table("vacancies")
        new = vac.head(1).with_columns(
            pl.lit("V-NEW").alias("vacancy_id"), pl.lit("open").alias("status"),
            pl.lit("Helt ny stilling som kranfører på havnen").alias("description"),
            pl.lit(store.reference_date() + timedelta(days=30)).alias("deadline"),  # open: deadline ahead
        )  # fmt: skip
        changed_id, closed_id = vac["vacancy_id"][1], vac.filter(pl.col("status") == "open")["vacancy_id"][0]
        with store.transaction():
            store.insert("vacancies", new)
            store.execute("UPDATE vacancies SET description = description || ' Opdateret.' WHERE vacancy_id = ?",
                          [changed_id])  # fmt: skip
            store.execute("UPDATE vacancies SET status = 'closed' WHERE vacancy_id = ?", [closed_id])
            store.bump_data_version()

    with Store(settings.db_path) as store, pytest.raises(ArtefactError, match="data version"):
        Matcher.open(settings, store)  # the old index is stale for the new data version

    second = build_indexes(settings)
    assert second["vacancies"]["mode"] == "incremental"
    assert (second["vacancies"]["upserted"], second["vacancies"]["encoded"]) == (2, 2)
    assert second["seekers"]["upserted"] == 0 and second["seekers"]["encoded"] == 0
    assert second["vacancies"]["count"] == 401

    with Store(settings.db_path) as store:
        matcher = Matcher.open(settings, store)
        everywhere = MatchFilters(max_distance_km=1_000, hours_tolerance=60)
        seeker = matcher.seekers.frame.row(0, named=True)
        ids = matcher.vacancies_for_seeker(seeker, k=500, filters=everywhere)["vacancy_id"].to_list()
        assert "V-NEW" in ids and closed_id not in ids
        assert matcher.vacancies.index.hash_of(changed_id) != ""
