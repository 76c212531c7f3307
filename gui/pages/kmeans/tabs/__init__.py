"""The K-Means page's tabs: one :class:`gui.pages.base.Tab` each."""

from __future__ import annotations

from PySide6.QtCore import Signal

from gui.pages.base import Tab


class LazyTab(Tab):
    """A tab whose widgets are built when it is first rendered or shown (a plot costs
    ~40 ms to create; the page opens on its first tab)."""

    was_built = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.built = False

    def ensure_built(self) -> None:
        if not self.built:
            self.built = True
            self.build()
            self.was_built.emit()

    def build(self) -> None:
        """Create the widgets."""

    def cluster_views(self) -> list:
        """The ClusterViews whose decision regions the page computes."""
        return []

    def pending(self) -> bool:
        """True while the tab is still drawing in stages (one view per event-loop turn)."""
        return False


def fmt(v: float) -> str:
    return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.4g}"
