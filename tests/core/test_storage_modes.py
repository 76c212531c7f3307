"""Files ClusterLab writes get the usual permissions (issue 16): 0666 less the umask for a
new file (0644 under 022), the old mode when a file is replaced; CSV like the rest."""

from __future__ import annotations

import os
import stat

import pytest

from core.storage import atomic_write_bytes, current_umask, save_json, write_csv

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def umask():
    def _set(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    os.umask(old)
    yield _set
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_files_follow_the_umask(tmp_path, umask):
    umask(0o022)
    assert current_umask() == 0o022
    atomic_write_bytes(tmp_path / "a.png", b"x")
    write_csv(tmp_path / "b.csv", ["x"], [[1], [2]])
    save_json(tmp_path / "c.json", {"v": 1})
    assert [mode(tmp_path / n) for n in ("a.png", "b.csv", "c.json")] == [0o644] * 3
    umask(0o077)
    write_csv(tmp_path / "private.csv", ["x"], [[1]])
    assert mode(tmp_path / "private.csv") == 0o600
    umask(0o002)
    atomic_write_bytes(tmp_path / "group.svg", b"<svg/>")
    assert mode(tmp_path / "group.svg") == 0o664


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "shared.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    write_csv(target, ["x"], [[1]])
    assert target.read_text() == "x\n1\n"
    assert mode(target) == 0o640
    assert not list(tmp_path.glob(".*.tmp"))
