"""The tables. Models are plain typed rows without relationships: services read and write them in
set-wise statements (services/state.py), so one project and 5,000 take the same path."""
from portfolio.models.audit import AuditEvent
from portfolio.models.base import Base
from portfolio.models.figures import (
    FIGURE_TABLES,
    ProjectCountryFigure,
    ProjectCrossFigure,
    ProjectFigure,
    ProjectOrganisationFigure,
    ProjectPriorityFigure,
)
from portfolio.models.finance import BUDGET_TYPES, BudgetLine, ExchangeRate, Transaction
from portfolio.models.maintenance import DERIVED, MaintenanceFlag
from portfolio.models.organisation import ORGANISATION_ROLES, ORGANISATION_TYPES, Organisation, ProjectOrganisation
from portfolio.models.people import User, UserSession
from portfolio.models.project import (
    ACTIVITY_SCOPES,
    DAC_SECTORS,
    PROJECT_STATUSES,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectPriority,
    ProjectRcp,
)
from portfolio.models.reference import (
    MEMBER_ROLES,
    ActivityType,
    Country,
    PortfolioBaseline,
    Priority,
    Rcp,
    RcpMember,
    Region,
)
from portfolio.models.rollup import (
    RollupActivityType,
    RollupCountry,
    RollupCountryFunder,
    RollupOrganisation,
    RollupPriority,
    RollupPriorityCountry,
    RollupPriorityFunder,
    RollupProject,
    RollupRcp,
)
from portfolio.models.security import ROLES, ApiToken, IdempotencyKey

__all__ = [
    "AuditEvent", "Base", "ProjectCountryFigure", "ProjectCrossFigure", "ProjectFigure", "ProjectOrganisationFigure",
    "ProjectPriorityFigure", "BUDGET_TYPES", "BudgetLine", "ExchangeRate", "Transaction", "ORGANISATION_ROLES",
    "ORGANISATION_TYPES", "Organisation", "ProjectOrganisation", "PROJECT_STATUSES", "Project", "ProjectActivityType",
    "ProjectCountry", "ProjectPriority", "ProjectRcp", "MEMBER_ROLES", "ActivityType", "Country", "PortfolioBaseline",
    "Priority", "Rcp", "RcpMember", "Region", "RollupActivityType", "RollupCountry",
    "RollupCountryFunder", "RollupOrganisation", "RollupPriority", "RollupPriorityCountry",
    "RollupPriorityFunder", "RollupProject", "RollupRcp",
    "ROLES", "ApiToken", "IdempotencyKey", "DERIVED", "MaintenanceFlag", "User", "UserSession",
    "ACTIVITY_SCOPES", "DAC_SECTORS", "FIGURE_TABLES",
]
