"""Employers: a sector by occupational demand, a place in one of the two cities, a size and a Danish name."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from data import columns as C
from data.geography import AREA, KOBENHAVN, ODENSE, POSTCODES, UNEMPLOYED
from data.synthetic import text_templates as T
from data.synthetic.occupations import OccupationModel

SIZE_BANDS = ["1-9", "10-49", "50-249", "250+"]


@dataclass(frozen=True)
class Employers:
    """The employers table plus what vacancies are drawn from: each employer's sector and postcode row."""

    frame: pl.DataFrame
    sector: np.ndarray
    postcode_idx: np.ndarray


def draw_employers(rng: np.random.Generator, occ: OccupationModel, n: int) -> Employers:
    sector_weight = np.array([occ.demand[occ.sector == s].sum() for s in occ.sectors])
    sector = np.array(occ.sectors)[rng.choice(len(occ.sectors), n, p=sector_weight / sector_weight.sum())]
    postcode_idx = _draw_postcodes(rng, n)
    size = rng.choice(SIZE_BANDS, n, p=[0.45, 0.33, 0.16, 0.06])
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
    return Employers(frame, sector, postcode_idx)


def _draw_postcodes(rng: np.random.Generator, n: int) -> np.ndarray:
    """A city in proportion to its unemployed, then any postcode of that city (firms sit anywhere)."""
    area = np.where(rng.random(n) < UNEMPLOYED[KOBENHAVN] / sum(UNEMPLOYED.values()), KOBENHAVN, ODENSE)
    postcode_idx = np.empty(n, dtype=np.int64)
    for name in (KOBENHAVN, ODENSE):
        mask = area == name
        candidates = np.flatnonzero(name == AREA)
        postcode_idx[mask] = rng.choice(candidates, mask.sum())
    return postcode_idx
