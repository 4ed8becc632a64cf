from portfolio.models.audit import AuditEvent
from portfolio.models.rollup import RollupPriority, RollupProject, RollupYear
from portfolio.models.security import ROLES, ApiToken, IdempotencyKey
from portfolio.models.base import Base
from portfolio.models.project import (
    BUDGET_STATUSES,
    BUDGET_TYPES,
    PROJECT_STATUSES,
    BudgetLine,
    Project,
    ProjectActivityType,
    ProjectCountry,
    ProjectPriority,
    ProjectRcp,
)
from portfolio.models.reference import (
    ActivityType,
    Country,
    PortfolioBaseline,
    Priority,
    Rcp,
    RcpMember,
    Region,
)

__all__ = [
    "RollupPriority", "RollupProject", "RollupYear",
    "ApiToken", "IdempotencyKey", "ROLES", "AuditEvent", "Base", "BudgetLine", "Project", "ProjectActivityType", "ProjectCountry",
    "ProjectPriority", "ProjectRcp", "ActivityType", "Country", "PortfolioBaseline", "Priority",
    "Rcp", "RcpMember", "Region", "PROJECT_STATUSES", "BUDGET_TYPES", "BUDGET_STATUSES",
]
