"""What the consultant's views read instead of computing: the programme table and a suggestion cache.

Both are keyed by what their content depends on, so a hot-swapped model or a new data version never
serves an old answer: the programme table is used only while it names the loaded intervention model's
version and the workspace's data version; a cached suggestion list is keyed by citizen, filters, k,
the vacancies hidden as rejected, model version and data version, in a cache that belongs to the model
objects loaded now (a hot-swapped service or calibration starts an empty one). Neither touches the audit log: every
display is still audited by the view that shows it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import polars as pl

from core.errors import JobmatchError

SUGGESTION_CACHE_SIZE = 4096  # lists kept; one is ~10 rows, a few KB


class SuggestionCache:
    """A bounded, thread-safe LRU of suggestion frames (polars frames are immutable, so shared safely)."""

    def __init__(self, size: int = SUGGESTION_CACHE_SIZE, serves: tuple[Any, ...] = ()) -> None:
        self.size = size
        self.serves = serves  # the model objects its lists came from; another object means a new cache
        self._frames: OrderedDict[Hashable, pl.DataFrame] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        with self._lock:
            frame = self._frames.get(key)
            if frame is not None:
                self._frames.move_to_end(key)
                self.hits += 1
                return frame
            self.misses += 1
        frame = compute()  # outside the lock: two threads may compute the same list once each, both right
        with self._lock:
            self._frames[key] = frame
            self._frames.move_to_end(key)
            while len(self._frames) > self.size:
                self._frames.popitem(last=False)
        return frame


_LOCK = threading.Lock()


def suggestion_cache(ws: Any) -> SuggestionCache:
    """The workspace's cache for the models it holds now: made on first use, and made anew (the old lists
    dropped) when a model or the calibration is swapped for another object."""
    now = (ws.service, ws.calibration)
    cache: SuggestionCache | None = getattr(ws, "_suggestion_cache", None)
    if cache is None or not _same(cache.serves, now):
        with _LOCK:
            cache = getattr(ws, "_suggestion_cache", None)
            if cache is None or not _same(cache.serves, now):
                cache = SuggestionCache(serves=now)
                ws._suggestion_cache = cache
    return cache


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """The very same objects (identity, not equality: a retrained model may compare equal)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def employer_names(ws: Any) -> pl.DataFrame:
    """``employer_id, employer`` (the name), read once per data version instead of once per list: the
    employers table changes only with an import, which makes a new data version."""
    held = getattr(ws, "_employer_names", None)
    if held is None or held[0] != ws.data_version:
        held = (ws.data_version, ws._q("SELECT employer_id, name AS employer FROM employers"))
        ws._employer_names = held  # a tuple swapped whole: a reader sees the old pair or the new one
    names: pl.DataFrame = held[1]
    return names


def programme_table(ws: Any) -> Any | None:
    """The precomputed programme table when it matches the loaded model and data, else None (compute live).

    Loaded once per (model object, data version): a swapped model or data version looks again."""
    held = getattr(ws, "_programme_table", None)
    if held is not None and held[0] is ws.interventions and held[1] == ws.data_version:
        return held[2]
    with _LOCK:
        held = getattr(ws, "_programme_table", None)
        if held is None or held[0] is not ws.interventions or held[1] != ws.data_version:
            held = (ws.interventions, ws.data_version, _load(ws))
            ws._programme_table = held
    return held[2]


def _load(ws: Any) -> Any | None:
    from recommender.interventions.precomputed import ProgrammeTable

    if ws.interventions is None:
        return None
    try:
        table = ProgrammeTable.load(ws.settings.models_dir)
    except JobmatchError:  # not built (yet): the live path serves
        return None
    return table if table.serves(ws.interventions, ws.data_version) else None
