"""Tables that always show a given number of rows."""

from __future__ import annotations

from PySide6.QtWidgets import QStyle, QTableWidget

#: the fewest rows a results table shows (the issue: "tables show at least 6 rows")
MIN_ROWS = 6


def show_rows(table: QTableWidget, rows: int = MIN_ROWS) -> QTableWidget:
    """Compact rows (the text's height and a little room), and a minimum height that shows
    ``rows`` of them below the header, whatever the window's size."""
    row_height = table.fontMetrics().height() + 8
    header = table.verticalHeader()
    header.setMinimumSectionSize(row_height)
    header.setDefaultSectionSize(row_height)
    # (a table made with no columns yet has no header height to ask: the header's text is
    # one line, like a row's)
    style = table.style()
    frame = 2 * max(table.frameWidth(), style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth))
    top = max(row_height, table.horizontalHeader().sizeHint().height())
    scroll = style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    table.setMinimumHeight(top + rows * row_height + frame + scroll + 2)
    return table


def visible_rows(table: QTableWidget) -> int:
    """How many rows of ``table`` fit in its viewport now (a table with fewer rows counts the
    room it has)."""
    row_height = table.verticalHeader().defaultSectionSize()
    return table.viewport().height() // max(1, row_height)


__all__ = ["MIN_ROWS", "show_rows", "visible_rows"]
