"""Reference vocabularies from the source documents, and the declared portfolio baseline."""
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.models.base import Base
from portfolio.money import ScaledDecimal


class _Term:
    """A term of one of the source documents' vocabularies, in the documents' own order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))


class Region(_Term, Base):
    __tablename__ = "regions"


class Priority(_Term, Base):
    __tablename__ = "priorities"


class ActivityType(_Term, Base):
    __tablename__ = "activity_types"


class Country(Base):
    """ISO 3166-1 countries from pycountry; former countries keep their ISO 3166-3 code."""

    __tablename__ = "countries"

    # Alpha-2 for current countries; the 4-letter ISO 3166-3 code for former ones (e.g. CSXX,
    # Serbia and Montenegro), because former alpha-2 codes were reused (CS was also Czechoslovakia).
    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    alpha_3: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str | None] = mapped_column(String(200))
    historic: Mapped[bool] = mapped_column(default=False)
    withdrawn: Mapped[str | None] = mapped_column(String(20))


RCP_KINDS = ("major", "other")
# "interested": the CIS Conference's interested States; "observer": states the matrix lists as observers.
MEMBER_ROLES = ("member", "observer", "interested")


class Rcp(Base):
    """A Regional Consultative Process (Annex A of 003) or another regional group (its footnote i)."""

    __tablename__ = "rcps"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(Enum(*RCP_KINDS, name="rcp_kind", native_enum=False))
    position: Mapped[int] = mapped_column(Integer)
    region_grouping: Mapped[str | None] = mapped_column(String(120))
    start_year: Mapped[int | None] = mapped_column(Integer)
    # The matrix's own words for the total, and the counts it states, so the seed can be checked.
    stated_total: Mapped[str | None] = mapped_column(String(200))
    stated_member_count: Mapped[int | None] = mapped_column(Integer)
    stated_interested_count: Mapped[int | None] = mapped_column(Integer)
    chair: Mapped[str | None] = mapped_column(Text)
    observers_partners: Mapped[str | None] = mapped_column(Text)
    secretariat: Mapped[str | None] = mapped_column(Text)
    main_areas: Mapped[str | None] = mapped_column(Text)
    current_priorities: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)

    members: Mapped[list["RcpMember"]] = relationship(
        back_populates="rcp", cascade="all, delete-orphan", order_by="RcpMember.country_code"
    )


class RcpMember(Base):
    __tablename__ = "rcp_members"

    rcp_id: Mapped[int] = mapped_column(ForeignKey("rcps.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(Enum(*MEMBER_ROLES, name="rcp_member_role", native_enum=False))
    name_in_source: Mapped[str] = mapped_column(String(120))
    # False for a participant the matrix lists beside its total ("Total: 16 + Hong Kong").
    in_stated_total: Mapped[bool] = mapped_column(default=True)

    rcp: Mapped[Rcp] = relationship(back_populates="members")
    country: Mapped[Country] = relationship(lazy="joined")


class PortfolioBaseline(Base):
    """A declared portfolio total (e.g. mid-2003: 126 projects, over USD 67 million)."""

    __tablename__ = "portfolio_baselines"
    __table_args__ = (
        CheckConstraint("project_count >= 0", name="project_count_non_negative"),
        CheckConstraint("budget_usd >= 0", name="budget_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(unique=True)
    as_of_label: Mapped[str] = mapped_column(String(40))
    project_count: Mapped[int] = mapped_column(Integer)
    budget_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    budget_qualifier: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
