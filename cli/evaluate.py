"""`jobmatch evaluate ...` and `jobmatch fairness`: model quality against the world's ground truth, with
reports on disk and the headline figures printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import settings
from cli.progress import steps
from cli.render import ci, console, show_table
from core.reporting import write_text_atomic
from core.settings import WorldSizeName
from data.synthetic.world_forms import WorldForm as WorldFormName

commands = typer.Typer()
evaluate_app = typer.Typer(
    help="Evaluations with reports (Markdown, PNG plots, JSON).", invoke_without_command=True
)

POLICIES = ("none", "historical", "random", "greedy", "policy_tree", "model", "shape_told", "oracle")


@evaluate_app.callback()
def evaluate_recommender(
    ctx: typer.Context,
    report: Annotated[
        Path | None, typer.Option(help="Report folder (default: artefacts/reports/recommender).")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed for training and bootstrap (0); with --world-form, the world's seed (42)."),
    ] = None,
    world_form: Annotated[
        WorldFormName | None,
        typer.Option(
            "--world-form",
            help="Evaluate on a generated world of this form (temporary folder, configured size) instead of "
            "the store's; adds its section to the report.",
        ),
    ] = None,
    worlds: Annotated[
        list[Path] | None,
        typer.Option(
            "--worlds", help="Evaluate these store files instead (repeatable); each adds a section."
        ),
    ] = None,
) -> None:
    """Recommender evaluation on a time-based split through the served funnel (run without a subcommand):
    metrics.json + report.md + plots."""
    if ctx.invoked_subcommand is not None:
        return
    from data.store import Store
    from evaluation.recommender import run_recommender_evaluation
    from evaluation.recommender_worlds import evaluate_store_file, evaluate_world_form
    from matching.build import load_encoder

    s = settings(ctx)
    out = report or s.reports_dir / "recommender"
    results = []
    with steps("evaluating the recommender"):
        if world_form is not None:
            world_seed = s.seed if seed is None else seed
            results.append(evaluate_world_form(s, world_form, world_seed, out, progress=False))
        elif worlds:
            results += [evaluate_store_file(p, s, out, seed=seed or 0, progress=False) for p in worlds]
        else:
            with Store(s.db_path, read_only=True) as store:
                results.append(run_recommender_evaluation(store, load_encoder(s), out, seed=seed or 0))
    for result in results:
        _show_recommender(result)
    console.print(f"wrote {out / 'report.md'}, {out / 'metrics.json'} and plots")


def _show_recommender(result: dict[str, Any]) -> None:
    metrics = result["metrics"]
    rows = [(name, f"{m['ndcg@10']['value']:.4f}", ci(m["ndcg@10"]["ci"]),
             f"{m['share_of_oracle_ndcg@10']['value']:.0%}",
             f"{d['value']:+.4f} {ci(d['ci'])}" if (d := m.get("hybrid_minus_model_ndcg@10")) else "–")
            for name, m in metrics.items()]  # fmt: skip
    show_table(("model", "ndcg@10", "95% CI", "share of oracle", "hybrid − model"), rows,
               title=f"Recommender, served pipeline, world {result['world']['label']}")  # fmt: skip
    console.print(
        f"reachable by serving: {result['reachable']['reachable']:.1%} of test positives "
        f"(retrieval depth {result['pipeline']['retrieval_depth']}; sweep chose {result['chosen_depth'] or 'all'})"
    )


@evaluate_app.command("ablation")
def evaluate_ablation(
    ctx: typer.Context,
    report: Annotated[
        Path | None, typer.Option(help="Report folder (default: artefacts/reports/ablation).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for training and bootstrap.")] = 0,
) -> None:
    """Does LightFM earn its place in the hybrid? NDCG@10 with and without it, paired CIs, per segment."""
    from data.store import Store
    from evaluation.ablation import run_ablation
    from matching.build import load_encoder

    s = settings(ctx)
    out = report or s.reports_dir / "ablation"
    with Store(s.db_path, read_only=True) as store, steps("LightFM ablation"):
        result = run_ablation(store, load_encoder(s), out, seed=seed)
    rows = [(segment, str(v["users"]), *(f"{v[m]['value']:.4f}" for m in ("with_lightfm", "without_lightfm", "rule")),
             f"{v['lightfm_gain']['value']:+.4f}", ci(v["lightfm_gain"]["ci"]))
            for segment, v in result["segments"].items()]  # fmt: skip
    show_table(("segment", "citizens", "with LightFM", "without", "rule", "LightFM's gain", "95% CI"), rows,
               title="NDCG@10 with and without LightFM")  # fmt: skip
    console.print(result["verdict"])
    console.print(f"wrote {out / 'ablation.md'} and {out / 'ablation.json'}")


@evaluate_app.command("tree-size")
def evaluate_tree_size(
    ctx: typer.Context,
    report: Annotated[
        Path | None, typer.Option(help="Report folder (default: artefacts/reports/recommender).")
    ] = None,
    worlds: Annotated[
        list[Path] | None,
        typer.Option("--worlds", help="Also these store files (repeatable), e.g. worlds of other forms."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for training and bootstrap.")] = 0,
) -> None:
    """How large must the ranker be? Served NDCG@10 per ensemble size, paired CIs, and the cost of
    explaining a shown list (tree_size.json/.md/.png)."""
    import tempfile

    from data.store import Store
    from evaluation.recommender_worlds import fitted_encoder
    from evaluation.tree_size import REFERENCE, run_tree_size, write_tree_size
    from matching.build import load_encoder

    s = settings(ctx)
    out = report or s.reports_dir / "recommender"
    results = []
    with steps("ranker size"):
        with Store(s.db_path, read_only=True) as store:
            results.append(run_tree_size(store, load_encoder(s), seed=seed))
        for path in worlds or []:
            with (
                tempfile.TemporaryDirectory(prefix="jobmatch-world-") as tmp,
                Store(path, read_only=True) as store,
            ):
                results.append(run_tree_size(store, fitted_encoder(store, s.at_home(Path(tmp))), seed=seed))
    for w in results:
        rows = [(size, f"{r['ndcg@10']:.4f}", _ci_cell(r["minus_reference"]), _ci_cell(r["minus_rule"]),
                 f"{r['explain_ms']:.2f}") for size, r in w["sizes"].items()]  # fmt: skip
        header = ("trees x leaves", "NDCG@10", f"− {REFERENCE}", "− rule", "explain ms")
        show_table(header, rows, title=w["world"])
    write_tree_size(results, out)
    console.print(f"wrote {out / 'tree_size.md'}, tree_size.json and tree_size.png")


def _ci_cell(cell: dict[str, Any] | None) -> str:
    return "—" if cell is None else f"{cell['value']:+.4f} {ci(cell['ci'])}"


@evaluate_app.command("encoders")
def evaluate_encoders(
    ctx: typer.Context,
    seekers: Annotated[int, typer.Option(min=10, help="Citizens with applications to sample.")] = 800,
    out: Annotated[
        Path | None, typer.Option(help="JSON file (default: artefacts/reports/encoders.json).")
    ] = None,
) -> None:
    """Compare the shipped encoders on ranking the vacancies citizens applied to (MRR, recall@50, speed)."""
    from data.store import Store
    from embeddings.factory import make_encoder
    from embeddings.lexical import FusionEncoder
    from embeddings.texts import seeker_texts, vacancy_texts
    from evaluation.encoders import compare_matching_encoders
    from matching.build import taxonomy_corpus

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        tax = store.load_taxonomy(store.meta("taxonomy") or "builtin")
        corpus = (
            taxonomy_corpus(tax)
            + vacancy_texts(store.table("vacancies"), tax)
            + seeker_texts(store.table("seekers"), tax)
        )
        char, minilm = make_encoder("char", corpus=corpus), make_encoder("minilm")
        encoders = {"char": char, "minilm": minilm, "fusion": FusionEncoder([(minilm, 0.5), (char, 0.5)])}
        result = compare_matching_encoders(store, encoders, n_seekers=seekers)
    target = out or s.reports_dir / "encoders.json"
    write_text_atomic(target, json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    rows = [(name, f"{r['mrr']['value']:.4f}", ci(r["mrr"]["ci"]), f"{r['recall@50']['value']:.4f}",
             ci(r["recall@50"]["ci"]), f"{r['texts_per_s']:.0f}") for name, r in result["encoders"].items()]  # fmt: skip
    show_table(
        ("encoder", "MRR", "95% CI", "recall@50", "95% CI", "texts/s"), rows, title="Encoders on matching"
    )
    console.print(f"wrote {target}")


@evaluate_app.command("interventions")
def evaluate_interventions(
    ctx: typer.Context,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Report folder (default: artefacts/reports/interventions)."),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the split, the random allocation and the IHDP draws.")
    ] = 0,
    ihdp_reps: Annotated[int, typer.Option(min=0, help="IHDP replications (0 skips IHDP).")] = 100,
    nsw_seeds: Annotated[int, typer.Option(min=0, help="NSW + CPS cross-fitting seeds (0 skips it).")] = 20,
    worlds: Annotated[
        list[Path] | None,
        typer.Option(
            "--worlds",
            help="Store files of other worlds (repeatable): bias, coverage, tie errors and gain share across "
            "them and this one, into worlds.json / worlds.md.",
        ),
    ] = None,
    record_coverage: Annotated[
        bool,
        typer.Option(
            "--record-coverage",
            help="With --worlds: record the measured coverage where the product reads it "
            "(which programmes' bands may be called 90 %% intervals); with --many-worlds: add the mean "
            "coverage over those worlds there (shown to analysts).",
        ),
    ] = False,
    share_reps: Annotated[
        int,
        typer.Option(
            min=0,
            help="With --worlds: resamples of citizens, each refitted, for intervals of the share of the "
            "oracle's gain (about 40 s each per world; 0 skips them).",
        ),
    ] = 0,
    many_worlds: Annotated[
        int,
        typer.Option(
            "--many-worlds",
            min=0,
            help="Instead: bias, calibration, tie errors and gain share over this many fresh worlds (about "
            "40 s each), into many_worlds.json / .md / .png.",
        ),
    ] = 0,
    first_seed: Annotated[
        int,
        typer.Option(
            min=0,
            help="With --many-worlds: the first world's seed (100: the report's 60 worlds are 100-159).",
        ),
    ] = 100,
    min_propensity: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            max=0.49,
            help="With --many-worlds: study this overlap threshold instead of the model's (no estimate where "
            "a programme's or no programme's propensity is below it).",
        ),
    ] = None,
    size: Annotated[
        WorldSizeName,
        typer.Option(
            "--size",
            help="With --many-worlds: the worlds' size (default: 20,000 citizens, 25,000 episodes; "
            "copenhagen: 60,000 citizens, 75,000 episodes, about 70 s per world).",
        ),
    ] = "default",
) -> None:
    """Effects vs the synthetic ground truth, policy value under capacity, IHDP and NSW + CPS benchmarks."""
    from data.store import Store
    from evaluation.interventions import run_intervention_evaluation

    s = settings(ctx)
    out = report or s.reports_dir / "interventions"
    if many_worlds:
        from evaluation.intervention_many_worlds import many_worlds_study, study_size
        from recommender.interventions.coverage import COVERAGE_FILE
        from recommender.interventions.params import DRParams

        if record_coverage and min_propensity is not None:
            raise typer.BadParameter(
                "--record-coverage records the product model's figures: leave out --min-propensity"
            )
        params = DRParams(seed=seed)
        if min_propensity is not None:
            params = params.model_copy(update={"min_propensity": min_propensity})
        with steps("evaluating programme effects over many worlds") as step:
            summary = many_worlds_study(
                many_worlds,
                out,
                params=params,
                seed=seed,
                first_seed=first_seed,
                size=study_size(size),
                progress=step,
                coverage_path=COVERAGE_FILE if record_coverage else None,
            )
        console.print(f"targets: {summary['targets']}")
        console.print(f"wrote {out / 'many_worlds.md'}")
        return
    if worlds:
        _compare_worlds(s.db_path, worlds, out, seed, record_coverage, share_reps)
        return
    with Store(s.db_path, read_only=True) as store, steps("evaluating interventions") as step:
        r = run_intervention_evaluation(
            store, out, seed, ihdp_reps=ihdp_reps, nsw_seeds=nsw_seeds, progress=step,
        )  # fmt: skip
    syn = r["synthetic"]
    effects = [
        (
            arm,
            f"{row['share_with_estimate']:.0%}",
            f"{100 * row['sqrt_pehe']:.2f}",
            f"{100 * row['ate_error']:.2f}",
        )
        if "sqrt_pehe" in row
        else (arm, f"{row['share_with_estimate']:.0%}", "–", "–")
        for arm, row in syn["per_programme"].items()
    ]
    show_table(("programme", "with estimate", "sqrt(PEHE) pp", "ATE error pp"), effects,
               title="Effects vs ground truth")  # fmt: skip
    gain = "share_of_oracle_gain_over_historical"
    policies = [(name, f"{syn['policies'][name]['policy_value']:.2%}",
                 "–" if syn["policies"][name][gain] is None else f"{syn['policies'][name][gain]:.0%}")
                for name in POLICIES]  # fmt: skip
    show_table(("allocation", "policy value", "share of the oracle's gain over historical"), policies,
               title="Employed within 26 weeks, same seats")  # fmt: skip
    console.print("shape_told: a reference, not a product model: a learner told each programme's true effect "
                  "shape, fitting its size from the same outcomes.")  # fmt: skip
    ihdp, nsw = r["ihdp"], r["nsw_cps"]
    if ihdp.get("status") == "ok":
        held_out = ihdp.get("held_out_protocol", {}).get("learners", {})
        console.print("IHDP (surface B draws, not the NPCI setting-A files): sqrt(PEHE) within / out of "
                      "sample on held-out draws, same harness:")  # fmt: skip
        for name, m in held_out.items():
            console.print(f"  {name}: {m['sqrt_pehe_within']:.2f} / {m['sqrt_pehe_out']:.2f}")
    else:
        console.print(f"IHDP: {ihdp.get('status')} {ihdp.get('reason', '')}")
    if nsw.get("status") == "ok":
        console.print(
            f"NSW + CPS: ATT median {nsw['median_usd']:,.0f} USD over {nsw_seeds} seeds (range "
            f"{nsw['min_usd']:,.0f}-{nsw['max_usd']:,.0f}; experimental {nsw['experimental_usd']:,.0f})"
        )
    else:
        console.print(f"NSW + CPS: {nsw.get('status')} {nsw.get('reason', '')}")
    console.print(f"targets: {r['targets']}")
    console.print(f"wrote {out / 'interventions.json'} and {out / 'interventions.md'}")


def _world_name(path: Path, store: Any) -> str:
    """``seed 2027`` for a generated world (its seed is in the store), else the file's folder and name."""
    seed = store.meta("seed")
    return f"seed {seed}" if seed else _file_name(path)


def _file_name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _compare_worlds(
    home_db: Path, worlds: list[Path], out: Path, seed: int, record: bool, share_reps: int = 0
) -> None:
    """Issue-14 figures across this installation's world and the given ones (one report)."""
    from contextlib import ExitStack

    from data.store import Store
    from evaluation.intervention_worlds import run_world_comparison
    from recommender.interventions.coverage import COVERAGE_FILE

    with ExitStack() as stack, steps("comparing programme effects across worlds") as step:
        opened = [(p, stack.enter_context(Store(p, read_only=True))) for p in [home_db, *worlds]]
        names = [_world_name(p, store) for p, store in opened]
        if len(set(names)) < len(names):  # two worlds of one seed: tell them apart by their files
            names = [_file_name(p) for p, _ in opened]
        stores = {name: store for name, (_, store) in zip(names, opened, strict=True)}
        run_world_comparison(
            stores,
            out,
            seed,
            coverage_path=COVERAGE_FILE if record else None,
            share_reps=share_reps,
            progress=step,
        )
    console.print(f"wrote {out / 'worlds.json'} and {out / 'worlds.md'}")


@evaluate_app.command("linking")
def evaluate_linking(
    ctx: typer.Context,
    report: Annotated[
        Path | None, typer.Option("--report", help="Report folder (default: <home>/reports/linking).")
    ] = None,
    shared_data: Annotated[
        Path | None,
        typer.Option(help="Folder with esco-v1.1.1/ and esco-da-labels/ (default: ../shared/data)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the dev/test split and of training.")] = 0,
    minilm: Annotated[bool, typer.Option(help="Include the MiniLM methods (slowest part).")] = True,
    extras: Annotated[
        bool,
        typer.Option(
            "--extras",
            help="Only the Danish reports: failure classes before/after, skills in Danish, link throughput.",
        ),
    ] = False,
) -> None:
    """Title-linking benchmark on Danish ESCO labels: MRR / success@k with bootstrap CIs, JSON + Markdown + plot."""
    from evaluation.linking import DEFAULT_SHARED_DATA, run_linking_benchmark, run_linking_extras

    s = settings(ctx)
    target = report or s.reports_dir / "linking"
    if extras:
        with steps("Danish linking reports (trains the linkers: minutes)"):
            run_linking_extras(shared_data or DEFAULT_SHARED_DATA, target, seed, model_dir=s.models_dir)
        console.print(f"wrote {target}/classes.md, skills.md and throughput.json")
        return
    with steps("title-linking benchmark (trains the linkers: minutes)"):
        result = run_linking_benchmark(
            shared_data or DEFAULT_SHARED_DATA, target, seed=seed, include_minilm=minilm
        )
    chosen = result["chosen_by_dev_mrr"]
    rows = [(f"[bold]{name}[/bold]" if name == chosen else name, f"{m['mrr']['value']:.4f}", ci(m["mrr"]["ci"]),
             f"{m['success@1']['value']:.4f}", f"{m['success@10']['value']:.4f}", f"{m['queries_per_s'] or 0:,.0f}")
            for name, m in result["methods"].items()]  # fmt: skip
    title = f"Title linking: {result['n_queries']:,} test queries, {result['n_occupations']:,} occupations"
    show_table(("method", "MRR", "95% CI", "success@1", "success@10", "queries/s"), rows, title=title)
    console.print(f"default chosen on dev: {chosen}; wrote {target}/linking.json, .md, .png")


@commands.command("fairness")
def fairness(
    ctx: typer.Context,
    report: Annotated[
        Path | None, typer.Option("--report", help="Report folder (default: artefacts/reports/fairness).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for training, re-ranking and the bootstrap.")] = 0,
    n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap resamples per interval.")] = 1000,
) -> None:
    """Fairness audit: historical hires, shortlists with and without fair re-ranking, intervention allocation."""
    from data.store import Store
    from evaluation.fairness.report import report_dir, run_fairness_audit
    from matching.build import load_encoder

    s = settings(ctx)
    out = report or report_dir(s)
    with Store(s.db_path, read_only=True) as store, steps("fairness audit") as step:
        r = run_fairness_audit(s, store, load_encoder(s), out, seed=seed, n_boot=n_boot, progress=step)
    rows = [(g, f"{b['ratio']:.3f}" if b["ratio"] is not None else "–",
             ci(b["ci"]) if b["ci"][0] is not None else "–", str(b["detected"]))
            for g, b in r["bias_detected"].items()]  # fmt: skip
    show_table(
        ("known-biased group", "interview-rate ratio", "95% CI", "detected"), rows, title="Historical hires"
    )
    rr = r["reranking"]
    console.print(
        f"re-ranking {rr['method']} {rr['options']}: NDCG@10 {rr['ndcg@10_before']:.4f} -> {rr['ndcg@10_after']:.4f} "
        f"(loss {rr['ndcg@10_loss']['value']:.2%}), max |skew@10| {rr['max_abs_skew@10_before']:.3f} -> "
        f"{rr['max_abs_skew@10_after']:.3f}; target {'met' if rr['target_met'] else 'not met'}"
    )
    console.print(f"wrote {out / 'fairness.json'}, {out / 'fairness.md'} and plots")
