"""A consultant's views: the queue, one citizen's suggestions and programmes, manual search (decisions and
the export: ``app.workspace.decisions``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl

from app.access import Role, User
from app.workspace.base import ISCED_LABELS_DA, Shown, _r
from app.workspace.precomputed import employer_names, programme_table, suggestion_cache
from app.workspace.queue import QueueViews
from data import columns as C
from data.clock import OPEN_VACANCY_SQL
from data.decisions import final_states
from data.geography import haversine_km
from matching.retrieval import MatchFilters
from recommender.calibration import CALIBRATED_COLUMN, SCORE_COLUMN


class ConsultantViews(QueueViews):
    """A consultant's views: one citizen's suggestions and programmes, manual search, decisions (the queue
    and the caseload scope check every lookup goes through are in ``queue``)."""

    def citizen(self, user: User, seeker_id: str) -> dict[str, Any]:
        """The profile as the consultant sees it (labels, not ids); never the protected attributes."""
        s = self._own_seeker(user, seeker_id)
        return {**s, "skills_labels": self._labels(s["skills"]),
                "desired_labels": self._labels(s["desired_occupations"]),
                "education": ISCED_LABELS_DA.get(int(s["isced_level"]), str(s["isced_level"]))}  # fmt: skip

    def _rejected(self, seeker_id: str) -> set[str]:
        """Vacancies whose decision, as it stands now, is a rejection (an undone one is suggested again)."""
        history = self.ops.query("SELECT seeker_id, vacancy_id, programme, action FROM decisions WHERE seeker_id = ? "
                                 "AND vacancy_id IS NOT NULL ORDER BY ts, ord", [seeker_id])  # fmt: skip
        if history.height == 0:  # most citizens: nothing decided yet
            return set()
        return set(final_states(history).filter(pl.col("action") == "reject")[C.VACANCY_ID].to_list())

    def suggest_vacancies(self, user: User, seeker_id: str, k: int = 10,
                          max_km: float | None = None) -> Shown:  # fmt: skip
        """Hybrid-ranked vacancies with explanation and score parts; vacancies rejected before are left out."""
        s = self._own_seeker(user, seeker_id)
        self._need_suggestions("service")
        rejected = self._rejected(seeker_id)
        # the cache is per model objects (``suggestion_cache``); the key holds what the list depends on
        key = (seeker_id, k, max_km, tuple(sorted(rejected)), self.model_version, self.data_version)
        frame = suggestion_cache(self).get(key, lambda: self._suggestions(seeker_id, k, max_km, rejected))
        seq = self._log(user, "vacancy_suggestions", seeker_id, {
            "filters": {"max_km": max_km, "commute_limit_km": s["max_commute_km"]},
            "hidden_rejected": sorted(rejected),
            "ranked": [{"vacancy_id": r[C.VACANCY_ID], "score": _r(r["reciprocal"]), "p_apply": _r(r["p_apply"]),
                        "p_employer": _r(r["p_employer"]), "similarity": _r(r["similarity"]),
                        "p_apply_calibrated": _r(r[CALIBRATED_COLUMN]),
                        "explanation": r["summary_da"], "why_score": r["why_score"]}
                       for r in frame.iter_rows(named=True)],
        })  # fmt: skip
        return Shown(frame, seq)

    def _suggestions(self, seeker_id: str, k: int, max_km: float | None, rejected: set[str]) -> pl.DataFrame:
        """The list as computed (not audited: the caller logs every display, from the cache or not)."""
        frame = self.service.for_seeker(seeker_id, k + len(rejected), MatchFilters(max_distance_km=max_km))  # type: ignore[union-attr]
        frame = frame.filter(~pl.col(C.VACANCY_ID).is_in(list(rejected))).head(k)
        frame = frame.join(employer_names(self), on=C.EMPLOYER_ID, how="left").sort("rank")
        return self._with_relevance(frame.with_columns(pl.int_range(1, frame.height + 1).alias("rank")))

    def _with_relevance(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The calibrated P(applies within the window) beside the ranking score; null without a built map."""
        if self.calibration is None or frame.height == 0:
            return frame.with_columns(pl.lit(None, pl.Float64).alias(CALIBRATED_COLUMN))
        calibrated = self.calibration[0].predict(frame[SCORE_COLUMN].to_numpy())
        return frame.with_columns(pl.Series(CALIBRATED_COLUMN, calibrated, dtype=pl.Float64))

    def reference_date(self) -> date:
        """The world's "today" (``data.clock``): what deadlines on the cards count from."""
        return self._db().reference_date()

    def relevance_basis(self) -> dict[str, Any] | None:
        """What the calibrated figure rests on (window, base rate, held-out error), for the card's help text."""
        return None if self.calibration is None else self.calibration[1]

    def other_industries(self, user: User, seeker_id: str, n: int = 5) -> Shown:
        self._own_seeker(user, seeker_id)
        self._need_suggestions("service")
        from matching.transfer import other_industries

        frame = other_industries(self.service.matcher, seeker_id, n)  # type: ignore[union-attr]
        seq = self._log(user, "other_industries", seeker_id, {
            "ranked": [{"occupation_id": r[C.OCCUPATION_ID], "score": r["score"], "gap": r["gap_skills"]}
                       for r in frame.iter_rows(named=True)]})  # fmt: skip
        return Shown(frame, seq)

    def programmes(self, user: User, seeker_id: str) -> tuple[Any, int]:
        """Programmes by estimated effect with intervals, reasons, concrete employers; and the audit seq."""
        self._own_seeker(user, seeker_id)
        self._need_suggestions("interventions")
        from recommender.interventions import recommend_programmes

        table = programme_table(self)
        rec = table.get(seeker_id) if table is not None else None
        if rec is None:  # no table for this model and data, or a citizen it lacks: compute live, as before
            matcher = self.service.matcher if self.service is not None else None
            assert self.interventions is not None  # _need_suggestions checked it
            rec = recommend_programmes(
                self.interventions, self._db(), seeker_id, matcher=matcher, taxonomy=self.taxonomy
            )
        seq = self._log(user, "programme_suggestions", seeker_id, {
            "ranked": [{k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()
                        if k in ("programme", "rank", "effect", "lower", "upper", "supported", "reason_da")}
                       for r in rec.ranking.iter_rows(named=True)],
            "employers": {p: f[C.EMPLOYER_ID].to_list() for p, f in rec.employers.items()},
            "explanation": rec.text_da})  # fmt: skip
        return rec, seq

    def programme_drivers(
        self, user: User, seeker_id: str, programmes: list[str]
    ) -> dict[str, list[tuple[str, float]]]:
        """Per programme, what moves this citizen's estimate most against a typical citizen (the "why")."""
        self._own_seeker(user, seeker_id)
        self._need_suggestions("interventions")
        from recommender.interventions.features import seeker_features

        assert self.interventions is not None  # _need_suggestions checked it
        table = programme_table(self)
        known = (table.drivers(seeker_id) if table is not None else None) or {}
        wanted = [p for p in programmes if p != "none"]
        if all(p in known for p in wanted):
            return {p: known[p] for p in wanted}
        seekers = self._q("SELECT * FROM seekers WHERE seeker_id = ?", [seeker_id])
        features = seeker_features(seekers, self.taxonomy)
        return {p: known[p] if p in known else [(text, share) for _, share, text in self.interventions.drivers(features, p)]
                for p in wanted}  # fmt: skip

    def manual_search(self, user: User, seeker_id: str | None = None, text: str = "",
                      occupation_id: str | None = None, max_km: float | None = None,
                      limit: int = 50) -> pl.DataFrame:  # fmt: skip
        """Plain search over open vacancies (no model): works when suggestions are switched off."""
        user.require(Role.CONSULTANT)
        sql = [
            "SELECT v.vacancy_id, v.title, e.name AS employer, v.occupation_id, v.hours, v.lat, v.lon,",
            f" v.deadline FROM vacancies v JOIN employers e USING (employer_id) WHERE {OPEN_VACANCY_SQL}",
        ]
        params: list[Any] = [self._db().reference_date()]
        if text.strip():
            sql.append(" AND (v.title ILIKE ? OR v.description ILIKE ?)")
            params += [f"%{text.strip()}%"] * 2
        if occupation_id:
            sql.append(" AND v.occupation_id = ?")
            params.append(occupation_id)
        frame = self._q("".join(sql), params)
        if seeker_id:
            s = self._own_seeker(user, seeker_id)
            km = haversine_km(np.float64(s["lat"]), np.float64(s["lon"]), frame["lat"].to_numpy(),
                              frame["lon"].to_numpy())  # fmt: skip
            frame = frame.with_columns(pl.Series("distance_km", np.round(np.asarray(km, dtype=float), 1)))
            if max_km is not None:
                frame = frame.filter(pl.col("distance_km") <= max_km)
            frame = frame.sort("distance_km")
        frame = frame.head(limit).with_columns(
            pl.col(C.OCCUPATION_ID)
            .map_elements(self.taxonomy.label, return_dtype=pl.String)
            .alias("occupation")
        )
        self._log(user, "manual_search", seeker_id, {"text": text, "occupation_id": occupation_id,
                                                     "max_km": max_km, "results": frame.height})  # fmt: skip
        return frame
