"""The front door for the CLI and the dashboard: fit or load the model, recommend programmes to a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core.errors import ArtefactError, NotFoundError
from data import columns as C
from data.store import Store
from data.taxonomy import Taxonomy
from recommender.interventions.employers import matcher_finder, store_finder, suggest_employers
from recommender.interventions.features import load_episodes, seeker_features, taxonomy_of
from recommender.interventions.model import InterventionModel
from recommender.interventions.params import DRParams
from recommender.interventions.ranking import SUPPORTED


@dataclass
class ProgrammeRecommendation:
    """What the CLI and the dashboard show one citizen: ranking, employers, the Danish explanation."""

    seeker_id: str
    ranking: pl.DataFrame  # RANKING_COLUMNS
    employers: dict[str, pl.DataFrame]  # programme -> EMPLOYER_COLUMNS
    text_da: str
    model_data_version: str


def fit_model(
    store: Store, params: DRParams | None = None, taxonomy: Taxonomy | None = None
) -> InterventionModel:
    """Fit on every historical episode in the store."""
    data = load_episodes(store, taxonomy)
    return InterventionModel(params).fit(data, data_version=store.data_version)


def load_or_fit(
    models_dir: Path, store: Store, *, refit: bool = False, params: DRParams | None = None
) -> tuple[InterventionModel, bool]:
    """The saved model if it matches the store's data version, else a fresh fit (saved). (model, fitted now)"""
    if not refit:
        try:
            return InterventionModel.load(models_dir, data_version=store.data_version), False
        except ArtefactError:
            pass
    model = fit_model(store, params)
    model.save(models_dir)
    return model, True


def recommend_programmes(
    model: InterventionModel,
    store: Store,
    seeker_id: str,
    *,
    matcher: Any | None = None,
    employers_per_programme: int = 3,
    taxonomy: Taxonomy | None = None,
) -> ProgrammeRecommendation:
    """Ranked programmes for one citizen with intervals, reasons, concrete employers and Danish text.

    ``matcher``: a ``matching.retrieval.Matcher`` for employers with matching open vacancies; without one,
    open vacancies in the citizen's desired occupations within their commute limit are used.
    ``taxonomy``: the store's taxonomy when the caller holds it already (loading it costs a page ~25 ms).
    """
    seekers = store.query("SELECT * FROM seekers WHERE seeker_id = ?", [seeker_id])
    if seekers.height == 0:
        raise NotFoundError(f"unknown seeker id {seeker_id!r}")
    features = seeker_features(seekers, taxonomy or taxonomy_of(store))
    ranking = model.rank(features)
    supported = ranking.filter(pl.col(SUPPORTED))[C.PROGRAMME].to_list()
    finder = matcher_finder(matcher) if matcher is not None else store_finder(store.table("vacancies"))
    employers = suggest_employers(
        seekers.row(0, named=True), supported, store.table("employers"), finder, k=employers_per_programme
    )
    text = model.explain(features, ranking, employers)
    return ProgrammeRecommendation(seeker_id, ranking, employers, text, model.data_version_)
