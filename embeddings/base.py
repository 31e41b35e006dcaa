"""One encoder interface: a batch of texts in, an L2-normalised float32 matrix out.

``model_id`` is stable across processes and changes whenever the vectors would change; it keys the
embedding cache and is recorded in every index manifest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

Kind = Literal["query", "passage"]


class Encoder(ABC):
    """Base of every encoder; subclasses implement :meth:`_encode` on a non-empty batch."""

    model_id: str
    dim: int
    #: True when queries and passages are encoded alike, so a stored passage vector can serve as a query.
    symmetric: bool = True

    def encode(
        self, texts: Sequence[str], *, kind: Kind = "passage", batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """Vectors of shape (len(texts), dim), float32, unit length (zero rows stay zero)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one string")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._encode(list(texts), kind=kind, batch_size=batch_size, progress=progress))
        if out.shape != (len(texts), self.dim):
            raise RuntimeError(
                f"{self.model_id} returned shape {out.shape}, expected {(len(texts), self.dim)}"
            )
        return normalise(out)

    @abstractmethod
    def _encode(self, texts: list[str], *, kind: Kind, batch_size: int, progress: bool) -> np.ndarray: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_id!r}, dim={self.dim})"


def normalise(matrix: np.ndarray) -> np.ndarray:
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    value: np.ndarray = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    return value
