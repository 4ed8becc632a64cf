"""Money records of a project: budgets (original and revised), transactions, and the exchange rates
amounts were converted with. IATI's budget, transaction and their codelists, in USD."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.figure_columns import BUDGET_STATUSES, TRANSACTION_TYPES
from portfolio.models.base import Base, UtcDateTime, utcnow
from portfolio.money import ScaledDecimal

# IATI BudgetType codelist.
BUDGET_TYPES = ("original", "revised")


def converted_checks() -> tuple:
    """The constraints of an amount priced in USD (budget lines and transactions alike)."""
    return (CheckConstraint("amount >= 0", name="amount_non_negative"),
            CheckConstraint("usd_amount >= 0", name="usd_amount_non_negative"),
            CheckConstraint("fx_rate IS NULL OR fx_rate > 0", name="fx_rate_positive"))


class _Converted:
    """An amount in its own currency and in USD, with the rate used and where the rate came from."""

    amount: Mapped[Decimal] = mapped_column(ScaledDecimal(3))
    currency: Mapped[str] = mapped_column(String(3))
    # USD per one unit of `currency` and the date it applied; NULL for USD amounts. `fx_rate_id` names
    # the row of exchange_rates the rate was taken from (NULL when the caller stated the rate).
    fx_rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(10))
    fx_value_date: Mapped[date | None]
    fx_rate_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_rates.id"))
    usd_amount: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BudgetLine(_Converted, Base):
    """A budget for one period of at most a year, like an IATI <budget>. For each period the current
    budget is the revised line where there is one, else the original (`current` is kept by the write
    path); original lines of a project do not overlap in period, nor do revised ones."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period_order"),
        *converted_checks(),
        Index("ix_budget_lines_project_period", "project_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    donor_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    type: Mapped[str] = mapped_column(Enum(*BUDGET_TYPES, name="budget_type", native_enum=False), default="original")
    status: Mapped[str] = mapped_column(Enum(*BUDGET_STATUSES, name="budget_status", native_enum=False),
                                        default="indicative")
    current: Mapped[bool] = mapped_column(default=True)


class Transaction(_Converted, Base):
    """An IATI transaction: money committed, received, disbursed or spent, on a date."""

    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("project_id", "reference", name="uq_transactions_project_reference"),
        *converted_checks(),
        Index("ix_transactions_project_date", "project_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(Enum(*TRANSACTION_TYPES, name="transaction_type", native_enum=False))
    date: Mapped[date]
    provider_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    receiver_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)


class ExchangeRate(Base):
    """USD per one unit of a currency from a date on, with its source (loaded by `flask rates load`)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("currency", "date", name="uq_exchange_rates_currency_date"),
        CheckConstraint("usd_per_unit > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[date]
    usd_per_unit: Mapped[Decimal] = mapped_column(ScaledDecimal(10))
    source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
