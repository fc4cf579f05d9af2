"""Confined reads: a file's real path is os.path.realpath's, and a symlink resolving outside the folder is refused."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from auditor.facts import AccessNote
from auditor.sources.common import MAX_CARD_BYTES
from auditor.sources.local import _card_bytes
from auditor.sources.safefs import Confined, FileRefused, open_regular

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks are POSIX here")


def test_located_paths_are_real_paths_and_never_leave_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("secret")
    real_model = tmp_path / "real" / "model"
    (real_model / "sub").mkdir(parents=True)
    (real_model / "README.md").write_text("# card")
    (real_model / "sub" / "LICENSE").write_text("MIT")
    (real_model / "alias.md").symlink_to("README.md")
    (real_model / "deep.md").symlink_to(real_model / "sub" / "LICENSE")
    (real_model / "dangling.md").symlink_to("missing.md")
    (real_model / "out.md").symlink_to(outside)
    (tmp_path / "model").symlink_to(real_model)  # the folder itself reached through a symlink
    folder = Confined.at(tmp_path / "model")
    assert folder.folder == Path(os.path.realpath(real_model))
    names = ["README.md", "alias.md", "deep.md", "dangling.md", "missing.md", "sub/LICENSE", "sub/../README.md", "."]
    for name in names:
        assert folder.locate(name) == Path(os.path.realpath(real_model / name)), name
    assert folder.read("alias.md", 100) == b"# card"
    for name in ["out.md", "../outside.md", "..", str(outside)]:
        with pytest.raises(FileRefused, match="symlink leaving the folder"):
            folder.locate(name)


def test_a_card_is_read_whole_up_to_its_cap_whatever_size_the_file_reports(tmp_path: Path) -> None:
    """A file's size only sizes the first read: /proc files say 0 bytes, and a card past the cap is cut there."""
    notes: list[AccessNote] = []
    status = Path("/proc/self/status")
    if status.is_file():
        with open_regular(status) as handle:
            assert os.fstat(handle.fileno()).st_size == 0
            assert b"Pid:" in _card_bytes(handle, "status", notes)
    card = tmp_path / "README.md"
    card.write_bytes(b"x" * (MAX_CARD_BYTES + 10))
    with open_regular(card) as handle:
        assert _card_bytes(handle, "README.md", notes) == b"x" * MAX_CARD_BYTES
    (note,) = notes
    assert note.message == f"README.md: larger than {MAX_CARD_BYTES:,} bytes; only the start was read"
