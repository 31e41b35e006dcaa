"""Intervention recommender (Odense): the effect of each programme on work within 26 weeks, per citizen.

One module per concern, in the order they build on each other:

- ``features``: what the model sees of a citizen (never protected attributes), historical episodes;
- ``params``, ``additive``, ``dr_learner``: the multi-arm doubly robust learner and its parts (the
  estimator's rationale is in ``dr_learner``'s docstring);
- ``ranking``, ``explain_da``, ``model``: the product model, its tidy ranking and Danish explanations;
- ``persistence``: the model on the shared artefact scheme (``core.artefacts``);
- ``employers``: concrete employers for company-based programmes;
- ``service``: the front door (fit or load, recommend programmes to one citizen);
- ``allocation``, ``policy_tree``: assigning many citizens under seat capacity, and rules that explain it.

The names below are the public API other packages import from here.
"""

from recommender.interventions.dr_learner import DRLearner, Effects
from recommender.interventions.employers import EMPLOYER_COLUMNS, suggest_employers
from recommender.interventions.explain_da import FEATURE_LABELS_DA
from recommender.interventions.features import (
    ARMS,
    EFFECT_MODIFIERS,
    FEATURES,
    SEEKER_COLUMNS_USED,
    TREATED,
    EpisodeData,
    load_episodes,
    seeker_features,
    taxonomy_of,
)
from recommender.interventions.model import InterventionModel
from recommender.interventions.params import DRParams
from recommender.interventions.ranking import RANKING_COLUMNS
from recommender.interventions.service import (
    ProgrammeRecommendation,
    fit_model,
    load_or_fit,
    recommend_programmes,
)

__all__ = [
    "ARMS",
    "EFFECT_MODIFIERS",
    "EMPLOYER_COLUMNS",
    "FEATURES",
    "FEATURE_LABELS_DA",
    "RANKING_COLUMNS",
    "SEEKER_COLUMNS_USED",
    "TREATED",
    "DRLearner",
    "DRParams",
    "Effects",
    "EpisodeData",
    "InterventionModel",
    "ProgrammeRecommendation",
    "fit_model",
    "load_episodes",
    "load_or_fit",
    "recommend_programmes",
    "seeker_features",
    "suggest_employers",
    "taxonomy_of",
]
