"""Small-number suppression: primary, secondary (totals) and between two consecutive terms."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendfund.lib.suppression import (
    TOTAL,
    change,
    count_cell,
    percentage,
    suppress_counts,
    suppress_money,
    suppress_pair,
    suppress_series,
)

# Registers are mostly small numbers in a school: weight the draws towards 0-6.
counts = st.one_of(st.integers(0, 6), st.integers(0, 40))


def tables(max_rows: int = 4, max_cols: int = 4, values=counts):
    return st.integers(1, max_rows).flatmap(
        lambda nr: st.integers(1, max_cols).flatmap(
            lambda nc: st.lists(
                st.lists(values, min_size=nc, max_size=nc), min_size=nr, max_size=nr
            ).map(
                lambda grid: {
                    f"r{i}": {f"c{j}": v for j, v in enumerate(row)} for i, row in enumerate(grid)
                }
            )
        )
    )


def published_grid(result, table):
    """Every position with its true value and whether it was published, margins included."""
    rows, cols = list(table), list(next(iter(table.values())))
    out = {}
    for r in rows:
        for c in cols:
            out[(r, c)] = (table[r][c], result.cells[r][c])
        if result.row_totals:
            out[(r, TOTAL)] = (sum(table[r].values()), result.row_totals[r])
    for c in cols:
        if result.col_totals:
            out[(TOTAL, c)] = (sum(table[r][c] for r in rows), result.col_totals[c])
    if result.row_totals and result.col_totals:
        out[(TOTAL, TOTAL)] = (sum(sum(row.values()) for row in table.values()), result.grand_total)
    return rows, cols, out


def equations(rows, cols, grid):
    """The lines a reader can add up: each row and column with its published total."""
    lines = []
    for r in [*rows, TOTAL]:
        members = [(r, c) for c in cols]
        if (r, TOTAL) in grid and all(m in grid for m in members):
            lines.append((members, (r, TOTAL)))
    for c in [*cols, TOTAL]:
        members = [(r, c) for r in rows]
        if (TOTAL, c) in grid and all(m in grid for m in members):
            lines.append((members, (TOTAL, c)))
    return lines


def values_a_reader_could_deduce(table, result):
    """Brute force: every non-negative integer table that agrees with every published figure
    (cells and totals); returns the set of values each hidden position takes across them."""
    rows, cols = list(result.rows), list(result.cols)
    shown = {(r, c): result.cells[r][c] for r in rows for c in cols}
    row_total = {r: result.row_totals.get(r) for r in rows}
    col_total = {c: result.col_totals.get(c) for c in cols}
    grand = sum(sum(row.values()) for row in table.values())
    order = [(r, c) for r in rows for c in cols]
    seen: dict = {}

    def upper(pos):
        r, c = pos
        bounds = [grand + 1]
        for total, members in (
            (row_total.get(r), [(r, x) for x in cols]),
            (col_total.get(c), [(x, c) for x in rows]),
        ):
            if total is not None and not total.suppressed:
                bounds.append(
                    total.value
                    - sum(shown[m].value or 0 for m in members if not shown[m].suppressed)
                )
        return min(bounds)

    def consistent(filled, final):
        for r in rows:
            members = [(r, c) for c in cols]
            total = row_total.get(r)
            done = all(m in filled for m in members)
            if total is not None and not total.suppressed:
                partial = sum(filled[m] for m in members if m in filled)
                if partial > total.value or (done and partial != total.value):
                    return False
        for c in cols:
            members = [(r, c) for r in rows]
            total = col_total.get(c)
            done = all(m in filled for m in members)
            if total is not None and not total.suppressed:
                partial = sum(filled[m] for m in members if m in filled)
                if partial > total.value or (done and partial != total.value):
                    return False
        grand_total = result.grand_total
        published_grand = grand_total is not None and not grand_total.suppressed
        return not (final and published_grand and sum(filled.values()) != grand_total.value)

    def record(filled):
        for pos in order:
            seen.setdefault(pos, set()).add(filled[pos])
        for r in rows:
            seen.setdefault((r, TOTAL), set()).add(sum(filled[(r, c)] for c in cols))
        for c in cols:
            seen.setdefault((TOTAL, c), set()).add(sum(filled[(r, c)] for r in rows))
        seen.setdefault((TOTAL, TOTAL), set()).add(sum(filled.values()))

    def walk(k, filled):
        if k == len(order):
            if consistent(filled, True):
                record(filled)
            return
        pos = order[k]
        options = [shown[pos].value] if not shown[pos].suppressed else range(upper(pos) + 1)
        for v in options:
            filled[pos] = v
            if consistent(filled, False):
                walk(k + 1, filled)
            del filled[pos]

    walk(0, {})
    return seen


@given(tables())
@settings(max_examples=300, deadline=None)
def test_no_published_cell_is_between_one_and_four(table):
    result = suppress_counts(table)
    _, _, grid = published_grid(result, table)
    for true_value, cell in grid.values():
        if cell.suppressed:
            assert cell.value is None and cell.display == "c"
        else:
            assert cell.value == true_value
            assert not 1 <= cell.value <= 4


@given(tables())
@settings(max_examples=300, deadline=None)
def test_no_row_or_column_with_its_total_has_exactly_one_suppressed_cell(table):
    result = suppress_counts(table)
    rows, cols, grid = published_grid(result, table)
    for members, total in equations(rows, cols, grid):
        hidden = [p for p in [*members, total] if grid[p][1].suppressed]
        assert len(hidden) != 1


@given(tables(max_rows=3, max_cols=2, values=st.integers(0, 6)))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_suppressed_cell_can_be_worked_out_from_the_published_totals(table):
    result = suppress_counts(table)
    rows, cols, grid = published_grid(result, table)
    hidden = [pos for pos, (_, cell) in grid.items() if cell.suppressed]
    seen = values_a_reader_could_deduce(table, result)
    for pos in hidden:
        assert grid[pos][0] in seen[pos]
        assert len(seen[pos]) >= 2, f"{pos} is pinned to {seen[pos]} in {table}"


def test_a_lone_small_cell_forces_a_second_cell_in_its_row_and_column_to_be_hidden():
    table = {"boys": {"y1": 3, "y2": 10, "y3": 12}, "girls": {"y1": 8, "y2": 9, "y3": 20}}
    result = suppress_counts(table)
    assert result.cells["boys"]["y1"].suppressed
    # next-smallest in the row (10) and in the column (8) go too; then 9 closes the rectangle
    assert result.cells["boys"]["y2"].suppressed
    assert result.cells["girls"]["y1"].suppressed
    assert result.cells["girls"]["y2"].suppressed
    assert not result.cells["boys"]["y3"].suppressed
    assert result.grand_total.value == 62
    assert result.row_totals["boys"].value == 25


def test_a_table_without_small_numbers_is_published_in_full():
    table = {"a": {"x": 5, "y": 0}, "b": {"x": 7, "y": 11}}
    result = suppress_counts(table)
    assert result.suppressed_positions == set()
    assert result.cells["a"]["y"].display == "0"
    assert result.grand_total.display == "23"


def test_a_one_column_table_hides_a_second_row_when_one_row_is_small():
    result = suppress_counts({"asd": {"n": 2}, "slcn": {"n": 12}, "semh": {"n": 30}})
    assert result.cells["asd"]["n"].suppressed
    assert result.cells["slcn"]["n"].suppressed
    assert result.cells["semh"]["n"].display == "30"
    assert result.grand_total.display == "44"


@given(tables(max_rows=3, max_cols=3), tables(max_rows=3, max_cols=3))
@settings(max_examples=200, deadline=None)
def test_two_consecutive_terms_share_one_suppression_pattern(before, after):
    result_before, result_after = suppress_pair(before, after)
    assert result_before.suppressed_positions == result_after.suppressed_positions
    for result in (result_before, result_after):
        for r in result.rows:
            for c in result.cols:
                cell = result.cells[r][c]
                assert cell.suppressed or not 1 <= cell.value <= 4
    for r in result_after.rows:
        for c in result_after.cols:
            moved = change(result_before.cells[r][c], result_after.cells[r][c])
            # a change is shown only between two published figures
            assert moved.suppressed == result_after.cells[r][c].suppressed


@given(
    tables(max_rows=2, max_cols=2, values=st.integers(0, 6)),
    tables(max_rows=2, max_cols=2, values=st.integers(0, 6)),
)
@settings(max_examples=40, deadline=None)
def test_no_suppressed_cell_can_be_worked_out_from_either_of_two_consecutive_terms(before, after):
    for table, result in zip((before, after), suppress_pair(before, after), strict=True):
        full = {r: {c: table.get(r, {}).get(c, 0) for c in result.cols} for r in result.rows}
        rows, cols, grid = published_grid(result, full)
        hidden = [pos for pos, (_, cell) in grid.items() if cell.suppressed]
        seen = values_a_reader_could_deduce(full, result)
        assert all(len(seen[pos]) >= 2 for pos in hidden)


def test_a_cell_small_in_only_one_term_is_hidden_in_both():
    before = {"sen": {"y7": 3, "y8": 20}, "ehc": {"y7": 9, "y8": 12}}
    after = {"sen": {"y7": 6, "y8": 20}, "ehc": {"y7": 9, "y8": 12}}
    result_before, result_after = suppress_pair(before, after)
    assert result_after.cells["sen"]["y7"].display == "c"
    assert result_before.cells["sen"]["y7"].display == "c"


def test_money_describing_fewer_than_five_pupils_is_withheld():
    assert suppress_money(Decimal("1234.50"), 4).display == "c"
    assert suppress_money(Decimal("1234.50"), 4).value is None
    assert suppress_money(Decimal("1234.50"), 5).value == Decimal("1234.50")
    assert suppress_money(Decimal("1234.50"), 5).display == "£1,235"
    assert suppress_money(Decimal("0"), 0).display == "£0"


def test_percentages_come_from_the_unrounded_counts():
    third = percentage(10, 30)
    assert third.value == Decimal(10) * 100 / Decimal(30)
    assert third.display == "33.3%"
    assert percentage(1, 30).display == "c"
    assert percentage(10, 30, hidden=True).display == "c"
    assert percentage(0, 0).display == "–"
    assert percentage(0, 30).display == "0.0%"


def test_a_single_count_of_one_to_four_is_shown_as_c_and_zero_as_zero():
    assert [count_cell(n).display for n in (0, 1, 4, 5, 1234)] == ["0", "c", "c", "5", "1,234"]


def test_cells_round_trip_through_json_without_the_hidden_value():
    cell = suppress_money(Decimal("10.25"), 9, pence=True)
    assert cell.as_json() == {"value": "10.25", "suppressed": False, "display": "£10.25"}
    assert type(cell).from_json(cell.as_json()) == cell
    assert suppress_money(Decimal("10.25"), 2).as_json()["value"] is None


@given(tables(max_rows=4, max_cols=2, values=st.integers(0, 6)))
@settings(max_examples=150, deadline=None)
def test_a_published_group_subtotal_never_reveals_its_only_hidden_member(table):
    rows = list(table)
    groups = {"first": rows[: len(rows) // 2 + 1], "rest": rows[len(rows) // 2 + 1 :]}
    (result,) = suppress_series(table, groups=groups)
    for name, members in groups.items():
        for col in result.cols:
            hidden = [r for r in members if result.cells[r][col].suppressed]
            if members:
                assert len(hidden) + result.group_cells[name][col].suppressed != 1
            if result.group_cells[name][col].suppressed is False:
                assert result.group_cells[name][col].value == sum(table[r][col] for r in members)


def test_a_forced_margin_is_hidden_and_protected():
    table = {"E": {"y1": 9, "y2": 12}, "K": {"y1": 20, "y2": 30}}
    (result,) = suppress_series(table, also_hide={("E", TOTAL)})
    assert result.row_totals["E"].suppressed
    assert result.row_totals["K"].suppressed  # else the grand total minus K gives E
