"""A small world plus hand-made citizens and vacancies whose right matches are known, with built indexes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core.settings import Settings
from data.store import Store
from matching.build import build_indexes

# Odense C and København Ø: 120 km apart, far beyond any commute limit.
ODENSE = {"postcode": 5000, "lat": 55.396, "lon": 10.388}
KBH = {"postcode": 2100, "lat": 55.711, "lon": 12.577}


def _vacancy(vid: str, occupation: str, essential: list[str], where: dict, status: str = "open",
             title: str = "", hours: int = 37, deadline: date = date(2026, 12, 1)) -> dict:  # fmt: skip
    return {"vacancy_id": vid, "employer_id": "E0000001", "title": title or occupation, "occupation_id": occupation,
            "description": f"Vi søger en {title or occupation}.", "essential_skills": essential,
            "optional_skills": [], "min_isced": 2, **where, "hours": hours, "posted": date(2026, 10, 20),
            "deadline": deadline, "positions": 1, "status": status}  # fmt: skip


def _seeker(
    sid: str, desired: list[str], skills: list[str], where: dict, text: str, consent: bool = True
) -> dict:
    return {"seeker_id": sid, "jobcenter_id": "jc-odense" if where is ODENSE else "jc-kbh", **where,
            "isced_level": 3, "experience_years": 6.0, "benefit_type": "dagpenge", "target_group": "jobparat",
            "weeks_unemployed": 10, "desired_occupations": desired, "skills": skills, "languages": ["dansk"],
            "driving_licence": True, "max_commute_km": 15.0, "hours_wanted": 37, "profile_text": text,
            "consent_employer_view": consent, "registered_at": date(2026, 8, 1)}  # fmt: skip


KNOWN_VACANCIES = [
    _vacancy("K-LAGER-OPEN", "dk.o.lagerarbejder", ["dk.s.truckkoersel", "dk.s.lagerstyring"], ODENSE,
             title="Lagerarbejder til travlt lager"),
    _vacancy("K-LAGER-CLOSED", "dk.o.lagerarbejder", ["dk.s.truckkoersel", "dk.s.lagerstyring"], ODENSE,
             status="closed", title="Lagerarbejder til travlt lager"),
    # Status still "open" but the deadline passed before the world's reference date (2026-11-01): not open.
    _vacancy("K-LAGER-EXPIRED", "dk.o.lagerarbejder", ["dk.s.truckkoersel", "dk.s.lagerstyring"], ODENSE,
             title="Lagerarbejder til travlt lager", deadline=date(2026, 10, 31)),
    # The deadline is the reference date itself: applications are still accepted that day.
    _vacancy("K-LAGER-LASTDAY", "dk.o.lagerarbejder", ["dk.s.truckkoersel"], ODENSE,
             title="Lagerhjælp, sidste ansøgningsdag", deadline=date(2026, 11, 1)),
    _vacancy("K-LAGER-KBH", "dk.o.lagerarbejder", ["dk.s.truckkoersel", "dk.s.lagerstyring"], KBH,
             title="Lagerarbejder til travlt lager i København"),
    _vacancy("K-SYGEPLEJE", "dk.o.sygeplejerske", ["dk.s.medicinhaandtering"], KBH, title="Sygeplejerske"),
]  # fmt: skip
KNOWN_SEEKERS = [
    _seeker("K-TRUCK", ["dk.o.lagerarbejder"], ["dk.s.truckkoersel", "dk.s.lagerstyring"], ODENSE,
            "Jeg har kørt truck på lager i seks år og kender lagerstyring."),
    _seeker("K-NURSE", ["dk.o.sygeplejerske"], ["dk.s.medicinhaandtering"], KBH,
            "Jeg er uddannet sygeplejerske og har arbejdet med medicinhåndtering.", consent=False),
]  # fmt: skip


@pytest.fixture(scope="session")
def known_home(world_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("known")
    shutil.copy(world_path, home / "jobmatch.duckdb")
    settings = Settings(home=home, encoder="char")
    with Store(settings.db_path, read_only=False) as store:
        taxonomy = store.load_taxonomy("builtin")
        for row in KNOWN_VACANCIES + KNOWN_SEEKERS:
            for key in ("occupation_id", "essential_skills", "desired_occupations", "skills"):
                values = row.get(key)
                for v in values if isinstance(values, list) else ([values] if values else []):
                    assert v in taxonomy.occupation_ids or v in taxonomy.skill_ids, (
                        f"fixture uses unknown id {v}"
                    )
        with store.transaction():
            store.insert("vacancies", pl.DataFrame(KNOWN_VACANCIES))
            store.insert("seekers", pl.DataFrame(KNOWN_SEEKERS))
            store.bump_data_version()
    build_indexes(settings)
    return settings
