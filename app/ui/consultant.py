"""The consultant's page: the queue, one citizen, suggestions, programmes, manual search, notes."""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from app import labels
from app.access import User
from app.ui.cards import other_card, programme_card, vacancy_card
from app.ui.common import chips, guarded, lang, shown_once, tr
from app.ui.decisions import decision_row, notes_tab, record_decision
from app.ui.queue import follow_up_row, queue_panel
from app.ui_text import md
from app.workspace import Workspace
from core.errors import InvalidDecision
from data import columns as C


def consultant_view(ws: Workspace, user: User) -> None:
    seeker_id = queue_panel(ws, user)
    if not seeker_id:
        st.info(tr("pick_citizen"))
        return
    guarded(citizen_page, ws, user, seeker_id)


def citizen_page(ws: Workspace, user: User, seeker_id: str) -> None:
    c = ws.citizen(user, seeker_id)
    st.header(f"{tr('citizen')} {md(seeker_id)}")
    follow_up_row(ws, user, seeker_id)
    contact_requests_box(ws, user, seeker_id)
    lg = lang()
    facts = ((tr("weeks"), str(c["weeks_unemployed"])), (tr("benefit"), labels.value("benefit_type", c["benefit_type"], lg)),
             (tr("target_group"), labels.value("target_group", c["target_group"], lg)),
             (tr("education"), labels.value("isced", c["isced_level"], lg)))  # fmt: skip
    st.markdown(" · ".join(f"**{label}:** {md(text)}" for label, text in facts))
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
                       lambda: ws.suggest_vacancies(user, seeker_id, 10, float(km) or None), ws=ws, user=user)  # fmt: skip
    frame = shown.frame
    if frame.height == 0:
        st.info(tr("no_results"))
        return
    today, basis = ws.reference_date(), ws.relevance_basis()
    notes = [tr("cards_travel_note")] + ([] if basis else [tr("cards_not_calibrated")])
    if today != date.today():
        notes.append(tr("cards_world_date").format(d=labels.day(today, lang())))
    st.caption(" ".join(notes))
    for r in frame.iter_rows(named=True):
        with st.container(border=True):
            vacancy_card(r, today, basis)
            decision_row(ws, user, seeker_id, f"v_{r[C.VACANCY_ID]}", vacancy_id=r[C.VACANCY_ID])


def other_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    shown = shown_once(("other", seeker_id, ws.data_version), lambda: ws.other_industries(user, seeker_id), ws=ws,
                       user=user)  # fmt: skip
    frame = shown.frame
    if frame.height == 0:
        st.info(tr("no_results"))
        return
    st.caption(tr("cards_travel_note"))
    for r in frame.iter_rows(named=True):
        with st.container(border=True):
            other_card(r)


def programmes_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    def view() -> tuple[Any, int, dict[str, list[tuple[str, float]]]]:
        rec, seq = ws.programmes(user, seeker_id)
        supported = rec.ranking.filter(pl.col("supported"))["programme"].to_list()
        return rec, seq, ws.programme_drivers(user, seeker_id, supported)

    # The drivers belong to the audited programme list: computed with it, shown again with it.
    rec, _, drivers = shown_once(("programmes", seeker_id, ws.data_version), view, ws=ws, user=user)
    ranking = rec.ranking
    supported = ranking.filter(pl.col("supported"))
    st.altair_chart(effect_chart(supported), width="stretch")
    for r in supported.iter_rows(named=True):
        with st.container(border=True):
            programme_card(r, drivers.get(r["programme"], []), rec.employers.get(r["programme"]))
            if r["programme"] != "none":
                decision_row(ws, user, seeker_id, f"p_{r['programme']}", programme=r["programme"])
    # Programmes without an estimate (below the overlap threshold) together, after the ones with one: often
    # half of them, each with its reason; the consultant may still choose one below.
    unsupported = ranking.filter(~pl.col("supported"))
    if unsupported.height:
        with st.expander(tr("not_estimated_group").format(n=unsupported.height)):
            for r in unsupported.iter_rows(named=True):
                name = labels.value("programme", r["programme"], lang())
                st.markdown(f"**{md(name)}**: {tr('not_estimated')}: {md(r['reason_da'])}")
    with st.expander(tr("cards_full_text")):
        st.markdown(md(rec.text_da))
    st.divider()
    st.markdown(f"**{tr('override')}**")
    choice = st.selectbox(tr("override_choice"), list(C.PROGRAMMES), key=f"ovr_prog_{seeker_id}",
                          format_func=lambda p: labels.value("programme", p, lang()))  # fmt: skip
    reason = st.text_input(tr("reason"), key=f"ovr_reason_{seeker_id}")
    if st.button(tr("override"), key=f"ovr_btn_{seeker_id}"):
        record_decision(ws, user, seeker_id, "override", reason, programme=choice)


def effect_chart(supported: pl.DataFrame) -> alt.LayerChart:
    """Effects with their bands in percentage points; the legend says in words which tie with the best."""
    lg = lang()
    frame = supported.select(
        pl.col("programme").map_elements(lambda p: labels.value("programme", p, lg), return_dtype=pl.String)
        .alias("name"),
        (pl.col("effect") * 100).alias("effect_pp"), (pl.col("lower") * 100).alias("lower_pp"),
        (pl.col("upper") * 100).alias("upper_pp"),
        pl.col("indistinguishable_from_best").map_elements(lambda b: labels.yes_no(b, lg), return_dtype=pl.String)
        .alias("tied"),
    )  # fmt: skip
    base = alt.Chart(frame.to_pandas()).encode(y=alt.Y("name:N", sort=None, title=None))
    axis = alt.X("lower_pp:Q", title=tr("cards_effect_axis"))
    value: alt.LayerChart = base.mark_rule().encode(x=axis, x2="upper_pp:Q") + base.mark_point(
        filled=True, size=80).encode(x="effect_pp:Q", color=alt.Color("tied:N", title=tr("cards_tied_legend")))  # fmt: skip
    return value


def manual_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    text = st.text_input(tr("text"), key=f"manual_text_{seeker_id}")
    km = st.number_input(
        tr("max_km"), min_value=0, max_value=200, value=30, step=5, key=f"manual_km_{seeker_id}"
    )
    found = ws.manual_search(user, seeker_id, text=text, max_km=float(km) or None)
    shown = found.select("title", "employer", "occupation", "hours", "distance_km", "deadline")
    st.dataframe(labels.display_frame(shown, lang()), hide_index=True)
    if found.height:
        names = {r["vacancy_id"]: f"{r['title']} · {r['employer']} · {labels.km(r['distance_km'], lang())}"
                 for r in found.iter_rows(named=True)}  # fmt: skip
        pick = st.selectbox(tr("override_choice"), list(names), format_func=names.__getitem__,
                            key=f"manual_pick_{seeker_id}")  # fmt: skip
        reason = st.text_input(tr("reason"), key=f"manual_reason_{seeker_id}")
        if st.button(tr("override"), key=f"manual_btn_{seeker_id}"):
            record_decision(ws, user, seeker_id, "override", reason, vacancy_id=pick)


def contact_requests_box(ws: Workspace, user: User, seeker_id: str) -> None:
    """Employers' contact requests about this citizen, compact; opening the citizen marks them seen, and the
    consultant marks each answered with a short note (the employer then sees 'besvaret')."""
    # Read once per session and citizen (reading marks the requests seen and is audited), again after an answer.
    cache = st.session_state.setdefault("_contact_requests", {})
    if seeker_id not in cache:
        cache[seeker_id] = ws.citizen_contact_requests(user, seeker_id)
    found = cache[seeker_id]
    if found.height == 0:
        return
    with st.container(border=True):
        st.markdown(f"**{tr('contact_requests')}** ({found.height})")
        for r in found.iter_rows(named=True):
            state = labels.value("request_status", r["request_status"], lang())
            st.markdown(f"**{md(r['title'])}** {tr('emp_cr_from')} {md(r['employer'])} · "
                        f"{r['requested_at']:%d.%m.%Y} · :orange-badge[{md(state)}]  \n{md(r['message'])}")  # fmt: skip
            if r["request_status"] != "answered":
                _answer_row(ws, user, seeker_id, r["request_id"])


def _answer_row(ws: Workspace, user: User, seeker_id: str, request_id: str) -> None:
    note_col, button_col = st.columns([4, 1])
    note = note_col.text_input(tr("emp_cr_note"), key=f"cr_note_{request_id}", label_visibility="collapsed",
                               placeholder=tr("emp_cr_note"))  # fmt: skip
    if button_col.button(tr("emp_cr_answer"), key=f"cr_answer_{request_id}"):
        try:
            ws.answer_contact_request(user, request_id, note)
        except InvalidDecision as exc:
            st.error(md(exc))
            return
        st.session_state.get("_contact_requests", {}).pop(seeker_id, None)
        st.rerun()  # the badge now reads "besvaret"
