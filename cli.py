"""`jobmatch`: the batch front door. Thin: every command parses arguments and calls into the packages."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from core.errors import MissingFileError
from core.settings import Settings, TaxonomyName, load_settings

if TYPE_CHECKING:
    import polars as pl

    from matching.retrieval import Matcher
    from recommender.service import RecommendationService

console = Console()
err = Console(stderr=True, soft_wrap=True)
app = typer.Typer(
    help="Jobmatch: decision support for Danish job centres.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Inspect the data in the store.", no_args_is_help=True)
taxonomy_app = typer.Typer(
    help="Occupation and skill taxonomies (built-in Danish catalogue, ESCO).", no_args_is_help=True
)
bench_app = typer.Typer(
    help="Benchmarks that print their figures and write a results file.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
app.add_typer(taxonomy_app, name="taxonomy")
match_app = typer.Typer(help="Matches both ways, with explanations.", no_args_is_help=True)
recommend_app = typer.Typer(
    help="Hybrid recommendations from the saved models, both ways.", no_args_is_help=True
)
evaluate_app = typer.Typer(
    help="Evaluations with reports (Markdown, PNG plots, JSON).", invoke_without_command=True
)
app.add_typer(bench_app, name="bench")
app.add_typer(match_app, name="match")
app.add_typer(recommend_app, name="recommend")
app.add_typer(evaluate_app, name="evaluate")
audit_app = typer.Typer(
    help="The hash-chained audit log: verify, purge expired records.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
users_app = typer.Typer(
    help="Dashboard users: roles, job-centre / employer scope, OIDC e-mail.", no_args_is_help=True
)
app.add_typer(users_app, name="users")


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option(help="Artefacts folder (default: settings / JOBMATCH_HOME).")
    ] = None,
) -> None:
    """Settings come from jobmatch.toml (or $JOBMATCH_CONFIG) and JOBMATCH_* variables."""
    ctx.obj = load_settings(**({"home": home} if home else {}))


@app.command()
def generate(
    ctx: typer.Context,
    seekers: Annotated[int | None, typer.Option(min=1, help="Number of seekers.")] = None,
    vacancies: Annotated[int | None, typer.Option(min=1, help="Number of vacancies.")] = None,
    interactions: Annotated[
        int | None, typer.Option(min=0, help="Target number of interaction events.")
    ] = None,
    episodes: Annotated[int | None, typer.Option(min=0, help="Number of intervention episodes.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    taxonomy: Annotated[TaxonomyName | None, typer.Option(help="Taxonomy to generate from.")] = None,
    if_absent: Annotated[bool, typer.Option("--if-absent", help="Do nothing if the store exists.")] = False,
) -> None:
    """Generate the synthetic Odense + Copenhagen world into the DuckDB store (replaced atomically)."""
    from data.synthetic.generate import WorldSize
    from data.synthetic.world import generate_store

    s = _settings(ctx)
    if if_absent and s.db_path.exists():
        console.print(f"store exists at {s.db_path}; nothing to generate")
        return
    size = WorldSize(
        seekers=seekers or s.seekers,
        vacancies=vacancies or s.vacancies,
        interactions=s.interactions if interactions is None else interactions,
        episodes=s.episodes if episodes is None else episodes,
        seed=s.seed if seed is None else seed,
    )
    counts = generate_store(s.db_path, size, taxonomy or s.taxonomy)
    table = Table("table", "rows", title=f"Generated world in {s.db_path}")
    for name, n in counts.items():
        if not name.startswith("gt_"):
            table.add_row(name, f"{n:,}")
    console.print(table)


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Create the store if needed and apply pending schema migrations."""
    from data.store import Store

    with Store(_settings(ctx).db_path, read_only=False) as store:
        console.print(f"{store.path}: schema version {store.schema_version()}")


@app.command()
def build(ctx: typer.Context) -> None:
    """Build every derived artefact: embeddings (cached), both FAISS indexes (incremental), the hybrid
    recommender and the intervention model."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from matching.build import build_indexes

    s = _settings(ctx)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("building", total=None)
        stats = build_indexes(s, progress=lambda m: bar.update(task, description=m))
        bar.update(task, description="training the hybrid recommender")
        from recommender.service import train_and_save

        trained = train_and_save(s, seed=s.seed)
        bar.update(task, description="fitting the intervention model (kept if the data has not changed)")
        from data.store import Store
        from recommender.interventions import load_or_fit

        intervention_note = ""
        with Store(s.db_path, read_only=True) as store:
            try:
                _, refitted = load_or_fit(s.models_dir, store)
                intervention_note = "fitted" if refitted else "up to date"
            except ValueError as exc:  # too few episodes per programme in a tiny world
                intervention_note = f"not fitted ({exc}); programme suggestions stay off"
    table = Table("index", "mode", "kind", "vectors", "encoded", "upserted", "removed", "seconds",
                  title=f"Indexes in {s.indexes_dir} (encoder {stats['encoder']})")  # fmt: skip
    for side in ("vacancies", "seekers"):
        st = stats[side]
        table.add_row(side, st["mode"], st["kind"], f"{st['count']:,}", f"{st['encoded']:,}",
                      f"{st['upserted']:,}", f"{st['removed']:,}", str(st["seconds"]))  # fmt: skip
    console.print(table)
    console.print(
        f"hybrid recommender trained on {trained['train_positives']:,} positives + {trained['ranker_events']:,} "
        f"recent events in {trained['seconds']} s -> {trained['folder']}"
    )
    console.print(f"intervention model {intervention_note} in {s.models_dir}")


@match_app.command("seeker")
def match_seeker(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    k: Annotated[int, typer.Option(min=1, max=500, help="How many vacancies.")] = 10,
    max_km: Annotated[float | None, typer.Option(help="Distance limit (default: the citizen's own).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Open vacancies for a citizen, with the reasons (skills matched and missing, distance, summary)."""
    from matching.retrieval import MatchFilters

    with _matcher(ctx) as matcher:
        frame = matcher.vacancies_for_seeker(seeker_id, k, MatchFilters(max_distance_km=max_km))
    _show_matches(frame, "vacancy_id", "title", as_json, f"Vacancies for {seeker_id}")


@match_app.command("vacancy")
def match_vacancy(
    ctx: typer.Context,
    vacancy_id: Annotated[str, typer.Argument(help="Vacancy id.")],
    k: Annotated[int, typer.Option(min=1, max=500, help="How many candidates.")] = 10,
    employer_view: Annotated[
        bool, typer.Option("--employer-view", help="Only citizens who consented.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Candidates for a vacancy, each within their own commute limit, with the reasons."""
    from matching.retrieval import MatchFilters

    with _matcher(ctx) as matcher:
        frame = matcher.seekers_for_vacancy(vacancy_id, k, MatchFilters(consent_only=employer_view))
    _show_matches(frame, "seeker_id", "summary_da", as_json, f"Candidates for {vacancy_id}")


@match_app.command("other-industries")
def match_other_industries(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    n: Annotated[int, typer.Option(min=1, max=50, help="How many occupations.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Occupations in other industries the citizen's skills transfer to, with the skill gap."""
    from matching.transfer import other_industries

    with _matcher(ctx) as matcher:
        frame = other_industries(matcher, seeker_id, n)
    if as_json:
        _json_lines(frame)
        return
    table = Table(
        "#",
        "occupation",
        "sector",
        "score",
        "skills had",
        "gap",
        "open jobs",
        title=f"Other industries for {seeker_id}",
    )
    for r in frame.iter_rows(named=True):
        table.add_row(str(r["rank"]), r["occupation"], r["sector"], f"{r['score']:.2f}",
                      f"{r['essential_coverage']:.0%}", ", ".join(r["gap_skills"][:4]), str(r["open_vacancies"]))  # fmt: skip
    console.print(table)


@contextmanager
def _matcher(ctx: typer.Context) -> Iterator[Matcher]:
    from data.store import Store
    from matching.retrieval import Matcher

    s = _settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        yield Matcher.open(s, store)


def _json_lines(frame: pl.DataFrame) -> None:
    for row in frame.to_dicts():
        console.print(
            json.dumps(row, ensure_ascii=False, default=str), soft_wrap=True, highlight=False, markup=False
        )


def _show_matches(frame: pl.DataFrame, key: str, label: str, as_json: bool, title: str) -> None:
    if as_json:
        _json_lines(frame)
        return
    table = Table("#", key, label, "similarity", "skills", "km", "why", title=title)
    for r in frame.iter_rows(named=True):
        table.add_row(str(r["rank"]), r[key], r[label] if label != "summary_da" else "", f"{r['similarity']:.3f}",
                      f"{r['essential_coverage']:.0%}", f"{r['distance_km']:.1f}", r["summary_da"])  # fmt: skip
    console.print(table)


@app.command("import")
def import_(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="seekers | vacancies | employers | interactions")],
    file: Annotated[Path, typer.Argument(help="CSV (',' ';' or tab; UTF-8 or Latin-1) or Parquet file.")],
    replace: Annotated[bool, typer.Option("--replace", help="Update rows whose id already exists.")] = False,
) -> None:
    """Validate a file completely and import it in one transaction; a bad file writes nothing."""
    from data.importing import import_file
    from data.store import Store

    s = _settings(ctx)
    with Store(s.db_path, read_only=False, create=False) as store:
        report = import_file(store, table, file, max_bytes=s.import_max_bytes, replace=replace)
    console.print(
        f"imported {report.rows:,} {table} rows from {file} ({report.encoding}"
        + (f", delimiter {report.delimiter!r}" if report.delimiter else "")
        + f"); replaced {report.replaced}; data version {report.data_version}"
    )
    if report.masked_cpr_rows:
        console.print(
            f"[yellow]masked CPR-number-like text in {len(report.masked_cpr_rows)} row(s): "
            f"{report.masked_cpr_rows[:20]}[/yellow]"
        )


@app.command()
def export(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Any table in the store.")],
    file: Annotated[Path, typer.Argument(help="Output .parquet or .csv (CSV is guarded against formulas).")],
) -> None:
    """Export a table to Parquet or CSV."""
    from data.export import export_table
    from data.store import Store

    with Store(_settings(ctx).db_path, read_only=True) as store:
        n = export_table(store, table, file)
    console.print(f"wrote {n:,} rows of {table} to {file}")


@data_app.command("report")
def data_report(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(help="Also write the report as Markdown to this file.")] = None,
) -> None:
    """Counts and distributions of the world in the store."""
    from data.report import data_report as build_report
    from data.report import to_markdown
    from data.store import Store

    with Store(_settings(ctx).db_path, read_only=True) as store:
        sections = build_report(store)
    for title, frame in sections:
        table = Table(*frame.columns, title=title, title_justify="left")
        for row in frame.iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_markdown(sections), encoding="utf-8")
        console.print(f"wrote {out}")


@taxonomy_app.command("import-esco")
def taxonomy_import_esco(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="Folder with the ESCO CSV zips, an extracted folder, or one zip.")
    ],
    labels_da: Annotated[
        Path | None, typer.Option("--labels-da", help="Danish labels CSV (conceptUri,label,labelIndex).")
    ] = None,
) -> None:
    """Load the official ESCO CSV download into the store as taxonomy 'esco'."""
    from data.esco import load_esco
    from data.store import Store

    taxonomy = load_esco(path, labels_da, progress=True)
    with Store(_settings(ctx).db_path, read_only=False) as store:
        store.save_taxonomy(taxonomy)
    _print_summary("esco", taxonomy.summary())


@taxonomy_app.command("show")
def taxonomy_show(
    ctx: typer.Context,
    name: Annotated[TaxonomyName, typer.Option("--taxonomy", help="Which taxonomy.")] = "builtin",
) -> None:
    """Counts of a taxonomy (the built-in catalogue needs no store)."""
    from data.store import Store
    from data.taxonomy import load_builtin

    if name == "builtin":
        taxonomy = load_builtin()
    else:
        with Store(_settings(ctx).db_path, read_only=True) as store:
            taxonomy = store.load_taxonomy(name)
    _print_summary(name, taxonomy.summary())


def _print_summary(name: str, summary: dict[str, int]) -> None:
    table = Table("what", "count", title=f"Taxonomy {name}")
    for key, value in summary.items():
        table.add_row(key, f"{value:,}")
    console.print(table)


@bench_app.command("generate")
def bench_generate(
    ctx: typer.Context,
    vacancies: Annotated[list[int] | None, typer.Option(help="Vacancy counts to time (repeatable).")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Runs per size; the median is reported.")] = 3,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench).")
    ] = None,
) -> None:
    """Time and peak memory of world generation at the default size and at large vacancy counts."""
    from bench.harness import bench_generate as run

    s = _settings(ctx)
    result = run(s, vacancy_sizes=vacancies or [s.vacancies, 1_000_000], repeats=repeats)
    target = json_out or s.bench_dir / "generate.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2), encoding="utf-8")
    table = Table("vacancies", "seekers", "median s", "peak MiB", "runs", title="World generation")
    for row in result["results"]:
        table.add_row(
            f"{row['vacancies']:,}",
            f"{row['seekers']:,}",
            f"{row['median_s']:.1f}",
            f"{row['peak_rss_mib']:.0f}",
            str(row["runs"]),
        )
    console.print(table)
    console.print(f"wrote {target} and {target.with_suffix('.md')}")
    target.with_suffix(".md").write_text(result["markdown"], encoding="utf-8")


@recommend_app.command("seeker")
def recommend_seeker(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many vacancies.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Vacancies for a citizen, ranked by the hybrid; shows P(apply), P(employer moves on) and why."""
    with _service(ctx) as service:
        _show_recommendations(
            service.for_seeker(seeker_id, k), "vacancy_id", "title", as_json, f"Recommended for {seeker_id}"
        )


@recommend_app.command("vacancy")
def recommend_vacancy(
    ctx: typer.Context,
    vacancy_id: Annotated[str, typer.Argument(help="Vacancy id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many candidates.")] = 10,
    employer_view: Annotated[
        bool, typer.Option("--employer-view", help="Only citizens who consented.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Candidates for a vacancy, ranked by the reciprocal (two-sided) score."""
    from matching.retrieval import MatchFilters

    with _service(ctx) as service:
        frame = service.for_vacancy(vacancy_id, k, MatchFilters(consent_only=employer_view))
        _show_recommendations(frame, "seeker_id", "summary_da", as_json, f"Candidates for {vacancy_id}")


@contextmanager
def _service(ctx: typer.Context) -> Iterator[RecommendationService]:
    from data.store import Store
    from recommender.service import RecommendationService

    s = _settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        yield RecommendationService.open(s, store)


def _show_recommendations(frame: pl.DataFrame, key: str, label: str, as_json: bool, title: str) -> None:
    if as_json:
        _json_lines(frame)
        return
    table = Table("#", key, label, "P(apply)", "P(employer)", "score", "skills", "km", "why", title=title)
    for r in frame.iter_rows(named=True):
        table.add_row(str(r["rank"]), r[key], r[label] if label != "summary_da" else "", f"{r['p_apply']:.2f}",
                      f"{r['p_employer']:.2f}", f"{r['reciprocal']:.3f}", f"{r['essential_coverage']:.0%}",
                      f"{r['distance_km']:.1f}", f"{r['why_score']}. {r['summary_da']}")  # fmt: skip
    console.print(table)


@evaluate_app.callback()
def evaluate_recommender(
    ctx: typer.Context,
    report: Annotated[
        Path | None, typer.Option(help="Report folder (default: artefacts/reports/recommender).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for training and bootstrap.")] = 0,
) -> None:
    """Recommender evaluation on a time-based split (run without a subcommand): metrics.json + report.md + plots."""
    if ctx.invoked_subcommand is not None:
        return
    from data.store import Store
    from evaluation.recommender import run_recommender_evaluation
    from matching.build import load_encoder

    s = _settings(ctx)
    out = report or s.reports_dir / "recommender"
    with Store(s.db_path, read_only=True) as store:
        result = run_recommender_evaluation(store, load_encoder(s), out, seed=seed)
    table = Table(
        "model", "ndcg@10", "95% CI", "recall@50", "95% CI", "share of oracle", title="Recommender evaluation"
    )
    for name, m in result["metrics"].items():
        table.add_row(name, f"{m['ndcg@10']['value']:.4f}", _ci(m["ndcg@10"]["ci"]), f"{m['recall@50']['value']:.4f}",
                      _ci(m["recall@50"]["ci"]), f"{m['share_of_oracle_ndcg@10']['value']:.0%}")  # fmt: skip
    console.print(table)
    console.print(f"wrote {out / 'report.md'}, {out / 'metrics.json'} and plots")


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

    s = _settings(ctx)
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
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2), encoding="utf-8")
    table = Table("encoder", "MRR", "95% CI", "recall@50", "95% CI", "texts/s", title="Encoders on matching")
    for name, r in result["encoders"].items():
        table.add_row(name, f"{r['mrr']['value']:.4f}", _ci(r["mrr"]["ci"]), f"{r['recall@50']['value']:.4f}",
                      _ci(r["recall@50"]["ci"]), f"{r['texts_per_s']:.0f}")  # fmt: skip
    console.print(table)
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
    nsw_seeds: Annotated[int, typer.Option(min=0, help="NSW + CPS cross-fitting seeds (0 skips it).")] = 5,
) -> None:
    """Effects vs the synthetic ground truth, policy value under capacity, IHDP and NSW + CPS benchmarks."""
    from data.store import Store
    from evaluation.interventions import run_intervention_evaluation

    s = _settings(ctx)
    out = report or s.reports_dir / "interventions"
    with Store(s.db_path, read_only=True) as store, console.status("evaluating interventions") as status:
        r = run_intervention_evaluation(
            store, out, seed, ihdp_reps=ihdp_reps, nsw_seeds=nsw_seeds,
            progress=lambda m: status.update(f"interventions: {m}"),
        )  # fmt: skip
    syn = r["synthetic"]
    table = Table(
        "programme", "with estimate", "sqrt(PEHE) pp", "ATE error pp", title="Effects vs ground truth"
    )
    for arm, row in syn["per_programme"].items():
        if "sqrt_pehe" in row:
            table.add_row(arm, f"{row['share_with_estimate']:.0%}", f"{100 * row['sqrt_pehe']:.2f}",
                          f"{100 * row['ate_error']:.2f}")  # fmt: skip
        else:
            table.add_row(arm, f"{row['share_with_estimate']:.0%}", "–", "–")
    console.print(table)
    table = Table(
        "allocation", "policy value", "share of oracle", title="Employed within 26 weeks, same seats"
    )
    for name in ("none", "historical", "random", "greedy", "policy_tree", "model", "oracle"):
        p = syn["policies"][name]
        table.add_row(name, f"{p['policy_value']:.2%}", f"{p['share_of_oracle']:.1%}")
    console.print(table)
    ihdp, nsw = r["ihdp"], r["nsw_cps"]
    if ihdp.get("status") == "ok":
        console.print(f"IHDP: sqrt(PEHE) {ihdp['sqrt_pehe']:.2f} (BART 2.1, causal forest 3.8, CFR-Wass 0.71), "
                      f"ATE error {ihdp['ate_error']:.2f}")  # fmt: skip
    else:
        console.print(f"IHDP: {ihdp.get('status')} {ihdp.get('reason', '')}")
    if nsw.get("status") == "ok":
        console.print(
            f"NSW + CPS: ATT {nsw['effect_usd']:,.0f} USD (experimental {nsw['experimental_usd']:,.0f})"
        )
    else:
        console.print(f"NSW + CPS: {nsw.get('status')} {nsw.get('reason', '')}")
    console.print(f"targets: {r['targets']}")
    console.print(f"wrote {out / 'interventions.json'} and {out / 'interventions.md'}")


@app.command("fairness")
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

    s = _settings(ctx)
    out = report or report_dir(s)
    with Store(s.db_path, read_only=True) as store, console.status("fairness audit") as status:
        r = run_fairness_audit(s, store, load_encoder(s), out, seed=seed, n_boot=n_boot,
                               progress=lambda m: status.update(f"fairness: {m}"))  # fmt: skip
    table = Table(
        "known-biased group", "interview-rate ratio", "95% CI", "detected", title="Historical hires"
    )
    for g, b in r["bias_detected"].items():
        table.add_row(g, f"{b['ratio']:.3f}" if b["ratio"] is not None else "–",
                      _ci(b["ci"]) if b["ci"][0] is not None else "–", str(b["detected"]))  # fmt: skip
    console.print(table)
    rr = r["reranking"]
    console.print(
        f"re-ranking {rr['method']} {rr['options']}: NDCG@10 {rr['ndcg@10_before']:.4f} -> {rr['ndcg@10_after']:.4f} "
        f"(loss {rr['ndcg@10_loss']['value']:.2%}), max |skew@10| {rr['max_abs_skew@10_before']:.3f} -> "
        f"{rr['max_abs_skew@10_after']:.3f}; target {'met' if rr['target_met'] else 'not met'}"
    )
    console.print(f"wrote {out / 'fairness.json'}, {out / 'fairness.md'} and plots")


@recommend_app.command("programmes")
def recommend_programmes_cmd(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    refit: Annotated[bool, typer.Option("--refit", help="Refit the intervention model first.")] = False,
    employers: Annotated[int, typer.Option(min=0, max=10, help="Employers per company-based programme.")] = 3,
    use_matcher: Annotated[
        bool, typer.Option("--matcher/--no-matcher", help="Employers from the match indexes when built.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table and text.")] = False,
) -> None:
    """Programmes ranked by estimated effect on work within 26 weeks, with intervals, reasons and employers."""
    from data.store import Store
    from recommender.interventions import load_or_fit, recommend_programmes

    s = _settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        with console.status("loading the intervention model (fitting it if missing or stale)"):
            model, fitted = load_or_fit(s.models_dir, store, refit=refit)
        if fitted:
            err.print(
                f"fitted the intervention model on {model.metrics_['episodes']:,} episodes -> {s.models_dir}"
            )
        matcher = None
        if use_matcher:
            from core.errors import ArtefactError
            from matching.retrieval import Matcher

            try:
                matcher = Matcher.open(s, store)
            except (MissingFileError, ArtefactError) as exc:
                err.print(f"no match indexes ({exc}); employers come from open vacancies in the desired jobs")
        rec = recommend_programmes(
            model, store, seeker_id, matcher=matcher, employers_per_programme=employers
        )
    if as_json:
        payload = {"seeker_id": rec.seeker_id, "ranking": rec.ranking.to_dicts(),
                   "employers": {p: f.to_dicts() for p, f in rec.employers.items()}, "text_da": rec.text_da,
                   "model_data_version": rec.model_data_version}  # fmt: skip
        console.print(json.dumps(payload, ensure_ascii=False, default=str), soft_wrap=True, highlight=False)
        return
    table = Table("#", "programme", "effect pp", "90 % interval", "indistinguishable", "note",
                  title=f"Programmes for {seeker_id}")  # fmt: skip
    for r in rec.ranking.iter_rows(named=True):
        if r["supported"]:
            table.add_row(str(r["rank"]), r["label_da"], f"{100 * r['effect']:+.1f}",
                          f"{100 * r['lower']:+.1f} … {100 * r['upper']:+.1f}",
                          "=" if r["indistinguishable_from_best"] else "", "")  # fmt: skip
        else:
            table.add_row("–", r["label_da"], "–", "–", "", r["reason_da"])
    console.print(table)
    console.print(rec.text_da, highlight=False)


@bench_app.command("retrieval")
def bench_retrieval(
    ctx: typer.Context,
    sizes: Annotated[list[int] | None, typer.Option(help="Vector counts (repeatable).")] = None,
    kinds: Annotated[
        list[str] | None, typer.Option(help="Index kinds: flat, ivf, hnsw (repeatable).")
    ] = None,
    queries: Annotated[int, typer.Option(min=1, help="Queries for recall and latency.")] = 300,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench).")
    ] = None,
) -> None:
    """FAISS build time, bytes/vector, p50/p95 latency, recall@50 and speed-up vs exact; encoder texts/s."""
    from bench.retrieval import DEFAULT_KINDS, DEFAULT_SIZES, run_retrieval_benchmark, to_markdown
    from bench.retrieval import write_results as write_retrieval

    target = json_out or _settings(ctx).bench_dir / "retrieval.json"
    result = run_retrieval_benchmark(
        sizes or list(DEFAULT_SIZES), kinds or list(DEFAULT_KINDS), n_queries=queries
    )
    paths = write_retrieval(result, target)
    console.print(to_markdown(result), markup=False, highlight=False)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@bench_app.command("recommender")
def bench_recommender(
    ctx: typer.Context,
    events: Annotated[
        list[int] | None, typer.Option(help="Interaction-event counts to train on (repeatable).")
    ] = None,
    vacancies: Annotated[list[int] | None, typer.Option(help="Vacancy counts for serving latency.")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Training runs per size (median reported).")] = 3,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench).")
    ] = None,
) -> None:
    """LightFM training time and peak memory by size; one-seeker serving latency vs per-pair predict."""
    from bench.recommender import (
        DEFAULT_EVENT_SIZES,
        DEFAULT_VACANCY_SIZES,
        run_recommender_benchmark,
    )
    from bench.recommender import to_markdown as recommender_markdown
    from bench.recommender import write_results as write_recommender

    target = json_out or _settings(ctx).bench_dir / "recommender.json"
    result = run_recommender_benchmark(
        events or list(DEFAULT_EVENT_SIZES), vacancies or list(DEFAULT_VACANCY_SIZES), repeats=repeats
    )
    paths = write_recommender(result, target)
    console.print(recommender_markdown(result), markup=False, highlight=False)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))


@bench_app.command("faults")
def bench_faults(
    ctx: typer.Context,
    kills: Annotated[
        int, typer.Option(min=3, help="SIGKILLs in all, spread over import, build, training.")
    ] = 24,
    seed: Annotated[int, typer.Option(help="Seed of the kill times.")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/faults.json).")
    ] = None,
) -> None:
    """Crash safety: kill import / build / training at random points, check the store and artefacts, rerun."""
    import tempfile

    from bench.faults import FaultConfig, run_faults
    from bench.faults import write_results as write_faults

    target = json_out or _settings(ctx).bench_dir / "faults.json"
    with tempfile.TemporaryDirectory(prefix="jobmatch-faults-") as tmp, console.status("faults") as status:
        result = run_faults(Path(tmp), FaultConfig(kills=kills, seed=seed), progress=status.update)
    paths = write_faults(result, target)
    console.print(result["markdown"], markup=False, highlight=False)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))
    if not result["ok"]:
        raise typer.Exit(1)


LinkFormat = Literal["csv", "jsonl"]
LinkMethod = Literal["trained", "lexical"]


@app.command("link-titles")
def link_titles(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="UTF-8 text file, one job title per line ('-' reads stdin).")],
    k: Annotated[int, typer.Option("--k", min=1, help="Occupations per title.")] = 10,
    taxonomy: Annotated[
        TaxonomyName, typer.Option("--taxonomy", help="builtin (no store needed) or esco (from the store).")
    ] = "builtin",
    fmt: Annotated[LinkFormat, typer.Option("--format", help="Output format.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: stdout).")] = None,
    method: Annotated[
        LinkMethod,
        typer.Option(
            help="trained: the benchmarked default (trained once per taxonomy, cached); lexical: char TF-IDF."
        ),
    ] = "trained",
) -> None:
    """Link free-text job titles (Danish or English) to the top-k occupations: query, rank, occupation_id, label, score."""
    from data.store import Store
    from data.taxonomy import load_builtin
    from matching.linking import make_linker, read_titles, write_links

    s = _settings(ctx)
    if str(file) != "-" and not file.is_file():
        raise MissingFileError(f"no such titles file: {file}")
    titles = read_titles(str(file) if str(file) == "-" else file)
    if taxonomy == "builtin":
        tax = load_builtin()
    else:
        with Store(s.db_path, read_only=True) as store:
            tax = store.load_taxonomy(taxonomy)
    with err.status(f"preparing the {method} linker for taxonomy {taxonomy} ..."):
        linker = make_linker(tax, method, model_dir=s.models_dir, index_skills=False)
    links = linker.link(titles, k=k)
    write_links(links, out, fmt=fmt)
    if out is not None:
        err.print(f"linked {len(titles):,} titles to {links.height:,} rows in {out}")


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
) -> None:
    """Title-linking benchmark on Danish ESCO labels: MRR / success@k with bootstrap CIs, JSON + Markdown + plot."""
    from evaluation.linking import DEFAULT_SHARED_DATA, run_linking_benchmark

    s = _settings(ctx)
    target = report or s.reports_dir / "linking"
    result = run_linking_benchmark(
        shared_data or DEFAULT_SHARED_DATA, target, seed=seed, include_minilm=minilm
    )
    title = f"Title linking: {result['n_queries']:,} test queries, {result['n_occupations']:,} occupations"
    table = Table("method", "MRR", "95% CI", "success@1", "success@10", "queries/s", title=title)
    for name, m in result["methods"].items():
        table.add_row(f"[bold]{name}[/bold]" if name == result["chosen_by_dev_mrr"] else name,
                      f"{m['mrr']['value']:.4f}", _ci(m["mrr"]["ci"]), f"{m['success@1']['value']:.4f}",
                      f"{m['success@10']['value']:.4f}", f"{m['queries_per_s'] or 0:,.0f}")  # fmt: skip
    console.print(table)
    console.print(
        f"default chosen on dev: {result['chosen_by_dev_mrr']}; wrote {target}/linking.json, .md, .png"
    )


@bench_app.command("dashboard")
def bench_dashboard(
    ctx: typer.Context,
    citizens: Annotated[int, typer.Option(min=1, help="Citizens (and vacancies) to click through.")] = 25,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/dashboard.json).")
    ] = None,
) -> None:
    """Server-side latency of each dashboard interaction (p50 / p95) on a copy of the default world."""
    from bench.dashboard import run_dashboard_benchmark
    from bench.dashboard import to_markdown as dashboard_markdown

    s = _settings(ctx)
    target = json_out or s.bench_dir / "dashboard.json"
    with console.status("dashboard benchmark") as status:
        result = run_dashboard_benchmark(s, citizens, progress=status.update)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2), encoding="utf-8")
    target.with_suffix(".md").write_text(dashboard_markdown(result), encoding="utf-8")
    console.print(dashboard_markdown(result), markup=False, highlight=False)
    console.print(f"wrote {target} and {target.with_suffix('.md')}")


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="consultant | employer | analyst | admin")],
    name: Annotated[str, typer.Option(help="Name shown in the dashboard.")] = "",
    jobcenter: Annotated[str | None, typer.Option(help="Consultants: their job centre id.")] = None,
    employer: Annotated[str | None, typer.Option(help="Employers: their employer id.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail of the OIDC identity (st.login) to map.")] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Also set a password (prompted; without OIDC only).")
    ] = False,
) -> None:
    """Add or update a user; scope is required for consultants (job centre) and employers (employer id)."""
    from app.access import Directory, Role, User
    from app.ops import OpsStore

    if role not in {str(x) for x in Role}:
        raise typer.BadParameter(f"role must be one of {', '.join(str(x) for x in Role)}")
    r = Role(role)
    if r is Role.CONSULTANT and not jobcenter:
        raise typer.BadParameter("a consultant needs --jobcenter")
    if r is Role.EMPLOYER and not employer:
        raise typer.BadParameter("an employer needs --employer")
    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    user = User(user_id, name or user_id, r, jobcenter if r is Role.CONSULTANT else None,
                employer if r is Role.EMPLOYER else None)  # fmt: skip
    with OpsStore(_settings(ctx).ops_path) as ops:
        Directory(ops).add(user, password=secret, oidc_email=email)
    console.print(f"user {user_id}: {r} {user.jobcenter_id or user.employer_id or ''}")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """Active users with role and scope."""
    from app.access import Directory
    from app.ops import OpsStore

    table = Table("user", "name", "role", "scope")
    with OpsStore(_settings(ctx).ops_path) as ops:
        for u in Directory(ops).users():
            table.add_row(u.user_id, u.display_name, str(u.role), u.jobcenter_id or u.employer_id or "")
    console.print(table)


@bench_app.command("load")
def bench_load(
    ctx: typer.Context,
    threads: Annotated[int, typer.Option(min=1, help="Concurrent consultants (threads).")] = 20,
    duration: Annotated[float, typer.Option(min=1, help="Seconds the consultants work.")] = 60.0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Results JSON (default: artefacts/bench/load.json).")
    ] = None,
) -> None:
    """Concurrent consultants on one workspace: throughput, p50/p95/p99, errors, audit rows vs calls served."""
    from bench.load import LoadConfig, run_load
    from bench.load import to_markdown as load_markdown
    from bench.load import write_results as write_load

    s = _settings(ctx)
    result = run_load(s, LoadConfig(threads=threads, duration_s=duration))
    paths = write_load(result, json_out or s.bench_dir / "load.json")
    console.print(load_markdown(result), markup=False, highlight=False)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))
    if not result["ok"]:
        raise typer.Exit(1)


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
            "interventions, dashboard, load. Default: all."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for all.md / all.json (default: artefacts/bench).")
    ] = None,
) -> None:
    """Every benchmark in one run: one Markdown table and one JSON (medians, baselines, ratios, machine)."""
    from bench.suite import run_bench_all
    from bench.suite import to_markdown as all_markdown
    from bench.suite import write_results as write_all

    s = _settings(ctx)
    result = run_bench_all(s, full=full, sections=only)
    paths = write_all(result, out or s.bench_dir)
    console.print(all_markdown(result), markup=False, highlight=False)
    console.print("wrote " + ", ".join(str(p) for p in paths.values()))
    if result["failed"]:
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Recompute the audit log's hash chain; exit 1 and name the first bad record if it was tampered with."""
    from app.audit import AuditLog
    from app.ops import OpsStore

    s = _settings(ctx)
    if not s.ops_path.exists():
        raise MissingFileError(f"no operations store at {s.ops_path}: nothing has been logged yet")
    with OpsStore(s.ops_path) as ops:
        result = AuditLog(ops).verify()
    if result.ok:
        console.print(f"audit log intact: {result.records:,} records, {result.purges} retention purges, "
                      f"head {result.head}")  # fmt: skip
        return
    err.print(f"[red]audit log broken at record {result.first_bad_seq}:[/red] {result.problem} "
              f"({result.records:,} records)")  # fmt: skip
    raise typer.Exit(1)


@audit_app.command("purge")
def audit_purge(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option(min=1, help="Retention (default: settings).")] = None,
) -> None:
    """Delete audit records older than the retention period; the purge itself is logged in the chain."""
    from app.audit import Actor, AuditLog
    from app.ops import OpsStore

    s = _settings(ctx)
    retention = days or s.audit_retention_days
    with OpsStore(s.ops_path) as ops:
        deleted = AuditLog(ops).purge(Actor("cli", "admin"), retention)
    console.print(f"deleted {deleted:,} audit records older than {retention} days")


def _ci(ci: list[float]) -> str:
    return f"[{ci[0]:.4f}, {ci[1]:.4f}]"


def main() -> None:
    """Entry point: known, user-facing errors print one clear line and exit 2, without a traceback."""
    from core.errors import JobmatchError

    try:
        app()
    except JobmatchError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
