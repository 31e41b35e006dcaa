"""The workspace's shared state and plumbing; each role's views live in their own module beside it."""

from __future__ import annotations

import functools
import inspect
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Self

import polars as pl

from app.access import Directory, User
from app.admission import Slots
from app.audit import AuditLog
from app.caseload import ensure_demo_caseload
from app.decision_log import adopt_world_decisions
from app.ops import RECOMMENDATIONS, OpsStore
from app.refresh import read_built
from core.errors import AccessDenied, JobmatchError, ModelUnavailable, RecommendationsOff, StoreError
from core.releases import live_release
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


@dataclass
class Loaded:
    """One release as this process loaded it: the world (read-only), models and indexes that serve together.

    Everything a call reads comes from one ``Loaded``, so a switch to a newer release never mixes the two
    inside one answer; caches live here too, so they go with the release they were computed from."""

    settings: Settings  # pinned to the release
    world: Store
    service: Any | None
    interventions: Any | None
    calibration: tuple[Any, dict[str, Any]] | None  # (ScoreCalibrator, its meta) when built
    problems: list[str]  # why a model is unavailable, shown to users with the rebuild command
    taxonomy: Taxonomy
    data_version: str  # read once at load: a published release never changes
    local: threading.local = field(default_factory=threading.local)  # per-thread world cursors
    caches: dict[str, dict[Any, Any]] = field(default_factory=dict)

    @property
    def release(self) -> str:
        return self.settings.release

    def cursor(self) -> Store:
        """This thread's cursor on the world store (DuckDB connections are not shared across threads)."""
        db: Store | None = getattr(self.local, "db", None)
        if db is None:
            db = self.world.cursor()
            self.local.db = db
        return db


def load_release(settings: Settings) -> Loaded:
    """Open a release's world read-only and load whatever models it has; a missing model is a problem shown
    to users, not a crash (and a model trained on an earlier data version serves: see app/refresh.py)."""
    pinned = settings.pinned()
    if not pinned.db_path.exists():
        raise StoreError(f"no store at {pinned.db_path}: create it with `jobmatch generate` (or `make run`)")
    world = Store(pinned.db_path, read_only=True)
    problems: list[str] = []
    service = interventions = None
    try:
        from recommender.service import RecommendationService

        service = RecommendationService.open(pinned, world)
    except JobmatchError as exc:  # a missing or unreadable artefact; a bug keeps its traceback
        problems.append(_problem("matching/recommender", exc))
    try:
        from recommender.interventions import InterventionModel

        interventions = InterventionModel.load(pinned.models_dir)
    except JobmatchError as exc:
        problems.append(_problem("intervention model", exc))
    taxonomy = world.load_taxonomy(world.meta("taxonomy") or "builtin")
    return Loaded(pinned, world, service, interventions, _calibration(pinned), problems, taxonomy,
                  world.data_version)  # fmt: skip


ROW_CACHE_SIZE = 50_000  # rows of one table kept per release (citizens opened, vacancies looked up)
RELEASE_CHECK_S = 1.0  # how often a process looks for a newer release (a file read)
RETRY_FAILED_S = 60.0  # a release that failed to load is tried again after this long


class WorkspaceBase:
    """State and plumbing every role's views share: the stores, the loaded release, audit and pseudonyms.

    The loaded release is replaced when a newer one is published (an import, refresh or build): it is loaded
    in a background thread while the current one keeps serving, then swapped in one assignment. Each public
    call pins the release it started on (:func:`_pinned_call`), so its answer comes from one release."""

    def __init__(self, settings: Settings, ops: OpsStore, loaded: Loaded) -> None:
        self.home_settings, self.ops = settings, ops
        self.audit, self.directory = AuditLog(ops), Directory(ops)
        self._loaded: Loaded = loaded
        self._retired: Loaded | None = None
        self._pins = threading.local()
        self._slots = Slots(settings.serving_slots or 2 * (os.cpu_count() or 1))  # see _pinned_call
        self._switch = threading.Lock()
        self._release_checked, self._loading = time.monotonic(), False
        self._failed: tuple[str, float, str] | None = None  # (release, when, why) of the last failed load
        self._write = threading.Lock()
        self._pseudonym_key = bytes.fromhex(ops.meta("pseudonym_key") or "00")

    @classmethod
    def open(cls, settings: Settings) -> Self:
        """Open the operations store and load the live release."""
        if not settings.pinned().db_path.exists():
            raise StoreError(
                f"no store at {settings.pinned().db_path}: create it with `jobmatch generate` (or `make run`)"
            )
        ops = OpsStore.open(settings)
        ws = cls(settings, ops, load_release(settings))
        ws._after_load(ws._loaded)
        return ws

    def close(self) -> None:
        for loaded in (self._loaded, self._retired):
            if loaded is not None:
                loaded.world.close()
        self.ops.close()

    # --- the release this call reads -------------------------------------------------------------------

    def _view(self) -> Loaded:
        pinned: Loaded | None = getattr(self._pins, "loaded", None)
        if pinned is not None:
            return pinned
        self._maybe_switch()
        return self._loaded

    @property
    def settings(self) -> Settings:
        return self._view().settings

    @property
    def world(self) -> Store:
        return self._view().world

    @property
    def service(self) -> Any | None:
        return self._view().service

    @property
    def interventions(self) -> Any | None:
        return self._view().interventions

    @property
    def calibration(self) -> tuple[Any, dict[str, Any]] | None:
        return self._view().calibration

    @property
    def problems(self) -> list[str]:
        return self._view().problems

    @property
    def taxonomy(self) -> Taxonomy:
        return self._view().taxonomy

    @property
    def data_version(self) -> str:
        return self._view().data_version

    @property
    def release(self) -> str:
        return self._view().release

    def _cache(self, name: str) -> dict[Any, Any]:
        """A cache that belongs to the release this call reads (dropped with it)."""
        return self._view().caches.setdefault(name, {})

    def _maybe_switch(self) -> None:
        """Look for a newer release at most every ``RELEASE_CHECK_S``; load it in the background."""
        now = time.monotonic()
        if now - self._release_checked < RELEASE_CHECK_S or self._loading or self.home_settings.release:
            return
        self._release_checked = now
        live = live_release(self.home_settings.home)
        if live is None or live == self._loaded.release:
            return
        if self._failed is not None and self._failed[0] == live and now - self._failed[1] < RETRY_FAILED_S:
            return
        with self._switch:
            if self._loading:
                return
            self._loading = True
        threading.Thread(target=self._load_next, args=(live,), name=f"load-{live}", daemon=True).start()

    def _load_next(self, name: str) -> None:
        try:
            loaded = load_release(self.home_settings.model_copy(update={"release": name}))
            self._after_load(loaded)
        except Exception as exc:  # keep serving the current release; the administrator sees why
            self._failed = (name, time.monotonic(), f"{type(exc).__name__}: {exc}")
            self._loading = False
            return
        retired, self._retired = self._retired, self._loaded
        self._loaded, self._failed, self._loading = loaded, None, False
        if retired is not None:  # two switches ago: no call still reads it
            retired.world.close()
        threading.Thread(target=self._warm, args=(loaded,), name="warm-release", daemon=True).start()

    def _after_load(self, loaded: Loaded) -> None:
        """What a freshly loaded release needs before it serves: decisions an older installation kept in the
        world moved to the operations store, the demo caseload for new citizens."""
        adopt_world_decisions(self.ops, loaded.world)
        if self.home_settings.demo_login:
            ensure_demo_caseload(self.ops, loaded.world, self.directory.ensure_demo_users(loaded.world))

    def _warm(self, loaded: Loaded) -> None:
        """Work done ahead of the first click on a new release (subclasses add to it)."""
        self._pins.loaded = loaded
        try:
            self.warm()
        finally:
            self._pins.loaded = None

    def warm(self) -> None:
        """Precompute what the first clicks on a release would otherwise wait for (none here)."""

    def release_status(self) -> dict[str, Any]:
        """For administrators: the release served, what its models were built for, a newer one that failed."""
        loaded = self._view()
        built = read_built(loaded.settings)
        status: dict[str, Any] = {
            "release": loaded.release or "(in place)", "data_version": loaded.data_version,
            "has_models": loaded.service is not None, "models_built_for": (built or {}).get("data_version"),
            "models_stale": built is not None and built.get("data_version") != loaded.data_version,
            "live_release": live_release(self.home_settings.home), "switching": self._loading,
            "failed": None if self._failed is None else {"release": self._failed[0], "why": self._failed[2]},
        }  # fmt: skip
        return status

    # --- plumbing --------------------------------------------------------------------------------------

    def _db(self) -> Store:
        """This thread's cursor on the world store of the release this call reads."""
        return self._view().cursor()

    def _q(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        return self._db().query(sql, params)

    @property
    def model_version(self) -> str:
        service = self.service
        return service.model_version if service is not None else "none"

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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public method of a view class pins the release for the whole call (nested calls share it)."""
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(value):
                setattr(cls, name, _pinned_call(value))

    def _labels(self, ids: list[str] | None) -> list[str]:
        return [self.taxonomy.label(i) for i in ids or []]

    def _row(self, table: str, key: str, value: str) -> dict[str, Any] | None:
        """One row of the world by its key, or None. Cached per release (a published release never changes):
        every consultant call opens its citizen this way."""
        cache = self._cache(f"row:{table}:{key}")
        row: dict[str, Any] | None = cache.get(value)
        if row is None:
            row = self._db().row(f"SELECT * FROM {table} WHERE {key} = ?", [value])
            if row is None:
                return None
            if len(cache) >= ROW_CACHE_SIZE:
                cache.clear()  # a day's working set is far smaller; clearing keeps memory bounded simply
            cache[value] = row
        return {k: list(v) if isinstance(v, list) else v for k, v in row.items()}  # callers may change theirs

    def _scoped_row(self, table: str, key: str, value: str, scope_col: str, scope: str | None, refusal: str
                    ) -> dict[str, Any]:  # fmt: skip
        """The row only if it lies in the user's scope; otherwise the same refusal whether it exists or not."""
        row = self._row(table, key, value)
        if row is None or row[scope_col] != scope:
            raise AccessDenied(refusal)
        return row

    def shortlist_rerank(self) -> str:
        """The fairness re-ranking administrators chose for employer shortlists ("off" by default)."""
        return self.ops.meta(RERANK_KEY) or "off"


def _calibration(settings: Settings) -> tuple[Any, dict[str, Any]] | None:
    """The relevance map built for this data, if any: without one, cards show no probability (not a fault)."""
    from recommender.calibration import calibration_root, load_calibration

    try:
        return load_calibration(calibration_root(settings.models_dir))
    except JobmatchError:
        return None


def _pinned_call(method: Callable[..., Any]) -> Callable[..., Any]:
    """The outermost public call takes a serving slot (``Settings.serving_slots``) and pins the release; the
    calls nested inside it share both, so a call never waits for its own slot."""

    @functools.wraps(method)
    def call(self: WorkspaceBase, *args: Any, **kwargs: Any) -> Any:
        if getattr(self._pins, "loaded", None) is not None:
            return method(self, *args, **kwargs)
        with self._slots:
            self._pins.loaded = self._view()
            try:
                return method(self, *args, **kwargs)
            finally:
                self._pins.loaded = None

    return call


for _name in ("log_redisplay", "recommendations_enabled", "shortlist_rerank", "release_status"):
    setattr(WorkspaceBase, _name, _pinned_call(getattr(WorkspaceBase, _name)))


def _problem(what: str, exc: JobmatchError) -> str:
    """Why a model is unavailable; the error's own hint names the fix, else the rebuild command does."""
    return f"{what}: {exc}" if exc.hint else f"{what}: {exc} (run `jobmatch build`)"


def _r(x: Any) -> float | None:
    return None if x is None else round(float(x), 5)


def _json_default(x: Any) -> Any:
    if isinstance(x, datetime | date):
        return x.isoformat()
    return str(x)
