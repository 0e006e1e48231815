"""Saving is atomic: through symbolic links, keeping permission bits, with long names, leaving
no temporary files behind, and never losing the previous checkpoint, even when killed."""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.checkpoint import atomic

SUFFIXES = [".npz", ".safetensors"]


def state(step: int, size: int = 4) -> dict[str, np.ndarray]:
    return {"w": np.full(size, float(step)), "b": np.full(2, float(step))}


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".mgtmp"))


@pytest.fixture(params=SUFFIXES)
def suffix(request: pytest.FixtureRequest) -> str:
    if request.param == ".safetensors":
        pytest.importorskip("safetensors")
    return str(request.param)


def test_saving_through_a_symlink_replaces_its_target(tmp_path: Path, suffix: str) -> None:
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / f"real{suffix}"
    mg.save(state(1), target)
    link = tmp_path / f"latest{suffix}"
    link.symlink_to(Path("runs") / target.name)
    mg.save(state(2), link)
    assert link.is_symlink() and os.readlink(link) == str(Path("runs") / target.name)
    np.testing.assert_array_equal(mg.load(target)["w"], state(2)["w"])
    assert temporaries(tmp_path) == temporaries(tmp_path / "runs") == []


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "latest.npz"
    link.symlink_to(tmp_path / "new.npz")
    mg.save(state(1), link)
    assert link.is_symlink() and (tmp_path / "new.npz").is_file()


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_an_existing_file_keeps_its_permission_bits(tmp_path: Path, suffix: str, mode: int) -> None:
    path = tmp_path / f"c{suffix}"
    mg.save(state(1), path)
    os.chmod(path, mode)
    mg.save(state(2), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    np.testing.assert_array_equal(mg.load(path)["w"], state(2)["w"])


def test_a_new_file_gets_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        mg.save(state(1), tmp_path / "c.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "c.npz").stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "name", ["x" * 251 + ".npz", "é" * 125 + ".npz", "x" * 243 + ".safetensors"]
)
def test_names_up_to_the_file_system_limit_work(tmp_path: Path, name: str) -> None:
    if name.endswith(".safetensors"):
        pytest.importorskip("safetensors")
    assert len(os.fsencode(name)) <= os.pathconf(tmp_path, "PC_NAME_MAX")
    mg.save(state(1), tmp_path / name)
    mg.save(state(2), tmp_path / name)
    np.testing.assert_array_equal(mg.load(tmp_path / name)["w"], state(2)["w"])
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_failed_save_removes_its_temporary(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"c{suffix}"
    mg.save(state(1), path)
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    with pytest.raises(OSError, match=r"disk full"):
        mg.save(state(2), path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert path.read_bytes() == before


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporaries_of_this_file_are_removed_by_the_next_save(tmp_path: Path) -> None:
    dead, alive = a_dead_pid(), os.getppid()
    names = {
        "dead pid": f".c.npz.{dead}.0123456789abcdef.mgtmp",
        "alive, idle for long": f".c.npz.{alive}.1111111111abcdef.mgtmp",
        "alive, recent": f".c.npz.{alive}.2222222222abcdef.mgtmp",
        "another file's": f".d.npz.{dead}.0123456789abcdef.mgtmp",
        "not ours": ".c.npz.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    idle = time.time() - atomic.STALE_AFTER - 60
    os.utime(tmp_path / names["alive, idle for long"], (idle, idle))
    mg.save(state(1), tmp_path / "c.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["c.npz", names["alive, recent"], names["another file's"], names["not ours"]]
    )


def test_temporaries_of_long_names_are_found_again(tmp_path: Path) -> None:
    name = "y" * 251 + ".npz"
    short = atomic._short_name(tmp_path / name)
    assert name.startswith(short) and short != name
    stale = tmp_path / f".{short}.{a_dead_pid()}.0123456789abcdef.mgtmp"
    stale.write_bytes(b"partial")
    mg.save(state(1), tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]


SAVER = """
import sys, numpy as np, microgradnet as mg
path = sys.argv[1]
print("ready", flush=True)
step = 1
while True:
    mg.save({"step": step, "w": np.full(250_000, float(step)), "b": np.full(7, float(step))}, path)
    step += 1
"""


def test_a_save_killed_at_random_moments_never_loses_the_previous_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.npz"
    mg.save({"step": 0, "w": np.zeros(250_000), "b": np.zeros(7)}, path)
    rng = random.Random(0)
    killed_while_saving = 0
    for _ in range(20):
        saver = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert saver.stdout is not None and saver.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.1))
        saver.kill()
        saver.wait()
        saver.stdout.close()
        killed_while_saving += bool(temporaries(tmp_path))
        checkpoint = mg.load(path)
        step = float(checkpoint["step"])
        assert np.all(checkpoint["w"] == step) and np.all(checkpoint["b"] == step)
        assert checkpoint["w"].shape == (250_000,)
        mg.save(checkpoint, path)  # the next save
        assert temporaries(tmp_path) == []
    print(f"{killed_while_saving} of 20 kills landed in the middle of a save")
    assert killed_while_saving > 0  # the kills did land in the middle of saves
