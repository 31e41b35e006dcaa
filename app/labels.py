"""Codes and column names as a person reads them, in Danish or English: the one place the UI turns data into words.

The stores keep ASCII codes (``kontanthjaelp``, ``loentilskud_privat``, ``warehouse_transport``) and snake_case
columns; no page may show those. ``value`` names one code, ``display_frame`` renames a frame's columns and
translates its code columns, booleans and missing values, and ``pp``/``percent``/``km`` format figures with the
language's decimal mark.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from data import columns as C

MISSING = "–"

# kind -> code -> (Danish, English)
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "benefit_type": {
        "dagpenge": ("Dagpenge", "Unemployment benefit"),
        "kontanthjaelp": ("Kontanthjælp", "Social assistance"),
        "uddannelseshjaelp": ("Uddannelseshjælp", "Education assistance"),
        "sygedagpenge": ("Sygedagpenge", "Sickness benefit"),
        "selvforsoerger": ("Selvforsørger", "Self-supporting"),
    },
    "target_group": {
        "jobparat": ("Jobparat", "Job-ready"),
        "aktivitetsparat": ("Aktivitetsparat", "Activity-ready"),
    },
    "programme": {
        code: (C.PROGRAMME_LABELS_DA[code], english)
        for code, english in (
            ("none", "No programme"),
            ("virksomhedspraktik", "Company internship"),
            ("loentilskud_privat", "Wage subsidy (private)"),
            ("loentilskud_offentlig", "Wage subsidy (public)"),
            ("opkvalificering_amu", "Upskilling / AMU course"),
            ("jobrettet_uddannelse_6u", "6 weeks' job-oriented training"),
            ("mentorstoette", "Mentor support"),
            ("ips", "IPS (individual placement and support)"),
            ("jobsamtaler_vejledning", "Job interviews / guidance"),
        )
    },
    "sector": {
        "care": ("Omsorg", "Care"),
        "cleaning": ("Rengøring", "Cleaning"),
        "construction": ("Byggeri", "Construction"),
        "health": ("Sundhed", "Health"),
        "hospitality": ("Hotel og restaurant", "Hospitality"),
        "it": ("IT", "IT"),
        "manufacturing": ("Industri", "Manufacturing"),
        "office": ("Kontor og administration", "Office and administration"),
        "retail": ("Detailhandel", "Retail"),
        "service": ("Service", "Service"),
        "teaching": ("Undervisning", "Teaching"),
        "warehouse_transport": ("Lager og transport", "Warehouse and transport"),
    },
    "status": {
        "open": ("Åben", "Open"),
        "closed": ("Lukket", "Closed"),
        "filled": ("Besat", "Filled"),
    },
    "action": {
        "accept": ("Accepteret", "Accepted"),
        "reject": ("Afvist", "Rejected"),
        "override": ("Konsulentens eget valg", "Consultant's own choice"),
        "note": ("Note", "Note"),
        "contact": ("Kontaktet", "Contacted"),
        "undo": ("Fortrudt", "Undone"),
    },
    "request_status": {
        "sent": ("Sendt", "Sent"),
        "seen": ("Set", "Seen"),
        "answered": ("Besvaret", "Answered"),
    },
    # An employer sees a candidate's quasi-identifiers only as these bands (app.anonymity).
    "education_band": {
        "isced_0_2": ("Grundskole", "Primary or lower secondary"),
        "isced_3_4": ("Gymnasial eller erhvervsfaglig", "Upper secondary or vocational"),
        "isced_5_6": ("Kort eller mellemlang videregående", "Short or medium-cycle higher education"),
        "isced_7_8": ("Lang videregående", "Long-cycle higher education"),
        "isced_0_4": ("Ikke videregående", "No higher education"),
        "isced_5_8": ("Videregående", "Higher education"),
        "hidden": ("Uddannelse skjult", "Education hidden"),
    },
    "experience_band": {
        "exp_0_1": ("0–1 års erfaring", "0–1 years' experience"),
        "exp_2_4": ("2–4 års erfaring", "2–4 years' experience"),
        "exp_5_9": ("5–9 års erfaring", "5–9 years' experience"),
        "exp_10_plus": ("10+ års erfaring", "10+ years' experience"),
        "exp_0_4": ("0–4 års erfaring", "0–4 years' experience"),
        "exp_5_plus": ("5+ års erfaring", "5+ years' experience"),
        "hidden": ("Erfaring skjult", "Experience hidden"),
    },
    "hours_band": {
        "hours_0_19": ("Under 20 t/uge", "Under 20 h/week"),
        "hours_20_29": ("20–29 t/uge", "20–29 h/week"),
        "hours_30_plus": ("30+ t/uge", "30+ h/week"),
        "hours_0_29": ("Under 30 t/uge", "Under 30 h/week"),
        "hidden": ("Timer skjult", "Hours hidden"),
    },
    "distance_band": {
        "km_0_5": ("Under 5 km", "Under 5 km"),
        "km_5_15": ("5–15 km", "5–15 km"),
        "km_15_30": ("15–30 km", "15–30 km"),
        "km_30_plus": ("Over 30 km", "Over 30 km"),
        "km_0_15": ("Under 15 km", "Under 15 km"),
        "km_15_plus": ("Over 15 km", "Over 15 km"),
        "hidden": ("Afstand skjult", "Distance hidden"),
    },
    "role": {
        "consultant": ("Konsulent", "Consultant"),
        "employer": ("Arbejdsgiver", "Employer"),
        "analyst": ("Analytiker", "Analyst"),
        "admin": ("Administrator", "Administrator"),
    },
}

# column -> (Danish, English); a column missing here keeps a readable form of its own name.
HEADERS: dict[str, tuple[str, str]] = {
    "seeker_id": ("Borger", "Citizen"),
    "vacancy_id": ("Stilling (id)", "Vacancy (id)"),
    "title": ("Stilling", "Vacancy"),
    "employer": ("Arbejdsgiver", "Employer"),
    "name": ("Navn", "Name"),
    "industry": ("Branche", "Industry"),
    "occupation": ("Stillingstype", "Occupation"),
    "sector": ("Sektor", "Sector"),
    "hours": ("Timer/uge", "Hours/week"),
    "hours_wanted": ("Ønskede timer/uge", "Hours wanted/week"),
    "distance_km": ("Afstand (km)", "Distance (km)"),
    "deadline": ("Ansøgningsfrist", "Deadline"),
    "posted": ("Slået op", "Posted"),
    "status": ("Status", "Status"),
    "weeks_unemployed": ("Uger ledig", "Weeks unemployed"),
    "benefit_type": ("Ydelse", "Benefit"),
    "target_group": ("Målgruppe", "Target group"),
    "desired": ("Ønskejob", "Desired jobs"),
    "contact_requests": ("Kontaktanmodninger", "Contact requests"),
    "last_action": ("Seneste handling", "Last action"),
    "programme": ("Indsats", "Programme"),
    "action": ("Handling", "Action"),
    "reason": ("Begrundelse", "Reason"),
    "user_id": ("Bruger", "User"),
    "role": ("Rolle", "Role"),
    "ts": ("Tidspunkt", "Time"),
    "decided_at": ("Tidspunkt", "Time"),
    "kind": ("Type", "Kind"),
    "subject": ("Emne", "Subject"),
    "seq": ("Nr.", "No."),
    "n": ("Antal", "Count"),
    "rate": ("Andel", "Share"),
    "feature": ("Variabel", "Feature"),
    "psi": ("PSI", "PSI"),
    "reading": ("Vurdering", "Reading"),
    "group": ("Gruppe", "Group"),
    "metric": ("Mål", "Metric"),
    "value": ("Værdi", "Value"),
    "lo": ("Nedre grænse", "Lower bound"),
    "hi": ("Øvre grænse", "Upper bound"),
    "model": ("Model", "Model"),
    "candidate": ("Kandidat", "Candidate"),
    "positions": ("Antal stillinger", "Positions"),
    "request_status": ("Status", "Status"),
    "requested_at": ("Sendt", "Sent"),
    "message": ("Besked", "Message"),
}

# Which value kind a column holds, so ``display_frame`` translates it.
COLUMN_KINDS = {"benefit_type": "benefit_type", "target_group": "target_group", "programme": "programme",
                "sector": "sector", "status": "status", "action": "action", "role": "role",
                "request_status": "request_status"}  # fmt: skip


def _index(lang: str) -> int:
    return 1 if lang == "en" else 0


def value(kind: str, code: Any, lang: str = "da") -> str:
    """One code as words; an unknown code keeps a readable form of itself, a missing one shows as a dash."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return MISSING
    if isinstance(code, bool):
        return yes_no(code, lang)
    known = VALUES.get(kind, {}).get(str(code))
    return known[_index(lang)] if known else humanise(str(code))


def header(column: str, lang: str = "da") -> str:
    known = HEADERS.get(column)
    return known[_index(lang)] if known else humanise(column)


def humanise(code: str) -> str:
    """``weeks_since_decision`` -> ``Weeks since decision``: the last resort, never snake_case on screen."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else MISSING


def yes_no(flag: bool | None, lang: str = "da") -> str:
    if flag is None:
        return MISSING
    return ("ja", "yes")[_index(lang)] if flag else ("nej", "no")[_index(lang)]


def number(x: float | None, decimals: int = 1, lang: str = "da", *, sign: bool = False) -> str:
    """A number with the language's decimal mark (Danish ``15,2``, English ``15.2``)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    text = f"{x:+,.{decimals}f}" if sign else f"{x:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def pp(share: float | None, lang: str = "da", decimals: int = 1) -> str:
    """A difference of shares in percentage points: ``0.152`` -> ``+15,2 procentpoint``."""
    if share is None:
        return MISSING
    unit = "percentage points" if lang == "en" else "procentpoint"
    return f"{number(100 * share, decimals, lang, sign=True)} {unit}"


def percent(share: float | None, lang: str = "da", decimals: int = 0) -> str:
    if share is None:
        return MISSING
    return f"{number(100 * share, decimals, lang)} %"


def km(distance: float | None, lang: str = "da") -> str:
    if distance is None:
        return MISSING
    return f"{number(distance, 0 if distance >= 10 else 1, lang)} km"


def display_frame(frame: pl.DataFrame, lang: str = "da", kinds: dict[str, str] | None = None) -> pl.DataFrame:
    """A frame ready for ``st.dataframe``: code columns in words, booleans as ja/nej, nulls as a dash,
    lists joined, headers translated. Only for showing: never feed the result back into logic."""
    kinds = {**COLUMN_KINDS, **(kinds or {})}
    out = []
    for name in frame.columns:
        column = frame[name]
        if name in kinds and column.dtype in (pl.String, pl.Categorical, pl.Boolean):
            kind = kinds[name]
            column = pl.Series(name, [value(kind, v, lang) for v in column.to_list()], dtype=pl.String)
        elif column.dtype == pl.Boolean:
            column = pl.Series(name, [yes_no(v, lang) for v in column.to_list()], dtype=pl.String)
        elif isinstance(column.dtype, pl.List):
            column = column.list.eval(pl.element().cast(pl.String)).list.join(", ").replace("", MISSING)
        if column.dtype == pl.String:
            column = column.fill_null(MISSING)
        out.append(column.alias(header(name, lang)))
    return pl.DataFrame(out)
