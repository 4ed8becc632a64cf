"""Code -> row lookups for the reference vocabularies, loaded once per unit of work."""
from dataclasses import dataclass, field

from sqlalchemy import select

from portfolio.extensions import db
from portfolio.models import ActivityType, Country, Priority, Rcp, Region


@dataclass
class Vocabulary:
    regions: dict = field(default_factory=dict)
    priorities: dict = field(default_factory=dict)
    activity_types: dict = field(default_factory=dict)
    countries: dict = field(default_factory=dict)
    rcps: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Vocabulary":
        def by_code(model):
            return {row.code: row for row in db.session.scalars(select(model))}

        return cls(
            regions=by_code(Region),
            priorities=by_code(Priority),
            activity_types=by_code(ActivityType),
            countries=by_code(Country),
            rcps=by_code(Rcp),
        )
