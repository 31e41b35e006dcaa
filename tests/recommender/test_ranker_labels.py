"""Which events teach the ranker what: an application the employer turned down ('rejected') is still an
application (a positive for the citizen side, a negative for the callback side); only a consultant's
decision to reject a suggestion is a veto."""

from __future__ import annotations

import numpy as np
import polars as pl

from recommender.hybrid import HybridRecommender
from recommender.lightfm_model import LightFMRecommender
from tests.recommender.test_conformance import CTX, POSITIVES, SKILLS


def _rejected_only_window() -> pl.DataFrame:
    """The ranker's window sees only the employer's 'rejected' rows of applications made before it (their
    'applied' rows fell in LightFM's period), shown by a consultant."""
    rows = [{"seeker_id": f"S-{t}-{i}", "vacancy_id": f"V-{t}-{j}", "event": "rejected", "source": "consultant"}
            for t in SKILLS for i in range(6) for j in range(6) if (i + j) % 2 == 1]  # fmt: skip
    return pl.DataFrame(rows)


def test_employer_rejections_are_applications_not_vetoes() -> None:
    """Read as vetoes, the window holds no application at all and the own-trade pairs become negatives; read
    right, its 54 applications teach that a citizen's own trade is the match (content features only, so the
    lesson comes from these labels and not from LightFM's history)."""
    model = HybridRecommender(
        LightFMRecommender(no_components=8, epochs=30), negatives_per_user=10, use_lightfm=False
    )
    model.fit(CTX, POSITIVES, _rejected_only_window())
    user = CTX.seekers.rows(["S-lager-7"])
    own = CTX.vacancies.rows(["V-lager-6", "V-lager-7"])
    other = CTX.vacancies.rows(["V-kok-6", "V-pleje-7", "V-kok-7", "V-pleje-6"])
    p_apply = model.parts(CTX, user, np.concatenate([own, other]))["p_apply"][0]
    assert p_apply[:2].min() > p_apply[2:].max()
    assert model.fit_stats_["apply_positives"] == 3 * 18


def test_only_consultant_decisions_are_vetoes() -> None:
    from recommender.ranker_data import apply_labels, callback_labels

    events = pl.DataFrame(
        {
            "seeker_id": ["s1", "s1", "s1", "s2", "s3"],
            "vacancy_id": ["v1", "v1", "v2", "v1", "v3"],
            "event": ["applied", "rejected", "vetoed", "rejected", "accepted"],
            "source": ["consultant", "consultant", "consultant", "self", "consultant"],
        }
    )
    positives, vetoes = apply_labels(events)
    assert sorted(zip(positives["seeker_id"], positives["vacancy_id"], strict=True)) == [
        ("s1", "v1"), ("s2", "v1"), ("s3", "v3")
    ]  # fmt: skip
    assert list(zip(vetoes["seeker_id"], vetoes["vacancy_id"], strict=True)) == [("s1", "v2")]
    outcomes = callback_labels(events)
    assert outcomes.filter(pl.col("seeker_id") == "s1")["interview"].to_list() == [False]


def test_aligned_features_equal_the_matrix_ones() -> None:
    """Training (aligned pairs) and serving (users x items) compute the same features."""
    from recommender.features import aligned_features, pair_features

    users, items = np.arange(len(CTX.seekers)), np.arange(len(CTX.vacancies))
    matrix = pair_features(CTX, users, items)
    u, i = np.repeat(users, len(items)), np.tile(items, len(users))
    aligned = aligned_features(CTX, u, i)
    assert set(aligned) == set(matrix)
    for name, values in matrix.items():
        np.testing.assert_allclose(aligned[name], values.ravel(), rtol=1e-6, err_msg=name)


def test_ranker_sample_caps_citizens_and_leaves_smaller_histories_as_they_were() -> None:
    """At most ``max_citizens`` groups, a seeded choice of whole citizens; a history within the cap gives the
    very examples it gave before the cap existed (no extra draw disturbs the sampled negatives)."""
    from recommender.features import aligned_features
    from recommender.ranker_data import apply_examples

    events = _rejected_only_window()  # 18 citizens with applications

    def examples(cap: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ex = apply_examples(CTX, events, lambda u, i: np.column_stack([u, i, aligned_features(CTX, u, i)["distance_km"]]),
                            negatives=5, seed=3, max_citizens=cap)  # fmt: skip
        return ex.x, ex.y, ex.groups

    uncapped = examples(None)
    for got, want in zip(examples(18), uncapped, strict=True):
        assert np.array_equal(got, want)
    x, y, groups = examples(5)
    assert len(groups) == 5 and len(np.unique(x[:, 0])) == 5 and y.sum() == 5 * 3
    assert set(np.unique(x[:, 0])) < set(np.unique(uncapped[0][:, 0]))
    assert np.array_equal(examples(5)[0], x), "seeded"
