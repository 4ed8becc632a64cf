"""finance model: organisations, participations, transactions, exchange rates, revisions, figures by year,
rollups with every measure, word search, audit indexes

The free-text donors of budget lines become organisations (one per distinct name, type 90 "Other",
source "migrated ..."), each line keeps its donor as a reference, and each project gets its donors as
funding organisations with shares proportional to their lines' budget (largest remainder, 0.01 %).
Amounts in their own currency move from hundredths to thousandths (three-decimal currencies).

Derived data (figures by year, current flags, rollups) is not computed here: this script marks it
stale when projects exist, and `flask rollups rebuild` (a deploy step, README "Production") recomputes
and verifies it; until then the instance reports not ready and aggregates answer 503.

Revision ID: 0005
Revises: 0004
"""
import re
import unicodedata
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

AMOUNTS = ("current_indicative", "current_committed", "original_indicative", "original_committed",
           "incoming_commitment", "incoming_funds", "outgoing_commitment", "disbursement", "expenditure")
COUNTS = ("project_count", "unknown_budget", "unknown_original", "unknown_actuals", "unknown_remaining")
ROLES = ("funding", "accountable", "extending", "implementing")


def _amounts():
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in AMOUNTS]


def _figures(name, *key, refers=None):
    foreign = [sa.ForeignKeyConstraint([refers[0]], [refers[1]], name=op.f(
        f"fk_{name}_{refers[0]}_{refers[1].split('.')[0]}"))] if refers else []
    op.create_table(
        name, *key,
        sa.Column("project_id", sa.Integer(), nullable=False), sa.Column("year", sa.Integer(), nullable=False),
        *_amounts(), *foreign,
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f(f"fk_{name}_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*(c.name for c in key), "project_id", "year", name=op.f(f"pk_{name}")))
    op.create_index(op.f(f"ix_{name}_year"), name, ["year"])


def _rollup(name, *group):
    keys = [sa.Column("filter_priority_id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("synthetic", sa.Boolean(), nullable=False),
            sa.Column("kind", sa.Integer(), nullable=False), sa.Column("lo", sa.Integer(), nullable=False),
            sa.Column("hi", sa.Integer(), nullable=False)]
    op.create_table(name, *group, *keys, *(sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS),
                    *_amounts(), sa.PrimaryKeyConstraint(*(c.name for c in group), *(c.name for c in keys),
                                                         name=op.f(f"pk_{name}")))


def _search_text(row) -> str:
    text = " ".join(str(v or "") for v in (row.code, row.title, row.acronym, row.description))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(re.findall(r"[^\W_]+", "".join(ch for ch in decomposed if not unicodedata.combining(ch))))


def _allocate(total, weights):
    """Largest remainder, ties to the earlier part (portfolio.money.allocate, kept here so the migration
    never imports application code)."""
    weight_sum = sum(weights)
    parts, remainders = [], []
    for index, weight in enumerate(weights):
        quotient, remainder = divmod(total * weight, weight_sum)
        parts.append(quotient)
        remainders.append((-remainder, index))
    for _, index in sorted(remainders)[:total - sum(parts)]:
        parts[index] += 1
    return parts


def _code_for(name: str, taken: set) -> str:
    base = "".join(ch if ch.isalnum() else "-" for ch in unicodedata.normalize("NFKD", name).encode(
        "ascii", "ignore").decode().upper()).strip("-")
    base = "-".join(part for part in base.split("-") if part)[:14] or "DONOR"
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base[:14]}-{number}"
    taken.add(code)
    return code


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    now = datetime.now(timezone.utc)

    op.create_table(
        "exchange_rates", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False), sa.Column("date", sa.Date(), nullable=False),
        sa.Column("usd_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("usd_per_unit > 0", name=op.f("ck_exchange_rates_rate_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("currency", "date", name="uq_exchange_rates_currency_date"))
    op.create_table(
        "organisations", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False), sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("iati_identifier", sa.String(length=100), nullable=True),
        sa.Column("type", sa.String(length=2), nullable=False),
        sa.Column("country_code", sa.String(length=4), nullable=True), sa.Column("source", sa.Text(), nullable=False),
        sa.Column("judgement", sa.Text(), nullable=True), sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["country_code"], ["countries.code"],
                                name=op.f("fk_organisations_country_code_countries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
        sa.UniqueConstraint("iati_identifier", name=op.f("uq_organisations_iati_identifier")))
    op.create_table(
        "project_organisations", sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, name="organisation_role", native_enum=False), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False), sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True), sa.Column("judgement", sa.Text(), nullable=True),
        sa.CheckConstraint("share > 0 AND share <= 10000", name=op.f("ck_project_organisations_share_range")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_project_organisations_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_project_organisations_project_id_projects"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "role", "organisation_id", name=op.f("pk_project_organisations")))
    op.create_index("ix_project_organisations_organisation_role", "project_organisations", ["organisation_id", "role"])
    op.create_table(
        "transactions", sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("type", sa.Enum("incoming-commitment", "incoming-funds", "outgoing-commitment", "disbursement",
                                  "expenditure", name="transaction_type", native_enum=False), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("provider_organisation_id", sa.Integer(), nullable=True),
        sa.Column("receiver_organisation_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True), sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False), sa.Column("fx_rate", sa.BigInteger(), nullable=True),
        sa.Column("fx_value_date", sa.Date(), nullable=True), sa.Column("fx_rate_id", sa.Integer(), nullable=True),
        sa.Column("usd_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_transactions_amount_non_negative")),
        sa.CheckConstraint("fx_rate IS NULL OR fx_rate > 0", name=op.f("ck_transactions_fx_rate_positive")),
        sa.CheckConstraint("usd_amount >= 0", name=op.f("ck_transactions_usd_amount_non_negative")),
        sa.ForeignKeyConstraint(["fx_rate_id"], ["exchange_rates.id"],
                                name=op.f("fk_transactions_fx_rate_id_exchange_rates")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_transactions_project_id_projects"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["provider_organisation_id"], ["organisations.id"],
                                name=op.f("fk_transactions_provider_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["receiver_organisation_id"], ["organisations.id"],
                                name=op.f("fk_transactions_receiver_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint("project_id", "reference", name="uq_transactions_project_reference"))
    op.create_index("ix_transactions_project_date", "transactions", ["project_id", "date"])
    op.create_index(op.f("ix_transactions_provider_organisation_id"), "transactions", ["provider_organisation_id"])
    op.create_index(op.f("ix_transactions_receiver_organisation_id"), "transactions", ["receiver_organisation_id"])

    _figures("project_figures")
    _figures("project_priority_figures", sa.Column("priority_id", sa.Integer(), nullable=False),
             refers=("priority_id", "priorities.id"))
    op.create_index(op.f("ix_project_priority_figures_priority_id"), "project_priority_figures", ["priority_id"])
    _figures("project_country_figures", sa.Column("country_code", sa.String(length=4), nullable=False),
             refers=("country_code", "countries.code"))
    op.create_index(op.f("ix_project_country_figures_country_code"), "project_country_figures", ["country_code"])
    _figures("project_organisation_figures", sa.Column("role", sa.String(length=20), nullable=False),
             sa.Column("organisation_id", sa.Integer(), nullable=False),
             refers=("organisation_id", "organisations.id"))
    op.create_index(op.f("ix_project_organisation_figures_organisation_id"), "project_organisation_figures",
                    ["organisation_id"])

    for name in ("rollup_years", "rollup_projects", "rollup_priorities"):
        op.drop_table(name)
    _rollup("rollup_projects")
    _rollup("rollup_priorities", sa.Column("priority_id", sa.Integer(), nullable=False))
    _rollup("rollup_organisations", sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("organisation_id", sa.Integer(), nullable=False))

    op.create_table("maintenance_flags", sa.Column("name", sa.String(length=40), nullable=False),
                    sa.Column("value", sa.String(length=40), nullable=False),
                    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("name", name=op.f("pk_maintenance_flags")))

    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("project_code", existing_type=sa.String(length=64), nullable=True)
        batch.drop_index("ix_audit_events_at")
        batch.create_index("ix_audit_events_entity_action_at", ["entity", "action", "at"])
        batch.create_index("ix_audit_events_entity_entity_id_id", ["entity", "entity_id", "id"])
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("name", existing_type=sa.String(length=120), type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("rcps") as batch:
        batch.alter_column("source", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("project_countries") as batch:
        batch.drop_constraint(op.f("ck_project_countries_budget_non_negative"), type_="check")
        batch.drop_column("budget_usd")
    with op.batch_alter_table("project_priorities") as batch:
        batch.drop_constraint(op.f("ck_project_priorities_budget_non_negative"), type_="check")
        batch.drop_column("budget_usd")
        batch.alter_column("share", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("judgement", sa.Text(), nullable=True))
        batch.add_column(sa.Column("original_budget_usd", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("actuals_known", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch.alter_column("source", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)
        batch.drop_index("ix_projects_title_id")
    with op.batch_alter_table("projects") as batch:
        batch.alter_column("actuals_known", server_default=None)
        batch.alter_column("search_text", server_default=None)
    with op.batch_alter_table("budget_lines") as batch:
        batch.add_column(sa.Column("donor_organisation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("fx_rate_id", sa.Integer(), nullable=True))

    _migrate_data(bind, now)

    with op.batch_alter_table("budget_lines") as batch:
        batch.alter_column("current", server_default=None)
        batch.drop_index("ix_budget_lines_donor")
        batch.drop_column("donor")
        batch.create_index(op.f("ix_budget_lines_donor_organisation_id"), ["donor_organisation_id"])
        batch.create_foreign_key(op.f("fk_budget_lines_fx_rate_id_exchange_rates"), "exchange_rates",
                                 ["fx_rate_id"], ["id"])
        batch.create_foreign_key(op.f("fk_budget_lines_donor_organisation_id_organisations"), "organisations",
                                 ["donor_organisation_id"], ["id"])
    # Last: SQLite's batch operations reflect tables, and an expression index cannot be reflected.
    op.create_index("ix_projects_lower_title_id", "projects", [sa.text("lower(title)"), "id"])
    _search_index(bind, postgresql)


def _migrate_data(bind, now):
    lines = sa.table("budget_lines", sa.column("id"), sa.column("project_id"), sa.column("donor"),
                     sa.column("donor_organisation_id"), sa.column("amount"), sa.column("usd_amount"))
    organisations = sa.table("organisations", sa.column("id"), sa.column("code"), sa.column("name"),
                             sa.column("type"), sa.column("source"), sa.column("judgement"), sa.column("synthetic"),
                             sa.column("version"), sa.column("created_at"), sa.column("updated_at"),
                             sa.column("iati_identifier"), sa.column("country_code"))
    participations = sa.table("project_organisations", sa.column("project_id"), sa.column("role"),
                              sa.column("organisation_id"), sa.column("share"))
    projects = sa.table("projects", sa.column("id"), sa.column("code"), sa.column("title"), sa.column("acronym"),
                        sa.column("description"), sa.column("search_text"), sa.column("synthetic"))
    bind.execute(sa.update(lines).values(amount=lines.c.amount * 10))  # hundredths -> thousandths
    names = sorted({name for (name,) in bind.execute(sa.select(lines.c.donor).where(lines.c.donor.is_not(None))
                                                     .distinct())})
    taken: set = set()
    ids = {}
    for number, name in enumerate(names, start=1):
        synthetic = name.endswith("(synthetic)")
        bind.execute(sa.insert(organisations).values(
            id=number, code=_code_for(name, taken), name=name[:300], type="90", iati_identifier=None,
            country_code=None, source=f"migrated from the free-text donor of budget lines: {name!r}",
            judgement="type (90 Other: the free text does not say)", synthetic=synthetic, version=1,
            created_at=now, updated_at=now))
        ids[name] = number
    for name, organisation_id in ids.items():
        bind.execute(sa.update(lines).where(lines.c.donor == name).values(donor_organisation_id=organisation_id))
    by_project: dict = {}
    for project_id, organisation_id, cents in bind.execute(
            sa.select(lines.c.project_id, lines.c.donor_organisation_id, sa.func.sum(lines.c.usd_amount))
            .where(lines.c.donor_organisation_id.is_not(None))
            .group_by(lines.c.project_id, lines.c.donor_organisation_id)):
        by_project.setdefault(project_id, []).append((organisation_id, int(cents or 0)))
    rows = []
    for project_id, donors in by_project.items():
        donors.sort()
        weights = [cents for _, cents in donors] if any(c for _, c in donors) else [1] * len(donors)
        for (organisation_id, _), share in zip(donors, _allocate(10000, weights)):
            if share:
                rows.append({"project_id": project_id, "role": "funding", "organisation_id": organisation_id,
                             "share": share})
    if rows:
        bind.execute(sa.insert(participations), rows)
    if bind.dialect.name == "postgresql" and names:
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('organisations', 'id'), :n)"), {"n": len(names)})
    for row in bind.execute(sa.select(projects.c.id, projects.c.code, projects.c.title, projects.c.acronym,
                                      projects.c.description)).all():
        bind.execute(sa.update(projects).where(projects.c.id == row.id).values(search_text=_search_text(row)))
    stale = bind.execute(sa.select(sa.func.count()).select_from(projects)).scalar() > 0
    bind.execute(sa.text("INSERT INTO maintenance_flags (name, value, updated_at) VALUES ('derived', :v, :at)"),
                 {"v": "stale" if stale else "fresh", "at": now})


def _search_index(bind, postgresql):
    if postgresql:
        op.execute("CREATE INDEX ix_projects_search ON projects USING gin (to_tsvector('simple'::regconfig, "
                   "search_text))")
        return
    # SQLite: an FTS5 index over projects.search_text (external content), kept in step by triggers.
    op.execute("CREATE VIRTUAL TABLE projects_fts USING fts5(search_text, content='projects', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 2')")
    op.execute("CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN "
               "INSERT INTO projects_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
    op.execute("CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN "
               "INSERT INTO projects_fts(projects_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
               "END")
    op.execute("CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_text ON projects BEGIN "
               "INSERT INTO projects_fts(projects_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
               "INSERT INTO projects_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
    op.execute("INSERT INTO projects_fts(projects_fts) VALUES ('rebuild')")


def downgrade():
    """Back to 0004: transactions, organisations (but the donor names of budget lines), participations, exchange
    rates, figures and the thousandths of amounts are lost (take a backup before upgrading)."""
    bind = op.get_bind()
    op.drop_index("ix_projects_lower_title_id", "projects")  # first: SQLite's batch operations reflect tables
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX ix_projects_search")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER projects_fts_{trigger}")
        op.execute("DROP TABLE projects_fts")
    for name in ("transactions", "project_organisations", "project_figures", "project_priority_figures",
                 "project_country_figures", "project_organisation_figures", "rollup_organisations",
                 "rollup_projects", "rollup_priorities", "maintenance_flags"):
        op.drop_table(name)
    keys = [sa.Column("filter_priority_id", sa.Integer(), nullable=False),
            sa.Column("region_id", sa.Integer(), nullable=False), sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("synthetic", sa.Boolean(), nullable=False), sa.Column("start_year", sa.Integer(), nullable=False),
            sa.Column("end_year", sa.Integer(), nullable=False)]
    for name, extra, measures in (("rollup_projects", [], ("project_count", "unknown_count", "budget_usd")),
                                  ("rollup_priorities", ["priority_id"], ("project_count", "unknown_count", "budget_usd")),
                                  ("rollup_years", ["year"], ("project_count", "budget_usd"))):
        op.create_table(name, *(sa.Column(c, sa.Integer(), nullable=False) for c in extra), *(sa.Column(k.name, k.type, nullable=False) for k in keys),
                        *(sa.Column(m, sa.BigInteger(), nullable=False) for m in measures),
                        sa.PrimaryKeyConstraint(*extra, *(k.name for k in keys), name=op.f(f"pk_{name}")))
    with op.batch_alter_table("budget_lines") as batch:
        batch.add_column(sa.Column("donor", sa.String(length=200), nullable=True))
    op.execute("UPDATE budget_lines SET donor = (SELECT substr(name, 1, 200) FROM organisations "
               "WHERE organisations.id = budget_lines.donor_organisation_id), amount = amount / 10")
    with op.batch_alter_table("budget_lines") as batch:
        batch.drop_constraint(op.f("fk_budget_lines_fx_rate_id_exchange_rates"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_budget_lines_donor_organisation_id_organisations"), type_="foreignkey")
        batch.drop_index(op.f("ix_budget_lines_donor_organisation_id"))
        batch.drop_column("donor_organisation_id")
        batch.drop_column("current")
        batch.drop_column("fx_rate_id")
        batch.create_index("ix_budget_lines_donor", ["donor"])
    op.drop_table("organisations")
    op.drop_table("exchange_rates")
    with op.batch_alter_table("projects") as batch:
        for column in ("judgement", "original_budget_usd", "actuals_known", "search_text"):
            batch.drop_column(column)
        batch.create_index("ix_projects_title_id", ["title", "id"])
    for table in ("project_priorities", "project_countries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("budget_usd", sa.BigInteger(), nullable=True))
            batch.create_check_constraint(op.f(f"ck_{table}_budget_non_negative"), "budget_usd IS NULL OR budget_usd >= 0")
    op.execute("DELETE FROM audit_events WHERE project_code IS NULL")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_entity_entity_id_id")
        batch.drop_index("ix_audit_events_entity_action_at")
        batch.create_index("ix_audit_events_at", ["at"])
        batch.alter_column("project_code", existing_type=sa.String(length=64), nullable=False)
