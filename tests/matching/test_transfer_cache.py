"""The occupation-vector cache of the other-industries view: encoded once per matcher, gone with it."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest

from matching import transfer
from matching.transfer import OccupationVectorCache


class _Matcher:
    """Stands in for a Matcher: the cache only needs an object it can refer to weakly."""


def test_occupation_vectors_encoded_once_per_matcher_and_dropped_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Any] = []

    def encode(matcher: Any) -> np.ndarray:
        calls.append(matcher)
        return np.full((2, 3), float(len(calls)))

    monkeypatch.setattr(transfer, "_encode_occupations", encode)
    cache = OccupationVectorCache()
    first, second = _Matcher(), _Matcher()
    vectors = cache.get(first)  # type: ignore[arg-type]
    assert cache.get(first) is vectors  # type: ignore[arg-type]
    assert cache.get(second)[0, 0] == 2.0  # type: ignore[arg-type]
    assert len(calls) == 2
    del first, calls[:]
    gc.collect()
    assert len(cache._vectors) == 1  # the dropped matcher's entry went with it
