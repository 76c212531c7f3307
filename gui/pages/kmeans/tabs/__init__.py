"""The K-Means page's tabs: one :class:`gui.pages.base.Tab` each."""

from __future__ import annotations

from gui.pages.base import Tab


class LazyTab(Tab):
    """A K-Means tab: its widgets are made by :meth:`build` when it is first rendered or
    shown (:meth:`gui.pages.base.Tab.ensure_built`; the page opens on its first tab)."""

    def cluster_views(self) -> list:
        """The ClusterViews whose decision regions the page computes."""
        return []

    def pending(self) -> bool:
        """True while the tab is still drawing in stages (one view per event-loop turn)."""
        return False


def fmt(v: float) -> str:
    return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.4g}"
