"""Uploaded import files waiting for the secretariat's confirmation.

An import file holds people's contact details. While it waits it is kept only encrypted (the
field encryption key, Fernet), written straight from memory to a file of mode 0600 in a 0700
folder, and named after its kind and the admin who uploaded it. It goes away when that admin
confirms or cancels, and an hour after the upload at most: `sweep` runs on every visit of the
import pages and when the app starts. Confirming claims the file by renaming it, which only one
of several confirmations at once can do, so a preview is imported once.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from pathlib import Path

from cryptography.fernet import InvalidToken

from .. import crypto

logger = logging.getLogger(__name__)

MAX_AGE = 3600  # seconds a preview may wait for its confirmation
KINDS = ("people", "orgs")
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_NAMES = re.compile(r"^[0-9a-f]{32}\.(?:people|orgs)\.[0-9]+(?:\.claimed-[0-9a-f]{16})?$")


def folder(instance_path: str | Path) -> Path:
    """The staging folder, made private (0700) if it is not yet."""
    path = Path(instance_path) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # a folder made by an earlier version or under a loose umask
    return path


def _path(instance_path: str | Path, token: str, kind: str, owner_id: int) -> Path | None:
    if not _TOKEN.match(token) or kind not in KINDS:
        return None
    return folder(instance_path) / f"{token}.{kind}.{int(owner_id)}"


def stage(instance_path: str | Path, data: bytes, kind: str, owner_id: int) -> str:
    """Keep an uploaded file, encrypted, for its uploader's confirmation; returns its token."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    token = secrets.token_hex(16)
    path = folder(instance_path) / f"{token}.{kind}.{int(owner_id)}"
    blob = crypto.keyring().encrypt(data)
    # O_EXCL and the mode at creation: the file is never readable by others, not even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(blob)
    return token


def claim(instance_path: str | Path, token: str, kind: str, owner_id: int) -> bytes | None:
    """The staged file's content for exactly one caller, the file deleted; None when it was
    claimed, cancelled or swept already, has expired, or belongs to someone else."""
    path = _path(instance_path, token, kind, owner_id)
    if path is None:
        return None
    claimed = path.with_name(f"{path.name}.claimed-{secrets.token_hex(8)}")
    try:
        os.rename(path, claimed)  # atomic: of several claims at once, one finds the file
    except FileNotFoundError:
        return None
    try:
        fresh = time.time() - claimed.stat().st_mtime <= MAX_AGE
        blob = claimed.read_bytes() if fresh else b""
    except FileNotFoundError:  # stale, and swept by another worker in between
        return None
    finally:
        claimed.unlink(missing_ok=True)
    if not fresh:
        return None
    try:
        return crypto.keyring().decrypt(blob, ttl=MAX_AGE)
    except InvalidToken:  # written with a key since retired, or older than an hour
        return None


def discard(instance_path: str | Path, token: str, kind: str, owner_id: int) -> bool:
    """Delete a staged file (a cancelled preview); False when it was already gone."""
    path = _path(instance_path, token, kind, owner_id)
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def sweep(instance_path: str | Path, now: float | None = None) -> int:
    """Delete staged files older than an hour, and anything else in the folder (such as the
    files in clear an earlier version left there); returns how many were deleted."""
    path = Path(instance_path) / "imports"
    if not path.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for entry in os.scandir(path):
        try:
            if entry.is_dir(follow_symlinks=False):
                continue
            stale = now - entry.stat(follow_symlinks=False).st_mtime > MAX_AGE
            if stale or not _NAMES.match(entry.name):
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:  # claimed, cancelled or swept by another worker meanwhile
            continue
    if removed:
        logger.info("%s staged import files deleted", removed)
    return removed
