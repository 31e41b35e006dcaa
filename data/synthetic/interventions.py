"""Programme episodes: who gets one, which programme (confounded, by visible traits), when, at which
employer, and what came of it. True effects per programme go to the hidden ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import polars as pl

from data import columns as C
from data.geography import KOBENHAVN, ODENSE, POSTCODES
from data.synthetic.clock import TODAY
from data.synthetic.occupations import OccupationModel
from data.synthetic.outcomes import draw_employment, outcomes_frame
from data.synthetic.seekers import SeekerArrays
from data.synthetic.world_model import (
    assignment_logits,
    baseline_p26,
    hidden_confounding,
    programme_effects,
    sigmoid,
)

PROGRAMME_WEEKS = {
    "none": 0,
    "virksomhedspraktik": 8,
    "loentilskud_privat": 26,
    "loentilskud_offentlig": 26,
    "opkvalificering_amu": 6,
    "jobrettet_uddannelse_6u": 6,
    "mentorstoette": 13,
    "ips": 26,
    "jobsamtaler_vejledning": 13,
}
CAPACITY_QUARTERS = 12  # the history spans about three years of quarters


@dataclass(frozen=True)
class Episodes:
    """The interventions and outcomes tables, seats per quarter, and the hidden per-episode effects."""

    interventions: pl.DataFrame
    outcomes: pl.DataFrame
    capacity: pl.DataFrame
    baseline_p26: np.ndarray  # hidden: chance of work within 26 weeks without a programme
    effects: np.ndarray  # hidden: episode x programme (``C.PROGRAMMES`` order) effect on that chance


class _Traits(NamedTuple):
    """What the caseworker sees of the citizen at the start of an episode."""

    isced: np.ndarray
    experience: np.ndarray
    weeks: np.ndarray
    jobparat: np.ndarray
    dagpenge: np.ndarray
    kontanthjaelp: np.ndarray
    skill_coverage: np.ndarray
    age: np.ndarray


def draw_episodes(
    rng: np.random.Generator,
    occ: OccupationModel,
    seek: SeekerArrays,
    protected: pl.DataFrame,
    employers: pl.DataFrame,
    n_episodes: int,
    hidden: tuple[float, int] = (0.0, 0),
) -> Episodes:
    """Episodes in a fixed draw order: who, programme, outcome, dates, employer.

    ``hidden`` (strength, seed): an unobserved trait that confounds assignment and modifies effects (see
    ``world_model.hidden_confounding``), drawn from its own generator so that ``rng``'s draws, and with
    strength 0 the whole world, stay as they were."""
    names = list(C.PROGRAMMES)
    who = _draw_who(rng, len(seek.ids), n_episodes)
    n = len(who)
    traits = _traits(occ, seek, protected, who)
    base, effects = _true_chances(traits, names)
    shift = None
    if hidden[0] > 0:
        motivation = np.random.default_rng([hidden[1], 14]).standard_normal(n)
        base_shift, shift, effect_shift = hidden_confounding(motivation, hidden[0], names)
        base = sigmoid(np.log(base / (1 - base)) + base_shift)
        effects = effects + effect_shift
    choice = _assign_programmes(rng, traits, names, shift)
    employment = draw_employment(rng, np.clip(base + effects[np.arange(n), choice], 0.01, 0.99))
    start, end = _draw_dates(rng, np.array([PROGRAMME_WEEKS[p] for p in names])[choice])
    programme = np.array(names)[choice]
    seeker_area = seek.area[who]
    employer = _draw_placements(rng, programme, seeker_area, employers)
    episode_ids = [f"EP{i:07d}" for i in range(n)]
    seeker_ids = seek.ids[who]
    interventions = pl.DataFrame(
        {
            C.EPISODE_ID: episode_ids,
            C.SEEKER_ID: seeker_ids,
            C.PROGRAMME: programme,
            "start_date": start,
            "end_date": end,
            C.EMPLOYER_ID: employer.tolist(),
        },
        schema_overrides={C.EMPLOYER_ID: pl.String},
    ).with_columns(pl.col("start_date").cast(pl.Date), pl.col("end_date").cast(pl.Date))
    return Episodes(
        interventions=interventions,
        outcomes=outcomes_frame(episode_ids, seeker_ids, employment),
        capacity=_seats_per_quarter(np.where(seeker_area == KOBENHAVN, "jc-kbh", "jc-odense"), programme),
        baseline_p26=base,
        effects=effects,
    )


def _draw_who(rng: np.random.Generator, n_seekers: int, n_episodes: int) -> np.ndarray:
    """Seeker row per episode: distinct citizens first, repeat ones only when episodes outnumber them."""
    first = rng.permutation(n_seekers)[: min(n_seekers, n_episodes)]
    return np.concatenate([first, rng.integers(0, n_seekers, max(0, n_episodes - n_seekers))])


def _traits(occ: OccupationModel, seek: SeekerArrays, protected: pl.DataFrame, who: np.ndarray) -> _Traits:
    """Episode traits; skill coverage is of the first desired occupation's essential skills."""
    benefit = seek.benefit[who]
    desired_first = seek.desired.indices[seek.desired.indptr[who]]
    ess = occ.essential[desired_first]
    have = seek.skills[who]
    coverage = np.asarray(have.multiply(ess).sum(axis=1)).ravel() / np.maximum(
        np.asarray(ess.sum(axis=1)).ravel(), 1
    )
    return _Traits(
        isced=seek.isced[who].astype(float),
        experience=seek.experience[who],
        weeks=seek.weeks[who].astype(float),
        jobparat=seek.jobparat[who],
        dagpenge=(benefit == "dagpenge").astype(float),
        kontanthjaelp=(benefit == "kontanthjaelp").astype(float),
        skill_coverage=coverage,
        age=protected["age"].to_numpy()[who].astype(float),
    )


def _true_chances(traits: _Traits, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(baseline chance of work within 26 weeks, episode x programme effect on it) from the world model."""
    base = baseline_p26(
        isced=traits.isced,
        experience_years=traits.experience,
        weeks_unemployed=traits.weeks,
        jobparat=traits.jobparat,
        dagpenge=traits.dagpenge,
        skill_coverage=traits.skill_coverage,
        age=traits.age,
    )
    effects = programme_effects(
        experience_years=traits.experience,
        weeks_unemployed=traits.weeks,
        skill_gap=1 - traits.skill_coverage,
        isced=traits.isced,
        jobparat=traits.jobparat,
        dagpenge=traits.dagpenge,
        kontanthjaelp=traits.kontanthjaelp,
    )
    return base, np.column_stack([effects[p] for p in names])


def _assign_programmes(
    rng: np.random.Generator, traits: _Traits, names: list[str], shift: np.ndarray | None = None
) -> np.ndarray:
    """Index into ``names`` per episode, drawn from the world model's assignment probabilities."""
    logits = assignment_logits(
        experience_years=traits.experience,
        weeks_unemployed=traits.weeks,
        skill_coverage=traits.skill_coverage,
        isced=traits.isced,
        jobparat=traits.jobparat,
        dagpenge=traits.dagpenge,
        kontanthjaelp=traits.kontanthjaelp,
    )
    L = np.column_stack([logits[p] for p in names])
    if shift is not None:
        L = L + shift
    P = np.exp(L - L.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    value: np.ndarray = (P.cumsum(axis=1) > rng.random(len(L))[:, None]).argmax(axis=1)
    return value


def _draw_dates(rng: np.random.Generator, weeks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end): a start 400 days to three years back, lasting the programme's weeks (one at least)."""
    start = np.datetime64(TODAY) - rng.integers(400, 3 * 365, len(weeks)).astype("timedelta64[D]")
    end = start + (np.maximum(weeks, 1) * 7).astype("timedelta64[D]")
    return start, end


def _draw_placements(
    rng: np.random.Generator, programme: np.ndarray, seeker_area: np.ndarray, employers: pl.DataFrame
) -> np.ndarray:
    """Company-based programmes get an employer in the citizen's city; the others None."""
    company = np.isin(programme, list(C.COMPANY_BASED_PROGRAMMES))
    emp_ids = employers[C.EMPLOYER_ID].to_numpy()
    copenhagen = POSTCODES.filter(pl.col("postcode") < 5000)["municipality"].to_list()
    area_of_emp = np.where(np.isin(employers["municipality"].to_numpy(), copenhagen), KOBENHAVN, ODENSE)
    employer = np.full(len(programme), None, dtype=object)
    for a in (KOBENHAVN, ODENSE):
        mask = company & (seeker_area == a)
        pool = np.flatnonzero(area_of_emp == a)
        if len(pool) and mask.any():
            employer[mask] = emp_ids[pool[rng.integers(0, len(pool), mask.sum())]]
    return employer


def _seats_per_quarter(jobcenter: np.ndarray, programme: np.ndarray) -> pl.DataFrame:
    """Seats per job centre, programme and quarter: what history used, rounded up."""
    return (
        pl.DataFrame({C.JOBCENTER_ID: jobcenter, C.PROGRAMME: programme})
        .filter(pl.col(C.PROGRAMME) != "none")
        .group_by(C.JOBCENTER_ID, C.PROGRAMME)
        .len()
        .with_columns(
            (pl.col("len") / CAPACITY_QUARTERS).ceil().cast(pl.Int32).alias("seats"),
            pl.lit("per_quarter").alias("period"),
        )
        .select(C.JOBCENTER_ID, C.PROGRAMME, "period", "seats")
        .sort(C.JOBCENTER_ID, C.PROGRAMME)
    )
