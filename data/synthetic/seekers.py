"""Citizens out of work: where they live, who they are, what they did and can do, what they want, and why
they are registered. Protected attributes go to their own table (audit only); latent tastes stay hidden.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.geography import AREA, KOBENHAVN, ODENSE, POSTCODES, RESIDENT_WEIGHT, UNEMPLOYED
from data.synthetic import text_templates as T
from data.synthetic.arrays import csr, first_k, jitter, list_column, sample_rows
from data.synthetic.clock import TODAY
from data.synthetic.occupations import OccupationModel
from data.synthetic.world_model import TASTE_DIM


@dataclass(frozen=True)
class SeekerArrays:
    """Row-aligned seeker arrays that interactions, episodes and the hidden ground truth are drawn from."""

    ids: np.ndarray
    skills: sp.csr_matrix  # seeker x skill
    desired: sp.csr_matrix  # seeker x occupation
    lat: np.ndarray
    lon: np.ndarray
    isced: np.ndarray
    experience: np.ndarray
    commute: np.ndarray
    hours: np.ndarray
    area: np.ndarray
    weeks: np.ndarray
    jobparat: np.ndarray
    benefit: np.ndarray
    taste: np.ndarray  # hidden: latent taste the vacancies' tastes meet
    affinity: np.ndarray  # hidden: stored as gt_seeker_latent.occupation_affinity, not used by a formula


class _Protected(NamedTuple):
    age: np.ndarray
    gender: np.ndarray
    origin: np.ndarray
    disability: np.ndarray


class _Skills(NamedTuple):
    owner: np.ndarray
    cols: np.ndarray
    neighbour: np.ndarray  # the neighbouring occupation transferable skills came from


class _Desired(NamedTuple):
    first: np.ndarray
    owner: np.ndarray
    occupation: np.ndarray


class _Circumstances(NamedTuple):
    benefit: np.ndarray
    target: np.ndarray
    weeks: np.ndarray


class _Preferences(NamedTuple):
    licence: np.ndarray
    commute: np.ndarray
    hours: np.ndarray
    consent: np.ndarray


@dataclass(frozen=True)
class _People:
    """Everything drawn about the seekers before their profile texts and hidden tastes."""

    area: np.ndarray
    postcode_idx: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    protected: _Protected
    isced: np.ndarray
    experience: np.ndarray
    past: np.ndarray
    skills: _Skills
    desired: _Desired
    circumstances: _Circumstances
    danish: np.ndarray
    languages: pl.Series
    prefs: _Preferences


def draw_seekers(
    rng: np.random.Generator, occ: OccupationModel, n: int
) -> tuple[pl.DataFrame, pl.DataFrame, SeekerArrays]:
    """(seekers, seeker_protected, arrays); the draws run in a fixed order, so a seed gives one world."""
    people = _draw_people(rng, occ, n)
    seeker_ids = pseudonym("P", 0, n)
    seekers = _seekers_frame(occ, people, seeker_ids, _write_profiles(rng, occ, people))
    taste = rng.normal(0, 1 / np.sqrt(TASTE_DIM), (n, TASTE_DIM)).astype(np.float32)
    affinity = rng.normal(0, 0.3, n)
    arrays = SeekerArrays(
        ids=np.array(seeker_ids, dtype=object),
        skills=csr(people.skills.owner, people.skills.cols, (n, len(occ.skill_ids))),
        desired=_desired_matrix(people.desired, (n, occ.n)),
        lat=people.lat,
        lon=people.lon,
        isced=people.isced,
        experience=people.experience,
        commute=people.prefs.commute,
        hours=people.prefs.hours,
        area=people.area,
        weeks=people.circumstances.weeks,
        jobparat=(people.circumstances.target == "jobparat").astype(float),
        benefit=people.circumstances.benefit,
        taste=taste,
        affinity=affinity,
    )
    return seekers, _protected_frame(seeker_ids, people.protected), arrays


def _draw_people(rng: np.random.Generator, occ: OccupationModel, n: int) -> _People:
    area, postcode_idx = _draw_homes(rng, n)
    lat, lon = jitter(rng, postcode_idx, 1.2)
    protected = _draw_protected(rng, n)
    isced, experience = _draw_education_and_experience(rng, protected.age)
    past = _draw_past_occupations(rng, occ, isced)
    skills = _draw_skills(rng, occ, past, experience)
    desired = _draw_desired(rng, past, skills.neighbour)
    circumstances = _draw_circumstances(rng, isced, protected)
    danish, languages = _draw_languages(rng, protected.origin, isced)
    prefs = _draw_preferences(rng, n)
    return _People(
        area,
        postcode_idx,
        lat,
        lon,
        protected,
        isced,
        experience,
        past,
        skills,
        desired,
        circumstances,
        danish,
        languages,
        prefs,
    )


def _write_profiles(rng: np.random.Generator, occ: OccupationModel, people: _People) -> list[str]:
    """The citizen's own Danish profile text (``T.seeker_profiles``)."""
    return T.seeker_profiles(
        rng,
        past_label=occ.label[people.past],
        desired_label=occ.label[people.desired.first],
        skills=first_k(people.skills.owner, people.skills.cols, len(people.past), 3, occ.skill_label),
        experience=people.experience,
        licence=people.prefs.licence,
        hours=people.prefs.hours,
        danish=people.danish,
        city=POSTCODES["city"].to_numpy()[people.postcode_idx],
    )


def _seekers_frame(
    occ: OccupationModel, people: _People, seeker_ids: list[str], texts: list[str]
) -> pl.DataFrame:
    n, desired, skills = len(seeker_ids), people.desired, people.skills
    weeks = people.circumstances.weeks
    return pl.DataFrame(
        {
            C.SEEKER_ID: seeker_ids,
            C.JOBCENTER_ID: np.where(people.area == KOBENHAVN, "jc-kbh", "jc-odense"),
            "postcode": POSTCODES["postcode"].to_numpy()[people.postcode_idx],
            "lat": people.lat,
            "lon": people.lon,
            "isced_level": people.isced.astype(np.int8),
            "experience_years": people.experience,
            "benefit_type": people.circumstances.benefit,
            "target_group": people.circumstances.target,
            "weeks_unemployed": weeks.astype(np.int32),
            "desired_occupations": list_column(n, desired.owner, occ.ids[desired.occupation].astype(str)),
            "skills": list_column(n, skills.owner, occ.skill_ids[skills.cols]),
            "languages": people.languages,
            "driving_licence": people.prefs.licence,
            "max_commute_km": people.prefs.commute,
            "hours_wanted": people.prefs.hours.astype(np.int32),
            "profile_text": texts,
            "consent_employer_view": people.prefs.consent,
            "registered_at": np.datetime64(TODAY) - (weeks * 7).astype("timedelta64[D]"),
        }
    ).with_columns(pl.col("registered_at").cast(pl.Date))


def pseudonym(prefix: str, seed: int, n: int) -> list[str]:
    """Stable pseudonymous ids: a keyed hash, so ids reveal neither order nor anything personal."""
    key = f"{prefix}:{seed}".encode()
    return [
        f"{prefix}-{hashlib.blake2b(str(i).encode(), key=key, digest_size=5).hexdigest()}" for i in range(n)
    ]


def _draw_homes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(area, postcode row): a city in proportion to its unemployed, then a postcode where people live."""
    share_kbh = UNEMPLOYED[KOBENHAVN] / sum(UNEMPLOYED.values())
    area = np.where(rng.random(n) < share_kbh, KOBENHAVN, ODENSE)
    postcode_idx = np.empty(n, dtype=np.int64)
    for name in (KOBENHAVN, ODENSE):
        mask = area == name
        cand = np.flatnonzero((name == AREA) & (RESIDENT_WEIGHT > 0))
        p = RESIDENT_WEIGHT[cand] / RESIDENT_WEIGHT[cand].sum()
        postcode_idx[mask] = cand[rng.choice(len(cand), mask.sum(), p=p)]
    return area, postcode_idx


def _draw_protected(rng: np.random.Generator, n: int) -> _Protected:
    """Age, gender, origin and disability: the audit's attributes, and the callback bias's targets."""
    age = np.clip(rng.normal(39, 12, n), 18, 66).astype(np.int64)
    gender = rng.choice(["kvinde", "mand"], n, p=[0.49, 0.51])
    origin = rng.choice(["dansk", "vestlig", "ikke-vestlig"], n, p=[0.74, 0.07, 0.19])
    disability = rng.random(n) < 0.11
    return _Protected(age, gender, origin, disability)


def _draw_education_and_experience(
    rng: np.random.Generator, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ISCED level (no long degree before 23) and years of work experience (none before 17)."""
    n = len(age)
    isced = rng.choice([1, 2, 3, 5, 6, 7], n, p=[0.06, 0.2, 0.38, 0.08, 0.17, 0.11])
    isced = np.where((age < 23) & (isced >= 6), 3, isced)
    experience = np.clip(rng.gamma(2.0, 3.0, n), 0, age - 17).round(1)
    return isced, experience


def _draw_past_occupations(rng: np.random.Generator, occ: OccupationModel, isced: np.ndarray) -> np.ndarray:
    """The last occupation, by demand, among those the education fits (at most one level above)."""
    past = np.empty(len(isced), dtype=np.int64)
    for level in np.unique(isced):
        mask = isced == level
        ok = occ.isced_min <= level + 1
        p = occ.demand * ok
        past[mask] = rng.choice(occ.n, mask.sum(), p=p / p.sum())
    return past


def _draw_skills(
    rng: np.random.Generator, occ: OccupationModel, past: np.ndarray, experience: np.ndarray
) -> _Skills:
    """Skills of the past occupation (more of them with experience) plus transferable ones from a neighbour."""
    n = len(past)
    completeness = np.clip(0.45 + 0.05 * experience, 0.45, 0.95)
    own_e, ess = sample_rows(rng, occ.essential, past, completeness)
    own_o, opt = sample_rows(rng, occ.optional, past, np.full(n, 0.35))
    neighbour = occ.neighbours[past, rng.integers(0, occ.neighbours.shape[1], n)]
    own_n, nb = sample_rows(rng, occ.all_skills, neighbour, np.full(n, 0.25))
    return _Skills(np.concatenate([own_e, own_o, own_n]), np.concatenate([ess, opt, nb]), neighbour)


def _draw_desired(rng: np.random.Generator, past: np.ndarray, neighbour: np.ndarray) -> _Desired:
    """Mostly the past occupation, else the neighbour; often the neighbour as a second wish too."""
    n = len(past)
    wants_past = rng.random(n) < 0.8
    second = np.where(rng.random(n) < 0.6, neighbour, -1)
    first = np.where(wants_past, past, neighbour)
    owner = np.concatenate([np.arange(n), np.flatnonzero(second >= 0)])
    occupation = np.concatenate([first, second[second >= 0]])
    return _Desired(first, owner, occupation)


def _desired_matrix(desired: _Desired, shape: tuple[int, int]) -> sp.csr_matrix:
    matrix = sp.csr_matrix(
        (np.ones(len(desired.occupation), dtype=np.float32), (desired.owner, desired.occupation)), shape=shape
    )
    matrix.data[:] = 1
    return matrix.tocsr()


def _draw_circumstances(rng: np.random.Generator, isced: np.ndarray, protected: _Protected) -> _Circumstances:
    """Benefit (insured dagpenge or another), target group, and how long they have been out of work."""
    n = len(isced)
    age, origin = protected.age, protected.origin
    benefit = np.where(
        rng.random(n) < np.clip(0.35 + 0.1 * (isced >= 5) - 0.15 * (origin == "ikke-vestlig"), 0, 1) * 1.3,
        "dagpenge",
        rng.choice(
            ["kontanthjaelp", "uddannelseshjaelp", "sygedagpenge", "selvforsoerger"],
            n,
            p=[0.62, 0.16, 0.17, 0.05],
        ),
    )
    benefit = np.where((benefit == "uddannelseshjaelp") & (age >= 30), "kontanthjaelp", benefit)
    aktivitetsparat_p = np.where(benefit == "kontanthjaelp", 0.5, np.where(benefit == "dagpenge", 0.0, 0.25))
    target = np.where(rng.random(n) < aktivitetsparat_p, "aktivitetsparat", "jobparat")
    weeks = np.clip(rng.gamma(1.3, np.where(benefit == "kontanthjaelp", 45.0, 16.0)), 1, 520).astype(np.int64)
    return _Circumstances(benefit, target, weeks)


def _draw_languages(
    rng: np.random.Generator, origin: np.ndarray, isced: np.ndarray
) -> tuple[np.ndarray, pl.Series]:
    """(speaks Danish, languages list column): Danish, English by education, a mother tongue by origin."""
    n = len(origin)
    danish = rng.random(n) < np.where(origin == "ikke-vestlig", 0.75, np.where(origin == "vestlig", 0.6, 1.0))
    english = rng.random(n) < np.clip(0.3 + 0.1 * isced, 0, 0.97)
    other = np.where(
        origin == "ikke-vestlig",
        rng.choice(["arabisk", "tyrkisk", "somali", "urdu", "persisk"], n),
        np.where(origin == "vestlig", rng.choice(["polsk", "tysk", "rumænsk", "spansk"], n), ""),
    )
    owner = np.concatenate([np.flatnonzero(danish), np.flatnonzero(english), np.flatnonzero(other != "")])
    values = np.concatenate(
        [np.full(danish.sum(), "dansk"), np.full(english.sum(), "engelsk"), other[other != ""]]
    ).astype(object)
    return danish, list_column(n, owner, values)


def _draw_preferences(rng: np.random.Generator, n: int) -> _Preferences:
    """Driving licence, how far they will commute, hours wanted, and consent to be shown to employers."""
    licence = rng.random(n) < 0.72
    commute = np.clip(rng.gamma(3.0, 6.0, n), 3, 60).round(0)
    hours = rng.choice([37, 37, 37, 30, 25, 20, 15], n)
    consent = rng.random(n) < 0.86
    return _Preferences(licence, commute, hours, consent)


def _protected_frame(seeker_ids: list[str], protected: _Protected) -> pl.DataFrame:
    return pl.DataFrame(
        {
            C.SEEKER_ID: seeker_ids,
            "gender": protected.gender,
            "age": protected.age.astype(np.int32),
            "origin_group": protected.origin,
            "disability": protected.disability,
        }
    )
