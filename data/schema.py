"""The store's schema, created and evolved by numbered migrations (never ad-hoc ALTERs).

Tables prefixed ``gt_`` hold the synthetic world's ground truth; only ``evaluation/`` reads them.
``seeker_protected`` holds protected attributes; only fairness audits read it.
"""

from __future__ import annotations

from typing import NamedTuple


class Migration(NamedTuple):
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core data model, taxonomy, ground truth and audit tables",
        """
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

        CREATE TABLE taxonomy_occupations (
            taxonomy VARCHAR NOT NULL, occupation_id VARCHAR NOT NULL, label_da VARCHAR, label_en VARCHAR,
            synonyms VARCHAR[], isco_code VARCHAR, sector VARCHAR, isced_min TINYINT,
            PRIMARY KEY (taxonomy, occupation_id));
        CREATE TABLE taxonomy_skills (
            taxonomy VARCHAR NOT NULL, skill_id VARCHAR NOT NULL, label_da VARCHAR, label_en VARCHAR,
            synonyms VARCHAR[], skill_type VARCHAR, PRIMARY KEY (taxonomy, skill_id));
        CREATE TABLE taxonomy_occupation_skills (
            taxonomy VARCHAR NOT NULL, occupation_id VARCHAR NOT NULL, skill_id VARCHAR NOT NULL,
            relation VARCHAR NOT NULL CHECK (relation IN ('essential', 'optional')));

        CREATE TABLE postcodes (
            postcode INTEGER PRIMARY KEY, city VARCHAR NOT NULL, municipality VARCHAR NOT NULL,
            lat DOUBLE NOT NULL, lon DOUBLE NOT NULL);
        CREATE TABLE jobcenters (
            jobcenter_id VARCHAR PRIMARY KEY, municipality VARCHAR NOT NULL, name VARCHAR NOT NULL);

        CREATE TABLE seekers (
            seeker_id VARCHAR PRIMARY KEY, jobcenter_id VARCHAR NOT NULL, postcode INTEGER NOT NULL,
            lat DOUBLE NOT NULL, lon DOUBLE NOT NULL, isced_level TINYINT NOT NULL,
            experience_years DOUBLE NOT NULL, benefit_type VARCHAR NOT NULL, target_group VARCHAR NOT NULL,
            weeks_unemployed INTEGER NOT NULL, desired_occupations VARCHAR[] NOT NULL,
            skills VARCHAR[] NOT NULL, languages VARCHAR[] NOT NULL, driving_licence BOOLEAN NOT NULL,
            max_commute_km DOUBLE NOT NULL, hours_wanted INTEGER NOT NULL, profile_text VARCHAR NOT NULL,
            consent_employer_view BOOLEAN NOT NULL, registered_at DATE NOT NULL);
        CREATE TABLE seeker_protected (
            seeker_id VARCHAR PRIMARY KEY, gender VARCHAR NOT NULL, age INTEGER NOT NULL,
            origin_group VARCHAR NOT NULL, disability BOOLEAN NOT NULL);

        CREATE TABLE employers (
            employer_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, industry VARCHAR NOT NULL,
            municipality VARCHAR NOT NULL, size VARCHAR NOT NULL);
        CREATE TABLE vacancies (
            vacancy_id VARCHAR PRIMARY KEY, employer_id VARCHAR NOT NULL, title VARCHAR NOT NULL,
            occupation_id VARCHAR NOT NULL, description VARCHAR NOT NULL,
            essential_skills VARCHAR[] NOT NULL, optional_skills VARCHAR[] NOT NULL,
            min_isced TINYINT NOT NULL, postcode INTEGER NOT NULL, lat DOUBLE NOT NULL, lon DOUBLE NOT NULL,
            hours INTEGER NOT NULL, posted DATE NOT NULL, deadline DATE NOT NULL, positions INTEGER NOT NULL,
            status VARCHAR NOT NULL);

        CREATE TABLE interactions (
            seeker_id VARCHAR NOT NULL, vacancy_id VARCHAR NOT NULL, event VARCHAR NOT NULL,
            ts TIMESTAMP NOT NULL, source VARCHAR NOT NULL);
        CREATE TABLE interventions (
            episode_id VARCHAR PRIMARY KEY, seeker_id VARCHAR NOT NULL, programme VARCHAR NOT NULL,
            start_date DATE NOT NULL, end_date DATE NOT NULL, employer_id VARCHAR);
        CREATE TABLE outcomes (
            episode_id VARCHAR PRIMARY KEY, seeker_id VARCHAR NOT NULL, employed_13w BOOLEAN NOT NULL,
            employed_26w BOOLEAN NOT NULL, employed_52w BOOLEAN NOT NULL, weeks_to_employment INTEGER);
        CREATE TABLE programme_capacity (
            jobcenter_id VARCHAR NOT NULL, programme VARCHAR NOT NULL, period VARCHAR NOT NULL,
            seats INTEGER NOT NULL, PRIMARY KEY (jobcenter_id, programme, period));

        CREATE TABLE decisions (
            decision_id VARCHAR PRIMARY KEY, ts TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL,
            role VARCHAR NOT NULL, jobcenter_id VARCHAR, seeker_id VARCHAR, vacancy_id VARCHAR,
            programme VARCHAR, action VARCHAR NOT NULL, reason VARCHAR, model_version VARCHAR,
            data_version VARCHAR);

        CREATE TABLE gt_params (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE gt_seeker_latent (seeker_id VARCHAR PRIMARY KEY, taste FLOAT[] NOT NULL,
            occupation_affinity DOUBLE NOT NULL);
        CREATE TABLE gt_vacancy_latent (vacancy_id VARCHAR PRIMARY KEY, taste FLOAT[] NOT NULL,
            attractiveness DOUBLE NOT NULL);
        CREATE TABLE gt_episode_effects (
            episode_id VARCHAR NOT NULL, programme VARCHAR NOT NULL, baseline_p26 DOUBLE NOT NULL,
            effect_p26 DOUBLE NOT NULL, PRIMARY KEY (episode_id, programme));
        """,
    ),
)

MIGRATIONS += (
    Migration(
        2,
        "embedding cache keyed by (model id, text hash)",
        """
        CREATE TABLE embedding_cache (
            model_id VARCHAR NOT NULL, text_hash VARCHAR NOT NULL, vector FLOAT[] NOT NULL,
            PRIMARY KEY (model_id, text_hash));
        """,
    ),
)

MIGRATIONS += (
    Migration(
        3,
        "contact request status (sent, seen, answered) and employers' saved and hidden candidates",
        """
        CREATE TABLE contact_request_status (
            request_id VARCHAR NOT NULL, status VARCHAR NOT NULL CHECK (status IN ('seen', 'answered')),
            ts TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, note VARCHAR, PRIMARY KEY (request_id, status));
        CREATE TABLE employer_marks (
            vacancy_id VARCHAR NOT NULL, seeker_id VARCHAR NOT NULL,
            mark VARCHAR NOT NULL CHECK (mark IN ('saved', 'hidden')), ts TIMESTAMP NOT NULL,
            user_id VARCHAR NOT NULL, PRIMARY KEY (vacancy_id, seeker_id));
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version

# Tables a user may import into or export from, and their key columns.
IMPORTABLE = ("seekers", "vacancies", "employers", "interactions")
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "seekers": ("seeker_id",),
    "seeker_protected": ("seeker_id",),
    "employers": ("employer_id",),
    "vacancies": ("vacancy_id",),
    "jobcenters": ("jobcenter_id",),
    "interventions": ("episode_id",),
    "outcomes": ("episode_id",),
    "postcodes": ("postcode",),
}
WORLD_TABLES = (
    "postcodes",
    "jobcenters",
    "employers",
    "seekers",
    "seeker_protected",
    "vacancies",
    "interactions",
    "interventions",
    "outcomes",
    "programme_capacity",
    "gt_params",
    "gt_seeker_latent",
    "gt_vacancy_latent",
    "gt_episode_effects",
)
