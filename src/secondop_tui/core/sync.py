"""Sync: the workbook shared between machines through a git remote, merged record by
record. Never imports Textual, and never touches the network unless asked to sync.

The sync repository is a bare git repository in the data folder (``sync/repo``, private)
whose branch ``workbook`` is the last version this machine and the remote agreed on:
the base of the next merge. A sync fetches the remote's branch, merges it with this
machine's workbook against that base (:mod:`secondop_tui.core.merge`), saves the result
here, and pushes it as a new version on top of the remote's. A push the remote rejects
(the other side pushed first) starts again from the fetch.

What is committed is what :class:`~secondop_tui.core.sync_format.RepositoryFormat`
makes of the workbook's data: with encryption on, the workbook sealed to its key and
the key's file (sealed with the passphrase), never the plain workbook. A shared
workbook sealed to a key this machine lacks stops the sync (``key-needed``) until this
workbook uses that key too (:meth:`WorkbookStore.use_shared_key`).

Crash safety: the base moves only after the merged workbook is on disk, and a small
journal in ``sync/state.json`` says which base a saved merge belongs to, so a sync
killed at any point leaves the workbook intact and the next one completes. Lock files
a killed git left in the repository are cleared first (the workbook's lock is held).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from secondop_tui.core import encryption, merge, schema, tables
from secondop_tui.core.files import atomic_write, ensure_private_dir
from secondop_tui.core.gitrepo import REF, REMOTE_REF, GitError, GitRepo, Version, init_bare
from secondop_tui.core.sealing import is_sealed
from secondop_tui.core.store import WorkbookPaths, WorkbookStore
from secondop_tui.core.sync_format import (PLAIN, KeyNeeded, NewerSchema, NotAWorkbook,
                                           RepositoryFormat)

if TYPE_CHECKING:
    from secondop_tui.core.sealing import WorkbookKey

SYNC_DIR = "sync"
STATE_NAME = "state.json"
# A push the remote rejects (the other side pushed first) is tried again this often.
TRIES = 5
COMMAND = "secondop-tui"

Raw = dict[str, Any]


class SyncError(Exception):
    """A sync that could not be done; the message says why and what to do, in words.
    Whatever happened, the workbook on this machine is intact."""

    def __init__(self, kind: str, message: str, *, aside: Path | None = None,
                 key_file: bytes | None = None, sealed: bytes = b"") -> None:
        self.kind = kind
        self.aside = aside
        # kind "key-needed": the shared workbook's key file (sealed with its passphrase),
        # when the remote holds one.
        self.key_file = key_file
        self.sealed = sealed  # and the workbook it seals (the key found must open it)
        self.why = message  # what went wrong, without what to do about it
        super().__init__(message)


# Where things are -----------------------------------------------------------------------------
class SyncPaths(NamedTuple):
    data_dir: Path

    @property
    def folder(self) -> Path:
        return self.data_dir / SYNC_DIR

    @property
    def repo(self) -> Path:
        return self.folder / "repo"

    @property
    def home(self) -> Path:
        return self.folder / "home"

    @property
    def state(self) -> Path:
        return self.folder / STATE_NAME


def paths_of(data_dir: Path) -> SyncPaths:
    return SyncPaths(Path(data_dir).expanduser().absolute())


@dataclass
class SyncState:
    """What this machine keeps about its sync (never synced itself)."""

    remote: str = ""
    machine: str = ""
    last_sync: str = ""  # ISO date and time of the last sync that completed
    last_summary: str = ""
    at_start: bool = False  # sync when the app starts
    at_quit: bool = False  # sync when the app quits
    pending: dict[str, Any] | None = None  # a saved merge whose base is not moved yet
    damaged: dict[str, str] = field(default_factory=dict)  # remote commit -> kept aside

    @classmethod
    def load(cls, data_dir: Path) -> "SyncState | None":
        """The state, or None when this workbook is not synced."""
        try:
            raw = json.loads(paths_of(data_dir).state.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict):
            return None
        known = {name: raw[name] for name in cls.__dataclass_fields__ if name in raw}
        try:
            return cls(**known)
        except TypeError:
            return None

    def save(self, data_dir: Path) -> None:
        paths = paths_of(data_dir)
        ensure_private_dir(paths.folder)
        atomic_write(paths.state, json.dumps(asdict(self), indent=1).encode("utf-8"))


# What turning encryption on means for a synced workbook (said by encrypt, in words).
SYNCED_ENCRYPTION_NOTE = (
    "This workbook is synced: from its next sync on, only the encrypted workbook goes to "
    "the remote, with its key sealed with this passphrase, and the other machine asks "
    "for this passphrase at its next sync. The versions synced before today stay "
    "readable in the remote's history (and in this folder's sync/repo): to leave none "
    "behind, share the workbook afresh through a new, empty remote.")


def format_for(store: WorkbookStore) -> RepositoryFormat:
    """What a sync of ``store`` commits: the workbook plain, or, with encryption on,
    sealed to its key with the key's file beside it."""
    key = store.storage.key
    if key is None:
        return PLAIN
    key_files = {}
    try:
        key_files[RepositoryFormat.key_file_name] = \
            encryption.KeyPaths(store.paths.data_dir).key.read_bytes()
    except OSError:
        pass  # the recovery key opened it: the versions are sealed all the same
    return RepositoryFormat(key, key_files)


def is_set_up(data_dir: Path) -> bool:
    paths = paths_of(data_dir)
    return paths.state.is_file() and (paths.repo / "HEAD").is_file()


def machine_name(name: str | None = None) -> str:
    """This machine's name in the history and in conflicts: ``name``, else the host's
    name; one printable line without the characters git refuses in a name."""
    text = name if name else os.uname().nodename
    text = "".join(ch for ch in text if ch.isprintable() and ch not in "<>\n\r")
    return text.strip()[:60] or "this machine"


def safe(text: str) -> str:
    """Text from the remote (a machine's name, a summary) as one printable line."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:200]


# The report ---------------------------------------------------------------------------------------
@dataclass
class SyncReport:
    """What one sync did, in words (see :meth:`lines`)."""

    remote: str
    came_in: list[str] = field(default_factory=list)
    came_from: list[str] = field(default_factory=list)
    went_out: list[str] = field(default_factory=list)
    conflicts: int = 0
    version: str = ""  # the version both sides now hold
    first: bool = False  # this sync shared the workbook for the first time
    cloned: bool = False  # this sync started the workbook from the remote's
    kept_aside: Path | None = None  # this machine's workbook before a clone
    skipped: list[str] = field(default_factory=list)  # unusable remote versions passed

    @property
    def changed_here(self) -> bool:
        return bool(self.came_in or self.cloned or self.conflicts)

    def summary(self) -> str:
        """One line: what came in and what went out."""
        parts = []
        if self.came_in:
            parts.append(f"in: {', '.join(self.came_in)}")
        if self.went_out:
            parts.append(f"out: {', '.join(self.went_out)}")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}")
        return "; ".join(parts) or "nothing changed"

    def lines(self) -> list[str]:
        out = [f"Synced with {safe(self.remote)}."]
        if self.cloned:
            out.append("This workbook now starts from the shared one.")
            if self.kept_aside is not None:
                out.append(f"The workbook that was here was kept as {self.kept_aside}.")
        elif self.first:
            out.append("This workbook is now shared there: its first version went out.")
        for skipped in self.skipped:
            out.append(skipped)
        if self.came_in:
            who = f" (from {', '.join(safe(m) for m in self.came_from)})" \
                if self.came_from else ""
            out.append(f"Came in from the other side{who}: {', '.join(self.came_in)}.")
        elif not self.cloned:
            out.append("Nothing came in from the other side.")
        if self.went_out:
            out.append(f"Went out from here: {', '.join(self.went_out)}.")
        elif not (self.first or self.cloned):
            out.append("Nothing went out from here.")
        if self.conflicts:
            out.append(f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''} "
                       "to look at: edits made on both sides to the same thing. Both "
                       "versions are kept; in the app, the palette's \"Conflicts\" "
                       "(ctrl+p) shows each one, to keep this, that or both.")
        if self.version:
            out.append(f"Both sides now hold version {self.version[:10]}.")
        return out


# Local data ---------------------------------------------------------------------------------------
def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def has_records(raw: Raw) -> bool:
    """Whether a workbook holds anything the user made (beyond its settings)."""
    for name in (tables.CONSULTATIONS, tables.DOCTORS, tables.OPINIONS, tables.CHECKLIST,
                 tables.QUESTIONS, tables.CONFLICTS):
        if raw.get(name):
            return True
    settings = (raw.get(tables.SETTINGS) or {}).get("1") or {}
    profile = settings.get(merge.PROFILE)
    return isinstance(profile, dict) and any(str(v).strip() for v in profile.values())


class Session:
    """One sync of one open workbook (the app's store, or the command line's)."""

    def __init__(self, store: WorkbookStore, *, interactive: bool = False,
                 fmt: RepositoryFormat | None = None) -> None:
        self.store = store
        self.data_dir = store.paths.data_dir
        self.paths = paths_of(self.data_dir)
        self.fmt = fmt or format_for(store)
        self.repo = GitRepo(self.paths.repo, self.paths.home, interactive=interactive)
        self.state = SyncState.load(self.data_dir) or SyncState()
        self._generation = -1
        self._sealed: dict[str, bool] = {}  # commit: its workbook was committed sealed

    # The local workbook ---------------------------------------------------------------------
    def _writable(self) -> None:
        if self.store.read_only:
            notices = " ".join(self.store.notices)
            raise SyncError("read-only", "This workbook is open read-only here, so it "
                            "cannot take what comes in: nothing was synced. " + notices)

    def _watch(self) -> None:
        self._generation = self.store.storage.generation

    def _untouched(self) -> None:
        """Refuse to go on when the workbook changed since the sync read it (the app
        keeps its screens from changing it during a sync; this is the check)."""
        if self.store.storage.generation != self._generation:
            raise SyncError("changed", "The workbook was changed while the sync ran: "
                            "nothing was lost, and nothing was sent. Sync again.")

    def _data(self) -> Raw:
        return self.store.storage.read()

    def _save(self, data: Raw) -> None:
        """Put ``data`` into the workbook and on disk now."""
        self._untouched()
        self.store.replace_all(data)
        result = self.store.flush()
        self._watch()
        if not result.ok:
            raise SyncError("save", "The merged workbook could not be saved: "
                            f"{result.message} Nothing was sent; your workbook on disk is "
                            "as it was before the sync.")

    def _give_uids(self) -> None:
        data = {name: dict(table) for name, table in self._data().items()}
        if merge.give_uids(data):
            self._save(data)

    # The state -------------------------------------------------------------------------------
    def _save_state(self) -> None:
        self.state.save(self.data_dir)

    def _recover(self) -> None:
        """Finish what a sync killed between saving a merge and moving the base began."""
        pending = self.state.pending
        if not pending:
            return
        plain = self.fmt.plain(self._data())
        if _digest(plain) == pending.get("digest") and \
                self.repo.commit_of(REF) == pending.get("base"):
            self.repo.set_ref(REF, pending["remote"])
        self.state.pending = None
        self._save_state()

    # Errors in words -------------------------------------------------------------------------
    def _explain(self, error: GitError) -> SyncError:
        remote = safe(self.state.remote)
        reason = safe(str(error))
        if error.kind == "auth":
            return SyncError("auth", f"The remote {remote} refused this machine: {reason}. "
                             "Check that your SSH key is allowed there and loaded (ssh-add); "
                             "nothing was changed here.")
        if error.kind in ("unreachable", "timeout"):
            return SyncError("unreachable", f"Could not reach the remote {remote}: {reason}. "
                             "Nothing was changed here; sync again when it can be reached.")
        if error.kind == "stopped":
            return SyncError("stopped", "The sync was stopped. Nothing was lost; sync again "
                             "whenever you like.")
        if error.kind == "no-git":
            return SyncError("no-git", reason + ".")
        return SyncError("failed", f"The sync did not complete: {reason}. Your workbook is "
                         "intact; sync again.")

    # Reading versions ------------------------------------------------------------------------
    def _plain_of(self, commit: str) -> bytes:
        size = self.repo.file_size(commit, self.fmt.file_name)
        if size is None:
            raise NotAWorkbook(f"it holds no {self.fmt.file_name}")
        committed = self.repo.read_file(commit, self.fmt.file_name)
        self._sealed[commit] = is_sealed(committed)
        try:
            return self.fmt.load_plain(committed)
        except KeyNeeded:
            raise self._key_needed(commit, committed) from None

    def _encryption_change(self, commit: str | None) -> str:
        """How what this machine commits now differs from ``commit`` in encryption alone
        (encryption turned on or off since): in words, or "" when it does not."""
        if commit is None or commit not in self._sealed:
            return ""
        sealed_now = self.fmt.key is not None
        if sealed_now == self._sealed[commit]:
            return ""
        return ("the workbook, encrypted from now on" if sealed_now
                else "the workbook, no longer encrypted")

    def _key_needed(self, commit: str, sealed: bytes) -> SyncError:
        """The shared workbook at ``commit`` is sealed to a key this machine lacks."""
        name = self.fmt.key_file_name
        size = self.repo.file_size(commit, name)
        key_file = self.repo.read_file(commit, name) if size and size < 64 * 1024 else None
        if key_file is None:
            return SyncError("damaged", "The shared workbook on the remote "
                             f"({self._about(commit)}) is encrypted, but its key is not "
                             "there beside it, so no passphrase can open it. Your workbook "
                             f"was not changed. Run '{COMMAND} sync --rejoin' on a machine "
                             "whose workbook is good.")
        if self.fmt.key is None:
            why = ("The shared workbook is encrypted (encryption was turned on on another "
                   "machine), and this workbook is not.")
        else:
            why = ("The shared workbook is encrypted with another key than this workbook's "
                   "(encryption was turned on on each machine by itself).")
        error = SyncError("key-needed", f"{why} '{COMMAND} sync' asks for the shared "
                          "workbook's passphrase, then encrypts this workbook with the "
                          "same key, so that both machines open it with that passphrase. "
                          "Nothing was changed here.", key_file=key_file, sealed=sealed)
        error.why = why
        return error

    def _about(self, commit: str) -> str:
        versions = self.repo.history(commit, limit=1)
        if not versions:
            return f"version {commit[:10]}"
        v = versions[0]
        return f"version {v.short} from {safe(v.machine)}, {v.when.replace('T', ' ')[:16]}"

    def _remote_data(self, commit: str) -> tuple[bytes, Raw]:
        """The remote's workbook at ``commit``, checked; a damaged or hostile one is
        kept aside (once) and refused."""
        try:
            plain = self._plain_of(commit)
            return plain, self.fmt.data_of(plain)
        except NewerSchema as error:
            raise SyncError("newer", "The shared workbook was saved by a newer version of "
                            f"secondop-tui (schema {error.version}; this one knows "
                            f"{schema.SCHEMA_VERSION}). Update secondop-tui on this machine, "
                            "then sync again. Nothing was changed here.") from None
        except NotAWorkbook as error:
            aside = self._keep_aside(commit)
            kept = f" It was kept aside as {aside}." if aside else ""
            raise SyncError(
                "damaged", f"The shared workbook on the remote ({self._about(commit)}) "
                f"cannot be used: {safe(str(error))}.{kept} Your workbook was not changed. "
                f"To replace it with a good one, run '{COMMAND} sync --rejoin' on a machine "
                "whose workbook is good: it merges that workbook with the last good version "
                "on the remote and shares the result.", aside=aside) from None

    def _keep_aside(self, commit: str) -> Path | None:
        known = self.state.damaged.get(commit)
        if known and Path(known).exists():
            return Path(known)
        size = self.repo.file_size(commit, self.fmt.file_name)
        if size is None or size > 512 * 1024 * 1024:
            return None
        aside = WorkbookPaths(self.data_dir).aside("remote-damaged")
        # Sealed when this workbook is encrypted, as every copy of it is.
        atomic_write(aside, self.store.seal(self.repo.read_file(commit, self.fmt.file_name)))
        self.state.damaged[commit] = str(aside)
        self._save_state()
        return aside

    def _base_data(self, commit: str | None) -> tuple[bytes | None, Raw]:
        if commit is None:
            return None, schema.new_workbook()
        plain = self._plain_of(commit)
        return plain, self.fmt.data_of(plain)

    def _machines(self, old: str | None, new: str) -> list[str]:
        spec = f"{old}..{new}" if old else new
        try:
            out = self.repo.text("log", "--format=%an", spec)
        except GitError:
            return []
        names: list[str] = []
        for name in out.splitlines():
            if name and name != self.state.machine and name not in names:
                names.append(name)
        return names[:5]

    # The steps -------------------------------------------------------------------------------
    def _merge_in(self, report: SyncReport, base: str | None, base_raw: Raw, remote: str,
                  theirs: Raw, local_plain: bytes, base_plain: bytes | None) -> bytes:
        """Merge the remote's version into the workbook, save it, and make the remote's
        commit the base. Returns the workbook's plain bytes now."""
        report.came_in = merge.describe_changes(merge.count_changes(base_raw, theirs))
        report.came_from = self._machines(base, remote)
        if base_plain is not None and local_plain == base_plain:
            result = merge.MergeResult(theirs)  # nothing changed here: take theirs whole
        else:
            result = merge.merge_workbooks(
                base_raw, self._data(), theirs, ours_name=self.state.machine,
                theirs_name=", ".join(report.came_from) or "the other side",
                when=schema.now_iso())
        report.conflicts += len(result.conflicts)
        merged_plain = self.fmt.plain(result.data)
        if merged_plain != local_plain:
            self.state.pending = {"base": base, "remote": remote,
                                  "digest": _digest(merged_plain)}
            self._save_state()
            self._save(result.data)
        self.repo.set_ref(REF, remote, old=base)
        self.state.pending = None
        self._save_state()
        return merged_plain

    def _push(self, report: SyncReport, base: str | None, base_raw: Raw,
              local_plain: bytes) -> bool:
        """Send this machine's version on top of ``base``; False when the remote moved
        on meanwhile (fetch and merge again)."""
        counts = merge.count_changes(base_raw, self._data())
        words = merge.describe_changes(counts) or \
            [change for change in [self._encryption_change(base)] if change]
        if base is None:
            summary = "First version of the shared workbook"
        else:
            summary = "; ".join(words) or "Records unchanged"
            summary = summary[:1].upper() + summary[1:]
        message = f"{summary}\n\nMachine: {self.state.machine}\n"
        commit = self.repo.commit(self.fmt.committed(local_plain), base, message,
                                  self.state.machine, schema.now_iso())
        try:
            self.repo.push(commit, local=is_local(self.state.remote))
        except GitError as error:
            if error.kind == "rejected":
                return False
            raise
        self.repo.set_ref(REF, commit, old=base)
        report.went_out = words if base is not None else []
        report.version = commit
        return True

    def run(self, *, rejoin: bool = False) -> SyncReport:
        """Fetch, merge, save and push (see the module's docstring)."""
        if not is_set_up(self.data_dir):
            raise SyncError("not-set-up", "This workbook is not synced yet. Connect it to a "
                            f"git remote with '{COMMAND} sync setup REMOTE', or start it from "
                            f"one already shared with '{COMMAND} sync setup --clone REMOTE'.")
        self._writable()
        try:
            report = self._run(rejoin=rejoin)
        except GitError as error:
            raise self._explain(error) from None
        self.state.last_sync = schema.now_iso()
        self.state.last_summary = report.summary()
        self._save_state()
        try:
            self.repo.tidy()
        except GitError:
            pass  # packing is for the disk's sake; the next sync tries again
        return report

    def _run(self, *, rejoin: bool) -> SyncReport:
        repo = self.repo
        repo.clear_stale_locks()
        self._watch()
        self._recover()
        report = SyncReport(self.state.remote)
        for _ in range(TRIES):
            remote = repo.fetch()
            base = repo.commit_of(REF)
            if rejoin:
                base, remote, base_plain, base_raw, local_plain = \
                    self._rejoin(report, base, remote)
                rejoin = False
            else:
                if base is not None and remote is None:
                    raise SyncError("remote-gone", self._gone_message(base))
                if base is not None and remote is not None and base != remote \
                        and not repo.is_ancestor(base, remote):
                    raise SyncError("rewritten", self._rewritten_message(base))
                base_plain, base_raw = self._base_data(base)
                if remote is not None and remote != base:
                    theirs_plain, theirs = self._remote_data(remote)
                # Only now, with the remote's version known to be usable, may anything
                # change here: the records new since the last sync get their uids.
                self._give_uids()
                local_plain = self.fmt.plain(self._data())
            if remote is not None and remote != base:
                local_plain = self._merge_in(report, base, base_raw, remote, theirs,
                                             local_plain, base_plain)
                base, base_plain, base_raw = remote, theirs_plain, theirs
            change = self._encryption_change(base)
            if base_plain is not None and local_plain == base_plain and not change:
                report.version = base or ""
                return report
            if base is None:
                report.first = True
            if self._push(report, base, base_raw, local_plain):
                return report
        raise SyncError("busy", "The remote kept changing while this machine tried to send "
                        f"its version ({TRIES} tries). Nothing was lost; sync again.")

    def _rejoin(self, report: SyncReport, base: str | None, remote: str | None
                ) -> tuple[str | None, str | None, bytes | None, Raw, bytes]:
        """For --rejoin: merge the remote's newest usable version in, against the newest
        version both histories share (or against nothing: every record then counts as
        added on both sides, and differences become conflicts). A damaged newest version
        is passed over, and the next version goes on top of it, superseding it. Returns
        the base, the remote, the base's plain bytes (None: push whatever), its data, and
        the workbook's plain bytes."""
        if remote is None:
            self._give_uids()
            self.repo.set_ref(REF, None)
            return None, None, None, schema.new_workbook(), self.fmt.plain(self._data())
        common = self.repo.merge_base(base, remote) if base else None
        usable = None
        for version in self.repo.history(remote, limit=50):
            try:
                self._remote_data(version.commit)
            except SyncError as error:
                if error.kind in ("newer", "key-needed"):
                    raise
                report.skipped.append(f"Passed over the remote's {self._about(version.commit)}"
                                      ": it cannot be used.")
                continue
            usable = version.commit
            break
        if usable is None:
            raise SyncError("damaged", "No version on the remote can be used. Nothing was "
                            "changed here.")
        try:
            base_plain, base_raw = self._base_data(common)
        except (NotAWorkbook, GitError):
            common = None
            base_plain, base_raw = self._base_data(None)
        theirs_plain, theirs = self._remote_data(usable)
        self._give_uids()
        local_plain = self.fmt.plain(self._data())
        self.repo.set_ref(REF, common)
        local_plain = self._merge_in(report, common, base_raw, usable, theirs, local_plain,
                                     base_plain)
        if usable != remote:
            self.repo.set_ref(REF, remote)
            return remote, remote, None, theirs, local_plain
        return usable, usable, theirs_plain, theirs, local_plain

    def _gone_message(self, base: str) -> str:
        return (f"The remote {safe(self.state.remote)} no longer holds the shared workbook "
                f"(this machine last synced {self._about(base)}). Nothing was changed here. "
                f"To share this machine's workbook there again, run '{COMMAND} sync "
                "--rejoin'.")

    def _rewritten_message(self, base: str) -> str:
        return (f"The remote's history was rewritten (force-pushed): it no longer holds "
                f"the version this machine last synced ({self._about(base)}). Nothing was "
                "changed here. If the shared workbook was started afresh on purpose, run "
                f"'{COMMAND} sync --rejoin' to merge this workbook into the remote's "
                "(nothing is lost: differences become conflicts). If not, push the lost "
                "history back to the remote from a machine that has it, and sync again.")


# Setting up ------------------------------------------------------------------------------------------
def is_local(url: str) -> bool:
    """Whether a remote is a folder on this machine (as :func:`normalise_remote` gives)."""
    return url.startswith(("/", "file://"))


def normalise_remote(text: str, data_dir: Path) -> tuple[str, bool]:
    """The remote as git takes it, and whether it is a folder on this machine. A folder
    (a USB stick, a shared folder) is made absolute; if it does not exist yet, or is
    empty, a bare repository is made there."""
    text = text.strip()
    if not text or text.startswith("-") or "\n" in text:
        raise SyncError("remote", f"{safe(text)!r} is not a remote git can use.")
    scp_like = ":" in text and "/" not in text.split(":", 1)[0] and not os.path.exists(text)
    if "://" in text or scp_like:
        if text.startswith("file://"):
            return text, True
        return text, False
    folder = Path(text).expanduser().absolute()
    inside = paths_of(data_dir).folder
    if folder == inside or inside in folder.parents:
        raise SyncError("remote", "The remote cannot be inside the data folder's own sync "
                        "folder.")
    if folder.exists() and not folder.is_dir():
        raise SyncError("remote", f"{folder} is a file, not a folder or a git repository.")
    if not folder.exists() or not any(folder.iterdir()):
        try:
            init_bare(folder, paths_of(data_dir).home)
        except (OSError, GitError) as error:
            raise SyncError("remote", f"Could not make a repository at {folder}: "
                            f"{safe(str(error))}.") from None
    elif not ((folder / "HEAD").is_file() or (folder / ".git").exists()):
        raise SyncError("remote", f"{folder} is a folder that holds other things, not a git "
                        "repository. Name an empty folder (a repository is made there) or "
                        "an existing repository.")
    return str(folder), True


def setup(store: WorkbookStore, remote: str, *, machine: str | None = None,
          clone: bool = False, join: bool = False, interactive: bool = False
          ) -> SyncReport:
    """Connect the workbook to ``remote`` and sync it for the first time.

    An empty remote receives this workbook as its first version. A remote that holds a
    shared workbook gives it to this machine when this workbook holds nothing yet, or
    with ``clone`` (this workbook is kept aside first); ``join`` merges this workbook
    into it instead, record by record. A remote that holds one while this workbook has
    records of its own, without either, is refused with both ways out.
    """
    data_dir = store.paths.data_dir
    paths = paths_of(data_dir)
    if store.read_only:
        raise SyncError("read-only", "This workbook is open read-only here: close the other "
                        "copy first. Nothing was changed.")
    existing = SyncState.load(data_dir) if is_set_up(data_dir) else None
    url, _ = normalise_remote(remote, data_dir)
    made = not paths.folder.exists()
    ensure_private_dir(paths.folder)
    state = existing or SyncState()
    state.remote = url
    state.machine = machine_name(machine) if machine or not state.machine else state.machine
    repo = GitRepo(paths.repo, paths.home, interactive=interactive)
    try:
        if not repo.exists():
            ensure_private_dir(paths.home)
            repo.init(url)
        else:
            repo.set_remote(url)
        try:
            head = repo.fetch()
        except GitError as error:
            raise _with_state(store, state)._explain(error) from None
        state.save(data_dir)
        session = Session(store, interactive=interactive)
        if head is None or existing is not None:
            return session.run()
        if clone:
            return _clone(session, head)
        if join:
            return session.run(rejoin=True)
        if not has_records(store.storage.read()):
            return _clone(session, head, keep=False)
        raise SyncError("both-have-data", f"The remote {safe(url)} already holds a shared "
                        "workbook, and this workbook has records of its own. Nothing was "
                        f"changed. To start from the shared one: '{COMMAND} sync setup "
                        f"--clone REMOTE' (this workbook is kept aside first). To bring this "
                        f"one into it, record by record: '{COMMAND} sync setup --join "
                        "REMOTE'.")
    except BaseException:
        if made:
            shutil.rmtree(paths.folder, ignore_errors=True)
        elif existing is None:
            shutil.rmtree(paths.repo, ignore_errors=True)
            try:
                paths.state.unlink()
            except OSError:
                pass
        raise


def _with_state(store: WorkbookStore, state: SyncState) -> Session:
    session = Session(store)
    session.state = state
    return session


def _clone(session: Session, head: str, *, keep: bool = True) -> SyncReport:
    """Start the workbook from the remote's version ``head``."""
    store = session.store
    report = SyncReport(session.state.remote, cloned=True)
    theirs_plain, theirs = session._remote_data(head)
    if keep and has_records(store.storage.read()):
        aside = store.paths.aside("before-clone")
        atomic_write(aside, store.seal(session.fmt.plain(store.storage.read())))
        report.kept_aside = aside
    session._watch()
    session._save(theirs)
    session.repo.set_ref(REF, head)
    report.version = head
    session.state.last_sync = schema.now_iso()
    session.state.last_summary = "started from the shared workbook"
    session._save_state()
    return report


# History and restoring ------------------------------------------------------------------------------
def history(data_dir: Path) -> list[Version]:
    """The synced versions this machine knows, newest first (no network used)."""
    paths = paths_of(data_dir)
    if not is_set_up(data_dir):
        return []
    repo = GitRepo(paths.repo, paths.home)
    try:
        mine = repo.history(REF)
        theirs = repo.history(REMOTE_REF)
    except GitError:
        return []
    seen = {v.commit for v in mine}
    extra = [v for v in theirs if v.commit not in seen]
    return sorted(mine + extra, key=lambda v: v.when, reverse=True) if extra else mine


def version_content(data_dir: Path, name: str, key: "WorkbookKey | None" = None
                    ) -> tuple[Version, bytes] | None:
    """A synced version named by (the start of) its commit id, as the workbook file's
    plain bytes, checked (an encrypted one opened with ``key``); None when there is no
    such version. Raises :class:`SyncError` for one that cannot be used."""
    fmt = RepositoryFormat(key)
    if not is_set_up(data_dir):
        return None
    paths = paths_of(data_dir)
    repo = GitRepo(paths.repo, paths.home)
    try:
        commit = repo.find_version(name)
        if commit is None:
            return None
        version = repo.history(commit, limit=1)[0]
        size = repo.file_size(commit, fmt.file_name)
        if size is None:
            raise NotAWorkbook(f"it holds no {fmt.file_name}")
        plain = fmt.load_plain(repo.read_file(commit, fmt.file_name))
        fmt.data_of(plain)
    except GitError as error:
        raise SyncError("failed", f"The version could not be read: {safe(str(error))}.") \
            from None
    except NotAWorkbook as error:
        raise SyncError("damaged", f"That version cannot be used: {safe(str(error))}.") \
            from None
    except KeyNeeded:
        raise SyncError("key-needed", "That version is encrypted with another key than "
                        "this workbook's, so it cannot be restored here.") from None
    return version, plain


def last_sync(data_dir: Path) -> str:
    """When this workbook was last synced (ISO), or "" (never, or not synced)."""
    state = SyncState.load(data_dir)
    return state.last_sync if state else ""
