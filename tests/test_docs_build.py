"""The documentation build leaves tracked files alone: its pictures go to an ignored folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_drawing_the_pictures_leaves_git_status_unchanged() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import make_images
    finally:
        sys.path.remove(str(DOCS))
    before = git("status", "--porcelain", "--untracked-files=all")
    make_images.main()
    assert git("status", "--porcelain", "--untracked-files=all") == before
    assert make_images.IMAGES.is_relative_to(DOCS / "_generated")
    assert git("check-ignore", str(make_images.IMAGES / "moons_mlp.svg")).strip()
    assert (make_images.IMAGES / "moons_mlp.svg").read_bytes().lstrip().startswith(b"<?xml")
