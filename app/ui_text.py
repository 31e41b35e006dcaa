"""Interface text in Danish (default) and English, and the one escape every data-derived text passes through.

The dashboard never renders HTML from data (no ``unsafe_allow_html``); Markdown from data is escaped here so
a vacancy title like ``[klik](http://…)`` or ``![x](…)`` shows as text, not as a link or a remote image.
"""

from __future__ import annotations

import re
from typing import Any

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
        "da": "Forløb med et skøn: andel af de historiske forløb, hvor indsatsen har et skøn; i resten gives den "
        "for sjældent til borgere som dem (eller de får næsten altid en indsats) til at kunne sammenlignes, så "
        "den foreslås ikke. E-værdi: hvor stærkt en skjult faktor skulle hænge sammen med både indsats og job for at "
        "forklare effekten væk; dækning: andel sande effekter i intervallet, målt uden for stikprøven på "
        "syntetiske verdener (laveste og højeste af rapportens verdener, og gennemsnittet over mange).",
        "en": "Episodes with an estimate: the share of past episodes for which the programme has an estimate; "
        "in the rest it is too rarely given to citizens like them (or they almost always get one) to compare, "
        "so it is not suggested. E-value: how strongly a hidden factor would have to be tied to both the programme and work to "
        "explain the effect away; coverage: share of true effects inside the interval, measured out of sample "
        "on synthetic worlds (lowest and highest of the report's worlds, and the mean over many).",
    },
    "programme_chances": {
        "da": "Sandsynligheder på kortene vises kun som tal, hvor evalueringen fandt, at de holder (i gennemsnit "
        "over syntetiske verdener sande højst 5 procentpoint sjældnere end angivet, og over mange verdener ikke "
        "sikkert sjældnere): at være den bedste: {best}; at være mindst lige så god som nr. 1: {as_good}. "
        "Andre steder står de uden tal.",
        "en": "Chances on the cards are shown as numbers only where the evaluation found them to hold (on "
        "average over synthetic worlds true at most 5 percentage points less often than stated, and over many "
        "worlds not clearly less often): being the best: {best}; being at least as good as no. 1: {as_good}. "
        "Elsewhere they are not stated.",
    },
    "programme_chances_none": {"da": "aldrig", "en": "never"},
    "uncertainty": {"da": "usikkerhed", "en": "uncertainty"},
    "best": {"da": "bedst", "en": "best"},
    "tied_legend": {"da": "lige så god som den bedste", "en": "as good as the best"},
    "tied_with_best": {
        "da": "mindst 5 % sandsynlighed for at være mindst lige så god som den bedste",
        "en": "at least a 5% chance of being at least as good as the best",
    },
    "not_estimated": {"da": "Ikke estimeret", "en": "Not estimated"},
    "not_estimated_group": {
        "da": "Uden skøn: {n} indsatser (for få sammenlignelige forløb; kan stadig vælges nedenfor)",
        "en": "Without an estimate: {n} programmes (too few comparable episodes; can still be chosen below)",
    },
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
DECISIONS_TEXT: dict[str, dict[str, str]] = {
    "dec_by": {"da": "af", "en": "by"},
    "dec_contact": {"da": "Kontaktet", "en": "Contacted"},
    "dec_contact_help": {
        "da": "Marker, at borgeren eller arbejdsgiveren er kontaktet om forslaget",
        "en": "Mark that the citizen or the employer has been contacted about the suggestion",
    },
    "dec_undo": {"da": "Fortryd", "en": "Undo"},
    "dec_undo_until": {"da": "Kan fortrydes indtil", "en": "Can be undone until"},
    "dec_download_html": {
        "da": "Hent forklaring til borgeren (til udskrift)",
        "en": "Download the citizen's explanation (printable)",
    },
}


# suggestion cards (deadline, distance, relevance) and the programmes tab
CARDS_TEXT: dict[str, dict[str, str]] = {
    "cards_deadline": {"da": "Ansøgningsfrist", "en": "Deadline"},
    "cards_days_left": {"da": "om {n} dage", "en": "in {n} days"},
    "cards_last_day": {"da": "sidste dag i dag", "en": "last day today"},
    "cards_distance": {"da": "{km} i luftlinje", "en": "{km} as the crow flies"},
    "cards_hours": {"da": "{h} timer/uge", "en": "{h} hours/week"},
    "cards_travel_note": {
        "da": "Afstande er i luftlinje fra borgerens bopæl. Der følger ingen vej- eller trafikdata med "
        "systemet, så rejsetid vises ikke.",
        "en": "Distances are as the crow flies from the citizen's home. No road or transit data ships with "
        "the system, so no travel time is shown.",
    },
    "cards_world_date": {
        "da": "Datasættets dato er {d}: frister og åbne stillinger regnes fra den dag.",
        "en": "The data set's date is {d}: deadlines and open vacancies count from that day.",
    },
    "cards_relevance": {"da": "Sandsynlighed for ansøgning", "en": "Chance of an application"},
    "cards_calibrated": {"da": "kalibreret på historik", "en": "calibrated on history"},
    "cards_under": {"da": "under {p}", "en": "below {p}"},
    "cards_relevance_help": {
        "da": "Af tidligere forslag med en tilsvarende score søgte borgeren stillingen inden for {w} uger i "
        "{p} af tilfældene (gennemsnit for alle forslag: {base}). Tallet er kalibreret på historik og afprøvet "
        "på borgere, det ikke blev tilpasset til: gennemsnitlig afvigelse {ece} procentpoint.",
        "en": "Of earlier suggestions with a similar score, the citizen applied within {w} weeks in {p} of "
        "cases (average over all suggestions: {base}). The figure is calibrated on history and checked on "
        "citizens it was not fitted to: average deviation {ece} percentage points.",
    },
    "cards_not_calibrated": {
        "da": "Sandsynligheden er ikke kalibreret for disse data (kør `jobmatch build`); listen er ordnet efter "
        "modellens score.",
        "en": "The chance is not calibrated for this data (run `jobmatch build`); the list is ordered by the "
        "model's score.",
    },
    "cards_shares": {"da": "Andel af scoren", "en": "Share of the score"},
    "cards_open_nearby": {
        "da": "{n} åbne stillinger inden for pendlingsafstand, nærmeste {km}",
        "en": "{n} open vacancies within commuting distance, nearest {km}",
    },
    "cards_none_nearby": {
        "da": "ingen åbne stillinger inden for pendlingsafstand ({n} i alt)",
        "en": "no open vacancies within commuting distance ({n} in all)",
    },
    "cards_coverage": {"da": "har {p} af de nødvendige kompetencer", "en": "has {p} of the required skills"},
    "cards_effect": {"da": "Anslået effekt", "en": "Estimated effect"},
    "cards_effect_on": {
        "da": "på chancen for job inden for 26 uger",
        "en": "on the chance of a job within 26 weeks",
    },
    "cards_uncertainty": {"da": "Usikkerhed", "en": "Uncertainty"},
    "cards_range": {"da": "fra {lo} til {hi}", "en": "from {lo} to {hi}"},
    "cards_interval": {"da": "{level}-interval", "en": "{level} interval"},
    "cards_no_level": {"da": "uden målt dækningsgrad", "en": "no measured coverage"},
    "cards_why": {"da": "Hvorfor", "en": "Why"},
    "cards_where": {"da": "Hvor", "en": "Where"},
    "cards_prob_best": {
        "da": "sandsynlighed for at være den bedste: {p}",
        "en": "chance of being the best: {p}",
    },
    "cards_prob_best_withheld": {
        "da": "sandsynlighed for at være den bedste: vises ikke (evalueringen viste ikke, at sådanne tal holder)",
        "en": "chance of being the best: not shown (the evaluation did not find such figures to hold)",
    },
    "cards_tied_legend": {"da": "Kan ikke skelnes fra den bedste", "en": "Indistinguishable from the best"},
    "cards_tied": {"da": "kan ikke skelnes fra den bedste", "en": "indistinguishable from the best"},
    "cards_against": {"da": "Taler imod", "en": "Counts against"},
    "cards_flat": {
        "da": "skønnet afhænger kun lidt af borgerens forhold",
        "en": "the estimate depends little on the citizen's circumstances",
    },
    "cards_no_employers": {
        "da": "ingen virksomheder med passende åbne stillinger inden for pendlingsafstand lige nu",
        "en": "no employers with fitting open vacancies within commuting distance right now",
    },
    "cards_not_company": {"da": "foregår ikke i en virksomhed", "en": "not based in a company"},
    "cards_full_text": {"da": "Hele forklaringen", "en": "The whole explanation"},
    "cards_effect_axis": {
        "da": "Anslået effekt (procentpoint)",
        "en": "Estimated effect (percentage points)",
    },
}


# the caseload queue and team leads
CASELOAD_TEXT: dict[str, dict[str, str]] = {
    "cl_team_queue": {"da": "Teamets borgere", "en": "The team's citizens"},
    "cl_holder": {"da": "Sagsbehandler", "en": "Caseworker"},
    "cl_unassigned": {"da": "uden sagsbehandler", "en": "no caseworker"},
    "cl_empty": {
        "da": "Ingen borgere her. Borgere tildeles med `jobmatch caseload assign`.",
        "en": "No citizens here. Citizens are assigned with `jobmatch caseload assign`.",
    },
    "cl_prev": {"da": "← Forrige", "en": "← Previous"},
    "cl_next": {"da": "Næste →", "en": "Next →"},
    "cl_page": {
        "da": "Side {page} af {pages} · {total} borgere",
        "en": "Page {page} of {pages} · {total} citizens",
    },
    "cl_order": {
        "da": "Øverst: nye kontaktanmodninger, så opfølgninger der er forfaldne, så borgere uden beslutning i {weeks} uger.",
        "en": "On top: new contact requests, then follow-ups due, then citizens with no decision for {weeks} weeks.",
    },
    "cl_why_request_1": {"da": "1 ny kontaktanmodning", "en": "1 new contact request"},
    "cl_why_requests": {"da": "{n} nye kontaktanmodninger", "en": "{n} new contact requests"},
    "cl_why_due_today": {"da": "opfølgning i dag", "en": "follow-up today"},
    "cl_why_overdue": {"da": "opfølgning forfalden {date}", "en": "follow-up overdue since {date}"},
    "cl_why_idle": {"da": "ingen beslutning i {weeks} uger", "en": "no decision for {weeks} weeks"},
    "cl_why_next": {"da": "opfølgning {date}", "en": "follow-up {date}"},
    "cl_follow_up": {"da": "Opfølgning (dato)", "en": "Follow-up (date)"},
    "cl_follow_up_save": {"da": "Gem opfølgning", "en": "Save follow-up"},
    "cl_follow_up_clear": {"da": "Fjern opfølgning", "en": "Clear follow-up"},
    "cl_follow_up_saved": {"da": "Opfølgning gemt", "en": "Follow-up saved"},
    "cl_follow_up_cleared": {"da": "Opfølgning fjernet", "en": "Follow-up cleared"},
}


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
ANALYST_ADMIN_TEXT: dict[str, dict[str, str]] = {
    "aa_no_report": {
        "da": "Denne installation har endnu ingen egen evaluering eller fairness-analyse: kør `jobmatch report` "
        "(planlagt hver nat). Referencekørslen, der følger med koden, vises ikke her.",
        "en": "This installation has no evaluation or fairness audit of its own yet: run `jobmatch report` "
        "(scheduled nightly). The reference run shipped with the code is not shown here.",
    },
    "aa_provenance": {
        "da": "Beregnet {when} af den planlagte kørsel på denne installations egne data (data {data}, model "
        "{model}); testuger fra {start}: {seekers} borgere, {applications} ansøgninger.",
        "en": "Computed {when} by the scheduled run on this installation's own data (data {data}, model "
        "{model}); test weeks from {start}: {seekers} citizens, {applications} applications.",
    },
    "aa_audit": {"da": "Analyse", "en": "Audit"},
    "aa_grouping": {"da": "Grupper efter", "en": "Group by"},
    "aa_metric": {"da": "Mål", "en": "Measure"},
    "aa_hidden_groups": {
        "da": "{n} grupper med under {min_cell} personer er skjult.",
        "en": "{n} groups with fewer than {min_cell} people are hidden.",
    },
    "aa_psi_axis": {
        "da": "PSI (under 0,1 stabil; over 0,25 tjek modellerne)",
        "en": "PSI (below 0.1 stable; above 0.25 re-check the models)",
    },
    "aa_drift_rest": {
        "da": "{n} øvrige variable har alle PSI højst {psi} (se tabellen).",
        "en": "{n} other features all have PSI at most {psi} (see the table).",
    },
    "aa_per_consultant_where": {
        "da": "Andele pr. konsulent vises kun for administratorer, der fører tilsyn med brugen af forslagene.",
        "en": "Shares per consultant are shown to administrators only, who oversee how suggestions are used.",
    },
    "aa_per_consultant": {"da": "Beslutninger pr. konsulent", "en": "Decisions per consultant"},
    "aa_per_consultant_caption": {
        "da": "Andele skjules for konsulenter med under 10 beslutninger.",
        "en": "Shares are hidden for consultants with fewer than 10 decisions.",
    },
    "aa_nothing_changed": {"da": "Ingen ændringer at gemme.", "en": "Nothing changed to save."},
    "aa_switch_on": {"da": "Forslag er slået til", "en": "Suggestions are on"},
    "aa_switch_off": {"da": "Forslag er slået fra", "en": "Suggestions are off"},
    "aa_changed_by": {"da": "senest ændret af", "en": "last changed by"},
    "aa_audit_log": {"da": "Revisionslog", "en": "Audit log"},
    "aa_records": {"da": "poster", "en": "records"},
    "aa_head": {"da": "hoved", "en": "head"},
    "aa_at_record": {"da": "ved post", "en": "at record"},
    "aa_deleted": {"da": "poster slettet", "en": "records deleted"},
    "aa_retention_days": {"da": "dages opbevaring", "en": "days' retention"},
}


# login throttling, idle timeout, friendly errors
SECURITY_TEXT: dict[str, dict[str, str]] = {
    "security_locked": {
        "da": "For mange mislykkede forsøg på at logge ind. Prøv igen om {minutes} min.",
        "en": "Too many failed sign-in attempts. Try again in {minutes} min.",
    },
    "security_incident": {
        "da": "Der opstod en uventet fejl, så siden kunne ikke vises helt. Prøv igen; sker det igen, så "
        "kontakt support og oplys hændelses-id {incident}.",
        "en": "Something unexpected went wrong, so the page could not be shown in full. Try again; if it "
        "happens again, contact support and quote incident id {incident}.",
    },
    "security_idle": {
        "da": "Du er logget ud, fordi du ikke har brugt Jobmatch i {minutes} minutter. Log ind igen.",
        "en": "You were signed out because Jobmatch was not used for {minutes} minutes. Please sign in again.",
    },
}


# the administrator's view of the release being served (app/ui/admin.py release_notice)
RELEASE_TEXT: dict[str, dict[str, str]] = {
    "rel_serving": {
        "da": "Serverer udgivelse {release} (data {data}).",
        "en": "Serving release {release} (data {data}).",
    },
    "rel_stale": {
        "da": "Modellerne er trænet på data {built}; nye borgere og stillinger siden da vurderes ud fra deres "
        "oplysninger uden genoptræning. Den planlagte `jobmatch build` genoptræner dem.",
        "en": "The models were trained on data {built}; citizens and vacancies added since are scored from "
        "their details without retraining. The scheduled `jobmatch build` retrains them.",
    },
    "rel_never_built": {
        "da": "Udgivelsen har ingen modeller endnu: kør `jobmatch build`.",
        "en": "The release has no models yet: run `jobmatch build`.",
    },
    "rel_switching": {
        "da": "En nyere udgivelse ({live}) indlæses; den nuværende serverer imens.",
        "en": "A newer release ({live}) is loading; the current one serves meanwhile.",
    },
    "rel_failed": {
        "da": "Den nyere udgivelse {release} kunne ikke indlæses ({why}); den nuværende serverer fortsat.",
        "en": "The newer release {release} could not be loaded ({why}); the current one keeps serving.",
    },
}


def _merged(*parts: dict[str, dict[str, str]]) -> None:
    for part in parts:
        clash = set(part) & set(TEXT)
        if clash:
            raise KeyError(f"interface text keys defined twice: {sorted(clash)}")
        TEXT.update(part)


_merged(
    DECISIONS_TEXT, CARDS_TEXT, CASELOAD_TEXT, EMPLOYER_TEXT, ANALYST_ADMIN_TEXT, SECURITY_TEXT, RELEASE_TEXT
)


def t(key: str, lang: str = "da") -> str:
    entry = TEXT[key]
    return entry.get(lang) or entry["da"]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=^])")

# Bidirectional controls (embeddings, overrides, isolates, marks): in data they can reorder what is shown
# ("Trojan source": a title ending in U+202E "fdp.exe" reads as "exe.pdf"). The same set in a pattern polars
# understands (``labels.display_frame``) and one Python's ``re`` does.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
BIDI_PATTERN = r"[\x{202A}-\x{202E}\x{2066}-\x{2069}\x{200E}\x{200F}\x{061C}]"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_RIGHT_TO_LEFT = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
FIRST_STRONG_ISOLATE, POP_ISOLATE = "\u2068", "\u2069"


def strip_bidi(value: Any) -> Any:
    """The one sanitiser for data-derived text leaving the product (pages, exports): bidi controls removed
    from a string, or from every string inside a dict, list or tuple (keys too); anything else as it is."""
    if isinstance(value, str):
        return _BIDI.sub("", value)
    if isinstance(value, dict):
        return {strip_bidi(k): strip_bidi(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(strip_bidi(v) for v in value)
    return value


def md(text: object) -> str:
    """Data-derived text made inert for Streamlit Markdown (every syntax character backslash-escaped, bidi
    controls removed, and right-to-left text isolated so it cannot reorder the words around it)."""
    plain = _BIDI.sub("", str(text))
    if _RIGHT_TO_LEFT.search(plain):
        plain = FIRST_STRONG_ISOLATE + plain + POP_ISOLATE
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain).replace("\n", " ")
