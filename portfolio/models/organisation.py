"""Organisations (funders, implementers, ...) and their participation in projects, as IATI models them."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.models.base import Base, UtcDateTime, utcnow

# IATI OrganisationRole codelist (1-4), by name.
ORGANISATION_ROLES = ("funding", "accountable", "extending", "implementing")
# IATI OrganisationType codelist.
ORGANISATION_TYPES = {
    "10": "Government", "11": "Local Government", "15": "Other Public Sector", "21": "International NGO",
    "22": "National NGO", "23": "Regional NGO", "24": "Partner Country based NGO", "30": "Public Private Partnership",
    "40": "Multilateral", "60": "Foundation", "70": "Private Sector", "71": "Private Sector in Provider Country",
    "72": "Private Sector in Aid Recipient Country", "73": "Private Sector in Third Country",
    "80": "Academic, Training and Research", "90": "Other",
}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    iati_identifier: Mapped[str | None] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(2))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    source: Mapped[str] = mapped_column(Text, default="api")
    judgement: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProjectOrganisation(Base):
    """An organisation taking part in a project in one IATI role, with its share of the project's
    money in that role (hundredths of a percent; the shares of one role sum to 100 %)."""

    __tablename__ = "project_organisations"
    __table_args__ = (
        CheckConstraint("share > 0 AND share <= 10000", name="share_range"),
        Index("ix_project_organisations_organisation_role", "organisation_id", "role"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(Enum(*ORGANISATION_ROLES, name="organisation_role", native_enum=False),
                                      primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    share: Mapped[int] = mapped_column(Integer)
    # For seeded participations: the citation, and what in it is a judgement rather than a quotation.
    source: Mapped[str | None] = mapped_column(Text)
    judgement: Mapped[str | None] = mapped_column(Text)
