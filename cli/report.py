"""`jobmatch report`: this installation's own evaluation and fairness audit, the nightly job whose results
the analyst's page shows (a versioned report under <home>/reports/installation; see the README for cron)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import settings
from cli.progress import steps
from cli.render import ci, console, show_table

commands = typer.Typer()


@commands.command("report")
def installation_report(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed for retraining and the bootstrap.")] = 0,
    n_boot: Annotated[int, typer.Option(min=100, help="Bootstrap resamples per interval.")] = 500,
) -> None:
    """Evaluate the served recommender and audit fairness on this installation's own history (no ground truth)."""
    from core.installation_report import save_report
    from data.store import Store
    from evaluation.installation import report_markdown, run_installation_report

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store, steps("installation report") as step:
        report = run_installation_report(s, store, seed=seed, n_boot=n_boot, progress=step)
    folder = save_report(s, report, report_markdown(report))
    rows = [(name, f"{m['ndcg@10']['value']:.4f}", ci(m["ndcg@10"]["ci"]), f"{m['recall@50']['value']:.4f}",
             ci(m["recall@50"]["ci"])) for name, m in report["recommender"].items()]  # fmt: skip
    show_table(("model", "ndcg@10", "95% CI", "recall@50", "95% CI"), rows,
               title=f"This installation, test weeks from {report['split']['test_start']}")  # fmt: skip
    console.print(f"wrote {folder} in {report['seconds']} s")
