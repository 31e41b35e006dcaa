"""The precomputed programme table and the suggestion cache give what the live path gives, audited the same."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from app.workspace import Workspace
from app.workspace.precomputed import SuggestionCache, programme_table, suggestion_cache
from core.settings import Settings
from data.store import Store
from recommender.interventions import InterventionModel, precomputed
from recommender.interventions.precomputed import (
    ProgrammeTable,
    ensure_programme_table,
    extend_programme_table,
)
from tests.app.test_workspace import caseload_of, users


def _build_table(home: Path) -> str:
    settings = Settings(home=home)
    with Store(settings.db_path, read_only=True) as store:
        model = InterventionModel.load(settings.models_dir, data_version=store.data_version)
        return ensure_programme_table(settings, model, store)


def _programme_payload(ws: Workspace, seq: int) -> dict[str, object]:
    record = ws.audit.records("WHERE seq = ?", [seq]).row(0, named=True)
    assert record["kind"] == "programme_suggestions"
    return {"payload": json.loads(record["payload"]), "model": record["model_version"],
            "data": record["data_version"], "subject": record["subject"]}  # fmt: skip


def test_precomputed_programmes_equal_the_live_ones_and_are_audited_alike(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = Workspace.open(Settings(home=home))
    try:
        assert programme_table(live) is None  # nothing built yet: the live path serves
        konsulent = users(live)["konsulent-odense"]
        sids = caseload_of(live, konsulent)[:6]
        expected = {sid: live.programmes(konsulent, sid) for sid in sids}
        drivers = {sid: live.programme_drivers(konsulent, sid, _supported(expected[sid][0])) for sid in sids}
        payloads = {sid: _programme_payload(live, expected[sid][1]) for sid in sids}
    finally:
        live.close()
    assert _build_table(home).startswith("computed")
    assert _build_table(home) == "up to date"  # same model, same data: kept
    ws = Workspace.open(Settings(home=home))

    def live_path(*args: object, **kwargs: object) -> None:
        raise AssertionError("the table should serve; the live path was called")

    monkeypatch.setattr("recommender.interventions.recommend_programmes", live_path)
    monkeypatch.setattr(InterventionModel, "drivers", live_path)
    try:
        table = programme_table(ws)
        assert table is not None and table.serves(ws.interventions, ws.data_version)
        for sid in sids:
            want = expected[sid][0]
            rec, seq = ws.programmes(konsulent, sid)
            assert table.get(sid) is not None
            assert_frame_equal(rec.ranking, want.ranking, check_exact=False, rel_tol=1e-9)
            assert rec.text_da == want.text_da and rec.model_data_version == want.model_data_version
            assert rec.employers.keys() == want.employers.keys()
            for p, frame in want.employers.items():
                assert_frame_equal(rec.employers[p], frame)
            got = ws.programme_drivers(konsulent, sid, _supported(want))
            assert got.keys() == drivers[sid].keys()
            for p, pairs in drivers[sid].items():
                assert [t for t, _ in got[p]] == [t for t, _ in pairs]
                assert [s for _, s in got[p]] == pytest.approx([s for _, s in pairs], rel=1e-9)
            assert _programme_payload(ws, seq) == payloads[sid]
        assert ws.audit.verify().ok
    finally:
        ws.close()


def _supported(rec: object) -> list[str]:
    return rec.ranking.filter(pl.col("supported"))["programme"].to_list()  # type: ignore[attr-defined]


def test_a_table_for_another_model_version_is_not_used(home: Path) -> None:
    _build_table(home)
    settings = Settings(home=home)
    table = ProgrammeTable.load(settings.models_dir)
    with Store(settings.db_path, read_only=True) as store:
        model = InterventionModel.load(settings.models_dir)
        assert table.serves(model, store.data_version)
        assert not table.serves(model, "another-data-version")
        model.version_ = "v-another"
        assert not table.serves(model, store.data_version)
        assert not table.serves(None, store.data_version)


def test_extend_adds_rows_for_new_citizens_and_keeps_the_others(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=home)
    _build_table(home)
    before = ProgrammeTable.load(settings.models_dir)
    gone = before.rows.texts["seeker_id"].to_list()[:3]
    # A table that lacks three citizens stands in for one computed before they were imported.
    precomputed.save_table(settings.models_dir, before.rows.without(gone), before.meta)
    partial = ProgrammeTable.load(settings.models_dir)
    assert all(partial.get(sid) is None for sid in gone)
    computed: list[list[str]] = []
    compute = precomputed.compute_rows

    def spy(model: InterventionModel, store: Store, seeker_ids: list[str], **kw: object) -> object:
        computed.append(list(seeker_ids))
        return compute(model, store, seeker_ids, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(precomputed, "compute_rows", spy)
    with Store(settings.db_path, read_only=True) as store:
        extend_programme_table(settings, store, gone)
    assert computed == [gone]  # only the new citizens are computed
    after = ProgrammeTable.load(settings.models_dir)
    assert after.rows.texts.height == before.rows.texts.height
    for sid in gone:
        got, want = after.get(sid), before.get(sid)
        assert got is not None and want is not None and got.text_da == want.text_da
        assert_frame_equal(got.ranking, want.ranking, check_exact=False, rel_tol=1e-9)
    kept = before.rows.texts["seeker_id"].to_list()[5]
    assert after.get(kept).text_da == before.get(kept).text_da  # type: ignore[union-attr]


def test_cached_suggestions_are_shown_as_computed_and_audited_on_every_display(ws: Workspace) -> None:
    konsulent = users(ws)["konsulent-odense"]
    sid = caseload_of(ws, konsulent)[0]
    first = ws.suggest_vacancies(konsulent, sid, k=5)
    again = ws.suggest_vacancies(konsulent, sid, k=5)
    assert_frame_equal(first.frame, again.frame)
    assert again.audit_seq > first.audit_seq  # every display is its own audit record
    payloads = [json.loads(ws.audit.records("WHERE seq = ?", [s]).row(0, named=True)["payload"])
                for s in (first.audit_seq, again.audit_seq)]  # fmt: skip
    assert payloads[0] == payloads[1]
    # A rejection changes the list at once (the key holds the rejected vacancies).
    top = first.frame["vacancy_id"][0]
    ws.decide(konsulent, sid, "reject", "passer ikke", vacancy_id=top)
    after = ws.suggest_vacancies(konsulent, sid, k=5)
    assert top not in after.frame["vacancy_id"].to_list()


def test_suggestion_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache = SuggestionCache(size=2)
    calls: list[str] = []

    def make(name: str) -> pl.DataFrame:
        calls.append(name)
        return pl.DataFrame({"x": [name]})

    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get(key, lambda key=key: make(key))  # type: ignore[misc]
    assert calls == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came
    assert (cache.hits, cache.misses) == (2, 4)


def test_a_swapped_model_gets_a_fresh_suggestion_cache_and_table_lookup(ws: Workspace) -> None:
    """A release swapped into a running workspace never serves lists or programme rows of the old one."""
    konsulent = users(ws)["konsulent-odense"]
    sid = caseload_of(ws, konsulent)[0]
    ws.suggest_vacancies(konsulent, sid, k=5)
    before = suggestion_cache(ws)
    assert before.misses == 1 and suggestion_cache(ws) is before
    ws._loaded = dataclasses.replace(
        ws._loaded, service=copy.copy(ws.service)
    )  # a swap: an equal, other object
    after = suggestion_cache(ws)
    assert after is not before and (after.hits, after.misses) == (0, 0)
    ws.suggest_vacancies(konsulent, sid, k=5)
    assert after.misses == 1
    assert programme_table(ws) is None  # nothing built in this home
    ws._loaded = dataclasses.replace(ws._loaded, interventions=copy.copy(ws.interventions))
    assert programme_table(ws) is None and ws._programme_table[0] is ws.interventions
