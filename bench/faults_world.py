"""The fault harness's world: a small home published as releases, a probe citizen, and what serving shows.

Serving is read the way the product reads it (``app.workspace.base.load_release``: the live release pinned,
its world read-only, models that may be trained on an earlier data version), so a refusal the harness sees
is one a consultant would see.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.settings import Settings, load_settings, writing_release
from data import columns as C
from data.schema import IMPORTABLE
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store

SIDES = ("vacancies", "seekers")


@dataclass(frozen=True)
class Probe:
    seeker_id: str
    vacancy_id: str


def settings_for(home: Path) -> Settings:
    """The harness's settings for ``home``, pinned to the release live now (one process, one release)."""
    return load_settings(
        home=home, db_file="jobmatch.duckdb", encoder="char", index_kind="auto", seed=0
    ).pinned()


def write_config(path: Path) -> Path:
    path.write_text('encoder = "char"\nindex_kind = "auto"\nseed = 0\ndb_file = "jobmatch.duckdb"\n')
    return path


def table_checksums(store: Store) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every row, per importable table."""
    out = {}
    for name in IMPORTABLE:
        n, digest = store.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{name}" t')[0]
        out[name] = (int(n), int(digest))
    return out


# --- what a consultant sees ---------------------------------------------------------------------------


def answer(loaded: Any, probe: Probe) -> dict[str, Any]:
    """The probe's answers from one loaded release (``app.workspace.base.Loaded``): match both ways,
    recommend, programmes; a model the release could not load is the refusal a consultant would get."""
    from recommender.interventions import recommend_programmes

    out: dict[str, Any] = {"release": loaded.release, "data_version": loaded.data_version, "trained on": {}}
    refused = "; ".join(loaded.problems)
    service = loaded.service
    if service is not None:  # which data each model was trained on: what tells a build's release apart
        out["trained on"]["hybrid"] = str(service.meta.get("data_version", ""))
    if loaded.interventions is not None:
        out["trained on"]["programmes"] = str(loaded.interventions.data_version_)
    if service is None:
        out["match"] = out["recommend"] = f"refused: {refused}"
    else:
        v = service.matcher.vacancies_for_seeker(probe.seeker_id, 10)
        s = service.matcher.seekers_for_vacancy(probe.vacancy_id, 10)
        out["match"] = [*_pairs(v, C.VACANCY_ID, "similarity", 5), *_pairs(s, C.SEEKER_ID, "similarity", 5)]
        out["recommend"] = _pairs(service.for_seeker(probe.seeker_id, 10), C.VACANCY_ID, "reciprocal", 6)
    if loaded.interventions is None:
        out["programmes"] = f"refused: {refused}"
    else:
        rec = recommend_programmes(
            loaded.interventions, loaded.cursor(), probe.seeker_id, taxonomy=loaded.taxonomy
        )
        out["programmes"] = _pairs(rec.ranking, C.PROGRAMME, "effect", 6)
    normalised: dict[str, Any] = normal(out)
    return normalised


def _pairs(frame: pl.DataFrame, key: str, score: str, digits: int) -> list[tuple[str, float]]:
    return list(zip(frame[key].to_list(), np.round(frame[score].to_numpy(), digits).tolist(), strict=True))


def normal(value: Any) -> Any:
    """``value`` as it reads after a JSON round trip (tuples become lists), so answers compare across
    processes."""
    return json.loads(json.dumps(value))


def serve(settings: Settings, probe: Probe) -> dict[str, Any]:
    """What a freshly started reader of ``settings``' home sees: the live release, loaded as the product
    loads it."""
    from app.workspace.base import load_release

    loaded = load_release(settings.pinned())
    try:
        return answer(loaded, probe)
    finally:
        loaded.world.close()


def verify_artefacts(settings: Settings) -> list[str]:
    """Every live pointer of the release names a complete version that passes its own checks (whatever its
    data version)."""
    from core.errors import ArtefactError
    from matching.index import VectorIndex
    from recommender.hybrid import load_hybrid
    from recommender.interventions import InterventionModel
    from recommender.service import model_root

    problems = []
    for side in SIDES:
        try:
            VectorIndex.load(settings.indexes_dir / side)
        except ArtefactError as exc:
            problems.append(f"{side} index unusable: {exc}")
    try:
        load_hybrid(model_root(settings))
    except ArtefactError as exc:
        problems.append(f"model unusable: {exc}")
    try:
        InterventionModel.load(settings.models_dir)
    except ArtefactError as exc:
        problems.append(f"intervention model unusable: {exc}")
    return problems


# --- preparing the world ------------------------------------------------------------------------------


def import_file_rows(store: Store, rows: int) -> pl.DataFrame:
    """A valid seekers file: the world's seekers again under new ids, as many rows as asked for; each
    profile text gets its own last sentence, so the refresh has every one of them to embed."""
    seekers = store.table("seekers")
    reps = -(-rows // seekers.height)
    frame = pl.concat([seekers] * reps).head(rows)
    frame = frame.with_columns(
        pl.Series(C.SEEKER_ID, [f"IMP{i:07d}" for i in range(rows)]),
        pl.col("profile_text") + pl.Series([f" Henvist i uge {i % 52 + 1}, sag {i}." for i in range(rows)]),
    )
    return frame.with_columns(
        [pl.col(c).list.join("|") for c, t in frame.schema.items() if isinstance(t, pl.List)]
    )


def prepare(base: Path, size: WorldSize, import_rows: int, say: Callable[[str], None]) -> dict[str, Any]:
    """A home with two releases (generated, then built as `jobmatch build` builds), an import file and a
    probe citizen with matches."""
    from app.refresh import build_fingerprint, record_build
    from matching.build import build_indexes
    from recommender.interventions import load_or_fit
    from recommender.service import train_and_save

    base.mkdir(parents=True)
    say("generating the world")
    home = load_settings(home=base, db_file="jobmatch.duckdb", encoder="char", index_kind="auto", seed=0)
    with writing_release(home, what="generate", fresh=True) as w:
        generate_store(w.db_path, size, show_progress=False)
    say("building indexes and the models")
    with writing_release(home, what="build") as w:
        fingerprint = build_fingerprint(w)
        build_indexes(w)
        train_and_save(w, seed=0)
        with Store(w.db_path) as store:
            load_or_fit(w.models_dir, store)
        record_build(w, fingerprint)
    settings = settings_for(base)
    import_path = base.parent / "import_seekers.csv"
    with Store(settings.db_path, read_only=True) as store:
        import_file_rows(store, import_rows).write_csv(import_path)
    return {"import_path": import_path, "probe": find_probe(settings)}


def find_probe(settings: Settings) -> Probe:
    from matching.retrieval import Matcher

    with Store(settings.db_path, read_only=True) as store:
        matcher = Matcher.open(settings, store)
        for sid in store.table("seekers").sort(C.SEEKER_ID)[C.SEEKER_ID].to_list():
            found = matcher.vacancies_for_seeker(sid, 10)
            if found.height >= 3:
                return Probe(sid, found[C.VACANCY_ID][0])
    raise RuntimeError("no seeker in the fault world has three matches; use a larger world")
