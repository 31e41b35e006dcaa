"""Interface text in Danish (default) and English, and the one escape every data-derived text passes through.

The dashboard never renders HTML from data (no ``unsafe_allow_html``); Markdown from data is escaped here so
a vacancy title like ``[klik](http://…)`` or ``![x](…)`` shows as text, not as a link or a remote image.
"""

from __future__ import annotations

import re

LANGUAGES = {"da": "Dansk", "en": "English"}

TEXT: dict[str, dict[str, str]] = {
    "app_caption": {
        "da": "Beslutningsstøtte til jobcentre. Forslag er vejledende: konsulenten beslutter.",
        "en": "Decision support for job centres. Suggestions are advisory: the consultant decides.",
    },
    "login": {"da": "Log ind", "en": "Sign in"},
    "logout": {"da": "Log ud", "en": "Sign out"},
    "user": {"da": "Bruger", "en": "User"},
    "password": {"da": "Adgangskode", "en": "Password"},
    "login_failed": {"da": "Forkert bruger eller adgangskode.", "en": "Wrong user or password."},
    "demo_hint": {"da": "Demo-brugere (adgangskode 'demo'): ", "en": "Demo users (password 'demo'): "},
    "oidc_login": {"da": "Log ind med organisationens konto", "en": "Sign in with your organisation account"},
    "oidc_unknown": {
        "da": "Din konto er ikke knyttet til en Jobmatch-bruger.",
        "en": "Your account is not linked to a Jobmatch user.",
    },
    "stopped": {
        "da": "Forslag er slået fra af en administrator. Manuel søgning virker.",
        "en": "Suggestions are switched off by an administrator. Manual search works.",
    },
    "model_problem": {"da": "Modeller mangler eller er forældede", "en": "Models missing or stale"},
    "queue": {"da": "Mine borgere", "en": "My citizens"},
    "search": {"da": "Søg (id eller ønskejob)", "en": "Search (id or desired job)"},
    "target_group": {"da": "Målgruppe", "en": "Target group"},
    "benefit": {"da": "Ydelse", "en": "Benefit"},
    "all": {"da": "Alle", "en": "All"},
    "pick_citizen": {"da": "Vælg en borger i listen.", "en": "Pick a citizen in the list."},
    "citizen": {"da": "Borger", "en": "Citizen"},
    "weeks": {"da": "Uger ledig", "en": "Weeks unemployed"},
    "education": {"da": "Uddannelse", "en": "Education"},
    "desired": {"da": "Ønskejob", "en": "Desired jobs"},
    "skills": {"da": "Kompetencer", "en": "Skills"},
    "tab_jobs": {"da": "Job", "en": "Jobs"},
    "tab_other": {"da": "Job i andre brancher", "en": "Jobs in other industries"},
    "tab_programmes": {"da": "Indsatser", "en": "Programmes"},
    "tab_manual": {"da": "Manuel søgning", "en": "Manual search"},
    "tab_notes": {"da": "Noter og beslutninger", "en": "Notes and decisions"},
    "max_km": {
        "da": "Maks. afstand (km, 0 = borgerens egen grænse)",
        "en": "Max distance (km, 0 = citizen's own)",
    },
    "matched": {"da": "Har", "en": "Has"},
    "missing": {"da": "Mangler", "en": "Missing"},
    "score_parts": {"da": "Scoren i dele", "en": "The score in parts"},
    "p_apply": {
        "da": "Relevans for borgeren (i forhold til bedste forslag)",
        "en": "Fit for the citizen (relative to the best suggestion)",
    },
    "p_employer": {"da": "Chance for at gå videre hos arbejdsgiver", "en": "Chance the employer moves on"},
    "why": {"da": "Hvorfor", "en": "Why"},
    "reason": {"da": "Begrundelse (påkrævet)", "en": "Reason (required)"},
    "accept": {"da": "Accepter", "en": "Accept"},
    "reject": {"da": "Afvis", "en": "Reject"},
    "override": {"da": "Vælg andet", "en": "Override"},
    "saved": {"da": "Gemt", "en": "Saved"},
    "map": {
        "da": "Kort: borgeren (blå) og stillingerne (orange)",
        "en": "Map: citizen (blue) and vacancies (orange)",
    },
    "no_results": {"da": "Ingen resultater.", "en": "No results."},
    "gap": {"da": "Kompetencegab", "en": "Skill gap"},
    "effect": {
        "da": "Anslået effekt (procentpoint) med usikkerhed; et niveau (90 %) står kun, hvor dækningen er målt",
        "en": "Estimated effect (percentage points) with its uncertainty; a level (90%) only where coverage was measured",
    },
    "employers_for": {"da": "Konkrete virksomheder", "en": "Concrete employers"},
    "estimated": {"da": "anslået effekt", "en": "estimated effect"},
    "programme_evidence": {"da": "Indsatsernes evidens", "en": "Evidence behind the programme estimates"},
    "programme_evidence_caption": {
        "da": "E-værdi: hvor stærkt en skjult faktor skulle hænge sammen med både indsats og job for at "
        "forklare effekten væk; dækning: andel sande effekter i intervallet, målt uden for stikprøven.",
        "en": "E-value: how strongly a hidden factor would have to be tied to both the programme and work to "
        "explain the effect away; coverage: share of true effects inside the interval, measured out of sample.",
    },
    "uncertainty": {"da": "usikkerhed", "en": "uncertainty"},
    "best": {"da": "bedst", "en": "best"},
    "tied_legend": {"da": "lige så god som den bedste", "en": "as good as the best"},
    "tied_with_best": {
        "da": "mindst 5 % sandsynlighed for at være mindst lige så god som den bedste",
        "en": "at least a 5% chance of being at least as good as the best",
    },
    "not_estimated": {"da": "Ikke estimeret", "en": "Not estimated"},
    "override_choice": {"da": "Dit valg i stedet", "en": "Your choice instead"},
    "note": {"da": "Note", "en": "Note"},
    "add_note": {"da": "Gem note", "en": "Save note"},
    "history": {"da": "Historik", "en": "History"},
    "export": {
        "da": "Forbered udtræk af forklaring (borgerens ret til en forklaring)",
        "en": "Prepare the explanation export (the citizen's right to an explanation)",
    },
    "download": {"da": "Hent forklaring (JSON)", "en": "Download explanation (JSON)"},
    "text": {"da": "Fritekst", "en": "Text"},
    "my_vacancies": {"da": "Mine stillinger", "en": "My vacancies"},
    "pick_vacancy": {"da": "Vælg en stilling i listen.", "en": "Pick a vacancy in the list."},
    "shortlist": {
        "da": "Kandidater (pseudonymiserede, kun med samtykke)",
        "en": "Candidates (pseudonymised, consenting only)",
    },
    "request_contact": {"da": "Bed jobcentret om kontakt", "en": "Ask the job centre to make contact"},
    "message": {"da": "Besked til jobcentret", "en": "Message to the job centre"},
    "candidate": {"da": "Kandidat", "en": "Candidate"},
    "sent": {"da": "Sendt til jobcentret", "en": "Sent to the job centre"},
    "tab_quality": {"da": "Modelkvalitet", "en": "Model quality"},
    "tab_fairness": {"da": "Fairness", "en": "Fairness"},
    "tab_decisions": {"da": "Beslutninger", "en": "Decisions"},
    "tab_drift": {"da": "Datadrift", "en": "Data drift"},
    "no_report": {"da": "Ingen rapport endnu; kør", "en": "No report yet; run"},
    "per_consultant": {"da": "Pr. konsulent", "en": "Per consultant"},
    "per_group": {"da": "Pr. gruppe (små celler skjult)", "en": "Per group (small cells suppressed)"},
    "stop_switch": {"da": "Forslag slået til", "en": "Suggestions switched on"},
    "apply": {"da": "Gem", "en": "Apply"},
    "verify": {"da": "Kontroller revisionsloggen", "en": "Verify the audit log"},
    "purge": {"da": "Slet udløbne logposter", "en": "Delete expired log records"},
    "audit_ok": {"da": "Kæden er intakt", "en": "The chain is intact"},
    "audit_bad": {"da": "Kæden er brudt", "en": "The chain is broken"},
    "rerank": {"da": "Fairness-omrangering af kandidatlister", "en": "Fairness re-ranking of shortlists"},
    "denied": {"da": "Ingen adgang", "en": "No access"},
    "contact_requests": {"da": "Kontaktanmodninger", "en": "Contact requests"},
}

# Each part of the dashboard keeps its strings in a block of its own (merged into TEXT below), so work on one
# page does not collide with work on another in this file.

# decisions, the stop switch as consultants meet it, the explanation export
DECISIONS_TEXT: dict[str, dict[str, str]] = {}


# suggestion cards (deadline, distance, relevance) and the programmes tab
CARDS_TEXT: dict[str, dict[str, str]] = {}


# the caseload queue and team leads
CASELOAD_TEXT: dict[str, dict[str, str]] = {}


# the employer's vacancies, candidate cards and contact requests
EMPLOYER_TEXT: dict[str, dict[str, str]] = {
    "emp_candidates_for": {"da": "Kandidater til", "en": "Candidates for"},
    "emp_deadline": {"da": "Ansøgningsfrist", "en": "Deadline"},
    "emp_positions": {"da": "Antal stillinger", "en": "Positions"},
    "emp_not_open": {
        "da": "Stillingen er ikke åben, så der vises ingen kandidater.",
        "en": "The vacancy is not open, so no candidates are shown.",
    },
    "emp_privacy": {
        "da": "Kandidaterne har et nyt pseudonym for hver stilling. Uddannelse, erfaring, timer og afstand vises "
        "i intervaller, og en kombination vises kun, når mindst {k} kandidater på tværs af dine kandidatlister "
        "deler den.",
        "en": "Candidates have a new pseudonym for each vacancy. Education, experience, hours and distance are "
        "shown in bands, and a combination is shown only where at least {k} candidates across your shortlists "
        "share it.",
    },
    "emp_coarsened": {
        "da": "Vist groft (eller delvist skjult) for at beskytte kandidatens anonymitet.",
        "en": "Shown coarsely (or partly hidden) to protect the candidate's anonymity.",
    },
    "emp_suppressed": {
        "da": "Uddannelse, erfaring, timer og afstand er skjult: for få kandidater deler dem.",
        "en": "Education, experience, hours and distance are hidden: too few candidates share them.",
    },
    "emp_coverage": {"da": "Har {m} af {n} nødvendige kompetencer", "en": "Has {m} of {n} essential skills"},
    "emp_weights": {"da": "Vægtning", "en": "Weighting"},
    "emp_request": {"da": "Anmodning", "en": "Request"},
    "emp_save": {"da": "Gem", "en": "Save"},
    "emp_unsave": {"da": "Fjern fra gemte", "en": "Unsave"},
    "emp_hide": {"da": "Skjul", "en": "Hide"},
    "emp_saved_done": {
        "da": "Kandidaten er gemt øverst på listen.",
        "en": "The candidate is saved at the top.",
    },
    "emp_unsaved_done": {
        "da": "Kandidaten er fjernet fra de gemte.",
        "en": "The candidate is no longer saved.",
    },
    "emp_hidden_done": {
        "da": "Kandidaten er skjult og vises ikke igen for denne stilling.",
        "en": "The candidate is hidden and not shown again for this vacancy.",
    },
    "emp_show_hidden": {"da": "Vis skjulte kandidater igen", "en": "Show hidden candidates again"},
    "emp_no_requests": {"da": "Ingen kontaktanmodninger endnu.", "en": "No contact requests yet."},
    "emp_cr_from": {"da": "fra", "en": "from"},
    "emp_cr_note": {"da": "Hvad blev svaret (kort)", "en": "What was answered (briefly)"},
    "emp_cr_answer": {"da": "Marker som besvaret", "en": "Mark as answered"},
}


# the analyst's and the administrator's pages
ANALYST_ADMIN_TEXT: dict[str, dict[str, str]] = {}


# login throttling, idle timeout, friendly errors
SECURITY_TEXT: dict[str, dict[str, str]] = {}


def _merged(*parts: dict[str, dict[str, str]]) -> None:
    for part in parts:
        clash = set(part) & set(TEXT)
        if clash:
            raise KeyError(f"interface text keys defined twice: {sorted(clash)}")
        TEXT.update(part)


_merged(DECISIONS_TEXT, CARDS_TEXT, CASELOAD_TEXT, EMPLOYER_TEXT, ANALYST_ADMIN_TEXT, SECURITY_TEXT)


def t(key: str, lang: str = "da") -> str:
    entry = TEXT[key]
    return entry.get(lang) or entry["da"]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^])")


def md(text: object) -> str:
    """Data-derived text made inert for Streamlit Markdown (every syntax character backslash-escaped)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
