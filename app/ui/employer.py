"""The employer's page: own vacancies by title, candidate cards (pseudonymised, k-anonymous bands) each with its
own contact request, save and hide, and the state of every request sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from app import labels
from app.access import User
from app.anonymity import QUASI_IDENTIFIERS
from app.ui.common import chips, forget_shown, guarded, lang, picked_id, shown_once, tr
from app.ui_text import md
from app.workspace import Workspace
from core.errors import InvalidDecision
from data import columns as C

VACANCY_COLUMNS = ("title", "occupation", "status", "deadline", "positions", "hours", "contact_requests")
FLASH = "employer_flash"


def employer_view(ws: Workspace, user: User) -> None:
    vacancies = ws.employer_vacancies(user)
    st.subheader(f"{tr('my_vacancies')} ({vacancies.height})")
    shown = labels.display_frame(vacancies.select(VACANCY_COLUMNS), lang())
    dates = {
        labels.header(c, lang()): st.column_config.DateColumn(format="DD.MM.YYYY") for c in ("deadline",)
    }
    picked = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="vacancy_table", height=240, column_config=dates)  # fmt: skip
    vacancy_id = picked_id(picked, vacancies[C.VACANCY_ID], "stilling")
    if not vacancy_id:
        st.info(tr("pick_vacancy"))
        return
    guarded(vacancy_page, ws, user, vacancy_id, vacancies)


def vacancy_page(ws: Workspace, user: User, vacancy_id: str, vacancies: pl.DataFrame) -> None:
    """The vacancy by title, its deadline and status in words; its candidates and its requests."""
    row = vacancies.filter(pl.col(C.VACANCY_ID) == vacancy_id)
    if row.height == 0:  # not one of this employer's: the workspace gives the refusal
        ws.shortlist(user, vacancy_id)
        return
    v = row.row(0, named=True)
    st.subheader(f"{tr('emp_candidates_for')}: {md(v['title'])}")
    st.caption(f"{md(v['occupation'])} · {tr('emp_deadline')}: {_date(v['deadline'])} · "
               f"{labels.value('status', v['status'], lang())} · {tr('emp_positions')}: {v['positions']}")  # fmt: skip
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    if v["status"] == "open":
        shortlist_cards(ws, user, vacancy_id)
    else:
        st.info(tr("emp_not_open"))
    requests_list(ws, user, vacancy_id)


def shortlist_cards(ws: Workspace, user: User, vacancy_id: str) -> None:
    method = ws.shortlist_rerank()
    shown = shown_once(("shortlist", vacancy_id, method, ws.data_version),
                       lambda: ws.shortlist(user, vacancy_id, 10, rerank=method), ws=ws, user=user)  # fmt: skip
    st.caption(tr("emp_privacy").format(k=ws.settings.shortlist_k_anonymity))
    if shown.frame.height == 0:
        st.info(tr("no_results"))
    for r in shown.frame.iter_rows(named=True):
        candidate_card(ws, user, vacancy_id, r)
    hidden = ws.hidden_count(user, vacancy_id)
    if hidden and st.button(f"{tr('emp_show_hidden')} ({hidden})", key=f"unhide_{vacancy_id}"):
        _act(lambda: ws.show_hidden_again(user, vacancy_id), tr("emp_show_hidden"))


def candidate_card(ws: Workspace, user: User, vacancy_id: str, r: dict[str, Any]) -> None:
    """One candidate: pseudonym, bands, skills, why; its own message field and buttons."""
    key = f"{vacancy_id}_{r['candidate']}"
    with st.container(border=True):
        text, actions = st.columns([3, 2])
        text.markdown(_card_head(r))
        text.markdown(" · ".join(labels.value(c, r[c], lang()) for c in QUASI_IDENTIFIERS))
        if r["privacy"] != "banded":
            text.caption(tr("emp_suppressed" if r["privacy"] == "suppressed" else "emp_coarsened"))
        text.markdown(f"{tr('matched')}: {chips(r['matched_essential'], 'green')}  \n"
                      f"{tr('missing')}: {chips(r['missing_essential'], 'red')}")  # fmt: skip
        have, need = len(r["matched_essential"]), len(r["matched_essential"]) + len(r["missing_essential"])
        text.caption(f"{tr('emp_coverage').format(m=have, n=need)}. {tr('emp_weights')}: {md(r['why'])}")
        open_request = r["request_status"] in ("sent", "seen")
        message = actions.text_input(tr("message"), key=f"msg_{key}", disabled=open_request)
        if actions.button(tr("request_contact"), key=f"contact_{key}", disabled=open_request):
            _act(lambda: ws.request_contact(user, vacancy_id, r["candidate"], message), tr("sent"))
        save, hide = actions.columns(2)
        if save.button(tr("emp_unsave" if r["saved"] else "emp_save"), key=f"save_{key}"):
            mark = None if r["saved"] else "saved"
            _act(lambda: ws.mark_candidate(user, vacancy_id, r["candidate"], mark),
                 tr("emp_unsaved_done" if r["saved"] else "emp_saved_done"))  # fmt: skip
        if hide.button(tr("emp_hide"), key=f"hide_{key}"):
            _act(lambda: ws.mark_candidate(user, vacancy_id, r["candidate"], "hidden"), tr("emp_hidden_done"))


def _card_head(r: dict[str, Any]) -> str:
    head = f"**{r['rank']}. {md(r['candidate'])}**"
    if r["saved"]:
        head += f" :blue-badge[{tr('saved')}]"
    if r["request_status"]:
        state = labels.value("request_status", r["request_status"], lang())
        head += f" :orange-badge[{tr('emp_request')}: {md(state)}]"
    return head


def _act(action: Callable[[], Any], done: str) -> None:
    """Run an employer's action; on success the shortlists are read again (marks and requests change them,
    and the k-anonymous bands are chosen across all of them) and the page says what happened."""
    try:
        action()
    except InvalidDecision as exc:
        st.error(md(exc))
        return
    forget_shown("shortlist")
    forget_shown("requests")
    st.session_state[FLASH] = done
    st.rerun()


def requests_list(ws: Workspace, user: User, vacancy_id: str) -> None:
    st.markdown(f"**{tr('contact_requests')}**")
    shown = shown_once(
        ("requests", vacancy_id), lambda: ws.vacancy_requests(user, vacancy_id), ws=ws, user=user
    )
    if shown.frame.height == 0:
        st.caption(tr("emp_no_requests"))
        return
    st.dataframe(labels.display_frame(shown.frame, lang()), hide_index=True)


def _date(value: date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else labels.MISSING
