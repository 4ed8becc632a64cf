"""Aggregate answers: rows by a dimension (or the region x priority cross-tab) with every measure, the
grand total, and whether the rows add up. Every answer is one SQL statement (readers.fetch)."""
from decimal import Decimal

from portfolio import dialect
from portfolio.errors import Invalid, field_error
from portfolio.money import allocate, round_percent, to_cents
from portfolio.services import queries
from portfolio.services.maintenance import require_fresh
from portfolio.services.vocabulary import current
from portfolio.statistics.dimensions import CROSS_TAB, DIMENSIONS, Dimension, role_of
from portfolio.statistics.measures import cell
from portfolio.statistics.readers import RollupReader, plan, reader, run

NOT_FILTERS = {"format"}


def filters_of(args: dict) -> dict:
    return {k: v for k, v in args.items() if k not in NOT_FILTERS and v is not None}


def check_parameters(dimension: str, args: dict) -> None:
    """Parameters that only mean something with another are refused alone, never ignored."""
    errors = []
    if args.get("organisation_role") and not args.get("organisation") and dimension != "organisation":
        errors.append(field_error("/organisation_role", "organisation_role needs organisation (or use "
                                  "/aggregates/organisation?organisation_role=...).", "query"))
    if dimension == "donor" and args.get("organisation_role") not in (None, "funding"):
        errors.append(field_error("/organisation_role", "The donor dimension is the funding role; use "
                                  "/aggregates/organisation for another role.", "query"))
    if args.get("rcp_link") and not args.get("rcp") and dimension != "rcp":
        errors.append(field_error("/rcp_link", "rcp_link says which RCP links `rcp` matches; give rcp too.", "query"))
    if errors:
        raise Invalid(errors)


def _rows(dimension: Dimension, found: dict, args: dict) -> list[dict]:
    """The answer's rows, in the vocabulary's order (or by key, for countries and years)."""
    grouped = dict(found.get("rows", {}))
    vocab = current()
    none = found.get("none", {}).get(())
    if dimension.none_label and none is None:
        none = grouped.pop(0, None) if dimension.membership in ("priority", "organisation") else grouped.pop(None, None)
    if dimension.terms is not None:
        rows = [(code, label, grouped.get(key)) for key, code, label in dimension.terms(vocab)]
        if dimension.membership == "organisation":  # only the organisations that take part in the role
            rows = [row for row in rows if row[2] is not None and row[2][0]]
    elif dimension.key == "year":
        rows = [(int(year), str(int(year)), values) for year, values in sorted(grouped.items())]
    else:
        rows = [(code, vocab.countries.get(code, code), grouped[code]) for code in sorted(grouped)]
    if dimension.none_label and none is not None and none[0]:
        rows.append((None, dimension.none_label, none))
    status = args.get("budget_status")
    return [{"key": key, "label": label, **cell(values, status)} for key, label, values in rows]


def shares(rows: list[dict], total: Decimal | None, additive: bool) -> None:
    """Each row's share of the total current budget; additive rows by largest remainder, so they sum to
    exactly 100.00."""
    known = [row for row in rows if row["budget_usd"] is not None]
    for row in rows:
        row["share_percent"] = None
    if not total:
        return
    if additive:
        points = allocate(10000, [to_cents(row["budget_usd"]) for row in known]) if any(
            row["budget_usd"] for row in known) else [0] * len(known)
        for row, bp in zip(known, points):
            row["share_percent"] = round_percent(Decimal(bp) / 100)
    else:
        for row in known:
            row["share_percent"] = round_percent(row["budget_usd"] * 100 / total)


_plans: dict = {}


def compute(source, question: str, build) -> dict:
    """Run the answer's plan, built once per shape of question (which filters, which reader, which engine:
    never the values, which are bound parameters)."""
    key = (question, type(source).__name__, getattr(source, "shared", None), dialect.name(),
           queries.filter_shape(source.args, "money"), role_of(DIMENSIONS["organisation"], source.args),
           source.args.get("budget_status") is not None)
    found = _plans.get(key)
    if found is None:
        found = _plans[key] = plan(build())
    return run(found, source.params())


def aggregate(key: str, args: dict, use_rollups: bool = True) -> dict:
    require_fresh()
    dimension = DIMENSIONS[key]
    check_parameters(key, args)
    filters = filters_of(args)
    source = reader(filters, dimension, use_rollups)
    found = compute(source, key, lambda: source.grouped(dimension) + source.totals())
    rows = _rows(dimension, found, filters)
    total = cell(found["total"].get(()), filters.get("budget_status"))
    shares(rows, total["budget_usd"], dimension.additive)
    answer = {"dimension": key, "additive": dimension.additive, "counts_additive": dimension.counts_additive,
              "note": dimension.note, "filters": _echo(filters), "rows": rows, "total": total}
    if dimension.membership == "organisation":
        answer["organisation_role"] = role_of(dimension, filters)
    return answer


def _echo(filters: dict) -> dict:
    """The filters the figures answer, as given (so a file says what question it answers)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}


LIST_FILTERS_IN_ROLLUPS = {"region", "priority", "status", "synthetic"}


def project_count(args: dict) -> int:
    """How many projects the list's filters match. The rollups hold it exactly for the filters they are keyed
    by, so an unfiltered list of 100,000 projects costs what one of 2,000 does; other filters count the
    matching rows (a cost that grows with the matches, not with the portfolio)."""
    filters = {k: v for k, v in args.items() if v is not None and k not in ("sort", "cursor")}
    if set(filters) <= LIST_FILTERS_IN_ROLLUPS:
        source = RollupReader(filters)
        return int(compute(source, "totals", source.totals)["total"].get((), (0,))[0])
    return queries.count(args)


def totals(args: dict, use_rollups: bool = True) -> dict:
    filters = filters_of(args)
    source = reader(filters, None, use_rollups)
    return cell(compute(source, "totals", source.totals)["total"].get(()), filters.get("budget_status"))


def region_priority(args: dict, use_rollups: bool = True) -> dict:
    require_fresh()
    check_parameters(CROSS_TAB, args)
    filters = filters_of(args)
    regions, priorities = DIMENSIONS["region"], DIMENSIONS["priority"]
    source = reader(filters, priorities, use_rollups)
    found = compute(source, CROSS_TAB, lambda: source.cells() + source.totals() + [
        (f"region:{n}", p) for n, p in source.grouped(regions)] + [
        (f"priority:{n}", p) for n, p in source.grouped(priorities)])
    margins = {d.key: {row["key"]: row for row in _rows(d, {n.split(":", 1)[1]: v for n, v in found.items()
                                                            if n.startswith(d.key + ":")}, filters)}
               for d in (regions, priorities)}
    vocab = current()
    status = filters.get("budget_status")
    out_rows = []
    for region in vocab.regions.values():
        row = margins["region"][region.code]
        cells = [{"priority": p.code, **cell(found.get("cells", {}).get((region.id, p.id)), status)}
                 for p in vocab.priorities.values()]
        out_rows.append({"region": region.code, "label": region.name, "cells": cells,
                         **{k: v for k, v in row.items() if k not in ("key", "label", "share_percent")}})
    columns = [{"priority": code, **{k: v for k, v in row.items() if k not in ("key", "share_percent")}}
               for code, row in margins["priority"].items() if code is not None]
    total = cell(found["total"].get(()), status)
    return {"dimension": CROSS_TAB, "additive": True, "filters": _echo(filters),
            "note": "Cells attribute each project's money to its priorities by share, year by year, in cents by "
                    "largest remainder: cells sum to their row (region) and column (priority) totals, which sum to "
                    "the total.",
            "rows": out_rows, "columns": columns, "total": total}

