"""The hidden ``gt_*`` tables: what the generator drew but no product may see (``evaluation/`` only)."""

from __future__ import annotations

import numpy as np
import polars as pl

from data import columns as C
from data.synthetic.clock import TODAY
from data.synthetic.interventions import Episodes
from data.synthetic.seekers import SeekerArrays
from data.synthetic.vacancies import VacancyArrays
from data.synthetic.world_model import MatchParams


def params_table(
    params: MatchParams, seed: int, taxonomy_name: str, world_form: str = "linear"
) -> pl.DataFrame:
    """The generator's parameters; a ``world_form`` row only for a non-linear world (none means linear, so
    the linear world's table stays what it always was)."""
    keys = ["match_params", "seed", "today", "taxonomy"]
    values = [params.to_json(), str(seed), TODAY.isoformat(), taxonomy_name]
    if world_form != "linear":
        keys.append("world_form")
        values.append(world_form)
    return pl.DataFrame({"key": keys, "value": values})


def seeker_latent(seekers: pl.DataFrame, seek: SeekerArrays) -> pl.DataFrame:
    return pl.DataFrame(
        {C.SEEKER_ID: seekers[C.SEEKER_ID], "taste": seek.taste, "occupation_affinity": seek.affinity},
        schema_overrides={"taste": pl.List(pl.Float32)},
    )


def vacancy_latent(vacancies: pl.DataFrame, vac: VacancyArrays) -> pl.DataFrame:
    return pl.DataFrame(
        {C.VACANCY_ID: vacancies[C.VACANCY_ID], "taste": vac.taste, "attractiveness": vac.attractiveness},
        schema_overrides={"taste": pl.List(pl.Float32)},
    )


def episode_effects(episodes: Episodes) -> pl.DataFrame:
    """One row per episode and programme: the baseline chance and that programme's true effect on it."""
    names = list(C.PROGRAMMES)
    episode_ids = episodes.interventions[C.EPISODE_ID].to_list()
    return pl.DataFrame(
        {
            C.EPISODE_ID: np.repeat(episode_ids, len(names)),
            C.PROGRAMME: np.tile(names, len(episode_ids)),
            "baseline_p26": np.repeat(episodes.baseline_p26, len(names)),
            "effect_p26": episodes.effects.ravel(),
        }
    )
