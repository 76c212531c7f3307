"""Tables that always show a given number of rows."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget

#: the fewest rows a results table shows (the issue: "tables show at least 6 rows")
MIN_ROWS = 6


def show_rows(table: QTableWidget, rows: int = MIN_ROWS) -> QTableWidget:
    """Compact rows (the text's height and a little room), and a minimum height that shows
    ``rows`` of them below the header, whatever the window's size."""
    row_height = table.fontMetrics().height() + 8
    header = table.verticalHeader()
    header.setMinimumSectionSize(row_height)
    header.setDefaultSectionSize(row_height)
    frame = 2 * table.frameWidth()
    top = table.horizontalHeader().sizeHint().height()
    scroll = table.horizontalScrollBar().sizeHint().height()
    table.setMinimumHeight(top + rows * row_height + frame + scroll)
    return table


def visible_rows(table: QTableWidget) -> int:
    """How many rows of ``table`` fit in its viewport now (a table with fewer rows counts the
    room it has)."""
    row_height = table.verticalHeader().defaultSectionSize()
    return table.viewport().height() // max(1, row_height)


__all__ = ["MIN_ROWS", "show_rows", "visible_rows"]
