"""Vacancies: who posts them, which occupation and skills they ask for, their terms, dates and Danish ads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.geography import AREA, POSTCODES
from data.synthetic import text_templates as T
from data.synthetic.arrays import csr, first_k, jitter, list_column, sample_rows
from data.synthetic.clock import HISTORY_DAYS, TODAY
from data.synthetic.employers import Employers
from data.synthetic.occupations import OccupationModel
from data.synthetic.world_model import TASTE_DIM

PART_TIME_SECTORS = {"retail", "hospitality", "cleaning", "care", "isco_5", "isco_9"}
EMPLOYER_SIZE_WEIGHT = {"1-9": 1.0, "10-49": 3.0, "50-249": 8.0, "250+": 20.0}


@dataclass(frozen=True)
class VacancyArrays:
    """Row-aligned vacancy arrays that interactions and the hidden ground truth are drawn from."""

    occupation: np.ndarray
    essential: sp.csr_matrix
    optional: sp.csr_matrix
    lat: np.ndarray
    lon: np.ndarray
    hours: np.ndarray
    min_isced: np.ndarray
    posted: np.ndarray
    deadline: np.ndarray
    positions: np.ndarray
    area: np.ndarray
    taste: np.ndarray  # hidden: latent taste the seekers' tastes meet
    attractiveness: np.ndarray  # hidden: how appealing the job is to anyone


class _Posting(NamedTuple):
    posted: np.ndarray
    deadline: np.ndarray
    positions: np.ndarray
    status: np.ndarray


@dataclass(frozen=True)
class _Jobs:
    """Everything drawn about the vacancies before their ad texts and hidden tastes."""

    emp: np.ndarray  # employer row
    occupation: np.ndarray
    ess_owner: np.ndarray
    ess: np.ndarray
    opt_owner: np.ndarray
    opt: np.ndarray
    postcode_idx: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    hours: np.ndarray
    min_isced: np.ndarray
    posting: _Posting


def draw_vacancies(
    rng: np.random.Generator, occ: OccupationModel, employers: Employers, n: int
) -> tuple[pl.DataFrame, VacancyArrays]:
    """(vacancies, arrays); the draws run in a fixed order, so a seed gives one world."""
    jobs = _draw_jobs(rng, occ, employers, n)
    titles, descriptions = _write_ads(rng, occ, employers.frame, jobs)
    frame = _vacancies_frame(occ, employers.frame, jobs, titles, descriptions)
    taste = rng.normal(0, 1 / np.sqrt(TASTE_DIM), (n, TASTE_DIM)).astype(np.float32)
    attractiveness = rng.normal(0, 0.4, n)
    arrays = VacancyArrays(
        occupation=jobs.occupation,
        essential=csr(jobs.ess_owner, jobs.ess, (n, len(occ.skill_ids))),
        optional=csr(jobs.opt_owner, jobs.opt, (n, len(occ.skill_ids))),
        lat=jobs.lat,
        lon=jobs.lon,
        hours=jobs.hours,
        min_isced=jobs.min_isced,
        posted=jobs.posting.posted,
        deadline=jobs.posting.deadline,
        positions=jobs.posting.positions,
        area=AREA[jobs.postcode_idx],
        taste=taste,
        attractiveness=attractiveness,
    )
    return frame, arrays


def _draw_jobs(rng: np.random.Generator, occ: OccupationModel, employers: Employers, n: int) -> _Jobs:
    w = employers.frame["size"].replace_strict(EMPLOYER_SIZE_WEIGHT).to_numpy()
    emp = rng.choice(employers.frame.height, n, p=w / w.sum())  # bigger employers post more
    sector = employers.sector[emp]
    occupation = _draw_occupations(rng, occ, sector)
    ess_owner, ess = sample_rows(rng, occ.essential, occupation, np.full(n, 0.85))
    opt_owner, opt = sample_rows(rng, occ.optional, occupation, np.full(n, 0.5))
    postcode_idx = employers.postcode_idx[emp]
    lat, lon = jitter(rng, postcode_idx, 1.0)
    hours = _draw_hours(rng, sector)
    min_isced = np.clip(occ.isced_min[occupation] + (rng.random(n) < 0.1), 1, 8)
    posting = _draw_posting(rng, n)
    return _Jobs(
        emp, occupation, ess_owner, ess, opt_owner, opt, postcode_idx, lat, lon, hours, min_isced, posting
    )


def _write_ads(
    rng: np.random.Generator, occ: OccupationModel, employers: pl.DataFrame, jobs: _Jobs
) -> tuple[list[str], list[str]]:
    """(titles, descriptions): Danish ads naming the employer, place, first skills, education and hours."""
    n, emp, occupation = len(jobs.emp), jobs.emp, jobs.occupation
    cities = POSTCODES["city"].to_numpy()[jobs.postcode_idx]
    titles = T.vacancy_titles(
        rng, occ.label[occupation], [occ.synonyms[o] for o in occupation.tolist()], cities
    )
    descriptions = T.vacancy_descriptions(
        rng,
        employer=employers["name"].to_numpy()[emp],
        industry=employers["industry"].to_numpy()[emp],
        title=titles,
        city=cities,
        skills=first_k(jobs.ess_owner, jobs.ess, n, 3, occ.skill_label),
        optional=first_k(jobs.opt_owner, jobs.opt, n, 1, occ.skill_label)[0],
        isced=jobs.min_isced,
        hours=jobs.hours,
        deadline=jobs.posting.deadline,
    )
    return titles, descriptions


def _vacancies_frame(
    occ: OccupationModel, employers: pl.DataFrame, jobs: _Jobs, titles: list[str], descriptions: list[str]
) -> pl.DataFrame:
    n = len(jobs.emp)
    return pl.DataFrame(
        {
            C.VACANCY_ID: [f"V{i:07d}" for i in range(n)],
            C.EMPLOYER_ID: employers[C.EMPLOYER_ID].to_numpy()[jobs.emp],
            "title": titles,
            C.OCCUPATION_ID: occ.ids[jobs.occupation].tolist(),
            "description": descriptions,
            "essential_skills": list_column(n, jobs.ess_owner, occ.skill_ids[jobs.ess]),
            "optional_skills": list_column(n, jobs.opt_owner, occ.skill_ids[jobs.opt]),
            "min_isced": jobs.min_isced.astype(np.int8),
            "postcode": POSTCODES["postcode"].to_numpy()[jobs.postcode_idx],
            "lat": jobs.lat,
            "lon": jobs.lon,
            "hours": jobs.hours.astype(np.int32),
            "posted": jobs.posting.posted,
            "deadline": jobs.posting.deadline,
            "positions": jobs.posting.positions.astype(np.int32),
            "status": jobs.posting.status,
        }
    ).with_columns(pl.col("posted").cast(pl.Date), pl.col("deadline").cast(pl.Date))


def _draw_occupations(rng: np.random.Generator, occ: OccupationModel, sector: np.ndarray) -> np.ndarray:
    """Mostly an occupation of the employer's sector (by demand), sometimes any (office roles etc.)."""
    n = len(sector)
    occupation = np.empty(n, dtype=np.int64)
    for s in np.unique(sector):
        mask = sector == s
        members = np.flatnonzero(occ.sector == s)
        p = occ.demand[members] / occ.demand[members].sum()
        occupation[mask] = members[rng.choice(len(members), mask.sum(), p=p)]
    anywhere = rng.random(n) < 0.12
    occupation[anywhere] = rng.choice(occ.n, anywhere.sum(), p=occ.demand)
    return occupation


def _draw_hours(rng: np.random.Generator, sector: np.ndarray) -> np.ndarray:
    """Full time (37 hours), except some jobs in sectors that often hire part-time."""
    n = len(sector)
    part_time = np.isin(sector, list(PART_TIME_SECTORS)) & (rng.random(n) < 0.35)
    return np.where(part_time, rng.choice([15, 20, 25, 30], n), 37)


def _draw_posting(rng: np.random.Generator, n: int) -> _Posting:
    """A year of history, with a quarter of ads posted in the last 45 days so that many are open now."""
    recent = rng.random(n) < 0.25
    posted_offset = np.where(recent, rng.integers(0, 45, n), rng.integers(0, HISTORY_DAYS, n))
    posted = np.datetime64(TODAY) - posted_offset.astype("timedelta64[D]")
    deadline = posted + rng.integers(14, 61, n).astype("timedelta64[D]")
    positions = np.where(rng.random(n) < 0.8, 1, rng.integers(2, 6, n))
    expired = deadline < np.datetime64(TODAY)
    status = np.where(expired, np.where(rng.random(n) < 0.6, "filled", "closed"), "open")
    return _Posting(posted, deadline, positions, status)
