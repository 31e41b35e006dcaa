"""An analyst's views: this installation's own evaluation report, decision rates per group (small cells suppressed), drift."""

from __future__ import annotations

from typing import Any

import polars as pl

from app.access import Role, User
from app.workspace.base import WorkspaceBase
from core.artefacts import POINTER
from core.installation_report import load_report, report_root
from data import columns as C
from data.protected import GROUP_COLUMNS, protected_groups
from recommender.interventions.coverage import PROBABILITIES, merged_ranges

MIN_CELL = 10  # fewer decisions than this in a cell: its count and rates are not shown
RATE_COLUMNS = ("decisions", "acceptance_rate", "override_rate", "rejection_rate")


class AnalystViews(WorkspaceBase):
    """An analyst's views: evaluation reports, decision rates per group (small cells suppressed), drift."""

    def installation_report(self, user: User) -> dict[str, Any] | None:
        """This installation's own evaluation and fairness report (``jobmatch report``, run nightly), or
        ``None`` where none was computed yet. Never the reference run committed with the code."""
        user.require(Role.ANALYST, Role.ADMIN)
        return load_report(self.settings)

    def report_version(self) -> str:
        """The live report's version name ("" before the first run): a cheap key for caching it."""
        pointer = report_root(self.settings) / POINTER
        return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""

    def programme_evidence(self, user: User) -> pl.DataFrame:
        """Per programme, what stands behind its estimates: episodes, the share of them it has an estimate for
        (the rest are below the overlap threshold), the doubly robust average, how strong a hidden confounder
        would have to be to explain it away (E-value, and for the interval's near end), the measured coverage
        of its interval (lowest and highest over the report worlds, and the mean over many worlds) and whether
        it may be called a 90 % interval."""
        user.require(Role.ANALYST, Role.ADMIN)
        model = self.interventions
        if model is None:
            return pl.DataFrame()
        arms: dict[str, dict[str, Any]] = model.metrics_.get("arms", {})
        rows = []
        for arm, m in arms.items():
            measured = model.coverage_.get(arm, {})
            shares = list((measured.get("coverage") or {}).values())
            rows.append({
                "programme": arm,
                "episodes": m.get("episodes"),
                "with_estimate": m.get("share_supported"),
                "mean_effect_pp": None if m.get("dr_ate_supported") is None else 100 * m["dr_ate_supported"],
                "e_value": m.get("e_value"),
                "e_value_limit": m.get("e_value_limit"),
                "coverage_low": min(shares) if shares else None,
                "coverage_high": max(shares) if shares else None,
                "coverage_mean": (measured.get("mean_coverage") or {}).get("mean"),
                "called_90_interval": bool(measured.get("level")),
            })  # fmt: skip
        return pl.DataFrame(rows)

    def chance_ranges(self, user: User) -> dict[str, list[tuple[float, float]]]:
        """Per stated chance (of being the best; of being as good as the top pick) the ranges of values a card
        states as a number: where the evaluation found such chances to come true (``coverage.py``). Empty
        for a chance that is never stated."""
        user.require(Role.ANALYST, Role.ADMIN)
        model = self.interventions
        claims = model.claims_ if model is not None else {}
        return {name: merged_ranges(claims.get(name, [])) for name in PROBABILITIES}

    def decision_rates(self, user: User, min_cell: int = MIN_CELL) -> pl.DataFrame:
        """Acceptance, override and rejection rates per protected group (labels from ``protected_groups``, for
        this audit only). A cell under ``min_cell`` decisions shows neither its rates nor its count (``< n``),
        and where one cell of an attribute is hidden the next smallest is hidden too, so the attribute's total
        (known from any other attribute) cannot give it away. Per-consultant rates are not here: they are
        for administrators (:meth:`consultant_rates`)."""
        user.require(Role.ANALYST, Role.ADMIN)
        decisions = consultant_decisions(self)
        groups = protected_groups(self._db(), decisions[C.SEEKER_ID].to_list())
        decided = decisions.drop(C.SEEKER_ID).hstack(groups.drop(C.SEEKER_ID))
        parts = [
            suppressed(rates_by(decided, attr).rename({attr: "group"}), min_cell).with_columns(
                pl.lit(attr).alias("attribute"), pl.col("group").cast(pl.String)
            )
            for attr in GROUP_COLUMNS[1:]
        ]
        return pl.concat(parts, how="diagonal").select("attribute", "group", *RATE_COLUMNS, "suppressed")

    def drift(self, user: User) -> tuple[str, pl.DataFrame]:
        """Population drift of the newest citizens against the rest (what the models were trained on)."""
        user.require(Role.ANALYST, Role.ADMIN)
        from app.drift import seeker_drift

        return seeker_drift(self._db())


def consultant_decisions(ws: WorkspaceBase) -> pl.DataFrame:
    """Every accept, reject and override by a consultant: who, what, for which citizen."""
    return ws.ops.query(
        "SELECT user_id, action, seeker_id FROM decisions "
        "WHERE role = 'consultant' AND action IN ('accept', 'reject', 'override') ORDER BY ts, ord"
    )


def rates_by(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Decisions and the share of each action, per value of ``by``."""
    action = pl.col("action")
    return (
        frame.group_by(by)
        .agg(
            pl.len().alias("n"),
            (action == "accept").mean().alias("acceptance_rate"),
            (action == "override").mean().alias("override_rate"),
            (action == "reject").mean().alias("rejection_rate"),
        )
        .sort(by, nulls_last=True)
    )


def suppressed(frame: pl.DataFrame, min_cell: int) -> pl.DataFrame:
    """Small cells hidden (rates null, count as ``< min_cell``), plus the smallest other cell where only one
    would be hidden (complementary suppression)."""
    small = (frame["n"] < min_cell).to_list()
    if sum(small) == 1 and len(small) > 1:
        order = sorted(
            (n, i) for i, (n, s) in enumerate(zip(frame["n"].to_list(), small, strict=True)) if not s
        )
        small[order[0][1]] = True
    hidden = pl.Series("suppressed", small, dtype=pl.Boolean)
    return frame.with_columns(hidden).with_columns(
        *(pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(c)).alias(c) for c in RATE_COLUMNS[1:]),
        pl.when(pl.col("suppressed")).then(pl.lit(f"< {min_cell}"))
        .otherwise(pl.col("n").cast(pl.String)).alias("decisions"),
    ).drop("n")  # fmt: skip
