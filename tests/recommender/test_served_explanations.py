"""Explanations tell the truth, checked on 1,000 suggestions served by ``RecommendationService``: every
reason stated for a suggestion has a positive contribution, and the contributions shown add up to the
score shown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core.settings import Settings
from data import columns as C
from data.store import Store
from recommender.explain import stated_reasons
from recommender.signals import SIGNAL_AGAINST_DA, SIGNAL_LABELS_DA

LABEL_TO_REASON = {label: reason for reason, label in SIGNAL_LABELS_DA.items()}
SUGGESTIONS = 1_000


@pytest.fixture(scope="module")
def served(built_home: Path) -> pl.DataFrame:
    """At least 1,000 served suggestions: vacancies for citizens, plus candidates for some vacancies."""
    from recommender.service import RecommendationService

    settings = Settings(home=built_home)
    frames: list[pl.DataFrame] = []
    with Store(settings.db_path, read_only=True) as store:
        service = RecommendationService.open(settings, store)
        for vacancy_id in store.table("vacancies").filter(pl.col("status") == "open")[C.VACANCY_ID][:20]:
            frames.append(service.for_vacancy(vacancy_id, 10).select(_COLUMNS))
        for seeker_id in store.table("seekers")[C.SEEKER_ID]:
            frames.append(service.for_seeker(seeker_id, 10).select(_COLUMNS))
            if sum(f.height for f in frames) >= SUGGESTIONS:
                break
    return pl.concat(frames)


_COLUMNS = ("why_score", "ranking_score", "reciprocal", "why_base", "why_contributions")


def test_enough_suggestions_were_served(served: pl.DataFrame) -> None:
    assert served.height >= SUGGESTIONS


def test_contributions_shown_sum_to_the_score_shown(served: pl.DataFrame) -> None:
    sums = [sum(json.loads(text).values()) for text in served["why_contributions"]]
    total = served["why_base"].to_numpy() + np.asarray(sums)
    np.testing.assert_allclose(total, served["ranking_score"].to_numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.exp(served["ranking_score"].to_numpy()), served["reciprocal"].to_numpy(),
                               rtol=1e-6)  # fmt: skip


def test_every_stated_reason_has_a_positive_contribution(served: pl.DataFrame) -> None:
    stated = against = 0
    for text, shown in served.select("why_score", "why_contributions").iter_rows():
        contributions = json.loads(shown)
        for label in stated_reasons(text):
            assert contributions[LABEL_TO_REASON[label]] > 0, (text, contributions)
            stated += 1
        negative = [r for r, v in contributions.items() if v < 0]
        against += len(negative)
        for reason in negative:  # shown, if at all, only as speaking against the suggestion
            assert SIGNAL_LABELS_DA[reason] not in stated_reasons(text)
    # Not vacuous: reasons were stated, and contributions against suggestions occur and are shown as such.
    assert stated >= served.height and against > 0
    assert served["why_score"].str.contains("taler imod: ").any()
    assert any(label in text for text in served["why_score"] for label in SIGNAL_AGAINST_DA.values())


def test_reasons_are_worded_as_shares_in_danish_figures(served: pl.DataFrame) -> None:
    for text, shown in served.select("why_score", "why_contributions").iter_rows():
        assert not re.search(r"\d\.\d", text), text  # shares, not log-odds with a decimal point
        shares = [int(m) for m in re.findall(r"(\d+)\u00a0%", text)]
        contributions = json.loads(shown)
        assert shares and len(shares) <= 6 and sum(shares) <= 100 + len(shares), (text, contributions)
