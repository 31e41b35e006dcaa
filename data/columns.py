"""Column and table names used across packages, in one place (frames are tidy polars frames)."""

from typing import Final

# Taxonomy
OCCUPATION_ID: Final = "occupation_id"
SKILL_ID: Final = "skill_id"
LABEL_DA: Final = "label_da"
LABEL_EN: Final = "label_en"
SYNONYMS: Final = "synonyms"
ISCO_CODE: Final = "isco_code"
SECTOR: Final = "sector"
ISCED_MIN: Final = "isced_min"
SKILL_TYPE: Final = "skill_type"
RELATION: Final = "relation"
ESSENTIAL: Final = "essential"
OPTIONAL: Final = "optional"
TAXONOMY: Final = "taxonomy"

# Entities
JOBCENTER_ID: Final = "jobcenter_id"
SEEKER_ID: Final = "seeker_id"
EMPLOYER_ID: Final = "employer_id"
VACANCY_ID: Final = "vacancy_id"
EPISODE_ID: Final = "episode_id"
PROGRAMME: Final = "programme"

# Interaction events, in funnel order.
EVENT: Final = "event"
APPLIED: Final = "applied"
INTERVIEW: Final = "interview"
HIRED: Final = "hired"
REJECTED: Final = "rejected"
EVENTS: Final = ("shown", "viewed", APPLIED, INTERVIEW, HIRED, REJECTED)
EVENT_SOURCES: Final = ("consultant", "self")
# An application's steps: reaching one implies the ones before it, so an interview counts as an
# application even where the import lacks the 'applied' row (data.interactions.pair_outcomes).
APPLICATION_STEPS: Final = (APPLIED, INTERVIEW, HIRED)
# A consultant's accepted suggestion, fed back as a training event (data.interactions.training_events).
ACCEPTED: Final = "accepted"
# A consultant's rejected suggestion, fed back as an explicit negative. Its own name, because 'rejected' in
# the funnel is the employer turning an application down: that citizen did apply.
VETOED: Final = "vetoed"

# Programmes (indsatser); "none" is the comparison arm.
PROGRAMMES: Final = (
    "none",
    "virksomhedspraktik",
    "loentilskud_privat",
    "loentilskud_offentlig",
    "opkvalificering_amu",
    "jobrettet_uddannelse_6u",
    "mentorstoette",
    "ips",
    "jobsamtaler_vejledning",
)
PROGRAMME_LABELS_DA: Final = {
    "none": "Ingen indsats",
    "virksomhedspraktik": "Virksomhedspraktik",
    "loentilskud_privat": "Løntilskud (privat)",
    "loentilskud_offentlig": "Løntilskud (offentlig)",
    "opkvalificering_amu": "Opkvalificering / AMU-kursus",
    "jobrettet_uddannelse_6u": "6 ugers jobrettet uddannelse",
    "mentorstoette": "Mentorstøtte",
    "ips": "IPS (individuelt planlagt job med støtte)",
    "jobsamtaler_vejledning": "Jobsamtaler / vejledning",
}
COMPANY_BASED_PROGRAMMES: Final = ("virksomhedspraktik", "loentilskud_privat", "loentilskud_offentlig")

BENEFIT_TYPES: Final = ("dagpenge", "kontanthjaelp", "uddannelseshjaelp", "sygedagpenge", "selvforsoerger")
TARGET_GROUPS: Final = ("jobparat", "aktivitetsparat")
VACANCY_STATUSES: Final = ("open", "closed", "filled")

# Protected attributes: fairness audits only, never ranking features.
PROTECTED_ATTRIBUTES: Final = ("gender", "age", "origin_group", "disability")
