"""Embeddings cached in the store by (model id, text hash): a rebuild encodes only texts that changed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import polars as pl

from data.store import Store
from embeddings.base import Encoder, Kind


def text_hash(text: str, kind: Kind) -> str:
    return hashlib.blake2b(f"{kind}\x00{text}".encode(), digest_size=16).hexdigest()


def encode_cached(
    store: Store, encoder: Encoder, texts: Sequence[str], *, kind: Kind = "passage", progress: bool = False
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (cache hits read, misses encoded and written); returns (vectors, n_encoded).

    Writing needs a writable store; with a read-only store misses are encoded but not cached.
    """
    hashes = [text_hash(t, kind) for t in texts]
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    if not texts:
        return out, 0
    wanted = pl.DataFrame({"text_hash": hashes, "pos": np.arange(len(texts))})
    store.con.register("_wanted_hashes", wanted.select("text_hash").unique().to_arrow())
    try:
        hits = store.query(
            "SELECT c.text_hash, c.vector FROM embedding_cache c JOIN _wanted_hashes w USING (text_hash) "
            "WHERE c.model_id = ?",
            [encoder.model_id],
        )
    finally:
        store.con.unregister("_wanted_hashes")
    # A cached vector of another dimension (a damaged cache) is never used: it is re-encoded and replaced.
    damaged = hits.filter(pl.col("vector").list.len() != encoder.dim)["text_hash"]
    hits = hits.filter(pl.col("vector").list.len() == encoder.dim)
    found = wanted.join(hits, on="text_hash", how="inner")
    if found.height:
        out[found["pos"].to_numpy()] = np.asarray(found["vector"].to_list(), dtype=np.float32)
    missing = wanted.join(hits.select("text_hash"), on="text_hash", how="anti")
    if missing.height == 0:
        return out, 0
    unique_missing = missing.unique("text_hash", keep="first", maintain_order=True)
    new_vectors = encoder.encode(
        [texts[i] for i in unique_missing["pos"].to_list()], kind=kind, progress=progress
    )
    by_hash = dict(zip(unique_missing["text_hash"].to_list(), range(len(new_vectors)), strict=True))
    rows = np.array([by_hash[h] for h in missing["text_hash"].to_list()])
    out[missing["pos"].to_numpy()] = new_vectors[rows]
    if not store.read_only:
        frame = pl.DataFrame(
            {
                "model_id": [encoder.model_id] * len(new_vectors),
                "text_hash": unique_missing["text_hash"],
                "vector": pl.Series(new_vectors, dtype=pl.List(pl.Float32)),
            }
        )
        with store.transaction():
            if damaged.len():
                store.con.register("_damaged_hashes", damaged.to_frame().to_arrow())
                try:
                    store.execute(
                        "DELETE FROM embedding_cache WHERE model_id = ? AND text_hash IN "
                        "(SELECT text_hash FROM _damaged_hashes)",
                        [encoder.model_id],
                    )
                finally:
                    store.con.unregister("_damaged_hashes")
            store.insert("embedding_cache", frame)
    return out, len(new_vectors)
