"""Exact splits of integer amounts (cents): over calendar years by days, and over two dimensions at once.

Both keep every part an integer and every total exact, so that anything summed from the parts adds up to
the cent. `money.allocate` (largest remainder) is the one-dimensional split both build on.
"""
from datetime import date

from portfolio.money import allocate


def days_by_year(start: date, end: date) -> list[tuple[int, int]]:
    """[(year, days of the period in that year)] for a period start..end (both days included)."""
    out = []
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = min(end, date(year, 12, 31))
        out.append((year, (last - first).days + 1))
    return out


def pro_rata_years(cents: int, start: date, end: date) -> dict[int, int]:
    """An amount for a period split over the calendar years it covers, in proportion to its days in each,
    by largest remainder (a tie goes to the earlier year). A period within one year stays whole."""
    if start.year == end.year:
        return {start.year: cents}
    years = days_by_year(start, end)
    return dict(zip((y for y, _ in years), allocate(cents, [d for _, d in years])))


def cross(rows: list[int], columns: list[int]) -> list[list[int]]:
    """A table of non-negative integers whose row sums are `rows` and column sums `columns` exactly (both
    must have the same total), each cell within one unit of its proportional value rows[i] * columns[j] /
    total (controlled rounding).

    Each cell first gets the floor of its proportional value; the units each row and column still lacks
    are then placed one per cell, in cells with a fractional remainder, largest remainder first (ties to
    the earlier row, then column). Where that greedy order leaves a row short, an augmenting path moves
    units between cells until every row and column is exact: such a placement always exists, because the
    fractional remainders themselves form one with the same row and column sums.
    """
    total = sum(rows)
    if total != sum(columns):
        raise ValueError("rows and columns must have the same total")
    if len(rows) == 1:
        return [list(columns)]
    if len(columns) == 1:
        return [[r] for r in rows]
    if total == 0:
        return [[0] * len(columns) for _ in rows]
    cells, remainders = [], []
    for i, r in enumerate(rows):
        line = []
        for j, c in enumerate(columns):
            quotient, remainder = divmod(r * c, total)
            line.append(quotient)
            if remainder:
                remainders.append((-remainder, i, j))
        cells.append(line)
    row_left = [r - sum(line) for r, line in zip(rows, cells)]
    column_left = [c - sum(cells[i][j] for i in range(len(rows))) for j, c in enumerate(columns)]
    if not any(row_left):
        return cells
    allowed = {(i, j) for _, i, j in remainders}
    raised: set[tuple[int, int]] = set()
    for _, i, j in sorted(remainders):
        if row_left[i] and column_left[j]:
            cells[i][j] += 1
            raised.add((i, j))
            row_left[i] -= 1
            column_left[j] -= 1
    while any(row_left):
        start = next(i for i, left in enumerate(row_left) if left)
        path = _augmenting_path(start, allowed, raised, column_left, len(columns))
        if path is None:  # cannot happen (see the docstring); refuse rather than return a wrong table
            raise ArithmeticError("no exact two-way split found")
        for step, (i, j) in enumerate(path):
            if step % 2 == 0:
                cells[i][j] += 1
                raised.add((i, j))
            else:
                cells[i][j] -= 1
                raised.discard((i, j))
        row_left[start] -= 1
        column_left[path[-1][1]] -= 1
    return cells


def _augmenting_path(start: int, allowed: set, raised: set, column_left: list[int], width: int):
    """Cells [(row, column)] alternately raised and lowered from row `start` to a column still short: each
    column reached through a cell not yet raised either still lacks a unit (the end) or gives up one of its
    raised cells to move the search to that cell's row."""
    seen_columns: set[int] = set()
    seen_rows = {start}

    def search(i):
        for j in range(width):
            if (i, j) in allowed and (i, j) not in raised and j not in seen_columns:
                seen_columns.add(j)
                if column_left[j]:
                    return [(i, j)]
                for (k, m) in sorted(raised):
                    if m == j and k not in seen_rows:
                        seen_rows.add(k)
                        rest = search(k)
                        if rest is not None:
                            return [(i, j), (k, j), *rest]
        return None

    return search(start)
