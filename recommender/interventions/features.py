"""What the intervention model sees of a citizen: numeric features from the ``seekers`` table alone.

Features come only from ``seekers`` (plus skill coverage of the desired occupations from the taxonomy);
protected attributes (``seeker_protected``) are never read here and ``FEATURES`` is asserted disjoint from
them. Location (postcode, coordinates) is left out too: it can proxy origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from data import columns as C
from data.store import Store
from data.taxonomy import Taxonomy, load_builtin

ARMS: tuple[str, ...] = tuple(C.PROGRAMMES)  # index 0 is "none", the comparison arm
TREATED: tuple[str, ...] = ARMS[1:]

# Numeric features read from ``seekers`` (and derived from it); the order is the column order of X.
FEATURES: tuple[str, ...] = (
    "isced_level",
    "experience_years",
    "weeks_unemployed",
    "aktivitetsparat",
    "benefit_dagpenge",
    "benefit_kontanthjaelp",
    "benefit_uddannelseshjaelp",
    "benefit_sygedagpenge",
    "benefit_selvforsoerger",
    "skill_coverage_first",
    "skill_coverage_min",
    "skill_coverage_max",
    "n_skills",
    "n_desired_occupations",
    "n_languages",
    "driving_licence",
    "hours_wanted",
    "max_commute_km",
    "jobcenter_kbh",
)
# The features the effect may vary with (the final stage); the rest only adjust for confounding.
EFFECT_MODIFIERS: tuple[str, ...] = FEATURES[:12]
SEEKER_COLUMNS_USED: tuple[str, ...] = (
    C.SEEKER_ID,
    C.JOBCENTER_ID,
    "isced_level",
    "experience_years",
    "weeks_unemployed",
    "target_group",
    "benefit_type",
    "skills",
    "desired_occupations",
    "languages",
    "driving_licence",
    "hours_wanted",
    "max_commute_km",
)
assert not set(FEATURES) & set(C.PROTECTED_ATTRIBUTES), "protected attributes must never be features"
assert not set(SEEKER_COLUMNS_USED) & set(C.PROTECTED_ATTRIBUTES), "protected attributes are never read"

# Effect modifiers explained together (one-hot groups), for drivers.
MODIFIER_GROUPS: dict[str, tuple[str, ...]] = {
    "isced_level": ("isced_level",),
    "experience_years": ("experience_years",),
    "weeks_unemployed": ("weeks_unemployed",),
    "aktivitetsparat": ("aktivitetsparat",),
    "benefit": tuple(f for f in EFFECT_MODIFIERS if f.startswith("benefit_")),
    "skill_coverage": ("skill_coverage_first", "skill_coverage_min", "skill_coverage_max"),
}


def taxonomy_of(store: Store) -> Taxonomy:
    """The taxonomy the store's world was generated from (the built-in catalogue by default)."""
    return store.load_taxonomy(store.meta("taxonomy") or "builtin")


def seeker_features(seekers: pl.DataFrame, taxonomy: Taxonomy | None = None) -> pl.DataFrame:
    """One row per seeker: ``seeker_id`` plus ``FEATURES`` (float; NaN where a coverage is unknown).

    Reads only the columns in ``SEEKER_COLUMNS_USED``. Skill coverage is the share of a desired
    occupation's essential skills the citizen has (first listed, lowest and highest over the desired ones).
    """
    missing = [c for c in SEEKER_COLUMNS_USED if c not in seekers.columns]
    if missing:
        raise ValueError(f"seekers frame lacks columns {missing}")
    s = seekers.select(SEEKER_COLUMNS_USED)
    coverage = _skill_coverage(s, taxonomy or load_builtin())
    out = (
        s.join(coverage, on=C.SEEKER_ID, how="left")
        .with_columns(
            pl.col("isced_level").cast(pl.Float64),
            pl.col("experience_years").cast(pl.Float64),
            pl.col("weeks_unemployed").cast(pl.Float64),
            (pl.col("target_group") == "aktivitetsparat").cast(pl.Float64).alias("aktivitetsparat"),
            *[(pl.col("benefit_type") == b).cast(pl.Float64).alias(f"benefit_{b}") for b in C.BENEFIT_TYPES],
            pl.col("skills").list.len().cast(pl.Float64).alias("n_skills"),
            pl.col("desired_occupations").list.len().cast(pl.Float64).alias("n_desired_occupations"),
            pl.col("languages").list.len().cast(pl.Float64).alias("n_languages"),
            pl.col("driving_licence").cast(pl.Float64),
            pl.col("hours_wanted").cast(pl.Float64),
            pl.col("max_commute_km").cast(pl.Float64),
            (pl.col(C.JOBCENTER_ID) == "jc-kbh").cast(pl.Float64).alias("jobcenter_kbh"),
        )
        .select(C.SEEKER_ID, *[pl.col(f).cast(pl.Float64).fill_null(float("nan")) for f in FEATURES])
    )
    return out


def _skill_coverage(seekers: pl.DataFrame, taxonomy: Taxonomy) -> pl.DataFrame:
    essential = taxonomy.occupation_skills.filter(pl.col(C.RELATION) == C.ESSENTIAL).select(
        C.OCCUPATION_ID, C.SKILL_ID
    )
    n_ess = essential.group_by(C.OCCUPATION_ID).agg(pl.len().alias("n_ess"))
    desired = (
        seekers.select(C.SEEKER_ID, pl.col("desired_occupations").alias(C.OCCUPATION_ID))
        .with_columns(pl.int_ranges(pl.col(C.OCCUPATION_ID).list.len()).alias("pos"))
        .explode(C.OCCUPATION_ID, "pos")
        .drop_nulls(C.OCCUPATION_ID)
    )
    have = (
        seekers.select(C.SEEKER_ID, pl.col("skills").alias(C.SKILL_ID))
        .explode(C.SKILL_ID)
        .drop_nulls()
        .unique()
    )
    hits = (
        desired.join(essential, on=C.OCCUPATION_ID)
        .join(have, on=[C.SEEKER_ID, C.SKILL_ID], how="semi")
        .group_by(C.SEEKER_ID, "pos")
        .agg(pl.len().alias("hit"))
    )
    cov = (
        desired.join(n_ess, on=C.OCCUPATION_ID, how="inner")
        .join(hits, on=[C.SEEKER_ID, "pos"], how="left")
        .with_columns((pl.col("hit").fill_null(0) / pl.col("n_ess")).alias("cov"))
        .sort(C.SEEKER_ID, "pos")
        .group_by(C.SEEKER_ID)
        .agg(
            pl.col("cov").first().alias("skill_coverage_first"),
            pl.col("cov").min().alias("skill_coverage_min"),
            pl.col("cov").max().alias("skill_coverage_max"),
        )
    )
    return cov


@dataclass(frozen=True)
class EpisodeData:
    """Historical episodes as arrays for the estimator; ids stay in ``frame`` and never reach the model."""

    frame: pl.DataFrame  # episode_id, seeker_id, jobcenter_id, programme, start_date, employed_26w
    X: np.ndarray  # (n, len(FEATURES)) float64
    t: np.ndarray  # (n,) arm index into ARMS
    y: np.ndarray  # (n,) 0/1 employed within 26 weeks
    groups: np.ndarray  # (n,) seeker row number, for grouped cross-fitting

    @property
    def n(self) -> int:
        return len(self.t)


def load_episodes(
    source: Store | Mapping[str, pl.DataFrame], taxonomy: Taxonomy | None = None
) -> EpisodeData:
    """Join interventions, outcomes and seeker features; works on a store or a generated world dict."""
    if isinstance(source, Store):
        tables = {n: source.table(n) for n in ("seekers", "interventions", "outcomes")}
        taxonomy = taxonomy or taxonomy_of(source)
    else:
        tables = dict(source)
    feats = seeker_features(tables["seekers"], taxonomy)
    frame = (
        tables["interventions"]
        .select(C.EPISODE_ID, C.SEEKER_ID, C.PROGRAMME, "start_date")
        .join(tables["outcomes"].select(C.EPISODE_ID, "employed_26w"), on=C.EPISODE_ID, how="inner")
        .join(tables["seekers"].select(C.SEEKER_ID, C.JOBCENTER_ID), on=C.SEEKER_ID, how="inner")
        .join(feats, on=C.SEEKER_ID, how="inner")
        .sort(C.EPISODE_ID)
    )
    unknown = set(frame[C.PROGRAMME].unique().to_list()) - set(ARMS)
    if unknown:
        raise ValueError(f"unknown programmes in interventions: {sorted(unknown)}")
    arm_index = {a: i for i, a in enumerate(ARMS)}
    t = np.array([arm_index[p] for p in frame[C.PROGRAMME].to_list()], dtype=np.int64)
    seeker_codes = frame[C.SEEKER_ID].cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    return EpisodeData(
        frame=frame.select(
            C.EPISODE_ID, C.SEEKER_ID, C.JOBCENTER_ID, C.PROGRAMME, "start_date", "employed_26w"
        ),
        X=frame.select(FEATURES).to_numpy().astype(np.float64),
        t=t,
        y=frame["employed_26w"].cast(pl.Float64).to_numpy(),
        groups=seeker_codes,
    )


def feature_matrix(features: pl.DataFrame) -> np.ndarray:
    """``FEATURES`` of a ``seeker_features`` frame as a float matrix (row order kept)."""
    missing = [f for f in FEATURES if f not in features.columns]
    if missing:
        raise ValueError(f"features frame lacks {missing}: build it with seeker_features()")
    return features.select(FEATURES).to_numpy().astype(np.float64)
