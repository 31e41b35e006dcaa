"""Load test of the serving functions: many consultants at once against one workspace, as the dashboard runs.

What runs: a private copy of the home folder (the world store, indexes and models; the real installation's
operations store is left out, so its audit log and accounts are untouched) is opened by ONE
``app.workspace.Workspace``, the way the dashboard process holds it. ``threads`` consultant accounts
are added (split evenly over the job centres, via ``Directory.add``) and each runs in its own thread for
``duration_s`` seconds, working through its own caseload (an even share of its job centre's citizens) in queue order.
For each citizen a consultant:

- asks for vacancy suggestions (``suggest_vacancies``: FAISS retrieval with hard filters, the hybrid
  recommender's two-sided ranking, explanations, one audit record);
- asks for programme suggestions (``programmes``: the intervention model's ranking with intervals and
  concrete employers, one audit record);
- every ``other_every``-th citizen, asks for other industries (``other_industries``, one audit record);
- every ``decide_every``-th citizen, records a decision (``decide``: accepts the top vacancy, or writes a
  note when there is none; one ``decisions`` row in the operations store and one audit record).

Measured: latency of every call (p50 / p95 / p99 / max), throughput (calls per second, all and per kind),
errors (any exception; the test requires none), and at the end the audit records written during the run,
per kind, against the audited calls that returned (they must be equal), the ``decisions`` rows against the
``decide`` calls, and the hash chain (``AuditLog.verify``).

Concurrency rules in force (they are the workspace's; the harness adds none of its own):

- the world store has one read-only DuckDB connection, the workspace's. Each thread reads through its own
  cursor of it (``Store.cursor``, one per thread, kept in a thread-local);
- writes go to the operations store (``decisions`` and the audit log): each in one transaction through
  ``OpsStore.write`` (an ``RLock`` in the process, and the decisions' or the chain's cross-process lock), so
  a decision's state check and the chain's "read the last hash, append the next" never interleave;
- the matcher (both FAISS indexes and the encoder), the hybrid recommender and the intervention model are
  loaded once and shared by every thread: FAISS searches are read-only on a shared index.

Run it with ``jobmatch bench load`` (writes ``load.json`` / ``load.md``) or :func:`run_load`.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.machine import machine_info
from core.reporting import markdown_table
from core.reporting import write_results as report_files
from core.settings import Settings

# Operation name -> the audit kind each successful call writes.
AUDITED = {
    "suggest_vacancies": "vacancy_suggestions",
    "programmes": "programme_suggestions",
    "other_industries": "other_industries",
    "decide": "decision",
}
CONCURRENCY_RULES = (
    "world store: one read-only DuckDB connection, held by the one Workspace; every consultant thread reads "
    "through its own cursor of it (Store.cursor, thread-local)",
    "writes serialised in the operations store: decisions and audit appends under OpsStore.write (a lock in "
    "the process, the decisions' or the chain's lock across processes), one transaction each",
    "models shared: one Matcher (both FAISS indexes, the encoder), one hybrid recommender and one intervention "
    "model, loaded once; FAISS searches run concurrently on the shared, read-only indexes",
    "operations store (users, audit log, decisions): one connection per thread (SQLite WAL or PostgreSQL)",
)


@dataclass(frozen=True)
class LoadConfig:
    threads: int = 20
    duration_s: float = 60.0
    k: int = 10
    other_every: int = 3  # other industries for every n-th citizen a consultant opens
    decide_every: int = 5  # a decision for every n-th citizen
    seed: int = 0
    think_s: float = 0.0  # a consultant's mean pause after each answer (reading it); 0: back-to-back calls
    # Pauses are drawn uniformly in think_s x [1 - spread, 1 + spread], and each consultant starts after a
    # random part of one pause: people do not click in step. With equal pauses and one start signal, the
    # threads stayed a lockstep crowd that hit the process in bursts (100 calls at the same instant, each
    # round); spread 0 gives that back.
    think_spread: float = 0.5

    def __post_init__(self) -> None:
        if (self.threads < 1 or self.duration_s <= 0 or self.other_every < 1 or self.decide_every < 1
                or self.think_s < 0 or not 0 <= self.think_spread <= 1):  # fmt: skip
            raise ValueError(f"invalid load configuration: {self}")


@dataclass
class _Worker:
    """One consultant thread's own tallies (merged after the threads end, so no shared counters)."""

    user: Any
    citizens: list[str]
    latencies: dict[str, list[float]]
    served: Counter[str]
    errors: list[dict[str, str]]
    opened: int = 0
    cursor_id: int = 0  # identity of the thread's world-store cursor (all threads alive at once)
    matcher_id: int = 0  # identity of the matcher (FAISS indexes) the thread serves from


def latency_stats(ms: list[float]) -> dict[str, float | int]:
    arr = np.asarray(ms, dtype=float)
    if arr.size == 0:
        return {"n": 0}
    return {
        "n": int(arr.size),
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p95_ms": round(float(np.percentile(arr, 95)), 2),
        "p99_ms": round(float(np.percentile(arr, 99)), 2),
        "max_ms": round(float(arr.max()), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def _consultants(ws: Any, n: int) -> list[Any]:
    """``n`` consultant accounts, spread evenly over the job centres (10 each for 20 over two centres)."""
    from app.access import Role, User

    centres = ws.world.query("SELECT jobcenter_id, municipality FROM jobcenters ORDER BY jobcenter_id").rows()
    users = []
    for i in range(n):
        jc, municipality = centres[i % len(centres)]
        number = i // len(centres) + 1
        user = User(f"last-{jc.removeprefix('jc-')}-{number:02d}", f"Konsulent {number}, {municipality} (load)",
                    Role.CONSULTANT, jc)  # fmt: skip
        ws.directory.add(user)
        users.append(user)
    for jc, _ in centres:  # each load consultant holds an even share of its centre's citizens (the caseload)
        same = [u for u in users if u.jobcenter_id == jc]
        ids = ws.world.query("SELECT seeker_id FROM seekers WHERE jobcenter_id = ? ORDER BY seeker_id", [jc])
        if same:
            ws.caseload.assign(
                ws.world, [(s, same[i % len(same)].user_id) for i, s in enumerate(ids["seeker_id"])]
            )
    return users


def _decisions(ops: Any) -> int:
    """Rows in the operations store's ``decisions`` table."""
    return int(ops.rows("SELECT count(*) FROM decisions")[0][0])


def _work(ws: Any, w: _Worker, cfg: LoadConfig, start: threading.Barrier, deadline: list[float]) -> None:
    """One consultant's session: citizen after citizen from its own queue until the deadline."""

    def timed(op: str, call: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        try:
            out = call()
        except Exception as exc:  # every failure counts; the run goes on so all of them are seen
            w.errors.append({"op": op, "error": f"{type(exc).__name__}: {exc}",
                             "trace": traceback.format_exc(limit=4)})  # fmt: skip
            return None
        w.latencies.setdefault(op, []).append((time.perf_counter() - t0) * 1000)
        w.served[op] += 1
        if cfg.think_s:
            time.sleep(pause())  # reading the answer: not part of the call's latency
        return out

    rng = random.Random(f"{cfg.seed}:{w.user.user_id}")

    def pause() -> float:
        return cfg.think_s * (1 + cfg.think_spread * (2 * rng.random() - 1))

    w.cursor_id, w.matcher_id = id(ws._db().con), id(ws.service.matcher)
    start.wait()
    if cfg.think_s and cfg.think_spread:
        time.sleep(cfg.think_s * rng.random())  # consultants start at different moments, as they do
    i = 0
    while time.perf_counter() < deadline[0] and w.citizens:
        i += 1
        w.opened += 1
        _one_citizen(ws, w, cfg, w.citizens[(i - 1) % len(w.citizens)], i, timed)


def _one_citizen(ws: Any, w: _Worker, cfg: LoadConfig, sid: str, i: int, timed: Callable[..., Any]) -> None:
    """What a consultant does with the ``i``-th citizen it opens. A consultant who has been through the whole
    caseload and comes back to a citizen writes a note instead of accepting again (the product refuses a
    second accept of the same suggestion)."""
    shown = timed("suggest_vacancies", lambda: ws.suggest_vacancies(w.user, sid, k=cfg.k))
    timed("programmes", lambda: ws.programmes(w.user, sid))
    if i % cfg.other_every == 0:
        timed("other_industries", lambda: ws.other_industries(w.user, sid))
    if i % cfg.decide_every == 0:
        top = shown.frame["vacancy_id"][0] if shown is not None and shown.frame.height else None
        if top is not None and i <= len(w.citizens):
            timed("decide", lambda: ws.decide(w.user, sid, "accept", "belastningstest", vacancy_id=top))
        else:
            timed(
                "decide",
                lambda: ws.decide(w.user, sid, "note", "belastningstest: ingen forslag eller set før"),
            )


# Something done alongside the consultants (``bench.live``: an import while they work): called with the
# workspace, the private home and the consultant accounts; returns its own figures and the audited calls it
# made itself, per operation, so the audit count still balances.
During = Callable[[Any, Path, list[Any]], tuple[dict[str, Any], Counter[str]]]


def run_load(
    settings: Settings,
    config: LoadConfig | None = None,
    *,
    progress: bool = True,
    during: During | None = None,
) -> dict[str, Any]:
    """Run the load test on a private copy of ``settings.home``; see the module docstring."""
    from app.workspace import Workspace

    cfg = config or LoadConfig()
    with tempfile.TemporaryDirectory(prefix="jobmatch-load-") as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(
            settings.home, home, ignore=shutil.ignore_patterns("bench", "reports", "ops.*"), symlinks=True
        )
        ws = Workspace.open(settings.at_home(home, ops_url=""))  # a private ops store
        try:
            if ws.problems:
                raise RuntimeError("the workspace cannot serve: " + "; ".join(ws.problems))
            users = _consultants(ws, cfg.threads)
            workers = []
            for user in users:
                share = ws.queue(user)["seeker_id"].to_list()  # its own caseload (see _consultants)
                workers.append(_Worker(user, share, {}, Counter(), []))
            # One untimed warm-up per kind of call (first-call costs: model representations, lazy imports).
            warm, warm_sid = workers[0].user, workers[0].citizens[0]
            ws.suggest_vacancies(warm, warm_sid, k=cfg.k)
            ws.programmes(warm, warm_sid)
            ws.other_industries(warm, warm_sid)
            audit_before = ws.audit.count()
            seq_before = int(ws.ops.rows("SELECT coalesce(max(seq), 0) FROM audit_log")[0][0])
            decisions_before = _decisions(ws.ops)

            barrier = threading.Barrier(cfg.threads + 1)
            deadline = [float("inf")]
            threads = [
                threading.Thread(target=_work, args=(ws, w, cfg, barrier, deadline), name=w.user.user_id)
                for w in workers
            ]
            side: dict[str, Any] = {}
            if during is not None:
                threads.append(
                    threading.Thread(target=_aside, args=(during, ws, home, users, side), name="during")
                )
            for t in threads:
                t.start()
            load_before = machine_info()["loadavg"]
            started = time.perf_counter()
            deadline[0] = started + cfg.duration_s
            barrier.wait()
            _follow(workers, cfg.duration_s, started, progress)
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started

            by_kind = dict(ws.ops.rows("SELECT kind, count(*) FROM audit_log WHERE seq > ? GROUP BY kind",
                                       [seq_before]))  # fmt: skip
            audit_written = ws.audit.count() - audit_before
            decisions_written = _decisions(ws.ops) - decisions_before
            chain = ws.audit.verify()
            counts = ws.world.execute(
                "SELECT (SELECT count(*) FROM seekers), (SELECT count(*) FROM vacancies)"
            )[0]
            rules_checked = {
                "world_is_read_only": ws.world.read_only,
                "distinct_thread_cursors": len({w.cursor_id for w in workers} - {id(ws.world.con)}),
                "shared_matcher_objects": len({w.matcher_id for w in workers}),
            }
        finally:
            ws.close()

    latencies: dict[str, list[float]] = {}
    served: Counter[str] = Counter()
    errors: list[dict[str, str]] = []
    for w in workers:
        for op, ms in w.latencies.items():
            latencies.setdefault(op, []).extend(ms)
        served.update(w.served)
        errors.extend(w.errors)
    served_aside: Counter[str] = side.get("served", Counter())
    audited_served = sum(served[op] + served_aside[op] for op in AUDITED)
    per_kind = {
        AUDITED[op]: {"served": served[op] + served_aside[op], "audit_rows": int(by_kind.get(AUDITED[op], 0))}
        for op in AUDITED
    }
    total_calls = sum(served.values())
    ok = bool(
        not errors
        and audit_written == audited_served
        and all(v["served"] == v["audit_rows"] for v in per_kind.values())
        and chain.ok
        and decisions_written == served["decide"]
    )
    result: dict[str, Any] = {
        "ok": ok,
        "benchmark": "load",
        "machine": {**machine_info(), "loadavg_at_start": load_before},
        "config": asdict(cfg),
        "world": {
            "seekers": counts[0],
            "vacancies": counts[1],
            "consultants": [
                {
                    "user_id": w.user.user_id,
                    "jobcenter_id": w.user.jobcenter_id,
                    "queue_share": len(w.citizens),
                    "citizens_opened": w.opened,
                }
                for w in workers
            ],
        },
        "elapsed_s": round(elapsed, 2),
        "calls": total_calls,
        "throughput_calls_per_s": round(total_calls / elapsed, 2),
        "citizens_per_s": round(sum(w.opened for w in workers) / elapsed, 2),
        "operations": {
            op: {**latency_stats(ms), "calls_per_s": round(len(ms) / elapsed, 2)}
            for op, ms in latencies.items()
        },
        "all_calls": latency_stats([x for ms in latencies.values() for x in ms]),
        "errors": len(errors),
        "error_samples": errors[:10],
        "audit": {
            "rows_written": audit_written,
            "audited_calls_served": audited_served,
            "equal": audit_written == audited_served
            and all(v["served"] == v["audit_rows"] for v in per_kind.values()),
            "by_kind": per_kind,
            "chain_ok": chain.ok,
            "chain_records": chain.records,
            "chain_problem": chain.problem,
        },
        "decisions": {
            "rows_written": decisions_written,
            "decide_calls": served["decide"],
            "equal": decisions_written == served["decide"],
        },
        "concurrency": {"rules": list(CONCURRENCY_RULES), "checked": rules_checked, "threads": cfg.threads},
    }
    if during is not None:
        result["during"] = side.get("figures", {"error": "the side task did not finish"})
    return result


def _aside(during: During, ws: Any, home: Path, users: list[Any], side: dict[str, Any]) -> None:
    try:
        side["figures"], side["served"] = during(ws, home, users)
    except Exception as exc:  # reported in the results, like any worker's error
        side["figures"] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=6)}


def _follow(workers: list[_Worker], duration_s: float, started: float, progress: bool) -> None:
    """Show the run on a rich progress bar (elapsed seconds, calls so far, errors) until the deadline."""
    if not progress:
        time.sleep(duration_s)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]load[/bold]"), BarColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}")) as bar:  # fmt: skip
        task = bar.add_task("", total=duration_s)
        while (now := time.perf_counter() - started) < duration_s:
            calls = sum(sum(w.served.values()) for w in workers)
            errs = sum(len(w.errors) for w in workers)
            bar.update(task, completed=now, description=f"{calls:,} calls, {calls / max(now, 1e-9):.1f}/s, "
                                                         f"{errs} errors")  # fmt: skip
            time.sleep(0.5)
        bar.update(task, completed=duration_s, description="waiting for the last calls to finish")


def to_markdown(result: dict[str, Any]) -> str:
    m, cfg, a, d = result["machine"], result["config"], result["audit"], result["decisions"]
    lines = [
        "# Load test: concurrent consultants on one workspace",
        "",
        f"{cfg['threads']} consultant threads{_think(cfg)} for {cfg['duration_s']:.0f} s (ran {result['elapsed_s']:.1f} s) on the "
        f"default world ({result['world']['seekers']:,} seekers, {result['world']['vacancies']:,} vacancies), one "
        f"Workspace. Machine: {m['cpus']} CPUs, Python {m['python']}, load average {_load(m['loadavg_at_start'])} "
        f"at start, {_load(m['loadavg'])} at end ({m['when']}).",
        "",
        f"Throughput: **{result['throughput_calls_per_s']:.1f} calls/s** ({result['calls']:,} calls; "
        f"{result['citizens_per_s']:.1f} citizens/s). Errors: **{result['errors']}**.",
        "",
    ]
    operations = []
    for op, s in [*result["operations"].items(), ("all calls", result["all_calls"])]:
        rate = f"{s['calls_per_s']:.2f}" if "calls_per_s" in s else f"{result['throughput_calls_per_s']:.2f}"
        operations.append((op, f"{s['n']:,}", rate, f"{s['p50_ms']:.0f}", f"{s['p95_ms']:.0f}",
                           f"{s['p99_ms']:.0f}", f"{s['max_ms']:.0f}"))  # fmt: skip
    lines.append(
        markdown_table(operations, ("operation", "calls", "calls/s", "p50 ms", "p95 ms", "p99 ms", "max ms"))
    )
    audit_rows = [(kind, f"{v['served']:,}", f"{v['audit_rows']:,}") for kind, v in a["by_kind"].items()]
    lines += ["", markdown_table(audit_rows, ("audit kind", "calls served", "audit rows written"))]
    verdict = "equal" if a["equal"] else "NOT equal"
    lines += [
        "",
        f"Audit rows written {a['rows_written']:,} vs audited calls served {a['audited_calls_served']:,}: "
        f"{verdict}. Hash chain: {'verifies' if a['chain_ok'] else 'BROKEN: ' + a['chain_problem']} "
        f"({a['chain_records']:,} records, {a['chain_records'] - a['rows_written']:,} of them from before the run: "
        f"the untimed warm-up calls). Decisions rows {d['rows_written']:,} vs decide calls "
        f"{d['decide_calls']:,}.",
        "",
        "Concurrency rules in force:",
        "",
        *[f"- {rule}" for rule in result["concurrency"]["rules"]],
        "",
        "Latency is wall time per call inside a busy process: with many threads on a 2-core machine much of it "
        "is waiting for the CPU (and Python's GIL), so p50 here is not the single-request latency. With calls back "
        "to back, n threads give throughput x mean latency = n (Little's law): 100 threads at 100 calls/s means "
        "a 1 s mean, so a p95 target below that needs consultants who pause (``think_s``), as people do.",
    ]
    return "\n".join(lines) + "\n"


def _think(cfg: dict[str, Any]) -> str:
    think, spread = float(cfg.get("think_s") or 0.0), float(cfg.get("think_spread") or 0.0)
    if not think:
        return " (calls back to back)"
    if not spread:
        return f", each pausing exactly {think:g} s after every answer and all starting at once,"
    lo, hi = think * (1 - spread), think * (1 + spread)
    return (f", each pausing {lo:.2f}–{hi:.2f} s after every answer (reading it; {think:g} s on average) and "
            f"starting within the first {think:g} s,")  # fmt: skip


def _load(avg: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in avg)


def write_results(result: dict[str, Any], target: str | Path) -> dict[str, Path]:
    """``target`` (the JSON) and the Markdown beside it."""
    json_path = Path(target)
    return report_files(result, json_path.parent, json_path.stem, md=to_markdown(result))
