"""Linking throughput: titles per second of ``TitleLinker.link`` on distinct titles (a benchmark, not a test).

Distinct titles, because ``link`` scores a repeated title once and repeats would flatter the figure. With
ESCO in ``shared_data`` the titles are the Danish labels file's labels against the full ESCO taxonomy (the
trained default, encoder cached in ``model_dir``); otherwise the built-in catalogue's labels.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from core.reporting import write_text_atomic
from matching.linking import TitleLinker, make_linker


def linking_throughput(
    linker: TitleLinker, titles: list[str], *, k: int = 10, repeats: int = 3
) -> dict[str, Any]:
    """Best-of-``repeats`` wall time of ``link(titles, k)`` (index already built) and titles per second."""
    from core.machine import machine_info

    distinct = list(dict.fromkeys(titles))
    linker.link(distinct[:50], k=k)  # warm caches and BLAS threads
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        linker.link(distinct, k=k)
        times.append(time.perf_counter() - t0)
    best = min(times)
    return {
        "titles": len(distinct),
        "k": k,
        "seconds_best": round(best, 3),
        "seconds_all": [round(t, 3) for t in times],
        "titles_per_s": round(len(distinct) / best, 1),
        "linker": repr(linker),
        "machine": machine_info(),
    }


def run_linking_speed(
    shared_data: Path | None, out_dir: Path, model_dir: Path | None = None
) -> dict[str, Any]:
    """Measure, print and write ``throughput.json`` to ``out_dir``."""
    from data.taxonomy import load_builtin
    from evaluation.linking import ESCO_DIR, LABELS_FILE, read_danish_labels

    labels = None if shared_data is None else Path(shared_data) / LABELS_FILE
    if labels is not None and labels.is_file() and (Path(shared_data or ".") / ESCO_DIR).is_dir():
        from data.esco import load_esco

        taxonomy = load_esco(Path(shared_data or ".") / ESCO_DIR, labels)
        titles = read_danish_labels(labels)["label"].to_list()
    else:
        taxonomy = load_builtin()
        titles = [t for t in taxonomy.occupations["label_da"].to_list() if t]
    linker = make_linker(taxonomy, "trained", model_dir=model_dir, index_skills=False, progress=True)
    result = {"taxonomy": taxonomy.name, **linking_throughput(linker, titles)}
    print(f"link(): {result['titles']:,} distinct titles in {result['seconds_best']:.2f} s = "
          f"{result['titles_per_s']:,.0f} titles/s (taxonomy {taxonomy.name}, k={result['k']})")  # fmt: skip
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / "throughput.json", json.dumps(result, indent=2) + "\n")
    return result
