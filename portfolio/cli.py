"""`flask seed`, `flask demo-data`: the plain flask CLI way."""
import click
from flask import Flask
from flask.cli import AppGroup

from portfolio.auth import PERMISSIONS



def register(app: Flask) -> None:
    @app.cli.command("seed")
    def seed_command():
        """Load the reference data, RCPs, annex projects and baseline from seeds/ (idempotent)."""
        from portfolio.services.seed import seed_all

        report = seed_all()
        for table, counts in report.items():
            click.echo(f"{table:22} created {counts['created']:4}  updated {counts['updated']:4}  "
                       f"unchanged {counts['unchanged']:4}")

    tokens = AppGroup("tokens", help="API tokens: create (printed once), list, revoke.")

    @tokens.command("create")
    @click.option("--name", required=True, help="Who or what uses the token; recorded as the actor in history.")
    @click.option("--role", required=True, type=click.Choice(list(PERMISSIONS)))
    def tokens_create(name, role):
        """Create a token and print it once; only its hash is stored."""
        from portfolio.auth import issue_token

        try:
            _, token = issue_token(name, role)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(token)

    @tokens.command("list")
    def tokens_list():
        """Tokens by name, role and state (never the token itself)."""
        from sqlalchemy import select

        from portfolio.extensions import db
        from portfolio.models import ApiToken

        for row in db.session.scalars(select(ApiToken).order_by(ApiToken.name)):
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            click.echo(f"{row.name:30} {row.role:11} {row.prefix}...  created {row.created_at:%Y-%m-%d}  {state}")

    @tokens.command("revoke")
    @click.argument("name")
    def tokens_revoke(name):
        """Revoke a token by name; requests with it get 401 from then on."""
        from portfolio.auth import revoke_token

        try:
            revoke_token(name)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Revoked {name}.")

    app.cli.add_command(tokens)

    rollup_group = AppGroup("rollups", help="The precomputed aggregate tables.")

    @rollup_group.command("verify")
    def rollups_verify():
        """Compare the rollups with a fresh GROUP BY over the base tables; exit 1 on any difference."""
        from portfolio.services.rollups import differences

        found = differences()
        for table, key, stored, expected in found[:20]:
            click.echo(f"{table} {key}: stored {stored}, expected {expected}")
        if found:
            raise click.ClickException(f"{len(found)} rollup cells differ; run `flask rollups rebuild`.")
        click.echo("Rollups match the base tables.")

    @rollup_group.command("rebuild")
    def rollups_rebuild():
        """Recompute the rollups from the base tables."""
        from portfolio.services.rollups import rebuild

        rebuild()
        click.echo("Rollups rebuilt.")

    app.cli.add_command(rollup_group)

    @app.cli.command("purge-idempotency-keys")
    def purge_keys():
        """Delete idempotency keys older than IDEMPOTENCY_TTL_HOURS."""
        from portfolio.api.idempotency import purge

        click.echo(f"Deleted {purge()} expired idempotency keys.")

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
