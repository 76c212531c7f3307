"""Driving the Gaussian mixtures page as a person does: switch the covariance type, click a
point, drag the anomaly slider, Sample, Step/Back/Reset EM (half-steps), click a k, move the prior."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.gui.drivers import TIMEOUT_MS, PageDriver


class GaussianMixturesDriver(PageDriver):
    page_name = "gaussian-mixtures"

    @property
    def _density(self):
        return self.page.density

    @property
    def _em(self):
        return self.page.em

    # -- the fit ----------------------------------------------------------------------------
    def set_covariance_type(self, cov: str) -> None:
        combo = self.page.cov_combo

        def change():
            combo.setCurrentIndex(combo.findText(cov))

        self.wait_drawn(change)
        self.wait_idle()

    def set_dataset(self, key: str, wait: bool = True) -> None:
        """Pick a dataset; waits for its fit unless ``wait`` is False (a fit that fails)."""
        if wait:
            self.wait_drawn(lambda: self.page.picker.set_current_key(key))
        else:
            self.page.picker.set_current_key(key)
            self.qtbot.waitUntil(lambda: not self.page._debounce.isActive(), timeout=5000)
        self.wait_idle()

    def dataset(self) -> str:
        return self.page.picker.current_key()

    def set_n_init(self, n: int) -> None:
        self.wait_drawn(lambda: self.page.n_init.setValue(n))
        self.wait_idle()

    def points(self) -> np.ndarray:
        return self._density.view.points()

    def point_colors(self) -> np.ndarray:
        return self._density.view.point_colors()

    def weight_labels(self, tab: str = "Density") -> list[str]:
        return list(self._view(tab).weight_texts)

    def ellipse_count(self, tab: str = "Density") -> int:
        return self._view(tab).ellipse_count

    def _view(self, tab: str):
        return {"Density": self._density.view, "EM step by step": self._em.view,
                "Choosing k": self.page.choose.view, "Bayesian GMM": self.page.bayes.view}[tab]

    def density_image(self) -> np.ndarray | None:
        img = self._density.view.density.image
        return None if img is None or not self._density.view.density.isVisible() else img

    def boundary_cells(self) -> int:
        img = self._density.view.boundaries.image
        return 0 if img is None else int(np.count_nonzero(img[..., 3]))

    def info(self) -> str:
        return self._density.info.text()

    def click_point(self, row: int) -> str:
        """Click data point ``row`` in the density view; the predict_proba sentence."""
        x, y = self.points()[row]
        self.wait_drawn(lambda: self.click_view(self._density.view, float(x), float(y)))
        return self._density.proba.text()

    def set_percentile(self, tenths: int) -> None:
        self.wait_drawn(lambda: self._density.percentile.setValue(tenths))

    def anomaly_points(self) -> np.ndarray:
        x, y = self._density.view.anomaly_item.getData()
        return np.c_[x, y]

    def sample(self, n: int) -> np.ndarray:
        self._density.sample_n.setValue(n)
        self.wait_drawn(lambda: self.qtbot.mouseClick(self._density.sample_button,
                                                      Qt.MouseButton.LeftButton))
        x, y = self._density.view.sample_item.getData()
        return np.c_[x, y]

    # -- EM -------------------------------------------------------------------------------
    def open_em(self) -> None:
        self.wait_drawn(lambda: self.show_tab("EM step by step"))
        self.wait_idle()

    def _em_click(self, button) -> None:
        self.wait_drawn(lambda: self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton))
        self.wait_idle()

    def step(self) -> None:
        """Step: one half-step (the E step, or the M step)."""
        self._em_click(self._em.step_button)

    def step_iteration(self) -> None:
        """Two Steps: the E and the M step of one iteration."""
        self.step()
        self.step()

    def back(self) -> None:
        """Back: undo one half-step."""
        self._em_click(self._em.back_button)

    def em_phase(self) -> str:
        """The label naming the step shown ("E step: …", "M step: …", "Initialisation …")."""
        return self._em.phase_label.text()

    def reset(self) -> None:
        self._em_click(self._em.reset_button)

    def start_play(self) -> None:
        """Click Play (EM's half-steps run on a timer)."""
        if not self._em.play_button.isChecked():
            self.qtbot.mouseClick(self._em.play_button, Qt.MouseButton.LeftButton)

    def playing(self) -> bool:
        return self._em.play_button.isChecked()

    def play_until_converged(self) -> None:
        self.qtbot.mouseClick(self._em.play_button, Qt.MouseButton.LeftButton)
        self.qtbot.waitUntil(lambda: not self._em.play_button.isChecked(), timeout=TIMEOUT_MS)
        self.wait_idle()

    def em_title(self) -> str:
        return self._em.view.title()

    def lower_bound_curve(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._em.bound_curve.getData()
        return (np.empty(0), np.empty(0)) if x is None else (x, y)

    def em_colors(self) -> np.ndarray:
        return self._em.view.point_colors()

    def em_ellipse(self, component: int) -> np.ndarray:
        curves = [i for i in self._em.view._shapes if hasattr(i, "getData")]
        x, y = curves[2 * component].getData()
        return np.c_[x, y]

    # -- choosing k --------------------------------------------------------------------------
    def open_choose_k(self) -> None:
        self.wait_drawn(lambda: self.show_tab("Choosing k"), timeout=120_000)
        self.wait_idle()

    def start_choose_k(self) -> None:
        """Show the Choosing k tab without waiting for its sweep."""
        self.show_tab("Choosing k")

    def cancel(self) -> None:
        """The status bar's Cancel."""
        self.tasks.cancel()
        self.wait_idle()

    def bic_curve(self) -> tuple[np.ndarray, np.ndarray]:
        return self.page.choose.bic_curve.getData()

    def aic_curve(self) -> tuple[np.ndarray, np.ndarray]:
        return self.page.choose.aic_curve.getData()

    def best_marked(self) -> float:
        x, _ = self.page.choose.best.getData()
        return float(x[0])

    def click_k(self, k: int) -> str:
        plot = self.page.choose.plot
        x, y = self.bic_curve()
        i = list(x).index(k)
        self.wait_drawn(lambda: self.click_view(plot, float(x[i]), float(y[i])))
        return self.page.choose.view.title()

    # -- Bayesian -----------------------------------------------------------------------------
    def open_bayes(self) -> None:
        self.wait_drawn(lambda: self.show_tab("Bayesian GMM"), timeout=120_000)
        self.wait_idle()

    def bayes_weights(self) -> np.ndarray:
        return np.asarray(self.page.bayes.heights)

    def set_prior_index(self, index: int) -> None:
        self.wait_drawn(lambda: self.page.bayes.prior.setValue(index), timeout=120_000)
        self.wait_idle()
