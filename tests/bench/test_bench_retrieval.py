"""The retrieval benchmark's machinery at a tiny size: output format, exact baseline, recall bounds, writers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.retrieval import (
    RECALL_KEY,
    RESULT_KEYS,
    VacancyVectorModel,
    encoder_throughput,
    neighbour_recall_at_k,
    run_retrieval_benchmark,
    set_statistics,
    sweep_target_met,
    target_met,
    to_markdown,
    world_texts,
    write_results,
)
from matching.index import IndexParams

SIZE = 3_000
SWEEP_KEYS = {"size", "kind", "param", "value", "p50_ms", "p95_ms", RECALL_KEY, "speedup_vs_exact", "threads"}
RUN_KEYS = {"search_threads", "timed_queries"}


@pytest.fixture(scope="module")
def tiny() -> dict[str, Any]:
    """The whole benchmark on 3,000 64-d vectors (char LSA encoder at 64-d, also the one timed), 30 queries."""
    return run_retrieval_benchmark(
        sizes=(SIZE,),
        kinds=("flat", "ivf", "hnsw"),
        n_queries=30,
        seed=0,
        dim=64,
        progress=False,
        params=IndexParams(hnsw_m=16, hnsw_ef_construction=80, hnsw_ef_search=128, ivf_nprobe=16),
        n_latency=20,
        n_base=300,
        encoders=("char",),
        encoder_texts=60,
        encoder_runs=1,
    )


def test_output_format_is_exactly_the_spec(tiny: dict[str, Any]) -> None:
    assert set(tiny) == {"machine", "results", "sweep", "encoders"}
    assert list(tiny["results"]) == [str(SIZE)]
    assert set(tiny["results"][str(SIZE)]) == {"flat", "ivf", "hnsw"}
    for kind, row in tiny["results"][str(SIZE)].items():
        assert set(row) == set(RESULT_KEYS), kind
        assert row["build_s"] >= 0 and row["bytes_per_vector"] >= 64 * 4  # at least the raw float32 vector
        assert 0 < row["p50_ms"] <= row["p95_ms"]
    params = tiny["results"][str(SIZE)]
    assert set(params["flat"]["params"]) == RUN_KEYS
    assert set(params["hnsw"]["params"]) == {"M", "efConstruction", "efSearch"} | RUN_KEYS
    assert set(params["ivf"]["params"]) == {"nlist", "nprobe", "train_points"} | RUN_KEYS
    assert all(row["params"]["search_threads"] >= 1 for row in params.values())
    assert tiny["sweep"] and all(set(s) == SWEEP_KEYS for s in tiny["sweep"])
    assert {s["kind"] for s in tiny["sweep"]} == {"ivf", "hnsw"}
    assert set(tiny["encoders"]) == {"char"}
    char = tiny["encoders"]["char"]
    assert char["texts_per_s"] > 0 and char["dim"] == 64 and char["model_id"].startswith("char-lsa:")
    run = tiny["machine"]["run"]
    assert run["n_queries"] == 30 and run["dim"] == 64 and run["total_s"] > 0
    assert {"python", "cpus", "faiss", "faiss_threads"} <= set(tiny["machine"])


def test_flat_is_the_exact_baseline(tiny: dict[str, Any]) -> None:
    flat = tiny["results"][str(SIZE)]["flat"]
    assert flat[RECALL_KEY] == 1.0
    assert flat["speedup_vs_exact"] == 1.0


def test_recall_is_a_fraction_and_ann_is_close_to_exact(tiny: dict[str, Any]) -> None:
    rows = list(tiny["results"][str(SIZE)].values()) + tiny["sweep"]
    assert all(0.0 <= r[RECALL_KEY] <= 1.0 for r in rows)
    assert all(r["speedup_vs_exact"] > 0 for r in rows)
    # measured 1.00 (hnsw, efSearch 128) and 0.98 (ivf, nprobe 16 of 54 lists) at this size
    assert tiny["results"][str(SIZE)]["hnsw"][RECALL_KEY] >= 0.9
    assert tiny["results"][str(SIZE)]["ivf"][RECALL_KEY] >= 0.9
    for kind in ("ivf", "hnsw"):  # a wider search never loses recall (up to a query's worth of ties)
        recalls = [s[RECALL_KEY] for s in tiny["sweep"] if s["kind"] == kind]
        assert recalls[-1] >= recalls[0] - 0.01


def test_json_round_trips_and_writers_produce_files(tiny: dict[str, Any], tmp_path: Path) -> None:
    assert json.loads(json.dumps(tiny)) == tiny
    paths = write_results(tiny, tmp_path / "out" / "bench_retrieval.json")
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == tiny
    md = paths["markdown"].read_text(encoding="utf-8")
    assert (
        "| size | kind |" in md and "recall@50" in md and "## Sweep" in md and "## Encoder throughput" in md
    )
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert to_markdown(tiny) == md


def test_neighbour_recall_at_k_known_answer() -> None:
    exact = np.array([["a", "b"], ["c", "d"]], dtype=object)
    found = np.array([["b", "x"], [None, None]], dtype=object)
    assert neighbour_recall_at_k(found, exact) == 0.25
    assert neighbour_recall_at_k(exact, exact) == 1.0


def test_target_met_checks_all_three_conditions() -> None:
    def result(speedup: float, recall: float, p95: float) -> dict[str, Any]:
        row = {"speedup_vs_exact": speedup, RECALL_KEY: recall, "p95_ms": p95}
        flat = {"speedup_vs_exact": 1.0, RECALL_KEY: 1.0, "p95_ms": 500.0}
        return {"results": {"10": {"flat": flat}, "1000": {"flat": flat, "hnsw": row}}}

    assert target_met(result(60, 0.96, 5)) == ["hnsw"]
    sweep = {"sweep": [{"kind": "ivf", "param": "nprobe", "value": 48, "speedup_vs_exact": 51.0, RECALL_KEY: 0.96,
                        "p95_ms": 3.0}]}  # fmt: skip
    assert sweep_target_met(sweep) == ["ivf nprobe=48"]
    assert target_met(result(40, 0.96, 5)) == []
    assert target_met(result(60, 0.90, 5)) == []
    assert target_met(result(60, 0.96, 12)) == []


def test_vector_model_fits_real_structure_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((5, 32))
    occ = rng.integers(0, 5, 300)
    real = centres[occ] + 0.3 * rng.standard_normal((300, 32))
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    model = VacancyVectorModel(rank=8).fit(real, occ.astype(str))
    a, b = model.sample(500, seed=3, chunk=128), model.sample(500, seed=3, chunk=128)
    assert a.shape == (500, 32) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, b)  # same seed, same vectors
    stats_real, stats_syn = set_statistics(real, real[:20]), set_statistics(a[:300], real[:20])
    assert abs(stats_real["mean_pair_cos"] - stats_syn["mean_pair_cos"]) < 0.1
    assert stats_syn["mean_nn1_cos"] > stats_syn["mean_pair_cos"] + 0.2  # clustered, not isotropic noise
    with pytest.raises(RuntimeError, match="not fitted"):
        VacancyVectorModel().sample(3)


def test_rejects_unknown_kinds_and_tiny_sizes() -> None:
    with pytest.raises(ValueError, match="unknown index kinds"):
        run_retrieval_benchmark(sizes=(1000,), kinds=("lsh",), progress=False)
    with pytest.raises(ValueError, match="sizes"):
        run_retrieval_benchmark(sizes=(10,), progress=False)


@pytest.mark.slow
@pytest.mark.minilm
def test_minilm_and_fusion_throughput() -> None:
    texts = world_texts(40, 5).vacancy_texts
    out = encoder_throughput(texts, encoders=("minilm", "fusion"), runs=1)
    assert out["minilm"]["dim"] == 384 and out["fusion"]["dim"] == 384 + 256
    assert all(v["texts_per_s"] > 0 for v in out.values())
