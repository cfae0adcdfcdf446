"""Private, atomic file writing: the only way the app puts bytes on disk."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

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
    # deferred: start-up speed (loaded only on the path that uses it)
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


def atomic_write(path: Path, data: bytes, *, keep_previous: Path | None = None,
                 verify: Callable[[Path], None] | None = None) -> os.stat_result:
    """Write ``data`` to ``path`` atomically, mode 0600.

    The bytes go to a temp file in the same folder, which is flushed and fsynced, then
    renamed over ``path``; the folder is fsynced last. ``path`` is never written in place:
    on any error the old file is untouched and the temp file is removed. With
    ``keep_previous``, the file being replaced stays reachable under that name. With
    ``verify``, the temp file, once on disk, is handed to it before the rename: if it
    raises, ``path`` is left as it was.

    Returns the status of the file written, taken before it was renamed into place: a
    status taken from ``path`` afterwards could already be that of someone else's edit.
    """
    tmp = temp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            written = os.fstat(fd)
        finally:
            os.close(fd)
        if verify is not None:
            verify(tmp)
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
    return written


def read_with_status(path: Path) -> tuple[bytes, os.stat_result]:
    """A file's bytes and its status, both from one opened file: a change made between
    the two can only make the status older than the bytes, never newer."""
    with open(path, "rb") as file:
        status = os.fstat(file.fileno())
        return file.read(), status


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
_TEMP_NAME = re.compile(r"\.(?:workbook[^/]*\.(?:json|age)|(?:kept-note|keys-not-handled)-[^/]*"
                        r"\.txt(?:\.age)?)\.[0-9]+\.[0-9a-f]+" + re.escape(TEMP_SUFFIX))


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


# Writing to a path the user named (an export) ---------------------------------------
class NotAFile(OSError):
    """The path named for an export is something other than a regular file (a folder, a
    device, a socket): nothing was written to it, and it was left exactly as it was."""


# Paths that name a descriptor this process already has open: written through that
# descriptor (its offset and append mode are the shell's), never opened afresh.
_OPEN_DESCRIPTOR = re.compile(r"/dev/(?:std(out|err)|fd/([0-9]+))|/proc/self/fd/([0-9]+)")


def _stream_descriptor(target: Path) -> int | None:
    """For "-", /dev/stdout, /dev/stderr or /dev/fd/N: that descriptor's number."""
    if str(target) == "-":
        return 1
    named = _OPEN_DESCRIPTOR.fullmatch(str(target))
    if named is None:
        return None
    std, fd, proc_fd = named.groups()
    if std is not None:
        return 1 if std == "out" else 2
    return int(fd if fd is not None else proc_fd)


def _is_null_device(st: os.stat_result) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and st.st_rdev == null.st_rdev


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "it is a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "it is a socket, not a file"
    return "it is not a regular file"


def _open_stream(target: Path, *, streams: bool) -> int | None:
    """A descriptor to write ``target`` as a stream, when it is one; None for a regular
    file or a new name. Raises :class:`NotAFile` for what is neither.

    A stream is standard output ("-"), an open descriptor (/dev/stdout, /dev/fd/N), a
    pipe (FIFO), a terminal or /dev/null: written to as it is, never created, truncated,
    made private or removed. Without ``streams`` (the app's own dialogs, which draw on
    the terminal) each of them is refused too.
    """
    fd = _stream_descriptor(target)
    if fd is not None:
        if not streams:
            raise NotAFile(21, "it is an open stream, not a file", str(target))
        return os.dup(fd)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None  # a new file (or a link to one): written beside, then renamed
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if streams and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        if stat.S_ISFIFO(os.fstat(fd).st_mode) or os.isatty(fd) or _is_null_device(st):
            return fd
        os.close(fd)  # /dev/full, /dev/mem...: not something an export goes to
    reason = "it is a pipe, not a file" if stat.S_ISFIFO(mode) else _kind(mode)
    raise NotAFile(21 if stat.S_ISDIR(mode) else 22, reason, str(target))


def not_a_file_reason(target: Path) -> str | None:
    """Why ``target`` cannot be written as a file ("it is a folder"...), or None."""
    try:
        st = os.stat(target)
    except OSError:
        return None
    return None if stat.S_ISREG(st.st_mode) else (
        "it is a pipe, not a file" if stat.S_ISFIFO(st.st_mode) else _kind(st.st_mode))


@contextmanager
def private_output(target: Path, *, force: bool = False,
                   streams: bool = False) -> Iterator[TextIO]:
    """``target`` opened for writing UTF-8 text, as a new private file (mode 0600).

    Everything goes to a temp file beside ``target`` (the real file's folder, when it
    is a symbolic link), which is flushed to disk and only then renamed over it; the
    folder is flushed last. If writing fails (a full disk, a file size limit) the temp
    file is removed and ``target`` is exactly as it was. An existing file is replaced
    only with ``force`` (``FileExistsError`` otherwise, checked again at the rename).

    Nothing but a regular file is ever replaced: with ``streams`` a pipe, a terminal,
    /dev/null, "-" or /dev/stdout is written to as it is (see :func:`_open_stream`);
    anything else raises :class:`NotAFile` before a byte is written.
    """
    fd = _open_stream(target, streams=streams)
    if fd is not None:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
        return
    exists = os.path.lexists(target)
    if exists and not force:
        raise FileExistsError(17, "File exists", str(target))
    final = Path(os.path.realpath(target))  # a link stays a link to the new file
    if exists and final.exists() and not final.is_file():  # changed since it was looked at
        raise NotAFile(22, not_a_file_reason(final) or "it is not a regular file", str(target))
    tmp = temp_path_for(final)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 PRIVATE_FILE)
    try:
        out = os.fdopen(fd, "w", encoding="utf-8")
        try:
            yield out
            out.flush()
            os.fsync(out.fileno())
        finally:
            out.close()
        _put_in_place(tmp, final, replace=exists)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    try:
        fsync_dir(final.parent)
    except OSError:  # some file systems cannot flush a folder; the file is whole in place
        pass


def _put_in_place(tmp: Path, final: Path, *, replace: bool) -> None:
    if replace:
        if final.exists() and not final.is_file():
            raise NotAFile(22, not_a_file_reason(final) or "it is not a regular file",
                           str(final))
        os.replace(tmp, final)
        return
    # A new name: a hard link fails if a file of that name appeared meanwhile, where a
    # rename would silently replace it.
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise FileExistsError(17, "File exists", str(final)) from None
    except OSError:  # a file system without hard links
        if os.path.lexists(final):
            raise FileExistsError(17, "File exists", str(final)) from None
        os.replace(tmp, final)
        return
    tmp.unlink()


def is_stream(target: Path) -> bool:
    """Whether an export to ``target`` is written as a stream (see :func:`_open_stream`),
    not as a file; a guess for the messages only, made before it is opened."""
    if _stream_descriptor(target) is not None:
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)

