"""World forms: the same entities with a different functional form of utility and callback, seeded like
everything else, recorded for the oracle only (the linear world's digests are pinned in test_digests)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from data.store import Store
from data.synthetic.generate import WorldSize, generate_world
from data.synthetic.world import generate_store
from data.synthetic.world_forms import WORLD_FORMS, form_callback_merit, form_utility
from data.synthetic.world_model import MatchParams
from data.taxonomy import load_builtin

SIZE = WorldSize(seekers=600, vacancies=200, interactions=3_000, episodes=50, seed=7)
ENTITIES = ("employers", "vacancies", "seekers", "seeker_protected", "gt_seeker_latent", "gt_vacancy_latent")


@pytest.fixture(scope="module")
def worlds() -> dict[str, dict[str, pl.DataFrame]]:
    return {f: generate_world(load_builtin(), dataclasses.replace(SIZE, world_form=f)) for f in WORLD_FORMS}


def _features(n: int = 5_000, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"cov_essential": rng.random(n), "cov_optional": rng.random(n), "desired": rng.random(n) < 0.3,
            "dist_ratio": rng.gamma(2.0, 0.5, n), "edu_shortfall": rng.integers(0, 3, n).astype(float),
            "hours_gap": rng.choice([0.0, 7.0, 12.0, 22.0], n), "taste": np.zeros(n), "attractiveness": np.zeros(n)}  # fmt: skip


def test_forms_share_entities_but_not_behaviour(worlds: dict[str, dict[str, pl.DataFrame]]) -> None:
    linear = worlds["linear"]
    for form, tables in worlds.items():
        for name in ENTITIES:
            assert tables[name].equals(linear[name]), (form, name)
        if form != "linear":
            assert not tables["interactions"].equals(linear["interactions"]), form


def test_a_form_reproduces_for_its_seed_and_is_recorded(tmp_path: Path) -> None:
    size = dataclasses.replace(SIZE, world_form="threshold")
    a, b = generate_world(load_builtin(), size), generate_world(load_builtin(), size)
    assert all(a[name].equals(b[name]) for name in a)
    assert dict(a["gt_params"].iter_rows())["world_form"] == "threshold"
    linear = generate_world(load_builtin(), SIZE)
    assert "world_form" not in linear["gt_params"]["key"].to_list()  # absent means linear: digests unchanged
    generate_store(tmp_path / "w.duckdb", size, show_progress=False)
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        assert store.meta("world_form") == "threshold"


def test_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown world form"):
        generate_world(load_builtin(), dataclasses.replace(SIZE, world_form="quadratic"))


def test_forms_rank_pairs_differently() -> None:
    """No form is a monotone transform of another: the pair orderings disagree, for utility and callback,
    so weights fitted to one form's features cannot be right for all."""
    f, p = _features(), MatchParams()
    utilities = {form: form_utility(form, p, **f) for form in WORLD_FORMS}
    merit_args = {"cov_essential": f["cov_essential"], "edu_shortfall": f["edu_shortfall"],
                  "experience_years": np.random.default_rng(1).gamma(2.0, 3.0, len(f["desired"]))}  # fmt: skip
    merits = {form: form_callback_merit(form, p, **merit_args) for form in WORLD_FORMS}
    for values in (utilities, merits):
        ranks = {form: np.argsort(np.argsort(v)) for form, v in values.items()}
        for form in WORLD_FORMS[1:]:
            rho = np.corrcoef(ranks["linear"], ranks[form])[0, 1]
            assert rho < 0.97, (form, rho)


def test_threshold_steps_and_interaction_needs_range() -> None:
    p, f = MatchParams(), _features(4)
    f.update(cov_essential=np.array([0.30, 0.40, 0.9, 0.9]), dist_ratio=np.array([0.5, 0.5, 0.5, 2.0]),
             desired=np.zeros(4), cov_optional=np.zeros(4), edu_shortfall=np.zeros(4), hours_gap=np.zeros(4))  # fmt: skip
    step = form_utility("threshold", p, **f)
    assert step[1] - step[0] == pytest.approx(p.w_cov * 0.5)  # a third covered: one step up
    inter = form_utility("interaction", p, **f)
    # beyond the commuting limit skills stop counting: only the (linear, halved) distance cost differs
    assert inter[2] - inter[3] == pytest.approx(p.w_cov * 1.6 * 0.9 + p.w_dist * 0.5 * 1.5)
