"""`flask seed`, `flask demo-data`, tokens, users, exchange rates, rollups: the plain flask CLI way. Each
command is one unit of work, committed at its end."""
import click
from flask import Flask
from flask.cli import AppGroup

from portfolio.auth import PERMISSIONS


def cli_actor() -> str:
    """Who history names for a `flask tokens` / `flask users` command: the operating-system account that ran it,
    `cli:deploy` (`cli:unknown` when the system cannot tell)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:120]
    except (OSError, KeyError):
        return "cli:unknown"


def register(app: Flask) -> None:
    from portfolio.extensions import db
    from portfolio.iati.cli import iati

    app.cli.add_command(iati)

    @app.cli.command("seed")
    def seed_command():
        """Load the reference data, organisations, RCPs, annex projects and baseline from seeds/ (idempotent)."""
        from portfolio.services.seed import seed_all

        report = seed_all()
        for table, counts in report.items():
            click.echo(f"{table:22} created {counts['created']:4}  updated {counts['updated']:4}  "
                       f"unchanged {counts['unchanged']:4}")

    tokens = AppGroup("tokens", help="API tokens: create (printed once), list, revoke. Creating and revoking are "
                                     "recorded in the token's history as cli:<your OS user>.")

    @tokens.command("create")
    @click.option("--name", required=True, help="Who or what uses the token; recorded as the actor in history.")
    @click.option("--role", required=True, type=click.Choice(list(PERMISSIONS)))
    def tokens_create(name, role):
        """Create a token and print it once; only its hash is stored."""
        from portfolio.auth import issue_token

        try:
            _, token = issue_token(name, role, actor=cli_actor())
        except ValueError as exc:
            message = str(exc)
            if "already exists" in message:  # a second run of the README's tour: the token was printed once
                message += (" (a token is printed only when it is created, and its name is never reused: create "
                            f"another, e.g. --name {name}-2; `flask tokens list` shows the names)")
            raise click.ClickException(message) from exc
        click.echo(token)

    @tokens.command("list")
    def tokens_list():
        """Tokens by name, role and state (never the token itself)."""
        from sqlalchemy import select

        from portfolio.models import ApiToken

        for row in db.session.scalars(select(ApiToken).order_by(ApiToken.name)):
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            click.echo(f"{row.name:30} {row.role:11} {row.prefix}...  created {row.created_at:%Y-%m-%d}  {state}")

    @tokens.command("revoke")
    @click.argument("name")
    def tokens_revoke(name):
        """Revoke a token by name; requests with it get 401 from then on (every worker within a second)."""
        from portfolio.auth import revoke_token

        try:
            revoke_token(name, actor=cli_actor())
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Revoked {name}.")

    app.cli.add_command(tokens)

    people = AppGroup("users", help="People who sign in to the web app: create, set-password, disable, enable, list. "
                                    "Each change is recorded in the user's history as cli:<your OS user>.")

    def _password(from_stdin: bool, confirm: bool = True) -> str:
        if from_stdin:
            import sys

            line = sys.stdin.readline()
            return line[:-1] if line.endswith("\n") else line
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)

    def _user(username):
        from portfolio.services import users

        try:
            return users.get(username)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc

    @people.command("create")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(list(PERMISSIONS)), help="The same roles as tokens.")
    @click.option("--name", default=None, help="Full name, shown in history as user:USERNAME (NAME).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def users_create(username, role, name, password_stdin):
        """Create a person's account (the password is prompted for, twice, or read from stdin)."""
        from portfolio.services import users

        password = _password(password_stdin)
        try:
            user = users.create(username, role, password, name, actor=cli_actor())
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Created {user.username} ({user.role}). They sign in with POST /api/v1/session or the web app.")

    @people.command("set-password")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def users_set_password(username, password_stdin):
        """Set a new password; every session of the user ends."""
        from portfolio.services import users

        user = _user(username)
        try:
            users.set_password(user, _password(password_stdin), actor=cli_actor())
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"New password set for {user.username}; their sessions ended.")

    @people.command("disable")
    @click.argument("username")
    def users_disable(username):
        """Refuse the user's sign-ins and end every session they have, at once."""
        from portfolio.services import users

        user = _user(username)
        ended = users.disable(user, actor=cli_actor())
        db.session.commit()
        click.echo(f"Disabled {user.username}; {ended} session(s) ended.")

    @people.command("enable")
    @click.argument("username")
    def users_enable(username):
        """Allow a disabled user to sign in again."""
        from portfolio.services import users

        user = _user(username)
        users.enable(user, actor=cli_actor())
        db.session.commit()
        click.echo(f"Enabled {user.username}.")

    @people.command("list")
    def users_list():
        """Users by username, role, state and last sign-in (never a password or hash)."""
        from sqlalchemy import select

        from portfolio.models import User

        for user in db.session.scalars(select(User).order_by(User.username)):
            state = f"disabled {user.disabled_at:%Y-%m-%d %H:%M}" if user.disabled_at else "active"
            seen = f"{user.last_sign_in_at:%Y-%m-%d %H:%M}" if user.last_sign_in_at else "never"
            click.echo(f"{user.username:32} {user.role:11} {state:24} last sign-in {seen:16} {user.name or ''}")

    @people.command("purge-sessions")
    def users_purge_sessions():
        """Delete sessions past their idle or absolute end (they are refused anyway)."""
        from datetime import timedelta

        from portfolio.services import users

        count = users.purge_expired(idle=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]))
        db.session.commit()
        click.echo(f"Deleted {count} ended sessions.")

    app.cli.add_command(people)

    rates = AppGroup("rates", help="Exchange rates (USD per unit) that amounts are priced with.")

    @rates.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def rates_load(path):
        """Load a CSV (currency,date,usd_per_unit,source): new rates added, changed ones updated (a rate that
        already priced an amount is never changed); all or nothing."""
        from portfolio.errors import Invalid
        from portfolio.services.exchange_rates import load_csv

        with open(path, "rb") as handle:
            try:
                report = load_csv(handle.read())
            except Invalid as exc:
                for error in exc.errors[:20]:
                    click.echo(f"line {error.get('row', '?')}: {error['message']}", err=True)
                raise click.ClickException(exc.detail) from exc
        db.session.commit()
        click.echo(f"Rates: {report['created']} created, {report['updated']} updated, "
                   f"{report['unchanged']} unchanged.")

    app.cli.add_command(rates)

    rollup_group = AppGroup("rollups", help="The precomputed aggregate tables.")

    @rollup_group.command("verify")
    def rollups_verify():
        """Compare each project's stored figures with a fresh derivation of the project, and the rollups with
        a fresh GROUP BY over the stored figures; exit 1 on any difference."""
        from portfolio.services.maintenance import figure_differences
        from portfolio.statistics.rollups import differences

        rows = figure_differences()
        for table, kind, row in rows[:20]:
            click.echo(f"{table} {kind}: {row}")
        found = differences()
        for table, key, stored, expected in found[:20]:
            click.echo(f"{table} {key}: stored {stored}, expected {expected}")
        if rows or found:
            raise click.ClickException(f"{len(rows)} figure rows and {len(found)} rollup cells differ; "
                                       "run `flask rollups rebuild`.")
        click.echo("Figures and rollups match the base tables.")

    @rollup_group.command("rebuild")
    @click.option("--if-stale", is_flag=True, help="Only when a migration marked the derived figures stale.")
    def rollups_rebuild(if_stale):
        """Recompute every project's figures and the rollups from the base tables, verify them, and mark them
        fresh (a migration that changes how figures are derived marks them stale)."""
        from portfolio.services.maintenance import rebuild_derived
        from portfolio.statistics.freshness import derived_state, mark_fresh
        from portfolio.statistics.rollups import differences

        if if_stale and derived_state() == "fresh":
            click.echo("The derived figures are fresh; nothing to rebuild.")
            return
        count = rebuild_derived()
        if differences():
            raise click.ClickException("The rebuilt rollups differ from the figures; nothing was committed.")
        mark_fresh()
        db.session.commit()
        click.echo(f"Figures of {count} projects and the rollups rebuilt and verified.")

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
    @click.option("--transactions-per-project", type=click.IntRange(min=0, max=100), default=None,
                  help="Transactions per project under way (default 5; 10 with --projects).")
    @click.option("--seed", type=int, default=2003, show_default=True, help="Random seed, for reproducible data.")
    def demo_data_command(n_projects, lines_per_project, transactions_per_project, seed):
        """Generate synthetic organisations, projects, budget lines (with revisions), transactions and exchange
        rates, all flagged synthetic."""
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
        transactions = transactions_per_project if transactions_per_project is not None else (
            5 if total_cents is not None else 10)
        with click.progressbar(length=n_projects, label="Generating synthetic projects") as bar:
            result = demo.generate(n_projects, total_cents, seed=seed, lines_per_project=lines,
                                   transactions_per_project=transactions, progress=bar.update)
        db.session.commit()
        click.echo(f"Created {result.projects} synthetic projects with {result.budget_lines} budget lines and "
                   f"{result.transactions} transactions, current budget USD {result.budget_usd} in all.")
