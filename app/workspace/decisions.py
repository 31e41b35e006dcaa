"""A consultant's decisions with state: one decision per suggestion, an undo inside a short window, the
history, and the explanation export that carries them to the citizen.

The ``decisions`` table stays append-only and keeps its columns: a pair's state is derived from its ordered
history (``data.decisions``), so rows written before states existed still read the same way.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from app import labels
from app.access import User
from app.ops import now_utc
from app.workspace.base import DECISION_ACTIONS, MIN_REASON_CHARS, _json_default
from app.workspace.consultant import ConsultantViews
from app.workspace.world_rows import with_vacancies
from core.errors import InvalidDecision, RecommendationsOff
from data import columns as C
from data.decisions import PAIR_ACTIONS, UNDO, final_states, pair_of

# Actions that need a stated reason; marking "contacted" and undoing may carry one but need none.
REASONED = ("accept", "reject", "override", "note")
ON_SUGGESTIONS = ("accept", "reject")  # refused while suggestions are switched off
CONTACTABLE = ("accept", "override")
_HISTORY = "SELECT decision_id, ts, user_id, seeker_id, vacancy_id, programme, action, reason FROM decisions "
_COLUMNS = ("decision_id, ts, user_id, role, jobcenter_id, seeker_id, vacancy_id, programme, action, reason, "
            "model_version, data_version")  # fmt: skip


@dataclass(frozen=True)
class DecisionState:
    """Where one (citizen, vacancy or programme) pair stands: the decision on top of its history."""

    action: str
    user_id: str
    ts: datetime  # naive UTC, as stored
    reason: str | None
    decision_id: str
    undoable_until: datetime | None  # while the decider may still undo it; None once the window has passed


class DecisionViews(ConsultantViews):
    """Decisions, their states and history, and the citizen's explanation export."""

    def decide(self, user: User, seeker_id: str, action: str, reason: str, *, vacancy_id: str | None = None,
               programme: str | None = None) -> str:  # fmt: skip
        """Record one decision with its reason (stored, audited, training signal through its final state).

        A suggestion is accepted or rejected once (undo first to change it), only while suggestions are on;
        "contact" follows an accepted one; "undo" takes back the decider's own newest decision on the pair
        inside ``Settings.decision_undo_minutes``. Overrides and notes are the consultant's own and always
        allowed."""
        self._own_seeker(user, seeker_id)
        text = self._checked(action, reason, vacancy_id, programme)
        decision_id = f"D-{uuid.uuid4().hex[:12]}"
        # The state is checked and changed in one transaction under the decisions' cross-process lock: two
        # clicks, in this process or in another dashboard process, cannot both pass.
        with self.ops.write(lock="decisions") as cur:
            undoes = self._allowed(user, seeker_id, action, vacancy_id, programme)
            cur.execute(
                f"INSERT INTO decisions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [decision_id, now_utc(), user.user_id, str(user.role), user.jobcenter_id, seeker_id,
                 vacancy_id, programme, action, text, self.model_version, self.data_version],
            )  # fmt: skip
        payload = {"decision_id": decision_id, "action": action, "reason": text, "vacancy_id": vacancy_id,
                   "programme": programme} | ({"undoes": undoes} if undoes else {})  # fmt: skip
        self._log(user, "decision", seeker_id, payload)
        return decision_id

    def _checked(self, action: str, reason: str, vacancy_id: str | None, programme: str | None) -> str | None:
        """The decision's own validity (not its state); returns the reason as stored."""
        if action not in DECISION_ACTIONS:
            raise InvalidDecision(f"unknown action {action!r}; one of {', '.join(DECISION_ACTIONS)}")
        text = reason.strip()
        if action in REASONED and len(text) < MIN_REASON_CHARS:
            raise InvalidDecision("en begrundelse er påkrævet (mindst 3 tegn)")
        if action != "note" and not (vacancy_id or programme):
            raise InvalidDecision(f"{action} needs the vacancy or programme it is about")
        if programme is not None and programme not in C.PROGRAMMES:
            raise InvalidDecision(f"unknown programme {programme!r}")
        if vacancy_id is not None and self._row("vacancies", C.VACANCY_ID, vacancy_id) is None:
            raise InvalidDecision(f"unknown vacancy {vacancy_id!r}")
        return text or None

    def _allowed(self, user: User, seeker_id: str, action: str, vacancy_id: str | None,
                 programme: str | None) -> str | None:  # fmt: skip
        """Refuse what the pair's state does not allow; for an undo, the decision it takes back."""
        if action in ON_SUGGESTIONS and not self.recommendations_enabled():
            raise RecommendationsOff(
                "forslag er slået fra af en administrator; egne valg og noter virker stadig"
            )
        if action not in (*ON_SUGGESTIONS, "contact", UNDO):
            return None
        pair = pair_of({C.VACANCY_ID: vacancy_id, "programme": programme})
        current = self._states_of(seeker_id, pair).get(pair) if pair else None
        if action == UNDO:
            return self._undoable(user, current)
        if current is not None and (action in ON_SUGGESTIONS or current.action == action):
            raise InvalidDecision(f"allerede {_said(current)}; fortryd den først for at ændre den")
        if action == "contact" and (current is None or current.action not in CONTACTABLE):
            raise InvalidDecision("kun et accepteret forslag kan markeres som kontaktet")
        return None

    def _undoable(self, user: User, current: DecisionState | None) -> str:
        if current is None:
            raise InvalidDecision("intet at fortryde")
        if current.user_id != user.user_id:
            raise InvalidDecision(f"kun {current.user_id}, der traf beslutningen, kan fortryde den")
        if current.undoable_until is None:
            minutes = self.settings.decision_undo_minutes
            raise InvalidDecision(f"en beslutning kan kun fortrydes inden for {minutes} minutter")
        return current.decision_id

    def decision_states(self, user: User, seeker_id: str) -> dict[tuple[str, str], DecisionState]:
        """Each decided pair of the citizen, ("vacancy", id) or ("programme", code), and its state."""
        self._own_seeker(user, seeker_id)
        return self._states_of(seeker_id)

    def _states_of(
        self, seeker_id: str, pair: tuple[str, str] | None = None
    ) -> dict[tuple[str, str], DecisionState]:
        where, params = "WHERE seeker_id = ? AND action IN ({})".format(", ".join("?" * len(PAIR_ACTIONS))), [
            seeker_id, *PAIR_ACTIONS]  # fmt: skip
        if pair is not None:
            where += f" AND {C.VACANCY_ID if pair[0] == 'vacancy' else 'programme'} = ?"
            params.append(pair[1])
        final = final_states(self.ops.query(_HISTORY + where + " ORDER BY ts, ord", params))
        window = timedelta(minutes=self.settings.decision_undo_minutes)
        now = now_utc()
        states = {}
        for row in final.iter_rows(named=True):
            until = row["ts"] + window
            states[pair_of(row) or ("", "")] = DecisionState(
                row["action"], row["user_id"], row["ts"], row["reason"], row["decision_id"],
                until if now < until else None,
            )  # fmt: skip
        return states

    def decisions_for(self, user: User, seeker_id: str) -> pl.DataFrame:
        """The citizen's whole decision history, newest first, with the vacancy's title beside its id."""
        self._own_seeker(user, seeker_id)
        history = self.ops.query("SELECT ts, user_id, role, action, vacancy_id, programme, reason FROM decisions "
                                 "WHERE seeker_id = ? ORDER BY ts DESC, ord DESC", [seeker_id])  # fmt: skip
        return with_vacancies(self, history).select("ts", "user_id", "role", "action", "title", C.VACANCY_ID,
                                                 "programme", "reason")  # fmt: skip

    def export_citizen(self, user: User, seeker_id: str) -> tuple[str, bytes]:
        """The citizen's current suggestions with their explanations, as one JSON document (right to an
        explanation, GDPR art. 15 / AI Act art. 86); ``app.explanation`` prints it for the citizen. Logged
        like any other view."""
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


def _said(state: DecisionState) -> str:
    """ "accepteret af konsulent-odense 30.11.2026 kl. 10.32": a state as the refusal names it."""
    return f"{labels.value('action', state.action).lower()} af {state.user_id} {labels.clock(state.ts)}"
