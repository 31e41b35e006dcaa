"""Which encoder ranks the vacancies citizens actually applied to? A comparison on the synthetic world.

For a sample of citizens with applications, every vacancy is ranked by the encoder's cosine to the
citizen's profile text; we report MRR and recall@50 of the applied vacancies and the encoding speed.
This is the matching half of the encoder choice (the linking benchmark is the other half).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

from data import columns as C
from data.interactions import pair_outcomes
from data.store import Store
from embeddings.base import Encoder
from embeddings.texts import seeker_texts, vacancy_texts
from evaluation.metrics import bootstrap_ci


def compare_matching_encoders(
    store: Store, encoders: dict[str, Encoder], *, n_seekers: int = 1000, seed: int = 0
) -> dict[str, Any]:
    taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
    applied = pair_outcomes(store.table("interactions")).select(C.SEEKER_ID, C.VACANCY_ID)
    seekers = store.table("seekers")
    chosen = (
        applied.select("seeker_id").unique().sort("seeker_id").sample(min(n_seekers, applied["seeker_id"].n_unique()),
                                                                      seed=seed)
    )  # fmt: skip
    seekers = seekers.join(chosen, on="seeker_id", how="semi").sort("seeker_id")
    vacancies = store.table("vacancies")
    v_index = {v: i for i, v in enumerate(vacancies["vacancy_id"].to_list())}
    truth = applied.join(chosen, on="seeker_id", how="semi").group_by("seeker_id").agg(pl.col("vacancy_id"))
    truth_map = {s: [v_index[v] for v in vs] for s, vs in truth.iter_rows()}
    s_texts, v_texts = seeker_texts(seekers, taxonomy), vacancy_texts(vacancies, taxonomy)
    results: dict[str, Any] = {}
    for name, encoder in encoders.items():
        started = time.perf_counter()
        v_vec = encoder.encode(v_texts, batch_size=64)
        s_vec = encoder.encode(s_texts, kind="query", batch_size=64)
        seconds = time.perf_counter() - started
        scores = s_vec @ v_vec.T
        rr, rec = [], []
        for row, sid in enumerate(seekers["seeker_id"].to_list()):
            order = np.argsort(-scores[row])
            rank_of = np.empty_like(order)
            rank_of[order] = np.arange(1, len(order) + 1)
            ranks = rank_of[truth_map[sid]]
            rr.append(1.0 / ranks.min())
            rec.append(float(np.mean(ranks <= 50)))
        results[name] = {
            "model_id": encoder.model_id,
            "mrr": {"value": float(np.mean(rr)), "ci": list(bootstrap_ci(np.array(rr), seed=seed))},
            "recall@50": {"value": float(np.mean(rec)), "ci": list(bootstrap_ci(np.array(rec), seed=seed))},
            "texts_per_s": round((len(v_texts) + len(s_texts)) / seconds, 1),
        }
    return {"n_seekers": seekers.height, "n_vacancies": vacancies.height, "encoders": results}
