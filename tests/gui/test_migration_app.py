"""A ClusterLab 0.1.0 user starts the new version: the window opens where they left it, every
page opens on what they had, and their files are all still there."""

from __future__ import annotations

import hashlib

from gui.pages import page_names


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_010_user_opens_every_page_and_loses_nothing(v010_user, qtbot):
    from gui.app import MainWindow, create_app

    ini, data = v010_user
    before = _digest(data)
    create_app()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1320, 820)
    window.show()
    try:
        assert window.current_page().name == "dbscan"  # 0.1.0's window/last_page
        errors = []
        window.ctx.message_requested.connect(
            lambda text, level, actions: errors.append(text) if level == "error" else None)
        for name in page_names():
            page = window.show_page(name)
            page.ensure_started()
            if not page.has_result:
                with qtbot.waitSignal(page.result_drawn, timeout=120_000):
                    pass
        qtbot.waitUntil(lambda: not window.tasks.busy, timeout=120_000)
        assert errors == []
        assert not window.message_bar.isVisible() or window.message_bar.level != "error", \
            window.message_bar.text()
    finally:
        window.close()
    after = _digest(data)
    # Every file 0.1.0 wrote is still there: unchanged, or kept as a copy beside its new form.
    for name, digest in before.items():
        assert name in after and (after[name] == digest or digest in after.values()), name
    # 0.1.0's settings keys are left in place, so going back to 0.1.0 still works.
    text = ini.read_text()
    for key in ("[choose_k]", "k_max=7", "[dbscan]", "[kmeans]", "k=4"):
        assert key in text
    assert "[pages]" in text  # the new, versioned layout beside them
