"""Open every page, wait for its first result and save a screenshot for a person to look at."""

from __future__ import annotations

import pytest

from gui.exports import render_image
from gui.pages import page_names
from tests.gui.figure_checks import check_page_figures


@pytest.mark.parametrize("name", page_names())
def test_every_page_draws_and_is_screenshotted(window, open_page, artifacts_dir, qtbot, name,
                                                tmp_path):
    page = open_page(name)
    qtbot.wait(250)  # pyqtgraph lays its axes out on the first paint
    assert page.has_result
    assert window.current_page() is page
    assert not (window.message_bar.isVisible() and window.message_bar.level == "error"), \
        window.message_bar.text()
    assert page.code().strip(), "every page feeds the Show code panel"
    assert window.code_panel.code() == page.code()
    path = artifacts_dir / f"page-{name}.png"
    assert render_image(window).save(str(path))
    assert path.stat().st_size > 10_000
    # its plot exported as --export-plot does, SVG drawn by resvg as Qt draws it (issue 16)
    check_page_figures(window, page, artifacts_dir, tmp_path)
