"""The fault harness's summary and its Markdown: per step, where the kills landed and what serving gave."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.reporting import markdown_table
from core.reporting import write_results as report_files

if TYPE_CHECKING:
    from bench.faults import Kill

STEPS = ("import", "import: refresh", "build: embedding + index", "build: training", "release switch")
# Where a kill landed, judged from what it left; the first four leave the previous release live.
LANDINGS = ("before the writer started", "writing", "publishing: before the rename",
            "publishing: renamed, pointer not swapped", "publishing: links not swapped", "published")  # fmt: skip
BEFORE_SWAP = LANDINGS[:4]


def _row(step: str, mine: list[Kill]) -> dict[str, Any]:
    return {
        "step": step, "kills": len(mine),
        "before the swap": sum(k.landed in BEFORE_SWAP for k in mine),
        "after the swap": sum(k.landed not in BEFORE_SWAP for k in mine),
        "tables previous": sum(k.tables == "previous" for k in mine),
        "tables new": sum(k.tables == "new" for k in mine),
        "served previous": sum(k.served == "previous" for k in mine),
        "served new": sum(k.served == "new" for k in mine),
        "refused": sum(k.served == "refused" for k in mine),
        "wrong answers": sum(k.served in ("DIFFERENT", "CRASH") or k.tables == "MIXED" for k in mine),
        "reader answers": sum(k.reader_answers for k in mine),
        "left temp files": sum(bool(k.leftovers) for k in mine),
        "left unpublished release": sum(bool(k.orphans) for k in mine),
        "rerun completed": sum(k.rerun_ok for k in mine),
        "problems": sum(len(k.problems) for k in mine),
    }  # fmt: skip


def summarise(config: dict[str, Any], kills: list[Kill], redrawn: int,
              timelines: dict[str, dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    from core.machine import machine_info

    rows = [_row(step, [k for k in kills if k.step == step]) for step in STEPS]
    total = {"step": "total", **{k: sum(r[k] for r in rows) for k in rows[0] if k != "step"}}
    landed = [{"step": step, **{name: Counter(k.landed for k in kills if k.step == step)[name]
                                for name in LANDINGS}} for step in STEPS]  # fmt: skip
    result = {
        "config": config,
        "machine": machine_info(),
        "timelines": timelines,
        "runs_that_finished_before_the_kill": redrawn,
        "summary": [*rows, total],
        "landed": landed,
        "kills": [asdict(k) for k in kills],
        "ok": total["problems"] == 0 and total["rerun completed"] == total["kills"],
    }
    result["markdown"] = to_markdown(result)
    return result


def _table(rows: list[dict[str, Any]]) -> str:
    cols = [c for c in rows[0] if c != "step"]
    return markdown_table(
        [(f"**{r['step']}**" if r["step"] == "total" else r["step"], *(r[c] for c in cols)) for r in rows],
        ["step", *cols],
        right=cols,
    )


def to_markdown(result: dict[str, Any]) -> str:
    cfg, tl = result["config"], result["timelines"]
    lines = [
        "# Crash safety: SIGKILL during import, refresh, build, training and the release switch",
        "",
        f"{cfg['kills']} kills (seed {cfg['seed']}) on a world of {cfg['seekers']} seekers and "
        f"{cfg['vacancies']} vacancies; the import loads {cfg['import_rows']:,} seekers "
        "(`jobmatch import seekers FILE --replace`, which refreshes the indexes in its new release), the build "
        "steps are `jobmatch build` after that import, the release switch kills the import around its "
        "pointer swap. After each kill: CURRENT and the links, the world tables (previous or new version), "
        "every artefact of the live release loads, a fresh reader serves match + recommend + programmes for "
        "a probe citizen, the reader that held the previous release through the kill kept answering, and "
        "the rerun removes the leftovers and reaches a clean run's state.",
        "",
        _table(result["summary"]),
        "",
        "*before / after the swap*: whether CURRENT still named the previous release after the kill. "
        "*served*: the fresh reader's answers were exactly the previous release's or the new one's; "
        "*refused*: a consultant would have been refused (a problem now: models trained on an earlier data "
        "version serve). *wrong answers*: anything else, or world tables of neither version. *reader "
        "answers*: answers the process that held the previous release gave while its writer was killed "
        "(all identical, none failed, or it is a problem). *left temp files*: the dead writer's hidden "
        "release folder, pointer or link (the rerun must remove them). *left unpublished release*: a "
        "complete release renamed into place whose pointer swap never happened (never served; pruned "
        "like any old release).",
        "",
        "## Where the kills landed",
        "",
        _table(result["landed"]),
        "",
        f"Reference runs (seconds after the start): import {_marks(tl['import'])}; build {_marks(tl['build'])}. "
        f"Runs that finished before their kill (redrawn): {result['runs_that_finished_before_the_kill']}. "
        f"Machine load average {result['machine']['loadavg'][0]:.2f}.",
        "",
        f"Verdict: {'no problems' if result['ok'] else 'PROBLEMS FOUND'}.",
        "",
        "## Each kill",
        "",
        _kill_table(result["kills"]),
    ]
    problems = [(k["step"], p) for k in result["kills"] for p in k["problems"]]
    if problems:
        lines += ["", "## Problems", ""] + [f"- {s}: {p}" for s, p in problems]
    return "\n".join(lines) + "\n"


def _kill_table(kills: list[dict[str, Any]]) -> str:
    rows = [
        (n, k["step"], k["window"], f"{k['trigger']} + {k['delay_s']:.3f}", f"{k['killed_at_s']:.2f}", k["landed"],
         k["tables"], k["served"], k["reader_answers"], len(k["leftovers"]), f"{k['rerun_s']:.1f}")
        for n, k in enumerate(kills, start=1)
    ]  # fmt: skip
    columns = ("#", "step", "window", "trigger + delay s", "killed at s", "landed", "tables", "served",
               "reader answers", "temp files", "rerun s")  # fmt: skip
    return markdown_table(
        rows, columns, right=("#", "killed at s", "reader answers", "temp files", "rerun s")
    )


def _marks(timeline: dict[str, Any]) -> str:
    marks = ", ".join(f"{name} {at:.3f}" for name, at in timeline["marks"].items() if name != "start")
    return f"{timeline['seconds']:.2f} s in all ({marks})"


def write_results(result: dict[str, Any], target: Path) -> dict[str, Path]:
    """``target`` (the JSON, without the Markdown it carries) and the Markdown beside it."""
    data = {k: v for k, v in result.items() if k != "markdown"}
    return report_files(data, target.parent, target.stem, md=result["markdown"])
