"""A TinyDB storage that keeps the data in memory and writes the file atomically.

TinyDB calls ``read`` on every query and ``write`` after every change. Here ``read``
returns the parsed data held in memory (the file is parsed once, at open), and ``write``
takes a cheap snapshot of the new data on the caller's thread, so a later change can
never race the encoder. Encoding and putting the bytes on disk is ``flush``: it may run
on any thread, any number of times, in any order, and always writes the newest data,
never older.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tinydb.storages import Storage

from secondop_tui.core import codec
from secondop_tui.core.errors import SaveFailed
from secondop_tui.core.files import atomic_write

if TYPE_CHECKING:
    from secondop_tui.core.sealing import WorkbookKey


# Every so many saves, every record is encoded afresh (see ``flush``).
FULL_ENCODE_EVERY = 20


def _digest(data: bytes) -> bytes:
    # deferred: start-up speed (loaded only on the path that uses it)
    import hashlib  # only needed once saving starts, after the first frame

    return hashlib.sha256(data).digest()


class DiskSignature(NamedTuple):
    """What the file on disk looked like when the app last read or wrote it."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> "DiskSignature | None":
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return cls.from_status(st)

    @classmethod
    def from_status(cls, st: os.stat_result) -> "DiskSignature":
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


class SaveResult(NamedTuple):
    """The outcome of a flush. ``conflict`` means the file changed behind the app's back;
    ``kept_as`` names the file the app's data went to instead (see ``WorkbookStore.close``)."""

    ok: bool
    message: str = ""
    conflict: bool = False
    wrote: bool = False
    kept_as: Path | None = None


class WorkbookStorage(Storage):
    """In-memory workbook data with atomic, conflict-aware saves."""

    def __init__(
        self,
        path: Path,
        data: dict[str, Any],
        *,
        on_disk: bytes | None,
        read_only: bool = False,
        before_first_write: Callable[[], None] | None = None,
        previous_path: Path | None = None,
        signature: DiskSignature | None = None,
        key: "WorkbookKey | None" = None,
    ) -> None:
        self.path = path
        # With encryption on, the workbook's key: every save is sealed to it (on the
        # saving thread, after encoding). None for a plain workbook.
        self.key = key
        self.read_only = read_only
        self.previous_path = previous_path
        self._data = data
        self._before_first_write = before_first_write
        self._state = threading.Lock()  # guards _pending and _generation
        self._io = threading.Lock()  # one writer at a time
        self._generation = 0
        self._pending: tuple[int, dict[str, Any]] | None = None
        self._encoded = codec.EncodeCache()  # each record's line at the last save
        self._saves = 0
        self._snapshot: dict[str, dict[str, dict[str, Any]]] = {}  # the last one written
        # The status of the file ``on_disk`` was read from, taken no later than the read.
        self._signature = None if on_disk is None else signature or DiskSignature.of(path)
        self._set_known(on_disk)
        self.conflict = False
        self.last_error = ""

    def _set_known(self, content: bytes | None) -> None:
        # What the file held when the app last read or wrote it. It is digested only
        # when needed, so opening a workbook does not pay for hashing it.
        self._known_content = content
        self._digest: bytes | None = None

    def _known_digest(self) -> bytes | None:
        if self._digest is None and self._known_content is not None:
            self._digest = _digest(self._known_content)
            self._known_content = None
        return self._digest

    # TinyDB's interface -------------------------------------------------------------
    def read(self) -> dict[str, Any]:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        # A snapshot, not the encoding: encoding megabytes here would stall typing.
        # TinyDB changes records only at their top level (the app never changes a nested
        # value in place), so a copy of each record's top level keeps a later change
        # from reaching the snapshot while flush encodes it. A record unchanged since the
        # last snapshot reuses its copy: thousands of new dicts at every save would wake
        # the garbage collector, whose full passes stall typing far longer.
        before = self._snapshot
        snapshot = {}
        for name, table in data.items():
            kept = before.get(name) or {}
            copies = {}
            for doc_id, doc in table.items():
                old = kept.get(doc_id)
                copies[doc_id] = old if old is not None and codec.same_fields(old, doc) \
                    else dict(doc)
            snapshot[name] = copies
        self._set_pending(snapshot)

    def _set_pending(self, snapshot: dict[str, dict[str, dict[str, Any]]]) -> None:
        self._snapshot = snapshot
        with self._state:
            self._generation += 1
            self._pending = (self._generation, snapshot)

    def write_record(self, name: str, doc_id: str, doc: dict[str, Any]) -> None:
        """Queue one record, already changed in the data, for the next flush.

        ``write`` looks at every record to find what changed; typing saves one note
        twice a second, so this path copies the last snapshot's two dicts (a C-speed
        copy of references) and puts a copy of the one record in it. The last snapshot
        always mirrors the data: every change goes through ``write`` or here.
        """
        before = self._snapshot
        if name not in before or self._data.get(name, {}).get(doc_id) is not doc:
            self.write(self._data)  # no snapshot yet, or not this record: the slow way
            return
        table = dict(before[name])
        table[doc_id] = dict(doc)
        snapshot = dict(before)
        snapshot[name] = table
        self._set_pending(snapshot)

    def close(self) -> None:
        pass

    # The app's interface ------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._pending is not None

    @property
    def generation(self) -> int:
        """Bumped by every change: equal twice, nothing changed in between."""
        return self._generation

    def replace_data(self, data: dict[str, Any], on_disk: bytes | None,
                     signature: DiskSignature | None = None) -> None:
        """Adopt data read from disk (after a reload), dropping anything pending.
        ``signature`` is the file's status taken no later than ``on_disk`` was read."""
        with self._io, self._state:
            self._data = data
            self._pending = None
            self._snapshot = {}  # it mirrored the old data; the next write starts afresh
            self._signature = signature or DiskSignature.of(self.path)
            self._set_known(on_disk)
            self.conflict = False
            self.last_error = ""

    def adopt(self, data: dict[str, Any]) -> None:
        """Take ``data`` as the workbook's whole new content (a merge's result), queued
        for the next flush like any change."""
        self._data = data
        self.write(data)

    def mark_dirty(self) -> None:
        """Queue the current data for the next flush."""
        self.write(self._data)

    def changed_on_disk(self) -> bool:
        """True when the file is no longer what the app last read or wrote."""
        signature = DiskSignature.of(self.path)
        if signature is None or signature == self._signature:
            return False
        try:
            digest = _digest(self.path.read_bytes())
        except OSError:
            return True
        if digest == self._known_digest():  # touched, but the same content
            self._signature = signature
            return False
        return True

    def flush(self, *, force: bool = False) -> SaveResult:
        """Write the newest pending data. ``force`` overwrites an external change."""
        if self.read_only:
            return SaveResult(ok=True, message="read-only")
        with self._io:
            with self._state:
                pending = self._pending
            if pending is None:
                return SaveResult(ok=True)
            generation, snapshot = pending
            # Encoded here, on the saving thread; only the records changed since the
            # last save, handing the interpreter to the UI thread between records. Now
            # and then everything, so that a nested value changed in place (which the
            # app never does, and the cache cannot see) still reaches the disk.
            self._saves += 1
            if self._saves % FULL_ENCODE_EVERY == 0:
                self._encoded = codec.EncodeCache()
            encoded = codec.encode(snapshot, self._encoded)
            if not force and (self.conflict or self.changed_on_disk()):
                self.conflict = True
                return SaveResult(False, "The workbook file was changed outside the app.",
                                  conflict=True)
            if self.key is not None:
                encoded = self.key.seal(encoded)
            try:
                if self._before_first_write is not None:
                    self._before_first_write()
                    self._before_first_write = None
                written = atomic_write(self.path, encoded, keep_previous=self.previous_path)
            except OSError as error:
                self.last_error = describe_os_error(error)
                return SaveResult(False, self.last_error)
            # The status of what was written, not of the path now: an edit by hand made
            # just after the rename must not be taken for the app's own save.
            self._signature = DiskSignature.from_status(written)
            self._set_known(encoded)
            self.conflict = False
            self.last_error = ""
            with self._state:
                if self._pending is not None and self._pending[0] == generation:
                    self._pending = None
            return SaveResult(ok=True, wrote=True)


    def rewrite(self, write: Callable[[bytes], tuple["WorkbookKey | None", bytes,
                                                      os.stat_result]]) -> "WorkbookKey | None":
        """Put the newest data on disk through ``write`` (turning encryption on or off),
        as one writer, and follow the file it wrote from then on.

        ``write`` gets the data encoded in full, and returns the key saves are sealed to
        from now on (None: plain), the bytes it put on disk and their file's status.
        The newest data is what is pending, or else the data itself: in the app, call
        ``mark_dirty`` on the thread that changes the data before this runs elsewhere.
        Raises :class:`SaveFailed` when the file was changed outside the app (nothing is
        written then), or what ``write`` raises; then nothing is changed here.
        """
        with self._io:
            with self._state:
                pending = self._pending
            snapshot = pending[1] if pending is not None else self._data
            encoded = codec.encode(snapshot)
            if self.conflict or self.changed_on_disk():
                self.conflict = True
                raise SaveFailed("The workbook file was changed outside the app; choose "
                                 "which version to keep first.")
            key, on_disk, written = write(encoded)
            self.key = key
            self._encoded = codec.EncodeCache()
            self._signature = DiskSignature.from_status(written)
            self._set_known(on_disk)
            self.last_error = ""
            with self._state:
                if pending is not None and self._pending is not None \
                        and self._pending[0] == pending[0]:
                    self._pending = None
            return key

    def holding_writes(self):
        """A context in which no save runs (for work beside the workbook's file)."""
        return self._io


def describe_os_error(error: OSError) -> str:
    """A short, plain reason for a failed write."""
    reason = error.strerror or str(error)
    if error.errno is not None:
        # deferred: start-up speed (loaded only on the path that uses it)
        import errno

        friendly = {
            errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is used up",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.EROFS: "the disk is read-only",
            errno.EFBIG: "the file is larger than this system allows",
            errno.EIO: "the disk reported an input/output error",
        }
        reason = friendly.get(error.errno, reason)
    return f"{reason} ({os.strerror(error.errno) if error.errno else type(error).__name__})"
