"""Skills in Danish: ``link_skills`` on free Danish text, and Danish labels for ESCO skills.

- ``skill_sentences_da.csv`` (committed, written for this project): Danish CV and job-ad sentences, each with
  the built-in catalogue skills a reader would tag (none for some). Precision and recall are micro-averaged
  over (sentence, skill) pairs, at the linker's threshold and over a range of thresholds.
- ESCO skill coverage: how many ESCO skills get a Danish label from the built-in catalogue
  (:func:`matching.linking.skill_labels.danish_skill_labels`), and how many catalogue skills found one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from core.reporting import write_results
from data import columns as C
from data.taxonomy import load_builtin
from matching.linking import TitleLinker

SENTENCES_FILE = Path(__file__).parent / "data" / "skill_sentences_da.csv"
THRESHOLDS = (0.5, 0.55, 0.6, 0.62, 0.65, 0.7, 0.75, 0.8)


def read_skill_sentences(path: Path = SENTENCES_FILE) -> list[tuple[str, set[str]]]:
    """``(sentence, {built-in skill ids})`` pairs; ids are written without the ``dk.s.`` prefix."""
    frame = pl.read_csv(path, infer_schema=False).fill_null("")
    return [
        (sentence, {f"dk.s.{s}" for s in skills.split(";") if s})
        for sentence, skills in frame.select("sentence", "skills").iter_rows()
    ]


def precision_recall(found: list[set[str]], gold: list[set[str]]) -> dict[str, float]:
    """Micro precision, recall and F1 over (sentence, skill) pairs."""
    tp = sum(len(f & g) for f, g in zip(found, gold, strict=True))
    n_found, n_gold = sum(map(len, found)), sum(map(len, gold))
    precision = tp / n_found if n_found else 1.0
    recall = tp / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "found": n_found, "gold": n_gold, "tp": tp}


def evaluate_link_skills(linker: TitleLinker | None = None, k: int = 10) -> dict[str, Any]:
    """link_skills on every sentence: P/R at the linker's threshold and per threshold in THRESHOLDS."""
    linker = linker or TitleLinker(load_builtin(), None, lexical_weight=1.0).fit()
    data = read_skill_sentences()
    gold = [g for _, g in data]
    scored = [linker.link_skills(sentence, k=k, threshold=min(THRESHOLDS)) for sentence, _ in data]

    def at(threshold: float) -> dict[str, float]:
        found = [set(f.filter(pl.col("score") >= threshold)[C.SKILL_ID].to_list()) for f in scored]
        return precision_recall(found, gold)

    return {
        "sentences": len(data),
        "sentences_without_skills": sum(1 for g in gold if not g),
        "threshold": linker.skill_threshold,
        "at_threshold": at(linker.skill_threshold),
        "by_threshold": {str(t): at(t) for t in THRESHOLDS},
    }


def skill_markdown(report: dict[str, Any]) -> str:
    ls = report["link_skills"]
    main = ls["at_threshold"]
    lines = [
        "# Skills in Danish",
        "",
        f"`link_skills` on {ls['sentences']} Danish CV/job-ad sentences (`evaluation/data/skill_sentences_da.csv`, "
        f"{ls['sentences_without_skills']} with no skill), built-in catalogue, micro-averaged over (sentence, skill):",
        "",
        f"At the default threshold {ls['threshold']}: precision **{main['precision']:.3f}**, recall "
        f"**{main['recall']:.3f}**, F1 {main['f1']:.3f} ({main['tp']} of {main['gold']} tagged skills found, "
        f"{main['found']} returned).",
        "",
        "| threshold | precision | recall | F1 |",
        "|---|---|---|---|",
    ]
    for t, m in ls["by_threshold"].items():
        lines.append(f"| {t} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")
    cov = report.get("esco_coverage")
    if cov:
        lines += [
            "",
            f"ESCO skills with a Danish label from the built-in catalogue: **{cov['esco_skills_with_danish_label']:,}** "
            f"of {cov['esco_skills']:,} (before: {cov['before']}); built-in skills linked to an ESCO skill: "
            f"{cov['builtin_skills_linked']} of {cov['builtin_skills']} (match score >= {cov['threshold']}).",
        ]
    return "\n".join(lines) + "\n"


def run_skill_report(shared_data: Path | None, out_dir: Path) -> dict[str, Any]:
    """link_skills P/R, and ESCO coverage where ESCO is in ``shared_data``; writes ``skills.json`` / ``.md``."""
    from evaluation.linking import ESCO_DIR

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"link_skills": evaluate_link_skills()}
    if shared_data is not None and (Path(shared_data) / ESCO_DIR).is_dir():
        from data.esco import load_esco
        from matching.linking.skill_labels import coverage, danish_skill_labels

        esco, builtin = load_esco(Path(shared_data) / ESCO_DIR), load_builtin()
        report["esco_coverage"] = coverage(esco, builtin, danish_skill_labels(esco, builtin))
    write_results(report, out_dir, "skills", md=skill_markdown(report))
    return report
