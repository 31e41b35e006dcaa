"""The fast spline basis gives exactly what scikit-learn's ``SplineTransformer.transform`` gives."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import SplineTransformer

from recommender.interventions.additive import spline_basis


@pytest.mark.parametrize("seed", range(8))
def test_spline_basis_is_bit_identical_to_transform_inside_and_outside_the_knots(seed: int) -> None:
    rng = np.random.default_rng(seed)
    train = np.column_stack([rng.gamma(2.0, 3.0, 400), rng.normal(0.0, 1.0, 400)])
    spline = SplineTransformer(n_knots=int(rng.integers(4, 9)), degree=3, knots="quantile",
                               extrapolation="constant").fit(train)  # fmt: skip
    probe = np.vstack([np.column_stack([rng.gamma(2.0, 3.0, 200), rng.normal(0.0, 2.0, 200)]),
                       train.min(axis=0) - 5.0, train.max(axis=0) + 5.0, train.min(axis=0), train.max(axis=0)])  # fmt: skip
    expected = spline.transform(probe)
    assert np.array_equal(spline_basis(spline, probe), expected)
    assert (probe < train.min(axis=0)).any() and (
        probe > train.max(axis=0)
    ).any()  # extrapolation was exercised
