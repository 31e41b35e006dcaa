"""Danish text for consultants: number formats, labels, reasons for a missing estimate, the explanation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from data import columns as C
from recommender.interventions.features import EFFECT_MODIFIERS
from recommender.interventions.ranking import (
    BASELINE,
    EFFECT,
    INTERVAL_LEVEL,
    LABEL,
    LOWER,
    PROB_AS_GOOD_SHOWN,
    RANK,
    REASON,
    SUPPORTED,
    TIED_WITH_BEST,
    UPPER,
)

if TYPE_CHECKING:
    from recommender.interventions.model import InterventionModel, Similar

FEATURE_LABELS_DA: dict[str, str] = {
    "isced_level": "uddannelsesniveau (ISCED)",
    "experience_years": "års erhvervserfaring",
    "weeks_unemployed": "ugers ledighed",
    "aktivitetsparat": "aktivitetsparat",
    "benefit_dagpenge": "på dagpenge",
    "benefit_kontanthjaelp": "på kontanthjælp",
    "benefit_uddannelseshjaelp": "på uddannelseshjælp",
    "benefit_sygedagpenge": "på sygedagpenge",
    "benefit_selvforsoerger": "selvforsørger",
    "skill_coverage_first": "kompetencedækning for første ønskejob",
    "skill_coverage_min": "laveste kompetencedækning blandt ønskejob",
    "skill_coverage_max": "højeste kompetencedækning blandt ønskejob",
    "n_skills": "antal registrerede kompetencer",
    "n_desired_occupations": "antal ønskejob",
    "n_languages": "antal sprog",
    "driving_licence": "kørekort",
    "hours_wanted": "ønskede timer om ugen",
    "max_commute_km": "maks. pendlerafstand (km)",
    "jobcenter_kbh": "Jobcenter København",
}
BENEFIT_LABELS_DA = {
    "dagpenge": "dagpenge",
    "kontanthjaelp": "kontanthjælp",
    "uddannelseshjaelp": "uddannelseshjælp",
    "sygedagpenge": "sygedagpenge",
    "selvforsoerger": "selvforsørgelse",
}


def pct(x: float, decimals: int = 0) -> str:
    """A share as Danish percent: ``0.125 -> "12,5 %"`` (with ``decimals=1``)."""
    return f"{100 * x:.{decimals}f} %".replace(".", ",")


def pp(x: float) -> str:
    """A difference of shares in signed percentage points, Danish style: ``-0.031 -> "−3,1"``."""
    return f"{100 * x:+.1f}".replace(".", ",").replace("-", "−")


def num(x: float, decimals: int = 0) -> str:
    """A number with a Danish decimal comma."""
    return f"{x:.{decimals}f}".replace(".", ",")


def overlap_reason(e_k: float, e_0: float, thr: float) -> str:
    """Why a programme has no estimate for this citizen: one of the two assignment probabilities is too low."""
    if e_k < thr:
        return (
            f"indsatsen gives sjældent til borgere som denne (estimeret sandsynlighed "
            f"{pct(e_k, 1)} mod grænsen {pct(thr, 0)}): for få sammenlignelige forløb til et skøn"
        )
    return (
        f"borgere som denne får næsten altid en indsats (sandsynlighed for ingen indsats {pct(e_0, 1)} "
        f"mod grænsen {pct(thr, 0)}): for få at sammenligne med, så intet skøn"
    )


def describe_modifier(group: str, v: np.ndarray) -> str:
    """This citizen's value of an effect-modifier group (``v`` over ``EFFECT_MODIFIERS``), in words."""
    val = dict(zip(EFFECT_MODIFIERS, v.tolist(), strict=True))
    if group == "isced_level":
        return f"uddannelsesniveau ISCED {int(val['isced_level'])}"
    if group == "experience_years":
        return f"{num(val['experience_years'])} års erhvervserfaring"
    if group == "weeks_unemployed":
        return f"{num(val['weeks_unemployed'])} ugers ledighed"
    if group == "aktivitetsparat":
        return "aktivitetsparat" if val["aktivitetsparat"] >= 0.5 else "jobparat"
    if group == "benefit":
        on = [b for b in C.BENEFIT_TYPES if val.get(f"benefit_{b}", 0.0) >= 0.5]
        return f"på {BENEFIT_LABELS_DA[on[0]]}" if on else "ukendt ydelse"
    if group == "skill_coverage":
        first = val["skill_coverage_first"]
        return (
            "kompetencedækning ukendt"
            if np.isnan(first)
            else f"har {pct(first)} af kompetencerne til ønskejobbet"
        )
    return FEATURE_LABELS_DA.get(group, group)


def band_da(row: Mapping[str, Any]) -> str:
    """What a ranking row's lower-upper band may be called: "90 %-interval" only where its coverage was
    measured and held (``interval_level``), else "usikkerhed" (no level claimed)."""
    level = row.get(INTERVAL_LEVEL)
    return f"{pct(level, 0)}-interval" if level is not None else "usikkerhed"


@dataclass(frozen=True)
class Known:
    """Parts of one citizen's explanation computed beforehand, per programme."""

    drivers: Mapping[str, list[tuple[str, float, str]]] = field(default_factory=dict)
    similar: Mapping[str, Similar] = field(default_factory=dict)


def explanation_da(
    model: InterventionModel,
    one: pl.DataFrame,
    ranking: pl.DataFrame,
    employers: Mapping[str, pl.DataFrame] | None,
    top: int,
    known: Known | None = None,
) -> str:
    """The explanation of :meth:`InterventionModel.explain` for the citizen in ``one`` (its ranking rows).

    ``known``: per programme, drivers and similar citizens already computed in a batch (the precomputed
    table); what it lacks is computed here.

    Every number is called what it is: an "anslået effekt"; its band a "{level}-interval" only where that
    programme's coverage was measured and held (``interval_level``), otherwise "usikkerhed" without a level.
    """
    sid = one[C.SEEKER_ID].item()
    ranked = ranking.filter(pl.col(SUPPORTED) & (pl.col(C.PROGRAMME) != "none")).sort(RANK)
    base = float(ranking[BASELINE][0])
    lines = [
        f"Borger {sid}: skønnet chance for job inden for 26 uger uden indsats er {pct(base, 0)}.",
    ]
    if ranked.height == 0:
        lines.append("Ingen indsats har et skøn for denne borger (se begrundelser nedenfor).")
    best_lower = float(ranked[LOWER][0]) if ranked.height else 0.0
    if ranked.height and best_lower <= 0:
        lines.append(
            "Bemærk: selv for den bedste indsats rummer usikkerheden 0, så en gevinst er ikke sikker."
        )
    for r in ranked.head(top).iter_rows(named=True):
        lines.extend(_programme_lines(model, one, r, base, employers, known or Known()))
    missing = ranking.filter(~pl.col(SUPPORTED))
    for r in missing.iter_rows(named=True):
        lines.append(f"Intet skøn for {r[LABEL]}: {r[REASON]}.")
    lines.append("Tallene er skøn ud fra historiske forløb; konsulenten og borgeren træffer beslutningen.")
    return "\n".join(lines)


def _programme_lines(
    model: InterventionModel,
    one: pl.DataFrame,
    r: Mapping[str, Any],
    base: float,
    employers: Mapping[str, pl.DataFrame] | None,
    known: Known,
) -> list[str]:
    """One ranked programme: estimated gain with its uncertainty, drivers, similar citizens, employers."""
    lines: list[str] = []
    p = r[C.PROGRAMME]
    tie = ""
    if r[RANK] > 1 and r[TIED_WITH_BEST]:  # the chance is stated only where it was measured to come true
        chance = r[PROB_AS_GOOD_SHOWN]
        tie = " (kan ikke skelnes fra nr. 1" + (
            f": {pct(chance, 0)} sandsynlighed for at være mindst lige så god)" if chance is not None else ")"
        )
    lines.append(
        f"{r[RANK]}. {r[LABEL]}: anslået effekt {pp(r[EFFECT])} procentpoint ({band_da(r)} {pp(r[LOWER])} til "
        f"{pp(r[UPPER])}), dvs. fra {pct(base, 0)} til {pct(min(max(base + r[EFFECT], 0.0), 1.0), 0)}{tie}."
    )
    drivers = known.drivers[p] if p in known.drivers else model.drivers(one, p)
    if drivers:
        text = "; ".join(f"{t} ({pp(c)} pp)" for _, c, t in drivers)
        lines.append(f"   Det der især påvirker skønnet for denne borger (mod en typisk borger): {text}.")
    else:
        lines.append("   Skønnet afhænger kun lidt af borgerens forhold: effekten er omtrent ens for alle.")
    sim = known.similar[p] if p in known.similar else model.similar(one, p)
    if sim.n_programme and sim.n_none:
        lines.append(
            f"   Lignende borgere: af de {sim.n_programme} mest lignende, der fik {r[LABEL].lower()}, kom "
            f"{pct(sim.employed_programme, 0)} i job inden for 26 uger; af de {sim.n_none} mest lignende "
            f"uden indsats {pct(sim.employed_none, 0)} (rå andele; skønnet ovenfor er justeret for, hvem "
            "der fik indsatsen)."
        )
    found = employers.get(p) if employers else None
    if found is not None and found.height:
        names = ", ".join(f"{e['name']} ({e['reason_da']})" for e in found.iter_rows(named=True))
        lines.append(f"   Konkrete virksomheder: {names}.")
    elif found is not None:
        lines.append("   Ingen virksomheder med passende åbne stillinger inden for pendlerafstand lige nu.")
    return lines
