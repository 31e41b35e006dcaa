"""Everything a recommender may look at, aligned to row numbers once: entity frames, id maps, the
side-feature lists, skill matrices, coordinates, (optionally) text-embedding vectors, and the day the
ranking is made for (``as_of``: which vacancies are still open, and for how long, is part of a match).

Built from the store's non-protected tables only; ``seeker_protected`` is never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.idmap import IdMap
from data.interactions import seeker_feature_lists, vacancy_feature_lists
from data.store import Store

# How far ahead a suggestion counts: the recommender evaluation's test window and each window the ranker
# learns from are this long, so "applies within the horizon" means the same in training and in service.
HORIZON_DAYS = 56


@dataclass(frozen=True)
class AsOf:
    """The day a ranking is made and the days after it in which an application counts."""

    day: date
    horizon_days: int = HORIZON_DAYS

    @classmethod
    def window(cls, start: datetime | date, end: datetime | date) -> AsOf:
        """Ranking at ``start`` for what happens before ``end`` (a training or test window)."""
        first = start.date() if isinstance(start, datetime) else start
        last = end.date() if isinstance(end, datetime) else end
        return cls(first, max((last - first).days, 1))

    @property
    def end(self) -> date:
        return self.day + timedelta(days=self.horizon_days)


@dataclass
class RecContext:
    seekers_frame: pl.DataFrame
    vacancies_frame: pl.DataFrame
    employers_frame: pl.DataFrame
    seekers: IdMap
    vacancies: IdMap
    user_features: list[list[str]]
    item_features: list[list[str]]
    skill_ids: IdMap
    seeker_skills: sp.csr_matrix
    vacancy_essential: sp.csr_matrix
    vacancy_optional: sp.csr_matrix
    seeker_vectors: np.ndarray | None = None
    vacancy_vectors: np.ndarray | None = None
    as_of: AsOf | None = None  # None: as of the newest posting in the vacancies frame (``today``)

    @classmethod
    def from_frames(
        cls,
        seekers: pl.DataFrame,
        vacancies: pl.DataFrame,
        employers: pl.DataFrame,
        as_of: AsOf | None = None,
    ) -> RecContext:
        skills = IdMap(
            sorted(
                {s for lst in seekers["skills"].to_list() for s in lst}
                | {
                    s
                    for col in ("essential_skills", "optional_skills")
                    for lst in vacancies[col].to_list()
                    for s in lst
                }
            )
        )
        return cls(
            seekers_frame=seekers,
            vacancies_frame=vacancies,
            employers_frame=employers,
            seekers=IdMap(seekers[C.SEEKER_ID].to_list()),
            vacancies=IdMap(vacancies[C.VACANCY_ID].to_list()),
            user_features=seeker_feature_lists(seekers),
            item_features=vacancy_feature_lists(vacancies, employers),
            skill_ids=skills,
            seeker_skills=_membership(seekers["skills"].to_list(), skills),
            vacancy_essential=_membership(vacancies["essential_skills"].to_list(), skills),
            vacancy_optional=_membership(vacancies["optional_skills"].to_list(), skills),
            as_of=as_of,
        )

    @classmethod
    def from_store(cls, store: Store) -> RecContext:
        """The store's entities as of its own "today" (``data.clock``)."""
        return cls.from_frames(store.table("seekers"), store.table("vacancies"), store.table("employers"),
                               AsOf(store.reference_date()))  # fmt: skip

    def at(self, as_of: AsOf) -> RecContext:
        """The same context for a ranking made on another day (shares every array, and the built caches)."""
        other = replace(self, as_of=as_of)
        if "desired_occupations" in self.__dict__:
            other.__dict__["desired_occupations"] = self.__dict__["desired_occupations"]
        return other

    def today(self) -> AsOf:
        """``as_of``, or for a context built from frames alone the day of the newest posting."""
        if self.as_of is not None:
            return self.as_of
        posted = self.vacancies_frame["posted"].max() if self.vacancies_frame.height else None
        return AsOf(posted if isinstance(posted, date) else date.today())

    @cached_property
    def desired_occupations(self) -> DesiredOccupations:
        """Built on first use (only the content signals need it), then kept for the context's life. Never
        invalidated: the entity frames it reads are fixed once the context is built (a changed world means
        a new context); replacing ``seeker_vectors`` / ``vacancy_vectors`` does not touch it."""
        return DesiredOccupations.from_frames(self.seekers_frame, self.vacancies_frame)

    def seeker_array(self, column: str) -> np.ndarray:
        return self.seekers_frame[column].to_numpy()

    def vacancy_array(self, column: str) -> np.ndarray:
        return self.vacancies_frame[column].to_numpy()


@dataclass(frozen=True)
class DesiredOccupations:
    """Which occupations each citizen wants (seekers x occupations, 1 = wanted) and each vacancy's column
    in that matrix, so "the vacancy is a wanted occupation" is one sparse lookup per pair."""

    seekers: sp.csr_matrix
    vacancy_columns: np.ndarray

    @classmethod
    def from_frames(cls, seekers: pl.DataFrame, vacancies: pl.DataFrame) -> DesiredOccupations:
        lists = seekers["desired_occupations"].to_list()
        occupations = IdMap(
            sorted(set(vacancies[C.OCCUPATION_ID].to_list()) | {o for lst in lists for o in lst})
        )
        rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
        cols = occupations.rows([o for lst in lists for o in lst])
        wanted = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(lists), len(occupations))
        )
        wanted.data[:] = 1.0
        return cls(wanted, occupations.rows(vacancies[C.OCCUPATION_ID].to_list()))


def _membership(lists: list[list[str]], vocab: IdMap) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    cols = vocab.rows([s for lst in lists for s in lst], missing=-1)
    keep = cols >= 0
    m = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], cols[keep])), shape=(len(lists), len(vocab))
    )
    m.data[:] = 1.0
    return m
