"""Writing a file atomically: the new content appears whole under its name, or not at all.

The data goes to a temporary file next to the target, named ``.<name>.<pid>.<random>.mgtmp``, is
flushed to disk, and then renamed over the target. A symbolic link is written through (the link
stays, the file it points to is replaced); an existing file keeps its permission bits. A save
that fails removes its temporary file; one that is killed cannot, so each save first removes the
temporaries of earlier saves of the same file whose process is gone (or that nothing has written
to for `STALE_AFTER` seconds: those of another machine, or of a process whose id was reused).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import PathLike

#: Seconds without a write after which a temporary file counts as abandoned whatever its pid.
STALE_AFTER = 600.0
_SUFFIX_BYTES = len(".4294967295.0123456789abcdef.mgtmp")
_TEMPORARY = re.compile(r"\.(?P<name>.*)\.(?P<pid>[0-9]+)\.[0-9a-f]{16}\.mgtmp", re.DOTALL)


@contextlib.contextmanager
def atomic_file(path: PathLike) -> Iterator[BinaryIO]:
    """Yield a new temporary file, open for writing, that replaces ``path`` after the block.

    What is written to it becomes the content of ``path`` when the block ends without an
    exception; if it raises, the temporary file is removed and ``path`` is as it was.
    """
    target = Path(os.path.realpath(path))
    remove_stale_temporaries(target)
    mode = _permission_bits(target)
    tmp = target.with_name(f".{_short_name(target)}.{os.getpid()}.{secrets.token_hex(8)}.mgtmp")
    # Private until its permission bits are set; a new file gets the umask's, as open() gives.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files that killed saves of ``target`` left behind."""
    mine = _short_name(target)
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            found = _TEMPORARY.fullmatch(entry.name)
            if found is None or found["name"] != mine:
                continue
            with contextlib.suppress(OSError):
                idle = time.time() - entry.stat(follow_symlinks=False).st_mtime
                if idle > STALE_AFTER or not _process_exists(int(found["pid"])):
                    os.unlink(entry.path)


def _short_name(target: Path) -> str:
    """The target's name, cut so that its temporary file's name fits the file system's limit."""
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    name = target.name
    while len(os.fsencode(name)) > limit - 1 - _SUFFIX_BYTES:
        name = name[:-1]
    return name


def _process_exists(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill there would end the process; leave it to the idle time
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but belongs to someone else
    return True


def _permission_bits(target: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return None


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the system allows syncing a folder."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
