"""The taxonomy as integer arrays the generators draw from: skills per occupation, sectors, demand, neighbours."""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.synthetic.arrays import csr
from data.taxonomy import Taxonomy

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


class OccupationModel:
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
        per_sector = {s: (self.sector == s).sum() for s in np.unique(self.sector)}
        self.demand = _occupation_demand(self.sector, per_sector)
        self.essential, self.optional = _skill_matrices(tax, self.ids, self.skill_ids)
        self.all_skills = (self.essential + self.optional).tocsr()
        self.all_skills.data[:] = 1
        self.neighbours = _skill_neighbours(self.all_skills, k=5)
        self.sectors = sorted(per_sector)


def _occupation_demand(sector: np.ndarray, per_sector: dict[str, int]) -> np.ndarray:
    """Each occupation's share of vacancies: its sector's share, split unevenly among the sector's members.

    The unevenness has its own fixed seed, so demand is a property of the taxonomy, not of the world seed.
    """
    weights = np.array([SECTOR_DEMAND.get(s, ISCO_DEMAND.get(s.removeprefix("isco_"), 0.05)) for s in sector])
    noise = np.random.default_rng(7).lognormal(0.0, 0.5, len(sector))
    demand = weights / np.array([per_sector[s] for s in sector]) * noise
    value: np.ndarray = demand / demand.sum()
    return value


def _skill_matrices(
    tax: Taxonomy, occupation_ids: np.ndarray, skill_ids: np.ndarray
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Occupation x skill matrices of the essential and of the optional skills."""
    skill_index = {s: i for i, s in enumerate(skill_ids)}
    occ_index = {o: i for i, o in enumerate(occupation_ids)}
    rel = tax.occupation_skills
    rows = np.array([occ_index[o] for o in rel[C.OCCUPATION_ID].to_list()], dtype=np.int64)
    cols = np.array([skill_index[s] for s in rel[C.SKILL_ID].to_list()], dtype=np.int64)
    essential = (rel[C.RELATION] == C.ESSENTIAL).to_numpy()
    shape = (len(occupation_ids), len(skill_ids))
    return csr(rows[essential], cols[essential], shape), csr(rows[~essential], cols[~essential], shape)


def _skill_neighbours(skills: sp.csr_matrix, k: int) -> np.ndarray:
    """For each occupation, the k occupations sharing the most skills (Jaccard): career moves."""
    inter = (skills @ skills.T).toarray() if skills.shape[0] <= 4000 else None
    sizes = np.asarray(skills.sum(axis=1)).ravel()
    if inter is None:  # pragma: no cover - taxonomies above 4,000 occupations are not shipped
        raise ValueError("taxonomy too large for neighbour computation")
    jaccard = inter / np.maximum(sizes[:, None] + sizes[None, :] - inter, 1)
    np.fill_diagonal(jaccard, -1)
    return np.argsort(-jaccard, axis=1)[:, :k]
