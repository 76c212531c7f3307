"""A page's plots are painted off screen a turn each before the page's first paint
(gui/widgets/warm_paint.py): their axes are laid out by then."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget


def test_a_warmed_plot_has_laid_out_its_axes_before_its_first_paint(qtbot):
    from gui.widgets.scatter import make_plot
    from gui.widgets.warm_paint import views_to_warm, warm

    holder = QWidget()
    qtbot.addWidget(holder)
    plot = make_plot("Inertia", "k", "inertia")
    plot.plot([1, 2, 3], [9.0, 4.0, 2.5])
    QVBoxLayout(holder).addWidget(plot)
    holder.resize(400, 300)
    holder.setUpdatesEnabled(False)  # as a page that opens: shown, not painted yet
    holder.show()
    qtbot.waitUntil(lambda: not plot.viewport().size().isEmpty(), timeout=2000)
    axis = plot.plotItem.getAxis("left")
    assert axis.picture is None  # never painted
    assert views_to_warm(holder) == [plot]
    assert warm(plot)
    assert axis.picture is not None  # its ticks and texts laid out: the paint replays them


def test_hidden_or_deleted_plots_are_not_warmed(qtbot):
    import shiboken6

    from gui.widgets.scatter import make_plot
    from gui.widgets.warm_paint import views_to_warm, warm

    holder = QWidget()
    qtbot.addWidget(holder)
    plot = make_plot("Inertia", "k", "inertia")
    QVBoxLayout(holder).addWidget(plot)
    holder.resize(400, 300)
    holder.show()
    plot.hide()
    assert views_to_warm(holder) == [] and not warm(plot)
    shiboken6.delete(plot)
    assert not warm(plot)
