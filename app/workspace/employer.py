"""An employer's views: own vacancies, pseudonymised and k-anonymous shortlists, saved and hidden candidates,
contact requests and their state.

An employer sees a candidate by a pseudonym of its own per vacancy, and education, experience, hours and
distance only as bands chosen for all of the employer's shortlists together (``app.anonymity``), so the
cards of two vacancies do not let one person be followed across them. The audit log keeps the real ids
(for the job centre); nothing this class hands an employer does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any, cast

import polars as pl

from app.access import Role, User
from app.anonymity import QUASI_IDENTIFIERS, anonymise
from app.ops import in_list, now_utc
from app.workspace.base import EMPLOYER_FIELDS, MIN_REASON_CHARS, Shown, _r
from app.workspace.contact import ANSWERED, ContactRequests
from core.errors import AccessDenied, InvalidDecision
from data import columns as C
from matching.retrieval import MatchFilters
from recommender.explain import reasons_text
from recommender.fair_rerank import RerankMethod

MARKS = ("saved", "hidden")


class EmployerViews(ContactRequests):
    """An employer's views: own vacancies, k-anonymous pseudonymised shortlists, marks, contact requests."""

    def employer_vacancies(self, user: User) -> pl.DataFrame:
        """Own vacancies, open ones first, with the occupation in words and the number of contact requests."""
        user.require(Role.EMPLOYER)
        frame = self._q("SELECT v.vacancy_id, v.title, v.occupation_id, v.hours, v.positions, v.status, v.posted, "
                        "v.deadline FROM vacancies v WHERE v.employer_id = ? "
                        "ORDER BY v.status = 'open' DESC, v.posted DESC, v.vacancy_id", [user.employer_id])  # fmt: skip
        ids = frame[C.VACANCY_ID].to_list()
        asked = dict(self.ops.rows("SELECT vacancy_id, count(*) FROM decisions WHERE action = 'contact_request' "
                                   f"AND vacancy_id IN {in_list(ids)} GROUP BY vacancy_id", ids))  # fmt: skip
        counts = pl.Series("contact_requests", [int(asked.get(v, 0)) for v in ids], pl.Int64)
        return frame.insert_column(8, counts).with_columns(
            pl.col(C.OCCUPATION_ID)
            .map_elements(self.taxonomy.label, return_dtype=pl.String)
            .alias("occupation")
        )

    def _own_vacancy(self, user: User, vacancy_id: str) -> dict[str, Any]:
        user.require(Role.EMPLOYER)
        return self._scoped_row("vacancies", "vacancy_id", vacancy_id, "employer_id", user.employer_id,
                                f"ingen stilling med id {vacancy_id!r} hos din virksomhed")  # fmt: skip

    def candidate_pseudonym(self, vacancy_id: str, seeker_id: str) -> str:
        """Stable per vacancy, unlinkable across vacancies and employers without the deployment's key."""
        mac = hmac.new(self._pseudonym_key, f"{vacancy_id}|{seeker_id}".encode(), hashlib.sha256).hexdigest()
        return f"K-{mac[:10].upper()}"

    # --- shortlists ------------------------------------------------------------------------------------

    def _ranked(self, vacancy_id: str, method: str, n: int) -> pl.DataFrame:
        """The model's top ``n`` consenting candidates for a vacancy, once per release (its world and models
        do not change): an employer's shortlists are read together, so each must not cost a model call per click."""
        cache: dict[tuple[str, str, int], pl.DataFrame] = self._cache("ranked")
        key = (vacancy_id, method, n)
        if key not in cache:
            cache[key] = self.service.for_vacancy(vacancy_id, n, MatchFilters(consent_only=True),  # type: ignore[union-attr]
                                                  rerank=cast(RerankMethod, method))  # fmt: skip
        return cache[key]

    def warm_shortlists(self, k: int = 10) -> int:
        """Rank the open vacancies of every employer with an account, once, ahead of their first click: an
        employer's first shortlist reads all of that employer's shortlists together (k-anonymity across them),
        which cold costs a model call per vacancy. Meant for a background thread; returns vacancies ranked."""
        if self.service is None:
            return 0
        method = self.shortlist_rerank()
        employers = sorted({u.employer_id for u in self.directory.users() if u.employer_id})
        if not employers:
            return 0
        open_ids = self._q("SELECT vacancy_id FROM vacancies WHERE status = 'open' AND employer_id IN "
                           "(SELECT unnest(?::VARCHAR[])) ORDER BY vacancy_id", [employers])[C.VACANCY_ID]  # fmt: skip
        for vid in open_ids.to_list():
            self._ranked(vid, method, k)
        return open_ids.len()

    def _marks(self, vacancy_ids: list[str]) -> pl.DataFrame:
        return self.ops.query("SELECT vacancy_id, seeker_id, mark FROM employer_marks WHERE vacancy_id IN "
                              f"{in_list(vacancy_ids)}", vacancy_ids)  # fmt: skip

    def _employer_cards(self, user: User, method: str, k: int) -> pl.DataFrame:
        """Every card the employer's shortlists show now (each open vacancy's top ``k`` consenting candidates
        not hidden by the employer), banded and made k-anonymous across all of them together."""
        open_ids = self._q("SELECT vacancy_id FROM vacancies WHERE employer_id = ? AND status = 'open' "
                           "ORDER BY vacancy_id", [user.employer_id])[C.VACANCY_ID].to_list()  # fmt: skip
        marks = self._marks(open_ids)
        frames = []
        for vid in open_ids:
            hidden = marks.filter((pl.col(C.VACANCY_ID) == vid) & (pl.col("mark") == "hidden"))[C.SEEKER_ID]
            ranked = self._ranked(vid, method, k + hidden.len()).filter(
                ~pl.col(C.SEEKER_ID).is_in(hidden.to_list())
            )
            frames.append(ranked.with_columns(pl.lit(vid).alias(C.VACANCY_ID)))
        cards = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        if cards.height == 0:
            return cards
        # The matcher's consent flags are a snapshot from start-up; a withdrawal since then counts now.
        consenting = self._q("SELECT seeker_id FROM seekers WHERE consent_employer_view AND seeker_id IN "
                             "(SELECT unnest(?::VARCHAR[]))", [cards[C.SEEKER_ID].unique().to_list()])  # fmt: skip
        cards = cards.filter(pl.col(C.SEEKER_ID).is_in(consenting[C.SEEKER_ID].to_list()))
        cards = cards.with_columns(pl.int_range(1, pl.len() + 1).over(C.VACANCY_ID).alias("rank"))
        return anonymise(cards.filter(pl.col("rank") <= k), self.settings.shortlist_k_anonymity)

    def shortlist(self, user: User, vacancy_id: str, k: int = 10, rerank: str | None = None) -> Shown:
        """Pseudonymised shortlist of consenting candidates (empty unless the vacancy is open): allow-listed
        fields, quasi-identifiers in k-anonymous bands, saved candidates first, each request's state."""
        self._own_vacancy(user, vacancy_id)
        method = rerank or self.shortlist_rerank()
        self._need_suggestions("service")
        cards = self._employer_cards(user, method, k)
        cards = cards.filter(pl.col(C.VACANCY_ID) == vacancy_id) if cards.height else cards
        if cards.height == 0:
            seq = self._log(user, "candidate_shortlist", vacancy_id, {"rerank": method, "ranked": []})
            return Shown(_empty_shortlist(), seq)
        ids = cards[C.SEEKER_ID].to_list()
        saved = set(self._marks([vacancy_id]).filter(pl.col("mark") == "saved")[C.SEEKER_ID].to_list())
        requested = self._request_states_by_seeker(vacancy_id)
        frame = cards.with_columns(
            pl.Series("candidate", [self.candidate_pseudonym(vacancy_id, s) for s in ids], dtype=pl.String),
            pl.col("reciprocal").alias("score"),
            pl.Series(
                "why", [_merit_reasons(c) for c in cards["why_contributions"].to_list()], dtype=pl.String
            ),
            pl.Series("saved", [s in saved for s in ids], dtype=pl.Boolean),
            pl.Series("request_status", [requested.get(s) for s in ids], dtype=pl.String),
        ).sort(["saved", "rank"], descending=[True, False])
        seq = self._log(user, "candidate_shortlist", vacancy_id, {
            "rerank": method, "consent_only": True, "k_anonymity": self.settings.shortlist_k_anonymity,
            "ranked": [{"candidate": r["candidate"], "seeker_id": r[C.SEEKER_ID], "score": _r(r["reciprocal"]),
                        "shown": {c: r[c] for c in (*QUASI_IDENTIFIERS, "privacy")}, "saved": r["saved"]}
                       for r in frame.iter_rows(named=True)]})  # fmt: skip
        return Shown(frame.select(EMPLOYER_FIELDS), seq)

    def _shown_seeker(self, user: User, vacancy_id: str, candidate: str) -> str:
        """The citizen behind a pseudonym this user was last shown for this vacancy; refused otherwise."""
        self._own_vacancy(user, vacancy_id)
        last = self.audit.records("WHERE kind = 'candidate_shortlist' AND user_id = ? AND subject = ?",
                                  [user.user_id, vacancy_id], newest=1)  # fmt: skip
        ranked = json.loads(last["payload"][0])["ranked"] if last.height else []
        seeker_id = next((r["seeker_id"] for r in ranked if r["candidate"] == candidate), None)
        if seeker_id is None:
            raise AccessDenied(f"kandidat {candidate!r} er ikke vist for denne stilling")
        return str(seeker_id)

    # --- saved and hidden candidates -------------------------------------------------------------------

    def mark_candidate(self, user: User, vacancy_id: str, candidate: str, mark: str | None) -> None:
        """Save or hide a shown candidate for this vacancy (``None`` clears the mark); hidden ones are not shown
        for it again. Stored for the employer's firm, audited with the real id for the job centre."""
        if mark is not None and mark not in MARKS:
            raise InvalidDecision(f"unknown mark {mark!r}; one of {', '.join(MARKS)}")
        seeker_id = self._shown_seeker(user, vacancy_id, candidate)
        with self.ops.write() as cur:
            cur.execute(
                "DELETE FROM employer_marks WHERE vacancy_id = ? AND seeker_id = ?", [vacancy_id, seeker_id]
            )
            if mark is not None:
                cur.execute("INSERT INTO employer_marks VALUES (?, ?, ?, ?, ?)",
                            [vacancy_id, seeker_id, mark, now_utc(), user.user_id])  # fmt: skip
        self._log(
            user, "candidate_mark", vacancy_id, {"candidate": candidate, "seeker_id": seeker_id, "mark": mark}
        )

    def hidden_count(self, user: User, vacancy_id: str) -> int:
        self._own_vacancy(user, vacancy_id)
        return self._marks([vacancy_id]).filter(pl.col("mark") == "hidden").height

    def show_hidden_again(self, user: User, vacancy_id: str) -> int:
        """Undo every hide for this vacancy (they may come back on its shortlist); audited. How many."""
        self._own_vacancy(user, vacancy_id)
        hidden = self._marks([vacancy_id]).filter(pl.col("mark") == "hidden")[C.SEEKER_ID].to_list()
        with self.ops.write() as cur:
            cur.execute("DELETE FROM employer_marks WHERE vacancy_id = ? AND mark = 'hidden'", [vacancy_id])
        self._log(user, "candidate_unhide", vacancy_id, {"seeker_ids": hidden})
        return len(hidden)

    # --- contact requests ------------------------------------------------------------------------------

    def request_contact(self, user: User, vacancy_id: str, candidate: str, message: str) -> str:
        """Ask the job centre to contact a candidate the employer was shown; the citizen's id never leaves.
        One open request per candidate and vacancy: a new one only after the job centre has answered."""
        self._own_vacancy(user, vacancy_id)
        if len(message.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("skriv en kort besked til jobcentret (mindst 3 tegn)")
        seeker_id = self._shown_seeker(user, vacancy_id, candidate)
        decision_id = f"D-{uuid.uuid4().hex[:12]}"
        jc = self._q("SELECT jobcenter_id FROM seekers WHERE seeker_id = ?", [seeker_id]).item()
        with self.ops.write(lock="decisions") as cur:  # checked and written under one lock, across processes
            if self._request_states_by_seeker(vacancy_id).get(seeker_id) not in (None, ANSWERED):
                raise InvalidDecision(
                    "der er allerede sendt en anmodning om denne kandidat; jobcentret svarer"
                )
            cur.execute(
                "INSERT INTO decisions (decision_id, ts, user_id, role, jobcenter_id, seeker_id, vacancy_id, "
                "programme, action, reason, model_version, data_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'contact_request', ?, ?, ?)",
                [decision_id, now_utc(), user.user_id, str(user.role), jc, seeker_id, vacancy_id, message.strip(),
                 self.model_version, self.data_version],
            )  # fmt: skip
        self._log(user, "contact_request", vacancy_id, {"decision_id": decision_id, "candidate": candidate,
                                                        "seeker_id": seeker_id})  # fmt: skip
        return decision_id

    def _requests(self, vacancy_id: str) -> pl.DataFrame:
        return self.ops.query("SELECT decision_id AS request_id, ts AS requested_at, seeker_id, reason AS message "
                              "FROM decisions WHERE vacancy_id = ? AND action = 'contact_request' ORDER BY ts DESC",
                              [vacancy_id], {"requested_at": pl.Datetime("us")})  # fmt: skip

    def _request_states_by_seeker(self, vacancy_id: str) -> dict[str, str]:
        """Each requested candidate's latest request state for this vacancy."""
        found = self._requests(vacancy_id)
        states = self.request_states(found["request_id"].to_list())
        latest: dict[str, str] = {}
        for rid, sid in found.select("request_id", C.SEEKER_ID).iter_rows():
            latest.setdefault(sid, states[rid])  # newest first
        return latest

    def vacancy_requests(self, user: User, vacancy_id: str) -> Shown:
        """The employer's contact requests for a vacancy with their state (sendt / set / besvaret), newest first;
        by pseudonym only. Audited like any list shown."""
        self._own_vacancy(user, vacancy_id)
        found = self._requests(vacancy_id)
        states = self.request_states(found["request_id"].to_list())
        frame = found.with_columns(
            pl.Series(
                "candidate", [self.candidate_pseudonym(vacancy_id, s) for s in found[C.SEEKER_ID]], pl.String
            ),
            pl.Series("request_status", [states[r] for r in found["request_id"]], pl.String),
        )
        seq = self._log(user, "contact_requests_shown", vacancy_id, {
            "requests": [{"request_id": r, "state": states[r]} for r in found["request_id"]]})  # fmt: skip
        return Shown(frame.select("candidate", "requested_at", "message", "request_status"), seq)


def _empty_shortlist() -> pl.DataFrame:
    share, names = pl.Float64(), pl.List(pl.String())
    types: dict[str, pl.DataType] = {
        "rank": pl.Int64(), "essential_coverage": share, "matched_essential": names, "missing_essential": names,
        "matched_optional": names, "p_apply": share, "p_employer": share, "score": share, "saved": pl.Boolean()}  # fmt: skip
    return pl.DataFrame(schema={c: types.get(c, pl.String()) for c in EMPLOYER_FIELDS})


# What an employer may read of why a candidate is suggested: merit only. Distance, hours and the citizen's own
# wishes stay out: distance and hours are banded or hidden on the card for k-anonymity, and a reason such as
# "kort afstand" would give them back.
EMPLOYER_REASONS = (
    "similarity",
    "essential_coverage",
    "optional_coverage",
    "education_shortfall",
    "experience",
)


def _merit_reasons(contributions: str | None) -> str:
    """The served contributions (JSON) cut to ``EMPLOYER_REASONS``, worded as their shares."""
    if not contributions:
        return ""
    merit = {k: v for k, v in json.loads(contributions).items() if k in EMPLOYER_REASONS}
    return reasons_text(merit)
