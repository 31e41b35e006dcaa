"""The employer's page: own vacancies, a pseudonymised shortlist, contact requests."""

from __future__ import annotations

import streamlit as st

from app.access import User
from app.ui.common import chips, guarded, picked_id, shown_once, tr
from app.ui_text import md
from app.workspace import Workspace
from core.errors import InvalidDecision
from data import columns as C


def employer_view(ws: Workspace, user: User) -> None:
    vacancies = ws.employer_vacancies(user)
    st.subheader(f"{tr('my_vacancies')} ({vacancies.height})")
    picked = st.dataframe(vacancies, hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="vacancy_table", height=240)  # fmt: skip
    vacancy_id = picked_id(picked, vacancies[C.VACANCY_ID], "stilling")
    if not vacancy_id:
        st.info(tr("pick_vacancy"))
        return
    guarded(shortlist_page, ws, user, vacancy_id)


def shortlist_page(ws: Workspace, user: User, vacancy_id: str) -> None:
    method = ws.shortlist_rerank()
    shown = shown_once(("shortlist", vacancy_id, method, ws.data_version),
                       lambda: ws.shortlist(user, vacancy_id, 10, rerank=method), ws=ws, user=user)  # fmt: skip
    st.subheader(f"{tr('shortlist')}: {md(vacancy_id)}")
    frame = shown.frame
    if frame.height == 0:
        st.info(tr("no_results"))
        return
    for r in frame.iter_rows(named=True):
        with st.container(border=True):
            st.markdown(f"**{r['rank']}. {md(r['candidate'])}** · {md(r['education'])} · "
                        f"{r['experience_years']} års erfaring · {r['distance_km']} km · {r['hours_wanted']} t/uge")  # fmt: skip
            st.markdown(f"{tr('matched')}: {chips(r['matched_essential'], 'green')}  \n"
                        f"{tr('missing')}: {chips(r['missing_essential'], 'red')}")  # fmt: skip
            st.caption(md(r["why"]))
    with st.form(f"contact_{vacancy_id}"):
        candidate = st.selectbox(tr("candidate"), frame["candidate"].to_list(), key="contact_candidate")
        message = st.text_input(tr("message"), key="contact_message")
        if st.form_submit_button(tr("request_contact")):
            try:
                ws.request_contact(user, vacancy_id, candidate, message)
            except InvalidDecision as exc:
                st.error(md(exc))
            else:
                st.success(tr("sent"))
