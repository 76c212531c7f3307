"""Every destructive action on hand-made work can be undone: the status bar says what was
replaced or removed, with an Undo button that puts it back."""

from __future__ import annotations

import numpy as np

from core.semisupervised import CHAPTER_REPRESENTATIVE_LABELS
from tests.gui.drivers import DBSCANDriver, DigitsLabellingDriver, KMeansDriver

GOOD_INIT = np.array([[-3, 3], [-3, 2], [-3, 1], [-1, 2], [0, 2]], dtype=float)


def _undo_offered(window, *words: str) -> bool:
    bar = window.undo_bar  # in the status bar: showing it moves nothing
    return bar.isVisible() and bar.action_labels() == ["Undo"] and all(
        w in bar.text() for w in words)


def test_filling_with_the_chapters_labels_can_be_undone(window, open_page, qtbot):
    d = DigitsLabellingDriver.open(open_page, qtbot)
    mine = [(int(CHAPTER_REPRESENTATIVE_LABELS[t]) + 1) % 10 for t in (0, 1)]
    d.label(0, mine[0])
    d.label(1, mine[1])
    d.fill_with_chapter_labels()
    np.testing.assert_array_equal(d.gallery_labels(), CHAPTER_REPRESENTATIVE_LABELS)
    assert _undo_offered(window, "chapter's labels", "2 labels you had set")
    window.undo_bar.trigger_action("Undo")
    labels = d.gallery_labels()
    assert list(labels[:2]) == mine and (labels[2:] == -1).all()

    # clearing the labels shown: the same
    d.clear_shown()
    assert (d.gallery_labels() == -1).all()
    assert _undo_offered(window, "Cleared", "2 labels")
    window.undo_bar.trigger_action("Undo")
    assert list(d.gallery_labels()[:2]) == mine

    # a fill that overwrites nothing says nothing
    d.clear_shown()
    window.undo_bar.done()
    d.fill_with_chapter_labels()
    assert not window.undo_bar.isVisible()


def test_use_this_k_keeps_the_hand_placed_centroids_undoable(window, open_page, qtbot):
    km = KMeansDriver.open(open_page, qtbot)
    km.wait_idle()
    km.chapter_good_init()
    assert km.params_shown()["init"] == "hand"
    window.ctx.navigate("kmeans", n_clusters=3, dataset="blobs")  # what "Use this k" does
    km.wait_idle()
    assert km.params_shown()["k"] == 3 and km.params_shown()["init"] == "k-means++"
    assert _undo_offered(window, "5 centroids you placed", "k-means++")
    window.undo_bar.trigger_action("Undo")
    km.wait_idle()
    shown = km.params_shown()
    assert shown["k"] == 5 and shown["init"] == "hand"
    np.testing.assert_allclose(km.initial_centers(), GOOD_INIT)

    km.clear_placed()
    assert len(km.handle_positions()) == 0
    assert _undo_offered(window, "Cleared the 5 centroids")
    window.undo_bar.trigger_action("Undo")
    km.wait_idle()
    np.testing.assert_allclose(km.handle_positions(), GOOD_INIT)


def test_dbscan_instances_removed_can_be_undone(window, open_page, qtbot):
    d = DBSCANDriver.open(open_page, qtbot)
    d.wait_idle()
    d.add_instance(1.5, 0.0)
    before = d.instances()
    assert len(before) == 5
    page_area = window.centralWidget().geometry()
    d.clear_instances()
    assert d.instances() == []
    assert _undo_offered(window, "Cleared 5 new instances")
    assert window.centralWidget().geometry() == page_area  # the note moved nothing
    window.show_page("data")  # the note is the DBSCAN page's: not shown elsewhere
    assert not window.undo_bar.isVisible()
    window.show_page("dbscan")
    assert _undo_offered(window, "Cleared 5 new instances")
    window.undo_bar.trigger_action("Undo")
    d.wait_idle(lambda: d.prediction() is not None)
    assert d.instances() == before and len(d.instance_rows()) == 5

    d.chapters_instances()  # the chapter's four replace the fifth one
    assert len(d.instances()) == 4
    assert _undo_offered(window, "replaced 1 new instance")
    d.add_instance(0.5, 0.5)  # the page changed since: Undo says so and does nothing
    window.undo_bar.trigger_action("Undo")
    assert len(d.instances()) == 5 and "can no longer be undone" in window.message_bar.text()
