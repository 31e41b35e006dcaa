"""Codes and column names as a person reads them, in Danish or English: the one place the UI turns data into words.

The stores keep ASCII codes (``kontanthjaelp``, ``loentilskud_privat``, ``warehouse_transport``) and snake_case
columns; no page may show those. ``value`` names one code, ``display_frame`` renames a frame's columns and
translates its code columns, booleans and missing values, and ``pp``/``percent``/``km`` format figures with the
language's decimal mark.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from app.ui_text import BIDI_PATTERN
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
        "contact_request": ("Kontaktanmodning fra arbejdsgiver", "Contact request from an employer"),
    },
    "jobcenter": {
        "jc-odense": ("Jobcenter Odense", "Job centre Odense"),
        "jc-kbh": ("Jobcenter København", "Job centre Copenhagen"),
    },
    "isced": {
        "0": ("Ingen formel uddannelse", "No formal education"),
        "1": ("Grundskole (1.-6. klasse)", "Primary school"),
        "2": ("Grundskole (7.-10. klasse)", "Lower secondary school"),
        "3": ("Gymnasial eller erhvervsfaglig", "Upper secondary or vocational"),
        "4": ("Post-gymnasial", "Post-secondary"),
        "5": ("Kort videregående", "Short-cycle tertiary"),
        "6": ("Bachelor/professionsbachelor", "Bachelor's"),
        "7": ("Kandidat", "Master's"),
        "8": ("Ph.d.", "PhD"),
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
    # the analyst's and the administrator's pages
    "rerank_method": {
        "off": ("Ingen omrangering", "No re-ranking"),
        "detconstsort": ("DetConstSort (gruppeandele)", "DetConstSort (group shares)"),
        "fair": ("FA*IR (minimumsandel)", "FA*IR (minimum share)"),
    },
    "eval_model": {
        "hybrid": ("Hybrid (modellen i brug)", "Hybrid (the served model)"),
        "popularity": ("Popularitet (nedre reference)", "Popularity (floor)"),
    },
    "eval_metric": {
        "ndcg@10": ("NDCG@10 (rækkefølge i top 10)", "NDCG@10 (order in the top 10)"),
        "recall@50": ("Genfundne ansøgninger i top 50", "Applications found in the top 50"),
        "precision@10": ("Træfsikkerhed i top 10", "Precision in the top 10"),
        "mrr@10": ("Første træf (MRR@10)", "First hit (MRR@10)"),
        "coverage@10": ("Andel stillinger vist (top 10)", "Share of vacancies shown (top 10)"),
    },
    "fairness_audit": {
        "historical": (
            "Historik: samtaler og ansættelser pr. ansøgning",
            "History: interviews and hires per application",
        ),
        "recommender": ("Forslagenes træfsikkerhed pr. gruppe", "How well suggestions hit, per group"),
        "programmes": (
            "Indsatser: dagens borgere fordelt på pladserne, pr. gruppe",
            "Programmes: today's citizens allocated to the seats, per group",
        ),
    },
    "fairness_metric": {
        "interview_rate": ("Andel ansøgninger til samtale", "Share of applications to interview"),
        "interview_ratio": (
            "Samtaleandel i forhold til referencegruppen",
            "Interview share relative to the reference group",
        ),
        "hired_rate": ("Andel ansøgninger til ansættelse", "Share of applications to hire"),
        "hired_ratio": (
            "Ansættelsesandel i forhold til referencegruppen",
            "Hire share relative to the reference group",
        ),
        "recall@50": ("Genfundne ansøgninger i top 50", "Applications found in the top 50"),
        "ndcg@10": ("NDCG@10 (rækkefølge i top 10)", "NDCG@10 (order in the top 10)"),
        "offered_any_share": ("Andel tilbudt en indsats", "Share offered a programme"),
        "offered_any_ratio": (
            "Andel tilbudt en indsats i forhold til referencegruppen",
            "Share offered a programme relative to the reference group",
        ),
        "estimated_gain": (
            "Anslået effekt af den tildelte indsats (0,01 = 1 procentpoint)",
            "Estimated effect of the assigned programme (0.01 = 1 percentage point)",
        ),
        "with_estimate": ("Andel indsatser med et skøn", "Share of programmes with an estimate"),
        "with_estimate_difference": (
            "Andel indsatser med et skøn, forskel til referencegruppen",
            "Share of programmes with an estimate, difference to the reference group",
        ),
    },
    "attribute": {
        "gender": ("Køn", "Gender"),
        "age_band": ("Alder", "Age"),
        "origin_group": ("Oprindelse", "Origin"),
        "disability": ("Handicap", "Disability"),
    },
    "group_value": {
        "kvinde": ("kvinde", "woman"),
        "mand": ("mand", "man"),
        "dansk": ("dansk", "Danish"),
        "vestlig": ("vestlig", "Western"),
        "ikke-vestlig": ("ikke-vestlig", "non-Western"),
        "ja": ("ja", "yes"),
        "nej": ("nej", "no"),
        "ukendt": ("ukendt", "unknown"),
        "<30": ("under 30", "under 30"),
        "30-54": ("30-54", "30-54"),
        "55+": ("55+", "55+"),
    },
    "drift_feature": {
        "weeks_unemployed": ("Uger ledig", "Weeks unemployed"),
        "isced_level": ("Uddannelsesniveau", "Education level"),
        "experience_years": ("Erfaring (år)", "Experience (years)"),
        "max_commute_km": ("Maks. transport (km)", "Max commute (km)"),
        "hours_wanted": ("Ønskede timer", "Hours wanted"),
        "n_skills": ("Antal kompetencer", "Number of skills"),
        "benefit_type": ("Ydelse", "Benefit"),
        "target_group": ("Målgruppe", "Target group"),
        "consent_employer_view": ("Samtykke til arbejdsgivere", "Consent to employers"),
        "driving_licence": ("Kørekort", "Driving licence"),
        "jobcenter_id": ("Jobcenter", "Job centre"),
    },
    "drift_reading": {
        "stabil": ("stabil", "stable"),
        "se nærmere på": ("se nærmere på", "worth a look"),
        "skift: tjek modellerne": ("skift: tjek modellerne", "shift: re-check the models"),
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
    "why_on_top": ("Derfor øverst", "Why on top"),
    "consultant": ("Sagsbehandler", "Caseworker"),
    "follow_up": ("Opfølgning", "Follow-up"),
    "new_requests": ("Nye kontaktanmodninger", "New contact requests"),
    "programme": ("Indsats", "Programme"),
    "action": ("Handling", "Action"),
    "reason": ("Begrundelse", "Reason"),
    "reason_da": ("Begrundelse", "Reason"),
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
    "attribute": ("Kendetegn", "Attribute"),
    "decisions": ("Beslutninger", "Decisions"),
    "acceptance_rate": ("Andel accepteret", "Share accepted"),
    "override_rate": ("Andel eget valg", "Share overridden"),
    "rejection_rate": ("Andel afvist", "Share rejected"),
    "suppressed": ("Skjult (lille celle)", "Hidden (small cell)"),
    "reference": ("Træningsgrundlag", "Training data"),
    "newest": ("Nyeste borgere", "Newest citizens"),
    "jobcenter_id": ("Jobcenter", "Job centre"),
    "model_version": ("Modelversion", "Model version"),
    "data_version": ("Dataversion", "Data version"),
    "payload": ("Indhold", "Content"),
    "prev_hash": ("Forrige kædeled", "Previous link"),
    "hash": ("Kædeled", "Link"),
    "episodes": ("Forløb", "Episodes"),
    "with_estimate": ("Forløb med et skøn", "Episodes with an estimate"),
    "mean_effect_pp": ("Gns. effekt (procentpoint)", "Mean effect (percentage points)"),
    "e_value": ("E-værdi", "E-value"),
    "e_value_limit": ("E-værdi (intervallets nære ende)", "E-value (interval's near end)"),
    "coverage_low": ("Målt dækning (laveste)", "Measured coverage (lowest)"),
    "coverage_high": ("Målt dækning (højeste)", "Measured coverage (highest)"),
    "coverage_mean": ("Målt dækning (gns. over mange verdener)", "Measured coverage (mean over many worlds)"),
    "called_90_interval": ("Kaldes 90 %-interval", "Called a 90 % interval"),
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


LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
MONTHS = (("januar", "January"), ("februar", "February"), ("marts", "March"), ("april", "April"),
          ("maj", "May"), ("juni", "June"), ("juli", "July"), ("august", "August"),
          ("september", "September"), ("oktober", "October"), ("november", "November"),
          ("december", "December"))  # fmt: skip


def local(ts: datetime) -> datetime:
    """A stored timestamp (naive UTC, as DuckDB keeps it) in Danish local time."""
    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).astimezone(LOCAL_TIME)


def clock(ts: datetime | None, lang: str = "da") -> str:
    """A moment as a reader writes it: ``30.11.2026 kl. 10.32`` (English ``30 Nov 2026, 10:32``)."""
    if ts is None:
        return MISSING
    t = local(ts)
    if lang == "en":
        return f"{t.day} {MONTHS[t.month - 1][1][:3]} {t.year}, {t:%H:%M}"
    return f"{t:%d.%m.%Y} kl. {t:%H.%M}"


def day_in_words(d: date | datetime | None, lang: str = "da") -> str:
    """A date in words, for letters to citizens: ``30. november 2026`` (English ``30 November 2026``)."""
    if d is None:
        return MISSING
    if isinstance(d, datetime):
        d = local(d)
    if lang == "en":
        return f"{d.day} {MONTHS[d.month - 1][1]} {d.year}"
    return f"{d.day}. {MONTHS[d.month - 1][0]} {d.year}"


def day(when: date | None, lang: str = "da") -> str:
    """A date as people in the language write it: Danish ``15.11.2026``, English ``15 Nov 2026``."""
    if when is None:
        return MISSING
    return f"{when.day} {when:%b %Y}" if lang == "en" else f"{when.day}.{when.month}.{when.year}"


def display_frame(
    frame: pl.DataFrame,
    lang: str = "da",
    kinds: dict[str, str] | None = None,
    decimals: int = 1,
    percents: tuple[str, ...] = (),
) -> pl.DataFrame:
    """A frame ready for ``st.dataframe``: code columns in words, booleans as ja/nej, nulls as a dash,
    lists joined, bidi controls removed from text, decimals with the language's mark (shares in ``percents``
    and ``*_rate`` columns as per cent), headers translated. Only for showing: never feed the result back
    into logic."""
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
        elif column.dtype.is_float():
            as_share = name in percents or name.endswith("_rate")
            cells = [percent(v, lang, 1) if as_share else number(v, decimals, lang) for v in column.to_list()]
            column = pl.Series(name, cells, dtype=pl.String)
        if column.dtype == pl.String:
            column = column.str.replace_all(BIDI_PATTERN, "").fill_null(MISSING)
        out.append(column.alias(header(name, lang)))
    return pl.DataFrame(out)
