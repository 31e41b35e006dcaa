"""The workspace's shared state and plumbing; each role's views live in their own module beside it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Self

import polars as pl

from app.access import Directory, User
from app.audit import AuditLog
from app.caseload import ensure_demo_caseload
from app.decision_log import adopt_world_decisions
from app.ops import RECOMMENDATIONS, OpsStore
from core.errors import AccessDenied, JobmatchError, ModelUnavailable, RecommendationsOff, StoreError
from core.settings import Settings
from data.store import Store
from data.taxonomy import Taxonomy

DecisionAction = Literal["accept", "reject", "override", "note", "contact", "undo"]
DECISION_ACTIONS: tuple[str, ...] = ("accept", "reject", "override", "note", "contact", "undo")
MIN_REASON_CHARS = 3
REDISPLAY_KIND = "list_redisplayed"

# What an employer may see of a candidate: nothing that names, locates precisely, or reveals a protected
# attribute; no free text written by or about the citizen; education, experience, hours wanted and distance
# only as k-anonymous bands (app.anonymity), with ``privacy`` saying whether they were coarsened or hidden.
EMPLOYER_FIELDS: tuple[str, ...] = (
    "rank", "candidate", "education_band", "experience_band", "hours_band", "distance_band", "privacy",
    "essential_coverage", "matched_essential", "missing_essential", "matched_optional", "p_apply", "p_employer",
    "score", "why", "saved", "request_status",
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


class WorkspaceBase:
    """State and plumbing every role's views share: the stores, the loaded models, audit and pseudonyms."""

    def __init__(self, settings: Settings, world: Store, ops: OpsStore, service: Any | None,
                 interventions: Any | None, problems: list[str]) -> None:  # fmt: skip
        self.settings, self.world, self.ops = settings, world, ops
        self.audit, self.directory = AuditLog(ops), Directory(ops)
        self.service, self.interventions = service, interventions
        self.calibration: tuple[Any, dict[str, Any]] | None = None  # (ScoreCalibrator, its meta) when built
        self.problems = problems  # why a model is unavailable, shown to users with the rebuild command
        self.data_version = world.data_version
        self.taxonomy: Taxonomy = world.load_taxonomy(world.meta("taxonomy") or "builtin")
        self._local = threading.local()
        self._write = threading.Lock()
        self._pseudonym_key = bytes.fromhex(ops.meta("pseudonym_key") or "00")

    @classmethod
    def open(cls, settings: Settings) -> Self:
        """Open both stores and load whatever models are current; a missing model is a problem, not a crash."""
        if not settings.db_path.exists():
            raise StoreError(
                f"no store at {settings.db_path}: create it with `jobmatch generate` (or `make run`)"
            )
        world = Store(settings.db_path, read_only=True)
        ops = OpsStore.open(settings)
        problems: list[str] = []
        service = interventions = None
        try:
            from recommender.service import RecommendationService

            service = RecommendationService.open(settings, world)
        except JobmatchError as exc:  # a missing or stale artefact; a bug keeps its traceback
            problems.append(_problem("matching/recommender", exc))
        try:
            from recommender.interventions import InterventionModel

            interventions = InterventionModel.load(settings.models_dir, data_version=world.data_version)
        except JobmatchError as exc:
            problems.append(_problem("intervention model", exc))
        ws = cls(settings, world, ops, service, interventions, problems)
        ws.calibration = _calibration(settings, world)
        adopt_world_decisions(ops, world)
        if settings.demo_login:
            ensure_demo_caseload(ops, world, ws.directory.ensure_demo_users(world))
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

    def log_redisplay(self, user: User, view: str, subject: str | None, original_seq: int) -> int:
        """A list shown again from a session's cache: refused while suggestions are off, else audited as a
        small record that points at the audit record of the list as it was computed."""
        if not self.recommendations_enabled():
            raise RecommendationsOff("forslag er slået fra af en administrator; manuel søgning virker stadig")
        return self._log(user, REDISPLAY_KIND, subject, {"shows_again": original_seq, "view": view})

    def _log(self, user: User, kind: str, subject: str | None, payload: dict[str, Any]) -> int:
        return self.audit.append(user.actor, kind, subject=subject, payload=payload,
                                 model_version=self.model_version, data_version=self.data_version)  # fmt: skip

    def _labels(self, ids: list[str] | None) -> list[str]:
        return [self.taxonomy.label(i) for i in ids or []]

    def _scoped_row(self, table: str, key: str, value: str, scope_col: str, scope: str | None, refusal: str
                    ) -> dict[str, Any]:  # fmt: skip
        """The row only if it lies in the user's scope; otherwise the same refusal whether it exists or not."""
        rows = self._q(f"SELECT * FROM {table} WHERE {key} = ? AND {scope_col} = ?", [value, scope])
        if rows.height == 0:
            raise AccessDenied(refusal)
        row: dict[str, Any] = rows.row(0, named=True)
        return row

    def shortlist_rerank(self) -> str:
        """The fairness re-ranking administrators chose for employer shortlists ("off" by default)."""
        return self.ops.meta(RERANK_KEY) or "off"


def _calibration(settings: Settings, world: Store) -> tuple[Any, dict[str, Any]] | None:
    """The relevance map built for this data, if any: without one, cards show no probability (not a fault)."""
    from recommender.calibration import calibration_root, load_calibration

    try:
        return load_calibration(calibration_root(settings.models_dir), data_version=world.data_version)
    except JobmatchError:
        return None


def _problem(what: str, exc: JobmatchError) -> str:
    """Why a model is unavailable; the error's own hint names the fix, else the rebuild command does."""
    return f"{what}: {exc}" if exc.hint else f"{what}: {exc} (run `jobmatch build`)"


def _r(x: Any) -> float | None:
    return None if x is None else round(float(x), 5)


def _json_default(x: Any) -> Any:
    if isinstance(x, datetime | date):
        return x.isoformat()
    return str(x)
