"""The consultant's page: the queue, one citizen, suggestions, programmes, manual search, notes."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from app import labels
from app.access import User
from app.ui.common import cached_queue, chips, forget_shown, guarded, lang, picked_id, shown_once, tr
from app.ui_text import md
from app.workspace import Workspace
from core.errors import InvalidDecision
from data import columns as C


def consultant_view(ws: Workspace, user: User) -> None:
    with st.sidebar:
        st.subheader(tr("queue"))
        search = st.text_input(tr("search"), key="q_search")
        group = st.selectbox(tr("target_group"), ["", *C.TARGET_GROUPS], key="q_group",
                             format_func=lambda v: v or tr("all"))  # fmt: skip
        benefit = st.selectbox(tr("benefit"), ["", *C.BENEFIT_TYPES], key="q_benefit",
                               format_func=lambda v: v or tr("all"))  # fmt: skip
    queue = cached_queue(ws, user.scope, user.user_id, search, group, benefit)
    st.subheader(f"{tr('queue')} ({queue.height})")
    picked = st.dataframe(
        queue.select(C.SEEKER_ID, "weeks_unemployed", "benefit_type", "target_group", "desired",
                     "contact_requests", "last_action"),
        hide_index=True, on_select="rerun", selection_mode="single-row", key="queue_table", height=260,
    )  # fmt: skip
    seeker_id = picked_id(picked, queue[C.SEEKER_ID], "borger")
    if not seeker_id:
        st.info(tr("pick_citizen"))
        return
    guarded(citizen_page, ws, user, seeker_id)


def citizen_page(ws: Workspace, user: User, seeker_id: str) -> None:
    c = ws.citizen(user, seeker_id)
    st.header(f"{tr('citizen')} {md(seeker_id)}")
    cols = st.columns(4)
    cols[0].metric(tr("weeks"), c["weeks_unemployed"])
    cols[1].metric(tr("benefit"), c["benefit_type"])
    cols[2].metric(tr("target_group"), c["target_group"])
    cols[3].metric(tr("education"), c["education"])
    st.markdown(f"**{tr('desired')}:** {chips(c['desired_labels'], 'blue')}")
    st.markdown(f"**{tr('skills')}:** {chips(c['skills_labels'], 'gray')}")
    guarded(contact_requests_box, ws, user, seeker_id)
    if not ws.recommendations_enabled():
        st.warning(tr("stopped"))
    # One section at a time (not st.tabs, which computes every tab on every rerun): each click stays fast.
    sections = {"tab_jobs": lambda: jobs_tab(ws, user, c), "tab_other": lambda: other_tab(ws, user, seeker_id),
                "tab_programmes": lambda: programmes_tab(ws, user, seeker_id),
                "tab_manual": lambda: manual_tab(ws, user, seeker_id),
                "tab_notes": lambda: notes_tab(ws, user, seeker_id)}  # fmt: skip
    section = st.segmented_control(" ", list(sections), format_func=tr, default="tab_jobs", key="section",
                                   label_visibility="collapsed")  # fmt: skip
    guarded(sections[section or "tab_jobs"])


def jobs_tab(ws: Workspace, user: User, c: dict[str, Any]) -> None:
    seeker_id = c[C.SEEKER_ID]
    km = st.number_input(tr("max_km"), min_value=0, max_value=200, value=0, step=5, key=f"km_{seeker_id}")
    shown = shown_once(("jobs", seeker_id, km, ws.data_version),
                       lambda: ws.suggest_vacancies(user, seeker_id, 10, float(km) or None))  # fmt: skip
    frame = shown.frame
    if frame.height == 0:
        st.info(tr("no_results"))
        return
    st.caption(tr("map"))
    st.altair_chart(distance_map(c, frame), width="stretch")
    top_apply = max(float(frame["p_apply"].max() or 0.0), 1e-9)
    for r in frame.iter_rows(named=True):
        with st.container(border=True):
            head, score = st.columns([3, 1])
            head.markdown(f"**{r['rank']}. {md(r['title'])}** · {md(r['employer'] or '')} · "
                          f"{r['distance_km']:.0f} km · {r['hours']} t/uge")  # fmt: skip
            head.markdown(f"{tr('matched')}: {chips(r['matched_essential'], 'green')}  \n"
                          f"{tr('missing')}: {chips(r['missing_essential'], 'red')}")  # fmt: skip
            head.caption(f"{md(r['summary_da'])} {tr('why')}: {md(r['why_score'])}")
            score.caption(tr("score_parts"))
            # P(apply) is relative (learned against sampled non-applications): the bar shows it against
            # the best suggestion in this list; P(employer moves on) is a probability and shown as one.
            score.progress(
                float(r["p_apply"]) / top_apply, text=f"{tr('p_apply')}: {r['p_apply'] / top_apply:.0%}"
            )
            score.progress(min(max(float(r["p_employer"]), 0.0), 1.0),
                           text=f"{tr('p_employer')}: {r['p_employer']:.0%}")  # fmt: skip
            decision_row(ws, user, seeker_id, f"v_{r[C.VACANCY_ID]}", vacancy_id=r[C.VACANCY_ID])


def distance_map(c: dict[str, Any], frame: pl.DataFrame) -> alt.LayerChart:
    """The citizen and the suggested vacancies on longitude/latitude axes (no map tiles: works offline)."""
    places = pl.concat([
        pl.DataFrame({"lat": [c["lat"]], "lon": [c["lon"]], "what": ["borger"], "label": ["borger"]}),
        frame.select("lat", "lon", pl.lit("stilling").alias("what"),
                     pl.format("{}. {} ({} km)", "rank", "title", pl.col("distance_km").round(0)).alias("label")),
    ])  # fmt: skip
    base = alt.Chart(places.to_pandas()).encode(
        x=alt.X("lon:Q", scale=alt.Scale(zero=False), title="længdegrad"),
        y=alt.Y("lat:Q", scale=alt.Scale(zero=False), title="breddegrad"),
        color=alt.Color("what:N", scale=alt.Scale(range=["#1f77b4", "#ff7f0e"]), title=None),
        tooltip=["label:N"],
    )  # fmt: skip
    value: alt.LayerChart = (base.mark_point(filled=True, size=120) + base.mark_text(dx=8, align="left", fontSize=10).encode(
        text="label:N")).properties(height=260)  # fmt: skip
    return value


def record_decision(
    ws: Workspace, user: User, seeker_id: str, action: str, reason: str, **target: Any
) -> bool:
    """One decision through the workspace (stored, audited, training signal); the outcome as a message."""
    try:
        ws.decide(user, seeker_id, action, reason, **target)
    except InvalidDecision as exc:
        st.error(md(exc))
        return False
    st.success(f"{tr('saved')}: {tr(action) if action != 'note' else tr('note')}")
    return True


def decision_row(ws: Workspace, user: User, seeker_id: str, key: str, *, vacancy_id: str | None = None,
                 programme: str | None = None) -> None:  # fmt: skip
    """Accept / reject with a mandatory reason; every click goes to decisions and the audit log."""
    reason_col, accept_col, reject_col = st.columns([4, 1, 1])
    reason = reason_col.text_input(tr("reason"), key=f"reason_{key}", label_visibility="collapsed",
                                   placeholder=tr("reason"))  # fmt: skip
    for col, action in ((accept_col, "accept"), (reject_col, "reject")):
        clicked = col.button(tr(action), key=f"{action}_{key}")
        if clicked and record_decision(ws, user, seeker_id, action, reason, vacancy_id=vacancy_id,
                                       programme=programme) and action == "reject":  # fmt: skip
            forget_shown("jobs")  # a rejected vacancy is not suggested again


def other_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    shown = shown_once(("other", seeker_id, ws.data_version), lambda: ws.other_industries(user, seeker_id))
    frame = shown.frame
    if frame.height == 0:
        st.info(tr("no_results"))
        return
    for r in frame.iter_rows(named=True):
        with st.container(border=True):
            st.markdown(f"**{md(r['occupation'])}** ({md(r['sector'])}) · {r['open_vacancies']} åbne · "
                        f"{r['essential_coverage']:.0%}")  # fmt: skip
            st.markdown(f"{tr('matched')}: {chips(r['shared_skills'], 'green')}  \n"
                        f"{tr('gap')}: {chips(r['gap_skills'], 'orange')}")  # fmt: skip


def programmes_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    rec, _ = shown_once(("programmes", seeker_id, ws.data_version), lambda: ws.programmes(user, seeker_id))
    ranking = rec.ranking
    supported = ranking.filter(pl.col("supported")).with_columns(
        (pl.col("effect") * 100).alias("effect_pp"), (pl.col("lower") * 100).alias("lower_pp"),
        (pl.col("upper") * 100).alias("upper_pp"))  # fmt: skip
    st.caption(tr("effect"))
    base = alt.Chart(supported.to_pandas()).encode(y=alt.Y("label_da:N", sort=None, title=None))
    chart = base.mark_rule().encode(x=alt.X("lower_pp:Q", title="pp"), x2="upper_pp:Q") + base.mark_point(
        filled=True, size=80).encode(x="effect_pp:Q", color=alt.Color(
            "indistinguishable_from_best:N", title=tr("tied_legend")))  # fmt: skip
    st.altair_chart(chart, width="stretch")
    st.markdown(md(rec.text_da))
    for r in ranking.iter_rows(named=True):
        with st.container(border=True):
            if r["supported"]:
                tie = f" ({tr('tied_with_best')})" if r["indistinguishable_from_best"] else ""
                level = f" ({100 * r['interval_level']:.0f} %-interval)" if r["interval_level"] else ""
                st.markdown(f"**{r['rank']}. {md(r['label_da'])}**: {tr('estimated')} {100 * r['effect']:+.1f} pp, "
                            f"{tr('uncertainty')} [{100 * r['lower']:+.1f}; {100 * r['upper']:+.1f}]{level}; "
                            f"P({tr('best')}) {r['prob_best']:.0%}{md(tie)}")  # fmt: skip
            else:
                st.markdown(f"**{md(r['label_da'])}**: {tr('not_estimated')}: {md(r['reason_da'])}")
            employers = rec.employers.get(r["programme"])
            if employers is not None and employers.height:
                st.caption(tr("employers_for"))
                st.dataframe(employers.select("name", "industry", "reason_da"), hide_index=True)
            if r["supported"] and r["programme"] != "none":
                decision_row(ws, user, seeker_id, f"p_{r['programme']}", programme=r["programme"])
    st.divider()
    st.markdown(f"**{tr('override')}**")
    choice = st.selectbox(tr("override_choice"), list(C.PROGRAMMES), key=f"ovr_prog_{seeker_id}",
                          format_func=lambda p: C.PROGRAMME_LABELS_DA[p])  # fmt: skip
    reason = st.text_input(tr("reason"), key=f"ovr_reason_{seeker_id}")
    if st.button(tr("override"), key=f"ovr_btn_{seeker_id}"):
        record_decision(ws, user, seeker_id, "override", reason, programme=choice)


def manual_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    text = st.text_input(tr("text"), key=f"manual_text_{seeker_id}")
    km = st.number_input(
        tr("max_km"), min_value=0, max_value=200, value=30, step=5, key=f"manual_km_{seeker_id}"
    )
    found = ws.manual_search(user, seeker_id, text=text, max_km=float(km) or None)
    st.dataframe(found.select("vacancy_id", "title", "employer", "occupation", "hours", "distance_km", "deadline"),
                 hide_index=True)  # fmt: skip
    if found.height:
        pick = st.selectbox(
            tr("override_choice"), found["vacancy_id"].to_list(), key=f"manual_pick_{seeker_id}"
        )
        reason = st.text_input(tr("reason"), key=f"manual_reason_{seeker_id}")
        if st.button(tr("override"), key=f"manual_btn_{seeker_id}"):
            record_decision(ws, user, seeker_id, "override", reason, vacancy_id=pick)


def notes_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    note = st.text_area(tr("note"), key=f"note_{seeker_id}")
    if st.button(tr("add_note"), key=f"note_btn_{seeker_id}"):
        record_decision(ws, user, seeker_id, "note", note)
    st.subheader(tr("history"))
    st.dataframe(ws.decisions_for(user, seeker_id), hide_index=True)
    if st.button(tr("export"), key=f"export_{seeker_id}"):
        st.session_state[f"export_{seeker_id}"] = ws.export_citizen(user, seeker_id)
    prepared = st.session_state.get(f"export_{seeker_id}")
    if prepared:
        st.download_button(tr("download"), data=prepared[1], file_name=prepared[0], mime="application/json")


def contact_requests_box(ws: Workspace, user: User, seeker_id: str) -> None:
    """Employers' contact requests about this citizen, compact; opening the citizen marks them seen, and the
    consultant marks each answered with a short note (the employer then sees 'besvaret')."""
    found = shown_once(("contact_requests", seeker_id, ws.data_version),
                       lambda: ws.citizen_contact_requests(user, seeker_id))  # fmt: skip
    if found.height == 0:
        return
    with st.container(border=True):
        st.markdown(f"**{tr('contact_requests')}** ({found.height})")
        for r in found.iter_rows(named=True):
            state = labels.value("request_status", r["request_status"], lang())
            st.markdown(f"**{md(r['title'])}** {tr('emp_cr_from')} {md(r['employer'])} · "
                        f"{r['requested_at']:%d.%m.%Y} · :orange-badge[{md(state)}]  \n{md(r['message'])}")  # fmt: skip
            if r["request_status"] != "answered":
                _answer_row(ws, user, r["request_id"])


def _answer_row(ws: Workspace, user: User, request_id: str) -> None:
    note_col, button_col = st.columns([4, 1])
    note = note_col.text_input(tr("emp_cr_note"), key=f"cr_note_{request_id}", label_visibility="collapsed",
                               placeholder=tr("emp_cr_note"))  # fmt: skip
    if button_col.button(tr("emp_cr_answer"), key=f"cr_answer_{request_id}"):
        try:
            ws.answer_contact_request(user, request_id, note)
        except InvalidDecision as exc:
            st.error(md(exc))
            return
        forget_shown("contact_requests")
        st.rerun()  # the badge now reads "besvaret"
