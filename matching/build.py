"""Build (or incrementally update) the seeker and vacancy indexes from the store.

Texts are hashed; only new or changed texts are encoded (and the embedding cache makes even a full rebuild
cheap), changed vectors are upserted, vanished ids are tombstoned, and each index is saved atomically with
the store's data version in its manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ArtefactError
from core.settings import Settings
from data.store import Store
from data.taxonomy import Taxonomy
from embeddings.base import Encoder
from embeddings.cache import encode_cached, text_hash
from embeddings.factory import make_encoder
from embeddings.texts import seeker_texts, vacancy_texts
from matching.index import VectorIndex, choose_kind

MAX_DEAD_SHARE = 0.3  # above this share of tombstones a full rebuild is cheaper than carrying them


def char_model_path(settings: Settings) -> Path:
    """Root of the char encoder's artefact (versioned folders; the former ``char-ngram.npz`` is left unread,
    so the first build after the change refits the same model on the same corpus)."""
    return settings.models_dir / "char-ngram"


def taxonomy_corpus(taxonomy: Taxonomy) -> list[str]:
    frames = (taxonomy.occupations, taxonomy.skills)
    labels = [v for f in frames for col in ("label_da", "label_en") for v in f[col].to_list() if v]
    synonyms = [s for f in frames for lst in f["synonyms"].to_list() for s in lst]
    return labels + synonyms


def load_encoder(
    settings: Settings, taxonomy: Taxonomy | None = None, extra_corpus: list[str] | None = None
) -> Encoder:
    """The configured encoder; the char model is fitted on first build (taxonomy + world texts) and reused."""
    corpus = None if taxonomy is None else taxonomy_corpus(taxonomy) + (extra_corpus or [])
    try:
        return make_encoder(settings.encoder, char_model=char_model_path(settings), corpus=corpus)
    except ValueError as exc:
        raise ArtefactError(f"{exc}: run `jobmatch build` first") from exc


def build_indexes(settings: Settings, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Encode what changed and write both indexes; returns per-side statistics."""
    say = progress or (lambda _m: None)
    stats: dict[str, Any] = {}
    with Store(settings.db_path, read_only=False, create=False) as store:
        taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
        seekers, vacancies = store.table("seekers"), store.table("vacancies")
        texts = {"vacancies": vacancy_texts(vacancies, taxonomy), "seekers": seeker_texts(seekers, taxonomy)}
        ids = {"vacancies": vacancies["vacancy_id"].to_list(), "seekers": seekers["seeker_id"].to_list()}
        say("loading encoder")
        encoder = load_encoder(settings, taxonomy, texts["vacancies"] + texts["seekers"])
        for side in ("vacancies", "seekers"):
            say(f"indexing {side}")
            stats[side] = _build_side(
                store, encoder, settings.indexes_dir / side, ids[side], texts[side], settings.index_kind
            )
        stats["encoder"] = encoder.model_id
        stats["data_version"] = store.data_version
    return stats


def _build_side(
    store: Store, encoder: Encoder, folder: Path, ids: list[str], texts: list[str], kind: str
) -> dict[str, Any]:
    started = time.perf_counter()
    hashes = [text_hash(t, "passage") for t in texts]
    chosen = choose_kind(len(ids), kind)  # type: ignore[arg-type]
    previous = _previous_index(folder, encoder, chosen)
    if previous is not None:
        changed = [
            i for i, (ext, h) in enumerate(zip(ids, hashes, strict=True)) if previous.hash_of(ext) != h
        ]
        vanished = sorted(set(previous.ids[previous.alive].tolist()) - set(ids))
        vectors, encoded = encode_cached(store, encoder, [texts[i] for i in changed], kind="passage")
        previous.upsert(vectors, [ids[i] for i in changed], [hashes[i] for i in changed])
        previous.remove(vanished)
        index, mode = previous, "incremental"
        upserted, removed = len(changed), len(vanished)
        changed_ids = [ids[i] for i in changed]
    else:
        vectors, encoded = encode_cached(store, encoder, texts, kind="passage", progress=True)
        index = VectorIndex.build(vectors, ids, kind=chosen, hashes=hashes)  # type: ignore[arg-type]
        mode, upserted, removed = "full", len(ids), 0
        changed_ids = list(ids)
    manifest = index.save(folder, model_id=encoder.model_id, data_version=store.data_version)
    return {"mode": mode, "kind": manifest.kind, "count": manifest.alive, "encoded": encoded,
            "upserted": upserted, "removed": removed, "seconds": round(time.perf_counter() - started, 2),
            "changed_ids": changed_ids}  # fmt: skip


def _previous_index(folder: Path, encoder: Encoder, kind: str) -> VectorIndex | None:
    """The saved index if it is reusable for an incremental update (same encoder and kind, few tombstones)."""
    try:
        index, manifest = VectorIndex.load(folder, model_id=encoder.model_id, dim=encoder.dim)
    except ArtefactError:
        return None
    if manifest.kind != kind or (1 - np.mean(index.alive) if len(index.alive) else 0) > MAX_DEAD_SHARE:
        return None
    return index
