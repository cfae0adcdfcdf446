"""Private, atomic file writing: the only way the app puts bytes on disk."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
TEMP_SUFFIX = ".tmp"
# The status of a command ended by SIGPIPE (128 + 13): its reader went away, as after
# "secondop-tui export | head". Not an error worth a traceback.
BROKEN_PIPE = 141


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    if (path.stat().st_mode & 0o777) != PRIVATE_DIR:
        os.chmod(path, PRIVATE_DIR)
    return path


def fsync_dir(path: Path) -> None:
    """Flush a folder entry so a rename survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    """A fresh temp name beside ``path`` (same folder, so ``os.replace`` is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write(path: Path, data: bytes, *, keep_previous: Path | None = None) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600.

    The bytes go to a temp file in the same folder, which is flushed and fsynced, then
    renamed over ``path``; the folder is fsynced last. ``path`` is never written in place:
    on any error the old file is untouched and the temp file is removed. With
    ``keep_previous``, the file being replaced stays reachable under that name.
    """
    tmp = temp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if keep_previous is not None and path.exists():
            _link_previous(path, keep_previous)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)


def _link_previous(path: Path, previous: Path) -> None:
    # A hard link keeps the old inode under the second name without copying it, and
    # without a moment where ``path`` does not exist.
    try:
        previous.unlink()
    except FileNotFoundError:
        pass
    try:
        os.link(path, previous)
    except OSError:
        atomic_write(previous, path.read_bytes())


def copy_private(source: Path, target: Path) -> Path:
    """Copy a file to ``target`` with mode 0600, atomically."""
    atomic_write(target, source.read_bytes())
    return target


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temp files left by a writer that was killed mid-save. Call only under the lock."""
    removed = []
    for entry in folder.glob(f".*{TEMP_SUFFIX}"):
        try:
            entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed
