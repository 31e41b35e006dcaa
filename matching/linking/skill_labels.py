"""Danish labels for ESCO skills, borrowed from the built-in Danish skill catalogue where the two match.

ESCO v1.1.1 ships no Danish skill labels, so a Danish interface shows ESCO skills in English. Each catalogue
skill's English label is matched against every ESCO skill's English *preferred* label with the linker's char
n-gram TF-IDF (ESCO's alternative labels are broad: matching them too linked "actuarial science" to
bookkeeping); an ESCO skill whose best match scores at least ``threshold`` takes that catalogue skill's
Danish label. An ESCO skill never takes two Danish labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from data import columns as C
from data.taxonomy import Taxonomy
from matching.linking.labels import build_label_index
from matching.linking.text import normalise_text

BUILTIN_SKILL_ID = "builtin_skill_id"
MATCH_THRESHOLD = 0.85
_BATCH = 64

DANISH_SKILL_SCHEMA: dict[str, pl.DataType] = {
    C.SKILL_ID: pl.String(),
    C.LABEL_EN: pl.String(),
    C.LABEL_DA: pl.String(),
    BUILTIN_SKILL_ID: pl.String(),
    "score": pl.Float32(),
}


def danish_skill_labels(
    taxonomy: Taxonomy, catalogue: Taxonomy, *, threshold: float = MATCH_THRESHOLD
) -> pl.DataFrame:
    """One row per ESCO skill that gets a Danish label: ``skill_id, label_en, label_da, builtin_skill_id, score``."""
    if taxonomy.skills.height == 0 or catalogue.skills.height == 0:
        return pl.DataFrame(schema=DANISH_SKILL_SCHEMA)
    english_only = taxonomy.skills.with_columns(
        pl.lit(None, pl.String).alias(C.LABEL_DA), pl.lit([], pl.List(pl.String)).alias(C.SYNONYMS)
    )
    index = build_label_index(english_only, C.SKILL_ID, None)
    cat = catalogue.skills.filter(pl.col(C.LABEL_EN).is_not_null() & pl.col(C.LABEL_DA).is_not_null())
    queries = [normalise_text(t) for t in cat[C.LABEL_EN]]
    best_score = np.full(len(index.ids), -1.0, dtype=np.float32)
    best_from = np.full(len(index.ids), -1, dtype=np.int64)
    for lo in range(0, len(queries), _BATCH):
        per_skill = np.maximum.reduceat(index.lexical_scores(queries[lo : lo + _BATCH]), index.starts, axis=1)
        row = per_skill.argmax(axis=0)
        score = per_skill[row, np.arange(per_skill.shape[1])]
        better = score > best_score
        best_score[better], best_from[better] = score[better], row[better] + lo
    keep = np.flatnonzero(best_score >= threshold)
    return pl.DataFrame(
        {
            C.SKILL_ID: [index.ids[j] for j in keep],
            C.LABEL_EN: [index.display[j] for j in keep],
            C.LABEL_DA: [cat[C.LABEL_DA][int(best_from[j])] for j in keep],
            BUILTIN_SKILL_ID: [cat[C.SKILL_ID][int(best_from[j])] for j in keep],
            "score": np.minimum(best_score[keep], 1.0),
        },
        schema=DANISH_SKILL_SCHEMA,
    )


def with_danish_skill_labels(taxonomy: Taxonomy, catalogue: Taxonomy, **kwargs: Any) -> Taxonomy:
    """The taxonomy with Danish labels filled in for matched skills (existing Danish labels are kept)."""
    matches = danish_skill_labels(taxonomy, catalogue, **kwargs).select(
        C.SKILL_ID, pl.col(C.LABEL_DA).alias("borrowed_da")
    )
    skills = (
        taxonomy.skills.join(matches, on=C.SKILL_ID, how="left")
        .with_columns(pl.coalesce(C.LABEL_DA, "borrowed_da").alias(C.LABEL_DA))
        .drop("borrowed_da")
    )
    return Taxonomy.build(
        taxonomy.name, taxonomy.occupations, skills, taxonomy.occupation_skills, version=taxonomy.version
    )


def coverage(
    taxonomy: Taxonomy, catalogue: Taxonomy, matches: pl.DataFrame, threshold: float = MATCH_THRESHOLD
) -> dict[str, Any]:
    """How many ESCO skills have a Danish label before and after, and how many catalogue skills were used."""
    return {
        "esco_skills": taxonomy.skills.height,
        "before": int(taxonomy.skills[C.LABEL_DA].drop_nulls().len()),
        "esco_skills_with_danish_label": int(
            taxonomy.skills.filter(
                pl.col(C.LABEL_DA).is_not_null() | pl.col(C.SKILL_ID).is_in(matches[C.SKILL_ID].to_list())
            ).height
        ),
        "builtin_skills": catalogue.skills.height,
        "builtin_skills_linked": int(matches[BUILTIN_SKILL_ID].n_unique()),
        "threshold": threshold,
    }
