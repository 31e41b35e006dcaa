"""One settings object for the whole product, read from a TOML file and JOBMATCH_* environment variables.

Precedence: explicit arguments > environment variables > settings file > defaults. The settings file is
``$JOBMATCH_CONFIG`` if set, else ``jobmatch.toml`` in the working directory if it exists.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import MissingFileError
from core.releases import live_release, new_release, release_dir

TaxonomyName = Literal["builtin", "esco"]
WorldSizeName = Literal["default", "copenhagen"]
WorldCountName = Literal["seekers", "vacancies", "interactions", "episodes"]

# A world size preset names every count at once. "copenhagen" is a Copenhagen-sized job centre: 60,000
# citizens, 2,000,000 events and 92,500 vacancies over the year of history, of which about 25,000 are open on
# the reference date (the generator keeps about 27.5 % open); episodes scale with the citizens as in "default".
WORLD_SIZES: dict[WorldSizeName, dict[WorldCountName, int]] = {
    "default": {"seekers": 20_000, "vacancies": 6_000, "interactions": 150_000, "episodes": 25_000},
    "copenhagen": {"seekers": 60_000, "vacancies": 92_500, "interactions": 2_000_000, "episodes": 75_000},
}


class Settings(BaseSettings):
    """Where artefacts live, the default world's size and the import guards."""

    model_config = SettingsConfigDict(env_prefix="JOBMATCH_", extra="forbid", validate_assignment=True)

    home: Path = Field(Path("artefacts"), description="Folder for every generated artefact (git-ignored).")
    db_file: str = Field("jobmatch.duckdb", description="DuckDB file name inside each release.")
    release: str = Field(
        "",
        description="Serve this release (a folder name under `home/releases`) instead of the live one; "
        "processes pin the live one when they start (see core/releases.py).",
    )
    seed: int = Field(42, description="Seed of the default synthetic world.")
    seekers: int = Field(WORLD_SIZES["default"]["seekers"], ge=1, description="Seekers in the default world.")
    vacancies: int = Field(
        WORLD_SIZES["default"]["vacancies"], ge=1, description="Vacancies in the default world."
    )
    interactions: int = Field(
        WORLD_SIZES["default"]["interactions"], ge=0, description="Target number of interaction events."
    )
    episodes: int = Field(
        WORLD_SIZES["default"]["episodes"], ge=0, description="Target number of intervention episodes."
    )
    taxonomy: TaxonomyName = Field("builtin", description="Taxonomy the world is generated from.")
    import_max_bytes: int = Field(
        200 * 1024 * 1024, ge=1, description="Largest file `jobmatch import` reads."
    )
    encoder: str = Field(
        "char", description="char | minilm | fusion | a Hugging Face model name or local folder (st:NAME)."
    )
    index_kind: Literal["auto", "flat", "ivf", "hnsw"] = Field("auto", description="FAISS index type.")
    ops_file: str = Field(
        "ops.sqlite",
        description="Embedded operations store (users, audit log, decisions, switches) in `home`, used "
        "when ops_url is empty.",
    )
    ops_url: str = Field(
        "",
        pattern=r"^(|postgres(ql)?://.+)$",
        description="PostgreSQL operations store (postgresql://user@host:port/db) shared by several "
        "dashboard processes; empty: the embedded file ops_file.",
    )
    audit_retention_days: int = Field(
        365,
        ge=183,
        description="Audit records older than this are deleted by `jobmatch audit purge`; "
        "the EU AI Act asks deployers to keep logs at least six months.",
    )
    decision_undo_minutes: int = Field(
        10,
        ge=0,
        le=24 * 60,
        description="How long a consultant may undo their own decision on a suggestion (the undo is itself recorded).",
    )
    serving_slots: int = Field(
        0,
        ge=0,
        le=256,
        description="Workspace calls one process runs at once; more wait for a free slot "
        "(0: twice the CPU count). Past a few, concurrent calls only fight over the CPUs and Python's GIL.",
    )
    caseload_rule: Literal["own", "jobcenter"] = Field(
        "own",
        description="Which citizens a consultant may open: 'own' = the own caseload only (a team lead: the "
        "team's and the job centre's unassigned citizens); 'jobcenter' = any citizen of the own job centre "
        "(the queue still lists the own caseload).",
    )
    queue_idle_weeks: int = Field(
        4,
        ge=1,
        le=52,
        description="The queue raises a citizen with no consultant decision for this many weeks.",
    )
    queue_page_size: int = Field(25, ge=5, le=200, description="Citizens per page of a consultant's queue.")
    shortlist_k_anonymity: int = Field(
        5,
        ge=2,
        description="An employer sees a candidate's banded education, experience, hours and distance only "
        "where at least this many distinct candidates across the employer's shortlists share the shown values.",
    )
    demo_login: bool = Field(
        True, description="Demo accounts (password 'demo') may sign in and are listed; off in production."
    )
    login_max_failures: int = Field(
        5, ge=1, description="Failed sign-ins per user name, and per client, that lock further attempts."
    )
    login_window_minutes: int = Field(
        15, ge=1, description="Window the failures are counted in; a lock lasts until it has passed."
    )
    session_idle_minutes: int = Field(
        30, ge=1, description="A dashboard session idle this long is signed out on its next click."
    )
    client_ip_header: str = Field(
        "",
        description="Header a trusted reverse proxy sets to the client's address (e.g. X-Real-IP), used to "
        "throttle sign-ins per client; empty: the connection's own address.",
    )

    @property
    def release_dir(self) -> Path:
        """The release this process reads: the pinned one, else the live one (the home itself before the
        first release). Read once per process and pinned (:meth:`pinned`), so one process never mixes two."""
        return release_dir(self.home, self.release or live_release(self.home))

    def pinned(self) -> Settings:
        """These settings fixed to the release live now: later publications do not move them."""
        if self.release:
            return self
        return self.model_copy(update={"release": live_release(self.home) or ""})

    def at_home(self, home: Path, **changes: object) -> Settings:
        """These settings pointed at another home (a benchmark's or evaluation's copy): a release pinned for
        this home means nothing there, so the copy follows its own live release."""
        return self.model_copy(update={"home": home, "release": "", **changes})

    def live(self) -> Settings:
        """These settings pinned to the release live now (after a command published a new one)."""
        return self.model_copy(update={"release": ""}).pinned()

    @property
    def db_path(self) -> Path:
        return self.release_dir / self.db_file

    @property
    def ops_path(self) -> Path:
        return self.home / self.ops_file

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def models_dir(self) -> Path:
        return self.release_dir / "models"

    @property
    def indexes_dir(self) -> Path:
        return self.release_dir / "indexes"

    @property
    def bench_dir(self) -> Path:
        return self.home / "bench"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = os.environ.get("JOBMATCH_CONFIG")
        path = Path(config) if config else Path("jobmatch.toml")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config and not path.is_file():
            raise MissingFileError(f"JOBMATCH_CONFIG points to {path}, which does not exist")
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


@contextmanager
def writing_release(settings: Settings, *, what: str, fresh: bool = False) -> Iterator[Settings]:
    """Settings whose world store, indexes and models are those of a new release being written; it goes
    live when the block succeeds (``core.releases.new_release``)."""
    with new_release(settings.home, settings.db_file, what=what, fresh=fresh) as folder:
        yield settings.model_copy(update={"release": folder.name})


def world_counts(
    settings: Settings, size: WorldSizeName | None, explicit: dict[WorldCountName, int | None]
) -> dict[WorldCountName, int]:
    """The counts a world is generated with: explicit counts > the named preset > the settings' counts."""
    base: dict[WorldCountName, int] = (
        dict(WORLD_SIZES[size])
        if size
        else {
            "seekers": settings.seekers,
            "vacancies": settings.vacancies,
            "interactions": settings.interactions,
            "episodes": settings.episodes,
        }
    )
    chosen = {name: value for name, value in explicit.items() if value is not None}
    return {**base, **chosen}


def load_settings(**overrides: object) -> Settings:
    """Settings from file and environment, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
