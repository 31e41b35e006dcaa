"""A character n-gram encoder the project trains itself: hashed char n-gram TF-IDF reduced by SVD (LSA).

Why: it needs no download, copes with Danish compounds and spelling variants (sygeplejerske /
sygeplejersker / sygeplejerskevikar share n-grams), and trains in seconds on the taxonomy labels and the
world's texts. Saved as ``.npz`` (``allow_pickle=False``) and replaced atomically.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import HashingVectorizer

from core.errors import NotFittedError
from embeddings.base import Encoder, Kind, normalise

N_FEATURES = 2**15
NGRAMS = (2, 4)


def _vectoriser() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, n_features=N_FEATURES, alternate_sign=False, norm=None,
        lowercase=True,
    )  # fmt: skip


def char_ngram_tfidf(texts: Sequence[str], idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF-IDF over hashed char n-grams, rows L2-normalised (also the lexical baseline's space)."""
    counts = _vectoriser().transform(list(texts)).tocsr().astype(np.float32)
    counts.data = 1.0 + np.log(counts.data)
    tfidf = counts @ sp.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ tfidf)


def fit_idf(texts: Sequence[str]) -> np.ndarray:
    counts = _vectoriser().transform(list(texts)).tocsr()
    df = np.bincount(counts.indices, minlength=N_FEATURES)
    return (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)


class CharNgramEncoder(Encoder):
    """Char n-gram LSA; ``fit`` on a corpus (labels, ads, profiles), or ``load`` a saved one."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.idf_: np.ndarray | None = None
        self.components_: np.ndarray | None = None
        self.model_id = "char-lsa:unfitted"

    def fit(self, corpus: Sequence[str], *, seed: int = 0) -> CharNgramEncoder:
        texts = [t for t in corpus if t and t.strip()]
        if len(texts) < 2:
            raise ValueError("CharNgramEncoder.fit needs at least two non-empty texts")
        idf = fit_idf(texts)
        tfidf = char_ngram_tfidf(texts, idf)
        k = min(self.dim, tfidf.shape[0] - 1, N_FEATURES - 1)
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=seed)
        svd.fit(tfidf)
        components = np.zeros((self.dim, N_FEATURES), dtype=np.float32)
        components[:k] = svd.components_
        self._set(idf, components)
        return self

    def _set(self, idf: np.ndarray, components: np.ndarray) -> None:
        self.idf_, self.components_ = idf, np.ascontiguousarray(components, dtype=np.float32)
        self.dim = components.shape[0]
        digest = hashlib.sha256(idf.tobytes() + self.components_.tobytes()).hexdigest()[:12]
        self.model_id = f"char-lsa:{self.dim}:{digest}"

    def _encode(self, texts: list[str], *, kind: Kind, batch_size: int, progress: bool) -> np.ndarray:
        if self.idf_ is None or self.components_ is None:
            raise NotFittedError(
                "CharNgramEncoder is not fitted: call fit(corpus) or CharNgramEncoder.load(path)"
            )
        return np.asarray(char_ngram_tfidf(texts, self.idf_) @ self.components_.T, dtype=np.float32)

    def save(self, path: str | Path) -> Path:
        if self.idf_ is None or self.components_ is None:
            raise NotFittedError("nothing to save: the encoder is not fitted")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, idf=self.idf_, components=self.components_, model_id=np.array(self.model_id))
        os.replace(tmp, target)
        return target

    @classmethod
    def load(cls, path: str | Path) -> CharNgramEncoder:
        """Load a saved model; a damaged or altered file raises ValueError naming it."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                enc = cls(dim=int(data["components"].shape[0]))
                enc._set(data["idf"], data["components"])
                stored = str(data["model_id"])
        except (OSError, KeyError, EOFError, zipfile.BadZipFile, ValueError) as exc:
            raise ValueError(f"char model {path} is unreadable ({exc})") from exc
        if stored != enc.model_id:
            raise ValueError(
                f"char model {path}: checksum mismatch (stored {stored}, computed {enc.model_id})"
            )
        return enc


class FusionEncoder(Encoder):
    """Weighted concatenation of encoders: the cosine of fused vectors is the weighted sum of cosines."""

    def __init__(self, parts: Sequence[tuple[Encoder, float]]) -> None:
        if not parts or any(w <= 0 for _, w in parts):
            raise ValueError("FusionEncoder needs encoders with positive weights")
        total = sum(w for _, w in parts)
        self.parts = [(enc, w / total) for enc, w in parts]
        self.dim = sum(enc.dim for enc, _ in self.parts)
        self.model_id = "fusion(" + ",".join(f"{enc.model_id}*{w:.2f}" for enc, w in self.parts) + ")"

    def _encode(self, texts: list[str], *, kind: Kind, batch_size: int, progress: bool) -> np.ndarray:
        blocks = [
            np.sqrt(w) * enc.encode(texts, kind=kind, batch_size=batch_size, progress=progress)
            for enc, w in self.parts
        ]
        return normalise(np.hstack(blocks))
