"""External ids <-> row numbers. The only place ids become integers; models see row numbers only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class IdMap:
    """A frozen, ordered mapping of external string ids to 0..n-1."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = np.array(list(dict.fromkeys(ids)), dtype=object)
        self._index = {v: i for i, v in enumerate(self.ids.tolist())}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, ext: object) -> bool:
        return ext in self._index

    def rows(self, ids: Sequence[str], *, missing: int | None = None) -> np.ndarray:
        """Row numbers of ``ids``; unknown ids raise KeyError unless ``missing`` gives a fill value."""
        if missing is None:
            try:
                return np.array([self._index[i] for i in ids], dtype=np.int64)
            except KeyError as exc:
                raise KeyError(f"unknown id {exc.args[0]!r}") from None
        return np.array([self._index.get(i, missing) for i in ids], dtype=np.int64)

    def external(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        return self.ids[np.asarray(rows, dtype=np.int64)]
