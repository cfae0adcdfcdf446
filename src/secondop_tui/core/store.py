"""The workbook store: opening, locking, backups, migrations, saving and reloading.

Everything the app keeps lives in one JSON file (``workbook.json``) in the data folder,
read through TinyDB. See :mod:`secondop_tui.core.storage` for how saving works.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tinydb import TinyDB
from tinydb.table import Table

from secondop_tui.core import backups, clock, codec, encryption, kept_notes, schema, tables
from secondop_tui.core.errors import (
    PassphraseNeeded,
    ReadOnlyWorkbook,
    SaveFailed,
    StoreError,
    WorkbookDamaged,
    WorkbookUnreadable,
)
from secondop_tui.core.files import (
    PRIVATE_FILE,
    atomic_write,
    folder_exposure,
    make_data_dir,
    read_with_status,
    remove_stale_temp_files,
)
from secondop_tui.core.lock import WorkbookLock
from secondop_tui.core.sealing import SealProblem, is_sealed
from secondop_tui.core.storage import DiskSignature, SaveResult, WorkbookStorage

if TYPE_CHECKING:
    from secondop_tui.core.sealing import WorkbookKey

WORKBOOK_NAME = "workbook.json"
PREVIOUS_NAME = backups.PREVIOUS_NAME
LOCK_NAME = "workbook.lock"
UNSAVED_LABEL = "unsaved"  # the app's version, kept at a close during an external change
KEYS_LEFT_PREFIX = "keys-not-handled-"  # typed before a hangup the app could not finish
SETTINGS_TABLE = tables.SETTINGS


class WorkbookPaths(NamedTuple):
    """Where each file of a workbook lives inside its data folder."""

    data_dir: Path

    @property
    def workbook(self) -> Path:
        return self.data_dir / WORKBOOK_NAME

    @property
    def previous(self) -> Path:
        return self.data_dir / PREVIOUS_NAME

    @property
    def lock(self) -> Path:
        return self.data_dir / LOCK_NAME

    def aside(self, label: str) -> Path:
        """A fresh name beside the workbook for a copy kept aside."""
        stamp = clock.file_stamp()
        target = self.data_dir / f"workbook.{label}-{stamp}.json"
        n = 2
        while target.exists():
            target = self.data_dir / f"workbook.{label}-{stamp}-{n}.json"
            n += 1
        return target


class StoreChange(NamedTuple):
    """What one write changed, as announced to the store's subscribers."""

    table: str
    # The fields given new values in one record, when that is all the write did (see
    # WorkbookStore.update_record); None when anything in the table may have changed.
    fields: frozenset[str] | None = None


Subscriber = Callable[[StoreChange], None]


class _WorkbookTable(Table):
    """A table of the store's TinyDB that refuses every change to a read-only workbook,
    and announces every change it made.

    Every change TinyDB makes to a table (insert, update, upsert, remove, truncate) goes
    through ``_update_table``, which changes the data in memory before it hands it to
    the storage; so the check is made here, first, and no write can forget it; and the
    change is announced here, once it is made.
    """

    def __init__(self, ensure_writable: Callable[[], None],
                 announce: Callable[[StoreChange], None], storage: Any, name: str,
                 **kwargs: Any) -> None:
        self._ensure_writable = ensure_writable
        self._announce = announce
        super().__init__(storage, name, **kwargs)

    def _update_table(self, updater: Callable[[dict[int, Any]], None]) -> None:
        self._ensure_writable()
        super()._update_table(updater)
        self._announce(StoreChange(self.name))


class WorkbookStore:
    """One open workbook. Use :meth:`open`; close with :meth:`close`.

    ``autoflush`` writes every change to disk before returning (for the CLI and
    scripts); the app leaves it off and calls :meth:`flush` from a worker thread.
    """

    def __init__(
        self,
        paths: WorkbookPaths,
        storage: WorkbookStorage,
        *,
        lock: WorkbookLock | None,
        autoflush: bool,
        notices: list[str],
    ) -> None:
        self.paths = paths
        self.storage = storage
        self.lock = lock
        self.autoflush = autoflush
        self.notices = notices
        # Called after every change to a table or a setting (see subscribe).
        self._subscribers: list[Subscriber] = []
        self.db = self._new_db()
        self.closed = False

    def _new_db(self) -> TinyDB:
        """A TinyDB over the storage. Made afresh when the whole data is replaced: its
        tables remember the next free id, which new data may have taken."""
        storage = self.storage
        db = TinyDB(storage=lambda: storage)
        # Every table checks that the workbook is writable before any change, and
        # announces the change after it (see _WorkbookTable), through the storage and
        # the list of subscribers: nothing there refers back to the store.
        db.table_class = partial(_WorkbookTable,  # type: ignore[assignment]
                                 partial(_ensure_writable, storage),
                                 partial(_announce, self._subscribers))
        return db

    # Opening ------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        read_only: bool = False,
        autoflush: bool = False,
        data_from: Path | None = None,
        content: bytes | None = None,
        key: "WorkbookKey | None" = None,
    ) -> "WorkbookStore":
        """Open the workbook in ``data_dir``, creating it if it does not exist.

        Raises :class:`WorkbookLocked` when another copy holds it (unless ``read_only``),
        :class:`WorkbookDamaged` when the file cannot be read (after copying it aside),
        and :class:`WorkbookUnreadable` when the folder cannot be used at all.
        ``data_from`` opens another file's content read-only (a backup, say).
        ``content`` is the workbook file's bytes when the caller has read them already
        (read-only only: two processes sharing an export parse the same read).
        ``key`` is the workbook's key, unlocked (see :func:`encryption.unlock`): an
        encrypted workbook raises :class:`PassphraseNeeded` without it, and a plain one
        where encryption is on raises :class:`EncryptionMismatch`.
        """
        if content is not None and not read_only:
            raise ValueError("content read beforehand can only be opened read-only")
        paths = WorkbookPaths(Path(data_dir).expanduser().absolute())
        notices: list[str] = []
        # Only a folder the app creates is made private; one that was there keeps its
        # mode (a shared 1777 folder, the home folder), with a word if others can look in.
        # Reading only creates nothing: a missing folder reads as an empty workbook.
        try:
            created = (not read_only or os.path.lexists(paths.data_dir)) and \
                make_data_dir(paths.data_dir)
        except OSError as error:
            raise WorkbookUnreadable(
                f"The data folder {paths.data_dir} cannot be used: {error.strerror or error}."
            ) from None
        exposure = None if created else folder_exposure(paths.data_dir)
        if exposure:
            notices.append(exposure[0].upper() + exposure[1:] + ".")
        if paths.workbook.is_symlink() and not read_only:
            read_only = True
            notices.append(
                f"{paths.workbook} is a symbolic link. The app saves by replacing the file, "
                "which would break the link, so it opened the workbook read-only. Replace the "
                "link with the real file (or use --data-dir) to edit."
            )
        lock = None
        if not read_only:
            lock = WorkbookLock(paths.lock)
            try:
                lock.acquire(schema.now_iso())
            except OSError as error:  # for example a lock file left by another user
                raise WorkbookUnreadable(
                    f"The lock file {paths.lock} cannot be used: {error.strerror or error}. "
                    "Check who owns the files in the data folder."
                ) from None
        try:
            if lock is not None:
                finished = encryption.finish_switch(paths.data_dir)
                if finished:
                    notices.append(finished)
            return cls._load(paths, lock, read_only, autoflush, notices, data_from, content,
                             key)
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    @classmethod
    def in_memory(cls, data_dir: Path, notice: str = "") -> "WorkbookStore":
        """An empty, read-only workbook that touches no file (when nothing can be read)."""
        paths = WorkbookPaths(Path(data_dir).expanduser().absolute())
        storage = WorkbookStorage(paths.workbook, schema.new_workbook(), on_disk=None,
                                  read_only=True)
        return cls(paths, storage, lock=None, autoflush=False,
                   notices=[notice] if notice else [])

    @classmethod
    def _load(cls, paths, lock, read_only, autoflush, notices, data_from,
              content=None, key=None) -> "WorkbookStore":
        source = data_from or paths.workbook
        if lock is not None:
            remove_stale_temp_files(paths.data_dir)
        signature = None
        try:
            if content is None:
                on_disk, status = read_with_status(source)
                signature = DiskSignature.from_status(status)
            else:
                on_disk = content
        except FileNotFoundError:
            on_disk = None
        except OSError as error:
            raise WorkbookUnreadable(
                f"The workbook {source} cannot be read: {error.strerror or error}."
            ) from None

        sealed = on_disk is not None and is_sealed(on_disk)
        expected = data_from is None and encryption.expects_sealed(paths.data_dir)
        if sealed or (on_disk is None and expected):
            if key is None:
                raise PassphraseNeeded(source)
        elif on_disk is not None and expected:
            try:
                codec.decode(on_disk)
            except codec.ParseProblem as problem:  # not a plain workbook either: damaged
                raise cls._damaged(paths, lock, data_from, source, on_disk, key,
                                   codec.ParseProblem(
                                       "it is not an encrypted file, though encryption is "
                                       f"on, nor a plain workbook: {problem.reason}")) \
                    from None
            raise encryption.plain_where_sealed_expected(source)
        else:
            key = None  # a plain workbook is saved plain
        if on_disk is None:
            raw = schema.new_workbook()
        else:
            try:
                if sealed:
                    try:
                        plain = key.open(on_disk)
                    except SealProblem as problem:
                        raise codec.ParseProblem(
                            f"it is encrypted, and {problem.reason}") from None
                else:
                    plain = on_disk
                raw = codec.decode(plain)
            except codec.ParseProblem as problem:
                if sealed and not problem.reason.startswith("it is encrypted"):
                    problem = codec.ParseProblem(
                        f"its encrypted content is damaged: {problem.reason}",
                        problem.line, problem.column)
                raise cls._damaged(paths, lock, data_from, source, on_disk, key,
                                   problem) from None

        migrated = False
        version = codec.schema_of(raw)
        if version > schema.SCHEMA_VERSION:
            read_only = True
            notices.append(
                f"This workbook was saved by a newer version of secondop-tui (schema {version}; "
                f"this version knows {schema.SCHEMA_VERSION}). It is open read-only so that it is "
                "never downgraded. Update secondop-tui to edit it."
            )
        elif version < schema.SCHEMA_VERSION and not read_only:
            backups.take_backup(paths.workbook, paths.data_dir, label=f"schema{version}")
            raw = schema.migrate(raw)
            migrated = True
            notices.append(f"The workbook was upgraded from schema {version} to "
                           f"{schema.SCHEMA_VERSION}; a backup of the old file was kept.")
        elif version < schema.SCHEMA_VERSION:
            raw = schema.migrate(copy.deepcopy(raw))  # in memory only

        if data_from is not None:
            read_only = True
        else:
            kept = unsaved_copies(paths)
            if kept:
                notices.append(unsaved_notice(kept))
            left = keys_left_files(paths)
            if left:
                notices.append(keys_left_notice(left))
            if lock is not None:
                kept_notes.rescue_leftovers(
                    paths.data_dir, notes_in(raw),
                    folders=kept_notes.private_edit_folders_left(paths.data_dir)
                    if key is not None else (),
                    seal=None if key is None else partial(encryption.seal_file,
                                                          recipient=key.recipient))
            notes_kept = kept_notes.kept_notes(paths.data_dir)
            if notes_kept:
                notices.append(kept_notes.kept_notice(notes_kept))
        if not read_only and on_disk is not None and source.exists():
            if (source.stat().st_mode & 0o777) != PRIVATE_FILE:
                os.chmod(source, PRIVATE_FILE)

        def first_backup() -> None:
            if paths.workbook.exists() and not migrated:
                backups.take_backup(paths.workbook, paths.data_dir)

        storage = WorkbookStorage(
            paths.workbook, raw, on_disk=on_disk if data_from is None else None,
            read_only=read_only, before_first_write=first_backup,
            previous_path=paths.previous, signature=signature, key=key,
        )
        if data_from is not None:
            storage.conflict = False
        store = cls(paths, storage, lock=lock, autoflush=autoflush, notices=notices)
        if not read_only and (on_disk is None or migrated):
            storage.mark_dirty()
            result = store.flush()
            if not result.ok and autoflush:
                store.close(flush=False)
                raise SaveFailed(f"The new workbook could not be written: {result.message}")
        return store

    @staticmethod
    def _damaged(paths, lock, data_from, source: Path, content: bytes,
                 key: "WorkbookKey | None", problem: codec.ParseProblem) -> WorkbookDamaged:
        """The error for a workbook file that cannot be read, once an exact copy of it
        is kept aside (encrypted when encryption is on, as everything in the folder)."""
        aside = None
        if lock is not None and data_from is None:
            aside = paths.aside("damaged")
            keep = content if key is None or is_sealed(content) else key.seal(content)
            atomic_write(aside, keep)
        return WorkbookDamaged(source, problem.reason, line=problem.line,
                               column=problem.column, aside=aside,
                               backup=backups.newest_valid(paths.data_dir, key))

    # State --------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.storage.read_only

    def ensure_writable(self, message: str = "") -> None:
        """Raise :class:`ReadOnlyWorkbook` (with ``message``, if given) when the workbook
        is open read-only. Every change to a table checks this first, and so does
        :meth:`update_record`; a part may call it sooner, to say what cannot be changed."""
        _ensure_writable(self.storage, message)

    @property
    def path(self) -> Path:
        return self.paths.workbook

    @property
    def encrypted(self) -> bool:
        """Whether the workbook is encrypted (every save is then sealed to its key)."""
        return self.storage.key is not None

    def seal(self, content: bytes) -> bytes:
        """``content`` as it may be written beside the workbook: sealed to the workbook's
        key when encryption is on (unless it is sealed already), else as it is."""
        key = self.storage.key
        if key is None or is_sealed(content):
            return content
        return key.seal(content)

    @property
    def file_sealer(self) -> Callable[[Path], Path] | None:
        """With encryption on, what seals a file in place (a text file gains ``.age``),
        for text kept beside the workbook; None when it is off."""
        key = self.storage.key
        return None if key is None else partial(encryption.seal_file,
                                                recipient=key.recipient)

    def open_sealed(self, content: bytes) -> bytes:
        """The plain form of a file's content (sealed or not): raises
        :class:`PassphraseNeeded` for sealed content without the key, and
        :class:`codec.ParseProblem` for sealed content the key cannot open."""
        if not is_sealed(content):
            return content
        if self.storage.key is None:
            raise PassphraseNeeded(self.path)
        try:
            return self.storage.key.open(content)
        except SealProblem as problem:
            raise codec.ParseProblem(f"it is encrypted, and {problem.reason}") from None

    @property
    def dirty(self) -> bool:
        return self.storage.dirty

    @property
    def meta(self) -> dict[str, Any]:
        return self.storage.read()[codec.META_TABLE][codec.META_ID]

    def table(self, name: str) -> Table:
        return self.db.table(name)

    def counts(self) -> dict[str, int]:
        return codec.count_records(self.storage.read())

    def update_record(self, name: str, doc_id: int, fields: dict[str, Any]) -> bool:
        """Give some fields of one record new values and queue it for saving.

        The same as TinyDB's ``update`` of one document, without its rebuilding of the
        whole table and the storage's search of every record for the change: this is
        the path typing takes. False when there is no such record.
        """
        self.ensure_writable()
        table = self.storage.read().get(name)
        key = str(doc_id)
        doc = table.get(key) if table is not None else None
        if doc is None:
            return False
        table[key] = doc = {**doc, **fields}  # a new object, so every cache sees a change
        self.db.table(name).clear_cache()
        self.storage.write_record(name, key, doc)
        _announce(self._subscribers, StoreChange(name, frozenset(fields)))
        return True

    def replace_all(self, data: dict[str, Any]) -> None:
        """Take ``data`` (raw tables, such as a merge's result) as the workbook's whole
        content, queued for saving; every table is announced as changed."""
        self.ensure_writable()
        self.storage.adopt(data)
        self.db = self._new_db()
        for name in data:
            _announce(self._subscribers, StoreChange(name))

    # Settings: small preferences kept in the workbook (theme, positions...) ----------
    def get_setting(self, key: str, default: Any = None) -> Any:
        doc = self.table(SETTINGS_TABLE).get(doc_id=1)
        return default if doc is None else doc.get(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        table = self.table(SETTINGS_TABLE)
        if table.get(doc_id=1) is None:
            # deferred: start-up speed (loaded only on the path that uses it)
            from tinydb.table import Document

            table.insert(Document({key: value}, doc_id=1))
        else:
            table.update({key: value}, doc_ids=[1])
        self.changed()

    # Announcing changes ----------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` after every change to a table or a setting, once per write,
        on the thread that made it, with a :class:`StoreChange`. Reading calls nothing.
        Returns the function that stops the calls."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    # Saving -------------------------------------------------------------------------
    def changed(self) -> None:
        """Call after a change through TinyDB; with autoflush it is written at once."""
        if self.autoflush and not self.read_only:
            result = self.flush()
            if not result.ok:
                raise SaveFailed(result.message)

    def flush(self, *, force: bool = False) -> SaveResult:
        """Write pending changes now. Safe from any thread; newest data always wins."""
        return self.storage.flush(force=force)

    def keep_mine(self) -> Path:
        """Resolve an external change by keeping the app's data; theirs is kept aside."""
        aside = self.paths.aside("external")
        if self.path.exists():
            atomic_write(aside, self.seal(self.path.read_bytes()))
        self.storage.mark_dirty()
        result = self.flush(force=True)
        if not result.ok:
            raise SaveFailed(result.message)
        return aside

    def take_theirs(self) -> Path:
        """Resolve an external change by reloading the file; the app's data is kept aside."""
        aside = self.paths.aside("mine")
        atomic_write(aside, self.seal(codec.encode(self.storage.read())))
        on_disk, status = read_with_status(self.path)
        try:
            if self.encrypted and not is_sealed(on_disk):
                raise codec.ParseProblem("it is not encrypted, though encryption is on")
            raw = codec.decode(self.open_sealed(on_disk))
        except codec.ParseProblem as problem:
            raise WorkbookDamaged(self.path, problem.reason, line=problem.line,
                                  column=problem.column, aside=aside) from None
        self.storage.replace_data(raw, on_disk, DiskSignature.from_status(status))
        self.db = self._new_db()  # its tables remembered the old data's next free ids
        return aside

    def close(self, *, flush: bool = True) -> SaveResult:
        """Flush (unless told not to), then release the lock. Safe to call twice.

        If the file was changed outside the app and nobody chose between the two
        versions (the connection dropped while the question was on screen), neither is
        lost: the file stays as it is, and the app's version is written beside it as
        ``workbook.unsaved-*.json``, named by the result's ``kept_as``.
        """
        result = SaveResult(ok=True)
        if self.closed:
            return result
        if flush and not self.read_only:
            result = self.flush()
            if result.conflict:
                result = self._keep_unsaved_aside()
        self.closed = True
        if self.lock is not None:
            self.lock.release()
        return result

    def keep_keys_not_handled(self, text: str) -> Path:
        """Write down text typed before a hangup that the app could not put into the
        workbook, as a private file in the data folder that the next start and
        ``check`` name."""
        stamp = clock.file_stamp()
        target = self.paths.data_dir / f"{KEYS_LEFT_PREFIX}{stamp}.txt"
        if self.encrypted:
            target = target.with_name(target.name + encryption.SEALED_SUFFIX)
        atomic_write(target, self.seal(text.encode("utf-8", "replace")))
        return target

    # Encryption ----------------------------------------------------------------------
    def encrypt(self, passphrase: str) -> "WorkbookKey":
        """Turn encryption on: the workbook and every copy of it are sealed to a new key,
        itself sealed with ``passphrase``. Returns the key (its recovery form is shown
        to the user once). Runs on the calling thread as the one writer: in the app, on
        a worker thread, after ``storage.mark_dirty()`` on the app's."""
        self.ensure_writable()
        if self.encrypted:
            raise StoreError("The workbook is already encrypted.")

        def write(encoded: bytes):
            return encryption.turn_on(self.paths.data_dir, encoded, passphrase,
                                      schema.now_iso())

        key = self.storage.rewrite(write)
        assert key is not None
        return key

    def use_shared_key(self, key: "WorkbookKey", key_file: bytes) -> None:
        """Seal the workbook and every copy of it to a key made on another machine (a
        synced workbook's: ``key_file`` is its key sealed with the shared passphrase,
        ``key`` that key opened). A workbook encrypted with a key of its own is opened
        with it first, then sealed to the shared one."""
        self.ensure_writable()
        old = self.storage.key
        if old is not None and old.recipient == key.recipient:
            return

        def write(encoded: bytes):
            if old is not None:
                encryption.turn_off(self.paths.data_dir, old, encoded)
            return encryption.turn_on(self.paths.data_dir, encoded, None, schema.now_iso(),
                                      shared=(key, key_file))

        self.storage.rewrite(write)

    def decrypt(self) -> None:
        """Turn encryption off: the workbook and every copy of it are written plain and
        the key files removed (the caller has checked the passphrase: the store holds
        the key only once it was given)."""
        self.ensure_writable()
        key = self.storage.key
        if key is None:
            raise StoreError("The workbook is not encrypted.")

        def write(encoded: bytes):
            return None, encoded, encryption.turn_off(self.paths.data_dir, key, encoded)

        self.storage.rewrite(write)

    def change_passphrase(self, passphrase: str) -> None:
        """Seal the workbook's key with a new passphrase (the recovery key stays)."""
        self.ensure_writable()
        key = self.storage.key
        if key is None:
            raise StoreError("The workbook is not encrypted.")
        with self.storage.holding_writes():
            encryption.change_passphrase(self.paths.data_dir, key, passphrase,
                                         schema.now_iso())

    def _keep_unsaved_aside(self) -> SaveResult:
        aside = self.paths.aside(UNSAVED_LABEL)
        try:
            atomic_write(aside, self.seal(codec.encode(self.storage.read())))
        except OSError as error:
            return SaveResult(False, "The workbook file was changed outside the app, and "
                              f"the app's version could not be kept aside either: "
                              f"{error.strerror or error}.", conflict=True)
        return SaveResult(False, "The workbook file was changed outside the app, so it was "
                          f"left as it is; the app's version was kept as {aside}.",
                          conflict=True, kept_as=aside)


def _ensure_writable(storage: WorkbookStorage, message: str = "") -> None:
    """The one read-only check (see :meth:`WorkbookStore.ensure_writable`)."""
    if storage.read_only:
        raise ReadOnlyWorkbook(message)


def _announce(subscribers: list[Subscriber], change: StoreChange) -> None:
    """Tell every subscriber of a store about one change it made."""
    for callback in list(subscribers):
        callback(change)


def unsaved_copies(paths: WorkbookPaths) -> list[Path]:
    """Copies of the app's data kept at a close during an unresolved external change,
    not older than the workbook file (saved since, the copy is old news), oldest first."""
    try:
        since = paths.workbook.stat().st_mtime_ns
    except OSError:
        since = 0
    found = []
    for path in paths.data_dir.glob(f"workbook.{UNSAVED_LABEL}-*.json"):
        try:
            modified = path.stat().st_mtime_ns
        except OSError:
            continue
        if modified >= since:  # a tie (coarse clock) counts: better told twice than never
            found.append((modified, path.name, path))
    return [path for _, _, path in sorted(found)]


def keys_left_files(paths: WorkbookPaths) -> list[Path]:
    """Files of text typed before a hangup that the app could not handle, oldest first."""
    return sorted(paths.data_dir.glob(f"{KEYS_LEFT_PREFIX}*.txt"))


def keys_left_notice(files: list[Path]) -> str:
    """What to tell the user about the files found by :func:`keys_left_files`."""
    others = f" (and {len(files) - 1} more)" if len(files) > 1 else ""
    return (f"Some typing from the last session could not be put into the workbook when "
            f"the connection dropped; it is in {files[-1]}{others}. Copy what you need "
            "into the workbook, then delete the file.")


def notes_in(raw: dict[str, Any]) -> dict[int, str]:
    """Each consultation's note in a workbook's data, by consultation."""
    found = {}
    for key, doc in (raw.get("consultations") or {}).items():
        if isinstance(doc, dict) and isinstance(doc.get("note"), str) and str(key).isdigit():
            found[int(key)] = doc["note"]
    return found


def restore_command(path: Path) -> str:
    """The command that restores ``path``, a copy in the data folder, by its name."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import shlex

    return (f"secondop-tui --data-dir {shlex.quote(str(path.parent))} restore "
            f"{shlex.quote(path.name)}")


def unsaved_notice(copies: list[Path]) -> str:
    """What to tell the user about copies found by :func:`unsaved_copies` (short: it is
    shown as a notification; ``check`` gives the restore command)."""
    newest = copies[-1]
    others = f" (and {len(copies) - 1} older)" if len(copies) > 1 else ""
    return (f"The app's version from the last session is in {newest.name}{others}: the "
            "workbook had been changed outside the app, and both were kept. "
            "'secondop-tui check' says how to restore it.")


def restore_backup(data_dir: Path, backup: Path, key: "WorkbookKey | None" = None
                   ) -> tuple[Path, Path | None]:
    """Replace the workbook with ``backup``, keeping the current file aside first.

    Takes the lock, so it refuses while the app has the workbook open. Returns the
    restored workbook's path and where the replaced file was kept (if there was one).
    With encryption on, the restored workbook is encrypted whatever the backup was
    (an encrypted backup needs ``key``: :class:`PassphraseNeeded` without it); with
    it off, it is written plain.
    """
    return restore_content(data_dir, backup.read_bytes(), key, source=backup)


def restore_content(data_dir: Path, content: bytes, key: "WorkbookKey | None" = None, *,
                    source: Path | None = None) -> tuple[Path, Path | None]:
    """Replace the workbook with ``content`` (a backup's bytes, or a synced version's),
    keeping the current file aside first; as :func:`restore_backup`. Raises
    ``ParseProblem`` (before anything is changed) when it is no workbook."""
    paths = WorkbookPaths(Path(data_dir).expanduser().absolute())
    plain = content
    if is_sealed(content):
        if key is None:
            raise PassphraseNeeded(source or paths.workbook)
        try:
            plain = key.open(content)
        except SealProblem as problem:
            raise codec.ParseProblem(f"it is encrypted, and {problem.reason}") from None
    codec.decode(plain)  # raises ParseProblem for a damaged backup
    make_data_dir(paths.data_dir)
    lock = WorkbookLock(paths.lock)
    lock.acquire(schema.now_iso())
    try:
        finished = encryption.finish_switch(paths.data_dir)
        del finished  # the restore's own message says what the workbook is now
        recipient = None
        if encryption.expects_sealed(paths.data_dir):
            recipient = key.recipient if key is not None else \
                encryption.recipient_of(paths.data_dir)
            if recipient is None:
                raise PassphraseNeeded(paths.workbook)
        aside = None
        if paths.workbook.exists():
            current = paths.workbook.read_bytes()
            if recipient is not None and not is_sealed(current):
                current = encryption.sealing.seal_to(recipient, current)
            aside = paths.aside("before-restore")
            atomic_write(aside, current)
        if recipient is None:
            written = plain
        elif is_sealed(content) and key is not None and key.recipient == recipient:
            written = content
        else:
            written = encryption.sealing.seal_to(recipient, plain)
        atomic_write(paths.workbook, written)
        return paths.workbook, aside
    finally:
        lock.release()
