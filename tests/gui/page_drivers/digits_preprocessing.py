"""Driving the Digits: preprocessing page like a person: k, the switch, the sweep."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from tests.gui.drivers import TIMEOUT_MS, PageDriver

LEFT = Qt.MouseButton.LeftButton
SWEEP_TIMEOUT_MS = 600_000


class DigitsPreprocessingDriver(PageDriver):
    page_name = "digits-preprocessing"

    @classmethod
    def open_with_range(cls, window, qtbot, lo: int, hi: int, step: int,
                        timeout: int = 120_000):
        """Set the sweep's range before the page starts (its opening sweeps use it), then
        open it and wait for its first result."""
        driver = cls(window.page(cls.page_name), qtbot)
        driver.set_range(lo, hi, step)
        window.show_page(cls.page_name)
        driver.page.ensure_started()
        if not driver.page.has_result:
            with qtbot.waitSignal(driver.page.result_drawn, timeout=timeout):
                pass
        return driver

    # -- controls ----------------------------------------------------------------------------------
    def set_k(self, k: int) -> None:
        """Type k in the "Clusters k" box (the fit follows, debounced)."""
        self.page.k_spin.setValue(int(k))

    def k(self) -> int:
        return self.page.k_spin.value()

    def set_standardize(self, on: bool) -> None:
        self.page.standardize_check.setChecked(bool(on))

    def standardize(self) -> bool:
        return self.page.standardize_check.isChecked()

    def set_range(self, lo: int, hi: int, step: int) -> None:
        """The sweep's From, To and Step."""
        self.page.from_spin.setValue(int(lo))
        self.page.to_spin.setValue(int(hi))
        self.page.step_spin.setValue(int(step))

    def sweep_range(self) -> tuple[int, int, int]:
        return (self.page.from_spin.value(), self.page.to_spin.value(),
                self.page.step_spin.value())

    def run_sweep(self, wait: bool = True, timeout: int = SWEEP_TIMEOUT_MS) -> None:
        """Click "Run sweep" (and wait until the sweep is over: the chapter's pipeline takes
        seconds a k)."""
        self.qtbot.mouseClick(self.page.sweep_button, LEFT)
        if wait:
            self.wait_sweep_over(timeout)

    def cancel_sweep(self) -> None:
        self.qtbot.mouseClick(self.page.cancel_button, LEFT)

    def forget(self) -> None:
        self.qtbot.mouseClick(self.page.forget_button, LEFT)

    def click_chart(self, k: float, accuracy: float) -> None:
        """Click the chart at (k, accuracy): chooses that k."""
        self.click_view(self.page.view.plot, k, accuracy)

    # -- waiting -----------------------------------------------------------------------------------
    def sweep_running(self) -> bool:
        return self.page.sweep_task is not None

    def wait_sweep_over(self, timeout: int = TIMEOUT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.page.sweep_task is None, timeout=timeout)

    def wait_fitted(self, k: int, standardize: bool, timeout: int = TIMEOUT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.fitted(k, standardize) is not None, timeout=timeout)

    # -- what the page shows -----------------------------------------------------------------------
    def fitted(self, k: int, standardize: bool):
        """The page's fit for (k, switch) (a core ``PipelineFit``), or None if not computed."""
        return self.page.state.cache.get((int(k), bool(standardize)))

    def accuracies_shown(self, standardize: bool = False) -> dict[int, float]:
        """{k: accuracy} of the chart's curve (blue: the chapter's; orange: standardized)."""
        curve = self.page.view.scaled_curve if standardize else self.page.view.exact_curve
        xs, ys = curve.getData()
        if xs is None:
            return {}
        return {int(x): float(y) for x, y in zip(xs, ys, strict=True)}

    def baseline_shown(self) -> float | None:
        """The dashed "no clustering" line's accuracy, or None when it is not drawn."""
        line = self.page.view.baseline_line
        return float(line.value()) if line.isVisible() else None

    def marks_near_legend(self, margin: float = 24) -> list[int]:
        """The ks of the chapter's printed values (★) whose mark is on the chart's legend or
        within ``margin`` pixels of it (a legend row: there, a mark reads as an entry)."""
        view = self.page.view
        legend = view.plot.getPlotItem().legend.sceneBoundingRect().adjusted(
            -margin, -margin, margin, margin)
        vb = view.plot.getPlotItem().getViewBox()
        return [int(k) for k, acc in zip(*view.chapter_marks.getData(), strict=True)
                if legend.contains(vb.mapViewToScene(pg.Point(k, acc)))]

    def result_text(self) -> str:
        return self.page.view.result_label.text()

    def headline_text(self) -> str:
        return self.page.view.headline.text()

    def sweep_text(self) -> str:
        return self.page.view.sweep_label.text()

    def can_run_sweep(self) -> bool:
        return self.page.sweep_button.isEnabled()

    def can_cancel(self) -> bool:
        return self.page.cancel_button.isEnabled()
