"""Title-linking benchmark: query construction (no leak, exact counts), metrics, report writing, full run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from data import columns as C
from data.taxonomy import Taxonomy
from evaluation.linking import (
    LABELS_FILE,
    LinkingBenchmark,
    _write,
    bootstrap_ci,
    build_benchmark,
    paired_difference,
    per_query_metrics,
    read_danish_labels,
    run_linking_benchmark,
    summarise,
    target_ranks,
    training_groups,
)
from matching.linking import concept_texts, label_variants, normalise_text

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ESCO = SHARED_DATA / "esco-v1.1.1"
LABELS = SHARED_DATA / LABELS_FILE
needs_data = pytest.mark.skipif(
    not (ESCO.is_dir() and LABELS.is_file()),
    reason=f"ESCO v1.1.1 and the Danish labels file are not in {SHARED_DATA} (../shared/data); skipping",
)

# Measured on the files in ../shared/data: 2,942 occupation URIs in the Danish labels file, 2,345 of them
# with >= 2 Danish labels, of which 3 are not in ESCO v1.1.1; none lacks a label distinct from the preferred.
N_QUERIES = 2_342
N_DEV = 468


@pytest.fixture(scope="module")
def esco() -> Taxonomy:
    from data.esco import load_esco

    return load_esco(ESCO, LABELS)


@pytest.fixture(scope="module")
def bench(esco: Taxonomy) -> LinkingBenchmark:
    return build_benchmark(SHARED_DATA, seed=0, taxonomy=esco)


@needs_data
def test_query_counts(bench: LinkingBenchmark) -> None:
    labels = read_danish_labels(LABELS)
    per_uri = labels.group_by("conceptUri").len()
    multi = per_uri.filter(pl.col("len") >= 2)["conceptUri"]
    in_esco = multi.filter(multi.is_in(bench.taxonomy.occupation_ids))
    assert bench.n_multi_label == in_esco.len() == N_QUERIES
    assert (
        bench.queries.height
        == N_QUERIES
        == in_esco.len() - bench.excluded["no_label_distinct_from_preferred"]
    )
    assert bench.excluded == {"not_in_esco_v1.1.1": 3, "no_label_distinct_from_preferred": 0}
    assert bench.queries[C.OCCUPATION_ID].n_unique() == N_QUERIES  # one query per occupation
    assert bench.split("dev").height == N_DEV
    assert bench.split("test").height == N_QUERIES - N_DEV
    assert (bench.queries["label_index"] >= 1).all()
    assert bench.taxonomy.occupations.height == 3_007  # every ESCO occupation stays in the index


@needs_data
def test_no_query_label_among_its_occupations_index_texts(bench: LinkingBenchmark, esco: Taxonomy) -> None:
    def texts_by_occupation(tax: Taxonomy) -> dict[str, set[str]]:
        """The normalised label texts TitleLinker indexes per occupation."""
        ids, _, texts, owner, _ = concept_texts(tax.occupations, C.OCCUPATION_ID, {})
        out: dict[str, set[str]] = {}
        for text, row in zip(texts, owner, strict=True):
            out.setdefault(ids[row], set()).add(text)
        return out

    after, before = texts_by_occupation(bench.taxonomy), texts_by_occupation(esco)
    for query, oid in bench.queries.select("query", C.OCCUPATION_ID).iter_rows():
        variants = {normalise_text(v) for v in label_variants(query)}
        assert after[oid], f"{oid} has no index text left"
        assert not variants & after[oid], f"query {query!r} leaks into the index of {oid}"
        assert normalise_text(query) in before[oid]  # it was there before stripping: the check is not vacuous
    assert after.keys() == before.keys()


@needs_data
def test_split_is_seeded_and_training_material_has_no_query_label(
    bench: LinkingBenchmark, esco: Taxonomy
) -> None:
    again = build_benchmark(SHARED_DATA, seed=0, taxonomy=esco)
    other = build_benchmark(SHARED_DATA, seed=1, taxonomy=esco)
    assert again.queries.equals(bench.queries)
    assert other.queries.drop("split").equals(bench.queries.drop("split"))
    assert not other.queries["split"].equals(bench.queries["split"])
    banned = {normalise_text(q) for q in bench.queries["query"]}
    texts = {normalise_text(t) for g in training_groups(bench) for part in g for t in part}
    assert texts and not texts & banned


def test_target_ranks_count_ties_against_the_method() -> None:
    scores = np.array([[0.9, 0.5, 0.5, 0.1], [0.2, 0.2, 0.2, 0.2], [0.1, 0.2, 0.3, 0.4]], dtype=np.float32)
    assert target_ranks(scores, np.array([0, 1, 3])).tolist() == [1, 4, 1]
    assert target_ranks(scores, np.array([2, 0, 0])).tolist() == [3, 4, 4]


def test_metrics_and_bootstrap() -> None:
    ranks = np.array([1, 2, 4, 20, 1])
    m = per_query_metrics(ranks)
    assert m["mrr"].mean() == pytest.approx((1 + 0.5 + 0.25 + 0.05 + 1) / 5)
    assert m["success@1"].mean() == pytest.approx(0.4)
    assert m["success@10"].mean() == pytest.approx(0.8)
    values = np.random.default_rng(0).random(500)
    lo, hi = bootstrap_ci(values, seed=0)
    assert lo < values.mean() < hi and hi - lo < 0.1
    assert bootstrap_ci(values, seed=0) == (lo, hi)
    summary = summarise(ranks)
    assert set(summary) == {"mrr", "success@1", "success@10"}
    assert paired_difference(ranks, ranks) == {"value": 0.0, "ci": [0.0, 0.0]}


def test_report_files(tmp_path: Path) -> None:
    def method(v: float) -> dict:
        cell = {"value": v, "ci": [v - 0.02, v + 0.02]}
        return {"mrr": cell, "success@1": cell, "success@10": cell, "mrr_minus_baseline": cell,
                "description": "d", "params": {"lexical_weight": 0.5}, "dev_mrr": v, "fit_s": 1.0,
                "link_s": 0.5, "queries_per_s": 100.0}  # fmt: skip

    report = {
        "n_queries": 10, "n_dev_queries": 2, "n_occupations": 5, "chosen_by_dev_mrr": "b",
        "throughput_link_1000": {"titles": 1000, "k": 10, "seconds": 1.5},
        "methods": {"a": method(0.4), "b": method(0.6)},
    }  # fmt: skip
    _write(report, tmp_path)
    assert json.loads((tmp_path / "linking.json").read_text(encoding="utf-8"))["chosen_by_dev_mrr"] == "b"
    md = (tmp_path / "linking.md").read_text(encoding="utf-8")
    assert "| **b** | 0.600 [0.580, 0.620]" in md
    assert (tmp_path / "linking.png").stat().st_size > 1000


@needs_data
@pytest.mark.evaluation
def test_full_linking_benchmark(tmp_path: Path) -> None:
    report = run_linking_benchmark(SHARED_DATA, tmp_path, seed=0, progress=False)
    for name in ("linking.json", "linking.md", "linking.png"):
        assert (tmp_path / name).is_file()
    assert report["n_queries"] == N_QUERIES - N_DEV
    methods = report["methods"]
    chosen = methods[report["chosen_by_dev_mrr"]]
    baseline = methods["baseline_tfidf_concat"]
    assert chosen["mrr"]["ci"][0] > baseline["mrr"]["ci"][1]  # non-overlapping CIs
    assert chosen["mrr_minus_baseline"]["ci"][0] > 0
