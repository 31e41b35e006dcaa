"""Queries both ways with hard filters and explanations: vacancies for a citizen, candidates for a vacancy.

Hard filters (open: status open and the deadline not passed, see ``data.clock``; distance within the
citizen's commute limit, hours, consent for the employer view) are applied as an allowed-set before
ranking, so they never cost recall: small allowed sets are scored exactly, large ones go through FAISS
filtered search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from core.errors import NotFoundError
from core.settings import Settings
from data import columns as C
from data.clock import REFERENCE_DATE_KEY, reference_date
from data.geography import haversine_km
from data.store import Store
from data.taxonomy import Taxonomy
from embeddings.base import Encoder
from embeddings.texts import seeker_texts, vacancy_texts
from matching.build import load_encoder
from matching.explain import explain_match
from matching.index import VectorIndex

EXACT_MAX = 50_000  # allowed sets up to this size are scored exactly from stored vectors


# Hours are weighed by the ranker (the hours gap is one of its features), not filtered out: a ±10 h filter
# dropped 29.5 % of the applications citizens actually made in the default world's test window (served
# reachability 55 % -> 83 %, NDCG@10 0.229 -> 0.315; evaluation/results/recommender/report.md). 40 h keeps out
# only a gap no working week has.
HOURS_TOLERANCE = 40


@dataclass(frozen=True)
class MatchFilters:
    """Hard filters; ``None`` distance means the citizen's own commute limit."""

    max_distance_km: float | None = None
    hours_tolerance: int = HOURS_TOLERANCE
    open_only: bool = True
    consent_only: bool = False  # employer view: only citizens who consented to be shown


class _Side:
    """One collection (seekers or vacancies) aligned to its index positions."""

    def __init__(self, frame: pl.DataFrame, key: str, index: VectorIndex) -> None:
        self.frame, self.key, self.index = frame, key, index
        self.row_of = {v: i for i, v in enumerate(frame[key].to_list())}
        rows = np.array([self.row_of.get(v, -1) for v in index.ids.tolist()], dtype=np.int64)
        self.pos_row = rows
        self.present = (rows >= 0) & index.alive

    def column(self, name: str, fill: Any) -> np.ndarray:
        values = self.frame[name].to_numpy()
        out = np.full(len(self.pos_row), fill, dtype=values.dtype if values.dtype != object else object)
        ok = self.pos_row >= 0
        out[ok] = values[self.pos_row[ok]]
        return out

    def row(self, ext: str) -> dict[str, Any]:
        if ext not in self.row_of:
            raise NotFoundError(f"unknown {self.key.removesuffix('_id')} id {ext!r}")
        return self.frame.row(self.row_of[ext], named=True)


class Matcher:
    """Serving object: read-only store data, the encoder and both indexes, loaded once and shared."""

    def __init__(
        self, store: Store, taxonomy: Taxonomy, encoder: Encoder, vacancy_index: VectorIndex,
        seeker_index: VectorIndex,
    ) -> None:  # fmt: skip
        self.taxonomy, self.encoder = taxonomy, encoder
        self.data_version = store.data_version
        self._recorded_today = store.meta(REFERENCE_DATE_KEY)  # None: the calendar's date, asked per query
        self.vacancies = _Side(store.table("vacancies"), C.VACANCY_ID, vacancy_index)
        self.seekers = _Side(store.table("seekers"), C.SEEKER_ID, seeker_index)
        v, s = self.vacancies, self.seekers
        self._v = {"lat": v.column("lat", np.nan), "lon": v.column("lon", np.nan), "hours": v.column("hours", 0),
                   "open": v.column("status", "") == "open",
                   "deadline": v.column("deadline", None).astype("datetime64[D]")}  # fmt: skip
        self._s = {"lat": s.column("lat", np.nan), "lon": s.column("lon", np.nan),
                   "hours": s.column("hours_wanted", 0), "commute": s.column("max_commute_km", 0.0),
                   "consent": s.column("consent_employer_view", False).astype(bool)}  # fmt: skip

    @classmethod
    def open(cls, settings: Settings, store: Store) -> Matcher:
        """Load encoder and indexes, refusing indexes that do not match the store or the encoder."""
        taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
        encoder = load_encoder(settings)
        kwargs = {"model_id": encoder.model_id, "data_version": store.data_version, "dim": encoder.dim}
        vacancy_index, _ = VectorIndex.load(settings.indexes_dir / "vacancies", **kwargs)  # type: ignore[arg-type]
        seeker_index, _ = VectorIndex.load(settings.indexes_dir / "seekers", **kwargs)  # type: ignore[arg-type]
        return cls(store, taxonomy, encoder, vacancy_index, seeker_index)

    def today(self) -> date:
        """The date that decides which vacancies are open (``data.clock.reference_date``)."""
        return reference_date(self._recorded_today)

    def open_now(self) -> np.ndarray:
        """Per index position: status open and the deadline not before today."""
        value: np.ndarray = self._v["open"] & (self._v["deadline"] >= np.datetime64(self.today()))
        return value

    # --- query vectors --------------------------------------------------------------------------------

    def seeker_vector(self, seeker: dict[str, Any]) -> np.ndarray:
        sid = seeker[C.SEEKER_ID]
        if self.encoder.symmetric and sid in self.seekers.index:
            return self.seekers.index.vector(sid)
        text = seeker_texts(pl.DataFrame([seeker]), self.taxonomy)  # cold start: encode on the fly
        value: np.ndarray = self.encoder.encode(text, kind="query")[0]
        return value

    def vacancy_vector(self, vacancy: dict[str, Any]) -> np.ndarray:
        vid = vacancy[C.VACANCY_ID]
        if self.encoder.symmetric and vid in self.vacancies.index:
            return self.vacancies.index.vector(vid)
        value: np.ndarray = self.encoder.encode(
            vacancy_texts(pl.DataFrame([vacancy]), self.taxonomy), kind="query"
        )[0]
        return value

    # --- queries --------------------------------------------------------------------------------------

    def vacancies_for_seeker(
        self, seeker: str | dict[str, Any], k: int = 10, filters: MatchFilters | None = None,
        *, explain: bool = True,
    ) -> pl.DataFrame:  # fmt: skip
        """Ranked open vacancies for a citizen (an id, or a profile dict for a citizen not yet stored).

        ``explain=False``: only what locates them (ids, title, distance, similarity), without the per-row
        explanation, for callers that use none (the programme view's employers; ~5x cheaper)."""
        f = filters or MatchFilters()
        s = self.seekers.row(seeker) if isinstance(seeker, str) else seeker
        dist = haversine_km(np.float64(s["lat"]), np.float64(s["lon"]), self._v["lat"], self._v["lon"])
        limit = f.max_distance_km if f.max_distance_km is not None else float(s["max_commute_km"])
        allowed = self.vacancies.present & (dist <= limit)
        allowed &= np.abs(self._v["hours"] - int(s["hours_wanted"])) <= f.hours_tolerance
        if f.open_only:
            allowed &= self.open_now()
        scores, positions = self._rank(self.vacancies.index, self.seeker_vector(s), allowed, k)
        located = self._located(scores, positions, dist)
        return self.explain_located(s, located) if explain else located

    def _located(self, scores: np.ndarray, positions: np.ndarray, dist: np.ndarray) -> pl.DataFrame:
        """The unexplained result: the vacancies' own columns taken in rank order, plus score and distance."""
        rows = self.vacancies.pos_row[positions].astype(np.int64)
        own = self.vacancies.frame.select(C.VACANCY_ID, "title", C.EMPLOYER_ID, C.OCCUPATION_ID, "hours")
        taken: pl.DataFrame = own[rows]
        return taken.with_columns(
            pl.Series("rank", np.arange(1, len(rows) + 1), dtype=pl.Int64),
            pl.Series("similarity", np.asarray(scores, dtype=np.float64)),
            pl.Series("distance_km", np.asarray(dist[positions], dtype=np.float64)),  # unrounded
        )

    def explain_located(self, seeker: str | dict[str, Any], located: pl.DataFrame) -> pl.DataFrame:
        """The explained result for rows of an unexplained one (``explain=False``), in their order: the
        serving funnel explains only the few it shows, after ranking, instead of every candidate."""
        s = self.seekers.row(seeker) if isinstance(seeker, str) else seeker
        rows = []
        for r in located.iter_rows(named=True):
            v = self.vacancies.row(r[C.VACANCY_ID])
            why = explain_match(
                self.taxonomy, seeker_skills=s["skills"], seeker_desired=s["desired_occupations"],
                vacancy_occupation=v[C.OCCUPATION_ID], essential=v["essential_skills"],
                optional=v["optional_skills"], similarity=r["similarity"], distance_km=r["distance_km"],
                hours=v["hours"],
            )  # fmt: skip
            rows.append({"rank": r["rank"], C.VACANCY_ID: v[C.VACANCY_ID], "title": v["title"],
                         C.EMPLOYER_ID: v[C.EMPLOYER_ID], C.OCCUPATION_ID: v[C.OCCUPATION_ID],
                         "occupation": self.taxonomy.label(v[C.OCCUPATION_ID]), "hours": v["hours"],
                         "deadline": v["deadline"], "lat": v["lat"], "lon": v["lon"], **why.as_dict()})  # fmt: skip
        return _frame(rows, _VACANCY_COLUMNS)

    def seekers_for_vacancy(
        self, vacancy: str | dict[str, Any], k: int = 10, filters: MatchFilters | None = None
    ) -> pl.DataFrame:
        """Ranked candidates for a vacancy: within each citizen's own commute limit, hours compatible."""
        f = filters or MatchFilters()
        v = self.vacancies.row(vacancy) if isinstance(vacancy, str) else vacancy
        dist = haversine_km(np.float64(v["lat"]), np.float64(v["lon"]), self._s["lat"], self._s["lon"])
        limit = self._s["commute"] if f.max_distance_km is None else np.full(len(dist), f.max_distance_km)
        allowed = self.seekers.present & (dist <= limit)
        allowed &= np.abs(self._s["hours"] - int(v["hours"])) <= f.hours_tolerance
        if f.consent_only:
            allowed &= self._s["consent"]
        scores, positions = self._rank(self.seekers.index, self.vacancy_vector(v), allowed, k)
        rows = []
        for rank, (score, pos) in enumerate(zip(scores, positions, strict=True), start=1):
            s = self.seekers.frame.row(int(self.seekers.pos_row[pos]), named=True)
            why = explain_match(
                self.taxonomy, seeker_skills=s["skills"], seeker_desired=s["desired_occupations"],
                vacancy_occupation=v[C.OCCUPATION_ID], essential=v["essential_skills"],
                optional=v["optional_skills"], similarity=score, distance_km=dist[pos], hours=v["hours"],
                perspective="borgeren",
            )  # fmt: skip
            rows.append({"rank": rank, C.SEEKER_ID: s[C.SEEKER_ID], C.JOBCENTER_ID: s[C.JOBCENTER_ID],
                         "isced_level": s["isced_level"], "experience_years": s["experience_years"],
                         "hours_wanted": s["hours_wanted"], **why.as_dict()})  # fmt: skip
        return _frame(rows, _SEEKER_COLUMNS)

    def _rank(
        self, index: VectorIndex, query: np.ndarray, allowed: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k positions among ``allowed``: exact over small sets, FAISS filtered search over large ones."""
        candidates = np.flatnonzero(allowed)
        if len(candidates) == 0 or k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if len(candidates) <= EXACT_MAX:
            scores = index.vectors_at(candidates) @ query.astype(np.float32)
            top = np.argsort(-scores, kind="stable")[:k]
            return scores[top], candidates[top]
        found_scores, found_ids = index.search(query[None, :], k, allowed=allowed)
        keep = found_ids[0] != None  # noqa: E711 - object array comparison
        positions = np.array([index.position(i) for i in found_ids[0][keep]], dtype=np.int64)
        return found_scores[0][keep], positions


_EXPLANATION_COLUMNS = ["similarity", "distance_km", "essential_coverage", "matched_essential", "missing_essential",
                        "matched_optional", "bridge_occupation", "bridge_skills", "summary_da"]  # fmt: skip
_VACANCY_COLUMNS = ["rank", C.VACANCY_ID, "title", C.EMPLOYER_ID, C.OCCUPATION_ID, "occupation", "hours",
                    "deadline", "lat", "lon", *_EXPLANATION_COLUMNS]  # fmt: skip
_SEEKER_COLUMNS = ["rank", C.SEEKER_ID, C.JOBCENTER_ID, "isced_level", "experience_years", "hours_wanted",
                   *_EXPLANATION_COLUMNS]  # fmt: skip


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pl.DataFrame:
    list_cols = {"matched_essential", "missing_essential", "matched_optional", "bridge_skills"}
    schema = {
        c: (pl.List(pl.String) if c in list_cols else pl.Date if c == "deadline" else None) for c in columns
    }
    if not rows:
        return pl.DataFrame(schema={c: (t or pl.String) for c, t in schema.items()})
    # Types from every row: a column that is null in the first 100 (polars' default sample) and set later, as
    # a Copenhagen-sized world's 200 candidates can have, was refused.
    overrides = {c: t for c, t in schema.items() if t is not None}
    return pl.DataFrame(rows, schema_overrides=overrides, infer_schema_length=None).select(columns)
