"""The scoped, audited front of the product: what the dashboard (and the load test) calls.

Every method takes the signed-in ``User`` and enforces role and scope inside its own query (a consultant's
citizen lookups carry ``jobcenter_id = ?``, an employer's vacancy lookups ``employer_id = ?``), so a page,
URL parameter, cache or export can only ever receive what the user may see. Every list of suggestions
shown is written to the hash-chained audit log; every consultant decision goes to ``decisions`` (where
training picks it up) and to the audit log. The administrators' stop switch turns suggestions off and
leaves manual search working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from app.access import Directory, Role, User
from app.audit import AuditLog
from app.ops import RECOMMENDATIONS, OpsStore, now_utc
from core.errors import (
    AccessDenied,
    InvalidDecision,
    JobmatchError,
    ModelUnavailable,
    RecommendationsOff,
    StoreError,
)
from core.settings import Settings
from data import columns as C
from data.geography import haversine_km
from data.protected import GROUP_COLUMNS, protected_groups
from data.store import Store
from data.taxonomy import Taxonomy
from matching.retrieval import MatchFilters
from recommender.fair_rerank import RERANK_METHODS, RerankMethod

DecisionAction = Literal["accept", "reject", "override", "note"]
DECISION_ACTIONS: tuple[str, ...] = ("accept", "reject", "override", "note")
MIN_REASON_CHARS = 3

# What an employer may see of a candidate: nothing that names, locates precisely, or reveals a protected
# attribute; no free text written by or about the citizen.
EMPLOYER_FIELDS: tuple[str, ...] = (
    "rank", "candidate", "education", "experience_years", "hours_wanted", "distance_km", "essential_coverage",
    "matched_essential", "missing_essential", "matched_optional", "p_apply", "p_employer", "score", "why",
)  # fmt: skip
ISCED_LABELS_DA = {0: "Ingen formel", 1: "Grundskole (1)", 2: "Grundskole (2)", 3: "Gymnasial/erhvervsfaglig",
                   4: "Post-gymnasial", 5: "Kort videregående", 6: "Bachelor/professionsbachelor",
                   7: "Kandidat", 8: "Ph.d."}  # fmt: skip
RERANK_KEY = "rerank:shortlist"
REPORTS = (
    "recommender",
    "interventions",
    "fairness",
)  # analyst view: folder name -> <name>.json / metrics.json


@dataclass
class Shown:
    """A frame as shown to the user and the audit record that logged it."""

    frame: pl.DataFrame
    audit_seq: int


class Workspace:
    """One per process: the world store (the single writer), the operations store, the loaded models."""

    def __init__(self, settings: Settings, world: Store, ops: OpsStore, service: Any | None,
                 interventions: Any | None, problems: list[str]) -> None:  # fmt: skip
        self.settings, self.world, self.ops = settings, world, ops
        self.audit, self.directory = AuditLog(ops), Directory(ops)
        self.service, self.interventions = service, interventions
        self.problems = problems  # why a model is unavailable, shown to users with the rebuild command
        self.data_version = world.data_version
        self.taxonomy: Taxonomy = world.load_taxonomy(world.meta("taxonomy") or "builtin")
        self._local = threading.local()
        self._write = threading.Lock()
        self._pseudonym_key = bytes.fromhex(ops.meta("pseudonym_key") or "00")

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        """Open both stores and load whatever models are current; a missing model is a problem, not a crash."""
        if not settings.db_path.exists():
            raise StoreError(
                f"no store at {settings.db_path}: create it with `jobmatch generate` (or `make run`)"
            )
        world = Store(settings.db_path, read_only=False)
        ops = OpsStore(settings.ops_path)
        problems: list[str] = []
        service = interventions = None
        try:
            from recommender.service import RecommendationService

            service = RecommendationService.open(settings, world)
        except JobmatchError as exc:  # a missing or stale artefact; a bug keeps its traceback
            problems.append(f"matching/recommender: {exc} (run `jobmatch build`)")
        try:
            from recommender.interventions import InterventionModel

            interventions = InterventionModel.load(settings.models_dir, data_version=world.data_version)
        except JobmatchError as exc:
            problems.append(f"intervention model: {exc} (run `jobmatch build`)")
        ws = cls(settings, world, ops, service, interventions, problems)
        if settings.demo_login:
            ws.directory.ensure_demo_users(world)
        return ws

    def close(self) -> None:
        self.world.close()
        self.ops.close()

    # --- plumbing --------------------------------------------------------------------------------------

    def _db(self) -> Store:
        """This thread's cursor on the world store (DuckDB connections are not shared across threads)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self.world.cursor()
            self._local.db = db
        return db

    def _q(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        return self._db().query(sql, params)

    @property
    def model_version(self) -> str:
        return self.service.model_version if self.service is not None else "none"

    def recommendations_enabled(self) -> bool:
        return self.ops.switch_enabled(RECOMMENDATIONS)

    def _need_suggestions(self, what: str) -> None:
        if not self.recommendations_enabled():
            raise RecommendationsOff("forslag er slået fra af en administrator; manuel søgning virker stadig")
        if (what == "service" and self.service is None) or (
            what == "interventions" and self.interventions is None
        ):
            raise ModelUnavailable("; ".join(self.problems) or f"{what} not loaded (run `jobmatch build`)")

    def _log(self, user: User, kind: str, subject: str | None, payload: dict[str, Any]) -> int:
        return self.audit.append(user.actor, kind, subject=subject, payload=payload,
                                 model_version=self.model_version, data_version=self.data_version)  # fmt: skip

    def _labels(self, ids: list[str] | None) -> list[str]:
        return [self.taxonomy.label(i) for i in ids or []]

    # --- consultant: the queue and one citizen ---------------------------------------------------------

    def _own_seeker(self, user: User, seeker_id: str) -> dict[str, Any]:
        user.require(Role.CONSULTANT)
        return self._scoped_row("seekers", "seeker_id", seeker_id, "jobcenter_id", user.jobcenter_id,
                                f"ingen borger med id {seeker_id!r} i dit jobcenter")  # fmt: skip

    def _scoped_row(self, table: str, key: str, value: str, scope_col: str, scope: str | None, refusal: str
                    ) -> dict[str, Any]:  # fmt: skip
        """The row only if it lies in the user's scope; otherwise the same refusal whether it exists or not."""
        rows = self._q(f"SELECT * FROM {table} WHERE {key} = ? AND {scope_col} = ?", [value, scope])
        if rows.height == 0:
            raise AccessDenied(refusal)
        return rows.row(0, named=True)

    def queue(self, user: User, search: str = "", target_group: str | None = None,
              benefit: str | None = None, limit: int | None = None) -> pl.DataFrame:  # fmt: skip
        """The consultant's citizens (all, or the first ``limit``), longest unemployed first, with open
        contact requests and last action."""
        user.require(Role.CONSULTANT)
        sql = ["SELECT s.seeker_id, s.weeks_unemployed, s.benefit_type, s.target_group, s.desired_occupations,",
               " s.consent_employer_view, s.registered_at,",
               " (SELECT max(d.ts) FROM decisions d WHERE d.seeker_id = s.seeker_id AND d.role = 'consultant')",
               "   AS last_action,",
               " (SELECT count(*) FROM decisions d WHERE d.seeker_id = s.seeker_id",
               "   AND d.action = 'contact_request') AS contact_requests",
               " FROM seekers s WHERE s.jobcenter_id = ?"]  # fmt: skip
        params: list[Any] = [user.jobcenter_id]
        if target_group:
            sql.append(" AND s.target_group = ?")
            params.append(target_group)
        if benefit:
            sql.append(" AND s.benefit_type = ?")
            params.append(benefit)
        frame = self._q("".join(sql) + " ORDER BY s.weeks_unemployed DESC, s.seeker_id", params)
        frame = frame.with_columns(
            pl.col("desired_occupations").map_elements(lambda ids: ", ".join(self._labels(list(ids))),
                                                       return_dtype=pl.String).alias("desired")
        ).drop("desired_occupations")  # fmt: skip
        if search.strip():
            needle = search.strip().lower()
            frame = frame.filter(
                pl.col(C.SEEKER_ID).str.to_lowercase().str.contains(needle, literal=True)
                | pl.col("desired").str.to_lowercase().str.contains(needle, literal=True)
            )
        return frame if limit is None else frame.head(limit)

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
                            "estimated effects on being in work within 26 weeks, with a 90% interval. A "
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

    # --- employer ---------------------------------------------------------------------------------------

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

    def shortlist_rerank(self) -> str:
        """The fairness re-ranking administrators chose for employer shortlists ("off" by default)."""
        return self.ops.meta(RERANK_KEY) or "off"

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

    # --- analyst ------------------------------------------------------------------------------------------

    def reports(self, user: User) -> dict[str, dict[str, Any]]:
        """Latest evaluation results: this installation's reports if run, else the committed reference run."""
        user.require(Role.ANALYST, Role.ADMIN)
        committed = Path(__file__).resolve().parent.parent / "evaluation" / "results"
        out: dict[str, dict[str, Any]] = {}
        for name in REPORTS:
            for folder, source in ((self.settings.reports_dir / name, "this installation"),
                                   (committed / name, "committed reference run")):  # fmt: skip
                file = next(
                    (f for f in (folder / f"{name}.json", folder / "metrics.json") if f.is_file()), None
                )
                if file is not None:
                    out[name] = {
                        "source": source,
                        "folder": str(folder),
                        "data": json.loads(file.read_text()),
                    }
                    break
        return out

    def decision_rates(self, user: User, min_cell: int = 10) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Acceptance and override rates per consultant and per protected group (cells under ``min_cell``
        decisions are suppressed). Group labels come from ``protected_groups``, for this audit only."""
        user.require(Role.ANALYST, Role.ADMIN)
        decisions = self._q(
            "SELECT d.user_id, d.action, d.seeker_id FROM decisions d "
            "WHERE d.role = 'consultant' AND d.action IN ('accept', 'reject', 'override')"
        )
        groups = protected_groups(self._db(), decisions[C.SEEKER_ID].to_list())
        decided = decisions.drop(C.SEEKER_ID).hstack(groups.drop(C.SEEKER_ID))

        def rates(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
            out = (
                frame.group_by(by)
                .agg(
                    pl.len().alias("decisions"),
                    (pl.col("action") == "accept").mean().alias("acceptance_rate"),
                    (pl.col("action") == "override").mean().alias("override_rate"),
                    (pl.col("action") == "reject").mean().alias("rejection_rate"),
                )
                .sort(by)
            )
            small = pl.col("decisions") < min_cell
            return out.with_columns(
                *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c)
                  for c in ("acceptance_rate", "override_rate", "rejection_rate")),
                small.alias("suppressed"),
            )  # fmt: skip

        per_group = pl.concat([
            rates(decided, [attr]).rename({attr: "group"}).with_columns(pl.lit(attr).alias("attribute"),
                                                                        pl.col("group").cast(pl.String))
            for attr in GROUP_COLUMNS[1:]
        ], how="diagonal").select("attribute", "group", "decisions", "acceptance_rate", "override_rate",
                                  "rejection_rate", "suppressed")  # fmt: skip
        return rates(decided, ["user_id"]), per_group

    def drift(self, user: User) -> tuple[str, pl.DataFrame]:
        """Population drift of the newest citizens against the rest (what the models were trained on)."""
        user.require(Role.ANALYST, Role.ADMIN)
        from app.drift import seeker_drift

        return seeker_drift(self._db())

    # --- admin ---------------------------------------------------------------------------------------------

    def set_recommendations(self, user: User, enabled: bool, reason: str) -> None:
        user.require(Role.ADMIN)
        if len(reason.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("en begrundelse er påkrævet (mindst 3 tegn)")
        self.ops.set_switch(RECOMMENDATIONS, enabled, user.user_id, reason.strip())
        self._log(user, "stop_switch", None, {"recommendations_enabled": enabled, "reason": reason.strip()})

    def set_shortlist_rerank(self, user: User, method: str, reason: str) -> None:
        user.require(Role.ADMIN)
        if method not in RERANK_METHODS:
            raise InvalidDecision(f"unknown re-ranking {method!r}; one of {', '.join(RERANK_METHODS)}")
        if method == self.shortlist_rerank():
            return
        if len(reason.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("en begrundelse er påkrævet (mindst 3 tegn)")
        self.ops.set_meta(RERANK_KEY, method)
        self._log(user, "shortlist_rerank", None, {"method": method, "reason": reason.strip()})

    def verify_audit(self, user: User) -> Any:
        user.require(Role.ADMIN)
        return self.audit.verify()

    def purge_audit(self, user: User) -> int:
        user.require(Role.ADMIN)
        return self.audit.purge(user.actor, self.settings.audit_retention_days)

    def audit_records(self, user: User, limit: int = 200) -> pl.DataFrame:
        user.require(Role.ADMIN)
        return self.audit.records(newest=limit).sort("seq", descending=True)


def _r(x: Any) -> float | None:
    return None if x is None else round(float(x), 5)


def _json_default(x: Any) -> Any:
    if isinstance(x, datetime | date):
        return x.isoformat()
    return str(x)
