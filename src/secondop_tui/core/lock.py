"""The single-instance lock: one writer per workbook, and no stale lock after a crash.

The lock is an OS file lock (``flock``) on ``workbook.lock``: the kernel drops it when the
holder dies, even by SIGKILL, so a dead holder never blocks the next start. The holder
writes its pid, host and start time into the locked file so a second copy can say who
has it. (``fcntl`` is used directly rather than a locking library: it costs nothing to
import, which matters for start-up, and the app relies on POSIX signals anyway.)
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from secondop_tui.core.errors import LockHolder, WorkbookLocked
from secondop_tui.core.files import PRIVATE_FILE


def read_holder(lock_path: Path) -> LockHolder | None:
    """Who the lock file says holds the lock (it may be stale if nobody holds it)."""
    try:
        record = json.loads(lock_path.read_text("utf-8"))
        return LockHolder(int(record.get("pid") or 0) or None, str(record.get("host", "")),
                          str(record.get("since", "")))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


class WorkbookLock:
    """Hold the workbook for this process, or raise :class:`WorkbookLocked`."""

    def __init__(self, lock_path: Path) -> None:
        self.path = lock_path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def _try_lock(self) -> int | None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return fd

    def acquire(self, since: str) -> None:
        fd = self._try_lock()
        if fd is None:
            raise WorkbookLocked(self.path, read_holder(self.path))
        record = {"pid": os.getpid(), "host": os.uname().nodename, "since": since}
        try:
            # Written only once the lock is ours: a loser never truncates the holder's record.
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
            if (os.fstat(fd).st_mode & 0o777) != PRIVATE_FILE:
                os.fchmod(fd, PRIVATE_FILE)
        except BaseException:
            os.close(fd)  # a full disk must not leave the lock held by nobody's record
            raise
        self._fd = fd

    def release(self) -> None:
        """Release the lock. The file stays (removing it would race a new holder)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            os.close(fd)  # closing the descriptor drops the flock

    def is_free(self) -> bool:
        """True when nobody holds the lock (checked by trying it)."""
        if not self.path.exists():
            return True
        fd = self._try_lock()
        if fd is None:
            return False
        os.close(fd)
        return True
