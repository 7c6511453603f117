"""Files that hold people's data or the app's secrets: readable by the app's user alone.

Modes are set explicitly, not left to the umask (a umask of 022 made the SQLite database and
its WAL readable by every local user): folders 0700, files 0600. Files made by an older
version are tightened at start. A leaf module: config.py uses it before the app exists.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# What SQLite writes beside a database file (it gives them the database file's mode).
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def tighten(path: str | Path, mode: int) -> None:
    """Set `mode` on an existing path when it is looser; a warning when that is not allowed."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
        if current & ~mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        logger.warning("cannot make %s private (%s): %s", path, oct(mode), exc.strerror)


def private_dir(path: str | Path) -> Path:
    """Make a folder (and missing parents, 0700 each) and make sure the folder itself is 0700."""
    folder = Path(path)
    if not folder.is_dir():
        missing = []
        for parent in [folder, *folder.parents]:
            if parent.exists():
                break
            missing.append(parent)
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        for made in missing:
            tighten(made, PRIVATE_DIR)
    tighten(folder, PRIVATE_DIR)
    return folder


def open_private(path: str | Path, mode: str = "wb", *, exclusive: bool = False) -> IO[Any]:
    """Open a file for writing, created or truncated, 0600 from its first byte."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE)  # the umask may have taken bits off (or not)
        return os.fdopen(descriptor, mode)
    except BaseException:
        os.close(descriptor)
        raise


def private_sqlite(database: str | Path) -> None:
    """Create a SQLite database file 0600 before SQLite does (its WAL and shared-memory files
    take its mode), and tighten an existing one and its companions."""
    path = Path(database)
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
        os.close(descriptor)
    for candidate in [path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)]:
        tighten(candidate, PRIVATE_FILE)
