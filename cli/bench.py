"""`jobmatch bench ...`: each benchmark runs, writes its results file(s) and prints its Markdown summary.

A benchmark whose own checks fail (faults, load, all) exits 1 after printing, so scripts can gate on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from cli.context import settings
from cli.progress import steps
from cli.render import console, show_table, show_text, show_written
from core.reporting import write_results
from core.settings import WorldSizeName

bench_app = typer.Typer(
    help="Benchmarks that print their figures and write a results file.", no_args_is_help=True
)

JsonOut = Annotated[Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench).")]


@bench_app.command("generate")
def bench_generate(
    ctx: typer.Context,
    vacancies: Annotated[list[int] | None, typer.Option(help="Vacancy counts to time (repeatable).")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Runs per size; the median is reported.")] = 3,
    json_out: JsonOut = None,
) -> None:
    """Time and peak memory of world generation at the default size and at large vacancy counts."""
    from bench.harness import bench_generate as run

    s = settings(ctx)
    result = run(s, vacancy_sizes=vacancies or [s.vacancies, 1_000_000], repeats=repeats)
    target = json_out or s.bench_dir / "generate.json"
    write_results(result, target.parent, target.stem, md=result["markdown"])
    rows = [(f"{row['vacancies']:,}", f"{row['seekers']:,}", f"{row['median_s']:.1f}", f"{row['peak_rss_mib']:.0f}",
             str(row["runs"])) for row in result["results"]]  # fmt: skip
    show_table(("vacancies", "seekers", "median s", "peak MiB", "runs"), rows, title="World generation")
    console.print(f"wrote {target} and {target.with_suffix('.md')}")


@bench_app.command("retrieval")
def bench_retrieval(
    ctx: typer.Context,
    sizes: Annotated[list[int] | None, typer.Option(help="Vector counts (repeatable).")] = None,
    kinds: Annotated[
        list[str] | None, typer.Option(help="Index kinds: flat, ivf, hnsw (repeatable).")
    ] = None,
    queries: Annotated[int, typer.Option(min=1, help="Queries for recall and latency.")] = 300,
    json_out: JsonOut = None,
) -> None:
    """FAISS build time, bytes/vector, p50/p95 latency, recall@50 and speed-up vs exact; encoder texts/s."""
    from bench.retrieval import (
        DEFAULT_KINDS,
        DEFAULT_SIZES,
        run_retrieval_benchmark,
        to_markdown,
        write_results,
    )

    target = json_out or settings(ctx).bench_dir / "retrieval.json"
    result = run_retrieval_benchmark(
        sizes or list(DEFAULT_SIZES), kinds or list(DEFAULT_KINDS), n_queries=queries
    )
    paths = write_results(result, target)
    _report(to_markdown(result), paths)


@bench_app.command("recommender")
def bench_recommender(
    ctx: typer.Context,
    events: Annotated[
        list[int] | None, typer.Option(help="Interaction-event counts to train on (repeatable).")
    ] = None,
    vacancies: Annotated[list[int] | None, typer.Option(help="Vacancy counts for serving latency.")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Training runs per size (median reported).")] = 3,
    json_out: JsonOut = None,
) -> None:
    """LightFM training time and peak memory by size; one-seeker serving latency vs per-pair predict."""
    from bench.recommender import (
        DEFAULT_EVENT_SIZES,
        DEFAULT_VACANCY_SIZES,
        run_recommender_benchmark,
        to_markdown,
        write_results,
    )

    target = json_out or settings(ctx).bench_dir / "recommender.json"
    result = run_recommender_benchmark(
        events or list(DEFAULT_EVENT_SIZES), vacancies or list(DEFAULT_VACANCY_SIZES), repeats=repeats
    )
    paths = write_results(result, target)
    _report(to_markdown(result), paths)


@bench_app.command("faults")
def bench_faults(
    ctx: typer.Context,
    kills: Annotated[
        int,
        typer.Option(
            min=5, help="SIGKILLs in all, spread over import, its refresh, build, training, release switch."
        ),
    ] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the kill times.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/faults.json).")
    ] = None,
) -> None:
    """Crash safety: kill import, refresh, build, training and the release switch; check what serves, rerun."""
    import tempfile

    from bench.faults import FaultConfig, run_faults, write_results

    target = json_out or settings(ctx).bench_dir / "faults.json"
    with tempfile.TemporaryDirectory(prefix="jobmatch-faults-") as tmp, steps("faults") as step:
        result = run_faults(Path(tmp), FaultConfig(kills=kills, seed=seed), progress=step)
    paths = write_results(result, target)
    _report(result["markdown"], paths, ok=result["ok"])


@bench_app.command("dashboard")
def bench_dashboard(
    ctx: typer.Context,
    citizens: Annotated[int, typer.Option(min=1, help="Citizens (and vacancies) to click through.")] = 25,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/dashboard.json).")
    ] = None,
) -> None:
    """Server-side latency of each dashboard interaction (p50 / p95) on a copy of the default world."""
    from bench.dashboard import run_dashboard_benchmark, to_markdown

    s = settings(ctx)
    target = json_out or s.bench_dir / "dashboard.json"
    with steps("dashboard benchmark") as step:
        result = run_dashboard_benchmark(s, citizens, progress=step)
    write_results(result, target.parent, target.stem, md=to_markdown(result))
    show_text(to_markdown(result))
    console.print(f"wrote {target} and {target.with_suffix('.md')}")


@bench_app.command("load")
def bench_load(
    ctx: typer.Context,
    threads: Annotated[int, typer.Option(min=1, help="Concurrent consultants (threads).")] = 20,
    duration: Annotated[float, typer.Option(min=1, help="Seconds the consultants work.")] = 60.0,
    think: Annotated[
        float, typer.Option(min=0, help="Seconds each consultant pauses after an answer (0: back to back).")
    ] = 0.0,
    think_spread: Annotated[
        float,
        typer.Option(
            min=0,
            max=1,
            help="Pauses vary by this share around --think, starts spread over one "
            "pause (0: equal pauses, all start at once).",
        ),
    ] = 0.5,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/load.json).")
    ] = None,
) -> None:
    """Concurrent consultants on one workspace: throughput, p50/p95/p99, errors, audit rows vs calls served."""
    from bench.load import LoadConfig, run_load, to_markdown, write_results

    s = settings(ctx)
    cfg = LoadConfig(threads=threads, duration_s=duration, think_s=think, think_spread=think_spread)
    result = run_load(s, cfg)
    paths = write_results(result, json_out or s.bench_dir / "load.json")
    _report(to_markdown(result), paths, ok=result["ok"])


@bench_app.command("live")
def bench_live(
    ctx: typer.Context,
    threads: Annotated[int, typer.Option(min=1, help="Concurrent consultants (threads).")] = 20,
    duration: Annotated[float, typer.Option(min=10, help="Seconds the consultants work.")] = 90.0,
    import_after: Annotated[
        float, typer.Option(min=0, help="Seconds into the run the import starts.")
    ] = 15.0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/live.json).")
    ] = None,
) -> None:
    """An import while consultants work: seconds until the new vacancy is suggested to the consultant it
    fits (target 60), with the load test's checks (no errors or refusals, audit rows = lists served, chain)."""
    from bench.live import LiveConfig, run_live, to_markdown, write_results

    s = settings(ctx)
    result = run_live(s, LiveConfig(threads=threads, duration_s=duration, import_after_s=import_after))
    paths = write_results(result, json_out or s.bench_dir / "live.json")
    _report(to_markdown(result), paths, ok=result["ok"])


@bench_app.command("startup")
def bench_startup(
    ctx: typer.Context,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/startup.json).")
    ] = None,
) -> None:
    """`make run`'s steps on this (built, unchanged) home until the dashboard answers, and a dashboard
    process's cold start (targets 20 s and 3 s)."""
    from bench.startup import run_startup, to_markdown, write_results

    s = settings(ctx)
    result = run_startup(s)
    paths = write_results(result, json_out or s.bench_dir / "startup.json")
    _report(to_markdown(result), paths, ok=result["ok"])


@bench_app.command("ops")
def bench_ops(
    ctx: typer.Context,
    processes: Annotated[int, typer.Option(min=1, help="Dashboard processes (OS processes).")] = 2,
    threads: Annotated[int, typer.Option(min=1, help="Consultant threads per process.")] = 10,
    duration: Annotated[float, typer.Option(min=1, help="Seconds the consultants work.")] = 60.0,
    ops_url: Annotated[
        str | None,
        typer.Option(
            help="An EMPTY PostgreSQL database to use (default: a private server, Debian's postgresql)."
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/ops.json).")
    ] = None,
) -> None:
    """Dashboard processes on one PostgreSQL operations store: audit records lost / duplicated, chain, decisions."""
    from bench.ops import OpsConfig, run_ops, to_markdown, write_results

    s = settings(ctx)
    result = run_ops(s, OpsConfig(processes=processes, threads=threads, duration_s=duration), ops_url=ops_url)
    paths = write_results(result, json_out or s.bench_dir / "ops.json")
    _report(to_markdown(result), paths, ok=result["ok"])


@bench_app.command("scale")
def bench_scale(
    ctx: typer.Context,
    world: Annotated[
        Path | None, typer.Option(help="Home folder of the world to measure (default: this home).")
    ] = None,
    size: Annotated[
        WorldSizeName | None,
        typer.Option(help="Generate this size preset into the world first (replaces it; a backup is kept)."),
    ] = None,
    build: Annotated[bool, typer.Option("--build/--no-build", help="Run `jobmatch build` first.")] = True,
    threads: Annotated[int, typer.Option(min=1, help="Concurrent consultants in the load step.")] = 100,
    duration: Annotated[float, typer.Option(min=1, help="Seconds of the load step.")] = 60.0,
    last: Annotated[
        bool,
        typer.Option("--last", help="Show the last run's results instead of running (a run takes long)."),
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/scale.json).")
    ] = None,
) -> None:
    """Generate (with --size), build and serve one world, each step in its own process: wall time and peak
    memory per step, cold open and single-call latency, then concurrent consultants under load."""
    from bench.scale import ScaleConfig, read_results, run_scale, to_markdown, write_results

    s = settings(ctx)
    target = json_out or s.bench_dir / "scale.json"
    if last:
        show_text(to_markdown(read_results(target.parent, target.stem)))
        return
    measured = s.at_home(world) if world else s
    config = ScaleConfig(size=size, build=build, threads=threads, duration_s=duration)
    with steps("scale") as step:
        result = run_scale(measured, config, say=step)
    paths = write_results(result, target.parent, target.stem)
    _report(to_markdown(result), paths)


@bench_app.command("all")
def bench_all(
    ctx: typer.Context,
    full: Annotated[
        bool, typer.Option("--full", help="The big sizes (1M vectors, 5M events, ...): hours.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Sections to run (repeatable): generate, encoders, retrieval, recommender, "
            "interventions, dashboard, load, live, startup, ops, scale (read from the last `bench scale`). Default: all."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for all.md / all.json (default: artefacts/bench).")
    ] = None,
) -> None:
    """Every benchmark in one run: one Markdown table and one JSON (medians, baselines, ratios, machine)."""
    from bench.suite import run_bench_all, to_markdown, write_results

    s = settings(ctx)
    result = run_bench_all(s, full=full, sections=only)
    paths = write_results(result, out or s.bench_dir)
    _report(to_markdown(result), paths, ok=not result["failed"])


def _report(markdown: str, paths: Mapping[str, Path], ok: bool = True) -> None:
    """Print a benchmark's report and the files it wrote; exit 1 when its own checks failed."""
    show_text(markdown)
    show_written(paths.values())
    if not ok:
        raise typer.Exit(1)
