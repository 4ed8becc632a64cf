"""Aggregate answers: rows by a dimension, or cells by two dimensions crossed, with every measure, the margins
and the grand total, and whether they add up. Every answer is one SQL statement (readers.plan)."""
from decimal import Decimal

from portfolio import dialect
from portfolio.errors import Invalid, field_error
from portfolio.figure_columns import EVIDENCE_ROLE
from portfolio.filters import NEEDS, ROLLUP_CELL_FILTERS, count, filter_shape
from portfolio.money import allocate, round_percent, to_cents
from portfolio.statistics.basis import basis
from portfolio.statistics.dimensions import CROSS_TAB, CUBE_SPLITS, DIMENSIONS, Dimension, role_of, split_of
from portfolio.statistics.freshness import require_fresh
from portfolio.statistics.measures import cell
from portfolio.statistics.readers import RollupReader, plan, reader, run
from portfolio.vocabulary import current

NOT_FILTERS = {"format"}


def filters_of(args: dict) -> dict:
    return {k: v for k, v in args.items() if k not in NOT_FILTERS and v is not None}


def check_parameters(dims: tuple[Dimension, ...], args: dict) -> None:
    """Parameters that only mean something with another are refused alone, never ignored; two dimensions are
    crossed only where the stored figures hold both splits (never an answer to another question)."""
    errors = []
    keys = [d.key for d in dims]
    organisations = [d for d in dims if d.is_organisation]
    if args.get("organisation_role") and not args.get("organisation") and not any(
            d.key == "organisation" for d in dims):
        errors.append(field_error("/organisation_role", "organisation_role needs organisation (or use "
                                  "/aggregates/organisation?organisation_role=...).", "query"))
    if "donor" in keys and args.get("organisation_role") not in (None, EVIDENCE_ROLE) and "organisation" not in keys:
        errors.append(field_error("/organisation_role", "The donor dimension is the funding role; use "
                                  "/aggregates/organisation for another role.", "query"))
    if args.get("rcp_link") and not args.get("rcp") and "rcp" not in keys:
        errors.append(field_error("/rcp_link", NEEDS["rcp_link"][1], "query"))
    if len(dims) == 2 and dims[0].key == dims[1].key:
        errors.append(field_error("/columns", f"A dimension is not crossed with itself ({dims[0].key}).", "path"))
    elif len(organisations) == 2:
        errors.append(field_error("/columns", "Two organisation dimensions are not crossed: the funding role is "
                                  "attributed by evidence and the other roles by shares, and no stored figure splits "
                                  "money by two roles at once.", "path"))
    splits = {split_of(d, args) for d in dims if d.kind == "split"} | ({EVIDENCE_ROLE} if args.get("funder") else set())
    roles = {s for s in splits if s not in ("priority", "country")}
    if len(splits) > 1 and not splits <= CUBE_SPLITS:
        other = sorted(roles - {EVIDENCE_ROLE})
        what = f"organisation_role={other[0]}" if other else "these dimensions"
        errors.append(field_error("/funder" if args.get("funder") and len(dims) < 2 else "/columns",
                                  f"The figures of {what} are split by the participants' shares and are not kept "
                                  "crossed with priority, country or donor (only the funding role is: see "
                                  "/aggregates/donor/priority); cross them with region, status, year, activity type "
                                  "or RCP instead.", "query" if args.get("funder") and len(dims) < 2 else "path"))
    if errors:
        raise Invalid(errors)


def _keyed(dimension: Dimension, grouped: dict) -> list[tuple]:
    """(stored key, code, label) of the dimension's values in order (vocabulary order, or by key for countries
    and years), the "none" value last; only organisations that take part, only values with data for countries
    and years, "none" only when it has projects."""
    vocab = current()
    if dimension.terms is not None:
        found = list(dimension.terms(vocab))
        if dimension.is_organisation:
            found = [t for t in found if grouped.get(t[0]) is not None and grouped[t[0]][0]]
    elif dimension.kind == "year":
        found = [(int(year), int(year), str(int(year))) for year in sorted(grouped)]
    else:
        found = [(code, code, vocab.countries.get(code, code)) for code in sorted(grouped)
                 if code != dimension.none_key]
    none = grouped.get(dimension.none_key) if dimension.none_label else None
    if none is not None and none[0]:
        found.append((dimension.none_key, None, dimension.none_label))
    return found


def _rows(dimension: Dimension, grouped: dict, status) -> list[dict]:
    return [{"key": code, "label": label, **cell(grouped.get(key), status)}
            for key, code, label in _keyed(dimension, grouped)]


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


def compute(source, dims: tuple, build) -> dict:
    """Run the answer's plan, built once per shape of question (which filters, which reader, which engine:
    never the values, which are bound parameters)."""
    key = (tuple(d.key for d in dims), type(source).__name__, dialect.name(),
           filter_shape(source.args, "money"), tuple(role_of(d, source.args) for d in dims),
           source.args.get("organisation_role"), source.args.get("budget_status") is not None,
           source.args.get("funder") is not None, build.__name__)
    found = _plans.get(key)
    if found is None:
        found = _plans[key] = plan(build())
    return run(found, source.params())


def echo(filters: dict) -> dict:
    """The filters the figures answer, as given (so a file says what question it answers)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}


def aggregate(key: str, args: dict, use_rollups: bool = True) -> dict:
    require_fresh()
    dimension = DIMENSIONS[key]
    check_parameters((dimension,), args)
    filters = filters_of(args)
    source = reader(filters, (dimension,), use_rollups)

    def one_dimension():
        return source.parts("rows", (dimension,)) + source.parts("total", ())

    found = compute(source, (dimension,), one_dimension)
    status = filters.get("budget_status")
    rows = _rows(dimension, found["rows"], status)
    total = cell(found["total"].get(()), status)
    shares(rows, total["budget_usd"], dimension.additive)
    answer = {"dimension": key, "additive": dimension.additive, "counts_additive": dimension.counts_additive,
              "note": dimension.note, "basis": basis((dimension,), filters), "filters": echo(filters),
              "rows": rows, "total": total}
    if dimension.is_organisation:
        answer["organisation_role"] = role_of(dimension, filters)
    return answer


def crossed(rows_key: str, columns_key: str, args: dict, use_rollups: bool = True) -> dict:
    """Cells by two dimensions, with both margins (each the one-dimensional aggregate of its dimension under
    the same filters) and the total. Where a dimension is additive, the cells of each row (or column) add up
    to its margin to the cent for every measure."""
    require_fresh()
    dims = (DIMENSIONS[rows_key], DIMENSIONS[columns_key])
    check_parameters(dims, args)
    filters = filters_of(args)
    source = reader(filters, dims, use_rollups)

    def two_dimensions():  # the cells first: a margin may be summed from them (readers.BaseReader._summed)
        cells, rows = source.parts("cells", dims), source.parts("rows", dims[:1])
        columns = [(name, part.placed([1])) for name, part in source.parts("columns", dims[1:])]
        return cells + rows + columns + source.parts("total", ())

    found = compute(source, dims, two_dimensions)
    status = filters.get("budget_status")
    row_d, column_d = dims
    columns = _keyed(column_d, found["columns"])
    cells = found["cells"]
    rows = [{"key": code, "label": label, **cell(found["rows"].get(key), status),
             "cells": [{"key": column_code, **cell(cells.get((key, column_key)), status)}
                       for column_key, column_code, _ in columns]}
            for key, code, label in _keyed(row_d, found["rows"])]
    answer = {
        "dimension": f"{rows_key}/{columns_key}", "rows_dimension": rows_key, "columns_dimension": columns_key,
        # Each row's cells add up to the row when the columns' dimension is additive, and the reverse.
        "rows_additive": column_d.additive, "columns_additive": row_d.additive,
        "note": f"Rows: {row_d.note} Columns: {column_d.note} Each margin is the one-dimensional aggregate of its "
                "dimension under the same filters; where the other dimension is additive the cells add up to it to "
                "the cent, for every measure.",
        "basis": basis(dims, filters), "filters": echo(filters), "rows": rows,
        "columns": [{"key": code, "label": label, **cell(found["columns"].get(key), status)}
                    for key, code, label in columns],
        "total": cell(found["total"].get(()), status)}
    for axis, d in (("rows", row_d), ("columns", column_d)):
        if d.is_organisation:
            answer[f"{axis}_organisation_role"] = role_of(d, filters)
    return answer




def project_count(args: dict) -> int:
    """How many projects the list's filters match. The rollups hold it exactly for the filters they are keyed
    by, so an unfiltered list of 100,000 projects costs what one of 2,000 does; other filters count the
    matching rows (a cost that grows with the matches, not with the portfolio)."""
    filters = {k: v for k, v in args.items() if v is not None and k not in ("sort", "cursor")}
    if set(filters) <= ROLLUP_CELL_FILTERS:
        source = RollupReader(filters)

        def totals_only():
            return source.parts("total", ())

        return int(compute(source, (), totals_only)["total"].get((), (0,))[0])
    return count(args)


def totals(args: dict, use_rollups: bool = True) -> dict:
    filters = filters_of(args)
    source = reader(filters, (), use_rollups)

    def totals_only():
        return source.parts("total", ())

    return cell(compute(source, (), totals_only)["total"].get(()), filters.get("budget_status"))


def region_priority(args: dict, use_rollups: bool = True) -> dict:
    """The region x priority cross-tab in its first shape (/aggregates/region-priority): the crossed answer
    region/priority with the cells and columns named by priority, and no "(no priority)" column."""
    answer = crossed("region", "priority", args, use_rollups)
    out_rows = []
    for row in answer["rows"]:
        cells = [{"priority": c.pop("key"), **c} for c in row.pop("cells") if c["key"] is not None]
        out_rows.append({"region": row.pop("key"), **row, "cells": cells})
    columns = [{"priority": c.pop("key"), **c} for c in answer["columns"] if c["key"] is not None]
    return {"dimension": CROSS_TAB, "additive": True, "filters": answer["filters"], "basis": answer["basis"],
            "note": "Cells attribute each project's money to its priorities by share, year by year, in cents by "
                    "largest remainder: cells sum to their row (region) and column (priority) totals, which sum to "
                    "the total. The same figures with a \"(no priority)\" column: /aggregates/region/priority.",
            "rows": out_rows, "columns": columns, "total": answer["total"]}
