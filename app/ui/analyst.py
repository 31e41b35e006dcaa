"""The analyst's page: this installation's own evaluation and fairness report, decision rates per group,
drift. Every header and value in words (``app.labels``); charts stay short enough for their labels to fit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from app import labels
from app.access import User
from app.ui.common import lang, tr
from app.ui_text import md
from app.workspace import Workspace

DRIFT_TOP = 8  # features charted; the rest are summarised in one line
EVAL_METRICS = ("ndcg@10", "recall@50", "precision@10", "mrr@10", "coverage@10")


@st.cache_data(ttl=3600, show_spinner=False)
def _report(_ws: Workspace, _user: User, version: str) -> dict[str, Any] | None:
    """The report changes only with a new run (its version is the key); the same for every analyst."""
    return _ws.installation_report(_user)


@st.cache_data(ttl=3600, show_spinner=False)
def _drift(_ws: Workspace, _user: User, data_version: str) -> tuple[str, pl.DataFrame]:
    return _ws.drift(_user)


def stamp(when: Any) -> str:
    """A timestamp as a person reads it (stored times are UTC)."""
    if when is None:
        return labels.MISSING
    moment = when if isinstance(when, datetime) else datetime.fromisoformat(str(when))
    return f"{moment:%d-%m-%Y %H:%M} UTC"


def analyst_view(ws: Workspace, user: User) -> None:
    report = _report(ws, user, ws.report_version())
    quality, fairness, decisions, drift = st.tabs(
        [tr("tab_quality"), tr("tab_fairness"), tr("tab_decisions"), tr("tab_drift")]
    )
    with quality:
        quality_tab(report)
        evidence = ws.programme_evidence(user)
        if evidence.height:
            st.subheader(tr("programme_evidence"))
            st.caption(tr("programme_evidence_caption"))
            shown = labels.display_frame(
                evidence,
                lang(),
                decimals=2,
                percents=("with_estimate", "coverage_low", "coverage_high", "coverage_mean"),
            )
            st.dataframe(shown, hide_index=True)
            ranges = {
                name: ", ".join(
                    f"{labels.percent(lo, lang())}–{labels.percent(hi, lang())}" for lo, hi in spans
                )
                or tr("programme_chances_none")
                for name, spans in ws.chance_ranges(user).items()
            }
            st.caption(tr("programme_chances").format(**ranges))
    with fairness:
        fairness_tab(report)
    with decisions:
        st.subheader(tr("per_group"))
        st.dataframe(labels.display_frame(ws.decision_rates(user), lang(),
                                          {"attribute": "attribute", "group": "group_value"}), hide_index=True)  # fmt: skip
        st.caption(tr("aa_per_consultant_where"))
    with drift:
        drift_tab(*_drift(ws, user, ws.data_version))


def provenance(report: dict[str, Any]) -> str:
    """When the report was computed and for which data and model version."""
    return tr("aa_provenance").format(
        when=stamp(report["computed_at"]), data=md(report["data_version"]), model=md(report["model_version"]),
        start=stamp(report["split"]["test_start"]), seekers=report["test_seekers"],
        applications=report["test_positives"],
    )  # fmt: skip


DRIFT_KINDS = {"jobcenter_id": "jobcenter"}  # drift features whose levels are codes of another kind


def _drift_side(row: dict[str, Any], side: str, lg: str) -> str:
    """One side of a drift row in words: the mean, or the most common level and its share."""
    if row[f"{side}_mean"] is not None:
        return labels.number(row[f"{side}_mean"], 1, lg)
    top = row[f"{side}_top"]
    if top is None:
        return labels.MISSING
    if top in ("True", "False"):
        word = labels.yes_no(top == "True", lg)
    else:
        word = labels.value(DRIFT_KINDS.get(row["feature"], row["feature"]), top, lg)
    return f"{word} ({labels.percent(row[f'{side}_share'], lg)})"


def _number(x: Any) -> str:
    return labels.number(None if x is None else float(x), 3, lang())


def ci_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows of (label columns, value, lo, hi) with the figures in the language's decimal mark, for tables."""
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        *(pl.col(c).map_elements(_number, return_dtype=pl.String) for c in ("value", "lo", "hi"))
    )


def ci_chart(frame: pl.DataFrame, y: str, title: str) -> alt.Chart:
    """Point and interval per row, rows sorted by value, labels whole (the axis takes the space it needs)."""
    base = alt.Chart(frame.to_pandas()).encode(
        y=alt.Y(f"{y}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    )
    point = base.mark_point(filled=True, size=70).encode(x=alt.X("value:Q", title=title))
    chart: alt.Chart = base.mark_rule().encode(x="lo:Q", x2="hi:Q") + point
    return chart.properties(height=alt.Step(28))


def quality_tab(report: dict[str, Any] | None) -> None:
    if report is None:
        st.info(tr("aa_no_report"))
        return
    st.caption(provenance(report))
    rows = [{"model": labels.value("eval_model", m, lang()), "metric": labels.value("eval_metric", k, lang()),
             "value": v["value"], "lo": v["ci"][0], "hi": v["ci"][1]}
            for m, metrics in report["recommender"].items() for k, v in metrics.items() if k in EVAL_METRICS]  # fmt: skip
    st.dataframe(labels.display_frame(ci_frame(rows), lang()), hide_index=True)
    frame = pl.DataFrame(rows)
    for metric in ("ndcg@10", "recall@50"):
        name = labels.value("eval_metric", metric, lang())
        st.altair_chart(ci_chart(frame.filter(pl.col("metric") == name), "model", name), width="stretch")


def group_label(group: str) -> str:
    """``origin_group=ikke-vestlig|age_band=55+`` -> ``Oprindelse: ikke-vestlig · Alder: 55+``."""
    parts = [p.split("=", 1) for p in group.split("|")]
    return " · ".join(f"{labels.value('attribute', a, lang())}: {labels.value('group_value', v, lang())}"
                      for a, v in parts)  # fmt: skip


def fairness_rows(report: dict[str, Any]) -> pl.DataFrame:
    """One row per audit, grouping (attribute or pair), group and metric; suppressed cells kept as such."""
    rows = []
    for audit, body in report["fairness"]["audits"].items():
        for group, cells in body["groups"].items():
            grouping = "×".join(p.split("=", 1)[0] for p in group.split("|"))
            for metric, v in cells.items():
                if isinstance(v, dict):
                    rows.append({"audit": audit, "grouping": grouping, "group": group, "metric": metric,
                                 "n": cells["n"], "value": v["value"], "lo": v["ci"][0], "hi": v["ci"][1]})  # fmt: skip
    return pl.DataFrame(rows)


def fairness_tab(report: dict[str, Any] | None) -> None:
    if report is None:
        st.info(tr("aa_no_report"))
        return
    st.caption(provenance(report))
    frame = fairness_rows(report)
    audit = st.selectbox(tr("aa_audit"), frame["audit"].unique(maintain_order=True).to_list(), key="fair_audit",
                         format_func=lambda a: labels.value("fairness_audit", a, lang()))  # fmt: skip
    part = frame.filter(pl.col("audit") == audit)
    grouping = st.selectbox(tr("aa_grouping"), part["grouping"].unique(maintain_order=True).to_list(),
                            key="fair_grouping", format_func=_grouping_label)  # fmt: skip
    part = part.filter(pl.col("grouping") == grouping)
    metric = st.selectbox(tr("aa_metric"), part["metric"].unique(maintain_order=True).to_list(), key="fair_metric",
                          format_func=lambda m: labels.value("fairness_metric", m, lang()))  # fmt: skip
    part = part.filter(pl.col("metric") == metric).with_columns(
        pl.col("group").map_elements(group_label, return_dtype=pl.String)
    )
    shown = part.filter(pl.col("value").is_not_null())
    if shown.height:
        st.altair_chart(
            ci_chart(shown, "group", labels.value("fairness_metric", metric, lang())), width="stretch"
        )
    hidden = part.height - shown.height
    if hidden:
        st.caption(tr("aa_hidden_groups").format(n=hidden, min_cell=report["min_cell"]))
    table = ci_frame(part.select("group", "n", "value", "lo", "hi").to_dicts())
    st.dataframe(labels.display_frame(table, lang()), hide_index=True)


def _grouping_label(grouping: str) -> str:
    return " × ".join(labels.value("attribute", a, lang()) for a in grouping.split("×"))


def drift_tab(label: str, table: pl.DataFrame) -> None:
    st.caption(md(label))
    lg = lang()
    sides = {
        side: [_drift_side(r, side, lg) for r in table.iter_rows(named=True)]
        for side in ("reference", "newest")
    }
    table = table.with_columns(
        pl.Series("reference", sides["reference"]), pl.Series("newest", sides["newest"])
    )
    table = table.select("feature", "psi", "reference", "newest", "reading")
    ranked = table.sort("psi", descending=True, nulls_last=True).with_columns(
        pl.col("feature").map_elements(lambda f: labels.value("drift_feature", f, lang()), return_dtype=pl.String),
        pl.col("reading").map_elements(lambda r: labels.value("drift_reading", r, lang()), return_dtype=pl.String),
    )  # fmt: skip
    top, rest = ranked.head(DRIFT_TOP), ranked.slice(DRIFT_TOP)
    chart = alt.Chart(top.to_pandas()).mark_bar().encode(
        x=alt.X("psi:Q", title=tr("aa_psi_axis")),
        y=alt.Y("feature:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False)),
        color=alt.Color("reading:N", title=labels.header("reading", lang())),
    ).properties(height=alt.Step(28))  # fmt: skip
    st.altair_chart(chart, width="stretch")
    if rest.height:
        st.caption(tr("aa_drift_rest").format(n=rest.height, psi=_number(rest["psi"].cast(pl.Float64).max())))
    shown = ranked.with_columns(pl.col("psi").map_elements(_number, return_dtype=pl.String))
    st.dataframe(labels.display_frame(shown, lang()), hide_index=True)
