"""core.labelling: the labelling session against the chapter's cells redone with scikit-learn,
its save/load round trip, the files ClusterLab 0.1.0 wrote, and damaged files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.errors import DataError
from core.labelling import LabellingSession, open_session, read_saved, save_paths
from core.semisupervised import CHAPTER_REPRESENTATIVE_LABELS as TYPED
from core.storage import save_arrays, save_json

V010_DATA = Path(__file__).parents[1] / "fixtures" / "v0_1_0" / "data"


def score(X, y, X_test, y_test):
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return LogisticRegression(max_iter=10_000, random_state=42).fit(X, y).score(X_test,
                                                                                    y_test)


@pytest.fixture(scope="module")
def chapter():
    """Cells 56–69 of the chapter, by hand (argmin: the closest digit)."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)
    kmeans = KMeans(n_clusters=50, random_state=42)
    dist = kmeans.fit_transform(X_train)
    return dict(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
                labels=kmeans.labels_, dist=dist, idx=dist.argmin(axis=0))


def by_hand(c, y_reps, percentile):
    Xtr, ytr, Xte, yte = c["X_train"], c["y_train"], c["X_test"], c["y_test"]
    y_prop = y_reps[c["labels"]]
    X_cluster_dist = c["dist"][np.arange(len(Xtr)), c["labels"]].copy()
    for i in range(50):
        in_cluster = c["labels"] == i
        cutoff = np.percentile(X_cluster_dist[in_cluster], percentile)
        X_cluster_dist[in_cluster & (X_cluster_dist > cutoff)] = -1
    mask = X_cluster_dist != -1
    return dict(random=score(Xtr[:50], ytr[:50], Xte, yte),
                representatives=score(Xtr[c["idx"]], y_reps, Xte, yte),
                propagated=score(Xtr, y_prop, Xte, yte),
                propagated_correct=(y_prop == ytr).mean(),
                partial=score(Xtr[mask], y_prop[mask], Xte, yte),
                partial_correct=(y_prop[mask] == ytr[mask]).mean(),
                n_partial=int(mask.sum()), full=score(Xtr, ytr, Xte, yte))


@pytest.fixture(scope="module")
def session():
    return LabellingSession.new()


@pytest.fixture(scope="module")
def typed(session):
    return session.with_labels(session.reps.indices, TYPED)


def test_a_new_session_is_the_chapters_split_and_representatives(session, chapter):
    np.testing.assert_array_equal(session.reps.indices, chapter["idx"])
    np.testing.assert_array_equal(session.split.y_train, chapter["y_train"])
    assert session.n_train == len(chapter["X_train"])
    assert (session.hand == -1).all() and session.n_labelled() == 0
    assert not session.hand.flags.writeable
    assert session.history == () and session.asked.size == 0


@pytest.mark.parametrize("percentile", [25, 50])
def test_results_are_the_chapters_numbers(typed, chapter, percentile):
    ref = by_hand(chapter, np.asarray(TYPED), percentile)
    res = typed.results(percentile)
    for name, value in ref.items():
        assert getattr(res, name) == value, name
    assert res.percentile == percentile
    # the slider: the label-only numbers reused, the partial propagation computed again
    again = typed.results(10, reuse=res)
    assert again.representatives == res.representatives
    assert again.partial == by_hand(chapter, np.asarray(TYPED), 10)["partial"]


def test_results_need_every_representative(session):
    one = session.with_label(int(session.reps.indices[0]), 3)
    with pytest.raises(DataError, match="49 to go"):
        one.results()


def test_labels_make_a_new_session(session):
    i = int(session.reps.indices[2])
    labelled = session.with_label(i, 7)
    assert labelled.hand[i] == 7 and session.hand[i] == -1
    assert labelled.n_labelled() == 1 and labelled.n_hand() == 1
    assert labelled.with_label(i, -1).n_hand() == 0
    # in order: the last label of a digit given twice wins
    assert session.with_labels([i, i], [1, 2]).hand[i] == 2
    with pytest.raises(DataError, match="0 to 9"):
        session.with_label(i, 10)
    with pytest.raises(DataError, match="does not exist"):
        session.with_label(session.n_train, 1)


def test_mistakes_and_label_table(typed, chapter):
    wrong = np.flatnonzero(chapter["y_train"][chapter["idx"]] != TYPED)
    np.testing.assert_array_equal(typed.mistakes(), chapter["idx"][wrong])
    idx, labels, is_hand, rows = typed.label_table()
    assert idx.size == typed.n_train and is_hand.sum() == 50
    np.testing.assert_array_equal(labels, np.asarray(TYPED)[chapter["labels"]])
    few = typed.with_labels(typed.reps.indices[1:], -1)
    idx, labels, is_hand, rows = few.label_table()
    assert idx.tolist() == [chapter["idx"][0]] and is_hand.all()
    assert rows[0] == typed.split.train_index[idx[0]]


def test_a_training_round_asks_what_the_model_is_least_sure_of(session, chapter):
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    Xtr, ytr, Xte, yte, idx = (chapter[k] for k in ("X_train", "y_train", "X_test", "y_test",
                                                     "idx"))
    with pytest.raises(DataError, match="before active learning"):
        session.train_round()
    truth = session.with_labels(idx, ytr[idx])
    asked = truth.train_round(n_ask=10, distinct=False)
    with threadpool_limits(1):
        log_reg = LogisticRegression(max_iter=10_000, random_state=42).fit(Xtr[idx], ytr[idx])
        pool = np.setdiff1d(np.arange(len(Xtr)), idx)
        proba = log_reg.predict_proba(Xtr[pool]).max(axis=1)
    expected = pool[np.argsort(proba, kind="stable")[:10]]
    np.testing.assert_array_equal(asked.asked, expected)
    np.testing.assert_array_equal(asked.confidence, np.sort(proba)[:10])
    assert len(asked.history) == 1 and asked.history[0].n_labels == 50
    assert asked.history[0].accuracy == score(Xtr[idx], ytr[idx], Xte, yte)
    assert truth.history == ()  # the session it came from did not change

    # label them, retrain without asking: a second point, as the Show code snippet trains
    more = asked.with_labels(expected, ytr[expected]).train_round(ask=False)
    np.testing.assert_array_equal(more.asked, expected)
    hand_idx = np.r_[idx, np.sort(expected)]
    assert [r.n_labels for r in more.history] == [50, 60]
    assert more.history[1].accuracy == score(Xtr[hand_idx], ytr[hand_idx], Xte, yte)
    y_prop = ytr[idx][chapter["labels"]]
    y_prop[hand_idx] = ytr[hand_idx]
    assert more.history[1].accuracy_propagated == score(Xtr, y_prop, Xte, yte)
    # the same number of labels again replaces the last point
    assert len(more.train_round(ask=False).history) == 2
    assert more.without_history().history == ()


def test_save_and_load_round_trip(session, tmp_path):
    idx = session.reps.indices
    s = session.with_labels(idx, session.split.y_train[idx]).train_round(n_ask=5)
    s = s.with_label(int(s.asked[0]), 3)
    s.save(tmp_path)
    meta = json.loads((tmp_path / "digits-labels.json").read_text())
    assert meta["version"] == 2 and meta["format"] == "clusterlab-digits-labels"
    back = LabellingSession.load(tmp_path, base=session)
    for name in ("hand", "asked", "confidence", "predicted"):
        np.testing.assert_array_equal(getattr(back, name), getattr(s, name))
    assert back.history == s.history
    assert back.reps is session.reps


def test_loading_the_files_of_0_1_0(session, tmp_path):
    for name in ("digits-labels.json", "digits-labels.npz"):
        shutil.copy(V010_DATA / name, tmp_path / name)
    saved = read_saved(tmp_path)
    assert saved.version == 1 and saved.percentile == 30 and saved.mode == "representatives"
    back = LabellingSession.load(tmp_path, base=session)
    assert back.rep_labels()[:5].tolist() == [4, 8, 0, 6, 1]
    assert back.n_hand() == 5 and back.n_labelled() == 5
    opened = open_session(tmp_path, base=session)
    assert opened.migrated_from == 1 and opened.message is None
    # saving writes version 2, after copying 0.1.0's files aside
    back.with_label(int(session.reps.indices[5]), 2).save(tmp_path)
    assert json.loads((tmp_path / "digits-labels.json").read_text())["version"] == 2
    old_json, old_npz = save_paths(tmp_path, "digits-labels-0.1.0")
    assert old_json.read_bytes() == (V010_DATA / "digits-labels.json").read_bytes()
    assert old_npz.read_bytes() == (V010_DATA / "digits-labels.npz").read_bytes()
    assert LabellingSession.load(tmp_path, base=session).n_hand() == 6


def damage(folder: Path, how: str) -> None:
    j, z = save_paths(folder)
    meta = {"format": "clusterlab-digits-labels", "version": 2, "n_train": 3}
    save_json(j, meta)
    save_arrays(z, hand=np.array([1, 2, 3]))
    if how == "json":
        j.write_text("{ this is not json", encoding="utf-8")
    elif how == "npz":
        z.write_bytes(b"PK\x03\x04 broken")
    elif how == "pickle":
        np.savez(z, hand=np.array([object(), 1], dtype=object))
    elif how == "range":
        save_arrays(z, hand=np.array([1, 42, 3]))
    elif how == "format":
        save_json(j, {**meta, "format": "something else"})
    elif how == "version":
        save_json(j, {**meta, "version": 7})
    elif how == "pair":
        save_json(j, {**meta, "n_train": 4})
    elif how == "asked":
        save_arrays(z, hand=np.array([1, 2, 3]), asked=np.array([5]))
    elif how == "missing":
        z.unlink()


@pytest.mark.parametrize("how, match", [
    ("json", "not valid JSON"), ("npz", "not a readable"), ("pickle", "not a readable"),
    ("range", "outside 0–9"), ("format", "not a ClusterLab labels file"),
    ("version", "unknown version 7"), ("pair", "do not belong together"),
    ("asked", "do not exist"), ("missing", "'digits-labels.npz' is missing"),
])
def test_damaged_files_give_a_sentence(tmp_path, how, match):
    damage(tmp_path, how)
    with pytest.raises(DataError, match=match):
        read_saved(tmp_path)


def test_labels_for_other_digits_are_refused(session, tmp_path):
    damage(tmp_path, "none")
    with pytest.raises(DataError, match="for 3 training digits, not 1347"):
        LabellingSession.load(tmp_path, base=session)


def test_opening_damaged_files_sets_them_aside(session, tmp_path):
    damage(tmp_path, "json")
    opened = open_session(tmp_path, base=session)
    assert "could not be read" in opened.message
    assert opened.session.n_hand() == 0
    assert len(list(tmp_path.glob("digits-labels.*.unreadable-*"))) == 2
    assert open_session(tmp_path, base=session).message is None  # nothing left to read


# --------------------------------------------------------------------------- every kind of damage
# The page opens, the files are moved aside with a date, and the message says where.

def _damage_kind(folder: Path, kind: str) -> None:
    damage(folder, "none")
    j, z = save_paths(folder)
    if kind == "truncated":
        z.write_bytes(z.read_bytes()[:40])
    elif kind == "wrong shape":
        save_arrays(z, hand=np.zeros((3, 2), np.int64))
    elif kind == "wrong type":
        save_arrays(z, hand=np.array([0.5, 1.5, 2.5]))
    elif kind == "wrong JSON type":
        j.write_text("[1, 2, 3]", encoding="utf-8")
    elif kind == "huge nesting":
        j.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif kind == "pickle inside":
        np.savez(z, hand=np.array([object(), 1], dtype=object))
    elif kind == "empty json":
        j.write_bytes(b"")
    elif kind == "empty npz":
        z.write_bytes(b"")
    elif kind == "directory for a file":
        z.unlink()
        z.mkdir()
        (z / "inside.txt").write_text("x")


KINDS = ["truncated", "wrong shape", "wrong type", "wrong JSON type", "huge nesting",
         "pickle inside", "empty json", "empty npz", "directory for a file"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_damage_is_set_aside_and_the_page_opens(session, tmp_path, kind):
    _damage_kind(tmp_path, kind)
    with pytest.raises(DataError):
        read_saved(tmp_path)
    opened = open_session(tmp_path, base=session)
    assert opened.session.n_hand() == 0
    assert "could not be read" in opened.message and str(tmp_path) in opened.message
    aside = sorted(p.name for p in tmp_path.glob("digits-labels.*.unreadable-*"))
    assert len(aside) == 2 and all(name in opened.message for name in aside)
    assert open_session(tmp_path, base=session).message is None
    opened.session.with_label(0, 3).save(tmp_path)  # and saving works again
    assert LabellingSession.load(tmp_path, base=session).n_hand() == 1


def test_a_file_where_the_labels_folder_should_be(session, tmp_path):
    folder = tmp_path / "labels"
    folder.write_text("not a folder")
    opened = open_session(folder, base=session)
    assert opened.session.n_hand() == 0
    assert "was a file" in opened.message and str(tmp_path) in opened.message
    assert not folder.exists() and len(list(tmp_path.glob("labels.unreadable-*"))) == 1
    opened.session.with_label(0, 3).save(folder)
    assert LabellingSession.load(folder, base=session).n_hand() == 1


def test_labels_for_other_digits_are_backed_up_before_they_are_replaced(session, tmp_path):
    damage(tmp_path, "none")  # labels for 3 digits
    j, z = save_paths(tmp_path)
    before = z.read_bytes(), j.read_bytes()
    opened = open_session(tmp_path, base=session)
    assert "3 training digits" in opened.message
    opened.session.with_label(0, 3).save(tmp_path)
    assert LabellingSession.load(tmp_path, base=session).n_hand() == 1
    copies = {p.name.split(".replaced-")[0]: p for p in tmp_path.glob("*.replaced-*")}
    assert copies[z.name].read_bytes() == before[0]
    assert copies[j.name].read_bytes() == before[1]
    # saving over the session's own labels makes no copy
    opened.session.with_label(1, 4).save(tmp_path)
    assert len(list(tmp_path.glob("*.replaced-*"))) == 2
