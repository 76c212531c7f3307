"""The Digits: labelling page's side panel: labelling, results, active learning and the demo
shortcuts. Its controls are made with :class:`Form` (bound to the page's settings); its texts
render the page's state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from gui.numbers import count
from gui.pages.base import Form, hbox, info_label, panel, side_panel
from gui.pages.digits_labelling.state import N_CLUSTERS, LabellingState
from gui.widgets.wrapping_label import reserve_lines


def button(text: str, tip: str) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    return b


class SidePanel:
    """The controls on the left of the page (``widget`` is the scroll area holding them)."""

    def __init__(self, binder):
        # labelling
        label_box, form = panel("Label the representatives")
        self.counter = QLabel("0 of 50 labelled")
        self.counter.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.counter.setToolTip("How many of the 50 representative digits have your label")
        form.addRow(self.counter)
        # its line is always there (empty at first): Retrain, below, does not move
        self.total_label = reserve_lines(info_label(""), 2)
        form.addRow(self.total_label)
        form.addRow(info_label(
            "Click a digit (or use the arrow keys) and type 0–9, or click a digit in the "
            "palette. Backspace removes a label."))
        self.undo_button = button("Undo", "Undo the last labelling (Ctrl+Z)")
        self.redo_button = button("Redo", "Redo what you undid (Ctrl+Shift+Z)")
        form.addRow(hbox(self.undo_button, self.redo_button))
        self.clear_button = button("Clear these labels", "Remove the labels of the digits "
                                   "shown in the gallery (undoable)")
        form.addRow(self.clear_button)

        # demo shortcuts
        demo_box, demo_layout = panel("Demo shortcuts")
        demo = Form(demo_layout, binder)
        self.fill_truth_button = button(
            "Fill from ground truth", "DEMO SHORTCUT: label the digits shown with their true "
            "labels (y_train) instead of typing them. Undoable.")
        demo_layout.addRow(self.fill_truth_button)
        self.fill_chapter_button = button(
            "Fill with the chapter's labels", "DEMO SHORTCUT: the 50 labels the chapter's "
            "author typed (one differs from the truth); they give exactly the chapter's "
            "printed accuracies. Undoable.")
        demo_layout.addRow(self.fill_chapter_button)
        self.truth_check = demo.check(
            "check_truth", "Check my labels against the truth",
            tip="Mark the digits whose label differs from the true label (red frame, with the "
                "truth below)")
        self.export_button = button("Export labels…", "Save every labelled training digit as "
                                    "CSV: index, label, source (hand or propagated)")
        demo_layout.addRow(self.export_button)
        # last in the panel: its list of mistakes grows and shrinks with nothing below it
        self.mistakes_label = info_label("")
        self.mistakes_label.setTextFormat(Qt.TextFormat.RichText)
        self.mistakes_label.setWordWrap(False)
        self.mistakes_label.setStyleSheet("color: #b3261e;")
        demo_layout.addRow(self.mistakes_label)

        # results
        results_box, results_layout = panel("Results")
        self.results_label = info_label("Label all 50 representatives to see the results.")
        self.results_label.setTextFormat(Qt.TextFormat.RichText)
        self.results_label.setWordWrap(False)
        self.results_label.setToolTip(
            "Test accuracy of LogisticRegression(max_iter=10_000, random_state=42) trained on "
            "each set. With the chapter's typed labels (Demo shortcuts) these are the "
            "chapter's printed numbers: 0.8267, 0.9289, 0.9378, 0.9422 (at 25) and 99.4 %.")
        results_layout.addRow(self.results_label)
        self.percentile_value = QLabel("keep the 25 % closest")
        results_layout.addRow("Partial:", self.percentile_value)
        self.percentile_slider = Form(results_layout, binder).slider(
            "percentile", None, 1, 100,
            tip="Partial propagation keeps, in each cluster, the instances whose distance to "
                "the centroid is at most this percentile of the cluster's distances (the "
                "chapter: 25)")

        # active learning
        al_box, al_layout = panel("Active learning")
        al = Form(al_layout, binder)
        self.n_ask_spin = al.spin("n_ask", "Ask about:", 1, 50,
                                  tip="How many digits the model asks you about each round")
        self.distinct_check = al.check(
            "one_per_cluster", "One per cluster",
            tip="Pick the uncertain digits in distinct clusters when possible (the chapter's "
                "advice)")
        self.ask_button = button("Ask me", "Train on your hand labels and show the digits the "
                                 "model is least sure about, for you to label")
        self.retrain_button = button("Retrain", "Train again on all your hand labels and add "
                                     "the accuracy to the curve")
        al_layout.addRow(hbox(self.ask_button, self.retrain_button))
        self.al_label = info_label("Label the 50 representatives first.")
        reserve_lines(self.al_label, 4)  # "Reset the curve" stays put whatever it says
        al_layout.addRow(self.al_label)
        self.reset_curve_button = button("Reset the curve",
                                         "Forget the recorded rounds (your labels stay)")
        al_layout.addRow(self.reset_curve_button)

        self.widget: QWidget = side_panel(label_box, results_box, al_box, demo_box)

    # -- drawing ---------------------------------------------------------------------------------
    def render(self, state: LabellingState) -> None:
        ready, complete = state.ready, state.all_labelled()
        for w in (self.fill_truth_button, self.fill_chapter_button, self.clear_button,
                  self.truth_check, self.export_button, self.percentile_slider):
            w.setEnabled(ready)
        self.ask_button.setEnabled(complete)
        self.retrain_button.setEnabled(complete)
        self.percentile_value.setText(f"keep the {state.percentile} % closest")
        if not ready:
            return
        s = state.session
        self.reset_curve_button.setEnabled(bool(s.history))
        n = s.n_labelled()
        self.counter.setText(f"{n} of {N_CLUSTERS} labelled")
        total = s.n_hand()
        self.total_label.setText(
            f"{total} hand labels in all ({total - n} from active learning)." if total > n
            else "")
        self._render_mistakes(state)
        self._render_results(state)
        text = al_text(state)
        if text is not None:
            self.al_label.setText(text)

    def _render_mistakes(self, state: LabellingState) -> None:
        s = state.session
        if not state.check_truth:
            self.mistakes_label.setText("")
            return
        wrong = s.mistakes()
        n = s.n_hand()
        if not n:
            self.mistakes_label.setText("No labels to check yet.")
        elif not wrong.size:
            self.mistakes_label.setStyleSheet("color: #1b5e20;")
            self.mistakes_label.setText(f"All {n} of your labels are right.")
        else:
            self.mistakes_label.setStyleSheet("color: #b3261e;")
            rep_pos = {int(j): i for i, j in enumerate(s.reps.indices)}
            items = []
            for j in wrong[:8]:
                where = (f"representative {rep_pos[int(j)] + 1}" if int(j) in rep_pos
                         else f"digit {int(j)}")
                items.append(f"{where}: you {s.hand[j]}, truth {s.split.y_train[j]}")
            more = "<br>…" if wrong.size > 8 else ""
            self.mistakes_label.setText(
                f"{wrong.size} of your {n} labels differ<br>from the truth:<br>"
                + "<br>".join(items) + more)

    def _render_results(self, state: LabellingState) -> None:
        s = state.session
        res = state.current_results()

        def cell(name: str) -> str:
            return "—" if res is None else f"<b>{getattr(res, name):.4f}</b>"

        n_part = f"{res.n_partial} closest" if res is not None else "closest only"
        if res is not None:
            footer = ("Propagated labels that are right:<br>"
                      f"<b>{res.propagated_correct:.1%}</b> of all, "
                      f"<b>{res.partial_correct:.1%}</b> of the partial.")
        elif s.n_labelled() < N_CLUSTERS:
            footer = (f"Label all 50 representatives to see<br>the results "
                      f"({N_CLUSTERS - s.n_labelled()} to go).")
        else:
            footer = "<i>Training the classifiers…</i><br>&nbsp;"
        self.results_label.setText(
            "<table cellspacing=2>"
            f"<tr><td>50 random labelled digits</td><td><b>{s.random:.4f}</b></td></tr>"
            f"<tr><td>50 labelled representatives</td><td>{cell('representatives')}</td></tr>"
            f"<tr><td>propagated to all {count(s.n_train)}</td><td>{cell('propagated')}</td></tr>"
            f"<tr><td>partial: {n_part}</td><td>{cell('partial')}</td></tr>"
            f"<tr><td>all true labels (reference)</td><td>{s.full:.4f}</td></tr>"
            "</table>" + footer)


def al_text(state: LabellingState) -> str | None:
    """The active-learning hint (None: keep what is shown)."""
    s = state.session
    if not s.all_labelled():
        return "Label all 50 representatives first."
    if state.note is not None:
        return state.note
    if state.shown_view() == "asked":
        todo = int((s.hand[s.asked] < 0).sum())
        return (f"{todo} of the {s.asked.size} asked digits still to label." if todo
                else "All asked digits are labelled: press Retrain, then Ask me again.")
    if not s.history:
        return "Press Ask me: the model shows the digits it is least sure about."
    return None
