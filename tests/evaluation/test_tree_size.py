"""The ranker-size comparison on a small world: every size fitted and compared with paired CIs, the served
default among the sizes compared, and its report written (json, markdown, plot)."""

from __future__ import annotations

import json
from pathlib import Path

from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from data.taxonomy import load_builtin
from embeddings.lexical import CharNgramEncoder
from evaluation.tree_size import REFERENCE, SIZES, config_for, run_tree_size, write_tree_size
from matching.build import taxonomy_corpus
from recommender.hybrid import HybridConfig

SMALL = WorldSize(seekers=700, vacancies=300, interactions=6_000, episodes=50, seed=5)


def test_the_served_default_is_one_of_the_sizes_compared() -> None:
    served = HybridConfig()
    assert [s for s in SIZES if config_for(s) == served] == ["60x7"]
    assert (
        config_for(REFERENCE).apply_trees.trees == 300 and config_for(REFERENCE).employer_trees.trees == 200
    )


def test_every_size_is_compared_with_the_reference_and_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "world.duckdb"
    generate_store(path, SMALL, show_progress=False)
    encoder = CharNgramEncoder(dim=64).fit(taxonomy_corpus(load_builtin()))
    with Store(path) as store:
        world = run_tree_size(store, encoder, progress=False)
    assert world["world"] == "linear/seed5" and world["test_citizens"] > 0
    assert list(world["sizes"]) == list(SIZES)
    for size, row in world["sizes"].items():
        assert 0 <= row["ndcg@10"] <= 1 and row["explain_ms"] > 0
        lo, hi = row["minus_rule"]["ci"]
        assert lo <= row["minus_rule"]["value"] <= hi
        assert (row["minus_reference"] is None) == (size == REFERENCE)
    write_tree_size([world], tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "tree_size.json").read_text())
    assert list(saved["worlds"][0]["sizes"]) == list(SIZES)
    markdown = (tmp_path / "out" / "tree_size.md").read_text()
    assert all(f"| {size} |" in markdown for size in SIZES)
    assert (tmp_path / "out" / "tree_size.png").stat().st_size > 0
