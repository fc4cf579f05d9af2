"""Confined reads: a file's real path is os.path.realpath's, and a symlink resolving outside the folder is refused."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from auditor.sources.safefs import Confined, FileRefused

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
