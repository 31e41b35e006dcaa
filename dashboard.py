"""Streamlit front door: login, then the consultant, employer, analyst or administrator view.

Thin on purpose: every read and write goes through ``app.workspace.Workspace``, which checks the
user's role and scope in its queries and writes the audit log. This file only lays things out. No HTML from
data is rendered; data-derived Markdown goes through ``app.ui_text.md``.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from app.access import Role, User
from app.ui_text import LANGUAGES, md, t
from app.workspace import Workspace
from core.errors import AccessDenied, InvalidDecision, JobmatchError, ModelUnavailable, RecommendationsOff
from core.settings import load_settings
from data import columns as C
from recommender.fair_rerank import RERANK_METHODS


@st.cache_resource(show_spinner="Indlæser modeller og indeks …")
def workspace(home: str, db_file: str) -> Workspace:
    """One per process and store: models, indexes and the single writer connection."""
    return Workspace.open(load_settings(home=home, db_file=db_file))


@st.cache_data(ttl=30, show_spinner=False)
def cached_queue(
    _ws: Workspace, scope: str, user_id: str, search: str, group: str, benefit: str
) -> pl.DataFrame:
    """The queue, cached per scope (the scope string is part of the key, so no user sees another's)."""
    return _ws.queue(_same_user(_ws, scope, user_id), search, group or None, benefit or None)


@st.cache_data(ttl=600, show_spinner=False)
def cached_analysis(_ws: Workspace, scope: str, user_id: str, data_version: str) -> tuple[Any, Any]:
    """Evaluation reports and drift change only with new data or a new report run: cached per scope."""
    user = _same_user(_ws, scope, user_id)
    return _ws.reports(user), _ws.drift(user)


def _same_user(ws: Workspace, scope: str, user_id: str) -> User:
    """The user behind a cache key, still active and still in the scope the key was made for."""
    user = ws.directory.get(user_id)
    if user is None or user.scope != scope:
        raise AccessDenied("session no longer valid")
    return user


def lang() -> str:
    return str(st.session_state.get("lang", "da"))


def tr(key: str) -> str:
    return t(key, lang())


# --- login -------------------------------------------------------------------------------------------------


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def current_user(ws: Workspace) -> User | None:
    """Re-read on every rerun: a deactivated or re-scoped user loses access at once."""
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        user = ws.directory.by_email(str(st.user.get("email", "")))
        if user is None:
            st.error(tr("oidc_unknown"))
        return user
    user_id = st.session_state.get("user_id")
    return ws.directory.get(str(user_id)) if user_id else None


def login_page(ws: Workspace) -> None:
    st.subheader(tr("login"))
    if oidc_configured():
        st.button(tr("oidc_login"), on_click=st.login)
    if ws.settings.demo_login or not oidc_configured():  # passwords: demo accounts, or sites without OIDC
        with st.form("login"):
            user_id = st.text_input(tr("user"), key="login_user")
            password = st.text_input(tr("password"), type="password", key="login_password")
            if st.form_submit_button(tr("login")):
                user = ws.directory.authenticate(user_id, password, allow_demo=ws.settings.demo_login)
                if user is None:
                    st.error(tr("login_failed"))
                else:
                    st.session_state["user_id"] = user.user_id
                    st.rerun()
    if ws.settings.demo_login:
        demo = [u.user_id for u in ws.directory.users(demo_only=True)]  # never the real accounts
        st.caption(tr("demo_hint") + ", ".join(md(u) for u in demo))


def logout() -> None:
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


# --- small pieces ----------------------------------------------------------------------------------------


def chips(labels: list[str], color: str) -> str:
    return " ".join(f":{color}-badge[{md(label)}]" for label in labels) if labels else "–"


def picked_id(picked: Any, ids: pl.Series, param: str) -> str | None:
    """The id of a row picked in a table, kept in the URL parameter ``param`` (so a link opens it again);
    the workspace checks the scope of whatever id arrives there."""
    rows = picked.selection.rows if picked is not None else []
    if rows:
        st.query_params[param] = ids[rows[0]]
    value = st.query_params.get(param)
    return str(value) if value else None


def shown_once(key: tuple[Any, ...], compute: Any) -> Any:
    """What a view shows is computed (and audited) once per session and key, not on every widget rerun."""
    cache = st.session_state.setdefault("_shown", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget_shown(prefix: str) -> None:
    cache = st.session_state.get("_shown", {})
    for key in [k for k in cache if k[0] == prefix]:
        del cache[key]


def guarded(render: Any, *args: Any) -> None:
    """Render a view part; the workspace's refusals become messages, not tracebacks."""
    try:
        render(*args)
    except AccessDenied as exc:
        st.error(f"{tr('denied')}: {md(exc)}")
    except RecommendationsOff:
        st.warning(tr("stopped"))
    except ModelUnavailable as exc:
        st.warning(f"{tr('model_problem')}: {md(exc)}")


# --- consultant -------------------------------------------------------------------------------------------


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


# --- employer ----------------------------------------------------------------------------------------------


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
                       lambda: ws.shortlist(user, vacancy_id, 10, rerank=method))  # fmt: skip
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


# --- analyst ------------------------------------------------------------------------------------------------


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


# --- administrator ----------------------------------------------------------------------------------------


def admin_view(ws: Workspace, user: User) -> None:
    enabled = ws.recommendations_enabled()
    with st.form("stop_switch"):
        wanted = st.toggle(tr("stop_switch"), value=enabled)
        method = st.selectbox(tr("rerank"), RERANK_METHODS, index=RERANK_METHODS.index(ws.shortlist_rerank()))
        reason = st.text_input(tr("reason"))
        if st.form_submit_button(tr("apply")):
            try:
                if wanted != enabled:
                    ws.set_recommendations(user, wanted, reason)
                ws.set_shortlist_rerank(user, method, reason)
            except InvalidDecision as exc:
                st.error(md(exc))
            else:
                st.success(tr("saved"))
    left, right = st.columns(2)
    if left.button(tr("verify")):
        result = ws.verify_audit(user)
        if result.ok:
            left.success(f"{tr('audit_ok')}: {result.records} poster, hoved {result.head[:16]}…")
        else:
            left.error(f"{tr('audit_bad')} ved post {result.first_bad_seq}: {md(result.problem)}")
    if right.button(tr("purge")):
        deleted = ws.purge_audit(user)
        right.info(f"{deleted} poster slettet (opbevaring {ws.settings.audit_retention_days} dage)")
    st.dataframe(ws.audit_records(user), hide_index=True)


# --- page -------------------------------------------------------------------------------------------------


VIEWS = {Role.CONSULTANT: consultant_view, Role.EMPLOYER: employer_view, Role.ANALYST: analyst_view,
         Role.ADMIN: admin_view}  # fmt: skip


def main() -> None:
    st.set_page_config(page_title="Jobmatch", layout="wide")
    with st.sidebar:
        st.radio("Sprog / language", list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
    st.title("Jobmatch")
    st.caption(tr("app_caption"))
    settings = load_settings()
    try:
        ws = workspace(str(settings.home), settings.db_file)
    except JobmatchError as exc:
        st.error(md(exc))
        return
    for problem in ws.problems:
        st.warning(f"{tr('model_problem')}: {md(problem)}")
    user = current_user(ws)
    if user is None:
        login_page(ws)
        return
    with st.sidebar:
        st.markdown(f"**{md(user.display_name)}** · {md(user.role)}")
        st.button(tr("logout"), on_click=logout)
    guarded(VIEWS[user.role], ws, user)


main()
