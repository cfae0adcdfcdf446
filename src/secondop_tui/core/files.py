"""Private, atomic file writing: the only way the app puts bytes on disk."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
TEMP_SUFFIX = ".tmp"
# The status of a command ended by SIGPIPE (128 + 13): its reader went away, as after
# "secondop-tui export | head". Not an error worth a traceback.
BROKEN_PIPE = 141


def ensure_private_dir(path: Path) -> Path:
    """Create one of the app's own folders inside the data folder (``backups``) if needed,
    and make it readable by its owner only. Never for the data folder itself: see
    :func:`make_data_dir`."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    if (path.stat().st_mode & 0o777) != PRIVATE_DIR:
        os.chmod(path, PRIVATE_DIR)
    return path


def make_data_dir(path: Path) -> bool:
    """Create the data folder if it does not exist; True when this call created it.

    Only what is created here (the folder and any missing parents) is made private
    (0700). A folder that already exists keeps its mode: it may be shared on purpose (a
    1777 folder and its sticky bit) or be the user's home. :func:`folder_exposure` says
    whether others can look into it.
    """
    missing = []
    folder = path
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created = False
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made meanwhile by someone else: theirs, left alone
            continue
        if stat.S_IMODE(folder.stat().st_mode) != PRIVATE_DIR:  # the umask took some away
            os.chmod(folder, PRIVATE_DIR)
        created = folder == path
    if not path.is_dir():
        raise NotADirectoryError(20, "it is not a folder", str(path))
    return created


def folder_exposure(path: Path) -> str | None:
    """Why others than its owner can look into (or change) the folder ``path``, in words,
    with what to do about it; None when they cannot, or it does not exist."""
    try:
        st = path.stat()
    except OSError:
        return None
    mode = stat.S_IMODE(st.st_mode)
    readable, writable = mode & 0o044, mode & 0o022
    if not (readable or writable):
        return None
    what = " and ".join(word for word, bit in (("read", readable), ("changed", writable))
                        if bit)
    if st.st_mode & stat.S_ISVTX or st.st_uid != os.geteuid():
        return (f"the data folder {path} is shared (mode {mode:o}): others can see the "
                "names of the files in it, though not read them; use a folder of your own "
                "(--data-dir)")
    import shlex

    return f"the data folder {path} can be {what} by others: chmod 700 {shlex.quote(str(path))}"


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


# What temp_path_for makes for the workbook's files, and nothing else: the data folder
# may be one the user also keeps other things in (their home), whose own ".something.tmp"
# files are theirs.
_TEMP_NAME = re.compile(r"\.workbook[^/]*\.json\.[0-9]+\.[0-9a-f]+" + re.escape(TEMP_SUFFIX))


def stale_temp_files(folder: Path) -> list[Path]:
    """Temp files left in ``folder`` by a writer that was killed mid-save."""
    return [entry for entry in folder.glob(f".*{TEMP_SUFFIX}")
            if _TEMP_NAME.fullmatch(entry.name)]


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove temp files left by a writer that was killed mid-save. Call only under the lock."""
    removed = []
    for entry in stale_temp_files(folder):
        try:
            entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed

