"""The analyst's page: quality and fairness reports, decision rates, drift."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from app.access import User
from app.ui.common import cached_analysis, tr
from app.ui_text import md
from app.workspace import Workspace


def ci_chart(
    frame: pl.DataFrame, y: str, value: str, lo: str, hi: str, color: str | None = None
) -> alt.Chart:
    base = alt.Chart(frame.to_pandas()).encode(y=alt.Y(f"{y}:N", sort=None, title=None))
    point = base.mark_point(filled=True, size=70).encode(x=alt.X(f"{value}:Q", title=value))
    if color:
        point = point.encode(color=f"{color}:N")
    chart: alt.Chart = base.mark_rule().encode(x=f"{lo}:Q", x2=f"{hi}:Q") + point
    return chart


def analyst_view(ws: Workspace, user: User) -> None:
    reports, (drift_label, drift_table) = cached_analysis(ws, user.scope, user.user_id, ws.data_version)
    quality, fairness, decisions, drift = st.tabs(
        [tr("tab_quality"), tr("tab_fairness"), tr("tab_decisions"), tr("tab_drift")]
    )
    with quality:
        quality_tab(reports)
        evidence = ws.programme_evidence(user)
        if evidence.height:
            st.subheader(tr("programme_evidence"))
            st.caption(tr("programme_evidence_caption"))
            st.dataframe(evidence, hide_index=True)
    with fairness:
        fairness_tab(reports)
    with decisions:
        per_user, per_group = ws.decision_rates(user)
        st.subheader(tr("per_consultant"))
        st.dataframe(per_user, hide_index=True)
        st.subheader(tr("per_group"))
        st.dataframe(per_group, hide_index=True)
    with drift:
        label, table = drift_label, drift_table
        st.caption(md(label))
        st.dataframe(table, hide_index=True)
        st.altair_chart(alt.Chart(table.to_pandas()).mark_bar().encode(
            x=alt.X("psi:Q", title="PSI"), y=alt.Y("feature:N", sort="-x", title=None),
            color=alt.Color("reading:N")), width="stretch")  # fmt: skip


def quality_tab(reports: dict[str, Any]) -> None:
    rec = reports.get("recommender")
    if rec is None:
        st.info(f"{tr('no_report')} `jobmatch evaluate`")
    else:
        st.caption(f"Anbefaler · {md(rec['source'])}")
        rows = [{"model": m, "metric": k, "value": v["value"], "lo": v["ci"][0], "hi": v["ci"][1]}
                for m, metrics in rec["data"].items() if isinstance(metrics, dict)
                for k, v in metrics.items() if isinstance(v, dict) and "ci" in v and k in ("ndcg@10", "recall@50")]  # fmt: skip
        frame = pl.DataFrame(rows)
        st.dataframe(frame, hide_index=True)
        for metric in ("ndcg@10", "recall@50"):
            st.altair_chart(ci_chart(frame.filter(pl.col("metric") == metric), "model", "value", "lo", "hi")
                            .properties(title=metric), width="stretch")  # fmt: skip
    inter = reports.get("interventions")
    if inter is None:
        st.info(f"{tr('no_report')} `jobmatch evaluate interventions`")
        return
    st.caption(f"Indsatser · {md(inter['source'])}")
    synthetic = inter["data"].get("synthetic", {})
    value = synthetic.get("policy_value", {})
    rows = [{"policy": k, "value": v["value"] if isinstance(v, dict) else v,
             "lo": (v.get("ci") or [None, None])[0] if isinstance(v, dict) else None,
             "hi": (v.get("ci") or [None, None])[1] if isinstance(v, dict) else None}
            for k, v in value.items() if isinstance(v, dict | float | int)]  # fmt: skip
    if rows:
        frame = pl.DataFrame(rows)
        st.altair_chart(alt.Chart(frame.to_pandas()).mark_bar().encode(
            x=alt.X("value:Q", title="andel i arbejde efter 26 uger"), y=alt.Y("policy:N", sort="-x", title=None)),
            width="stretch")  # fmt: skip
    curves = synthetic.get("uplift_curves") or synthetic.get("qini")
    if isinstance(curves, dict):
        long = [{"programme": p, "share_treated": x, "gain": y} for p, c in curves.items() if isinstance(c, dict)
                for x, y in zip(c.get("x", []), c.get("y", []), strict=False)]  # fmt: skip
        if long:
            st.altair_chart(alt.Chart(pl.DataFrame(long).to_pandas()).mark_line().encode(
                x="share_treated:Q", y="gain:Q", color="programme:N").properties(title="Uplift / Qini"),
                width="stretch")  # fmt: skip
    ihdp, nsw = inter["data"].get("ihdp", {}), inter["data"].get("nsw_cps", {})
    learners = ihdp.get("held_out_protocol", {}).get("learners", {})
    if learners:
        st.caption(
            "IHDP (overflade B, tilbageholdte træk, samme kørsel): sqrt(PEHE) i og uden for stikprøven"
        )
        st.dataframe(pl.DataFrame([{"metode": name, "i stikprøven": m["sqrt_pehe_within"],
                                    "uden for stikprøven": m["sqrt_pehe_out"]} for name, m in learners.items()]),
                     hide_index=True)  # fmt: skip
    if "median_usd" in nsw:
        st.markdown(f"NSW + CPS: median **{nsw['median_usd']:,.0f} USD** over frø (spænd {nsw['min_usd']:,.0f}–"
                    f"{nsw['max_usd']:,.0f}; eksperiment 1.794)")  # fmt: skip


def fairness_tab(reports: dict[str, Any]) -> None:
    fair = reports.get("fairness")
    if fair is None:
        st.info(f"{tr('no_report')} `jobmatch fairness`")
        return
    data = fair["data"]
    st.caption(f"Fairness · {md(fair['source'])}")
    if "historical_bias_detected" in data:
        st.metric("Historisk skævhed fundet", "ja" if data["historical_bias_detected"] else "nej")
    rerank = data.get("reranking", {})
    if rerank:
        st.markdown(f"NDCG@10 før omrangering **{rerank.get('ndcg@10_before', float('nan')):.3f}**, "
                    f"efter **{rerank.get('ndcg@10_after', float('nan')):.3f}**")  # fmt: skip
    rows = []
    for audit, body in data.get("audits", {}).items():
        groups = body.get("groups", {}) if isinstance(body, dict) else {}
        for group, metrics in groups.items():
            for metric, v in metrics.items() if isinstance(metrics, dict) else ():
                if isinstance(v, dict) and v.get("value") is not None:
                    ci = v.get("ci") or [None, None]
                    rows.append({"audit": audit, "group": group, "metric": metric, "value": v["value"],
                                 "lo": ci[0], "hi": ci[1]})  # fmt: skip
    if not rows:
        st.json(data, expanded=False)
        return
    frame = pl.DataFrame(rows)
    audit = st.selectbox("Audit", frame["audit"].unique(maintain_order=True).to_list(), key="fair_audit")
    metric = st.selectbox("Metric", frame.filter(pl.col("audit") == audit)["metric"].unique(maintain_order=True)
                          .to_list(), key="fair_metric")  # fmt: skip
    part = frame.filter((pl.col("audit") == audit) & (pl.col("metric") == metric))
    st.altair_chart(ci_chart(part, "group", "value", "lo", "hi"), width="stretch")
    st.dataframe(part, hide_index=True)
