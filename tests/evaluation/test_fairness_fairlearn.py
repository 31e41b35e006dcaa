"""Cross-check of the overlapping metrics against fairlearn on the same data: selection rates and
demographic parity, recall per group (equal opportunity) and equalized odds."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    selection_rate,
)
from sklearn.metrics import recall_score

from evaluation.fairness import metrics as M


@pytest.fixture(scope="module", params=[0, 1, 2])
def data(request: pytest.FixtureRequest) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(request.param)
    n = 3000
    groups = rng.choice(["dansk", "vestlig", "ikke-vestlig"], n, p=[0.7, 0.1, 0.2])
    y_true = rng.random(n) < 0.3
    shift = np.where(groups == "ikke-vestlig", -0.15, 0.0)
    y_pred = rng.random(n) < np.clip(0.4 + 0.3 * y_true + shift, 0, 1)
    return {"groups": groups, "y_true": y_true, "y_pred": y_pred}


def test_selection_rates_and_demographic_parity_match_fairlearn(data: dict[str, np.ndarray]) -> None:
    ours = M.selection_rates(data["y_pred"], data["groups"], n_boot=50)
    frame = MetricFrame(metrics=selection_rate, y_true=data["y_true"], y_pred=data["y_pred"],
                        sensitive_features=data["groups"])  # fmt: skip
    for row in ours.iter_rows(named=True):
        assert row["rate"] == pytest.approx(frame.by_group[row["group"]], abs=1e-9)
    dp = M.demographic_parity(ours)
    kwargs = {"sensitive_features": data["groups"]}
    assert dp["difference"] == pytest.approx(
        demographic_parity_difference(data["y_true"], data["y_pred"], **kwargs), abs=1e-9
    )
    assert dp["ratio"] == pytest.approx(
        demographic_parity_ratio(data["y_true"], data["y_pred"], **kwargs), abs=1e-9
    )


def test_recall_per_group_matches_fairlearn(data: dict[str, np.ndarray]) -> None:
    pos = data["y_true"]
    ours = M.recall_by_group(data["y_pred"][pos], data["groups"][pos], n_boot=50)
    frame = MetricFrame(metrics=recall_score, y_true=data["y_true"], y_pred=data["y_pred"],
                        sensitive_features=data["groups"])  # fmt: skip
    for row in ours.iter_rows(named=True):
        assert row["rate"] == pytest.approx(frame.by_group[row["group"]], abs=1e-9)


def test_equalized_odds_matches_fairlearn(data: dict[str, np.ndarray]) -> None:
    ours = M.equalized_odds(data["y_true"], data["y_pred"], data["groups"])
    kwargs = {"sensitive_features": data["groups"]}
    assert ours["difference"] == pytest.approx(
        equalized_odds_difference(data["y_true"], data["y_pred"], **kwargs), abs=1e-9
    )
    assert ours["ratio"] == pytest.approx(
        equalized_odds_ratio(data["y_true"], data["y_pred"], **kwargs), abs=1e-9
    )
    tpr = MetricFrame(metrics=recall_score, y_true=data["y_true"], y_pred=data["y_pred"],
                      sensitive_features=data["groups"]).by_group  # fmt: skip
    for g, v in ours["tpr"].items():
        assert v == pytest.approx(tpr[g], abs=1e-9)
