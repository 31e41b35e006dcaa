"""FAISS vector indexes: type chosen by size (or forced), incremental updates, atomic versioned persistence.

On disk an index is a folder of versions plus a ``CURRENT`` pointer that is replaced atomically::

    indexes/vacancies/CURRENT          -> "v20261129T101500-1a2b3c"
    indexes/vacancies/v.../index.faiss    the FAISS index (positions 0..n-1)
    indexes/vacancies/v.../ids.npy        external id of each position
    indexes/vacancies/v.../alive.npy      False where a position was removed or superseded
    indexes/vacancies/v.../hashes.npy     hash of the text each vector came from (incremental rebuilds)
    indexes/vacancies/v.../manifest.json  kind, count, dim, model id, data version, checksums

(the shared scheme of ``core.artefacts``).

A crash while saving leaves the previous version current. Loading checks the manifest against what the
caller expects (encoder, store data version) and refuses a mismatch, naming the rebuild command.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from pydantic import BaseModel, ConfigDict

from core import artefacts, formats
from core.errors import ArtefactError

IndexKind = Literal["auto", "flat", "ivf", "hnsw"]
FLAT_MAX = 50_000  # exact search stays fast enough below this many vectors
REBUILD_HINT = "rebuild it with `jobmatch build`"
INDEX_FILES = ("index.faiss", "ids.npy", "alive.npy", "hashes.npy")
ARTEFACT_KIND = "faiss-index"
FORMAT_VERSION = formats.FAISS_INDEX


class IndexParams(BaseModel):
    """Tuned defaults; see the retrieval benchmark for the recall/latency they give. Saved with the index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hnsw_m: int = 32
    hnsw_ef_construction: int = 100
    hnsw_ef_search: int = 256  # recall@50 ~0.93 at 100k (128: ~0.86); HNSW is not the auto choice
    ivf_nlist: int | None = None  # default: 4 * sqrt(n)
    ivf_nprobe: int = 48  # 1M vectors, 4000 lists: recall@50 0.96 at ~2.3 ms (32: 0.93, 64: 0.976 at ~2.8 ms)


@dataclass(frozen=True)
class IndexManifest:
    """What an index version holds, kept in the artefact manifest's metadata."""

    kind: str
    count: int
    alive: int
    dim: int
    model_id: str
    data_version: str
    params: dict[str, Any] = field(default_factory=dict)


def choose_kind(n: int, kind: IndexKind = "auto") -> str:
    if kind != "auto":
        return kind
    # IVF above FLAT_MAX: at 1M vectors on 2 cores it builds in about half HNSW's time and keeps recall@50 at
    # 0.96 (~55x exact); HNSW's recall@50 falls to 0.69 at efSearch 256 (see bench/retrieval.py).
    return "flat" if n <= FLAT_MAX else "ivf"


class VectorIndex:
    """Inner-product search over unit vectors (cosine), with external string ids and tombstones."""

    def __init__(
        self, index: faiss.Index, ids: np.ndarray, alive: np.ndarray, kind: str, params: IndexParams,
        hashes: np.ndarray | None = None,
    ) -> None:  # fmt: skip
        self.index, self.ids, self.alive, self.kind, self.params = (
            index,
            ids.astype(object),
            alive,
            kind,
            params,
        )
        # Hash of the text each vector was encoded from, so a rebuild re-encodes only what changed.
        self.hashes = np.asarray(hashes if hashes is not None else [""] * len(ids), dtype=object)
        self._positions = {v: i for i, v in enumerate(self.ids.tolist()) if alive[i]}
        self._direct_map = False
        self._flat: np.ndarray | None = None  # a flat index's vectors, see _flat_matrix

    # --- building -------------------------------------------------------------------------------------

    @classmethod
    def build(
        cls, vectors: np.ndarray, ids: list[str] | np.ndarray, *, kind: IndexKind = "auto",
        params: IndexParams | None = None, seed: int = 0, hashes: list[str] | None = None,
    ) -> VectorIndex:  # fmt: skip
        """Index ``vectors`` (n x d, float32, unit length) under external ``ids`` (unique)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids_arr = np.asarray(ids, dtype=object)
        if vectors.ndim != 2 or len(ids_arr) != vectors.shape[0]:
            raise ValueError(f"need an (n, d) matrix and n ids, got {vectors.shape} and {len(ids_arr)} ids")
        if len(set(ids_arr.tolist())) != len(ids_arr):
            raise ValueError("ids must be unique")
        p = params or IndexParams()
        chosen = choose_kind(len(ids_arr), kind)
        n, d = vectors.shape
        if chosen == "flat":
            index: faiss.Index = faiss.IndexFlatIP(d)
        elif chosen == "hnsw":
            index = faiss.IndexHNSWFlat(d, p.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = p.hnsw_ef_construction
            index.hnsw.efSearch = p.hnsw_ef_search
        elif chosen == "ivf":
            nlist = p.ivf_nlist or max(1, min(int(4 * np.sqrt(max(n, 1))), max(n // 39, 1)))
            quantizer = faiss.IndexFlatIP(d)
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(seed)
            sample = vectors[rng.choice(n, min(n, nlist * 64), replace=False)] if n else vectors
            index.train(sample)
            index.nprobe = min(p.ivf_nprobe, nlist)
        else:
            raise ValueError(f"unknown index kind {kind!r}: use auto, flat, ivf or hnsw")
        if n:
            index.add(vectors)
        return cls(
            index,
            ids_arr,
            np.ones(n, dtype=bool),
            chosen,
            p,
            np.asarray(hashes, dtype=object) if hashes else None,
        )

    def upsert(self, vectors: np.ndarray, ids: list[str], hashes: list[str] | None = None) -> None:
        """Add new ids and replace changed ones: old positions become tombstones, no full rebuild."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[0] != len(ids):
            raise ValueError("one vector per id")
        self.remove(ids)
        start = self.index.ntotal
        self.index.add(vectors)
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=object)])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
        self.hashes = np.concatenate([self.hashes, np.asarray(hashes or [""] * len(ids), dtype=object)])
        for offset, ext in enumerate(ids):
            self._positions[ext] = start + offset

    def remove(self, ids: list[str]) -> int:
        """Tombstone ids (e.g. closed vacancies); they disappear from every search at once."""
        removed = 0
        for ext in ids:
            pos = self._positions.pop(ext, None)
            if pos is not None:
                self.alive[pos] = False
                removed += 1
        return removed

    # --- searching ------------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self._positions)

    def __contains__(self, ext: str) -> bool:
        return ext in self._positions

    def position(self, ext: str) -> int:
        return self._positions[ext]

    def hash_of(self, ext: str) -> str | None:
        pos = self._positions.get(ext)
        return None if pos is None else str(self.hashes[pos])

    def vectors_at(self, positions: np.ndarray) -> np.ndarray:
        """Stored vectors at index positions (exact re-scoring of small filtered sets)."""
        if self.kind == "ivf" and not self._direct_map:
            self.index.make_direct_map()
            self._direct_map = True
        pos = np.asarray(positions, dtype=np.int64)
        if len(pos) == 0:
            return np.zeros((0, self.index.d), dtype=np.float32)
        if self.kind == "flat":  # the same floats, gathered from a numpy copy (reconstruct_batch: ~5x slower)
            return self._flat_matrix()[pos]
        return np.asarray(self.index.reconstruct_batch(pos), dtype=np.float32)

    def _flat_matrix(self) -> np.ndarray:
        """A flat index's vectors as one (n, d) array, copied once per size (an upsert makes a new one)."""
        held = self._flat
        if held is None or len(held) != self.index.ntotal:
            codes = faiss.vector_to_array(self.index.codes)
            held = codes.view(np.float32).reshape(self.index.ntotal, self.index.d)
            self._flat = held
        return held

    def vector(self, ext: str) -> np.ndarray:
        value: np.ndarray = self.vectors_at(np.array([self._positions[ext]]))[0]
        return value

    def search(
        self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, external ids) per query; ``allowed`` is a bool mask over positions (filtered search).

        Missing results (fewer than k allowed vectors) have id None and score -inf.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        mask = self.alive if allowed is None else (self.alive & allowed[: len(self.alive)])
        n_allowed = int(np.count_nonzero(mask))  # ~8x cheaper than mask.sum() on 1M booleans, per query
        k_eff = max(1, min(k, n_allowed))
        if self.index.ntotal == 0 or n_allowed == 0:
            return np.full((len(queries), k), -np.inf, dtype=np.float32), np.full(
                (len(queries), k), None, object
            )
        search_params = self._search_params(mask)
        scores, pos = self.index.search(queries, k_eff, params=search_params)
        ids: np.ndarray = self.ids[np.clip(pos, 0, None)]
        ids[pos < 0] = None
        scores = np.where(pos >= 0, scores, -np.inf).astype(np.float32)
        if k_eff < k:
            pad = k - k_eff
            scores = np.hstack([scores, np.full((len(queries), pad), -np.inf, dtype=np.float32)])
            ids = np.hstack([ids, np.full((len(queries), pad), None, dtype=object)])
        return scores, ids

    def _search_params(self, mask: np.ndarray) -> faiss.SearchParameters | None:
        if mask.all():
            selector = None
        else:
            bits = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
            selector.bits_ref = bits  # keep the buffer alive as long as the selector
        if self.kind == "hnsw":
            sp = faiss.SearchParametersHNSW()
            sp.efSearch = self.params.hnsw_ef_search
        elif self.kind == "ivf":
            sp = faiss.SearchParametersIVF()
            sp.nprobe = faiss.extract_index_ivf(self.index).nprobe
        else:
            if selector is None:
                return None
            sp = faiss.SearchParameters()
        if selector is not None:
            sp.sel = selector
            sp.selector_ref = selector
        return sp

    # --- persistence ----------------------------------------------------------------------------------

    def save(self, folder: str | Path, *, model_id: str, data_version: str) -> IndexManifest:
        """Write a new version and point CURRENT at it atomically; keeps the previous version too."""
        info = IndexManifest(
            kind=self.kind, count=int(self.index.ntotal), alive=self.size, dim=int(self.index.d),
            model_id=model_id, data_version=data_version, params=self.params.model_dump(),
        )  # fmt: skip

        def fill(tmp: Path) -> dict[str, Any]:
            faiss.write_index(self.index, str(tmp / "index.faiss"))
            np.save(tmp / "ids.npy", self.ids.astype(str), allow_pickle=False)
            np.save(tmp / "alive.npy", self.alive, allow_pickle=False)
            np.save(tmp / "hashes.npy", self.hashes.astype(str), allow_pickle=False)
            return asdict(info)

        artefacts.save(folder, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, fill=fill)
        return info

    @classmethod
    def load(
        cls, folder: str | Path, *, model_id: str | None = None, data_version: str | None = None,
        dim: int | None = None,
    ) -> tuple[VectorIndex, IndexManifest]:  # fmt: skip
        """Load the CURRENT version, refusing one that does not match the expected encoder / data version."""
        path, saved = artefacts.load(
            folder, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, hint=REBUILD_HINT,
            expect={"model_id": model_id, "data_version": data_version, "dim": dim},
        )  # fmt: skip
        try:
            manifest = IndexManifest(**saved.meta)
        except TypeError as exc:
            raise ArtefactError(
                f"index {path} has an unreadable manifest ({exc})", hint=REBUILD_HINT
            ) from exc
        for name in INDEX_FILES:
            if name not in saved.files:
                raise ArtefactError(f"index file {path / name} is missing", hint=REBUILD_HINT)
        try:
            index = faiss.read_index(str(path / "index.faiss"))
            ids = np.load(path / "ids.npy", allow_pickle=False)
            alive = np.load(path / "alive.npy", allow_pickle=False)
            hashes = np.load(path / "hashes.npy", allow_pickle=False)
        except (RuntimeError, OSError, ValueError) as exc:  # faiss raises RuntimeError on a bad file
            raise ArtefactError(f"index {path} is unreadable ({exc})", hint=REBUILD_HINT) from exc
        if not (
            index.ntotal == len(ids) == len(alive) == len(hashes) == manifest.count
            and index.d == manifest.dim
        ):
            raise ArtefactError(f"index {path} does not agree with its manifest", hint=REBUILD_HINT)
        params = IndexParams(**manifest.params)
        if manifest.kind == "hnsw":
            index.hnsw.efSearch = params.hnsw_ef_search
        elif manifest.kind == "ivf":
            faiss.extract_index_ivf(index).nprobe = params.ivf_nprobe
        return cls(index, ids, alive, manifest.kind, params, hashes), manifest
