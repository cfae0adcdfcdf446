"""The single-instance lock: one writer per workbook, and no stale lock after a crash.

The lock is an OS file lock (flock through filelock): the kernel drops it when the holder
dies, even by SIGKILL, so a dead holder never blocks the next start. The holder writes its
pid, host and start time into the lock file so a second copy can say who has it.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from filelock import FileLock, Timeout

from secondop_tui.core.errors import LockHolder, WorkbookLocked
from secondop_tui.core.files import PRIVATE_FILE


def _holder_record(since: str) -> bytes:
    record = {"pid": os.getpid(), "host": socket.gethostname(), "since": since}
    return json.dumps(record).encode("utf-8")


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
        self._lock: FileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None and self._lock.is_locked

    def acquire(self, since: str) -> None:
        record = _holder_record(since)

        def write_holder(fd: int) -> None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, record, 0)

        lock = FileLock(
            str(self.path), timeout=0, mode=PRIVATE_FILE, thread_local=False,
            on_acquired=write_holder,
        )
        try:
            lock.acquire()
        except Timeout:
            raise WorkbookLocked(self.path, read_holder(self.path)) from None
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release(force=True)
            self._lock = None

    def is_free(self) -> bool:
        """True when nobody holds the lock (checked by trying it)."""
        probe = FileLock(str(self.path), timeout=0, mode=PRIVATE_FILE, thread_local=False)
        try:
            probe.acquire()
        except Timeout:
            return False
        probe.release(force=True)
        return True
