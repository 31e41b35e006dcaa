"""One conformance suite every recommender passes: a tiny world with a known answer, cold start, unknown
ids, empty input, save/load round trip; plus hypothesis properties of rankings and exposure re-ranking."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pydantic import ValidationError

from core.errors import ArtefactError, NotFittedError
from embeddings.lexical import CharEncoderConfig, CharNgramEncoder
from matching.index import IndexParams, VectorIndex
from recommender.base import Recommender
from recommender.baselines import EmbeddingRecommender, PopularityRecommender, SkillOverlapRecommender
from recommender.context import RecContext
from recommender.exposure import spread_exposure
from recommender.gbm import TreeConfig
from recommender.hybrid import HybridConfig, HybridRecommender, load_hybrid, save_hybrid
from recommender.lightfm_model import LightFMConfig, LightFMRecommender
from recommender.signals import SIGNAL_LABELS_DA

SKILLS = {
    "lager": ["truck", "lagerstyring"],
    "pleje": ["personlig_pleje", "forflytning"],
    "kok": ["madlavning", "haccp"],
}


def _world() -> tuple[RecContext, pl.DataFrame]:
    """Three trades; citizens of a trade apply to vacancies of their trade (and have its skills)."""
    seekers, vacancies = [], []
    for t_i, trade in enumerate(SKILLS):
        for j in range(8):
            seekers.append({"seeker_id": f"S-{trade}-{j}", "jobcenter_id": "jc-odense", "postcode": 5000,
                            "lat": 55.39, "lon": 10.38, "isced_level": 3, "experience_years": 4.0,
                            "target_group": "jobparat", "desired_occupations": [f"occ.{trade}"],
                            "skills": SKILLS[trade], "max_commute_km": 20.0, "hours_wanted": 37})  # fmt: skip
            vacancies.append({"vacancy_id": f"V-{trade}-{j}", "employer_id": f"E{t_i}", "occupation_id": f"occ.{trade}",
                              "essential_skills": SKILLS[trade], "optional_skills": [], "min_isced": 2, "postcode": 5000,
                              "lat": 55.39, "lon": 10.38, "hours": 37, "positions": 1,
                              "posted": datetime(2026, 1, 1).date(), "deadline": datetime(2026, 3, 1).date()})  # fmt: skip
    employers = pl.DataFrame({"employer_id": ["E0", "E1", "E2"], "industry": ["lager", "pleje", "kok"],
                              "municipality": ["Odense"] * 3})  # fmt: skip
    ctx = RecContext.from_frames(pl.DataFrame(seekers), pl.DataFrame(vacancies), employers)
    ctx.seeker_vectors = np.repeat(np.eye(3, 8, dtype=np.float32), 8, axis=0)
    ctx.vacancy_vectors = ctx.seeker_vectors.copy()
    # Training history: citizens 0-5 of each trade applied to vacancies 0-5 of their trade.
    rows = [{"seeker_id": f"S-{t}-{i}", "vacancy_id": f"V-{t}-{j}", "gain": 1.0}
            for t in SKILLS for i in range(6) for j in range(6) if (i + j) % 2 == 0]  # fmt: skip
    return ctx, pl.DataFrame(rows)


CTX, POSITIVES = _world()
EVENTS = POSITIVES.with_columns(pl.lit("applied").alias("event"))


def _models() -> list[Recommender]:
    return [
        PopularityRecommender(),
        SkillOverlapRecommender(),
        EmbeddingRecommender(),
        LightFMRecommender(no_components=8, epochs=30),
        LightFMRecommender(loss="bpr", no_components=8, epochs=100, learning_rate=0.1),
        HybridRecommender(LightFMRecommender(no_components=8, epochs=30), negatives_per_user=10),
    ]


@pytest.fixture(scope="module", params=range(6), ids=lambda i: type(_models()[i]).__name__ + str(i))
def fitted(request: pytest.FixtureRequest) -> Recommender:
    model = _models()[request.param]
    return (
        model.fit(CTX, POSITIVES)
        if not isinstance(model, HybridRecommender)
        else model.fit(CTX, POSITIVES, EVENTS)
    )


def test_known_answer_cold_start_items(fitted: Recommender) -> None:
    """Vacancies 6 and 7 of each trade were never applied to: every content-aware model puts the own
    trade's cold vacancies above other trades' for a cold citizen (7) of the same trade. Popularity
    ignores the citizen by design and is held to its own known answer below."""
    if isinstance(fitted, PopularityRecommender):
        return test_popularity_orders_by_history()
    cold = ["V-lager-6", "V-lager-7", "V-kok-6", "V-pleje-7"]
    recs = fitted.recommend(CTX, ["S-lager-7"], CTX.vacancies.rows(cold), k=2)
    assert set(recs["vacancy_id"]) == {"V-lager-6", "V-lager-7"}


def test_popularity_orders_by_history() -> None:
    model = PopularityRecommender().fit(CTX, POSITIVES)
    recs = model.recommend(CTX, ["S-kok-0"], CTX.vacancies.rows(["V-kok-0", "V-kok-7"]), k=2)
    assert recs["vacancy_id"].to_list() == ["V-kok-0", "V-kok-7"]


def test_output_contract(fitted: Recommender) -> None:
    recs = fitted.recommend(CTX, ["S-pleje-1", "S-kok-2"], k=5)
    assert recs.columns == ["seeker_id", "vacancy_id", "rank", "score"]
    for _, group in recs.group_by("seeker_id"):
        assert group["rank"].to_list() == [1, 2, 3, 4, 5]
        assert group["score"].is_sorted(descending=True)
        assert group["vacancy_id"].n_unique() == 5


def test_empty_and_unknown_input(fitted: Recommender) -> None:
    assert fitted.recommend(CTX, [], k=5).height == 0
    assert fitted.recommend(CTX, ["S-kok-1"], np.array([], dtype=np.int64), k=5).height == 0
    assert fitted.recommend(CTX, ["S-kok-1"], k=0).height == 0
    with pytest.raises(KeyError, match="nobody"):
        fitted.recommend(CTX, ["nobody"], k=3)


def test_unfitted_models_refuse() -> None:
    for model in (PopularityRecommender(), LightFMRecommender(), HybridRecommender()):
        with pytest.raises(NotFittedError):
            model.score_matrix(CTX, np.array([0]), np.array([0]))


def test_lightfm_needs_positives() -> None:
    with pytest.raises(ValueError, match="at least one positive"):
        LightFMRecommender().fit(CTX, POSITIVES.head(0))


def test_hybrid_round_trip_and_data_version(tmp_path: Path) -> None:
    model = HybridRecommender(LightFMRecommender(no_components=8, epochs=10), negatives_per_user=10)
    model.fit(CTX, POSITIVES, EVENTS)
    save_hybrid(model, tmp_path, {"data_version": "dv-1"})
    loaded, meta = load_hybrid(tmp_path, data_version="dv-1")
    users, items = np.arange(len(CTX.seekers)), np.arange(len(CTX.vacancies))
    np.testing.assert_allclose(
        loaded.score_matrix(CTX, users, items), model.score_matrix(CTX, users, items), rtol=1e-5
    )
    assert meta["weights"] == model.weights() and loaded.config == model.config
    with pytest.raises(ArtefactError, match="data version dv-1"):
        load_hybrid(tmp_path, data_version="dv-2")
    with pytest.raises(ArtefactError, match="jobmatch build"):
        load_hybrid(tmp_path / "absent")


def test_hybrid_explanation_is_signed_and_adds_up_to_the_score() -> None:
    """Each reason's TreeSHAP contribution, plus the base, is the served score (ln of the reciprocal score);
    a reason may push the score down (a signed contribution, not a share). LightFM's part included."""
    model = HybridRecommender(
        LightFMRecommender(no_components=8, epochs=10), negatives_per_user=10, use_lightfm=True
    )
    model.fit(CTX, POSITIVES, EVENTS)
    user, items = int(CTX.seekers.rows(["S-kok-7"])[0]), np.arange(len(CTX.vacancies))
    rows, base = model.explain_with_base(CTX, user, items)
    score = model.parts(CTX, np.array([user]), items)["score"][0]
    np.testing.assert_allclose([base + sum(r.values()) for r in rows], score, atol=1e-9)
    np.testing.assert_allclose(np.log(model.parts(CTX, np.array([user]), items)["reciprocal"][0]), score)
    assert "lightfm" in rows[0] and set(rows[0]) <= set(SIGNAL_LABELS_DA)
    assert min(min(r.values()) for r in rows) < 0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 15)), elements=st.floats(-5, 5)),
       st.integers(1, 20), st.floats(0, 3))  # fmt: skip
def test_exposure_reranking_properties(scores: np.ndarray, k: int, strength: float) -> None:
    top = spread_exposure(scores, k, strength=strength)
    kk = min(k, scores.shape[1])
    assert top.shape == (scores.shape[0], kk)
    for row in top:
        assert len(set(row.tolist())) == kk and row.min() >= 0 and row.max() < scores.shape[1]
    plain = spread_exposure(scores, k, strength=0.0)
    np.testing.assert_array_equal(plain, np.argsort(-scores, axis=1, kind="stable")[:, :kk])


def test_exposure_reranking_spreads_load() -> None:
    scores = np.tile(np.linspace(1.0, 0.0, 20), (50, 1))  # everyone prefers the same vacancies
    plain, spread = spread_exposure(scores, 3, strength=0.0), spread_exposure(scores, 3, strength=2.0)
    assert len(np.unique(plain)) == 3 and len(np.unique(spread)) > 10


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(CTX.seekers.ids.tolist()), min_size=1, max_size=5, unique=True),
    st.integers(1, 30),
)
def test_recommend_invariants(seekers: list[str], k: int) -> None:
    model = SkillOverlapRecommender().fit(CTX, POSITIVES)
    recs = model.recommend(CTX, seekers, k=k)
    assert recs.height == len(seekers) * min(k, len(CTX.vacancies))
    assert set(recs["seeker_id"]) == set(seekers)
    assert recs.group_by("seeker_id").agg(pl.col("vacancy_id").n_unique().alias("n"))["n"].min() == min(k, 24)


def test_accepted_decisions_flow_back_as_positives(writable_world) -> None:  # type: ignore[no-untyped-def]
    from data.interactions import positives, training_events

    seeker = writable_world.query("SELECT seeker_id FROM seekers LIMIT 1")["seeker_id"][0]
    vacancy = writable_world.query("SELECT vacancy_id FROM vacancies LIMIT 1")["vacancy_id"][0]
    before = positives(training_events(writable_world))
    writable_world.execute(
        "INSERT INTO decisions (decision_id, ts, user_id, role, seeker_id, vacancy_id, action, reason) "
        "VALUES ('d1', TIMESTAMP '2026-10-30 10:00', 'konsulent-1', 'consultant', ?, ?, 'accept', 'god match')",
        [seeker, vacancy],
    )
    after = positives(training_events(writable_world))
    pair = after.filter((pl.col("seeker_id") == seeker) & (pl.col("vacancy_id") == vacancy))
    earlier = before.filter((pl.col("seeker_id") == seeker) & (pl.col("vacancy_id") == vacancy))[
        "gain"
    ].to_list()
    assert pair["gain"].to_list() == [max([2.0, *earlier])]  # an accept counts like an interview


# --- configs: one pydantic config per model, saved with it ------------------------------------------------

CONFIGS = {
    "lightfm": LightFMConfig(loss="bpr", no_components=8, epochs=100, learning_rate=0.1),
    "hybrid": HybridConfig(lightfm=LightFMConfig(no_components=8, epochs=10), negatives_per_user=10, seed=3),
    "trees": TreeConfig(objective="binary", trees=20, leaves=7),
    "char encoder": CharEncoderConfig(dim=16, seed=2),
    "index": IndexParams(hnsw_m=16, ivf_nlist=8, ivf_nprobe=4),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_config_round_trips_and_refuses_unknown_keys(name: str) -> None:
    config = CONFIGS[name]
    kind = type(config)
    assert kind(**config.model_dump()) == config
    assert kind.model_validate_json(config.model_dump_json()) == config
    assert kind() == kind.model_validate({})  # defaults are the config's, not a caller's
    with pytest.raises(ValidationError, match="colour"):
        kind(**config.model_dump(), colour="blue")
    with pytest.raises(ValidationError):
        config.__setattr__(next(iter(kind.model_fields)), None)  # frozen


def test_keyword_overrides_are_validated_into_the_config() -> None:
    assert LightFMRecommender(epochs=5).config == LightFMConfig(epochs=5)
    assert CharNgramEncoder(dim=16).config == CharEncoderConfig(dim=16)
    hybrid = HybridRecommender(LightFMRecommender(no_components=8), negatives_per_user=7)
    assert hybrid.config == HybridConfig(lightfm=LightFMConfig(no_components=8), negatives_per_user=7)
    with pytest.raises(ValidationError):
        LightFMRecommender(epoch=5)  # a typo is refused, not silently ignored
    with pytest.raises(ValidationError):
        HybridRecommender(negatives=7)


def test_default_configs_keep_the_former_defaults() -> None:
    """Results must not move unnoticed: the defaults (the hybrid's since it learns with trees)."""
    assert LightFMConfig().model_dump() == {"loss": "warp", "use_features": True, "no_components": 32,
                                            "epochs": 30, "learning_rate": 0.05, "alpha": 1e-6, "seed": 0,
                                            "threads": 1}  # fmt: skip
    trees = {"trees": 60, "learning_rate": 0.15, "leaves": 7, "min_leaf": 40, "feature_fraction": 0.9, "l2": 1.0,
             "threads": 1, "seed": 0}  # fmt: skip
    assert HybridConfig().model_dump(exclude={"lightfm"}) == {
        "use_lightfm": False, "negatives_per_user": 50, "ranker_windows": 5, "negatives_from": "served",
        "max_ranker_citizens": 12_000, "seen_negatives": False,
        "seed": 0,
        "apply_trees": {"objective": "lambdarank", **trees},
        "employer_trees": {"objective": "binary", **trees},
    }  # fmt: skip
    assert CharEncoderConfig().model_dump() == {
        "dim": 256,
        "svd_iterations": 5,
        "seed": 0,
        "svd_sample": 30_000,
    }


def _scores(model: Recommender) -> np.ndarray:
    return model.score_matrix(CTX, np.arange(len(CTX.seekers)), np.arange(len(CTX.vacancies)))


def test_saved_models_come_back_with_equal_config_and_scores(fitted: Recommender, tmp_path: Path) -> None:
    """Every model the suite covers that has settings is saved with its config. The baselines have no
    settings and the product never saves them (popularity refits in milliseconds, the others are pure
    functions of the context), so for them there is nothing to round-trip."""
    if isinstance(fitted, HybridRecommender):
        save_hybrid(fitted, tmp_path, {"data_version": "dv"})
        loaded, _ = load_hybrid(tmp_path, data_version="dv")
        assert loaded.config == fitted.config and loaded.lightfm.config == fitted.lightfm.config
        np.testing.assert_allclose(_scores(loaded.lightfm), _scores(fitted.lightfm), rtol=1e-5)
    elif isinstance(fitted, LightFMRecommender):
        # The LightFM part is saved the way save_hybrid saves it: arrays in a no-pickle .npz, config as JSON.
        np.savez(tmp_path / "lightfm.npz", allow_pickle=False, **fitted.to_arrays())
        with np.load(tmp_path / "lightfm.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        config = LightFMConfig.model_validate_json(fitted.config.model_dump_json())
        loaded = LightFMRecommender.from_arrays(arrays, config)
        assert loaded.config == fitted.config and loaded.name == fitted.name
    else:
        assert not hasattr(fitted, "config")
        return
    np.testing.assert_allclose(_scores(loaded), _scores(fitted), rtol=1e-5)


def test_char_encoder_comes_back_with_equal_config_and_vectors(tmp_path: Path) -> None:
    texts = [*(f"{t} {s}" for t, skills in SKILLS.items() for s in skills), "lagerarbejder", "kok"]
    encoder = CharNgramEncoder(CharEncoderConfig(dim=8)).fit(texts, seed=1)
    assert encoder.config == CharEncoderConfig(dim=8, seed=1)  # the seed used is recorded
    encoder.save(tmp_path)
    loaded = CharNgramEncoder.load(tmp_path)
    assert loaded.config == encoder.config and loaded.model_id == encoder.model_id
    np.testing.assert_allclose(loaded.encode(texts), encoder.encode(texts), atol=1e-6)


def test_index_comes_back_with_equal_params_and_answers(tmp_path: Path) -> None:
    vectors = CTX.seeker_vectors
    assert vectors is not None
    params = IndexParams(hnsw_m=8, hnsw_ef_search=32)
    index = VectorIndex.build(vectors, CTX.seekers.ids.tolist(), kind="hnsw", params=params)
    index.save(tmp_path, model_id="tiny", data_version="dv")
    loaded, manifest = VectorIndex.load(tmp_path, model_id="tiny", data_version="dv")
    assert loaded.params == params and IndexParams(**manifest.params) == params
    for (s1, i1), (s2, i2) in [(index.search(vectors, 5), loaded.search(vectors, 5))]:
        np.testing.assert_allclose(s1, s2)
        assert i1.tolist() == i2.tolist()


def _fields(ctx: RecContext) -> dict[str, Any]:
    """A context's constructor arguments (not its cached properties, which ``vars`` would include)."""
    return {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}


def test_a_new_context_never_gets_another_contexts_representations() -> None:
    """The representation cache was keyed by ``id(ctx)``: a context that reused a dead one's id got the dead
    one's representations. Here each new context takes the freed id of a scored one whose seekers are in
    another order, so stale rows would score the wrong citizens."""
    model = LightFMRecommender(no_components=8, epochs=10).fit(CTX, POSITIVES)
    names = ["S-kok-3", "S-lager-1", "S-pleje-7"]
    expected = model.score_matrix(CTX, CTX.seekers.rows(names), np.arange(24))
    reused = 0
    for shift in range(1, 6):
        seekers = CTX.seekers_frame[shift:].vstack(CTX.seekers_frame[:shift])
        parts = _fields(RecContext.from_frames(seekers, CTX.vacancies_frame, CTX.employers_frame))
        old = RecContext(**_fields(CTX))
        model.score_matrix(old, np.array([0]), np.array([0]))  # caches the old order
        old_id = id(old)
        del old
        new = RecContext(**parts)  # built right after the free, so CPython hands it the same address
        reused += id(new) == old_id
        np.testing.assert_allclose(model.score_matrix(new, new.seekers.rows(names), np.arange(24)), expected,
                                   rtol=1e-5)  # fmt: skip
    assert reused > 0, "no id was reused: the test did not exercise the stale-cache case"
