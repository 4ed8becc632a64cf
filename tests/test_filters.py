"""The filter registry (portfolio/filters.py FILTERS) and the query parameters that carry its filters agree:
a new filter is one registry entry, and its parameter in schemas/filters.py."""
from portfolio.filters import FILTER_NAMES, ROLLUP_CELL_FILTERS
from portfolio.models import RollupProject
from portfolio.schemas.filters import ProjectFilterSchema


def test_every_filter_is_a_parameter_and_every_parameter_a_filter():
    # rcp_link says which links `rcp` matches: part of the rcp filter's shape, not a filter of its own.
    assert set(ProjectFilterSchema().fields) == {*FILTER_NAMES, "rcp_link"}


def test_the_rollup_cells_are_keyed_by_their_filters():
    columns = set(RollupProject.__table__.columns.keys())
    # priority is kept as filter_priority_id (0: any), region as its id, status and synthetic as stored
    assert {"filter_priority_id", "region_id", "status", "synthetic"} <= columns
    assert {"region", "priority", "status", "synthetic"} == ROLLUP_CELL_FILTERS
