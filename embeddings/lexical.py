"""A character n-gram encoder the project trains itself: hashed char n-gram TF-IDF reduced by SVD (LSA).

Why: it needs no download, copes with Danish compounds and spelling variants (sygeplejerske /
sygeplejersker / sygeplejerskevikar share n-grams), and trains in seconds on the taxonomy labels and the
world's texts. Saved on the one artefact scheme (``core.artefacts``: versioned folder, manifest with
checksums and the config, ``.npz`` with ``allow_pickle=False`` inside).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import Field
from sklearn.decomposition import TruncatedSVD

from core import artefacts, formats
from core.config import ModelConfig
from core.errors import ArtefactError, NotFittedError
from embeddings.base import Encoder, Kind, normalise
from embeddings.ngrams import N_FEATURES, hashed_counts

ARTEFACT_KIND = "char-ngram-encoder"
FORMAT_VERSION = formats.CHAR_ENCODER
ARRAYS_FILE = "encoder.npz"
ENCODE_CHUNK = 10_000  # texts turned into sparse n-gram rows at once (their matrix is the big one)
REFIT_HINT = "refit it with `jobmatch build`"


def char_ngram_tfidf(texts: Sequence[str], idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF-IDF over hashed char n-grams, rows L2-normalised (also the lexical baseline's space)."""
    counts = hashed_counts(texts).astype(np.float32)
    counts.data = 1.0 + np.log(counts.data)
    tfidf = counts @ sp.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ tfidf)


def fit_idf(texts: Sequence[str]) -> np.ndarray:
    """Smoothed idf over every text; document frequencies counted a chunk of texts at a time (memory)."""
    df = np.zeros(N_FEATURES, dtype=np.int64)
    for start in range(0, len(texts), ENCODE_CHUNK):
        df += np.bincount(hashed_counts(texts[start : start + ENCODE_CHUNK]).indices, minlength=N_FEATURES)
    return (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)


def _sample(texts: list[str], size: int, seed: int) -> list[str]:
    """``texts`` itself when it has at most ``size`` texts, else a seeded sample of ``size``, in corpus order."""
    if len(texts) <= size:
        return texts
    keep = np.sort(np.random.default_rng(seed).choice(len(texts), size, replace=False))
    return [texts[i] for i in keep]


class CharEncoderConfig(ModelConfig):
    """How the char n-gram LSA is fitted; saved with the encoder."""

    dim: int = 256
    svd_iterations: int = 5  # power iterations of the randomized SVD
    seed: int = 0
    # The SVD is fitted on at most this many texts (a seeded sample above it; the idf still counts them all):
    # its cost grows with the corpus, and a Copenhagen-sized world's 155,000 texts took minutes for a basis
    # that 30,000 texts already pin down. The default world's corpus (about 29,000 texts) is used whole.
    svd_sample: int = Field(default=30_000, ge=2)


class CharNgramEncoder(Encoder):
    """Char n-gram LSA; ``fit`` on a corpus (labels, ads, profiles), or ``load`` a saved one.

    Configured by a :class:`CharEncoderConfig`; keyword overrides (``dim=64``) are validated into it.
    """

    def __init__(self, config: CharEncoderConfig | None = None, **overrides: Any) -> None:
        self.config = (config or CharEncoderConfig()).updated(**overrides)
        self.dim = self.config.dim
        self.idf_: np.ndarray | None = None
        self.components_: np.ndarray | None = None
        self.model_id = "char-lsa:unfitted"

    def fit(self, corpus: Sequence[str], *, seed: int | None = None) -> CharNgramEncoder:
        """Fit on ``corpus``; ``seed`` (default: the config's) is recorded in the config."""
        texts = [t for t in corpus if t and t.strip()]
        if len(texts) < 2:
            raise ValueError("CharNgramEncoder.fit needs at least two non-empty texts")
        if seed is not None:
            self.config = self.config.updated(seed=seed)
        idf = fit_idf(texts)
        tfidf = char_ngram_tfidf(_sample(texts, self.config.svd_sample, self.config.seed), idf)
        k = min(self.dim, tfidf.shape[0] - 1, N_FEATURES - 1)
        svd = TruncatedSVD(
            n_components=k, algorithm="randomized", n_iter=self.config.svd_iterations,
            random_state=self.config.seed,
        )  # fmt: skip
        svd.fit(tfidf)
        components = np.zeros((self.dim, N_FEATURES), dtype=np.float32)
        components[:k] = svd.components_
        self._set(idf, components)
        return self

    def _set(self, idf: np.ndarray, components: np.ndarray) -> None:
        self.idf_, self.components_ = idf, np.ascontiguousarray(components, dtype=np.float32)
        self.dim = components.shape[0]
        if self.config.dim != self.dim:
            self.config = self.config.updated(dim=self.dim)
        digest = hashlib.sha256(idf.tobytes() + self.components_.tobytes()).hexdigest()[:12]
        self.model_id = f"char-lsa:{self.dim}:{digest}"

    def _encode(self, texts: list[str], *, kind: Kind, batch_size: int, progress: bool) -> np.ndarray:
        if self.idf_ is None or self.components_ is None:
            raise NotFittedError(
                "CharNgramEncoder is not fitted: call fit(corpus) or CharNgramEncoder.load(path)"
            )
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), ENCODE_CHUNK):  # row by row the same; memory bounded by a chunk
            chunk = texts[start : start + ENCODE_CHUNK]
            out[start : start + len(chunk)] = char_ngram_tfidf(chunk, self.idf_) @ self.components_.T
        return out

    def save(self, root: str | Path, *, meta: Mapping[str, Any] | None = None) -> Path:
        """A new live version under ``root`` (see ``core.artefacts``); returns its folder. ``meta``: what
        the owner wants kept beside the model (checked again through ``load(expect=...)``)."""
        if self.idf_ is None or self.components_ is None:
            raise NotFittedError("nothing to save: the encoder is not fitted")
        idf, components = self.idf_, self.components_

        def fill(folder: Path) -> dict[str, Any]:
            np.savez(folder / ARRAYS_FILE, allow_pickle=False, idf=idf, components=components)
            return {**(meta or {}), "model_id": self.model_id, "config": self.config.model_dump(mode="json")}

        return artefacts.save(root, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, fill=fill)

    @classmethod
    def load(
        cls, root: str | Path, *, hint: str = REFIT_HINT, expect: Mapping[str, Any] | None = None
    ) -> CharNgramEncoder:
        """The live version under ``root``; missing, damaged or altered files, or metadata other than
        ``expect``, raise ArtefactError naming them."""
        folder, manifest = artefacts.load(
            root, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, hint=hint, expect=expect
        )
        path = folder / ARRAYS_FILE
        try:
            enc = cls(CharEncoderConfig.model_validate(manifest.meta["config"]))
            with np.load(path, allow_pickle=False) as data:
                enc._set(data["idf"], data["components"])
            stored = str(manifest.meta["model_id"])
        except (OSError, KeyError, EOFError, zipfile.BadZipFile, ValueError) as exc:
            raise ArtefactError(f"char model {path} is unreadable ({exc})", hint=hint) from exc
        if stored != enc.model_id:
            raise ArtefactError(
                f"char model {path}: model id mismatch (stored {stored}, computed {enc.model_id})", hint=hint
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
