"""Two dashboard processes on one PostgreSQL operations store, under load: nothing lost, nothing twice.

What runs: a private copy of the home folder (world store, indexes, models) and ONE PostgreSQL operations
store (a private server started with ``scripts/pg_server.sh``, or ``ops_url`` where given: an empty database
the run may fill). ``processes`` OS processes (spawned, as two dashboard processes are) each open their own
``Workspace`` on the same world (read-only) and the same operations store, and serve ``threads`` consultant
threads each for ``duration_s`` seconds with the load test's worker (``bench.load``: suggestions,
programmes, other industries, decisions). The consultant accounts and their caseloads are written once,
before the processes start.

Checked at the end, on the operations store: audit records written == audited calls that returned (per
kind, warm-up calls included), so 0 lost and 0 duplicated; ``decisions`` rows == ``decide`` calls and every
decision id in the audit log once; the hash chain verifies (``seq`` contiguous, every link intact).

Run it with ``jobmatch bench ops`` (writes ``ops.json`` / ``ops.md``) or :func:`run_ops`.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.load import AUDITED, LoadConfig, _consultants, _work, _Worker, latency_stats
from core.machine import machine_info
from core.reporting import markdown_table
from core.reporting import write_results as report_files
from core.settings import Settings

PG_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg_server.sh"
WARM_UP = ("suggest_vacancies", "programmes", "other_industries")  # one untimed call each, per process


@dataclass(frozen=True)
class OpsConfig:
    processes: int = 2
    threads: int = 10  # per process
    duration_s: float = 60.0

    def __post_init__(self) -> None:
        if self.processes < 1 or self.threads < 1 or self.duration_s <= 0:
            raise ValueError(f"invalid configuration: {self}")


@contextmanager
def private_server() -> Iterator[str]:
    """A throw-away PostgreSQL server (Debian's binaries through the project's script); yields its URL."""
    import socket

    folder = Path(tempfile.mkdtemp(prefix="jobmatch-pg-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        out = subprocess.run([str(PG_SCRIPT), "start", str(folder), str(port)], check=True, capture_output=True,
                             text=True, timeout=120)  # fmt: skip
        yield out.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", str(folder)], check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _serve(settings: Settings, user_ids: list[str], cfg: OpsConfig, start: Any, results: Any) -> None:
    """One dashboard process: its own Workspace, ``cfg.threads`` consultant threads (``bench.load._work``)."""
    from app.workspace import Workspace

    ws = Workspace.open(settings)
    try:
        workers = []
        for uid in user_ids:
            user = ws.directory.get(uid)
            if user is None:
                raise RuntimeError(f"consultant {uid} was not written before the processes started")
            workers.append(_Worker(user, ws.queue(user)["seeker_id"].to_list(), {}, Counter(), []))
        warm, sid = workers[0].user, workers[0].citizens[0]
        ws.suggest_vacancies(warm, sid)
        ws.programmes(warm, sid)
        ws.other_industries(warm, sid)
        load = LoadConfig(threads=cfg.threads, duration_s=cfg.duration_s)
        barrier = threading.Barrier(len(workers) + 1)
        deadline = [float("inf")]
        threads = [threading.Thread(target=_work, args=(ws, w, load, barrier, deadline)) for w in workers]
        for t in threads:
            t.start()
        start.wait(600)  # every process warmed up: all start serving at once
        started = time.perf_counter()
        deadline[0] = started + cfg.duration_s
        barrier.wait()
        for t in threads:
            t.join()
        results.put({"pid": multiprocessing.current_process().pid, "elapsed_s": time.perf_counter() - started,
                     "latencies": _merge(w.latencies for w in workers), "served": dict(sum(
                         (w.served for w in workers), Counter())), "errors": [e for w in workers for e in w.errors]})  # fmt: skip
    finally:
        ws.close()


def _merge(parts: Any) -> dict[str, list[float]]:
    merged: dict[str, list[float]] = {}
    for part in parts:
        for op, ms in part.items():
            merged.setdefault(op, []).extend(ms)
    return merged


def _prepare(settings: Settings, n: int) -> list[str]:
    """The consultant accounts and their caseloads, written once before the processes start."""
    from app.access import Directory
    from app.caseload import Caseload
    from app.ops import OpsStore
    from data.store import Store

    with Store(settings.db_path, read_only=True) as world, OpsStore.open(settings) as ops:
        shim = SimpleNamespace(world=world, directory=Directory(ops), caseload=Caseload(ops))
        return [u.user_id for u in _consultants(shim, n)]


def _tally(settings: Settings, seq_before: int) -> dict[str, Any]:
    """What the operations store holds after the run."""
    from app.audit import AuditLog
    from app.ops import OpsStore

    with OpsStore.open(settings) as ops:
        by_kind = dict(
            ops.rows("SELECT kind, count(*) FROM audit_log WHERE seq > ? GROUP BY kind", [seq_before])
        )
        logged = [json.loads(p)["decision_id"] for (p,) in ops.rows(
            "SELECT payload FROM audit_log WHERE seq > ? AND kind = 'decision'", [seq_before])]  # fmt: skip
        decisions = [r[0] for r in ops.rows("SELECT decision_id FROM decisions")]
        chain = AuditLog(ops).verify()
    return {"by_kind": {k: int(v) for k, v in by_kind.items()}, "logged_decisions": logged,
            "decisions": decisions, "chain": chain}  # fmt: skip


def run_ops(
    settings: Settings, config: OpsConfig | None = None, ops_url: str | None = None
) -> dict[str, Any]:
    """Run the benchmark on a private copy of ``settings.home``; see the module docstring."""
    cfg = config or OpsConfig()
    with tempfile.TemporaryDirectory(prefix="jobmatch-ops-") as tmp, \
            (_given(ops_url) if ops_url else private_server()) as url:  # fmt: skip
        home = Path(tmp) / "home"
        shutil.copytree(
            settings.home, home, ignore=shutil.ignore_patterns("bench", "reports", "ops.*"), symlinks=True
        )
        served_settings = settings.at_home(home, ops_url=url, demo_login=False)
        users = _prepare(served_settings, cfg.processes * cfg.threads)
        from app.ops import OpsStore

        with OpsStore.open(served_settings) as ops:
            seq_before = int(ops.rows("SELECT coalesce(max(seq), 0) FROM audit_log")[0][0])
        ctx = multiprocessing.get_context("spawn")
        start, results = ctx.Barrier(cfg.processes + 1), ctx.Queue()
        procs = [ctx.Process(target=_serve, args=(served_settings, users[p :: cfg.processes], cfg, start, results))
                 for p in range(cfg.processes)]  # fmt: skip
        for p in procs:
            p.start()
        load_before = machine_info()["loadavg"]
        start.wait(900)
        parts = [results.get(timeout=cfg.duration_s + 600) for _ in procs]
        for p in procs:
            p.join(60)
        tally = _tally(served_settings, seq_before)
    return _summary(cfg, settings, parts, tally, load_before, [p.exitcode for p in procs])


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


def _summary(cfg: OpsConfig, settings: Settings, parts: list[dict[str, Any]], tally: dict[str, Any],
             load_before: Any, exit_codes: list[int | None]) -> dict[str, Any]:  # fmt: skip
    served: Counter[str] = Counter()
    for part in parts:
        served.update(part["served"])
    warm = Counter({op: len(parts) for op in WARM_UP})
    audited = {AUDITED[op]: served[op] + warm[op] for op in AUDITED}
    per_kind = {
        kind: {"served": n, "audit_rows": tally["by_kind"].get(kind, 0)} for kind, n in audited.items()
    }
    written, expected = sum(v["audit_rows"] for v in per_kind.values()), sum(audited.values())
    logged, decisions = tally["logged_decisions"], tally["decisions"]
    elapsed = max(p["elapsed_s"] for p in parts)
    latencies = _merge(p["latencies"] for p in parts)
    errors = [e for p in parts for e in p["errors"]]
    chain = tally["chain"]
    audit = {"rows_written": written, "audited_calls_served": expected,
             "lost": max(expected - written, 0), "duplicated": max(written - expected, 0),
             "equal_per_kind": all(v["served"] == v["audit_rows"] for v in per_kind.values()), "by_kind": per_kind,
             "chain_ok": chain.ok, "chain_records": chain.records, "chain_problem": chain.problem}  # fmt: skip
    dec = {"rows": len(decisions), "decide_calls": served["decide"], "distinct_ids_logged": len(set(logged)),
           "logged_once": len(logged) == len(set(logged)) and set(logged) == set(decisions)}  # fmt: skip
    ok = bool(not errors and audit["equal_per_kind"] and written == expected and chain.ok
              and dec["rows"] == dec["decide_calls"] and dec["logged_once"] and exit_codes == [0] * len(parts))  # fmt: skip
    calls = sum(served.values())
    return {
        "ok": ok, "benchmark": "ops", "machine": {**machine_info(), "loadavg_at_start": load_before},
        "config": asdict(cfg), "backend": "postgresql",
        "world": {"seekers": settings.seekers, "vacancies": settings.vacancies},
        "elapsed_s": round(elapsed, 2), "calls": calls, "throughput_calls_per_s": round(calls / elapsed, 2),
        "per_process_calls": [sum(p["served"].values()) for p in parts],
        "operations": {op: latency_stats(ms) for op, ms in latencies.items()},
        "errors": len(errors), "error_samples": errors[:10], "audit": audit, "decisions": dec,
        "exit_codes": exit_codes,
    }  # fmt: skip


def to_markdown(result: dict[str, Any]) -> str:
    cfg, a, d, m = result["config"], result["audit"], result["decisions"], result["machine"]
    rows = [(op, s["n"], s.get("p50_ms", ""), s.get("p95_ms", ""), s.get("p99_ms", ""))
            for op, s in sorted(result["operations"].items())]  # fmt: skip
    return "\n".join([
        "# Two dashboard processes on one PostgreSQL operations store",
        "",
        f"{cfg['processes']} processes × {cfg['threads']} consultant threads for {cfg['duration_s']:.0f} s on the "
        f"default world ({result['world']['seekers']:,} seekers, {result['world']['vacancies']:,} vacancies); "
        f"load average at start {m['loadavg_at_start']}. Result: **{'ok' if result['ok'] else 'FAILED'}**.",
        "",
        f"- Calls: {result['calls']:,} ({result['throughput_calls_per_s']} /s; per process "
        f"{', '.join(f'{n:,}' for n in result['per_process_calls'])}); errors: **{result['errors']}**",
        f"- Audit records written: {a['rows_written']:,} = audited calls returned: {a['audited_calls_served']:,} "
        f"(lost **{a['lost']}**, duplicated **{a['duplicated']}**; equal per kind: {a['equal_per_kind']})",
        f"- Hash chain: {'verifies' if a['chain_ok'] else 'BROKEN: ' + a['chain_problem']} "
        f"({a['chain_records']:,} records)",
        f"- Decisions: {d['rows']:,} rows = {d['decide_calls']:,} decide calls; each decision id logged once: "
        f"{d['logged_once']}",
        "",
        markdown_table(rows, ("call", "n", "p50 ms", "p95 ms", "p99 ms"), right=("n", "p50 ms", "p95 ms", "p99 ms")),
        "",
    ])  # fmt: skip


def write_results(result: dict[str, Any], target: str | Path) -> dict[str, Path]:
    """``target`` (the JSON) and the Markdown beside it."""
    json_path = Path(target)
    return report_files(result, json_path.parent, json_path.stem, md=to_markdown(result))
