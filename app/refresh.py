"""Refresh: bring a release up to date with its world without retraining, so new rows are served at once.

An import changes the world store; until the indexes hold the new rows, a matcher would refuse the release
(its indexes are for another data version). A refresh, run inside the same new release as the import (or on
its own, on a schedule), embeds only new or changed profiles and ads, upserts both indexes, and leaves the
trained models as they are: they score new citizens and vacancies from their features (the ranker's raw
signals, the programme model's covariates), which is what cold start means here. Retraining stays the
scheduled ``jobmatch build``. The release records which data version its models were trained on, so the
administrator sees how stale they are (a notice, never a refusal to a consultant).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import artefacts, formats
from core.errors import ArtefactError, StoreError
from core.settings import Settings
from data.store import Store


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did, for the command's output and the benchmarks."""

    data_version: str
    indexed: dict[str, dict[str, Any]]  # side -> build_indexes' statistics
    seconds: float
    programmes: str = ""  # what happened to the precomputed programme table

    def summary(self) -> str:
        parts = [
            f"{self.indexed[side]['upserted']:,} {side} embedded, {self.indexed[side]['removed']:,} removed"
            for side in ("vacancies", "seekers")
        ]
        return (
            f"refreshed for data version {self.data_version}: {'; '.join(parts)}; {self.programmes} "
            f"in {self.seconds} s"
        )


def refresh_release(settings: Settings, *, progress: Callable[[str], None] | None = None) -> RefreshReport:
    """Update the release ``settings`` points at (one being written) to its world: indexes upserted."""
    from matching.build import build_indexes  # the encoder's stack: only where there is work to do

    started = time.perf_counter()
    stats = build_indexes(settings, progress=progress)
    if progress is not None:
        progress("precomputing programme suggestions for new or changed citizens")
    programmes = _extend_programmes(settings, stats["seekers"]["changed_ids"])
    return RefreshReport(
        data_version=str(stats["data_version"]),
        indexed={
            side: {k: v for k, v in stats[side].items() if k != "changed_ids"}
            for side in ("vacancies", "seekers")
        },
        seconds=round(time.perf_counter() - started, 2),
        programmes=programmes,
    )


def _extend_programmes(settings: Settings, seeker_ids: list[str]) -> str:
    """New or changed citizens' programme suggestions added to the release's precomputed table (the others
    are kept; their employer lists are refreshed by the next build). Without a table: computed live."""
    from recommender.interventions.precomputed import extend_programme_table

    try:
        with Store(settings.db_path, read_only=True) as store:
            extend_programme_table(settings, store, seeker_ids)
    except ArtefactError as exc:
        return f"programme table not extended ({exc}); programme suggestions are computed per click"
    return f"programme suggestions precomputed for {len(seeker_ids):,} new or changed citizens"


def is_current(settings: Settings) -> bool:
    """Whether the release ``settings`` reads already serves its world: both indexes are for its data
    version (then a refresh has nothing to do)."""
    from matching.index import ARTEFACT_KIND as INDEX_KIND
    from matching.index import FORMAT_VERSION as INDEX_FORMAT

    try:
        with Store(settings.db_path, read_only=True) as store:
            version = store.data_version
    except StoreError:  # no world yet: nothing to refresh against
        return False
    for side in ("vacancies", "seekers"):
        try:
            _, manifest = artefacts.load(
                settings.indexes_dir / side, kind=INDEX_KIND, format_version=INDEX_FORMAT, hint="",
                expect={"data_version": version},
            )  # fmt: skip
        except ArtefactError:
            return False
        del manifest
    return True


BUILT = "built.json"  # in a release's folder: what its models were built for


def build_fingerprint(settings: Settings) -> dict[str, Any]:
    """What a full build depends on: the world's data version, the consultants' decisions (they train),
    the settings that change its output and the format of every model it writes."""
    from app.ops import OpsStore

    try:
        with Store(settings.db_path, read_only=True) as store:
            version = store.data_version
    except StoreError:
        version = None
    with OpsStore.open(settings) as ops:
        decisions = int(ops.rows("SELECT count(*) FROM decisions")[0][0])
    return {"data_version": version, "decisions": decisions, "encoder": settings.encoder,
            "index_kind": settings.index_kind, "seed": settings.seed, "formats": dict(formats.BUILT)}  # fmt: skip


def copy_decisions(settings: Settings) -> int:
    """Hand the consultants' decisions (kept in the operations store) to the world of the release being
    written, where training reads them (``data.interactions.training_events``); returns rows added."""
    from app.decision_log import copy_decisions_to_world
    from app.ops import OpsStore

    with (
        OpsStore.open(settings) as ops,
        Store(settings.db_path, read_only=False, create=False) as store,
        store.transaction(),
    ):
        return copy_decisions_to_world(ops, store)


def read_built(settings: Settings) -> dict[str, Any] | None:
    """The fingerprint the release's models were last built for (None: never built)."""
    path = settings.release_dir / BUILT
    try:
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return found


def built_for(settings: Settings, fingerprint: dict[str, Any]) -> bool:
    """Whether the live release was built for ``fingerprint`` (then a build has nothing to do)."""
    return read_built(settings) == fingerprint


def record_build(settings: Settings, fingerprint: dict[str, Any]) -> None:
    (settings.release_dir / BUILT).write_text(json.dumps(fingerprint, indent=1), encoding="utf-8")
