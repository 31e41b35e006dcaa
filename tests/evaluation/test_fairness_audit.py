"""The fairness audits on the small world: historical selection rates against a direct count, the report's
structure (fairness.json, fairness.md, plots) and its loader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core.settings import Settings
from data.protected import protected_groups
from data.store import Store
from data.taxonomy import load_builtin
from embeddings.lexical import CharNgramEncoder
from evaluation.fairness import audit as A
from evaluation.fairness.report import load_fairness_report, run_fairness_audit
from matching.build import taxonomy_corpus
from recommender.interventions import ARMS


class _Effects:
    def __init__(self, n: int) -> None:
        rng = np.random.default_rng(0)
        self.gain = np.column_stack([np.zeros(n), rng.uniform(-0.02, 0.1, (n, len(ARMS) - 1))])
        self.gain[:, 1:][rng.uniform(size=(n, len(ARMS) - 1)) < 0.3] = np.nan  # outside overlap: no estimate

    def matrix(self, fill: float = np.nan) -> np.ndarray:
        return self.gain


class _Model:
    """Stands in for the intervention model: random estimated effects, one per citizen and programme, about
    30 % of them missing (no estimate); ``last`` keeps what it returned."""

    last: _Effects

    def estimate(self, features: pl.DataFrame) -> _Effects:
        self.last = _Effects(features.height)
        return self.last


def test_historical_rates_match_a_direct_count(world: Store) -> None:
    hist = A.historical_audit(world, n_boot=100, min_cell=1)
    frame = hist["by"]["origin_group"]["interview"]
    apps = A.application_outcomes(world)
    for row in frame.iter_rows(named=True):
        value = row["group"].split("=", 1)[1]
        sub = apps.filter(pl.col("origin_group") == value)
        assert row["n"] == sub.height
        assert row["rate"] == pytest.approx(sub["interview"].mean())
    ref = frame.filter(pl.col("group") == "origin_group=dansk").row(0, named=True)
    assert ref["ratio"] == 1.0 and ref["reference"] == "origin_group=dansk"
    assert set(hist["bias_detected"]) == {"origin_group=ikke-vestlig", "age_band=55+", "disability=ja"}
    assert isinstance(hist["historical_bias_detected"], bool)
    # every pair of attributes is an intersection grouping
    assert "origin_group×age_band" in hist["by"] or "age_band×origin_group" in hist["by"]
    assert len(hist["by"]) == 4 + 6


def test_report_on_the_small_world(world_path: Path, tmp_path: Path) -> None:
    encoder = CharNgramEncoder(dim=64).fit(taxonomy_corpus(load_builtin()))
    settings = Settings(home=tmp_path, encoder="char")
    out = tmp_path / "fairness"
    model = _Model()
    with Store(world_path) as store:
        result = run_fairness_audit(settings, store, encoder, out, n_boot=100, intervention_model=model,
                                    max_vacancies=40, variants=False)  # fmt: skip
        groups = protected_groups(store, store.table("seekers")["seeker_id"].to_list())
    saved = load_fairness_report(out)
    assert saved == json.loads((out / "fairness.json").read_text())
    assert isinstance(saved["historical_bias_detected"], bool)
    rr = saved["reranking"]
    for key in ("ndcg@10_before", "ndcg@10_after", "ndcg@10_loss", "max_abs_skew@10_before", "target_met"):
        assert key in rr
    assert rr["ndcg@10_before"] == result["audits"]["shortlists_off"]["ndcg@10"]["value"]
    audits = saved["audits"]
    assert set(audits) == {"historical", "shortlists_off", "shortlists_detconstsort", "shortlists_fair",
                           "calibration", "interventions"}  # fmt: skip
    cell = audits["historical"]["groups"]["gender=kvinde"]
    assert set(cell["interview_rate"]) == {"value", "ci"}
    lo, hi = cell["interview_rate"]["ci"]
    assert lo <= cell["interview_rate"]["value"] <= hi
    short = audits["shortlists_detconstsort"]["groups"]
    assert any("|" in g for g in short)  # intersections are reported
    for c in short.values():
        if c["suppressed"]:
            assert all(v["value"] is None for k, v in c.items() if isinstance(v, dict))
    inter = audits["interventions"]
    assert inter["citizens"] == sum(inter["programmes"].values())
    assert "estimated_gain" in inter["groups"]["gender=mand"]
    # the share of programmes with an estimate, per group, against a direct count
    with_estimate = (~np.isnan(model.last.gain[:, 1:])).mean(axis=1)
    assert inter["mean_with_estimate"] == pytest.approx(with_estimate.mean())
    women = (groups["gender"] == "kvinde").to_numpy()
    cell = inter["groups"]["gender=kvinde"]
    assert cell["with_estimate"]["value"] == pytest.approx(with_estimate[women].mean())
    assert 0.6 < cell["with_estimate"]["value"] < 0.8
    assert "programmes with an estimate" in (out / "fairness.md").read_text()
    md = (out / "fairness.md").read_text()
    assert "## 1. Historical hires" in md and "## 3. Intervention allocation" in md
    for png in ("historical_ratios.png", "skew_before_after.png", "exposure.png", "exposure_curves.png",
                "tradeoff.png", "interventions_gain.png"):  # fmt: skip
        assert (out / png).stat().st_size > 5_000


def test_loader_names_the_command_when_no_report(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="jobmatch fairness"):
        load_fairness_report(Settings(home=tmp_path))
