"""What one suggestion card says: deadline, distance, calibrated relevance, shares; programmes in parts.

Only rendering: the figures come from the workspace. Every figure is called what it is: the relevance is a
calibrated probability of an application within the window (or no figure at all), contribution shares are
shares of the score, a programme's band is a "90 %-interval" only where its coverage was measured.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from app import labels
from app.ui.common import chips, lang, tr
from app.ui_text import md

TINY = (
    0.001  # below this the calibrated figure reads "under 0,1 %": the map's lowest steps rest on few events
)


def deadline_text(deadline: date | None, today: date) -> str:
    if deadline is None:
        return labels.MISSING
    left = (deadline - today).days
    when = tr("cards_last_day") if left == 0 else tr("cards_days_left").format(n=left)
    return f"{labels.day(deadline, lang())} ({when})"


def relevance_text(p: float | None) -> str:
    if p is None:
        return labels.MISSING
    if p < TINY:
        return tr("cards_under").format(p=labels.percent(TINY, lang(), 1))
    return labels.percent(p, lang(), 1)


def relevance_help(basis: dict[str, Any], p: float) -> str:
    return tr("cards_relevance_help").format(
        w=basis["window_weeks"], p=relevance_text(p), base=labels.percent(basis["base_rate_held_out"], lang(), 1),
        ece=labels.number(100 * basis["ece_held_out"], 2, lang()),
    )  # fmt: skip


def vacancy_card(r: dict[str, Any], today: date, basis: dict[str, Any] | None) -> Any:
    """The body of one vacancy card; returns the column the decision row goes under."""
    head, score = st.columns([3, 1])
    head.markdown(f"**{r['rank']}. {md(r['title'])}** · {md(r['employer'] or '')}")
    head.markdown(
        f"{tr('cards_deadline')}: **{deadline_text(r['deadline'], today)}** · "
        f"{tr('cards_distance').format(km=labels.km(r['distance_km'], lang()))} · "
        f"{tr('cards_hours').format(h=r['hours'])}"
    )
    head.markdown(f"{tr('matched')}: {chips(r['matched_essential'], 'green')}  \n"
                  f"{tr('missing')}: {chips(r['missing_essential'], 'red')}")  # fmt: skip
    head.caption(md(r["summary_da"]))
    p = r.get("p_apply_calibrated")
    if basis is not None and p is not None:
        score.metric(tr("cards_relevance"), relevance_text(p), help=relevance_help(basis, p))
        score.caption(f"({tr('cards_calibrated')})")
    if r.get("why_score"):
        score.caption(f"{tr('cards_shares')}: {md(r['why_score'])}")
    return head


def other_card(r: dict[str, Any]) -> None:
    sector = labels.value("sector", r["sector"], lang())
    coverage = tr("cards_coverage").format(p=labels.percent(r["essential_coverage"], lang()))
    if r.get("open_nearby"):
        where = tr("cards_open_nearby").format(n=r["open_nearby"], km=labels.km(r["nearest_km"], lang()))
    else:
        where = tr("cards_none_nearby").format(n=r["open_vacancies"])
    st.markdown(f"**{md(r['occupation'])}** ({md(sector)}) · {coverage} · {where}")
    st.markdown(f"{tr('matched')}: {chips(r['shared_skills'], 'green')}  \n"
                f"{tr('gap')}: {chips(r['gap_skills'], 'orange')}")  # fmt: skip


def programme_card(r: dict[str, Any], drivers: list[tuple[str, float]], employers: Any) -> None:
    """Effect, uncertainty, why, where: one structured block per supported programme."""
    lg = lang()
    name = labels.value("programme", r["programme"], lg)
    st.markdown(f"**{r['rank']}. {md(name)}**")
    level = r.get("interval_level")
    band = tr("cards_interval").format(level=labels.percent(level, lg)) if level else tr("cards_no_level")
    shown = r.get("prob_best_shown")  # only where the stated chance was measured to come true
    best = (
        tr("cards_prob_best").format(p=labels.percent(shown, lg))
        if shown is not None
        else tr("cards_prob_best_withheld")
    )
    tie = f"; {tr('cards_tied')}" if r["indistinguishable_from_best"] and r["rank"] > 1 else ""
    # Only what raises the estimate is a reason; what lowers it is said as such, never as a "why".
    why = "; ".join(f"{md(text)} ({labels.pp(share, lg)})" for text, share in drivers if share > 0)
    against = "; ".join(f"{md(text)} ({labels.pp(share, lg)})" for text, share in drivers if share < 0)
    lines = [
        f"- {tr('cards_effect')}: **{labels.pp(r['effect'], lg)}** {tr('cards_effect_on')}",
        f"- {tr('cards_uncertainty')}: "
        f"{tr('cards_range').format(lo=labels.pp(r['lower'], lg), hi=labels.pp(r['upper'], lg))} ({band})",
        f"- {tr('cards_why')}: {why or tr('cards_flat')}; {best}{tie}",
    ]
    if against:
        lines.append(f"- {tr('cards_against')}: {against}")
    if employers is not None and not employers.height:
        lines.append(f"- {tr('cards_where')}: {tr('cards_no_employers')}")
    st.markdown("\n".join(lines))
    if employers is not None and employers.height:
        st.caption(f"{tr('cards_where')}: {tr('employers_for')}")
        st.dataframe(labels.display_frame(employers.select("name", "industry", "distance_km", "reason_da"), lg),
                     hide_index=True)  # fmt: skip
