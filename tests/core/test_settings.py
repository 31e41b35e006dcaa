"""Settings: one object, file + environment, unknown keys refused, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings, load_settings, world_counts


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.db_path == Path("artefacts") / "jobmatch.duckdb"
    assert (s.seekers, s.vacancies, s.taxonomy) == (20_000, 6_000, "builtin")


def test_file_then_environment_then_arguments(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobmatch.toml").write_text('home = "from-file"\nseekers = 123\nvacancies = 45\n')
    monkeypatch.setenv("JOBMATCH_SEEKERS", "777")
    s = load_settings(vacancies=9)
    assert (s.home, s.seekers, s.vacancies) == (Path("from-file"), 777, 9)


def test_config_variable_points_to_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "other.toml"
    cfg.write_text("seed = 5\n")
    monkeypatch.setenv("JOBMATCH_CONFIG", str(cfg))
    assert load_settings().seed == 5
    monkeypatch.setenv("JOBMATCH_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(FileNotFoundError, match=r"missing\.toml"):
        load_settings()


def test_unknown_keys_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match="seekerz"):
        Settings(seekerz=1)  # type: ignore[call-arg]
    (tmp_path / "jobmatch.toml").write_text("typo_key = 1\n")
    with pytest.raises(ValidationError, match="typo_key"):
        load_settings()


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError):
        load_settings(seekers=0)
    with pytest.raises(ValidationError):
        load_settings(taxonomy="isco")


def test_round_trip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(home=Path("x"), seed=9, import_max_bytes=1234)
    assert Settings.model_validate_json(s.model_dump_json()) == s


def test_size_preset_names_every_count_and_explicit_counts_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(seekers=123)
    assert world_counts(s, "copenhagen", {}) == {
        "seekers": 60_000, "vacancies": 92_500, "interactions": 2_000_000, "episodes": 75_000,
    }  # fmt: skip
    assert world_counts(s, "copenhagen", {"seekers": 500, "episodes": None}) == {
        "seekers": 500, "vacancies": 92_500, "interactions": 2_000_000, "episodes": 75_000,
    }  # fmt: skip
    # No preset: the settings' counts (file, environment, defaults), as before presets existed.
    assert world_counts(s, None, {"interactions": 0}) == {
        "seekers": 123, "vacancies": 6_000, "interactions": 0, "episodes": 25_000,
    }  # fmt: skip
    assert world_counts(load_settings(), "default", {}) == world_counts(load_settings(), None, {})
