"""The Digits: labelling page, driven as a person would (DigitsLabellingDriver).

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
from gui.exports import render_image
from tests.gui.drivers import DigitsLabellingDriver

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
def labelling(open_page, qtbot):
    return DigitsLabellingDriver.open(open_page, qtbot)


def open_in(window, qtbot) -> DigitsLabellingDriver:
    page = window.show_page("digits-labelling")
    page.ensure_started()
    if not page.has_result:
        with qtbot.waitSignal(page.result_drawn, timeout=60_000):
            pass
    return DigitsLabellingDriver(page, qtbot)


def test_gallery_shows_the_50_representatives_crisply(labelling, chapter):
    d = labelling
    assert d.gallery_count() == 50
    np.testing.assert_array_equal(d.representatives(), chapter["idx"])
    np.testing.assert_array_equal(d.gallery_images(),
                                  chapter["X_train"][chapter["idx"]].reshape(-1, 8, 8))
    sizes = np.bincount(chapter["kmeans"].labels_, minlength=50)
    assert d.gallery_captions() == [f"n={s}" for s in sizes]
    assert (d.gallery_labels() == -1).all()
    assert d.counter() == "0 of 50 labelled"
    # the image is drawn with nearest-neighbour scaling: every 8×8 pixel is a uniform block
    shot, rect = d.gallery_shot(0)
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


def test_label_with_keys_and_palette_then_undo_redo(labelling):
    d = labelling
    d.select(3)
    assert d.current_tile() == 3
    d.type_label(7)
    assert d.gallery_labels()[3] == 7
    assert d.hand_labels()[d.representatives()[3]] == 7
    assert d.current_tile() == 4  # moved on to the next digit
    assert d.counter() == "1 of 50 labelled"
    d.press(Qt.Key.Key_Down)
    assert d.current_tile() == 14
    d.press(Qt.Key.Key_Left)
    assert d.current_tile() == 13
    d.click_palette(2)
    assert d.gallery_labels()[13] == 2 and d.current_tile() == 14
    assert d.counter() == "2 of 50 labelled"

    d.undo_key()
    assert d.gallery_labels()[13] == -1 and d.counter() == "1 of 50 labelled"
    d.redo_key()
    assert d.gallery_labels()[13] == 2
    d.undo()
    assert d.gallery_labels()[13] == -1
    d.redo()
    assert d.gallery_labels()[13] == 2
    # Backspace removes a label, and is undoable too
    d.clear_label(3)
    assert d.gallery_labels()[3] == -1 and d.counter() == "1 of 50 labelled"
    d.undo_key()
    assert d.gallery_labels()[3] == 7
    # every change is saved (by the labels' writer thread: the newest state is on disk)
    d.wait_saved()
    saved = np.load(app_settings.data_dir() / "digits-labels.npz")["hand"]
    np.testing.assert_array_equal(saved, d.hand_labels())


def test_labels_are_written_off_the_gui_thread_and_the_last_one_wins(labelling, monkeypatch):
    import threading

    import core.storage

    d = labelling
    d.wait_saved()
    writers = []
    real = core.storage.atomic_write_bytes

    def recording(path, data):
        writers.append(threading.current_thread() is threading.main_thread())
        return real(path, data)

    monkeypatch.setattr(core.storage, "atomic_write_bytes", recording)
    monkeypatch.setattr("core.labelling.atomic_write_bytes", recording, raising=False)
    for tile, digit in ((0, 4), (1, 8), (2, 0)):
        d.label(tile, digit)
    d.wait_saved()
    assert writers and not any(writers)  # (True: a write on the GUI thread)
    saved = np.load(app_settings.data_dir() / "digits-labels.npz")["hand"]
    np.testing.assert_array_equal(saved, d.hand_labels())
    assert saved[d.representatives()[:3]].tolist() == [4, 8, 0]


def test_a_save_that_fails_is_said_once(window, qtbot, monkeypatch):
    d = open_in(window, qtbot)
    d.wait_saved()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.labelling.save_arrays", full_disk)
    d.label(0, 4)
    qtbot.waitUntil(lambda: "could not be saved" in window.message_bar.text(), timeout=5_000)
    assert window.message_bar.level == "error"
    assert "No space left on device" in window.message_bar.text()
    assert d.gallery_labels()[0] == 4  # (the label stays: the next save tries again)


def test_labels_come_back_in_a_new_window(window, labelling, qtbot):
    from gui.app import MainWindow

    d = labelling
    for tile, digit in [(0, 5), (1, 2), (2, 6)]:
        d.label(tile, digit)
    expected = d.gallery_labels()
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    d2 = open_in(again, qtbot)
    assert d2.page is not d.page
    np.testing.assert_array_equal(d2.gallery_labels(), expected)
    assert d2.gallery_labels()[:3].tolist() == [5, 2, 6]
    assert d2.counter() == "3 of 50 labelled"
    again.close()


def test_a_corrupt_save_file_gives_a_message_not_a_crash(window, qtbot):
    folder = app_settings.data_dir()
    (folder / "digits-labels.json").write_text("{ this is not json", encoding="utf-8")
    (folder / "digits-labels.npz").write_bytes(b"PK\x03\x04 broken")
    d = open_in(window, qtbot)
    assert window.message_bar.isVisible()
    assert window.message_bar.level == "warning"
    assert "could not be read" in window.message_bar.text()
    assert (d.gallery_labels() == -1).all()
    # the broken files were set aside, not lost, and labelling saves again
    assert len(list(folder.glob("digits-labels.*.unreadable-*"))) == 2
    d.label(0, 4)
    d.wait_saved()
    meta = json.loads((folder / "digits-labels.json").read_text())
    assert meta["format"] == "clusterlab-digits-labels"


def test_a_save_file_with_wrong_contents_is_refused(window, qtbot):
    from core.storage import save_arrays, save_json

    folder = app_settings.data_dir()
    save_json(folder / "digits-labels.json",
              {"format": "clusterlab-digits-labels", "version": 1, "n_train": 3})
    save_arrays(folder / "digits-labels.npz", hand=np.array([1, 42, 3]))
    d = open_in(window, qtbot)
    assert "outside 0–9" in window.message_bar.text()
    assert (d.gallery_labels() == -1).all()


def test_results_with_the_chapters_labels(labelling, chapter, qtbot, artifacts_dir):
    from core.semisupervised import CHAPTER_REPRESENTATIVE_LABELS as typed

    d = labelling
    assert np.isnan(d.results_shown()[1:]).all()
    d.fill_with_chapter_labels()
    assert d.counter() == "50 of 50 labelled"
    res = d.wait_results()
    ref = chapter["results"](np.asarray(typed), 25)
    np.testing.assert_array_equal(
        d.results_shown(), [ref["random"], ref["representatives"], ref["propagated"],
                            ref["partial"]])
    assert res.partial_correct == ref["partial_correct"]
    assert res.n_partial == ref["n_partial"]
    text = d.results_text()
    for v in (ref["representatives"], ref["propagated"], ref["partial"]):
        assert f"{v:.4f}" in text
    assert f"{ref['partial_correct']:.1%}" in text
    assert d.bar_texts() == [
        f"{v:.4f}" for v in (ref["random"], ref["representatives"], ref["propagated"],
                             ref["partial"])]
    assert d.export_table()[1][1][2] == ref["representatives"]
    # File ▸ Export plot / Export results as CSV save what the page shows
    window = d.page.window()
    window.export_plot(str(artifacts_dir / "digits-labelling-plot.png"))
    assert (artifacts_dir / "digits-labelling-plot.png").stat().st_size > 5_000
    csv_path = artifacts_dir / "digits-labelling-results.csv"
    with qtbot.waitSignal(window.export_csv(str(csv_path)).finished, timeout=30_000):
        pass
    table = list(csv.reader(csv_path.open()))
    assert table[0] == ["experiment", "training instances", "test accuracy"]
    assert float(table[4][2]) == ref["partial"]

    # the check against the truth finds the chapter's one slip
    d.check_truth()
    wrong = np.flatnonzero(chapter["y_train"][chapter["idx"]] != typed)
    np.testing.assert_array_equal(d.gallery_mistakes(), wrong)
    assert f"representative {wrong[0] + 1}: you {typed[wrong[0]]}" in d.mistakes_text()
    qtbot.wait(50)  # let the side panel lay out the new text
    render_image(window).save(str(artifacts_dir / "digits-labelling-results.png"))

    # the percentile slider (debounced) recomputes the partial propagation only
    d.set_percentile(40)
    d.set_percentile(50)
    d.wait_results(percentile=50)
    ref50 = chapter["results"](np.asarray(typed), 50)
    assert d.results_shown()[3] == ref50["partial"]
    assert d.results_shown()[2] == ref["propagated"]
    assert 40 not in d.computed_percentiles()  # debounced

    # one undo removes all 50 labels: the results go, the random baseline stays
    d.undo_key()
    assert d.counter() == "0 of 50 labelled"
    assert d.results() is None
    assert d.results_shown()[0] == ref["random"]


def test_fill_from_ground_truth_and_changing_a_label_updates_results(labelling, chapter,
                                                                       qtbot):
    d = labelling
    truth = chapter["y_train"][chapter["idx"]]
    d.fill_from_truth()
    np.testing.assert_array_equal(d.gallery_labels(), truth)
    res = d.wait_results()
    assert res.representatives == chapter["results"](truth)["representatives"]
    # change one label by hand: the numbers follow
    changed = truth.copy()
    changed[6] = 3
    d.label(6, 3)
    qtbot.waitUntil(lambda: d.results() is not None
                    and d.results().representatives
                    == chapter["results"](changed)["representatives"], timeout=60_000)
    assert d.results_shown()[2] == chapter["results"](changed)["propagated"]


def test_active_learning_round(labelling, chapter, tmp_path):
    d = labelling
    X_train, y_train = chapter["X_train"], chapter["y_train"]
    X_test, y_test = chapter["X_test"], chapter["y_test"]
    idx = chapter["idx"]
    assert not d.can_ask()
    d.fill_from_truth()
    assert d.can_ask()
    d.set_one_per_cluster(False)
    d.set_n_ask(10)
    d.train_round()
    assert d.view() == "asked"

    # by hand: the model trained on the 50 representatives, least certain first
    from sklearn.linear_model import LogisticRegression

    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42).fit(X_train[idx],
                                                                           y_train[idx])
        pool = np.setdiff1d(np.arange(len(X_train)), idx)
        proba = log_reg.predict_proba(X_train[pool]).max(axis=1)
    expected = pool[np.argsort(proba, kind="stable")[:10]]
    np.testing.assert_array_equal(d.asked_digits(), expected)
    assert d.gallery_count() == 10
    np.testing.assert_array_equal(d.gallery_images(), X_train[expected].reshape(-1, 8, 8))
    assert d.gallery_captions() == [f"p={p:.2f}" for p in np.sort(proba)[:10]]
    assert (d.gallery_labels() == -1).all()
    assert d.view() == "asked"
    assert len(d.rounds()) == 1 and d.rounds()[0][0] == 50
    assert d.rounds()[0][1] == score(X_train[idx], y_train[idx], X_test, y_test)

    # label them (type the first by hand, fill the rest), then retrain
    d.label(0, int(y_train[expected[0]]))
    assert d.gallery_labels()[0] == y_train[expected[0]]
    d.fill_from_truth()
    assert d.counter() == "50 of 50 labelled"
    assert "60 hand labels" in d.total_text()
    d.retrain()
    assert len(d.rounds()) == 2
    hand_idx = np.r_[idx, np.sort(expected)]  # as in Show code
    acc60 = score(X_train[hand_idx], y_train[hand_idx], X_test, y_test)
    xs, ys, ys_prop = d.curve()
    assert xs.tolist() == [50, 60]
    assert ys[1] == acc60
    y_prop = y_train[idx][chapter["kmeans"].labels_]
    y_prop[hand_idx] = y_train[hand_idx]
    assert ys_prop[1] == score(X_train, y_prop, X_test, y_test)

    # the session is saved too: the rounds and the asked digits
    meta = json.loads((app_settings.data_dir() / "digits-labels.json").read_text())
    assert [p["n_labels"] for p in meta["history"]] == [50, 60]
    saved = np.load(app_settings.data_dir() / "digits-labels.npz")
    np.testing.assert_array_equal(saved["asked"], expected)
    assert (saved["hand"][hand_idx] == y_train[hand_idx]).all()

    # back to the representatives; the asked digits keep their labels
    d.show_view("representatives")
    assert d.gallery_count() == 50

    # export: hand labels first-class, the rest propagated
    path = tmp_path / "labels.csv"
    d.export_labels(path)
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


def test_export_with_few_labels_has_only_hand_rows(labelling, tmp_path):
    d = labelling
    d.label(0, 9)
    path = tmp_path / "few.csv"
    d.export_labels(path)
    rows = list(csv.reader(path.open()))
    rep0 = d.representatives()[0]
    assert rows[1:] == [[str(rep0), "9", "hand", str(d.train_index()[rep0])]]
    assert "y_representative_digits = np.array([\n    9, -1" in d.code()


# --------------------------------------------------------------------------- new behaviour


def test_the_controls_are_saved_and_come_back(window, labelling, qtbot):
    d = labelling
    d.set_percentile(40)
    d.set_n_ask(7)
    d.set_one_per_cluster(False)
    d.check_truth()
    window.close()

    from gui.app import MainWindow

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    d2 = open_in(again, qtbot)
    assert d2.percentile() == 40
    assert d2.bar_names()[3] == "partial 40%"
    assert d2.percentile_text() == "keep the 40 % closest"
    # nothing labelled yet: the snippet stops before the classifiers (they come with the
    # labels; test_snippets_run.py follows the percentile and n_ask into them)
    assert "label all 50 representatives" in d2.code()
    assert d2.mistakes_text() == "No labels to check yet."
    again.close()


def test_the_default_snippet_runs(labelling):
    """The "Show code" snippet of the default state (no labels yet) runs as printed, once the
    person's labels are in: here the chapter's typed ones."""
    from core.semisupervised import CHAPTER_REPRESENTATIVE_LABELS as typed

    d = labelling
    d.fill_with_chapter_labels()
    code = d.code()
    assert "np.array([\n    9, 2, 6" in code
    namespace: dict = {}
    with threadpool_limits(1):
        exec(compile(code, "<show code>", "exec"), namespace)  # noqa: S102 - the snippet
    np.testing.assert_array_equal(namespace["y_representative_digits"], typed)
    assert namespace["partially_propagated"].sum() == d.wait_results().n_partial
    assert namespace["ask"].shape == (10,)


def test_the_state_and_snippet_without_qt():
    """The page's state keeps its parameters and hand labels through JSON; the snippet of the
    default state (no labels yet) says what to fill in."""
    from core.labelling import LabellingSession
    from gui.pages.digits_labelling.snippets import code
    from gui.pages.digits_labelling.state import LabellingState

    default = code(LabellingState())
    assert "y_representative_digits = np.full(50, -1)  # your 50 labels" in default
    assert "percentile_closest" not in default  # nothing to train before the labels
    session = LabellingSession.new()
    state = LabellingState(percentile=40, view="asked", n_ask=7, distinct=False,
                           session=session.with_labels(session.reps.indices[:2], [3, 9]))
    doc = json.loads(json.dumps(state.to_json()))
    back = LabellingState.from_json(doc, session)
    assert (back.percentile, back.view, back.n_ask, back.distinct) == (40, "asked", 7, False)
    np.testing.assert_array_equal(back.session.hand, state.session.hand)
    assert back.shown_view() == "representatives"  # nothing asked yet
    assert back.current_results() is None


def test_undo_goes_back_at_most_its_limit_of_actions(open_page, qtbot, monkeypatch):
    """A long session's undo history is bounded (its memory too): the oldest labelling
    actions are forgotten beyond the limit, the latest are undone in order."""
    from gui.pages.digits_labelling import page as page_module

    monkeypatch.setattr(page_module, "UNDO_LIMIT", 3)
    d = DigitsLabellingDriver.open(open_page, qtbot)
    for tile in range(5):
        d.label(tile, tile + 1)
    assert list(d.gallery_labels()[:5]) == [1, 2, 3, 4, 5]
    for _ in range(5):  # two presses more than it remembers: they do nothing
        d.undo()
    assert list(d.gallery_labels()[:5]) == [1, 2, -1, -1, -1]
    d.redo()
    assert list(d.gallery_labels()[:5]) == [1, 2, 3, -1, -1]
