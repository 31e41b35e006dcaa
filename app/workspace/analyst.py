"""An analyst's views: evaluation reports, decision rates per group (small cells suppressed), drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from app.access import Role, User
from app.workspace.base import REPORTS, WorkspaceBase
from data import columns as C
from data.protected import GROUP_COLUMNS, protected_groups

# The reference run committed with the code, shown until this installation has run its own evaluation.
COMMITTED_RESULTS = Path(__file__).resolve().parents[2] / "evaluation" / "results"


class AnalystViews(WorkspaceBase):
    """An analyst's views: evaluation reports, decision rates per group (small cells suppressed), drift."""

    def reports(self, user: User) -> dict[str, dict[str, Any]]:
        """Latest evaluation results: this installation's reports if run, else the committed reference run."""
        user.require(Role.ANALYST, Role.ADMIN)
        out: dict[str, dict[str, Any]] = {}
        for name in REPORTS:
            for folder, source in ((self.settings.reports_dir / name, "this installation"),
                                   (COMMITTED_RESULTS / name, "committed reference run")):  # fmt: skip
                file = next(
                    (f for f in (folder / f"{name}.json", folder / "metrics.json") if f.is_file()), None
                )
                if file is not None:
                    out[name] = {
                        "source": source,
                        "folder": str(folder),
                        "data": json.loads(file.read_text()),
                    }
                    break
        return out

    def programme_evidence(self, user: User) -> pl.DataFrame:
        """Per programme, what stands behind its estimates: episodes, the doubly robust average, how strong a
        hidden confounder would have to be to explain it away (E-value, and for the interval's near end),
        the measured coverage of its interval and whether it may be called a 90 % interval."""
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
                "indsats": C.PROGRAMME_LABELS_DA.get(arm, arm),
                "forløb": m.get("episodes"),
                "gns. effekt pp": None if m.get("dr_ate_supported") is None else 100 * m["dr_ate_supported"],
                "E-værdi": m.get("e_value"),
                "E-værdi (intervallets nære ende)": m.get("e_value_limit"),
                "målt dækning (laveste)": min(shares) if shares else None,
                "målt dækning (højeste)": max(shares) if shares else None,
                "kaldes 90 %-interval": "ja" if measured.get("level") else "nej",
            })  # fmt: skip
        return pl.DataFrame(rows)

    def decision_rates(self, user: User, min_cell: int = 10) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Acceptance and override rates per consultant and per protected group (cells under ``min_cell``
        decisions are suppressed). Group labels come from ``protected_groups``, for this audit only."""
        user.require(Role.ANALYST, Role.ADMIN)
        decisions = self._q(
            "SELECT d.user_id, d.action, d.seeker_id FROM decisions d "
            "WHERE d.role = 'consultant' AND d.action IN ('accept', 'reject', 'override')"
        )
        groups = protected_groups(self._db(), decisions[C.SEEKER_ID].to_list())
        decided = decisions.drop(C.SEEKER_ID).hstack(groups.drop(C.SEEKER_ID))

        def rates(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
            out = (
                frame.group_by(by)
                .agg(
                    pl.len().alias("decisions"),
                    (pl.col("action") == "accept").mean().alias("acceptance_rate"),
                    (pl.col("action") == "override").mean().alias("override_rate"),
                    (pl.col("action") == "reject").mean().alias("rejection_rate"),
                )
                .sort(by)
            )
            small = pl.col("decisions") < min_cell
            return out.with_columns(
                *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c)
                  for c in ("acceptance_rate", "override_rate", "rejection_rate")),
                small.alias("suppressed"),
            )  # fmt: skip

        per_group = pl.concat([
            rates(decided, [attr]).rename({attr: "group"}).with_columns(pl.lit(attr).alias("attribute"),
                                                                        pl.col("group").cast(pl.String))
            for attr in GROUP_COLUMNS[1:]
        ], how="diagonal").select("attribute", "group", "decisions", "acceptance_rate", "override_rate",
                                  "rejection_rate", "suppressed")  # fmt: skip
        return rates(decided, ["user_id"]), per_group

    def drift(self, user: User) -> tuple[str, pl.DataFrame]:
        """Population drift of the newest citizens against the rest (what the models were trained on)."""
        user.require(Role.ANALYST, Role.ADMIN)
        from app.drift import seeker_drift

        return seeker_drift(self._db())
