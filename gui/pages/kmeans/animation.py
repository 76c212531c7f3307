"""The K-Means run as an animation (File ▸ Export run as animation, ``--export-frames``).

1. A task on the page's serial ``stepper`` key copies the stepper, goes back to iteration 0
   and steps to convergence, keeping every iteration's frame and its decision regions
   (core work, off the GUI thread; the page's own stepper does not move).
2. An offscreen copy of the Clusters plot, the size and range of the one on screen, draws
   each frame (the iteration in the title) and is captured at the chosen resolution, one
   frame per turn of the event loop, so the window keeps repainting.
3. A second task encodes them with Pillow (core/animation.py): an animated GIF or
   numbered PNGs, each file written atomically.
"""

from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import QObject, Qt

from core.animation import save_animation
from core.kmeans import decision_regions
from gui.exports import SCREEN_DPI, render_image, to_rgb
from gui.pages.kmeans import jobs
from gui.tasks import next_turn
from gui.widgets.cluster_view import ClusterView

#: A run longer than this is cut (an animation of hundreds of frames helps nobody).
MAX_FRAMES = 100


def run_frames(stepper, X, projection, region_spec, progress=None):
    """Every frame of the run from iteration 0 to convergence (at most MAX_FRAMES), and the
    decision regions of each ((labels, x_range, y_range), or None)."""
    s = copy.deepcopy(stepper)
    s.reset()
    frames = [jobs.frame(s, X, projection)]
    while not s.converged and len(frames) < MAX_FRAMES and s.step():
        frames.append(jobs.frame(s, X, projection))
        if progress is not None:
            progress(min(0.9, len(frames) / MAX_FRAMES))
    regions = []
    for f in frames:
        if region_spec is None:
            regions.append(None)
        else:
            x_range, y_range, resolution = region_spec
            r = decision_regions(f.centers2d, x_range, y_range, resolution)
            regions.append((r.labels, r.x_range, r.y_range))
    return frames, regions


class FrameDrawer(QObject):
    """Draws each frame in an offscreen plot like ``source`` and captures it, one frame per
    turn of the event loop (the window keeps repainting), then calls ``done(images)``."""

    def __init__(self, source: ClusterView, state, frames, regions, scale: float, done,
                 fail, progress=None):
        super().__init__(source)
        self.frames, self.regions, self.scale = frames, regions, scale
        self.done, self.fail, self.progress = done, fail, progress
        self.images: list[np.ndarray] = []
        ds, proj = state.dataset, state.projection
        self.name = ds.name
        self.current = None
        view = self.view = ClusterView()
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.resize(source.size())
        view.show()
        view.regions_wanted.connect(self._regions_wanted)
        # A big cloud's canvas is made here, at once (once: the range does not change), so
        # that no frame is captured before its points are drawn.
        view.async_raster_from = 0
        view.raster_wanted.connect(lambda request: view.apply_raster(request,
                                                                     request.rasterize()))
        view.set_points(proj.coords, colors=frames[0].colors,
                        size=6 if ds.n_samples <= 5000 else 3, auto_range=False)
        view.set_axis_titles(*proj.axis_titles)
        (x0, x1), (y0, y1) = source.plotItem.vb.viewRange()
        view.plotItem.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _regions_wanted(self, request) -> None:
        if self.current is not None:
            self.view.apply_regions(request, *self.current)

    def start(self) -> None:
        next_turn(self, self._next)

    def _draw(self, i: int) -> None:
        f, grid = self.frames[i], self.regions[i]
        status = "converged" if f.converged else f"inertia {f.inertia:.2f}"
        self.view.set_title(f"{self.name}: iteration {f.iteration} ({status})")
        self.view.set_colors(f.colors)
        self.view.centroids.set_centers(f.centers2d, f.trail2d)
        self.current = grid
        self.view.show_regions_for(f.centers2d if grid is not None else None, len(f.centers))
        self.images.append(to_rgb(render_image(self.view, self.scale)))

    def _next(self) -> None:
        try:
            self._draw(len(self.images))
        except (RuntimeError, ValueError, MemoryError) as exc:
            self._close()
            self.fail(exc)
            return
        if self.progress is not None:
            self.progress(len(self.images) / len(self.frames))
        if len(self.images) < len(self.frames):
            next_turn(self, self._next)
        else:
            self._close()
            self.done(self.images)

    def _close(self) -> None:
        self.view.close()
        self.view.deleteLater()
        self.deleteLater()


def export_run(page, target: str, scale: float = 1.0, on_done=None, on_error=None):
    """Save the page's run to ``target`` (.gif, or PNG frames); returns the first task."""
    state = page.state
    page.clusters.ensure_built()
    source = page.clusters.view
    if state.stepper is None or state.dataset is None:
        raise RuntimeError("there is no K-Means run yet: press Fit first")
    identity = state.projection.method == "identity"
    spec = None
    if identity:
        (x0, x1), (y0, y1) = source.plotItem.vb.viewRange()
        spec = ((float(x0), float(x1)), (float(y0), float(y1)), source.region_resolution())
    stepper, X, proj = state.stepper, state.dataset.X, state.projection
    fail = on_error or (lambda exc: page.fail(exc, "Saving the animation"))

    def save(images) -> None:
        page.run_task(save_animation, target, images, dpi=SCREEN_DPI * scale, key="animation",
                      description="Saving the animation…", on_error=fail,
                      on_result=lambda paths: on_done(paths) if on_done else None)

    def drawn(out) -> None:
        frames, regions = out
        drawer = FrameDrawer(source, state, frames, regions, scale, save, fail)
        page.ctx.show_message(f"Drawing {len(frames)} frames…", "info")
        drawer.start()

    task = page.run_task(run_frames, stepper, X, proj, spec, key="stepper", serial=True,
                         description="Running K-Means for the animation…", on_result=drawn,
                         on_error=fail)
    if on_error is not None:
        task.cancelled.connect(lambda: on_error(RuntimeError("the animation was cancelled")))
    return task
