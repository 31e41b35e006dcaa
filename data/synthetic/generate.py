"""A seeded synthetic Odense + Copenhagen labour market, generated vectorised from a taxonomy.

The world follows DESIGN.md's data model. Hidden ground truth (latent tastes, match-utility weights, true
programme effects) goes to ``gt_*`` tables that only ``evaluation/`` reads. Everything is drawn with numpy
and assembled with polars, so a million vacancies take seconds, not hours.

This module only orders the steps: each entity has its own module, and all of them draw from one generator
in a fixed order, so a seed reproduces the world bit for bit (``tests/data/synthetic/test_digests.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from data.geography import JOBCENTERS, POSTCODES
from data.synthetic import gt_tables
from data.synthetic.clock import HISTORY_DAYS, TODAY
from data.synthetic.employers import draw_employers
from data.synthetic.interactions import draw_interactions
from data.synthetic.interventions import draw_episodes
from data.synthetic.occupations import OccupationModel
from data.synthetic.seekers import draw_seekers
from data.synthetic.vacancies import draw_vacancies
from data.synthetic.world_forms import check_form
from data.synthetic.world_model import MatchParams
from data.taxonomy import Taxonomy

__all__ = ["HISTORY_DAYS", "TODAY", "Progress", "WorldSize", "generate_world"]


@dataclass(frozen=True)
class WorldSize:
    seekers: int = 20_000
    vacancies: int = 6_000
    interactions: int = 150_000
    episodes: int = 25_000
    seed: int = 42
    hidden_confounding: float = 0.0  # strength of an unobserved confounder and effect modifier (0: none)
    world_form: str = "linear"  # functional form of utility and callback (``world_forms.WORLD_FORMS``)


Progress = Callable[[str], None]


def generate_world(
    taxonomy: Taxonomy, size: WorldSize, progress: Progress | None = None
) -> dict[str, pl.DataFrame]:
    """Every world table, keyed by table name (see ``data.schema.WORLD_TABLES``)."""
    step = progress or (lambda _msg: None)
    check_form(size.world_form)
    rng = np.random.default_rng(size.seed)
    occ = OccupationModel(taxonomy)
    step("employers")
    employers = draw_employers(rng, occ, max(20, size.vacancies // 4))
    step("vacancies")
    vacancies, vac = draw_vacancies(rng, occ, employers, size.vacancies)
    step("seekers")
    seekers, protected, seek = draw_seekers(rng, occ, size.seekers)
    params = MatchParams()
    step("interactions")
    interactions = draw_interactions(
        rng, occ, seek, vac, protected, params, size.interactions, size.world_form
    )
    step("interventions")
    episodes = draw_episodes(
        rng, occ, seek, protected, employers.frame, size.episodes, (size.hidden_confounding, size.seed)
    )
    step("ground truth")
    return {
        "postcodes": POSTCODES,
        "jobcenters": JOBCENTERS,
        "employers": employers.frame,
        "seekers": seekers,
        "seeker_protected": protected,
        "vacancies": vacancies,
        "interactions": interactions,
        "interventions": episodes.interventions,
        "outcomes": episodes.outcomes,
        "programme_capacity": episodes.capacity,
        "gt_params": gt_tables.params_table(params, size.seed, taxonomy.name, size.world_form),
        "gt_seeker_latent": gt_tables.seeker_latent(seekers, seek),
        "gt_vacancy_latent": gt_tables.vacancy_latent(vacancies, vac),
        "gt_episode_effects": gt_tables.episode_effects(episodes),
    }
