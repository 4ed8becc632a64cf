"""The mapping between this model's vocabularies and IATI 2.03 codes, and the publisher settings.

Settings (environment, or the app config of the same name): IATI_REPORTING_ORG_REF (default XM-DAC-47066,
IOM), IATI_REPORTING_ORG_TYPE (40, Multilateral), IATI_REPORTING_ORG_NAME (International Organization for
Migration), IATI_IDENTIFIER_PREFIX (default: the reporting organisation's ref) and IATI_VOCABULARY_URI
(the base of this system's own vocabularies' URIs, default urn:tcm-portfolio:vocabulary:)."""
import os
from dataclasses import dataclass

from flask import current_app, has_app_context

from portfolio.figure_columns import TRANSACTION_TYPES
from portfolio.models import ORGANISATION_ROLES, PROJECT_STATUSES

VERSION = "2.03"
LANGUAGE = "en"
CURRENCY = "USD"
# The namespace of the attributes this system adds where IATI has no place for what it holds (a line's
# exchange rate, a budget line's status on its planned disbursement, a participation's share, the
# organisation's code here, the synthetic flag). IATI allows attributes of other namespaces everywhere
# (xsd:anyAttribute namespace="##other"); other tools ignore them.
TCM_NS = "urn:tcm-portfolio:iati-extension:1"
TCM = "{" + TCM_NS + "}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ACTIVITY_STATUS = {status: str(index) for index, status in enumerate(PROJECT_STATUSES, start=1)}
ACTIVITY_STATUS_OF = {code: status for status, code in ACTIVITY_STATUS.items()}
ROLE = {role: str(index) for index, role in enumerate(ORGANISATION_ROLES, start=1)}
ROLE_OF = {code: role for role, code in ROLE.items()}
TRANSACTION_TYPE = dict(TRANSACTION_TYPES)
TRANSACTION_TYPE_OF = {code: kind for kind, code in TRANSACTION_TYPE.items()}
BUDGET_TYPE = {"original": "1", "revised": "2"}
BUDGET_TYPE_OF = {code: kind for kind, code in BUDGET_TYPE.items()}
BUDGET_STATUS = {"indicative": "1", "committed": "2"}
BUDGET_STATUS_OF = {code: status for status, code in BUDGET_STATUS.items()}
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"

# IATI codelists (2.03) the validator checks codes against, where the list is short enough to keep here;
# Currency, Country and Language come from iso4217 and pycountry (validation.py).
CODELISTS = {
    "ActivityStatus": set(ACTIVITY_STATUS_OF),
    "ActivityDateType": {"1", "2", "3", "4"},
    "OrganisationRole": set(ROLE_OF),
    "OrganisationType": {"10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80",
                         "90"},
    "BudgetType": set(BUDGET_TYPE_OF),
    "BudgetStatus": set(BUDGET_STATUS_OF),
    "TransactionType": {str(n) for n in range(1, 14)},
    "SectorVocabulary": {str(n) for n in range(1, 11)} | {"98", "99"},
    "TagVocabulary": {"1", "2", "3", "4", "5", "99"},
    "DescriptionType": {"1", "2", "3", "4"},
    "Version": {"2.01", "2.02", "2.03"},
}


@dataclass(frozen=True)
class Publisher:
    ref: str
    type: str
    name: str
    prefix: str
    vocabulary_uri: str

    def identifier(self, code: str) -> str:
        return f"{self.prefix}-{code}"

    def uri(self, vocabulary: str) -> str:
        return self.vocabulary_uri + vocabulary


def _setting(name: str, default: str) -> str:
    if has_app_context() and current_app.config.get(name):
        return str(current_app.config[name])
    return os.environ.get(name) or default


def publisher() -> Publisher:
    ref = _setting("IATI_REPORTING_ORG_REF", "XM-DAC-47066")
    return Publisher(ref=ref, type=_setting("IATI_REPORTING_ORG_TYPE", "40"),
                     name=_setting("IATI_REPORTING_ORG_NAME", "International Organization for Migration"),
                     prefix=_setting("IATI_IDENTIFIER_PREFIX", ref),
                     vocabulary_uri=_setting("IATI_VOCABULARY_URI", "urn:tcm-portfolio:vocabulary:"))


# This system's own vocabularies, published with IATI vocabulary 99 (reporting organisation) and told apart
# from any other vocabulary 99 by their vocabulary-uri: priorities as sectors, the rest as tags.
PRIORITIES = "priorities"
TAGS = ("regions", "activity-types", "rcps")
