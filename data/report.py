"""A short data report (counts and distributions) so a person can sanity-check a world or an import."""

from __future__ import annotations

import polars as pl

from core.reporting import markdown_table
from data import columns as C
from data.protected import protected_groups
from data.store import Store
from data.vocabulary_da import LABELS_DA

Section = tuple[str, pl.DataFrame]

# Column headers as a Danish reader knows them; values of the enumerations get their Danish labels.
HEADERS_DA = {
    "table": "tabel", "rows": "rækker", "key": "nøgle", "value": "værdi", "n": "antal", "pct": "pct",
    "benefit_type": "ydelse", "target_group": "målgruppe", "mean_weeks": "gns. uger", "isced_level": "ISCED",
    "mean_skills": "gns. kompetencer", "mean_desired": "gns. ønskede job", "mean_experience": "gns. erfaring (år)",
    "median_weeks_unemployed": "median uger ledig", "mean_commute_km": "gns. pendling km",
    "pct_consent": "pct. samtykke", "pct_licence": "pct. kørekort", "status": "status", "industry": "branche",
    "occupation": "stilling", "mean_essential": "gns. nødvendige", "mean_optional": "gns. ønskede",
    "pct_part_time": "pct. deltid", "first_posted": "første opslag", "last_posted": "seneste opslag",
    "positions": "stillinger", "event": "hændelse", "seekers": "borgere", "programme": "indsats",
    "pct_employed_26w": "pct. i job efter 26 uger", "origin_group": "oprindelse", "applications": "ansøgninger",
    "pct_interviewed": "pct. til samtale", "jobcenter_id": "jobcenter",
}  # fmt: skip


def _sql_list(words: tuple[str, ...]) -> str:
    """A constant tuple of plain words as a SQL list literal, ``['a','b']`` (the words are ours, not input)."""
    return "[" + ",".join(f"'{w}'" for w in words) + "]"


def _sql_tuple(words: tuple[str, ...]) -> str:
    """The same words as a SQL ``IN`` operand, ``('a','b')``."""
    return "(" + ",".join(f"'{w}'" for w in words) + ")"


def _share(sql: str, store: Store) -> pl.DataFrame:
    frame = store.query(sql)
    total = frame["n"].sum()
    return frame.with_columns((pl.col("n") / max(total, 1) * 100).round(1).alias("pct"))


def data_report(store: Store) -> list[Section]:
    """Sections of (title, table); pure reads, fast on the default world."""
    counts = pl.DataFrame(
        {
            "table": (
                tables := [
                    t
                    for t in (
                        "jobcenters",
                        "employers",
                        "seekers",
                        "vacancies",
                        "interactions",
                        "interventions",
                        "outcomes",
                        "taxonomy_occupations",
                        "taxonomy_skills",
                    )
                    if t in store.tables()
                ]
            ),
            "rows": [store.count(t) for t in tables],
        }
    )
    sections: list[Section] = [
        ("Rows per table", counts),
        (
            "Meta",
            store.query("SELECT key, value FROM meta WHERE key NOT LIKE 'taxonomy_version%' ORDER BY key"),
        ),
        (
            "Seekers per job centre",
            _share("SELECT jobcenter_id, count(*) n FROM seekers GROUP BY 1 ORDER BY 1", store),
        ),
        (
            "Seekers by benefit type and target group",
            store.query(
                "SELECT benefit_type, target_group, count(*) n, round(avg(weeks_unemployed), 1) mean_weeks "
                "FROM seekers GROUP BY ALL ORDER BY n DESC"
            ),
        ),
        (
            "Seekers by education (ISCED)",
            _share("SELECT isced_level, count(*) n FROM seekers GROUP BY 1 ORDER BY 1", store),
        ),
        (
            "Seeker profile summary",
            store.query(
                "SELECT round(avg(len(skills)), 1) mean_skills, round(avg(len(desired_occupations)), 2) "
                "mean_desired, round(avg(experience_years), 1) mean_experience, round(median(weeks_unemployed), 0) "
                "median_weeks_unemployed, round(avg(max_commute_km), 1) mean_commute_km, "
                "round(100 * avg(consent_employer_view::INT), 1) pct_consent, "
                "round(100 * avg(driving_licence::INT), 1) pct_licence FROM seekers"
            ),
        ),
        (
            "Vacancies by status",
            _share("SELECT status, count(*) n FROM vacancies GROUP BY 1 ORDER BY 1", store),
        ),
        (
            "Vacancies by industry",
            _share(
                "SELECT e.industry, count(*) n FROM vacancies v JOIN employers e USING (employer_id) "
                "GROUP BY 1 ORDER BY n DESC",
                store,
            ),
        ),
        (
            "Top 10 occupations in vacancies",
            store.query(
                "SELECT coalesce(o.label_da, o.label_en) occupation, count(*) n FROM vacancies v "
                "JOIN taxonomy_occupations o ON o.occupation_id = v.occupation_id "
                "AND o.taxonomy = (SELECT value FROM meta WHERE key = 'taxonomy') "
                "GROUP BY 1 ORDER BY n DESC LIMIT 10"
            ),
        ),
        (
            "Vacancy terms",
            store.query(
                "SELECT round(avg(len(essential_skills)), 1) mean_essential, round(avg(len(optional_skills)), 1) "
                "mean_optional, round(100 * avg((hours < 37)::INT), 1) pct_part_time, min(posted) first_posted, "
                "max(posted) last_posted, sum(positions) positions FROM vacancies"
            ),
        ),
        (
            "Interaction funnel",
            _share(
                "SELECT event, count(*) n, count(DISTINCT seeker_id) seekers FROM interactions GROUP BY 1 "
                f"ORDER BY array_position({_sql_list(C.EVENTS)}, event)",
                store,
            ),
        ),
        (
            "Interventions by programme (naive, confounded outcomes)",
            store.query(
                "SELECT i.programme, count(*) n, round(100 * avg(o.employed_26w::INT), 1) pct_employed_26w "
                "FROM interventions i JOIN outcomes o USING (episode_id) GROUP BY 1 ORDER BY n DESC"
            ),
        ),
        ("Interview rate of applicants by origin group (historical callbacks)", _callbacks_by_origin(store)),
    ]
    return sections


def _callbacks_by_origin(store: Store) -> pl.DataFrame:
    """Share of applications that got an interview, per origin group (labels from ``protected_groups``)."""
    applications = store.query(
        # the same outcome flags as data.interactions.pair_outcomes
        "WITH a AS (SELECT DISTINCT seeker_id, vacancy_id FROM interactions "
        f"WHERE event IN {_sql_tuple(C.APPLICATION_STEPS)}), "
        "i AS (SELECT DISTINCT seeker_id, vacancy_id FROM interactions "
        f"WHERE event IN {_sql_tuple(C.APPLICATION_STEPS[1:])}) "
        "SELECT seeker_id, (i.seeker_id IS NOT NULL)::INT AS interviewed FROM a "
        "LEFT JOIN i USING (seeker_id, vacancy_id)"
    )
    origin = protected_groups(store).select(C.SEEKER_ID, "origin_group")
    return (
        applications.join(origin, on=C.SEEKER_ID, how="inner")
        .group_by("origin_group")
        .agg(
            pl.len().cast(pl.Int64).alias("applications"),
            # half away from zero, as SQL's round() did before the join moved here
            (100 * pl.col("interviewed").mean())
            .round(1, mode="half_away_from_zero")
            .alias("pct_interviewed"),
        )
        .sort("origin_group")
    )


def in_danish(sections: list[Section]) -> list[Section]:
    """The same sections with Danish headers and Danish labels for programmes, benefits, statuses, events."""
    out = []
    for title, frame in sections:
        labelled = frame.with_columns(
            pl.col(name).replace_strict(labels, default=pl.col(name), return_dtype=pl.String)
            for name, labels in LABELS_DA.items()
            if name in frame.columns
        )
        out.append((title, labelled.rename({c: HEADERS_DA[c] for c in frame.columns if c in HEADERS_DA})))
    return out


def to_markdown(sections: list[Section]) -> str:
    out = ["# Jobmatch data report", ""]
    for title, frame in sections:
        out += [f"## {title}", "", markdown_table(frame.iter_rows(), frame.columns), ""]
    return "\n".join(out)
