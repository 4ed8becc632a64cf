"""`flask seed`, `flask demo-data`: the plain flask CLI way."""
import click
from flask import Flask

from portfolio.money import to_cents


def register(app: Flask) -> None:
    @app.cli.command("seed")
    def seed_command():
        """Load the reference data, RCPs, annex projects and baseline from seeds/ (idempotent)."""
        from portfolio.services.seed import seed_all

        report = seed_all()
        for table, counts in report.items():
            click.echo(f"{table:22} created {counts['created']:4}  updated {counts['updated']:4}  "
                       f"unchanged {counts['unchanged']:4}")

    @app.cli.command("demo-data")
    @click.option("--projects", "n_projects", type=click.IntRange(min=1), default=None,
                  help="Generate this many synthetic projects (default: fill up to the declared baseline).")
    @click.option("--lines-per-project", type=click.IntRange(min=1, max=50), default=None,
                  help="Average budget lines per project (default 3; 10 with --projects).")
    @click.option("--seed", type=int, default=2003, show_default=True, help="Random seed, for reproducible data.")
    def demo_data_command(n_projects, lines_per_project, seed):
        """Generate synthetic projects with budget lines, all flagged `synthetic: true`."""
        from portfolio.services import demo

        total_cents = None
        if n_projects is None:
            n_projects, total_cents = demo.plan_fill_to_baseline()
            if n_projects <= 0:
                click.echo("The portfolio already holds the baseline's project count; nothing generated.")
                return
            if total_cents <= 0:
                raise click.ClickException("Itemized budgets already reach the baseline; nothing to fill.")
        lines = lines_per_project or (3 if total_cents is not None else 10)
        with click.progressbar(length=n_projects, label="Generating synthetic projects") as bar:
            result = demo.generate(n_projects, total_cents, seed=seed, lines_per_project=lines, progress=bar.update)
        click.echo(f"Created {result.projects} synthetic projects with {result.budget_lines} budget lines, "
                   f"USD {result.budget_usd} in all.")
