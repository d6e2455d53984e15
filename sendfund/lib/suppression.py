"""Small-number suppression for published figures (governors' reports, the evidence pack).

Plain Python, no models. The product's policy (docs/domain.md section 8, modelled on official
statistics practice):

* Primary suppression: a count of 1-4 is never published; it is shown as "c" (the key reads
  "c: fewer than 5, or hidden so that a number fewer than 5 cannot be worked out"). 0 is shown.
  Every suppressed cell shows the same "c", primary or secondary, so a reader cannot tell
  which cells are the small ones.
* Secondary suppression: a table is published with its row totals, column totals and grand
  total (the protection assumes the totals are public even when `with_totals=False`, because
  they usually are, somewhere). Every row and column of the table *with its margins* is one
  linear equation. `suppress_counts` hides more cells until, for every suppressed cell:
    1. no row or column (margins included) has exactly one suppressed cell;
    2. the cell cannot be solved from the published figures by any linear combination of the
       row and column equations (exact Gaussian elimination over fractions);
    3. there is another non-negative integer table, agreeing with every published figure,
       in which the cell has a different value (so bounds such as "counts are >= 0" cannot
       pin it either).
  The extra cells are chosen smallest first (non-zero before zero, inner cells before totals)
  to lose as little information as possible.
* Two consecutive terms (`suppress_pair`, or any number with `suppress_series`): the union
  of the terms' suppression patterns is applied to each, and re-stabilised, so a cell is
  either published in every term or suppressed in every term. The change between terms is
  therefore only ever the difference of two published figures: a suppressed cell cannot be
  recovered from another term's table. (Changes of 1-4 between two published counts are
  shown: they are differences of published aggregates, as in official time series.)
* Money describing 1-4 pupils is withheld (`suppress_money`); percentages are computed from
  the unrounded counts and withheld when their numerator or denominator is (`percentage`).

Tables that share figures: subtotals of groups of rows (broad areas over need types) are
protected in the same table (`groups=`); two tables sharing a margin are made consistent by
the caller forcing the hidden margin into both (`also_hide=`, see reports/snapshot.py). Not
covered: readers who know the algorithm's tie-breaking order.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sendfund.lib.money import format_gbp

THRESHOLD = 5  # counts 1..THRESHOLD-1 are suppressed
SUPPRESSED = "c"
KEY = "c: fewer than 5, or hidden so that a number fewer than 5 cannot be worked out"
TOTAL = "__total__"  # key of the total row/column in a SuppressedTable


@dataclass(frozen=True)
class Cell:
    """One published figure: `value` is None when suppressed, `display` is what to print."""

    value: int | Decimal | None
    suppressed: bool
    display: str

    def as_json(self) -> dict:
        """JSON-safe form (Decimals as strings); a suppressed cell carries no value."""
        value: int | str | None = str(self.value) if isinstance(self.value, Decimal) else self.value
        return {"value": value, "suppressed": self.suppressed, "display": self.display}

    @classmethod
    def from_json(cls, data: Mapping) -> Cell:
        value = data["value"]
        if isinstance(value, str):
            value = Decimal(value)
        return cls(value=value, suppressed=bool(data["suppressed"]), display=data["display"])

    def __str__(self) -> str:
        return self.display


HIDDEN = Cell(None, True, SUPPRESSED)


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def format_cell(value: int | Decimal | None, *, suppressed: bool = False) -> str:
    """How a count is printed: "c" when suppressed, thousands separators otherwise."""
    if suppressed or value is None:
        return SUPPRESSED
    return f"{value:,}"


def count_cell(count: int, *, suppressed: bool = False) -> Cell:
    """A single count on its own (no table): primary suppression only."""
    if suppressed or is_small(count):
        return HIDDEN
    return Cell(count, False, format_cell(count))


def suppress_money(amount: Decimal | None, pupils: int, *, pence: bool = False) -> Cell:
    """Money describing fewer than 5 pupils (but not none) is withheld."""
    if is_small(pupils) or amount is None:
        return HIDDEN
    amount = Decimal(amount)
    return Cell(amount, False, format_gbp(amount, pence=pence))


def percentage(
    numerator: int | Decimal,
    denominator: int | Decimal,
    *,
    hidden: bool = False,
    places: int = 1,
) -> Cell:
    """numerator / denominator as a percentage from the unrounded figures.

    Withheld when `hidden` (the numerator or denominator is suppressed) or the numerator is a
    count of 1-4; shown as "–" when the denominator is zero.
    """
    if hidden or (isinstance(numerator, int) and is_small(numerator)):
        return HIDDEN
    if not denominator:
        return Cell(None, False, "–")
    value = Decimal(numerator) * 100 / Decimal(denominator)
    shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return Cell(value, False, f"{shown}%")


@dataclass
class SuppressedTable:
    """A count table after suppression. `cells[row][col]`, totals under the key TOTAL."""

    rows: list[Hashable]
    cols: list[Hashable]
    cells: dict[Hashable, dict[Hashable, Cell]]
    row_totals: dict[Hashable, Cell] = field(default_factory=dict)
    col_totals: dict[Hashable, Cell] = field(default_factory=dict)
    grand_total: Cell | None = None
    group_cells: dict[Hashable, dict[Hashable, Cell]] = field(default_factory=dict)
    group_totals: dict[Hashable, Cell] = field(default_factory=dict)

    def cell(self, row: Hashable, col: Hashable) -> Cell:
        if row == TOTAL and col == TOTAL:
            return self.grand_total or HIDDEN
        if col == TOTAL:
            return self.row_totals.get(row, HIDDEN)
        if row == TOTAL:
            return self.col_totals.get(col, HIDDEN)
        return self.cells[row][col]

    @property
    def suppressed_positions(self) -> set[tuple[Hashable, Hashable]]:
        out = {(r, c) for r in self.rows for c in self.cols if self.cells[r][c].suppressed}
        out |= {(r, TOTAL) for r, cell in self.row_totals.items() if cell.suppressed}
        out |= {(TOTAL, c) for c, cell in self.col_totals.items() if cell.suppressed}
        if self.grand_total is not None and self.grand_total.suppressed:
            out.add((TOTAL, TOTAL))
        for g, row in self.group_cells.items():
            out |= {(g, c) for c, cell in row.items() if cell.suppressed}
        out |= {(g, TOTAL) for g, cell in self.group_totals.items() if cell.suppressed}
        return out


# -- the grid with its margins ----------------------------------------------------------------


class _Grid:
    """The table with its margins as positions (i, j); lines are the linear equations."""

    def __init__(
        self,
        table: Mapping[Hashable, Mapping[Hashable, int]],
        cols: Sequence,
        groups: Mapping[Hashable, Sequence[Hashable]] | None = None,
    ):
        self.rows = list(table)
        self.groups = {
            g: [r for r in members if r in table] for g, members in (groups or {}).items()
        }
        self.cols = list(cols)
        nr, nc = len(self.rows), len(self.cols)
        # A margin that would just repeat the only cell in its line adds nothing: a one-column
        # table has only a column total, a one-row table only a row total.
        self.has_row_totals = nc > 1 or nr == 1
        self.has_col_totals = nr > 1 or nc == 1
        self.has_grand = self.has_row_totals and self.has_col_totals and nr > 1 and nc > 1
        self.values: dict[tuple[int, int], int] = {}
        for i, r in enumerate(self.rows):
            for j, c in enumerate(self.cols):
                count = int(table[r].get(c, 0))
                if count < 0:
                    raise ValueError(f"A count cannot be negative: {r!r}, {c!r} = {count}.")
                self.values[(i, j)] = count
        if self.has_row_totals:
            for i in range(nr):
                self.values[(i, nc)] = sum(self.values[(i, j)] for j in range(nc))
        if self.has_col_totals:
            for j in range(nc):
                self.values[(nr, j)] = sum(self.values[(i, j)] for i in range(nr))
        if self.has_grand:
            self.values[(nr, nc)] = sum(self.values[(i, nc)] for i in range(nr))
        # Each line: (members, total position). Equation: sum(members) - total = 0.
        self.lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
        if self.has_row_totals and nc > 0:
            for i in range(nr + (1 if self.has_grand else 0)):
                self.lines.append(([(i, j) for j in range(nc)], (i, nc)))
        if self.has_col_totals and nr > 0:
            for j in range(nc + (1 if self.has_grand else 0)):
                self.lines.append(([(i, j) for i in range(nr)], (nr, j)))
        # Group subtotals (e.g. broad areas over need types) are published rows too: each adds a
        # subtotal row at index nr + 1 + g, one equation per column, and its own row equation.
        index = {r: i for i, r in enumerate(self.rows)}
        for g, members in enumerate(self.groups.values()):
            gi = nr + 1 + g
            rows_in = [index[r] for r in members]
            for j in range(nc + (1 if self.has_row_totals else 0)):
                self.values[(gi, j)] = sum(self.values[(i, j)] for i in rows_in)
                self.lines.append(([(i, j) for i in rows_in], (gi, j)))
            if self.has_row_totals and nc > 1:
                self.lines.append(([(gi, j) for j in range(nc)], (gi, nc)))
        self.positions = sorted(self.values)

    def position(self, row: Hashable, col: Hashable) -> tuple[int, int] | None:
        """The grid position of a row (or TOTAL, or a group) and a column (or TOTAL)."""
        nr, nc = len(self.rows), len(self.cols)
        if row == TOTAL:
            i = nr
        elif row in self.rows:
            i = self.rows.index(row)
        elif row in self.groups:
            i = nr + 1 + list(self.groups).index(row)
        else:
            return None
        j = nc if col == TOTAL else (self.cols.index(col) if col in self.cols else None)
        if j is None or (i, j) not in self.values:
            return None
        return (i, j)

    def is_margin(self, pos: tuple[int, int]) -> bool:
        return pos[0] >= len(self.rows) or pos[1] == len(self.cols)

    def line_positions(self, line) -> list[tuple[int, int]]:
        members, total = line
        return [*members, total]

    def cost(self, pos: tuple[int, int]) -> tuple:
        """Which unsuppressed cell to hide first: non-zero, inner, smallest, then by position."""
        value = self.values[pos]
        return (value == 0, self.is_margin(pos), value, pos)


def _equations(grid: _Grid, hidden: set) -> tuple[list[tuple[int, int]], list[list[Fraction]]]:
    unknowns = sorted(hidden)
    index = {pos: k for k, pos in enumerate(unknowns)}
    rows = []
    for members, total in grid.lines:
        coefficients = [Fraction(0)] * len(unknowns)
        touched = False
        for pos in members:
            if pos in index:
                coefficients[index[pos]] += 1
                touched = True
        if total in index:
            coefficients[index[total]] -= 1
            touched = True
        if touched:
            rows.append(coefficients)
    return unknowns, rows


def _null_space(matrix: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """A basis of the null space, by reduced row echelon form (exact arithmetic)."""
    m = [row[:] for row in matrix]
    pivots: list[int] = []
    r = 0
    for col in range(width):
        pivot = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        lead = m[r][col]
        m[r] = [x / lead for x in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                factor = m[i][col]
                m[i] = [a - factor * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(col)
        r += 1
        if r == len(m):
            break
    basis = []
    for free in (c for c in range(width) if c not in pivots):
        vector = [Fraction(0)] * width
        vector[free] = Fraction(1)
        for row_index, pcol in enumerate(pivots):
            vector[pcol] = -m[row_index][free]
        basis.append(vector)
    return basis


def _exposed(grid: _Grid, hidden: set) -> list[tuple[int, int]]:
    """Suppressed positions whose value the published figures pin down (rules 2 and 3).

    A position counts as safe only when an actual alternative table is found: the true values
    moved along a null-space direction (one basis vector, or the sum or difference of two),
    staying non-negative. Tables with margins give a totally unimodular system, so the basis
    vectors are integral. The search may miss an alternative; then the caller hides one more
    cell, which costs information but never safety.
    """
    if not hidden:
        return []
    unknowns, matrix = _equations(grid, hidden)
    basis = _null_space(matrix, len(unknowns))
    truth = [grid.values[pos] for pos in unknowns]
    movable: set[int] = set()

    def try_step(step: list[Fraction]) -> None:
        if any(s.denominator != 1 for s in step):
            return
        for sign in (1, -1):
            if all(t + sign * s >= 0 for t, s in zip(truth, step, strict=True)):
                movable.update(k for k, s in enumerate(step) if s != 0)
                return

    for v in basis:
        try_step(v)
    if len(movable) < len(unknowns):
        for a, b in itertools.combinations(basis, 2):
            if not any(a[k] or b[k] for k in range(len(unknowns)) if k not in movable):
                continue
            try_step([x + y for x, y in zip(a, b, strict=True)])
            try_step([x - y for x, y in zip(a, b, strict=True)])
            if len(movable) == len(unknowns):
                break
    return [pos for k, pos in enumerate(unknowns) if k not in movable]


def _stabilise(grid: _Grid, hidden: set) -> set:
    """Add secondary suppressions until no suppressed cell can be worked out."""
    hidden = set(hidden)
    while True:
        changed = True
        while changed:  # rule 1: no line with exactly one suppressed cell
            changed = False
            for line in grid.lines:
                positions = grid.line_positions(line)
                inside = [p for p in positions if p in hidden]
                if len(inside) == 1:
                    candidates = [p for p in positions if p not in hidden]
                    if candidates:
                        hidden.add(min(candidates, key=grid.cost))
                        changed = True
        exposed = _exposed(grid, hidden)
        if not exposed:
            return hidden
        # Hide the cheapest cell sharing a line with the first exposed cell, else anywhere.
        target = exposed[0]
        near = [
            p
            for line in grid.lines
            if target in grid.line_positions(line)
            for p in grid.line_positions(line)
            if p not in hidden
        ]
        pool = near or [p for p in grid.positions if p not in hidden]
        if not pool:
            return hidden
        hidden.add(min(pool, key=grid.cost))


def _primary(grid: _Grid) -> set:
    return {pos for pos, value in grid.values.items() if is_small(value)}


def _build(grid: _Grid, hidden: set, with_totals: bool) -> SuppressedTable:
    nr, nc = len(grid.rows), len(grid.cols)

    def make(pos):
        if pos in hidden:
            return HIDDEN
        value = grid.values[pos]
        return Cell(value, False, format_cell(value))

    cells = {r: {c: make((i, j)) for j, c in enumerate(grid.cols)} for i, r in enumerate(grid.rows)}
    table = SuppressedTable(rows=list(grid.rows), cols=list(grid.cols), cells=cells)
    if with_totals:
        if grid.has_row_totals:
            table.row_totals = {r: make((i, nc)) for i, r in enumerate(grid.rows)}
        if grid.has_col_totals:
            table.col_totals = {c: make((nr, j)) for j, c in enumerate(grid.cols)}
        if grid.has_grand:
            table.grand_total = make((nr, nc))
        elif grid.has_col_totals and nc == 1:
            table.grand_total = table.col_totals.get(grid.cols[0]) if grid.cols else None
        elif grid.has_row_totals and nr == 1:
            table.grand_total = table.row_totals.get(grid.rows[0]) if grid.rows else None
    for g, name in enumerate(grid.groups):
        gi = nr + 1 + g
        table.group_cells[name] = {c: make((gi, j)) for j, c in enumerate(grid.cols)}
        if (gi, nc) in grid.values:
            table.group_totals[name] = make((gi, nc))
    return table


def _columns(table: Mapping[Hashable, Mapping[Hashable, int]], cols: Sequence | None) -> list:
    if cols is not None:
        return list(cols)
    seen: dict = {}
    for row in table.values():
        for c in row:
            seen.setdefault(c, None)
    return list(seen)


def suppress_counts(
    table: Mapping[Hashable, Mapping[Hashable, int]],
    *,
    with_totals: bool = True,
    cols: Sequence | None = None,
) -> SuppressedTable:
    """Primary and secondary suppression of a count table (see the module docstring)."""
    grid = _Grid(table, _columns(table, cols))
    hidden = _stabilise(grid, _primary(grid))
    return _build(grid, hidden, with_totals)


def suppress_series(
    *tables: Mapping[Hashable, Mapping[Hashable, int]],
    with_totals: bool = True,
    cols: Sequence | None = None,
    groups: Mapping[Hashable, Sequence[Hashable]] | None = None,
    also_hide: set[tuple[Hashable, Hashable]] | None = None,
) -> list[SuppressedTable]:
    """Suppress several terms' tables with one shared pattern (see the module docstring).

    Rows or columns present in only some terms are treated as 0 in the others. `groups` adds
    published subtotal rows (e.g. broad areas over need types) to the protection, returned in
    `group_cells`/`group_totals`. `also_hide` forces (row, col) positions (TOTAL for a margin,
    a group name for a subtotal) hidden: how two tables sharing a margin are kept consistent.
    """
    rows = list(dict.fromkeys(r for t in tables for r in t))
    merged: dict = {}
    for t in tables:
        for r, row in t.items():
            merged.setdefault(r, {}).update(row)
    columns = list(cols) if cols is not None else _columns(merged, None)
    grids = [_Grid({r: dict(t.get(r, {})) for r in rows}, columns, groups) for t in tables]
    hidden: set = set().union(*(_primary(g) for g in grids)) if grids else set()
    for hidden_row, hidden_col in also_hide or ():
        pos = grids[0].position(hidden_row, hidden_col) if grids else None
        if pos is not None:
            hidden.add(pos)
    while True:
        grown = hidden
        for grid in grids:
            grown = _stabilise(grid, grown)
        if grown == hidden:
            break
        hidden = grown
    return [_build(grid, hidden, with_totals) for grid in grids]


def suppress_pair(
    previous: Mapping[Hashable, Mapping[Hashable, int]],
    current: Mapping[Hashable, Mapping[Hashable, int]],
    *,
    with_totals: bool = True,
    cols: Sequence | None = None,
) -> tuple[SuppressedTable, SuppressedTable]:
    """Two consecutive terms' tables with one shared suppression pattern."""
    before, after = suppress_series(previous, current, with_totals=with_totals, cols=cols)
    return before, after


def change(before: Cell, after: Cell) -> Cell:
    """The change between two published counts; withheld when either is suppressed."""
    if before.suppressed or after.suppressed or before.value is None or after.value is None:
        return HIDDEN
    diff = after.value - before.value
    return Cell(diff, False, f"{diff:+,}" if diff else "0")
