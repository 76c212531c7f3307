"""The two digits pages, driven through their widgets.

References are the chapter's steps redone by hand with scikit-learn in this
module (cached once), never numbers typed in.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from threadpoolctl import threadpool_limits

from gui import settings as app_settings

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


# --------------------------------------------------------------------------- by hand


def score(X, y, X_test, y_test):
    from sklearn.linear_model import LogisticRegression

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42)
        return log_reg.fit(X, y).score(X_test, y_test)


@pytest.fixture(scope="module")
def chapter():
    """Cells 56–69 of the chapter, by hand, with argmin (the closest digit)."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X_digits, y_digits = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X_digits, y_digits, random_state=42)
    kmeans = KMeans(n_clusters=50, random_state=42)
    X_digits_dist = kmeans.fit_transform(X_train)
    idx = X_digits_dist.argmin(axis=0)
    cache = {}

    def partial(y_reps, percentile):
        y_prop = y_reps[kmeans.labels_]
        X_cluster_dist = X_digits_dist[np.arange(len(X_train)), kmeans.labels_].copy()
        for i in range(50):
            in_cluster = kmeans.labels_ == i
            cutoff = np.percentile(X_cluster_dist[in_cluster], percentile)
            X_cluster_dist[in_cluster & (X_cluster_dist > cutoff)] = -1
        mask = X_cluster_dist != -1
        return mask, y_prop[mask]

    def results(y_reps, percentile=25):
        key = (tuple(y_reps), percentile)
        if key not in cache:
            mask, y_part = partial(y_reps, percentile)
            cache[key] = dict(
                random=score(X_train[:50], y_train[:50], X_test, y_test),
                representatives=score(X_train[idx], y_reps, X_test, y_test),
                propagated=score(X_train, y_reps[kmeans.labels_], X_test, y_test),
                partial=score(X_train[mask], y_part, X_test, y_test),
                partial_correct=(y_part == y_train[mask]).mean(),
                n_partial=int(mask.sum()))
        return cache[key]

    return dict(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test, idx=idx,
                kmeans=kmeans, results=results)


# --------------------------------------------------------------------------- labelling page


@pytest.fixture
def labelling(open_page):
    return open_page("digits-labelling")


def test_gallery_shows_the_50_representatives_crisply(labelling, chapter):
    page, g = labelling, labelling.gallery
    assert g.count() == 50
    np.testing.assert_array_equal(page.reps.indices, chapter["idx"])
    np.testing.assert_array_equal(g.images(), chapter["X_train"][chapter["idx"]].reshape(-1, 8, 8))
    sizes = np.bincount(chapter["kmeans"].labels_, minlength=50)
    assert g.captions() == [f"n={s}" for s in sizes]
    assert (g.labels() == -1).all()
    assert page.counter.text() == "0 of 50 labelled"
    # the image is drawn with nearest-neighbour scaling: every 8×8 pixel is a uniform block
    shot = g.grab().toImage()
    rect = g.image_rect(0)
    scale = rect.width() // 8
    assert scale >= 3
    image = chapter["X_train"][chapter["idx"][0]].reshape(8, 8)
    for r in range(8):
        for c in range(8):
            if r < 5 and c >= 3:
                continue  # the badge covers the top-right corner
            x0, y0 = rect.x() + c * scale, rect.y() + r * scale
            greys = {shot.pixelColor(x0 + dx, y0 + dy).red()
                     for dx in range(1, scale - 1) for dy in range(1, scale - 1)}
            assert len(greys) == 1, (r, c, greys)
            assert abs(greys.pop() - (255 - image[r, c] * 255 / 16)) <= 1


def test_label_with_keys_and_palette_then_undo_redo(labelling, qtbot):
    page, g = labelling, labelling.gallery
    qtbot.mouseClick(g, LEFT, pos=g.tile_rect(3).center())
    assert g.current() == 3
    qtbot.keyClick(g, Qt.Key.Key_7)
    assert g.labels()[3] == 7
    assert page.hand[page.reps.indices[3]] == 7
    assert g.current() == 4  # moved on to the next digit
    assert page.counter.text() == "1 of 50 labelled"
    qtbot.keyClick(g, Qt.Key.Key_Down)
    assert g.current() == 14
    qtbot.keyClick(g, Qt.Key.Key_Left)
    assert g.current() == 13
    qtbot.mouseClick(page.palette.buttons[2], LEFT)
    assert g.labels()[13] == 2 and g.current() == 14
    assert page.counter.text() == "2 of 50 labelled"

    qtbot.keyClick(g, Qt.Key.Key_Z, CTRL)
    assert g.labels()[13] == -1 and page.counter.text() == "1 of 50 labelled"
    qtbot.keyClick(g, Qt.Key.Key_Z, CTRL | SHIFT)
    assert g.labels()[13] == 2
    qtbot.mouseClick(page.undo_button, LEFT)
    assert g.labels()[13] == -1
    qtbot.mouseClick(page.redo_button, LEFT)
    assert g.labels()[13] == 2
    # Backspace removes a label, and is undoable too
    g.set_current(3)
    qtbot.keyClick(g, Qt.Key.Key_Backspace)
    assert g.labels()[3] == -1 and page.counter.text() == "1 of 50 labelled"
    qtbot.keyClick(g, Qt.Key.Key_Z, CTRL)
    assert g.labels()[3] == 7
    # every change is saved at once
    saved = np.load(app_settings.data_dir() / "digits-labels.npz")["hand"]
    np.testing.assert_array_equal(saved, page.hand)


def test_labels_come_back_in_a_new_window(window, labelling, qtbot):
    from gui.app import MainWindow

    page, g = labelling, labelling.gallery
    g.setFocus()
    for tile, key in [(0, Qt.Key.Key_5), (1, Qt.Key.Key_2), (2, Qt.Key.Key_6)]:
        g.set_current(tile)
        qtbot.keyClick(g, key)
    expected = g.labels()
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    page2 = again.show_page("digits-labelling")
    page2.ensure_started()
    with qtbot.waitSignal(page2.result_drawn, timeout=60_000):
        pass
    assert page2 is not page
    np.testing.assert_array_equal(page2.gallery.labels(), expected)
    assert page2.gallery.labels()[:3].tolist() == [5, 2, 6]
    assert page2.counter.text() == "3 of 50 labelled"
    again.close()


def test_a_corrupt_save_file_gives_a_message_not_a_crash(window, qtbot):
    folder = app_settings.data_dir()
    (folder / "digits-labels.json").write_text("{ this is not json", encoding="utf-8")
    (folder / "digits-labels.npz").write_bytes(b"PK\x03\x04 broken")
    page = window.show_page("digits-labelling")
    page.ensure_started()
    with qtbot.waitSignal(page.result_drawn, timeout=60_000):
        pass
    assert window.message_bar.isVisible()
    assert window.message_bar.level == "warning"
    assert "could not be read" in window.message_bar.text()
    assert (page.gallery.labels() == -1).all()
    # the broken files were set aside, not lost, and labelling saves again
    assert len(list(folder.glob("digits-labels.*.unreadable-*"))) == 2
    page.gallery.set_current(0)
    qtbot.keyClick(page.gallery, Qt.Key.Key_4)
    meta = json.loads((folder / "digits-labels.json").read_text())
    assert meta["format"] == "clusterlab-digits-labels"


def test_a_save_file_with_wrong_contents_is_refused(window, qtbot):
    from core.storage import save_arrays, save_json

    folder = app_settings.data_dir()
    save_json(folder / "digits-labels.json",
              {"format": "clusterlab-digits-labels", "version": 1, "n_train": 3})
    save_arrays(folder / "digits-labels.npz", hand=np.array([1, 42, 3]))
    page = window.show_page("digits-labelling")
    page.ensure_started()
    with qtbot.waitSignal(page.result_drawn, timeout=60_000):
        pass
    assert "outside 0–9" in window.message_bar.text()
    assert (page.gallery.labels() == -1).all()


def wait_results(page, qtbot):
    qtbot.waitUntil(lambda: page.current_results() is not None, timeout=60_000)
    return page.current_results()


def test_results_with_the_chapters_labels(labelling, chapter, qtbot, artifacts_dir):
    from core.semisupervised import CHAPTER_REPRESENTATIVE_LABELS as typed

    page = labelling
    assert np.isnan(page.bar_values()[1:]).all()
    qtbot.mouseClick(page.fill_chapter_button, LEFT)
    assert page.counter.text() == "50 of 50 labelled"
    res = wait_results(page, qtbot)
    ref = chapter["results"](np.asarray(typed), 25)
    np.testing.assert_array_equal(
        page.bar_values(), [ref["random"], ref["representatives"], ref["propagated"],
                            ref["partial"]])
    assert res["partial_correct"] == ref["partial_correct"]
    assert res["n_partial"] == ref["n_partial"]
    text = page.results_label.text()
    for v in (ref["representatives"], ref["propagated"], ref["partial"]):
        assert f"{v:.4f}" in text
    assert f"{ref['partial_correct']:.1%}" in text
    assert [t.toPlainText() for t in page.bar_texts] == [
        f"{v:.4f}" for v in (ref["random"], ref["representatives"], ref["propagated"],
                             ref["partial"])]
    assert page.export_table()[1][1][2] == ref["representatives"]
    # File ▸ Export plot / Export results as CSV save what the page shows
    window = page.window()
    window.export_plot(str(artifacts_dir / "digits-labelling-plot.png"))
    assert (artifacts_dir / "digits-labelling-plot.png").stat().st_size > 5_000
    csv_path = artifacts_dir / "digits-labelling-results.csv"
    with qtbot.waitSignal(window.export_csv(str(csv_path)).finished, timeout=30_000):
        pass
    table = list(csv.reader(csv_path.open()))
    assert table[0] == ["experiment", "training instances", "test accuracy"]
    assert float(table[4][2]) == ref["partial"]

    # the check against the truth finds the chapter's one slip
    qtbot.mouseClick(page.truth_check, LEFT)
    wrong = np.flatnonzero(typed != chapter["y_train"][chapter["idx"]])
    np.testing.assert_array_equal(page.gallery.mistakes(), wrong)
    assert f"representative {wrong[0] + 1}: you {typed[wrong[0]]}" in page.mistakes_label.text()
    qtbot.wait(50)  # let the side panel lay out the new text
    page.window().grab().save(str(artifacts_dir / "digits-labelling-results.png"))

    # the percentile slider (debounced) recomputes the partial propagation only
    page.percentile_slider.setValue(40)
    page.percentile_slider.setValue(50)
    qtbot.waitUntil(lambda: page.current_results() is not None
                    and page.current_results()["percentile"] == 50, timeout=60_000)
    ref50 = chapter["results"](np.asarray(typed), 50)
    assert page.bar_values()[3] == ref50["partial"]
    assert page.bar_values()[2] == ref["propagated"]
    assert (page.rep_labels().tobytes(), 40) not in page._partial_cache  # debounced

    # one undo removes all 50 labels: the results go, the random baseline stays
    qtbot.keyClick(page.gallery, Qt.Key.Key_Z, CTRL)
    assert page.counter.text() == "0 of 50 labelled"
    assert page.current_results() is None
    assert page.bar_values()[0] == ref["random"]


def test_fill_from_ground_truth_and_changing_a_label_updates_results(labelling, chapter, qtbot):
    page = labelling
    truth = chapter["y_train"][chapter["idx"]]
    qtbot.mouseClick(page.fill_truth_button, LEFT)
    np.testing.assert_array_equal(page.gallery.labels(), truth)
    res = wait_results(page, qtbot)
    assert res["representatives"] == chapter["results"](truth)["representatives"]
    # change one label by hand: the numbers follow
    changed = truth.copy()
    changed[6] = 3
    page.gallery.set_current(6)
    qtbot.keyClick(page.gallery, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: page.current_results() is not None
                    and page.current_results()["representatives"]
                    == chapter["results"](changed)["representatives"], timeout=60_000)
    assert page.bar_values()[2] == chapter["results"](changed)["propagated"]


def test_active_learning_round(labelling, chapter, qtbot, tmp_path):
    page = labelling
    X_train, y_train = chapter["X_train"], chapter["y_train"]
    X_test, y_test = chapter["X_test"], chapter["y_test"]
    idx = chapter["idx"]
    assert not page.ask_button.isEnabled()
    qtbot.mouseClick(page.fill_truth_button, LEFT)
    assert page.ask_button.isEnabled()
    page.distinct_check.setChecked(False)
    page.n_ask_spin.setValue(10)
    qtbot.mouseClick(page.ask_button, LEFT)
    qtbot.waitUntil(lambda: page.mode == "asked", timeout=60_000)

    # by hand: the model trained on the 50 representatives, least certain first
    from sklearn.linear_model import LogisticRegression

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42).fit(X_train[idx],
                                                                           y_train[idx])
        pool = np.setdiff1d(np.arange(len(X_train)), idx)
        proba = log_reg.predict_proba(X_train[pool]).max(axis=1)
    expected = pool[np.argsort(proba, kind="stable")[:10]]
    np.testing.assert_array_equal(page.asked, expected)
    g = page.gallery
    assert g.count() == 10
    np.testing.assert_array_equal(g.images(), X_train[expected].reshape(-1, 8, 8))
    assert g.captions() == [f"p={p:.2f}" for p in np.sort(proba)[:10]]
    assert (g.labels() == -1).all()
    assert page.view_combo.currentData() == "asked"
    assert len(page.history) == 1 and page.history[0]["n_labels"] == 50
    assert page.history[0]["accuracy"] == score(X_train[idx], y_train[idx], X_test, y_test)

    # label them (type the first by hand, fill the rest), then retrain
    g.set_current(0)
    qtbot.keyClick(g, Qt.Key.Key_0 + int(y_train[expected[0]]))
    assert g.labels()[0] == y_train[expected[0]]
    qtbot.mouseClick(page.fill_truth_button, LEFT)
    assert page.counter.text() == "50 of 50 labelled"
    assert "60 hand labels" in page.total_label.text()
    qtbot.mouseClick(page.retrain_button, LEFT)
    qtbot.waitUntil(lambda: len(page.history) == 2, timeout=60_000)
    hand_idx = np.r_[idx, np.sort(expected)]  # as in Show code
    acc60 = score(X_train[hand_idx], y_train[hand_idx], X_test, y_test)
    xs, ys = page.curve_hand.getData()
    assert xs.tolist() == [50, 60]
    assert ys[1] == acc60
    y_prop = y_train[idx][chapter["kmeans"].labels_]
    y_prop[hand_idx] = y_train[hand_idx]
    assert page.curve_prop.getData()[1][1] == score(X_train, y_prop, X_test, y_test)

    # the session is saved too: the rounds and the asked digits
    meta = json.loads((app_settings.data_dir() / "digits-labels.json").read_text())
    assert [p["n_labels"] for p in meta["history"]] == [50, 60]
    saved = np.load(app_settings.data_dir() / "digits-labels.npz")
    np.testing.assert_array_equal(saved["asked"], expected)
    assert (saved["hand"][hand_idx] == y_train[hand_idx]).all()

    # back to the representatives; the asked digits keep their labels
    page.view_combo.setCurrentIndex(0)
    assert page.gallery.count() == 50

    # export: hand labels first-class, the rest propagated
    path = tmp_path / "labels.csv"
    page.export_labels(str(path))
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["index", "label", "source", "digits_index"]
    body = rows[1:]
    assert len(body) == len(X_train)
    hand = {int(r[0]): int(r[1]) for r in body if r[2] == "hand"}
    assert sorted(hand) == sorted(hand_idx.tolist())
    assert all(hand[i] == y_train[i] for i in hand)
    prop = {int(r[0]): int(r[1]) for r in body if r[2] == "propagated"}
    assert all(prop[i] == y_train[idx][chapter["kmeans"].labels_[i]] for i in prop)
    assert len(hand) + len(prop) == len(X_train)


def test_export_with_few_labels_has_only_hand_rows(labelling, qtbot, tmp_path):
    page = labelling
    page.gallery.set_current(0)
    qtbot.keyClick(page.gallery, Qt.Key.Key_9)
    path = tmp_path / "few.csv"
    page.export_labels(str(path))
    rows = list(csv.reader(path.open()))
    assert rows[1:] == [[str(page.reps.indices[0]), "9", "hand",
                         str(page.split.train_index[page.reps.indices[0]])]]
    assert "y_representative_digits = np.array([\n    9, -1" in page.code()
