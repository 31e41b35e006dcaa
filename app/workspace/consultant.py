"""A consultant's views: the queue, one citizen's suggestions and programmes, manual search, decisions."""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
import polars as pl

from app.access import Role, User
from app.ops import now_utc
from app.workspace.base import (
    DECISION_ACTIONS,
    ISCED_LABELS_DA,
    MIN_REASON_CHARS,
    Shown,
    _json_default,
    _r,
)
from app.workspace.queue import QueueViews
from core.errors import InvalidDecision
from data import columns as C
from data.geography import haversine_km
from matching.retrieval import MatchFilters


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
        found = self._q("SELECT vacancy_id FROM decisions WHERE seeker_id = ? AND action = 'reject' "
                        "AND vacancy_id IS NOT NULL", [seeker_id])  # fmt: skip
        return set(found[C.VACANCY_ID].to_list())

    def suggest_vacancies(self, user: User, seeker_id: str, k: int = 10,
                          max_km: float | None = None) -> Shown:  # fmt: skip
        """Hybrid-ranked vacancies with explanation and score parts; vacancies rejected before are left out."""
        s = self._own_seeker(user, seeker_id)
        self._need_suggestions("service")
        rejected = self._rejected(seeker_id)
        frame = self.service.for_seeker(seeker_id, k + len(rejected), MatchFilters(max_distance_km=max_km))  # type: ignore[union-attr]
        frame = frame.filter(~pl.col(C.VACANCY_ID).is_in(list(rejected))).head(k)
        employers = self._q("SELECT employer_id, name AS employer FROM employers")
        frame = frame.join(employers, on=C.EMPLOYER_ID, how="left").sort("rank")
        frame = frame.with_columns(pl.int_range(1, frame.height + 1).alias("rank"))
        seq = self._log(user, "vacancy_suggestions", seeker_id, {
            "filters": {"max_km": max_km, "commute_limit_km": s["max_commute_km"]},
            "hidden_rejected": sorted(rejected),
            "ranked": [{"vacancy_id": r[C.VACANCY_ID], "score": _r(r["reciprocal"]), "p_apply": _r(r["p_apply"]),
                        "p_employer": _r(r["p_employer"]), "similarity": _r(r["similarity"]),
                        "explanation": r["summary_da"], "why_score": r["why_score"]}
                       for r in frame.iter_rows(named=True)],
        })  # fmt: skip
        return Shown(frame, seq)

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

        matcher = self.service.matcher if self.service is not None else None
        assert self.interventions is not None  # _need_suggestions checked it
        rec = recommend_programmes(self.interventions, self._db(), seeker_id, matcher=matcher)
        seq = self._log(user, "programme_suggestions", seeker_id, {
            "ranked": [{k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()
                        if k in ("programme", "rank", "effect", "lower", "upper", "supported", "reason_da")}
                       for r in rec.ranking.iter_rows(named=True)],
            "employers": {p: f[C.EMPLOYER_ID].to_list() for p, f in rec.employers.items()},
            "explanation": rec.text_da})  # fmt: skip
        return rec, seq

    def manual_search(self, user: User, seeker_id: str | None = None, text: str = "",
                      occupation_id: str | None = None, max_km: float | None = None,
                      limit: int = 50) -> pl.DataFrame:  # fmt: skip
        """Plain search over open vacancies (no model): works when suggestions are switched off."""
        user.require(Role.CONSULTANT)
        sql, params = ["SELECT v.vacancy_id, v.title, e.name AS employer, v.occupation_id, v.hours, v.lat, v.lon,",
                       " v.deadline FROM vacancies v JOIN employers e USING (employer_id) WHERE v.status = 'open'"], []  # fmt: skip
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

    # --- consultant: decisions -------------------------------------------------------------------------

    def decide(self, user: User, seeker_id: str, action: str, reason: str, *, vacancy_id: str | None = None,
               programme: str | None = None) -> str:  # fmt: skip
        """Record accept / reject / override / note with its reason; accepted and overriding vacancies come
        back as training positives, rejected ones as negatives (see ``data.interactions.training_events``)."""
        self._own_seeker(user, seeker_id)
        if action not in DECISION_ACTIONS:
            raise InvalidDecision(f"unknown action {action!r}; one of {', '.join(DECISION_ACTIONS)}")
        if len(reason.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("en begrundelse er påkrævet (mindst 3 tegn)")
        if action in ("accept", "reject", "override") and not (vacancy_id or programme):
            raise InvalidDecision(f"{action} needs the vacancy or programme it is about")
        if programme is not None and programme not in C.PROGRAMMES:
            raise InvalidDecision(f"unknown programme {programme!r}")
        if (
            vacancy_id is not None
            and self._q("SELECT 1 FROM vacancies WHERE vacancy_id = ?", [vacancy_id]).height == 0
        ):
            raise InvalidDecision(f"unknown vacancy {vacancy_id!r}")
        decision_id = f"D-{uuid.uuid4().hex[:12]}"
        with self._write, self.world.transaction():
            self.world.execute(
                "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [decision_id, now_utc(), user.user_id, str(user.role), user.jobcenter_id, seeker_id, vacancy_id,
                 programme, action, reason.strip(), self.model_version, self.data_version],
            )  # fmt: skip
        self._log(user, "decision", seeker_id, {"decision_id": decision_id, "action": action, "reason": reason.strip(),
                                                "vacancy_id": vacancy_id, "programme": programme})  # fmt: skip
        return decision_id

    def decisions_for(self, user: User, seeker_id: str) -> pl.DataFrame:
        self._own_seeker(user, seeker_id)
        return self._q("SELECT ts, user_id, role, action, vacancy_id, programme, reason FROM decisions "
                       "WHERE seeker_id = ? ORDER BY ts DESC", [seeker_id])  # fmt: skip

    def export_citizen(self, user: User, seeker_id: str) -> tuple[str, bytes]:
        """The citizen's current suggestions with their explanations, as one JSON document (right to an
        explanation, GDPR art. 15 / AI Act art. 86). Logged like any other view."""
        profile = self.citizen(user, seeker_id)
        doc: dict[str, Any] = {
            "citizen": seeker_id, "jobcenter_id": profile[C.JOBCENTER_ID], "created": now_utc().isoformat(),
            "model_version": self.model_version, "data_version": self.data_version,
            "profile": {"desired_occupations": profile["desired_labels"], "skills": profile["skills_labels"],
                        "education": profile["education"], "weeks_unemployed": profile["weeks_unemployed"]},
            "how_it_works": "Job suggestions combine the match between skills and the vacancy's requirements, "
                            "distance, hours and what similar citizens applied to; programme suggestions are "
                            "estimated effects on being in work within 26 weeks with their uncertainty; a band is "
                            "called a 90% interval only where its coverage was measured (interval_level). A "
                            "consultant makes every decision.",
            "decisions": self.decisions_for(user, seeker_id).to_dicts(),
        }  # fmt: skip
        if self.recommendations_enabled() and self.service is not None:
            shown = self.suggest_vacancies(user, seeker_id)
            doc["vacancies"] = shown.frame.select("rank", C.VACANCY_ID, "title", "employer", "summary_da",
                                                  "why_score", "p_apply", "p_employer").to_dicts()  # fmt: skip
        if self.recommendations_enabled() and self.interventions is not None:
            rec, _ = self.programmes(user, seeker_id)
            doc["programmes"] = rec.ranking.to_dicts()
            doc["programmes_explanation"] = rec.text_da
        self._log(user, "export", seeker_id, {"sections": sorted(doc)})
        body = json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")
        return f"forklaring-{seeker_id}.json", body
