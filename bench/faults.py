"""Crash-safety harness: SIGKILL `jobmatch import` and `jobmatch build` at chosen points, then check.

Since releases (core/releases.py) a writer fills a hidden folder and publishes it with a rename and a pointer
swap, so whatever moment a writer dies at, serving must give exactly the previous release's answers or the
new release's: never a mixture, never a refusal. For each kill the harness copies a small prepared home,
lets a reader process load its live release, starts the real command, kills it a delay after an event of
its run (timed on a clean reference run watched on the file system: bench/faults_watch.py), and checks

- ``CURRENT`` names a complete release, the previous one or a new one, and the home's links name one of them;
- the world tables are exactly that release's version (checksums), the store opens read-only;
- every artefact of the live release loads (indexes, hybrid model, intervention model);
- a freshly started reader serves exactly that release's answers (match both ways, recommend, programmes),
  loaded as the product loads it (models trained on an earlier data version serve);
- the reader that held the previous release all through the kill kept answering, always the same;
- rerunning the command completes, removes the dead writer's leftovers and reaches a clean run's state.

Steps: ``jobmatch import seekers FILE --replace`` on a built home (anywhere in it; and inside its refresh,
while it embeds and upserts the new seekers in the new release), ``jobmatch build`` after that import (its
index phase, its training), and the release switch: kills aimed at the reference run's pointer swap.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.faults_report import STEPS, summarise, to_markdown
from bench.faults_report import write_results as write_results
from bench.faults_watch import LINKS, Layout, Timeline, kill_after, look, watch
from bench.faults_world import (
    Probe,
    prepare,
    serve,
    settings_for,
    table_checksums,
    verify_artefacts,
    write_config,
)
from core.errors import StoreError
from core.releases import POINTER, RELEASES
from data.store import Store
from data.synthetic.generate import WorldSize

__all__ = ["STEPS", "FaultConfig", "Kill", "Probe", "classify", "landing", "run_faults", "serve", "settings_for",
           "to_markdown", "verify_artefacts", "write_results"]  # fmt: skip

SWITCH_AIM_S = 0.01  # release-switch kills land within this of the reference run's pointer swap
RERUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class FaultConfig:
    """World size and the number of kills; kills are spread evenly over the steps."""

    kills: int = 10
    seed: int = 0
    seekers: int = 300
    vacancies: int = 150
    import_rows: int = 3_000


@dataclass
class Kill:
    step: str
    window: str  # which of the step's windows the delay was drawn from
    trigger: str  # the event the delay counts from (bench.faults_watch.EVENTS)
    delay_s: float  # after the trigger
    killed_at_s: float = 0.0  # after the start
    landed: str = ""  # one of LANDINGS
    live: str = ""  # previous | new: the release CURRENT names after the kill
    tables: str = ""  # previous | new | MIXED
    served: str = ""  # previous | new | refused | DIFFERENT (match, recommend and programmes together)
    reader_answers: int = 0  # answers the reader holding the previous release gave during the kill
    leftovers: list[str] = field(default_factory=list)  # the dead writer's temporary files and folders
    orphans: list[str] = field(default_factory=list)  # published folders CURRENT never named
    rerun_s: float = 0.0
    rerun_ok: bool = False
    problems: list[str] = field(default_factory=list)


# --- commands -----------------------------------------------------------------------------------------


def _env(config_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBMATCH_")}
    env["JOBMATCH_CONFIG"] = str(config_file)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def leftovers(home: Path) -> list[str]:
    """A dead writer's temporary files: its release folder, pointer or link being written."""
    root = home / RELEASES
    found = [f"{RELEASES}/{n}" for n in os.listdir(root) if n.startswith((".r", f".{POINTER}."))]
    found += [n for n in os.listdir(home) if n.startswith(tuple(f".{link}." for link in LINKS))]
    return sorted(found)


# --- judging one kill ---------------------------------------------------------------------------------


def landing(source: Layout, after: Layout) -> str:
    """Where the kill landed, from what it left behind."""
    if after.live != source.live:
        return (
            "published"
            if all(link == after.live for link in after.links)
            else "publishing: links not swapped"
        )
    if set(after.published) - set(source.published):
        return "publishing: renamed, pointer not swapped"
    if after.writing:
        return "publishing: before the rename" if after.manifest else "writing"
    return "before the writer started"


def content(answers: dict[str, Any]) -> dict[str, Any]:
    """What a consultant sees, without the release's name and data version (a rerun makes new ones)."""
    return {k: v for k, v in answers.items() if k not in ("release", "data_version")}


def classify(kill: Kill, served: dict[str, Any], expect: dict[str, Any]) -> None:
    """Serving must give exactly the answers of the release that is live: a refusal or anything else is a
    problem."""
    refused = [k for k in ("match", "recommend", "programmes") if isinstance(served.get(k), str)]
    if refused:
        kill.served = "refused"
        kill.problems += [f"{k} refused to a consultant: {served[k]}" for k in refused]
    elif content(served) == content(expect[kill.live]):
        kill.served = kill.live
    else:
        kill.served = "DIFFERENT"
        wrong = [k for k in content(served) if served.get(k) != expect[kill.live].get(k)]
        kill.problems.append(f"{', '.join(wrong)}: not the {kill.live} release's answers")


def _check_release(kill: Kill, home: Path, source: dict[str, Any]) -> None:
    """CURRENT, the links and the leftovers after a kill."""
    before, after = source["layout"], look(home)
    kill.landed = landing(before, after)
    kill.live = "previous" if after.live == before.live else "new"
    kill.leftovers = leftovers(home)
    kill.orphans = sorted(set(after.published) - set(before.published) - {after.live})
    live = home / RELEASES / after.live
    if not (live / "release.json").is_file():
        kill.problems.append(f"CURRENT names {after.live!r}, not a complete release")
    stray = [n for n, link in zip(LINKS, after.links, strict=True) if link not in (after.live, before.live)]
    if stray:
        kill.problems.append(f"links {stray} name neither the live nor the previous release")


def _check_world(kill: Kill, home: Path, source: dict[str, Any], expect: dict[str, Any]) -> None:
    settings = settings_for(home)
    try:
        with Store(settings.db_path, read_only=True) as store:
            sums, version = table_checksums(store), store.data_version
    except StoreError as exc:
        kill.problems.append(f"store does not open: {exc}")
        return
    if sums == source["checksums"] and version == source["version"]:
        kill.tables = "previous"
    elif sums == expect["checksums"] and version != source["version"]:
        kill.tables = "new"
    else:
        kill.tables = "MIXED"
        kill.problems.append(f"world tables are neither the previous nor the new version (data {version})")
    if kill.tables != kill.live and kill.tables != "MIXED" and kill.step.startswith("import"):
        kill.problems.append(f"the {kill.live} release holds the {kill.tables} world tables")
    kill.problems += verify_artefacts(settings)
    try:
        served = serve(settings, Probe(**source["probe"]))
    except Exception as exc:  # a crash instead of an answer is a finding
        kill.problems.append(f"serving failed: {type(exc).__name__}: {exc}")
        kill.served = "CRASH"
        return
    classify(kill, served, expect)


def _check_reader(kill: Kill, said: dict[str, Any]) -> None:
    kill.reader_answers = int(said["answers"])
    if said["errors"]:
        kill.problems.append(f"the reader holding the previous release failed: {said['errors']}")
    if said["different"]:
        kill.problems.append(f"the reader's answers changed {said['different']} times during the kill")
    if kill.reader_answers < 2:
        kill.problems.append("the reader did not answer during the kill")


def _rerun(kill: Kill, cmd: list[str], env: dict[str, str], home: Path, expect: dict[str, Any],
           probe: Probe) -> None:  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=home.parent, capture_output=True, text=True,
                          timeout=RERUN_TIMEOUT_S, check=False)  # fmt: skip
    kill.rerun_s = round(time.perf_counter() - started, 2)
    if done.returncode != 0:
        kill.problems.append(
            f"after the rerun: it failed ({done.returncode}): {(done.stdout + done.stderr)[-500:]}"
        )
        return
    before = len(kill.problems)
    if left := leftovers(home):
        kill.problems.append(f"after the rerun: the dead writer's files are still there: {left}")
    layout = look(home)
    if any(link != layout.live for link in layout.links):
        kill.problems.append(f"after the rerun: the links name {layout.links}, not the live {layout.live}")
    settings = settings_for(home)
    with Store(settings.db_path, read_only=True) as store:
        if table_checksums(store) != expect["checksums"]:
            kill.problems.append("after the rerun: the world tables differ from a clean run's")
    if content(serve(settings, probe)) != content(expect["new"]):
        kill.problems.append("after the rerun: the answers differ from a clean run's")
    kill.rerun_ok = len(kill.problems) == before


# --- the whole run ------------------------------------------------------------------------------------


def _windows(step: str, t: Timeline) -> list[tuple[str, str, float, float]]:
    """Per step: (window, trigger, earliest, latest delay after the trigger); kills alternate between them."""
    if step == "import":
        return [("phase", "start", 0.0, t.seconds),
                ("writing", "writer started", 0.0, t.at("links swapped") - t.at("writer started"))]  # fmt: skip
    if step == "import: refresh":  # embedding and upserting the new seekers, then saving their index
        span = t.at("indexes written") - t.at("vacancy index written")
        return [("refresh", "vacancy index written", 0.0, span + 0.05)]
    if step == "build: embedding + index":
        return [("phase", "start", 0.0, t.at("indexes written")),
                ("writing", "writer started", 0.0, t.at("indexes written") - t.at("writer started"))]  # fmt: skip
    if step == "build: training":
        return [("phase", "indexes written", 0.0, t.at("manifest written") - t.at("indexes written")),
                ("hybrid", "indexes written", 0.0, t.at("hybrid written") - t.at("indexes written") + 0.02)]  # fmt: skip
    swap = t.at("pointer swapped") - t.at("manifest written")
    return [("pointer swap ± 10 ms", "manifest written", max(0.0, swap - SWITCH_AIM_S), swap + SWITCH_AIM_S)]


def _references(work: Path, prep: dict[str, Any], env: dict[str, str], commands: dict[str, list[str]],
                say: Callable[[str], None]) -> dict[str, Any]:  # fmt: skip
    """Clean runs of the import and of the build after it: their timelines, states and answers."""
    base, imported, built = work / "base", work / "imported", work / "built"
    say("reference import")
    shutil.copytree(base, imported, symlinks=True)
    t_import = watch(_with_home(commands["import"], imported), env, imported)
    say("reference build")
    shutil.copytree(imported, built, symlinks=True)
    t_build = watch(_with_home(commands["build"], built), env, built)
    answers = {home.name: serve(settings_for(home), prep["probe"]) for home in (base, imported, built)}
    for name, said in answers.items():
        if any(isinstance(said[k], str) for k in ("match", "recommend", "programmes")):
            raise RuntimeError(f"the reference release {name} does not serve: {said}")
    with Store(settings_for(built).db_path, read_only=True) as store:
        new_sums = table_checksums(store)
    return {
        "timelines": {"import": t_import, "build": t_build},
        "sources": {"import": base, "build": imported},
        "expect": {"import": {"previous": answers["base"], "new": answers["imported"], "checksums": new_sums},
                   "build": {"previous": answers["imported"], "new": answers["built"], "checksums": new_sums}},
    }  # fmt: skip


def _with_home(template: list[str], home: Path) -> list[str]:
    return [str(home) if a == "{home}" else a for a in template]


def _source_state(home: Path, probe: Probe) -> dict[str, Any]:
    with Store(settings_for(home).db_path, read_only=True) as store:
        sums, version = table_checksums(store), store.data_version
    return {"checksums": sums, "version": version, "layout": look(home), "probe": asdict(probe)}


def _command_of(step: str) -> str:
    return "import" if step.startswith("import") or step == "release switch" else "build"


@dataclass(frozen=True)
class _Target:
    """One command the kills are aimed at: the home it starts from and what a clean run of it gives."""

    source: Path
    command: list[str]
    timeline: Timeline
    expect: dict[str, Any]  # previous / new answers, the new world's checksums
    state: dict[str, Any]  # the source's checksums, data version, layout, probe


def run_faults(work: Path, config: FaultConfig | None = None,
               progress: Callable[[str], None] | None = None) -> dict[str, Any]:  # fmt: skip
    """Run the harness in ``work`` (a fresh folder); returns per-kill records, a summary and Markdown."""
    from bench.faults_reader import Reader

    cfg = config or FaultConfig()
    say = progress or (lambda _m: None)
    work.mkdir(parents=True, exist_ok=True)
    env = _env(write_config(work / "jobmatch.toml"))
    size = WorldSize(seekers=cfg.seekers, vacancies=cfg.vacancies, interactions=cfg.seekers * 7,
                     episodes=cfg.seekers, seed=cfg.seed + 7)  # fmt: skip
    prep = prepare(work / "base", size, cfg.import_rows, say)
    probe: Probe = prep["probe"]
    commands = {"import": _command("--home", "{home}", "import", "seekers", str(prep["import_path"]), "--replace"),
                "build": _command("--home", "{home}", "build")}  # fmt: skip
    ref = _references(work, prep, env, commands, say)
    targets = {key: _Target(home, commands[key], ref["timelines"][key], ref["expect"][key],
                            _source_state(home, probe)) for key, home in ref["sources"].items()}  # fmt: skip
    rng = np.random.default_rng(cfg.seed)
    reader = Reader(probe, env, Path.cwd())
    kills: list[Kill] = []
    redrawn = 0
    try:
        for i in range(cfg.kills):
            step = STEPS[i % len(STEPS)]
            target = targets[_command_of(step)]
            windows = _windows(step, target.timeline)
            home = work / f"kill-{i:03d}"
            say(f"kill {i + 1}/{cfg.kills}: {step}")
            kill, tries = _one_kill(
                step, windows[(i // len(STEPS)) % len(windows)], home, target, env, rng, reader
            )
            redrawn += tries
            _check_release(kill, home, target.state)
            _check_world(kill, home, target.state, target.expect)
            _rerun(kill, _with_home(target.command, home), env, home, target.expect, probe)
            kills.append(kill)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        reader.close()
    result = summarise(asdict(cfg), kills, redrawn, {k: asdict(t) for k, t in ref["timelines"].items()})
    result["probe"] = asdict(probe)
    return result


def _one_kill(step: str, window: tuple[str, str, float, float], home: Path, target: _Target,
              env: dict[str, str], rng: np.random.Generator, reader: Any) -> tuple[Kill, int]:  # fmt: skip
    """Kill the command once, a delay drawn from ``window`` after its trigger, while the reader holds the
    previous release. A run that beats the clock (a quieter machine than the reference run's) is redrawn
    in a window shrunk to its pace. (the kill, runs redrawn)"""
    name, trigger, lo, hi = window
    hi = max(hi, lo + 0.002)
    for attempt in range(8):
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(target.source, home, symlinks=True)
        first = reader.open(home)["first"]
        delay = float(rng.uniform(lo, hi))
        killed, at = kill_after(_with_home(target.command, home), env, home, trigger, delay)
        time.sleep(0.2)  # the reader answers after the kill too
        said = reader.stop()
        if killed:
            kill = Kill(step, name, trigger, round(delay, 4), round(at, 3))
            _check_reader(kill, said)
            if content(first) != content(target.expect["previous"]):
                kill.problems.append("the reader's first answer is not the previous release's")
            return kill, attempt
        shrink = min(0.7, at / target.timeline.seconds)
        lo, hi = lo * shrink, max(hi * shrink, lo * shrink + 0.002)
    raise RuntimeError(f"{step}: the command kept finishing before the kill; the timeline is off")
