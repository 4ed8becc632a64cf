"""The well-formed case of `ProjectCreateSchema().load`, without marshmallow's per-field machinery.

A bulk request carries up to 5,000 projects, and the schema costs about 80 microseconds a project,
more than writing it. `load_project` applies the same rules to the plain case and returns exactly
what the schema returns; on anything else (a wrong type, a bad value, a rule broken, any doubt) it
returns None and the item goes through the schema, which alone words the errors. The two are kept
equal by tests/test_fast_load.py (hypothesis).
"""
import re
from datetime import date
from decimal import Decimal

from marshmallow import validate

from portfolio.models import PROJECT_STATUSES
from portfolio.schemas.projects import CODE, ProjectCreateSchema, PriorityShareInSchema

_FIELDS = ProjectCreateSchema().fields
FIELDS = frozenset(_FIELDS)
REQUIRED = frozenset(name for name, field in _FIELDS.items() if field.required)
_share = PriorityShareInSchema().fields["share"]
_STATUSES = frozenset(PROJECT_STATUSES)
_HUNDRED = Decimal(100)


def _length(field) -> tuple[int, int]:
    """The (min, max) of the field's own Length validator, so the limits live in the schema only."""
    length = next(v for v in field.validators if isinstance(v, validate.Length))
    return length.min or 0, length.max


TITLE, ACRONYM, DESCRIPTION = (_length(_FIELDS[name]) for name in ("title", "acronym", "description"))
COUNTRY = _length(_FIELDS["countries"].inner)
PRIORITIES = _length(_FIELDS["priorities"])
_CENT = Decimal("0.01")
_PLAIN_SHARE = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


def _share_value(value) -> Decimal:
    """A share as the schema's field loads it; the plain forms ("60", "33.33", 40) directly."""
    if (type(value) is str and _PLAIN_SHARE.fullmatch(value)) or (type(value) is int and 0 <= value <= 100):
        number = Decimal(value)
        if 0 < number <= _HUNDRED:
            return number.quantize(_CENT)
    return _share.deserialize(value)


def _text(value, low: int, high: int) -> bool:
    return type(value) is str and low <= len(value) <= high


def _codes(value) -> list | None:
    """A list of distinct strings, or None."""
    if type(value) is not list or any(type(v) is not str for v in value) or len(set(value)) != len(value):
        return None
    return list(value)


def _date(value):
    if type(value) is not str or not value:
        raise ValueError
    return date.fromisoformat(value)


def load_project(item) -> dict | None:
    if type(item) is not dict or not REQUIRED <= item.keys() or not item.keys() <= FIELDS:
        return None
    code, title, region = item["code"], item["title"], item["region"]
    if type(code) is not str or not CODE.match(code) or not _text(title, *TITLE) or type(region) is not str:
        return None
    out = {"code": code, "title": title, "region": region}
    for name, limits in (("acronym", ACRONYM), ("description", DESCRIPTION)):
        if name in item:
            value = item[name]
            if value is not None and not _text(value, *limits):
                return None
            out[name] = value
    countries = item.get("countries", [])
    if type(countries) is not list or any(type(c) is not str for c in countries):
        return None
    countries = _codes([c.upper() for c in countries])
    if countries is None or not all(_text(c, *COUNTRY) for c in countries):
        return None
    out["countries"] = countries
    for name in ("activity_types", "rcps"):
        out[name] = _codes(item.get(name, []))
        if out[name] is None:
            return None
    priorities = item["priorities"]
    if type(priorities) is not list or not PRIORITIES[0] <= len(priorities) <= PRIORITIES[1]:
        return None
    loaded = []
    for entry in priorities:
        if type(entry) is not dict or "code" not in entry or not entry.keys() <= {"code", "share"} \
                or type(entry["code"]) is not str:
            return None
        share = entry.get("share")
        if share is not None:
            if type(share) not in (str, int):
                return None
            try:
                share = _share_value(share)
            except Exception:  # noqa: BLE001 - any doubt: the schema decides and words the error
                return None
        loaded.append({"code": entry["code"], "share": share})
    shares = [entry["share"] for entry in loaded]
    given = [s for s in shares if s is not None]
    if (given and (len(given) != len(shares) or sum(given) != _HUNDRED)) \
            or _codes([entry["code"] for entry in loaded]) is None:
        return None
    out["priorities"] = loaded
    status = item.get("status", "pipeline")
    if type(status) is not str or status not in _STATUSES:
        return None
    out["status"] = status
    try:
        for name in ("start_date", "end_date"):
            if name in item:
                out[name] = None if item[name] is None else _date(item[name])
    except ValueError:
        return None
    if out.get("start_date") and out.get("end_date") and out["end_date"] < out["start_date"]:
        return None
    post_emergency = item.get("post_emergency", False)
    if type(post_emergency) is not bool:
        return None
    out["post_emergency"] = post_emergency
    return out
