"""What an employer may learn of a candidate: banded quasi-identifiers, k-anonymous across the employer's shortlists.

Pseudonyms differ per vacancy, yet a rare combination of education, experience, hours wanted and distance would
still let an employer follow one person from one shortlist to the next. So an employer never sees those values
exactly: each is shown as a band, and one level of coarsening is chosen for *all* of an employer's shortlists
together (global recoding), the finest at which few cards need suppressing. Cards whose shown combination
fewer than ``k`` distinct candidates share are suppressed (every band hidden), and the suppressed cards
themselves are topped up to ``k`` candidates, so no shown combination, "all hidden" included, singles anyone out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import polars as pl

from data import columns as C

HIDDEN = "hidden"
QUASI_IDENTIFIERS = ("education_band", "experience_band", "hours_band", "distance_band")
RAW = {"education_band": "isced_level", "experience_band": "experience_years", "hours_band": "hours_wanted",
       "distance_band": "distance_km"}  # fmt: skip

# band column -> (fine, coarse): (upper edges, codes); a value v falls in the first band whose edge exceeds it.
# Each coarse band is a union of fine bands, so coarsening never splits a group.
BANDS: dict[str, tuple[tuple[Sequence[float], Sequence[str]], ...]] = {
    "education_band": (((3, 5, 7), ("isced_0_2", "isced_3_4", "isced_5_6", "isced_7_8")),
                       ((5,), ("isced_0_4", "isced_5_8"))),
    "experience_band": (((2, 5, 10), ("exp_0_1", "exp_2_4", "exp_5_9", "exp_10_plus")),
                        ((5,), ("exp_0_4", "exp_5_plus"))),
    "hours_band": (((20, 30), ("hours_0_19", "hours_20_29", "hours_30_plus")),
                   ((30,), ("hours_0_29", "hours_30_plus"))),
    "distance_band": (((5, 15, 30), ("km_0_5", "km_5_15", "km_15_30", "km_30_plus")),
                      ((15,), ("km_0_15", "km_15_plus"))),
}  # fmt: skip

# Coarsening levels, finest first: per band column, 0 = fine, 1 = coarse, None = hidden. Every level is at
# least as coarse as the one before in every column (hours and distance give way before education/experience).
LEVELS: tuple[tuple[int | None, ...], ...] = ((0, 0, 0, 0), (0, 0, 1, 1), (1, 1, 1, 1), (1, 1, None, None))
MAX_SUPPRESSED_SHARE = 0.1  # the finest level that suppresses at most this share of cards is chosen

BANDED, COARSENED, SUPPRESSED = (
    "banded",
    "coarsened",
    "suppressed",
)  # the ``privacy`` column: what the card says


def band(value: float, column: str, detail: int | None) -> str:
    """One raw value as the code of its band at ``detail`` (0 fine, 1 coarse, None hidden)."""
    if detail is None:
        return HIDDEN
    edges, codes = BANDS[column][detail]
    return codes[bisect.bisect_right(list(edges), float(value))]


def banded(cards: pl.DataFrame, level: int) -> pl.DataFrame:
    """The cards' quasi-identifiers as band codes at one coarsening level (raw columns kept for the caller)."""
    return cards.with_columns(
        pl.Series(
            column, [band(v, column, LEVELS[level][i]) for v in cards[RAW[column]].to_list()], pl.String
        )
        for i, column in enumerate(QUASI_IDENTIFIERS)
    )


def _suppressed(shown: pl.DataFrame, k: int) -> pl.Series:
    """Which cards to suppress: those in groups of fewer than ``k`` distinct candidates; then, if that hides
    fewer than ``k`` candidates, as many more as needed from a group that can spare them (else whole groups),
    so that "all hidden" is itself a combination shared by ``k`` candidates."""
    cards = list(zip((tuple(r) for r in shown.select(QUASI_IDENTIFIERS).iter_rows()),
                     shown[C.SEEKER_ID].to_list(), strict=True))  # fmt: skip
    people: dict[tuple[str, ...], set[str]] = {}
    for key, sid in cards:
        people.setdefault(key, set()).add(sid)
    hide = {(key, sid) for key, sid in cards if len(people[key]) < k}
    if hide:
        _top_up(hide, people, k)
    return pl.Series([card in hide for card in cards], dtype=pl.Boolean)


def _top_up(hide: set[tuple[tuple[str, ...], str]], people: dict[tuple[str, ...], set[str]], k: int) -> None:
    """Add candidates to ``hide`` until it covers ``k``: from the largest group that keeps ``k`` after giving
    them up, else whole groups, smallest first."""
    need = k - len({sid for _, sid in hide})
    if need <= 0:
        return
    hidden_people = {sid for _, sid in hide}
    for key in sorted(people, key=lambda g: (-len(people[g]), g)):
        spare = sorted(people[key] - hidden_people)
        if len(people[key]) - need >= k and len(spare) >= need:
            hide |= {(key, sid) for sid in spare[:need]}
            return
    for key in sorted(people, key=lambda g: (len(people[g]), g)):
        if len({sid for _, sid in hide}) >= k:
            return
        hide |= {(key, sid) for sid in people[key]}


def anonymise(
    cards: pl.DataFrame, k: int, max_suppressed_share: float = MAX_SUPPRESSED_SHARE
) -> pl.DataFrame:
    """Every card an employer's shortlists show (``seeker_id`` and the raw quasi-identifiers, one row per
    vacancy and candidate), with band columns and ``privacy``: one level for all cards, suppression as needed.

    Guarantee: every distinct shown combination of the band columns (all hidden included) is shown for at least
    ``k`` distinct candidates, unless the shortlists hold fewer than ``k`` candidates in all (then all is hidden).
    """
    if cards.height == 0 or cards[C.SEEKER_ID].n_unique() < k:
        return _all_hidden(cards)
    budget = max_suppressed_share * cards.height
    for level in range(len(LEVELS)):
        shown = banded(cards, level)
        suppress = _suppressed(shown, k)
        if int(suppress.sum()) <= budget or level == len(LEVELS) - 1:
            hide = pl.col("_suppress")
            return (
                shown.with_columns(suppress.alias("_suppress"))
                .with_columns(
                    *(
                        pl.when(hide).then(pl.lit(HIDDEN)).otherwise(pl.col(c)).alias(c)
                        for c in QUASI_IDENTIFIERS
                    ),
                    pl.when(hide)
                    .then(pl.lit(SUPPRESSED))
                    .otherwise(pl.lit(COARSENED if level else BANDED))
                    .alias("privacy"),
                )
                .drop("_suppress")
            )
    raise AssertionError("unreachable: the last level always returns")


def _all_hidden(cards: pl.DataFrame) -> pl.DataFrame:
    return cards.with_columns(
        *(pl.lit(HIDDEN).alias(c) for c in QUASI_IDENTIFIERS), pl.lit(SUPPRESSED).alias("privacy")
    )


def smallest_group(shown: pl.DataFrame) -> int:
    """The fewest distinct candidates behind any one shown combination: the k the cards actually achieve."""
    if shown.height == 0:
        return 0
    sizes = shown.group_by(QUASI_IDENTIFIERS).agg(pl.col(C.SEEKER_ID).n_unique().alias("n"))
    return int(sizes["n"].min())  # type: ignore[arg-type]
