"""A seeded synthetic Odense + Copenhagen labour market, generated vectorised from a taxonomy.

The world follows DESIGN.md's data model. Hidden ground truth (latent tastes, match-utility weights, true
programme effects) goes to ``gt_*`` tables that only ``evaluation/`` reads. Everything is drawn with numpy
and assembled with polars, so a million vacancies take seconds, not hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.geography import (
    AREA,
    JOBCENTERS,
    KOBENHAVN,
    ODENSE,
    POSTCODES,
    RESIDENT_WEIGHT,
    UNEMPLOYED,
    haversine_km,
)
from data.synthetic import text_templates as T
from data.synthetic.world_model import (
    TASTE_DIM,
    MatchParams,
    baseline_p26,
    callback_logit,
    match_utility,
    programme_effects,
    sigmoid,
)
from data.taxonomy import Taxonomy

TODAY = date(2026, 11, 1)  # fixed "now" of the world, so a seed reproduces it exactly
HISTORY_DAYS = 365

# Share of vacancies per built-in sector (roughly what Jobnet shows for the two cities).
SECTOR_DEMAND = {
    "care": 0.15,
    "retail": 0.11,
    "warehouse_transport": 0.11,
    "hospitality": 0.10,
    "cleaning": 0.08,
    "construction": 0.09,
    "office": 0.09,
    "manufacturing": 0.08,
    "health": 0.07,
    "it": 0.05,
    "teaching": 0.04,
    "service": 0.03,
}
# ESCO has no sectors: demand by ISCO major group instead.
ISCO_DEMAND = {
    "0": 0.0,
    "1": 0.03,
    "2": 0.12,
    "3": 0.11,
    "4": 0.10,
    "5": 0.20,
    "6": 0.03,
    "7": 0.12,
    "8": 0.10,
    "9": 0.19,
}
ISCO_ISCED = {"0": 3, "1": 6, "2": 6, "3": 5, "4": 3, "5": 3, "6": 2, "7": 3, "8": 2, "9": 2}
PART_TIME_SECTORS = {"retail", "hospitality", "cleaning", "care", "isco_5", "isco_9"}


@dataclass(frozen=True)
class WorldSize:
    seekers: int = 20_000
    vacancies: int = 6_000
    interactions: int = 150_000
    episodes: int = 25_000
    seed: int = 42


Progress = Callable[[str], None]


def generate_world(
    taxonomy: Taxonomy, size: WorldSize, progress: Progress | None = None
) -> dict[str, pl.DataFrame]:
    """Every world table, keyed by table name (see ``data.schema.WORLD_TABLES``)."""
    step = progress or (lambda _msg: None)
    rng = np.random.default_rng(size.seed)
    occ = _OccupationModel(taxonomy)
    step("employers")
    employers, emp_sector, emp_postcode_idx = _employers(rng, occ, max(20, size.vacancies // 4))
    step("vacancies")
    vacancies, vac_arrays = _vacancies(rng, occ, employers, emp_sector, emp_postcode_idx, size.vacancies)
    step("seekers")
    seekers, protected, seek_arrays = _seekers(rng, occ, size.seekers)
    params = MatchParams()
    step("interactions")
    interactions = _interactions(rng, occ, seek_arrays, vac_arrays, protected, params, size)
    step("interventions")
    interventions, outcomes, effects, capacity = _interventions(
        rng, occ, seekers, seek_arrays, protected, employers, emp_sector, size.episodes
    )
    step("ground truth")
    gt_seeker = pl.DataFrame(
        {
            C.SEEKER_ID: seekers[C.SEEKER_ID],
            "taste": seek_arrays["taste"],
            "occupation_affinity": seek_arrays["affinity"],
        },
        schema_overrides={"taste": pl.List(pl.Float32)},
    )
    gt_vacancy = pl.DataFrame(
        {
            C.VACANCY_ID: vacancies[C.VACANCY_ID],
            "taste": vac_arrays["taste"],
            "attractiveness": vac_arrays["attractiveness"],
        },
        schema_overrides={"taste": pl.List(pl.Float32)},
    )
    gt_params = pl.DataFrame(
        {
            "key": ["match_params", "seed", "today", "taxonomy"],
            "value": [params.to_json(), str(size.seed), TODAY.isoformat(), taxonomy.name],
        }
    )
    return {
        "postcodes": POSTCODES,
        "jobcenters": JOBCENTERS,
        "employers": employers,
        "seekers": seekers,
        "seeker_protected": protected,
        "vacancies": vacancies,
        "interactions": interactions,
        "interventions": interventions,
        "outcomes": outcomes,
        "programme_capacity": capacity,
        "gt_params": gt_params,
        "gt_seeker_latent": gt_seeker,
        "gt_vacancy_latent": gt_vacancy,
        "gt_episode_effects": effects,
    }


# --- taxonomy as arrays -----------------------------------------------------------------------------


class _OccupationModel:
    """The taxonomy as integer arrays: occupation -> skills (CSR), sectors, demand and neighbours."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        occ = tax.occupations
        self.n = occ.height
        self.ids = np.array(occ[C.OCCUPATION_ID].to_list(), dtype=object)
        self.skill_ids = np.array(tax.skills[C.SKILL_ID].to_list(), dtype=object)
        self.skill_label = (
            tax.skills.select(pl.coalesce(C.LABEL_DA, C.LABEL_EN)).to_series().to_numpy().astype(object)
        )
        self.label = occ.select(pl.coalesce(C.LABEL_DA, C.LABEL_EN)).to_series().to_numpy().astype(object)
        self.synonyms = occ[C.SYNONYMS].to_list()
        isco = occ[C.ISCO_CODE].fill_null("9").to_list()
        major = np.array([code[:1] if code else "9" for code in isco])
        self.sector = np.array(
            [s if s else f"isco_{m}" for s, m in zip(occ[C.SECTOR].to_list(), major, strict=True)]
        )
        self.isced_min = np.array(
            [
                i if i is not None else ISCO_ISCED.get(m, 3)
                for i, m in zip(occ[C.ISCED_MIN].to_list(), major, strict=True)
            ],
            dtype=np.int64,
        )
        weights = np.array(
            [SECTOR_DEMAND.get(s, ISCO_DEMAND.get(s.removeprefix("isco_"), 0.05)) for s in self.sector]
        )
        per_sector = {s: (self.sector == s).sum() for s in np.unique(self.sector)}
        noise = np.random.default_rng(7).lognormal(0.0, 0.5, self.n)
        demand = weights / np.array([per_sector[s] for s in self.sector]) * noise
        self.demand = demand / demand.sum()
        skill_index = {s: i for i, s in enumerate(self.skill_ids)}
        occ_index = {o: i for i, o in enumerate(self.ids)}
        rel = tax.occupation_skills
        rows = np.array([occ_index[o] for o in rel[C.OCCUPATION_ID].to_list()], dtype=np.int64)
        cols = np.array([skill_index[s] for s in rel[C.SKILL_ID].to_list()], dtype=np.int64)
        essential = (rel[C.RELATION] == C.ESSENTIAL).to_numpy()
        shape = (self.n, len(self.skill_ids))
        self.essential = _csr(rows[essential], cols[essential], shape)
        self.optional = _csr(rows[~essential], cols[~essential], shape)
        self.all_skills = (self.essential + self.optional).tocsr()
        self.all_skills.data[:] = 1
        self.neighbours = _skill_neighbours(self.all_skills, k=5)
        self.sectors = sorted(per_sector)


def _csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1
    m.sort_indices()
    return m


def _skill_neighbours(skills: sp.csr_matrix, k: int) -> np.ndarray:
    """For each occupation, the k occupations sharing the most skills (Jaccard): career moves."""
    inter = (skills @ skills.T).toarray() if skills.shape[0] <= 4000 else None
    sizes = np.asarray(skills.sum(axis=1)).ravel()
    if inter is None:  # pragma: no cover - taxonomies above 4,000 occupations are not shipped
        raise ValueError("taxonomy too large for neighbour computation")
    jaccard = inter / np.maximum(sizes[:, None] + sizes[None, :] - inter, 1)
    np.fill_diagonal(jaccard, -1)
    return np.argsort(-jaccard, axis=1)[:, :k]


def _sample_rows(
    rng: np.random.Generator, matrix: sp.csr_matrix, rows: np.ndarray, keep_p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expand the CSR rows picked by ``rows`` and keep each entry with its owner's probability.

    Returns (owner position, column) pairs; the first entry of each row is always kept.
    """
    counts = np.diff(matrix.indptr)[rows]
    owner = np.repeat(np.arange(len(rows)), counts)
    starts = np.repeat(matrix.indptr[rows], counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(counts.sum()) - first
    cols = matrix.indices[starts + within]
    # shuffle order within each row so "first" is random, then keep with probability
    order = np.lexsort((rng.random(len(cols)), owner))
    owner, cols, within = owner[order], cols[order], within
    keep = (rng.random(len(cols)) < keep_p[owner]) | (within == 0)
    return owner[keep], cols[keep]


def _list_column(n: int, owner: np.ndarray, values: np.ndarray) -> pl.Series:
    """Vectorised (owner, value) -> list column of length n, order kept, duplicates dropped."""
    frame = pl.DataFrame({"o": owner.astype(np.int64), "v": values}).unique(maintain_order=True)
    grouped = frame.group_by("o", maintain_order=True).agg(pl.col("v"))
    full = pl.DataFrame({"o": np.arange(n, dtype=np.int64)}).join(grouped, on="o", how="left")
    return full["v"].fill_null(pl.lit([], dtype=pl.List(pl.String)))


def _pseudonym(prefix: str, seed: int, n: int) -> list[str]:
    """Stable pseudonymous ids: a keyed hash, so ids reveal neither order nor anything personal."""
    key = f"{prefix}:{seed}".encode()
    return [
        f"{prefix}-{hashlib.blake2b(str(i).encode(), key=key, digest_size=5).hexdigest()}" for i in range(n)
    ]


def _jitter(rng: np.random.Generator, idx: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    lat = POSTCODES["lat"].to_numpy()[idx] + rng.normal(0, km / 111.0, len(idx))
    lon = POSTCODES["lon"].to_numpy()[idx] + rng.normal(0, km / 63.0, len(idx))
    return lat, lon


# --- employers ---------------------------------------------------------------------------------------


def _employers(
    rng: np.random.Generator, occ: _OccupationModel, n: int
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    sector_weight = np.array([occ.demand[occ.sector == s].sum() for s in occ.sectors])
    sector = np.array(occ.sectors)[rng.choice(len(occ.sectors), n, p=sector_weight / sector_weight.sum())]
    area = np.where(rng.random(n) < UNEMPLOYED[KOBENHAVN] / sum(UNEMPLOYED.values()), KOBENHAVN, ODENSE)
    postcode_idx = np.empty(n, dtype=np.int64)
    for name in (KOBENHAVN, ODENSE):
        mask = area == name
        candidates = np.flatnonzero(name == AREA)
        postcode_idx[mask] = rng.choice(candidates, mask.sum())
    size = rng.choice(["1-9", "10-49", "50-249", "250+"], n, p=[0.45, 0.33, 0.16, 0.06])
    municipality = POSTCODES["municipality"].to_numpy()[postcode_idx]
    names = T.employer_names(rng, sector, POSTCODES["city"].to_numpy()[postcode_idx])
    frame = pl.DataFrame(
        {
            C.EMPLOYER_ID: [f"E{i:07d}" for i in range(n)],
            "name": names,
            "industry": [T.INDUSTRY_DA.get(s, T.industry_for_isco(s)) for s in sector],
            "municipality": municipality,
            "size": size,
        }
    )
    return frame, sector, postcode_idx


# --- vacancies ---------------------------------------------------------------------------------------


def _vacancies(
    rng: np.random.Generator,
    occ: _OccupationModel,
    employers: pl.DataFrame,
    emp_sector: np.ndarray,
    emp_postcode_idx: np.ndarray,
    n: int,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    size_weight = employers["size"].replace_strict({"1-9": 1.0, "10-49": 3.0, "50-249": 8.0, "250+": 20.0})
    w = size_weight.to_numpy()
    emp = rng.choice(employers.height, n, p=w / w.sum())
    # Occupation: mostly from the employer's sector (by demand), sometimes any occupation (office roles etc.).
    occupation = np.empty(n, dtype=np.int64)
    sector = emp_sector[emp]
    for s in np.unique(sector):
        mask = sector == s
        members = np.flatnonzero(occ.sector == s)
        p = occ.demand[members] / occ.demand[members].sum()
        occupation[mask] = members[rng.choice(len(members), mask.sum(), p=p)]
    anywhere = rng.random(n) < 0.12
    occupation[anywhere] = rng.choice(occ.n, anywhere.sum(), p=occ.demand)

    owner, ess = _sample_rows(rng, occ.essential, occupation, np.full(n, 0.85))
    owner_o, opt = _sample_rows(rng, occ.optional, occupation, np.full(n, 0.5))
    essential_skills = _list_column(n, owner, occ.skill_ids[ess])
    optional_skills = _list_column(n, owner_o, occ.skill_ids[opt])

    postcode_idx = emp_postcode_idx[emp]
    lat, lon = _jitter(rng, postcode_idx, 1.0)
    part_time = np.isin(sector, list(PART_TIME_SECTORS)) & (rng.random(n) < 0.35)
    hours = np.where(part_time, rng.choice([15, 20, 25, 30], n), 37)
    min_isced = np.clip(occ.isced_min[occupation] + (rng.random(n) < 0.1), 1, 8)
    # A year of history, with a quarter of ads posted in the last 45 days so that many are open now.
    recent = rng.random(n) < 0.25
    posted_offset = np.where(recent, rng.integers(0, 45, n), rng.integers(0, HISTORY_DAYS, n))
    posted = np.datetime64(TODAY) - posted_offset.astype("timedelta64[D]")
    deadline = posted + rng.integers(14, 61, n).astype("timedelta64[D]")
    positions = np.where(rng.random(n) < 0.8, 1, rng.integers(2, 6, n))
    expired = deadline < np.datetime64(TODAY)
    status = np.where(expired, np.where(rng.random(n) < 0.6, "filled", "closed"), "open")

    cities = POSTCODES["city"].to_numpy()[postcode_idx]
    first_skills = _first_k(owner, ess, n, 3, occ.skill_label)
    first_optional = _first_k(owner_o, opt, n, 1, occ.skill_label)
    titles = T.vacancy_titles(
        rng, occ.label[occupation], [occ.synonyms[o] for o in occupation.tolist()], cities
    )
    descriptions = T.vacancy_descriptions(
        rng,
        employer=employers["name"].to_numpy()[emp],
        industry=employers["industry"].to_numpy()[emp],
        title=titles,
        city=cities,
        skills=first_skills,
        optional=first_optional[0],
        isced=min_isced,
        hours=hours,
        deadline=deadline,
    )
    frame = pl.DataFrame(
        {
            C.VACANCY_ID: [f"V{i:07d}" for i in range(n)],
            C.EMPLOYER_ID: employers[C.EMPLOYER_ID].to_numpy()[emp],
            "title": titles,
            C.OCCUPATION_ID: occ.ids[occupation].tolist(),
            "description": descriptions,
            "essential_skills": essential_skills,
            "optional_skills": optional_skills,
            "min_isced": min_isced.astype(np.int8),
            "postcode": POSTCODES["postcode"].to_numpy()[postcode_idx],
            "lat": lat,
            "lon": lon,
            "hours": hours.astype(np.int32),
            "posted": posted,
            "deadline": deadline,
            "positions": positions.astype(np.int32),
            "status": status,
        }
    ).with_columns(pl.col("posted").cast(pl.Date), pl.col("deadline").cast(pl.Date))
    arrays = {
        "occupation": occupation,
        "essential": _csr(owner, ess, (n, len(occ.skill_ids))),
        "optional": _csr(owner_o, opt, (n, len(occ.skill_ids))),
        "lat": lat,
        "lon": lon,
        "hours": hours,
        "min_isced": min_isced,
        "posted": posted,
        "deadline": deadline,
        "positions": positions,
        "area": AREA[postcode_idx],
        "taste": rng.normal(0, 1 / np.sqrt(TASTE_DIM), (n, TASTE_DIM)).astype(np.float32),
        "attractiveness": rng.normal(0, 0.4, n),
    }
    return frame, arrays


def _first_k(owner: np.ndarray, cols: np.ndarray, n: int, k: int, labels: np.ndarray) -> list[np.ndarray]:
    """The first k labels per owner (repeating the last one where an owner has fewer)."""
    counts = np.bincount(owner, minlength=n)
    starts = np.cumsum(counts) - counts
    out = []
    for j in range(k):
        pos = starts + np.minimum(j, np.maximum(counts - 1, 0))
        has = counts > 0
        col = np.full(n, "", dtype=object)
        col[has] = labels[cols[pos[has]]]
        out.append(col)
    return out


# --- seekers -----------------------------------------------------------------------------------------


def _seekers(
    rng: np.random.Generator, occ: _OccupationModel, n: int
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    share_kbh = UNEMPLOYED[KOBENHAVN] / sum(UNEMPLOYED.values())
    area = np.where(rng.random(n) < share_kbh, KOBENHAVN, ODENSE)
    postcode_idx = np.empty(n, dtype=np.int64)
    for name in (KOBENHAVN, ODENSE):
        mask = area == name
        cand = np.flatnonzero((name == AREA) & (RESIDENT_WEIGHT > 0))
        p = RESIDENT_WEIGHT[cand] / RESIDENT_WEIGHT[cand].sum()
        postcode_idx[mask] = cand[rng.choice(len(cand), mask.sum(), p=p)]
    lat, lon = _jitter(rng, postcode_idx, 1.2)

    # Protected attributes: audit only.
    age = np.clip(rng.normal(39, 12, n), 18, 66).astype(np.int64)
    gender = rng.choice(["kvinde", "mand"], n, p=[0.49, 0.51])
    origin = rng.choice(["dansk", "vestlig", "ikke-vestlig"], n, p=[0.74, 0.07, 0.19])
    disability = rng.random(n) < 0.11

    isced = rng.choice([1, 2, 3, 5, 6, 7], n, p=[0.06, 0.2, 0.38, 0.08, 0.17, 0.11])
    isced = np.where((age < 23) & (isced >= 6), 3, isced)
    experience = np.clip(rng.gamma(2.0, 3.0, n), 0, age - 17).round(1)
    # Past occupation fits the education level (at most one level above).
    past = np.empty(n, dtype=np.int64)
    for level in np.unique(isced):
        mask = isced == level
        ok = occ.isced_min <= level + 1
        p = occ.demand * ok
        past[mask] = rng.choice(occ.n, mask.sum(), p=p / p.sum())
    completeness = np.clip(0.45 + 0.05 * experience, 0.45, 0.95)
    own_e, ess = _sample_rows(rng, occ.essential, past, completeness)
    own_o, opt = _sample_rows(rng, occ.optional, past, np.full(n, 0.35))
    # Transferable skills from a neighbouring occupation.
    neighbour = occ.neighbours[past, rng.integers(0, occ.neighbours.shape[1], n)]
    own_n, nb = _sample_rows(rng, occ.all_skills, neighbour, np.full(n, 0.25))
    owner = np.concatenate([own_e, own_o, own_n])
    cols = np.concatenate([ess, opt, nb])
    skills = _list_column(n, owner, occ.skill_ids[cols])
    skill_matrix = _csr(owner, cols, (n, len(occ.skill_ids)))

    wants_past = rng.random(n) < 0.8
    second = np.where(rng.random(n) < 0.6, neighbour, -1)
    first_desired = np.where(wants_past, past, neighbour)
    desired_owner = np.concatenate([np.arange(n), np.flatnonzero(second >= 0)])
    desired_occ = np.concatenate([first_desired, second[second >= 0]])
    desired = _list_column(n, desired_owner, occ.ids[desired_occ].astype(str))
    desired_matrix = sp.csr_matrix(
        (np.ones(len(desired_occ), dtype=np.float32), (desired_owner, desired_occ)), shape=(n, occ.n)
    )
    desired_matrix.data[:] = 1

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
    danish = rng.random(n) < np.where(origin == "ikke-vestlig", 0.75, np.where(origin == "vestlig", 0.6, 1.0))
    english = rng.random(n) < np.clip(0.3 + 0.1 * isced, 0, 0.97)
    other_lang = np.where(
        origin == "ikke-vestlig",
        rng.choice(["arabisk", "tyrkisk", "somali", "urdu", "persisk"], n),
        np.where(origin == "vestlig", rng.choice(["polsk", "tysk", "rumænsk", "spansk"], n), ""),
    )
    lang_owner = np.concatenate(
        [np.flatnonzero(danish), np.flatnonzero(english), np.flatnonzero(other_lang != "")]
    )
    lang_vals = np.concatenate(
        [np.full(danish.sum(), "dansk"), np.full(english.sum(), "engelsk"), other_lang[other_lang != ""]]
    ).astype(object)
    languages = _list_column(n, lang_owner, lang_vals)
    licence = rng.random(n) < 0.72
    commute = np.clip(rng.gamma(3.0, 6.0, n), 3, 60).round(0)
    hours_wanted = rng.choice([37, 37, 37, 30, 25, 20, 15], n)
    consent = rng.random(n) < 0.86
    registered = np.datetime64(TODAY) - (weeks * 7).astype("timedelta64[D]")

    seeker_ids = _pseudonym("P", 0, n)
    texts = T.seeker_profiles(
        rng,
        past_label=occ.label[past],
        desired_label=occ.label[first_desired],
        skills=_first_k(owner, cols, n, 3, occ.skill_label),
        experience=experience,
        licence=licence,
        hours=hours_wanted,
        danish=danish,
        city=POSTCODES["city"].to_numpy()[postcode_idx],
    )
    jobcenter = np.where(area == KOBENHAVN, "jc-kbh", "jc-odense")
    seekers = pl.DataFrame(
        {
            C.SEEKER_ID: seeker_ids,
            C.JOBCENTER_ID: jobcenter,
            "postcode": POSTCODES["postcode"].to_numpy()[postcode_idx],
            "lat": lat,
            "lon": lon,
            "isced_level": isced.astype(np.int8),
            "experience_years": experience,
            "benefit_type": benefit,
            "target_group": target,
            "weeks_unemployed": weeks.astype(np.int32),
            "desired_occupations": desired,
            "skills": skills,
            "languages": languages,
            "driving_licence": licence,
            "max_commute_km": commute,
            "hours_wanted": hours_wanted.astype(np.int32),
            "profile_text": texts,
            "consent_employer_view": consent,
            "registered_at": registered,
        }
    ).with_columns(pl.col("registered_at").cast(pl.Date))
    protected = pl.DataFrame(
        {
            C.SEEKER_ID: seeker_ids,
            "gender": gender,
            "age": age.astype(np.int32),
            "origin_group": origin,
            "disability": disability,
        }
    )
    arrays = {
        "ids": np.array(seeker_ids, dtype=object),
        "skills": skill_matrix,
        "desired": desired_matrix.tocsr(),
        "past": past,
        "lat": lat,
        "lon": lon,
        "isced": isced,
        "experience": experience,
        "commute": commute,
        "hours": hours_wanted,
        "area": area,
        "registered": registered,
        "weeks": weeks,
        "jobparat": (target == "jobparat").astype(float),
        "benefit": benefit,
        "age": age,
        "taste": rng.normal(0, 1 / np.sqrt(TASTE_DIM), (n, TASTE_DIM)).astype(np.float32),
        "affinity": rng.normal(0, 0.3, n),
    }
    return seekers, protected, arrays


# --- interactions ------------------------------------------------------------------------------------


def pair_features(seek: dict[str, Any], vac: dict[str, Any], s: np.ndarray, v: np.ndarray) -> dict[str, Any]:
    """Observable pair features the ground truth is built from (also used by evaluation's oracle)."""
    ess = vac["essential"][v]
    opt = vac["optional"][v]
    sk = seek["skills"][s]
    n_ess = np.maximum(np.asarray(ess.sum(axis=1)).ravel(), 1)
    n_opt = np.maximum(np.asarray(opt.sum(axis=1)).ravel(), 1)
    cov_e = np.asarray(sk.multiply(ess).sum(axis=1)).ravel() / n_ess
    cov_o = np.asarray(sk.multiply(opt).sum(axis=1)).ravel() / n_opt
    desired = np.asarray(seek["desired"][s, vac["occupation"][v]]).ravel() if len(s) else np.zeros(0)
    dist = haversine_km(seek["lat"][s], seek["lon"][s], vac["lat"][v], vac["lon"][v])
    return {
        "cov_essential": cov_e,
        "cov_optional": cov_o,
        "desired": desired,
        "dist_ratio": dist / np.maximum(seek["commute"][s], 1.0),
        "edu_shortfall": np.clip(vac["min_isced"][v] - seek["isced"][s], 0, None).astype(float),
        "hours_gap": np.abs(vac["hours"][v] - seek["hours"][s]).astype(float),
        "taste": np.einsum("ij,ij->i", seek["taste"][s], vac["taste"][v]),
        "attractiveness": vac["attractiveness"][v],
    }


def _interactions(
    rng: np.random.Generator,
    occ: _OccupationModel,
    seek: dict[str, Any],
    vac: dict[str, Any],
    protected: pl.DataFrame,
    params: MatchParams,
    size: WorldSize,
) -> pl.DataFrame:
    n_s, n_v = len(seek["past"]), len(vac["occupation"])
    if size.interactions == 0 or n_s == 0 or n_v == 0:
        return pl.DataFrame(
            schema={
                C.SEEKER_ID: pl.String,
                C.VACANCY_ID: pl.String,
                "event": pl.String,
                "ts": pl.Datetime("us"),
                "source": pl.String,
            }
        )
    n_pairs = int(size.interactions / 1.3 * 1.3) + 1
    s = rng.integers(0, n_s, n_pairs)
    # Half the candidates come from a desired occupation, the rest from vacancies in the seeker's area.
    by_occ = np.argsort(vac["occupation"], kind="stable")
    occ_start = np.searchsorted(vac["occupation"][by_occ], np.arange(occ.n))
    occ_count = np.bincount(vac["occupation"], minlength=occ.n)
    desired = seek["desired"]
    d_counts = np.diff(desired.indptr)[s]
    pick = desired.indices[desired.indptr[s] + (rng.random(n_pairs) * d_counts).astype(np.int64)]
    has = occ_count[pick] > 0
    v = np.empty(n_pairs, dtype=np.int64)
    v[has] = by_occ[occ_start[pick[has]] + (rng.random(has.sum()) * occ_count[pick[has]]).astype(np.int64)]
    by_area = {a: np.flatnonzero(vac["area"] == a) for a in (KOBENHAVN, ODENSE)}
    local = ~has | (rng.random(n_pairs) < params.local_share)
    for a, members in by_area.items():
        mask = local & (seek["area"][s] == a)
        pool = members if len(members) else np.arange(n_v)
        v[mask] = pool[rng.integers(0, len(pool), mask.sum())]
    pairs = pl.DataFrame({"s": s, "v": v}).unique(maintain_order=True)
    s, v = pairs["s"].to_numpy(), pairs["v"].to_numpy()

    f = pair_features(seek, vac, s, v)
    utility = match_utility(params, **f)
    prot = protected.select("age", "origin_group", "disability")
    p_view = sigmoid(params.view_bias + params.view_util * utility)
    p_apply = sigmoid(params.apply_bias + utility)
    cb = callback_logit(
        params,
        cov_essential=f["cov_essential"],
        edu_shortfall=f["edu_shortfall"],
        experience_years=seek["experience"][s],
        nonwestern=(prot["origin_group"].to_numpy()[s] == "ikke-vestlig").astype(float),
        age_55plus=(prot["age"].to_numpy()[s] >= 55).astype(float),
        disability=prot["disability"].to_numpy()[s].astype(float),
    )
    p_hire = sigmoid(params.hire_bias + params.hire_util * utility)
    m = len(s)
    consultant = rng.random(m) < params.p_consultant_shown
    shown = consultant | (rng.random(m) < params.p_self_shown)
    viewed = ~shown | (rng.random(m) < p_view)
    applied = viewed & (rng.random(m) < p_apply)
    interview = applied & (rng.random(m) < sigmoid(cb))
    hired = interview & (rng.random(m) < p_hire)

    # Time: within the vacancy's posting window, before "today".
    window = (vac["deadline"][v] - vac["posted"][v]).astype(np.int64)
    start = vac["posted"][v].astype("datetime64[us]") + (rng.random(m) * window * 86400e6).astype(
        "timedelta64[us]"
    )
    frame = pl.DataFrame(
        {
            "s": s,
            "v": v,
            "u": utility,
            "shown": shown,
            "viewed": viewed,
            "applied": applied,
            "interview": interview,
            "hired": hired,
            "consultant": consultant,
            "t0": start,
        }
    ).with_columns(pl.col("t0").cast(pl.Datetime("us")))
    # Capacity: no more hires than positions per vacancy, one hire per seeker; the rest are rejected.
    frame = frame.with_columns(pl.Series("positions", vac["positions"][v])).with_columns(
        (
            pl.col("hired")
            & (pl.col("u").rank("ordinal", descending=True).over("v", "hired") <= pl.col("positions"))
        ).alias("hired")
    )
    frame = frame.with_columns(
        (pl.col("hired") & (pl.col("t0").rank("ordinal").over("s", "hired") == 1)).alias("hired")
    )
    steps = [
        ("shown", pl.col("shown"), 0.0),
        ("viewed", pl.col("viewed"), 0.5),
        ("applied", pl.col("applied"), 3.0),
        ("interview", pl.col("interview"), 12.0),
        ("hired", pl.col("hired"), 20.0),
        ("rejected", pl.col("applied") & ~pl.col("hired"), 21.0),
    ]
    parts = []
    for event, cond, offset_days in steps:
        parts.append(
            frame.filter(cond).select(
                pl.col("s"),
                pl.col("v"),
                pl.lit(event).alias("event"),
                (pl.col("t0") + pl.duration(hours=int(offset_days * 24))).alias("ts"),
                pl.when(pl.col("consultant"))
                .then(pl.lit("consultant"))
                .otherwise(pl.lit("self"))
                .alias("source"),
            )
        )
    events = pl.concat(parts)
    events = events.filter(pl.col("ts") <= pl.lit(np.datetime64(TODAY).astype("datetime64[us]")))
    # Trim to the requested size, keeping whole pairs so funnels stay consistent.
    counts = events.group_by("s", "v", maintain_order=True).len()
    keep = counts.filter(pl.col("len").cum_sum() <= size.interactions).select("s", "v")
    events = events.join(keep, on=["s", "v"], how="semi")
    ids = pl.DataFrame({"s": np.arange(n_s), C.SEEKER_ID: seek["ids"]})
    return (
        events.join(ids, on="s", how="left")
        .with_columns(pl.format("V{}", pl.col("v").cast(pl.String).str.zfill(7)).alias(C.VACANCY_ID))
        .sort("ts", C.SEEKER_ID, C.VACANCY_ID)
        .select(C.SEEKER_ID, C.VACANCY_ID, "event", "ts", "source")
    )


# --- interventions -----------------------------------------------------------------------------------


def _interventions(
    rng: np.random.Generator,
    occ: _OccupationModel,
    seekers: pl.DataFrame,
    seek: dict[str, Any],
    protected: pl.DataFrame,
    employers: pl.DataFrame,
    emp_sector: np.ndarray,
    n_episodes: int,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    n_s = seekers.height
    who = np.concatenate(
        [rng.permutation(n_s)[: min(n_s, n_episodes)], rng.integers(0, n_s, max(0, n_episodes - n_s))]
    )
    n = len(who)
    isced = seek["isced"][who].astype(float)
    exp = seek["experience"][who]
    weeks = seek["weeks"][who].astype(float)
    jobparat = seek["jobparat"][who]
    benefit = seek["benefit"][who]
    dagpenge = (benefit == "dagpenge").astype(float)
    kontant = (benefit == "kontanthjaelp").astype(float)
    # Skill coverage of the first desired occupation's essential skills.
    desired_first = seek["desired"].indices[seek["desired"].indptr[who]]
    ess = occ.essential[desired_first]
    have = seek["skills"][who]
    coverage = np.asarray(have.multiply(ess).sum(axis=1)).ravel() / np.maximum(
        np.asarray(ess.sum(axis=1)).ravel(), 1
    )
    age = protected["age"].to_numpy()[who].astype(float)
    base = baseline_p26(
        isced=isced,
        experience_years=exp,
        weeks_unemployed=weeks,
        jobparat=jobparat,
        dagpenge=dagpenge,
        skill_coverage=coverage,
        age=age,
    )
    effects = programme_effects(
        experience_years=exp,
        weeks_unemployed=weeks,
        skill_gap=1 - coverage,
        isced=isced,
        jobparat=jobparat,
        dagpenge=dagpenge,
        kontanthjaelp=kontant,
    )
    long_term = np.clip(weeks / 52.0, 0, 2)
    aktiv = 1 - jobparat
    # Confounded assignment: caseworkers give programmes by visible traits (multinomial logit).
    logits = {
        "none": np.full(n, 1.0),
        "virksomhedspraktik": -0.6 + 0.9 * aktiv - 0.12 * exp,
        "loentilskud_privat": -1.6 + 1.2 * long_term + 0.5 * dagpenge,
        "loentilskud_offentlig": -1.9 + 1.0 * long_term + 0.6 * kontant,
        "opkvalificering_amu": -1.2 + 2.0 * (1 - coverage) - 0.3 * (isced - 3),
        # Only insured (dagpenge) citizens are eligible: a real overlap failure.
        "jobrettet_uddannelse_6u": np.where(dagpenge > 0, -1.0 - 0.3 * (isced - 3), -np.inf),
        "mentorstoette": -1.8 + 1.6 * aktiv,
        "ips": np.where(aktiv > 0, -1.2 + 0.8 * kontant, -5.0),
        "jobsamtaler_vejledning": np.full(n, 0.6) + 0.3 * jobparat,
    }
    names = list(C.PROGRAMMES)
    L = np.column_stack([logits[p] for p in names])
    P = np.exp(L - L.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    choice = (P.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    E = np.column_stack([effects[p] for p in names])
    p26 = np.clip(base + E[np.arange(n), choice], 0.01, 0.99)
    u = rng.random(n)
    emp26 = u < p26
    emp13 = u < p26 * 0.55
    emp52 = u < np.clip(p26 + 0.25 * (1 - p26), 0, 0.995)
    weeks_to = np.where(
        emp13,
        rng.integers(1, 14, n),
        np.where(emp26, rng.integers(14, 27, n), np.where(emp52, rng.integers(27, 53, n), -1)),
    )

    start = np.datetime64(TODAY) - rng.integers(400, 3 * 365, n).astype("timedelta64[D]")
    duration_w = np.array([0, 8, 26, 26, 6, 6, 13, 26, 13])[choice]
    end = start + (np.maximum(duration_w, 1) * 7).astype("timedelta64[D]")
    programme = np.array(names)[choice]
    company = np.isin(programme, list(C.COMPANY_BASED_PROGRAMMES))
    emp_municipality = employers["municipality"].to_numpy()
    seeker_area = seek["area"][who]
    employer = np.full(n, None, dtype=object)
    emp_ids = employers[C.EMPLOYER_ID].to_numpy()
    area_of_emp = np.where(
        np.isin(emp_municipality, POSTCODES.filter(pl.col("postcode") < 5000)["municipality"].to_list()),
        KOBENHAVN,
        ODENSE,
    )
    for a in (KOBENHAVN, ODENSE):
        mask = company & (seeker_area == a)
        pool = np.flatnonzero(area_of_emp == a)
        if len(pool) and mask.any():
            employer[mask] = emp_ids[pool[rng.integers(0, len(pool), mask.sum())]]
    episode_ids = [f"EP{i:07d}" for i in range(n)]
    seeker_ids = seekers[C.SEEKER_ID].to_numpy()[who]
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
    outcomes = pl.DataFrame(
        {
            C.EPISODE_ID: episode_ids,
            C.SEEKER_ID: seeker_ids,
            "employed_13w": emp13,
            "employed_26w": emp26,
            "employed_52w": emp52,
            "weeks_to_employment": [w if w > 0 else None for w in weeks_to.tolist()],
        },
        schema_overrides={"weeks_to_employment": pl.Int32},
    )
    gt_effects = pl.DataFrame(
        {
            C.EPISODE_ID: np.repeat(episode_ids, len(names)),
            C.PROGRAMME: np.tile(names, n),
            "baseline_p26": np.repeat(base, len(names)),
            "effect_p26": E.ravel(),
        }
    )
    # Seats per job centre, programme and quarter: what history used, rounded up.
    quarters = 12
    jc = np.where(seeker_area == KOBENHAVN, "jc-kbh", "jc-odense")
    capacity = (
        pl.DataFrame({C.JOBCENTER_ID: jc, C.PROGRAMME: programme})
        .filter(pl.col(C.PROGRAMME) != "none")
        .group_by(C.JOBCENTER_ID, C.PROGRAMME)
        .len()
        .with_columns(
            (pl.col("len") / quarters).ceil().cast(pl.Int32).alias("seats"),
            pl.lit("per_quarter").alias("period"),
        )
        .select(C.JOBCENTER_ID, C.PROGRAMME, "period", "seats")
        .sort(C.JOBCENTER_ID, C.PROGRAMME)
    )
    return interventions, outcomes, gt_effects, capacity
