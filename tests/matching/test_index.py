"""FAISS index: kinds, filtered search, tombstones and upserts, atomic versioned persistence, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import ArtefactError
from matching.index import FLAT_MAX, VectorIndex, choose_kind


def _unit(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


IDS = [f"v{i}" for i in range(600)]
VECS = _unit(600)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_each_kind_finds_itself_and_respects_filters(kind: str) -> None:
    index = VectorIndex.build(VECS, IDS, kind=kind)  # type: ignore[arg-type]
    _, ids = index.search(VECS[:5], 3)
    assert ids[:, 0].tolist() == IDS[:5]
    allowed = np.zeros(600, dtype=bool)
    allowed[100:110] = True
    scores, ids = index.search(VECS[:1], 20, allowed=allowed)
    found = [i for i in ids[0] if i is not None]
    assert set(found) <= {f"v{i}" for i in range(100, 110)} and len(found) == 10
    assert np.isneginf(scores[0][10:]).all()


def test_auto_kind_by_size() -> None:
    assert choose_kind(1_000) == "flat"
    assert choose_kind(FLAT_MAX + 1) != "flat"
    assert choose_kind(10, "hnsw") == "hnsw"


def test_tombstones_and_upserts() -> None:
    index = VectorIndex.build(VECS, IDS, kind="flat")
    assert index.remove(["v0", "missing"]) == 1
    assert "v0" not in index and index.size == 599
    assert "v0" not in index.search(VECS[:1], 10)[1][0].tolist()
    index.upsert(VECS[1:2], ["v0"], ["h-new"])  # v0 now carries v1's vector
    assert set(index.search(VECS[1:2], 2)[1][0].tolist()) == {"v0", "v1"}
    assert index.hash_of("v0") == "h-new" and index.size == 600
    np.testing.assert_allclose(index.vector("v0"), VECS[1], atol=1e-6)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        VectorIndex.build(VECS[:2], ["a", "a"])
    with pytest.raises(ValueError, match="n ids"):
        VectorIndex.build(VECS[:2], ["a"])
    with pytest.raises(ValueError, match="unknown index kind"):
        VectorIndex.build(VECS[:2], ["a", "b"], kind="lsh")  # type: ignore[arg-type]


def test_save_load_round_trip_and_manifest(tmp_path: Path) -> None:
    index = VectorIndex.build(VECS, IDS, kind="hnsw", hashes=[f"h{i}" for i in range(600)])
    index.remove(["v3"])
    manifest = index.save(tmp_path, model_id="enc-1", data_version="dv-1")
    assert (manifest.count, manifest.alive, manifest.dim, manifest.kind) == (600, 599, 16, "hnsw")
    loaded, m2 = VectorIndex.load(tmp_path, model_id="enc-1", data_version="dv-1", dim=16)
    assert m2 == manifest and "v3" not in loaded and loaded.hash_of("v5") == "h5"
    np.testing.assert_array_equal(loaded.search(VECS[10:12], 5)[1], index.search(VECS[10:12], 5)[1])


def test_load_refuses_mismatches_and_names_the_fix(tmp_path: Path) -> None:
    VectorIndex.build(VECS, IDS).save(tmp_path, model_id="enc-1", data_version="dv-1")
    for kwargs, message in (
        ({"model_id": "enc-2"}, "encoder enc-1, expected enc-2"),
        ({"data_version": "dv-2"}, "data version dv-1"),
        ({"dim": 32}, "dimension 16"),
    ):
        with pytest.raises(ArtefactError, match=message) as err:
            VectorIndex.load(tmp_path, **kwargs)  # type: ignore[arg-type]
        assert "jobmatch build" in str(err.value)
    with pytest.raises(ArtefactError, match=r"nothing built at .*absent"):
        VectorIndex.load(tmp_path / "absent")


def test_truncated_index_file_fails_checksum(tmp_path: Path) -> None:
    VectorIndex.build(VECS, IDS).save(tmp_path, model_id="m", data_version="d")
    version = (tmp_path / "CURRENT").read_text()
    target = tmp_path / version / "index.faiss"
    target.write_bytes(target.read_bytes()[:-100])
    with pytest.raises(ArtefactError, match="checksum"):
        VectorIndex.load(tmp_path)


def test_save_keeps_previous_version_and_switches_atomically(tmp_path: Path) -> None:
    VectorIndex.build(VECS[:10], IDS[:10]).save(tmp_path, model_id="m", data_version="d1")
    first = (tmp_path / "CURRENT").read_text()
    VectorIndex.build(VECS[:20], IDS[:20]).save(tmp_path, model_id="m", data_version="d2")
    second = (tmp_path / "CURRENT").read_text()
    assert first != second and (tmp_path / first).is_dir()
    assert json.loads((tmp_path / second / "manifest.json").read_text())["meta"]["count"] == 20
    VectorIndex.build(VECS[:30], IDS[:30]).save(tmp_path, model_id="m", data_version="d3")
    assert not (tmp_path / first).exists()  # only the current and one previous version are kept
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_flat_vectors_come_back_exactly_and_follow_upserts() -> None:
    """The flat index's numpy copy (fast exact re-scoring) holds the stored floats, renewed by an upsert."""
    index = VectorIndex.build(VECS, IDS, kind="flat")
    pos = np.array([5, 0, 599, 5])
    assert np.array_equal(index.vectors_at(pos), np.asarray(index.index.reconstruct_batch(pos)))
    assert np.array_equal(index.vectors_at(pos), VECS[pos])
    index.upsert(VECS[7:8], ["v-new"])
    assert np.array_equal(index.vector("v-new"), VECS[7])
