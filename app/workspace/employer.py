"""An employer's views: own vacancies, pseudonymised shortlists, contact requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any, cast

import polars as pl

from app.access import Role, User
from app.ops import now_utc
from app.workspace.base import EMPLOYER_FIELDS, ISCED_LABELS_DA, MIN_REASON_CHARS, Shown, WorkspaceBase, _r
from core.errors import AccessDenied, InvalidDecision
from data import columns as C
from matching.retrieval import MatchFilters
from recommender.fair_rerank import RerankMethod


class EmployerViews(WorkspaceBase):
    """An employer's views: own vacancies, pseudonymised shortlists, contact requests."""

    def employer_vacancies(self, user: User) -> pl.DataFrame:
        user.require(Role.EMPLOYER)
        return self._q("SELECT vacancy_id, title, occupation_id, hours, positions, status, posted, deadline "
                       "FROM vacancies WHERE employer_id = ? ORDER BY status = 'open' DESC, posted DESC",
                       [user.employer_id])  # fmt: skip

    def _own_vacancy(self, user: User, vacancy_id: str) -> dict[str, Any]:
        user.require(Role.EMPLOYER)
        return self._scoped_row("vacancies", "vacancy_id", vacancy_id, "employer_id", user.employer_id,
                                f"ingen stilling med id {vacancy_id!r} hos din virksomhed")  # fmt: skip

    def candidate_pseudonym(self, vacancy_id: str, seeker_id: str) -> str:
        """Stable per vacancy, unlinkable across vacancies and employers without the deployment's key."""
        mac = hmac.new(self._pseudonym_key, f"{vacancy_id}|{seeker_id}".encode(), hashlib.sha256).hexdigest()
        return f"K-{mac[:10].upper()}"

    def shortlist(self, user: User, vacancy_id: str, k: int = 10, rerank: str | None = None) -> Shown:
        """Pseudonymised shortlist of consenting candidates, allow-listed fields only, with why each fits."""
        self._own_vacancy(user, vacancy_id)
        method = cast(RerankMethod, rerank or self.shortlist_rerank())
        self._need_suggestions("service")
        found = self.service.for_vacancy(vacancy_id, k, MatchFilters(consent_only=True), rerank=method)  # type: ignore[union-attr]
        ids = found[C.SEEKER_ID].to_list()
        consent = self._q("SELECT seeker_id FROM seekers WHERE consent_employer_view AND seeker_id IN "
                          "(SELECT unnest(?::VARCHAR[]))", [ids])[C.SEEKER_ID].to_list()  # fmt: skip
        # The matcher's consent flags are a snapshot from start-up; a withdrawal since then counts now.
        found = found.filter(pl.col(C.SEEKER_ID).is_in(consent))
        pseudonyms = [self.candidate_pseudonym(vacancy_id, sid) for sid in found[C.SEEKER_ID].to_list()]
        frame = found.with_columns(
            pl.Series("candidate", pseudonyms, dtype=pl.String),
            pl.col("isced_level").map_elements(lambda v: ISCED_LABELS_DA.get(int(v), str(v)),
                                               return_dtype=pl.String).alias("education"),
            pl.col("experience_years").round(0).cast(pl.Int64),
            pl.col("distance_km").round(0).cast(pl.Int64),
            pl.col("reciprocal").alias("score"),
            pl.concat_str([pl.col("summary_da"), pl.col("why_score")], separator=" Vægtning: ").alias("why"),
        ).select(EMPLOYER_FIELDS)  # fmt: skip
        seq = self._log(user, "candidate_shortlist", vacancy_id, {
            "rerank": method, "consent_only": True,
            "ranked": [{"candidate": p, "seeker_id": sid, "score": _r(sc)}
                       for p, sid, sc in zip(pseudonyms, found[C.SEEKER_ID].to_list(),
                                             found["reciprocal"].to_list(), strict=True)]})  # fmt: skip
        return Shown(frame, seq)

    def request_contact(self, user: User, vacancy_id: str, candidate: str, message: str) -> str:
        """Ask the job centre to contact a candidate the employer was shown; the citizen's id never leaves."""
        self._own_vacancy(user, vacancy_id)
        if len(message.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("skriv en kort besked til jobcentret (mindst 3 tegn)")
        last = self.audit.records("WHERE kind = 'candidate_shortlist' AND user_id = ? AND subject = ?",
                                  [user.user_id, vacancy_id], newest=1)  # fmt: skip
        ranked = json.loads(last["payload"][0])["ranked"] if last.height else []
        seeker_id = next((r["seeker_id"] for r in ranked if r["candidate"] == candidate), None)
        if seeker_id is None:
            raise AccessDenied(f"kandidat {candidate!r} er ikke vist for denne stilling")
        decision_id = f"D-{uuid.uuid4().hex[:12]}"
        jc = self._q("SELECT jobcenter_id FROM seekers WHERE seeker_id = ?", [seeker_id]).item()
        with self._write, self.world.transaction():
            self.world.execute(
                "INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'contact_request', ?, ?, ?)",
                [decision_id, now_utc(), user.user_id, str(user.role), jc, seeker_id, vacancy_id, message.strip(),
                 self.model_version, self.data_version],
            )  # fmt: skip
        self._log(user, "contact_request", vacancy_id, {"decision_id": decision_id, "candidate": candidate})
        return decision_id
