"""The bulk fast path returns exactly what ProjectCreateSchema returns, or steps aside.

`load_project` may only ever answer for an item the schema accepts, with the schema's own result;
everything else must come back None so the schema decides (and words the errors)."""
import copy
import json
from decimal import Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from helpers import project_body
from portfolio.schemas.fast_load import load_project
from portfolio.schemas.projects import ProjectCreateSchema

SCHEMA = ProjectCreateSchema()
ODD = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True), st.text(max_size=5),
                st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _either(good, odd=ODD):
    return st.one_of(good, good, good, odd)


share = st.one_of(st.none(), st.sampled_from(["50", "50.00", "50.001", "100", "0", "-1", "33.33", " 50 ", "1e2",
                                              "NaN", "abc", ""]),
                  st.integers(-1, 101), st.floats(0, 100), st.booleans())
priority = st.fixed_dictionaries({"code": _either(st.sampled_from(["cooperation", "harmonization", "nope"]))},
                                 optional={"share": share, "extra": st.integers()})
date_text = st.one_of(st.sampled_from(["2004-01-01", "2003-12-31", "2004-13-01", "20040101", "2004-W01-1", "",
                                       "2004-02-30", "2005-06-15T00:00:00"]), st.dates().map(str))
fields = {
    "code": _either(st.sampled_from(["P-1", "TCM.7_x", "bulk", "-bad", "a" * 64, "a" * 65, ""])),
    "title": _either(st.text(min_size=0, max_size=4) | st.just("t" * 301) | st.just("t" * 300)),
    "region": _either(st.sampled_from(["europe", "mars"])),
    "countries": _either(st.lists(st.sampled_from(["al", "AL", "ec", "CSXX", "A", "ABCDE", 7]), max_size=3)),
    "priorities": _either(st.lists(priority, max_size=6)),
    "activity_types": _either(st.lists(st.sampled_from(["training-hrd", "x", 3]), max_size=3)),
    "rcps": _either(st.lists(st.sampled_from(["budapest-process", "puebla-process"]), max_size=3)),
    "status": _either(st.sampled_from(["pipeline", "implementation", "closed", "done"])),
    "start_date": _either(date_text),
    "end_date": _either(date_text),
    "post_emergency": _either(st.booleans() | st.sampled_from(["true", 1, 0, "no"])),
    "acronym": _either(st.none() | st.text(max_size=3) | st.just("A" * 41)),
    "description": _either(st.none() | st.text(max_size=10)),
}
good_share_sets = st.sampled_from([[None], [None, None], ["100"], ["60", 40], ["33.33", "33.33", "33.34"],
                                   [100], ["50.00", "50"]])
good = {
    "code": st.sampled_from(["P-1", "TCM.7_x", "a" * 64]),
    "title": st.text(min_size=1, max_size=20),
    "region": st.sampled_from(["europe", "mars"]),
    "countries": st.lists(st.sampled_from(["al", "AL", "ec", "CSXX", "ba"]), max_size=3),
    "activity_types": st.lists(st.sampled_from(["training-hrd", "x"]), max_size=2, unique=True),
    "rcps": st.lists(st.sampled_from(["budapest-process", "puebla-process"]), max_size=2, unique=True),
    "status": st.sampled_from(["pipeline", "implementation", "closed"]),
    "start_date": st.none() | st.dates().map(str),
    "end_date": st.none() | st.dates().map(str),
    "post_emergency": st.booleans(),
    "acronym": st.none() | st.text(max_size=40),
    "description": st.none() | st.text(max_size=10),
}


@st.composite
def items(draw):
    """A plain item, then none, one or two fields replaced by anything, removed, or an unknown key."""
    shares = draw(good_share_sets)
    codes = draw(st.permutations(["cooperation", "harmonization", "migrants-rights"]))[:len(shares)]
    item = {"code": draw(good["code"]), "title": draw(good["title"]), "region": draw(good["region"]),
            "priorities": [{"code": c} if s is None else {"code": c, "share": s} for c, s in zip(codes, shares)]}
    for name in draw(st.lists(st.sampled_from(sorted(set(good) - set(item))), unique=True)):
        item[name] = draw(good[name])
    for _ in range(draw(st.integers(0, 2))):
        action = draw(st.sampled_from(["replace", "remove", "unknown", "priority"]))
        name = draw(st.sampled_from(sorted(fields)))
        if action == "replace":
            item[name] = draw(fields[name])
        elif action == "remove":
            item.pop(name, None)
        elif action == "unknown":
            item["unknown"] = 1
        elif item.get("priorities") and isinstance(item["priorities"], list):
            item["priorities"][0] = draw(priority)
    return item if draw(st.integers(0, 20)) else draw(ODD)


def _schema(item):
    try:
        return SCHEMA.load(copy.deepcopy(item))
    except ValidationError:
        return "invalid"


@settings(max_examples=1500, deadline=None)
@given(items())
def test_fast_path_agrees_with_the_schema_or_steps_aside(item):
    fast = load_project(copy.deepcopy(item))
    expected = _schema(item)
    event("fast path" if fast is not None else "schema")
    if fast is not None:
        assert fast == expected


def test_fast_path_takes_the_plain_cases():
    plain = [
        project_body("P-1"),
        project_body("P-2", countries=["al", "ba"], acronym=None, description="text", start_date="2004-01-01",
                     end_date="2005-12-31", post_emergency=True, rcps=["budapest-process"],
                     priorities=[{"code": "cooperation", "share": "60"}, {"code": "harmonization", "share": 40}]),
        json.loads(json.dumps({"code": "P-3", "title": "t", "region": "europe", "priorities": [{"code": "x",
                                                                                               "share": None}]})),
    ]
    for item in plain:
        fast = load_project(copy.deepcopy(item))
        assert fast is not None and fast == SCHEMA.load(copy.deepcopy(item))
    assert load_project(project_body("P-4"))["priorities"] == [{"code": "cooperation", "share": None}]
    assert load_project(project_body("P-5", priorities=[{"code": "a", "share": "99.999"},
                                                        {"code": "b", "share": "0.001"}])) is None
    assert load_project(project_body("P-6", priorities=[{"code": "a", "share": "60"}, {"code": "b", "share": 40}])
                        )["priorities"][1]["share"] == Decimal("40.00")
