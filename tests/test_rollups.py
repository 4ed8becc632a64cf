"""Rollups stay exactly equal to the raw GROUP BY over the base tables, whatever the writes."""
from conftest import wipe
from helpers import add_line, create_project, etag, example_count, project_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.extensions import db
from portfolio.filters import FILTERS as FILTER_REGISTRY
from portfolio.filters import count as matching_count
from portfolio.models import RollupCountryFunder
from portfolio.services.maintenance import figure_differences
from portfolio.statistics import aggregates, readers, rollups

REGIONS = ["africa-middle-east", "asia-oceania", "americas", "europe"]
PRIORITIES = ["cooperation", "irregular-migration", "migrants-rights", "regular-migration", "harmonization"]
STATUSES = ["pipeline", "implementation", "closed"]
CODES = [f"R-{i}" for i in range(5)]
COUNTRIES = ["AL", "MK", "RS"]
ACTIVITY_TYPES = ["policy-frameworks", "training-hrd"]
RCPS = ["budapest-process", "puebla-process"]  # stated; AL, MK and RS also link to RCPs by their membership

amount = st.decimals(min_value=0, max_value=10**9, places=2).map(str)
year = st.integers(min_value=1999, max_value=2006)


def _project(draw_code, region, priorities, status, start, length, countries, activity_types, rcps):
    body = project_body(draw_code, region=region, status=status, countries=countries, rcps=rcps,
                        activity_types=activity_types, priorities=[{"code": p} for p in priorities])
    if start is not None:
        body["start_date"] = f"{start}-01-01"
        if length is not None:
            body["end_date"] = f"{start + length}-12-31"
    return body


project_bodies = st.builds(_project, st.sampled_from(CODES), st.sampled_from(REGIONS),
                           st.lists(st.sampled_from(PRIORITIES), min_size=1, max_size=3, unique=True),
                           st.sampled_from(STATUSES), st.none() | year, st.none() | st.integers(0, 3),
                           st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True),
                           st.lists(st.sampled_from(ACTIVITY_TYPES), max_size=2, unique=True),
                           st.lists(st.sampled_from(RCPS), max_size=2, unique=True))

operations = st.one_of(
    st.tuples(st.just("create"), project_bodies),
    st.tuples(st.just("patch"), st.sampled_from(CODES), st.fixed_dictionaries({}, optional={
        "region": st.sampled_from(REGIONS), "status": st.sampled_from(STATUSES),
        "priorities": st.lists(st.sampled_from(PRIORITIES), min_size=1, max_size=3, unique=True).map(
            lambda ps: [{"code": p} for p in ps]),
        "countries": st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True),
        "activity_types": st.lists(st.sampled_from(ACTIVITY_TYPES), max_size=2, unique=True),
        "rcps": st.lists(st.sampled_from(RCPS), max_size=2, unique=True)})),
    st.tuples(st.just("line"), st.sampled_from(CODES), year, amount),
    st.tuples(st.just("change-line"), st.sampled_from(CODES), amount),
    st.tuples(st.just("delete-line"), st.sampled_from(CODES)),
    st.tuples(st.just("delete"), st.sampled_from(CODES)),
    st.tuples(st.just("bulk"), st.lists(project_bodies, min_size=1, max_size=3, unique_by=lambda b: b["code"])),
)

FILTERS = [{}, {"region": "europe"}, {"priority": "cooperation"}, {"status": "closed"}, {"synthetic": False},
           {"year_from": 2001}, {"year_to": 2002}, {"year_from": 2000, "year_to": 2003, "priority": "harmonization"},
           {"region": "americas", "status": "pipeline", "priority": "migrants-rights"}]
# A filter on one RCP or activity type: answered from that dimension's cells when nothing is split.
OVERLAP_FILTERS = [{"rcp": "budapest-process"}, {"rcp": "puebla-process", "rcp_link": "stated", "year_from": 2001},
                   {"rcp": "budapest-process", "rcp_link": "derived", "priority": "cooperation"},
                   {"activity_type": "training-hrd", "region": "europe"},
                   {"activity_type": "policy-frameworks", "year_from": 2000, "year_to": 2002, "status": "closed"}]


def _run(client, op):
    kind = op[0]
    if kind == "create":
        client.post("/api/v1/projects", json=op[1])
    elif kind == "patch":
        path = f"/api/v1/projects/{op[1]}"
        response = client.get(path)
        if response.status_code == 200 and op[2]:
            client.patch(path, json=op[2], headers={"If-Match": response.headers["ETag"]})
    elif kind == "line":
        client.post(f"/api/v1/projects/{op[1]}/budget-lines", json={
            "period_start": f"{op[2]}-01-01", "period_end": f"{op[2]}-12-31", "amount": op[3], "currency": "USD"})
    elif kind in ("change-line", "delete-line"):
        response = client.get(f"/api/v1/projects/{op[1]}/budget-lines")
        if response.status_code == 200 and response.json:
            path = f"/api/v1/projects/{op[1]}/budget-lines/{response.json[0]['id']}"
            if kind == "change-line":
                client.patch(path, json={"amount": op[2]}, headers={"If-Match": etag(client, path)})
            else:
                client.delete(path, headers={"If-Match": etag(client, path)})
    elif kind == "delete":
        path = f"/api/v1/projects/{op[1]}"
        response = client.get(path)
        if response.status_code == 200:
            client.delete(path, headers={"If-Match": response.headers["ETag"]})
    elif kind == "bulk":
        client.post("/api/v1/projects/bulk?mode=upsert", json={"items": op[1]})


@settings(max_examples=example_count(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operations, min_size=1, max_size=25), st.lists(st.sampled_from(FILTERS), min_size=2, max_size=3,
                                                              unique_by=str), st.sampled_from(OVERLAP_FILTERS))
def test_rollups_equal_raw_group_by_after_random_writes(app, client, ops, filters, overlap):
    """Every cell equals a fresh computation; and for some of the rollup-served filters (drawn, so that the
    examples cover them all), every dimension's answer equals the base tables' answer."""
    wipe(app)
    for op in ops:
        _run(client, op)
    with app.app_context():
        assert rollups.differences() == []
        assert figure_differences() == []
        for args in filters:
            assert readers.reader(args).__class__ is readers.RollupReader
            for dimension in ("region", "priority", "year", "status", "organisation", "donor", "country",
                              "activity-type", "rcp"):
                assert aggregates.aggregate(dimension, args) == aggregates.aggregate(dimension, args,
                                                                                     use_rollups=False), (
                    dimension, args)
            for link in ("stated", "derived"):
                linked = {**args, "rcp_link": link}
                assert readers.reader(linked, (aggregates.DIMENSIONS["rcp"],)).__class__ is readers.RollupReader
                assert aggregates.aggregate("rcp", linked) == aggregates.aggregate("rcp", linked, use_rollups=False), (
                    link, args)
            assert aggregates.region_priority(args) == aggregates.region_priority(args, use_rollups=False)
            for rows, columns in (("country", "region"), ("year", "country"), ("status", "country"),
                                  ("activity-type", "region"), ("year", "activity-type"), ("rcp", "status"),
                                  ("year", "rcp"), ("priority", "country"), ("country", "donor"),
                                  ("organisation", "country"), ("donor", "priority")):
                assert aggregates.crossed(rows, columns, args) == aggregates.crossed(rows, columns, args,
                                                                                     use_rollups=False), (rows, args)
        for dims in ((), ("region",), ("status",), ("year",), ("region", "status"), ("year", "region")):
            question = tuple(aggregates.DIMENSIONS[d] for d in dims)
            assert readers.reader(overlap, question).__class__ is readers.RollupReader, (overlap, dims)
            if len(dims) == 2:
                answers = [aggregates.crossed(*dims, overlap, use_rollups=use) for use in (True, False)]
            elif dims:
                answers = [aggregates.aggregate(dims[0], overlap, use_rollups=use) for use in (True, False)]
            else:
                answers = [aggregates.totals(overlap, use_rollups=use) for use in (True, False)]
            assert answers[0] == answers[1], (overlap, dims)
        for args in ({}, {"region": "europe"}, {"priority": "cooperation"}, {"status": "closed"},
                     {"synthetic": False, "region": "americas", "priority": "harmonization"}):
            # The project list's total, read from the rollups, is the count of the matching rows.
            assert aggregates.project_count(args) == matching_count(args), args
        db.session.remove()


def test_rollups_are_not_used_for_other_filters(app):
    with app.app_context():
        assert isinstance(readers.reader({"q": "x"}), readers.BaseReader)
        assert isinstance(readers.reader({"country": "AL", "region": "europe"}), readers.BaseReader)
        dimensions = aggregates.DIMENSIONS
        for served in (("country",), ("country", "region"), ("year", "country"), ("activity-type",),
                       ("activity-type", "status"), ("year", "activity-type"), ("rcp",), ("rcp", "region"),
                       ("country", "priority"), ("country", "donor"), ("organisation", "country"),
                       ("priority", "donor")):
            assert readers.RollupReader.serves({}, tuple(dimensions[d] for d in served)), served
        for crossed in (("activity-type", "country"), ("activity-type", "priority"), ("activity-type", "donor"),
                        ("rcp", "priority"), ("rcp", "activity-type")):
            assert not readers.RollupReader.serves({}, tuple(dimensions[d] for d in crossed)), crossed
        # A funder names the funding role: with the country, its pair of the cube; with two splits, none.
        assert readers.RollupReader.table({"funder": "IOM"}, (dimensions["country"],))[0] is RollupCountryFunder
        assert not readers.RollupReader.serves({"funder": "IOM"}, (dimensions["country"], dimensions["priority"]))
        assert not readers.RollupReader.serves({"organisation_role": "implementing"},
                                               (dimensions["organisation"], dimensions["country"]))
        assert set(readers.OVERLAP_FILTERS) == {f.name for f in FILTER_REGISTRY if f.rollup == "overlap"}
        rcp = {"rcp": "budapest-process"}
        for served in ((), ("region",), ("status",), ("year",), ("year", "region")):
            for args in (rcp, {**rcp, "rcp_link": "stated"}, {"activity_type": "training-hrd"}):
                assert readers.RollupReader.serves(args, tuple(dimensions[d] for d in served)), (args, served)
        for split in (("priority",), ("country",), ("donor",), ("rcp",), ("activity-type",), ("rcp", "region")):
            assert not readers.RollupReader.serves(rcp, tuple(dimensions[d] for d in split)), split
        assert not readers.RollupReader.serves({**rcp, "activity_type": "training-hrd"}, (dimensions["region"],))
        assert not readers.RollupReader.serves({**rcp, "funder": "IOM"}, (dimensions["region"],))
        assert not readers.RollupReader.serves({**rcp, "country": "AL"}, (dimensions["region"],))
        assert isinstance(readers.reader({"region": "europe", "synthetic": None}), readers.RollupReader)


def test_rollups_rebuilt_after_demo_data(runner, app):
    assert runner.invoke(args=["demo-data", "--projects", "50"]).exit_code == 0
    with app.app_context():
        assert rollups.differences() == []
        assert aggregates.aggregate("region", {}) == aggregates.aggregate("region", {}, use_rollups=False)
        db.session.remove()


def test_rollups_cli_verify_and_rebuild(runner, app, client):
    client.post("/api/v1/projects", json=project_body("V-1"))
    assert runner.invoke(args=["rollups", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(readers.RollupProject.__table__.delete())
        db.session.commit()
    broken = runner.invoke(args=["rollups", "verify"])
    assert broken.exit_code == 1 and "differ" in broken.output
    assert runner.invoke(args=["rollups", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["rollups", "verify"]).exit_code == 0


def test_rollups_cli_verify_finds_a_stored_figure_that_is_not_derived(runner, app, client, in_app):
    """A write rewrites a project's figures only where its derivation changed, so a wrong stored row would
    stay: `flask rollups verify` compares them with a fresh derivation too, and rebuild repairs them."""
    create_project(client, "P-1")
    add_line(client, "P-1", amount="1000.01")
    assert runner.invoke(args=["rollups", "verify"]).exit_code == 0

    def tamper():
        db.session.execute(db.text("UPDATE project_figures SET current_indicative = current_indicative + 1"))
        db.session.commit()

    in_app(tamper)
    result = runner.invoke(args=["rollups", "verify"])
    assert result.exit_code == 1 and "project_figures stored, not derived" in result.output
    assert "2 figure rows" in result.output  # the stored row, and the derived one it should be
    assert runner.invoke(args=["rollups", "rebuild"]).exit_code == 0
    assert in_app(figure_differences) == []
