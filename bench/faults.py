"""Crash-safety harness: SIGKILL `jobmatch` at random points of import, build and training, then check.

For each kill the harness copies a small prepared world, starts the real command in a subprocess, kills
it after a delay drawn from a seeded RNG inside the step's measured duration, and then checks that

- the store opens read-only;
- the world tables are exactly the previous version or exactly the new one (checksums), never a mixture;
- every artefact pointer (``CURRENT``) names a complete version that passes its own checks;
- serving gives the same answers as before the kill, or as a clean run gives afterwards, or refuses a
  stale artefact with the rebuild command: never different answers;
- rerunning the command completes and ends in the same state a clean run reaches.

Steps: ``jobmatch import seekers FILE --replace`` on a built world, and ``jobmatch build`` after that import
(its embedding + index phase and its training phase are drawn from separately, using the timeline of a
clean reference run watched on the file system). Half the kills of each step are drawn over the whole
phase, half over the part where the reference run was writing; the latter count from the run's first
write (or, for training, from both indexes being replaced) so they land mid-write however long the
start-up takes on a loaded machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.errors import StoreError
from core.reporting import markdown_table
from core.reporting import write_results as report_files
from core.settings import Settings, load_settings
from data import columns as C
from data.schema import IMPORTABLE
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store

STEPS = ("import", "build: embedding + index", "build: training")
SIDES = ("vacancies", "seekers")
TMP_MARKERS = (".tmp", ".wal", ".CURRENT.")
RERUN_TIMEOUT_S = 600
INTERVENTIONS = "models/interventions/CURRENT"  # the intervention model's live version


@dataclass(frozen=True)
class FaultConfig:
    """World size and the number of kills; kills are spread evenly over the steps."""

    kills: int = 24
    seed: int = 0
    seekers: int = 300
    vacancies: int = 150
    import_rows: int = 3_000


@dataclass
class Kill:
    step: str
    window: str  # "phase" (anywhere in the step's phase) or "writing" (where the reference run wrote)
    trigger: str  # what the delay counts from: start, first write, indexes replaced
    delay_s: float  # after the trigger
    killed_at_s: float = 0.0  # after the start
    landed: str = ""  # before any write | mid-write | between writes | after the last write
    tables: str = ""  # previous | new
    match: str = ""  # previous | new | refused (stale)
    recommend: str = ""
    programmes: str = ""  # the intervention model: loads | refused (run build)
    leftovers: list[str] = field(default_factory=list)
    rerun_s: float = 0.0
    rerun_ok: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class _Timeline:
    seconds: float
    first_write: float
    last_write: float
    marks: dict[str, float]  # when each artefact pointer (or the store's data version) changed


# --- commands and file-system snapshots ---------------------------------------------------------------


def _env(config_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMATCH_")}
    env["JOBMATCH_CONFIG"] = str(config_file)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def _tree(home: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for root, _dirs, files in os.walk(home):
        for name in files:
            p = Path(root) / name
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            out[str(p.relative_to(home))] = (st.st_size, st.st_mtime_ns)
    return out


def _pointers(home: Path) -> dict[str, str]:
    """What names the live artefacts: each CURRENT pointer."""
    out = {}
    for rel in (*(f"indexes/{s}/CURRENT" for s in SIDES), "models/hybrid/CURRENT", INTERVENTIONS):
        try:
            out[rel] = (home / rel).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            out[rel] = ""
    return out


def _leftovers(home: Path) -> list[str]:
    found = []
    for root, dirs, files in os.walk(home):
        for name in [*dirs, *files]:
            if any(m in name for m in TMP_MARKERS):
                found.append(str((Path(root) / name).relative_to(home)))
    return sorted(found)


def _run_watched(cmd: list[str], env: dict[str, str], home: Path) -> _Timeline:
    """Run to completion while polling the home folder: when writes start and end, when pointers move."""
    before_tree, before_ptr = _tree(home), _pointers(home)
    changes: list[float] = []
    marks: dict[str, float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=home.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(proc.stdout.read() if proc.stdout else b""))
    reader.start()
    last_tree = before_tree
    while proc.poll() is None:
        now = time.perf_counter() - start
        tree = _tree(home)
        if tree != last_tree:
            changes.append(now)
            last_tree = tree
        for rel, value in _pointers(home).items():
            if value != before_ptr[rel] and rel not in marks:
                marks[rel] = now
        time.sleep(0.003)
    seconds = time.perf_counter() - start
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"reference run {' '.join(cmd)} failed: {b''.join(output).decode()[-2000:]}")
    if _tree(home) != last_tree:
        changes.append(seconds)
    return _Timeline(seconds, changes[0] if changes else 0.0, changes[-1] if changes else seconds, marks)


# --- the world's observable state ---------------------------------------------------------------------


def table_checksums(store: Store) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every row, per importable table."""
    out = {}
    for name in IMPORTABLE:
        n, digest = store.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{name}" t')[0]
        out[name] = (int(n), int(digest))
    return out


@dataclass(frozen=True)
class Probe:
    seeker_id: str
    vacancy_id: str


def serve(settings: Settings, probe: Probe) -> dict[str, Any]:
    """What a consultant would see now: match both ways and recommend, or the refusal message."""
    from core.errors import ArtefactError
    from matching.retrieval import Matcher
    from recommender.hybrid import load_hybrid
    from recommender.service import RecommendationService, context_with_vectors, model_root

    out: dict[str, Any] = {}
    with Store(settings.db_path, read_only=True) as store:
        out["data_version"] = store.data_version
        try:
            matcher = Matcher.open(settings, store)
            v = matcher.vacancies_for_seeker(probe.seeker_id, 10)
            s = matcher.seekers_for_vacancy(probe.vacancy_id, 10)
            out["match"] = [
                *zip(
                    v[C.VACANCY_ID].to_list(), np.round(v["similarity"].to_numpy(), 5).tolist(), strict=True
                ),
                *zip(s[C.SEEKER_ID].to_list(), np.round(s["similarity"].to_numpy(), 5).tolist(), strict=True),
            ]
        except ArtefactError as exc:
            out["match"] = f"refused: {exc}"
        try:  # the same steps as RecommendationService.open, reusing the matcher loaded above
            matcher = Matcher.open(settings, store) if isinstance(out["match"], str) else matcher
            model, meta = load_hybrid(model_root(settings), data_version=store.data_version)
            service = RecommendationService(matcher, context_with_vectors(store, matcher), model, meta)
            r = service.for_seeker(probe.seeker_id, 10)
            out["recommend"] = list(
                zip(r[C.VACANCY_ID].to_list(), np.round(r["reciprocal"].to_numpy(), 6).tolist(), strict=True)
            )
        except ArtefactError as exc:
            out["recommend"] = f"refused: {exc}"
    return out


def verify_artefacts(settings: Settings) -> list[str]:
    """Every live pointer names a complete version that passes its own checks (whatever its data version)."""
    from core.errors import ArtefactError
    from matching.index import VectorIndex
    from recommender.hybrid import load_hybrid
    from recommender.service import model_root

    problems = []
    for side in SIDES:
        try:
            VectorIndex.load(settings.indexes_dir / side)
        except ArtefactError as exc:
            problems.append(f"{side} index unusable: {exc}")
    try:
        load_hybrid(model_root(settings))
    except ArtefactError as exc:
        problems.append(f"model unusable: {exc}")
    return problems


# --- preparing the world ------------------------------------------------------------------------------


def _settings(home: Path) -> Settings:
    return load_settings(home=home, db_file="jobmatch.duckdb", encoder="char", index_kind="auto", seed=0)


def _write_config(path: Path) -> Path:
    path.write_text('encoder = "char"\nindex_kind = "auto"\nseed = 0\ndb_file = "jobmatch.duckdb"\n')
    return path


def import_file_rows(store: Store, rows: int) -> pl.DataFrame:
    """A valid seekers file: the world's seekers again under new ids, as many rows as asked for; each
    profile text gets its own last sentence, so the build has every one of them to embed."""
    seekers = store.table("seekers")
    reps = -(-rows // seekers.height)
    frame = pl.concat([seekers] * reps).head(rows)
    frame = frame.with_columns(
        pl.Series(C.SEEKER_ID, [f"IMP{i:07d}" for i in range(rows)]),
        pl.col("profile_text") + pl.Series([f" Henvist i uge {i % 52 + 1}, sag {i}." for i in range(rows)]),
    )
    return frame.with_columns(
        [pl.col(c).list.join("|") for c, t in frame.schema.items() if isinstance(t, pl.List)]
    )


def _prepare(work: Path, config: FaultConfig, say: Callable[[str], None]) -> dict[str, Any]:
    from matching.build import build_indexes
    from recommender.interventions import load_or_fit
    from recommender.service import train_and_save

    base = work / "base"
    base.mkdir(parents=True)
    say("generating the world")
    size = WorldSize(seekers=config.seekers, vacancies=config.vacancies, interactions=config.seekers * 7,
                     episodes=config.seekers, seed=config.seed + 7)  # fmt: skip
    settings = _settings(base)
    generate_store(settings.db_path, size, show_progress=False)
    say("building indexes and the model")
    build_indexes(settings)
    train_and_save(settings, seed=0)
    with Store(settings.db_path) as store:
        load_or_fit(settings.models_dir, store)  # `jobmatch build` fits the intervention model too
        import_path = work / "import_seekers.csv"
        import_file_rows(store, config.import_rows).write_csv(import_path)
        d0, c0 = store.data_version, table_checksums(store)
    probe = _probe(settings)
    return {"base": base, "import_path": import_path, "d0": d0, "c0": c0, "probe": probe}


def _probe(settings: Settings) -> Probe:
    from matching.retrieval import Matcher

    with Store(settings.db_path) as store:
        matcher = Matcher.open(settings, store)
        for sid in store.table("seekers").sort(C.SEEKER_ID)[C.SEEKER_ID].to_list():
            found = matcher.vacancies_for_seeker(sid, 10)
            if found.height >= 3:
                return Probe(sid, found[C.VACANCY_ID][0])
    raise RuntimeError("no seeker in the fault world has three matches; use a larger world")


# --- one kill -----------------------------------------------------------------------------------------


def _kill_after(cmd: list[str], env: dict[str, str], home: Path, trigger: str, delay: float
                ) -> tuple[bool, float]:  # fmt: skip
    """Start ``cmd``; ``delay`` seconds after ``trigger`` SIGKILL it. (killed, seconds since start)

    Triggers: "start" (the process starts), "first write" (anything under ``home`` changes), "indexes
    replaced" (both index pointers moved). Timing from an event rather than from the start keeps the kill
    inside short write phases however slow the start-up is on a loaded machine.
    """
    tree, pointers = _tree(home), _pointers(home)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=home.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    armed = started if trigger == "start" else None
    while proc.poll() is None:
        now = time.perf_counter()
        if armed is None and (
            (trigger == "first write" and _tree(home) != tree)
            or (trigger == "indexes replaced" and all(
                _pointers(home)[f"indexes/{s}/CURRENT"] != pointers[f"indexes/{s}/CURRENT"] for s in SIDES))
        ):  # fmt: skip
            armed = now
        if armed is not None and now - armed >= delay:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True, now - started
        time.sleep(0.002)
    return False, time.perf_counter() - started


def _classify(step: str, kill: Kill, served: dict[str, Any], expect: dict[str, Any]) -> None:
    """Name what serving gave and flag anything that is neither the previous nor the new answer."""
    for key in ("match", "recommend"):
        got = served.get(key)
        if isinstance(got, str):
            label = "refused (stale)"
            if "jobmatch build" not in got:
                kill.problems.append(f"{key} refused without the rebuild command: {got}")
        elif got == expect["previous"][key]:
            label = "previous"
        elif got == expect["new"][key]:
            label = "new"
        else:
            label = "DIFFERENT"
            kill.problems.append(f"{key} served answers that are neither the previous nor the new ones")
        setattr(kill, key, label)
    previous_servable = not isinstance(expect["previous"]["match"], str)
    if step == "import" and kill.tables == "previous" and previous_servable and kill.match != "previous":
        kill.problems.append("the previous consistent version was not served after an uncommitted import")


def _check_kill(kill: Kill, home: Path, source: dict[str, Any], expect: dict[str, Any], probe: Probe) -> None:
    settings = _settings(home)
    kill.leftovers = [p for p in _leftovers(home) if p not in source["leftovers"]]
    try:
        with Store(settings.db_path, read_only=True) as store:
            sums, version, cache = table_checksums(store), store.data_version, store.count("embedding_cache")
    except StoreError as exc:
        kill.problems.append(f"store does not open: {exc}")
        return
    if sums == source["checksums"] and version == source["version"]:
        kill.tables = "previous"
    elif sums == expect["checksums"] and version != source["version"] and kill.step == "import":
        kill.tables = "new"
    else:
        kill.tables = "MIXED"
        kill.problems.append(f"world tables are neither the previous nor the new version (data {version})")
    kill.problems += verify_artefacts(settings)
    try:
        served = serve(settings, probe)
    except Exception as exc:  # anything but a clean refusal is a finding
        kill.problems.append(f"serving failed: {type(exc).__name__}: {exc}")
        served = {}
    _classify(kill.step, kill, served, expect)
    pointers = _pointers(home)
    if kill.step == "import":
        done, total = int(version != source["version"]), 1
    else:
        moved = [pointers[k] != source["pointers"][k] for k in pointers]
        done, total = sum(moved) + int(cache != source["cache"]), len(moved) + 1
    # A write-ahead log left after the last commit is not a write in flight: "after the last write".
    if done == total:
        kill.landed = "after the last write"
    elif kill.leftovers:
        kill.landed = "mid-write"
    else:
        kill.landed = "between writes" if done else "before any write"
    kill.programmes = _programmes(settings, version, kill.problems)


def _programmes(settings: Settings, data_version: str, problems: list[str]) -> str:
    """The intervention model (fitted by `jobmatch build` too): it loads, or it is refused with the build hint (no query refits it)."""
    from core.errors import ArtefactError
    from recommender.interventions import InterventionModel

    try:
        InterventionModel.load(settings.models_dir, data_version=data_version)
        return "loads"
    except ArtefactError:
        return "refused (run build)"
    except Exception as exc:  # a crash instead of a refusal is a finding
        problems.append(f"intervention model: {type(exc).__name__}: {exc}")
        return "CRASH"


def _rerun(kill: Kill, cmd: list[str], env: dict[str, str], home: Path, expect: dict[str, Any],
           probe: Probe) -> None:  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=home.parent, capture_output=True, text=True,
                          timeout=RERUN_TIMEOUT_S, check=False)  # fmt: skip
    kill.rerun_s = round(time.perf_counter() - started, 2)
    if done.returncode != 0:
        kill.problems.append(f"rerun failed ({done.returncode}): {(done.stdout + done.stderr)[-500:]}")
        return
    settings = _settings(home)
    with Store(settings.db_path, read_only=True) as store:
        if table_checksums(store) != expect["checksums"]:
            kill.problems.append("after the rerun the world tables differ from a clean run's")
    served = serve(settings, probe)
    for key in ("match", "recommend"):
        want = expect["new"][key]
        if isinstance(want, str) != isinstance(served[key], str) or (
            not isinstance(want, str) and served[key] != want
        ):
            kill.problems.append(f"after the rerun {key} differs from a clean run's")
    if expect.get("programmes") == "loads":
        with Store(settings.db_path, read_only=True) as store:
            if _programmes(settings, store.data_version, kill.problems) != "loads":
                kill.problems.append("after the rerun the intervention model does not load")
    kill.rerun_ok = not any(p.startswith("after the rerun") for p in kill.problems)


# --- the whole run ------------------------------------------------------------------------------------


def _source_state(home: Path) -> dict[str, Any]:
    with Store(_settings(home).db_path, read_only=True) as store:
        sums, version, cache = table_checksums(store), store.data_version, store.count("embedding_cache")
    return {"checksums": sums, "version": version, "cache": cache, "pointers": _pointers(home),
            "leftovers": _leftovers(home)}  # fmt: skip


def _windows(step: str, t: _Timeline) -> dict[str, tuple[str, float, float]]:
    """Per step: (trigger, earliest, latest delay after it) for the whole phase and for its writes."""
    indexed = max(t.marks.get(f"indexes/{s}/CURRENT", t.seconds) for s in SIDES)
    if step == "import":
        return {
            "phase": ("start", 0.0, t.seconds),
            "writing": ("first write", 0.0, t.last_write - t.first_write),
        }
    if step == "build: embedding + index":
        return {"phase": ("start", 0.0, indexed), "writing": ("first write", 0.0, indexed - t.first_write)}
    trained = t.marks.get("models/hybrid/CURRENT", t.seconds)
    return {"phase": ("indexes replaced", 0.0, t.seconds - indexed),
            "writing": ("indexes replaced", 0.0, trained - indexed + 0.02)}  # fmt: skip


def run_faults(work: Path, config: FaultConfig | None = None,
               progress: Callable[[str], None] | None = None) -> dict[str, Any]:  # fmt: skip
    """Run the harness in ``work`` (a fresh folder); returns per-kill records, a summary and Markdown."""
    cfg = config or FaultConfig()
    say = progress or (lambda _m: None)
    work.mkdir(parents=True, exist_ok=True)
    env = _env(_write_config(work / "jobmatch.toml"))
    prep = _prepare(work, cfg, say)
    probe: Probe = prep["probe"]
    import_cmd = _command("--home", "{home}", "import", "seekers", str(prep["import_path"]), "--replace")
    build_cmd = _command("--home", "{home}", "build")

    def cmd_for(template: list[str], home: Path) -> list[str]:
        return [str(home) if a == "{home}" else a for a in template]

    # Reference runs: the clean import and the clean build after it, watched to time their phases.
    say("reference import")
    imported = work / "imported"
    shutil.copytree(prep["base"], imported)
    t_import = _run_watched(cmd_for(import_cmd, imported), env, imported)
    say("reference build")
    built = work / "built"
    shutil.copytree(imported, built)
    t_build = _run_watched(cmd_for(build_cmd, built), env, built)
    served_base = serve(_settings(prep["base"]), probe)
    served_imported = serve(_settings(imported), probe)
    served_built = serve(_settings(built), probe)
    if isinstance(served_base["match"], str) or isinstance(served_built["recommend"], str):
        raise RuntimeError(f"the reference world does not serve: {served_base} / {served_built}")
    with Store(_settings(built).db_path, read_only=True) as store:
        new_sums = table_checksums(store)
        programmes = _programmes(_settings(built), store.data_version, [])
    expect: dict[str, dict[str, Any]] = {
        "import": {"previous": served_base, "new": served_imported, "checksums": new_sums},
        "build": {"previous": served_imported, "new": served_built, "checksums": new_sums,
                  "programmes": programmes},
    }  # fmt: skip
    sources = {"import": (prep["base"], import_cmd, t_import), "build": (imported, build_cmd, t_build)}
    states = {key: _source_state(home) for key, (home, _c, _t) in sources.items()}

    rng = np.random.default_rng(cfg.seed)
    kills: list[Kill] = []
    finished_first = 0
    for i in range(cfg.kills):
        step = STEPS[i % len(STEPS)]
        key = "import" if step == "import" else "build"
        source, template, timeline = sources[key]
        window = "phase" if (i // len(STEPS)) % 2 == 0 else "writing"
        trigger, lo, hi = _windows(step, timeline)[window]
        hi = max(hi, lo + 0.02)
        home = work / f"kill-{i:03d}"
        for _attempt in range(8):
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(source, home)
            delay = float(rng.uniform(lo, hi))
            say(f"kill {i + 1}/{cfg.kills}: {step}, {delay:.2f} s after {trigger}")
            killed, at = _kill_after(cmd_for(template, home), env, home, trigger, delay)
            if killed:
                break
            # The run beat the clock (a quieter machine than during the reference run): shrink the
            # window to this run's pace and draw again.
            finished_first += 1
            hi = lo + (hi - lo) * min(0.7, at / timeline.seconds)
        else:
            raise RuntimeError(f"{step}: the command kept finishing before the kill; the timeline is off")
        kill = Kill(step, window, trigger, round(delay, 3), round(at, 3))
        _check_kill(kill, home, states[key], expect[key], probe)
        _rerun(kill, cmd_for(template, home), env, home, expect[key], probe)
        kills.append(kill)
        shutil.rmtree(home, ignore_errors=True)
    result = _summarise(cfg, kills, finished_first, {"import": t_import, "build": t_build})
    result["probe"] = asdict(probe)
    return result


def _summarise(cfg: FaultConfig, kills: list[Kill], finished_first: int,
               timelines: dict[str, _Timeline]) -> dict[str, Any]:  # fmt: skip
    from core.machine import machine_info

    rows: list[dict[str, Any]] = []
    for step in STEPS:
        mine = [k for k in kills if k.step == step]
        landed = Counter(k.landed for k in mine)
        rows.append({
            "step": step, "kills": len(mine),
            "before any write": landed["before any write"], "mid-write": landed["mid-write"],
            "between writes": landed["between writes"], "after the last write": landed["after the last write"],
            "store opened": sum(not any(p.startswith("store") for p in k.problems) for k in mine),
            "tables previous": sum(k.tables == "previous" for k in mine),
            "tables new": sum(k.tables == "new" for k in mine),
            "served previous": sum(k.match == "previous" for k in mine),
            "served new": sum(k.match == "new" for k in mine),
            "refused (stale)": sum(k.match == "refused (stale)" for k in mine),
            "left temp files / WAL": sum(bool(k.leftovers) for k in mine),
            "wrong answers": sum("DIFFERENT" in (k.match, k.recommend) or k.tables == "MIXED" for k in mine),
            "rerun completed": sum(k.rerun_ok for k in mine),
            "problems": sum(len(k.problems) for k in mine),
        })  # fmt: skip
    total = {"step": "total", **{k: sum(r[k] for r in rows) for k in rows[0] if k != "step"}}
    result = {
        "config": asdict(cfg),
        "machine": machine_info(),
        "timelines": {k: asdict(t) for k, t in timelines.items()},
        "runs_that_finished_before_the_kill": finished_first,
        "summary": [*rows, total],
        "kills": [asdict(k) for k in kills],
        "ok": total["problems"] == 0 and total["rerun completed"] == total["kills"],
    }
    result["markdown"] = to_markdown(result)
    return result


def to_markdown(result: dict[str, Any]) -> str:
    cfg, rows = result["config"], result["summary"]
    cols = [c for c in rows[0] if c != "step"]
    lines = [
        "# Crash safety: SIGKILL during import, build and training",
        "",
        f"{cfg['kills']} kills (seed {cfg['seed']}) on a world of {cfg['seekers']} seekers and "
        f"{cfg['vacancies']} vacancies; the import step loads {cfg['import_rows']:,} seekers "
        "(`jobmatch import seekers FILE --replace`), the build steps are `jobmatch build` after that import.",
        "Each kill is followed by: open the store read-only, compare the world tables with the previous "
        "and the new version, load every live artefact, serve match + recommend for a probe citizen, "
        "rerun the command and compare with a clean run.",
        "",
        markdown_table(
            [
                (f"**{r['step']}**" if r["step"] == "total" else r["step"], *(r[c] for c in cols))
                for r in rows
            ],
            ["step", *cols],
            right=cols,
        ),
    ]
    tl = result["timelines"]
    lines += [
        "",
        "*landed*: before any write (nothing changed), mid-write (a write was in flight: temporary files "
        "or an uncommitted write-ahead log left behind), between writes (some of the embedding cache, the "
        "two indexes, the hybrid model and the intervention model replaced, others not yet), after the "
        "last write (everything committed; a write-ahead log may still wait for its checkpoint). "
        "*left temp files / WAL*: kills after which such files were found (the next writer replays or "
        "removes them). *served*: the match answers after the kill were the previous version's, the new "
        "version's, or refused because an artefact was stale (the message names `jobmatch build`). "
        "*wrong answers*: anything else, or world tables that are neither version. *programmes* (per kill "
        "below): the intervention model `jobmatch build` also fits loads, or is refused with the build hint (no query refits it).",
        "",
        f"Reference runs: import {tl['import']['seconds']:.2f} s (writing {tl['import']['first_write']:.2f}-"
        f"{tl['import']['last_write']:.2f} s), build {tl['build']['seconds']:.2f} s. Runs that finished before "
        f"their kill (redrawn): {result['runs_that_finished_before_the_kill']}. "
        f"Machine load average {result['machine']['loadavg'][0]:.2f}.",
        "",
        f"Verdict: {'no problems' if result['ok'] else 'PROBLEMS FOUND'}.",
    ]
    kill_rows = [
        (n, k["step"], f"{k['killed_at_s']:.2f}", f"{k['trigger']} + {k['delay_s']:.2f}", k["landed"], k["tables"],
         k["match"], k["recommend"], k["programmes"], f"{k['rerun_s']:.1f}")
        for n, k in enumerate(result["kills"], start=1)
    ]  # fmt: skip
    kill_columns = ("#", "step", "killed at s", "trigger + delay s", "landed", "tables", "match", "recommend",
                    "programmes", "rerun s")  # fmt: skip
    lines += [
        "",
        "## Each kill",
        "",
        markdown_table(kill_rows, kill_columns, right=("#", "killed at s", "rerun s")),
    ]
    problems = [(k["step"], p) for k in result["kills"] for p in k["problems"]]
    if problems:
        lines += ["", "## Problems", ""] + [f"- {s}: {p}" for s, p in problems]
    return "\n".join(lines) + "\n"


def write_results(result: dict[str, Any], target: Path) -> dict[str, Path]:
    """``target`` (the JSON, without the Markdown it carries) and the Markdown beside it."""
    data = {k: v for k, v in result.items() if k != "markdown"}
    return report_files(data, target.parent, target.stem, md=result["markdown"])
