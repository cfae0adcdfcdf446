"""Encryption at rest: turning it on and off, changing the passphrase, and finishing
what a crash interrupted.

With encryption on, every file that holds anything of the workbook is an age file
sealed to the workbook's key (see :mod:`.sealing`): the workbook, the previous save,
every backup, every copy kept aside, kept notes and typing kept after a hangup. They
keep their names (a kept note gains ``.age``). Beside them:

- ``workbook.key.age``: the workbook's key, sealed with the passphrase;
- ``workbook.key.json``: plain facts about it, nothing secret: the public key every
  save is sealed to, and the SHA-256 of the key file, so that a passphrase the key file
  refuses is known to be wrong, not taken for a damaged key file;
- ``workbook.switch.json``, only while encryption is being turned on or off.

Each switch has one moment that decides it: the workbook file replaced by its sealed
(or plain) form, atomically, once that form is on disk and has been read back. Before
it, the old state holds; after it, the new one. What remains to do on either side
(sealing the copies after turning on; taking away the key after turning off; undoing
a switch cut short before its moment) needs no passphrase, and is done by
:func:`finish_switch` the next time any writer opens the workbook.

Every step of a switch calls :func:`checkpoint` with its name; the crash tests stop the
process at each of them (see ``STEPS``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from secondop_tui.core import codec
from secondop_tui.core.errors import (
    EncryptionMismatch,
    KeyFileDamaged,
    MachineTooBusy,
    StoreError,
    WrongPassphrase,
)
from secondop_tui.core.files import (
    atomic_write,
    fsync_dir,
    remove_stale_temp_files,
)
from secondop_tui.core.sealing import SealProblem, WorkbookKey, is_sealed
from secondop_tui.core import sealing

KEY_NAME = "workbook.key.age"
FACTS_NAME = "workbook.key.json"
SWITCH_NAME = "workbook.switch.json"
SEALED_SUFFIX = ".age"  # added to a text file's name when it is sealed
RECOVERY_PREFIX = "AGE-SECRET-KEY-1"

TO_ENCRYPTED = "encrypted"
TO_PLAIN = "plain"

# The steps of each switch, in order, as named to checkpoint().
STEPS = {
    "encrypt": ["switch noted", "key facts written", "key file written", "workbook sealed",
                "copy sealed", "switch done"],
    "decrypt": ["switch noted", "copy opened", "workbook opened", "key file removed",
                "key facts removed", "switch done"],
    "passphrase": ["both keys allowed", "key file written", "new key only"],
}

# Called with each step's name as the step is done; the crash tests end the process
# there. Nothing else sets it.
on_checkpoint: Callable[[str], None] | None = None


def checkpoint(step: str) -> None:
    """A step of a switch is done (and on disk)."""
    if on_checkpoint is not None:
        on_checkpoint(step)


class KeyPaths(NamedTuple):
    """Where the key's files live in a data folder."""

    data_dir: Path

    @property
    def key(self) -> Path:
        return self.data_dir / KEY_NAME

    @property
    def facts(self) -> Path:
        return self.data_dir / FACTS_NAME

    @property
    def switch(self) -> Path:
        return self.data_dir / SWITCH_NAME

    @property
    def workbook(self) -> Path:
        return self.data_dir / "workbook.json"


def _sha256(data: bytes) -> str:
    # deferred: start-up speed (loaded only on the path that uses it)
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: dict[str, Any]) -> None:
    atomic_write(path, (json.dumps(value, indent=1) + "\n").encode("utf-8"))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fsync_dir(path.parent)


# What is on disk ------------------------------------------------------------------------
def workbook_sealed(data_dir: Path) -> bool | None:
    """Whether the workbook file is sealed; None when there is none (or it is unreadable)."""
    try:
        with open(KeyPaths(data_dir).workbook, "rb") as file:
            return is_sealed(file.read(64))
    except OSError:
        return None


def encryption_on(data_dir: Path) -> bool:
    """Whether opening the workbook needs the passphrase: the workbook is sealed, or a
    key file says it should be."""
    paths = KeyPaths(Path(data_dir).expanduser())
    if workbook_sealed(paths.data_dir):
        return True
    # A key beside a plain workbook: encryption is on (and the plain file is told apart
    # once the key is given), unless a switch was cut short, which the next writer ends
    # with the workbook as it is now, plain.
    try:
        return paths.key.exists() and not paths.switch.exists()
    except OSError:  # a folder that cannot be looked into: opening it says so
        return False


def switch_in_progress(data_dir: Path) -> str | None:
    """The way a switch cut short was going (``encrypted`` or ``plain``), or None."""
    switch = _read_json(KeyPaths(data_dir).switch)
    if switch is None:
        return None
    return switch.get("to") if switch.get("to") in (TO_ENCRYPTED, TO_PLAIN) else TO_PLAIN


def recipient_of(data_dir: Path) -> str | None:
    """The public key saves are sealed to, from the key facts (or a switch under way)."""
    paths = KeyPaths(data_dir)
    for source in (paths.facts, paths.switch):
        recipient = (_read_json(source) or {}).get("recipient")
        if isinstance(recipient, str) and recipient.startswith("age1"):
            return recipient
    return None


def key_file_state(data_dir: Path) -> str:
    """``intact``, ``missing``, ``damaged`` or ``unknown`` (no facts to check it by)."""
    paths = KeyPaths(data_dir)
    try:
        content = paths.key.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "damaged"
    digests = (_read_json(paths.facts) or {}).get("key_sha256")
    if not isinstance(digests, list):
        return "unknown"
    return "intact" if _sha256(content) in digests else "damaged"


def looks_like_recovery_key(secret: str) -> bool:
    return secret.strip().upper().startswith(RECOVERY_PREFIX)


def too_busy(error: sealing.TooMuchWork) -> MachineTooBusy:
    """What to tell the user when age would not try the passphrase (see TooMuchWork)."""
    estimate = f" (about {error.seconds:,} seconds by its measure)" if error.seconds else ""
    return MachineTooBusy(
        "The passphrase was not tried: this machine looks too slow just now to make it "
        f"into the key{estimate}, more than age allows. Try again when fewer programs are "
        "running, or give the recovery key instead, which needs no such work (on a much "
        "slower machine than the one the passphrase was set on, then set it again here "
        "with secondop-tui passphrase).")


def unlock(data_dir: Path, secret: str) -> WorkbookKey:
    """The workbook's key, from its passphrase or its recovery key.

    Raises :class:`WrongPassphrase` when the key file is intact but does not open with
    ``secret`` (or the recovery key is another workbook's), :class:`MachineTooBusy` when
    the passphrase could not be tried, :class:`KeyFileDamaged` when the key file is
    missing, damaged or not this workbook's.
    """
    paths = KeyPaths(Path(data_dir).expanduser())
    expected = recipient_of(paths.data_dir)
    if looks_like_recovery_key(secret):
        try:
            key = WorkbookKey.from_recovery_key(secret)
        except ValueError as error:
            raise WrongPassphrase(f"That recovery key cannot be read: {error}.") from None
        if expected is not None and key.recipient != expected:
            raise WrongPassphrase("That recovery key is not this workbook's.")
        return key
    try:
        content = paths.key.read_bytes()
    except FileNotFoundError:
        raise KeyFileDamaged(
            f"The key file {paths.key} is missing, so the passphrase cannot open the "
            "workbook. The recovery key still does: give it instead of the passphrase "
            "(secondop-tui passphrase sets a new passphrase with it).") from None
    except OSError as error:
        raise KeyFileDamaged(f"The key file {paths.key} cannot be read: "
                             f"{error.strerror or error}.") from None
    state = key_file_state(paths.data_dir)
    try:
        key = WorkbookKey.unlock(content, secret)
    except (sealing.TooMuchWork, sealing.WrongPassphrase) as error:
        if state == "damaged":  # the damage may be in the work factor age would not try
            raise KeyFileDamaged(
                f"The key file {paths.key} is damaged (it no longer matches its "
                f"checksum in {FACTS_NAME}). The recovery key still opens the workbook: "
                "give it instead of the passphrase, and set a new passphrase with "
                "secondop-tui passphrase.") from None
        if isinstance(error, sealing.TooMuchWork):
            raise too_busy(error) from None
        raise WrongPassphrase("That passphrase does not open this workbook.") from None
    except ValueError:
        raise KeyFileDamaged(f"The key file {paths.key} opened, but holds no key.") from None
    if expected is not None and key.recipient != expected:
        raise KeyFileDamaged(f"The key file {paths.key} holds another workbook's key.")
    return key


def unlock_shared(key_file: bytes, sealed: bytes, secret: str) -> WorkbookKey:
    """The key of a workbook shared by sync: ``key_file`` (the key sealed with the shared
    passphrase, from the sync remote) opened with ``secret``, the passphrase (or the
    recovery key). It must open ``sealed``, the shared workbook; else
    :class:`WrongPassphrase` (:class:`MachineTooBusy` when it could not be tried)."""
    try:
        if looks_like_recovery_key(secret):
            key = WorkbookKey.from_recovery_key(secret)
        else:
            key = WorkbookKey.unlock(key_file, secret)
        key.open(sealed)
    except sealing.TooMuchWork as error:
        raise too_busy(error) from None
    except (sealing.WrongPassphrase, ValueError, SealProblem):
        raise WrongPassphrase("That passphrase does not open the shared workbook.") from None
    return key


# Copies of the workbook -----------------------------------------------------------------
def copies(data_dir: Path) -> list[Path]:
    """Every file but the workbook itself that holds something of it: the previous save,
    the backups, the copies kept aside, kept notes, typing kept after a hangup."""
    found = [data_dir / "workbook.prev.json"]
    found += sorted((data_dir / "backups").glob("workbook-*.json"))
    found += sorted(data_dir.glob("workbook.*-*.json"))
    for prefix in ("kept-note-", "keys-not-handled-"):
        found += sorted(data_dir.glob(f"{prefix}*.txt"))
        found += sorted(data_dir.glob(f"{prefix}*.txt{SEALED_SUFFIX}"))
    return [path for path in found if path.is_file() and not path.is_symlink()]


def _sealed_name(path: Path) -> Path:
    return path if path.suffix == ".json" else path.with_name(path.name + SEALED_SUFFIX)


def _plain_name(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(SEALED_SUFFIX))


def _replace(path: Path, target: Path, content: bytes) -> None:
    atomic_write(target, content)
    if target != path:
        _remove(path)


def seal_file(path: Path, recipient: str) -> Path:
    """Seal one file in place (a text file gains ``.age``); a sealed one is left alone."""
    content = path.read_bytes()
    target = _sealed_name(path)
    if is_sealed(content):
        return path
    if target != path and target.exists():  # sealed before a crash: the plain one goes
        _remove(path)
        return target
    _replace(path, target, sealing.seal_to(recipient, content))
    return target


def open_file(path: Path, key: WorkbookKey) -> Path:
    """Open one sealed file in place (a text file loses ``.age``); a plain one stays."""
    content = path.read_bytes()
    if not is_sealed(content):
        return path
    target = _plain_name(path)
    if target != path and target.exists():
        _remove(path)
        return target
    _replace(path, target, key.open(content))
    return target


def seal_copies(data_dir: Path, recipient: str, step: str = "") -> list[Path]:
    """Seal every copy still plain; the files sealed now."""
    sealed = []
    for path in copies(data_dir):
        if path.suffix == SEALED_SUFFIX and path.name.endswith(".txt" + SEALED_SUFFIX):
            if _plain_name(path).exists():  # both: the plain one is left over
                _remove(_plain_name(path))
            continue
        before = path.read_bytes()[:64]
        if is_sealed(before):
            continue
        sealed.append(seal_file(path, recipient))
        if step:
            checkpoint(step)
    return sealed


def plain_copies(data_dir: Path) -> list[Path]:
    """The copies that are not sealed (none should be while encryption is on)."""
    found = []
    for path in copies(data_dir):
        try:
            with open(path, "rb") as file:
                if not is_sealed(file.read(64)):
                    found.append(path)
        except OSError:
            continue
    return found


def sealed_copies(data_dir: Path) -> list[Path]:
    found = []
    for path in copies(data_dir):
        try:
            with open(path, "rb") as file:
                if is_sealed(file.read(64)):
                    found.append(path)
        except OSError:
            continue
    return found


# Switches -----------------------------------------------------------------------------
def _verify_sealed(key: WorkbookKey, expected: bytes) -> Callable[[Path], None]:
    def verify(written: Path) -> None:
        if key.open(written.read_bytes()) != expected:
            raise SealProblem("the sealed workbook read back differs from the workbook")

    return verify


def _verify_plain(expected: bytes) -> Callable[[Path], None]:
    def verify(written: Path) -> None:
        content = written.read_bytes()
        if content != expected:
            raise SealProblem("the workbook read back differs from what was written")
        codec.decode(content)

    return verify


def _facts(recipient: str, *key_files: bytes) -> dict[str, Any]:
    return {"format": "age", "recipient": recipient,
            "key_sha256": [_sha256(content) for content in key_files]}


def turn_on(data_dir: Path, encoded: bytes, passphrase: str | None, created: str, *,
            shared: tuple[WorkbookKey, bytes] | None = None
            ) -> tuple[WorkbookKey, bytes, os.stat_result]:
    """Encrypt the workbook (``encoded``, its plain bytes as the store has them now) and
    every copy of it, to a new key sealed with ``passphrase``; or, with ``shared``, to
    a key already made elsewhere and its key file (a synced workbook's, opened with its
    passphrase). Call under the workbook's lock, with no switch under way.

    Returns the key, the sealed workbook as written and the status of the file."""
    paths = KeyPaths(data_dir)
    key = shared[0] if shared is not None else WorkbookKey.generate()
    try:
        _write_json(paths.switch, {"to": TO_ENCRYPTED, "recipient": key.recipient})
        checkpoint("switch noted")
        if shared is not None:
            key_file = shared[1]
        else:
            assert passphrase is not None
            key_file = key.lock(passphrase, created)
        _write_json(paths.facts, _facts(key.recipient, key_file))
        checkpoint("key facts written")
        atomic_write(paths.key, key_file)
        checkpoint("key file written")
        sealed = key.seal(encoded)
        written = atomic_write(paths.workbook, sealed, verify=_verify_sealed(key, encoded))
    except BaseException:
        _undo_quietly(data_dir)
        raise
    checkpoint("workbook sealed")
    _after_the_switch(data_dir, lambda: seal_copies(data_dir, key.recipient, "copy sealed"))
    return key, sealed, written


def _undo_quietly(data_dir: Path) -> None:
    """A switch failed before its moment (a full disk, say): undo what it did."""
    try:
        finish_switch(data_dir)
    except Exception:  # noqa: BLE001 - the next start finishes it; the first error counts
        pass


def _after_the_switch(data_dir: Path, rest: Callable[[], object]) -> None:
    """What follows a switch's moment. If it fails, the switch still holds; the next
    start does what is left (finish_switch)."""
    try:
        rest()
        _remove(KeyPaths(data_dir).switch)
    except OSError:
        return
    checkpoint("switch done")


def turn_off(data_dir: Path, key: WorkbookKey, encoded: bytes) -> os.stat_result:
    """Decrypt the workbook (written as ``encoded``) and every copy of it, then remove
    the key. Call under the workbook's lock, with no switch under way."""
    paths = KeyPaths(data_dir)
    try:
        _write_json(paths.switch, {"to": TO_PLAIN, "recipient": key.recipient})
        checkpoint("switch noted")
        for path in sealed_copies(data_dir):
            open_file(path, key)
            checkpoint("copy opened")
        written = atomic_write(paths.workbook, encoded, verify=_verify_plain(encoded))
    except BaseException:
        _undo_quietly(data_dir)
        raise
    checkpoint("workbook opened")

    def take_the_key_away() -> None:
        _remove(paths.key)
        checkpoint("key file removed")
        _remove(paths.facts)
        checkpoint("key facts removed")

    _after_the_switch(data_dir, take_the_key_away)
    return written


def change_passphrase(data_dir: Path, key: WorkbookKey, passphrase: str, created: str
                      ) -> None:
    """Seal the key with a new passphrase. The key stays the same, and so does the
    recovery key. Call under the workbook's lock."""
    paths = KeyPaths(data_dir)
    new_file = key.lock(passphrase, created)
    try:
        old_file = paths.key.read_bytes()
    except OSError:
        old_file = b""
    # Both key files are taken as intact until the new one is in place: a crash between
    # the two leaves a key file that opens with the old passphrase or the new one.
    _write_json(paths.facts, _facts(key.recipient, *(f for f in (old_file, new_file) if f)))
    checkpoint("both keys allowed")
    atomic_write(paths.key, new_file)
    checkpoint("key file written")
    _write_json(paths.facts, _facts(key.recipient, new_file))
    checkpoint("new key only")


def finish_switch(data_dir: Path) -> str | None:
    """Finish (or undo) a switch a crash cut short; call under the workbook's lock.
    Needs no passphrase. Returns what to tell the user, or None when there was none."""
    paths = KeyPaths(data_dir)
    switch = _read_json(paths.switch)
    remove_stale_temp_files(data_dir)
    if (data_dir / "backups").is_dir():
        remove_stale_temp_files(data_dir / "backups")
    if switch is None:
        return None
    to = switch.get("to")
    recipient = switch.get("recipient") or recipient_of(data_dir)
    sealed = workbook_sealed(data_dir)
    if sealed:
        if not isinstance(recipient, str):
            raise StoreError(f"{paths.switch} is damaged, and the workbook is encrypted; "
                             "nothing was changed.")
        seal_copies(data_dir, recipient)
        _remove(paths.switch)
        return ("Encrypting the workbook was interrupted after the workbook itself was "
                "encrypted; every copy of it is now encrypted too." if to == TO_ENCRYPTED
                else "Decrypting the workbook was interrupted before the workbook itself "
                "was decrypted; it stays encrypted, and so does every copy of it.")
    # The workbook is plain (or there is none): the switch ends with encryption off.
    for path in (paths.key, paths.facts):
        _remove(path)
    _remove(paths.switch)
    return ("Encrypting the workbook was interrupted before the workbook itself was "
            "encrypted; it stays as it was, not encrypted. Run secondop-tui encrypt again."
            if to == TO_ENCRYPTED else
            "Decrypting the workbook was interrupted after the workbook itself was "
            "decrypted; the key files are now removed too.")


def expects_sealed(data_dir: Path) -> bool:
    """Whether the data folder says its workbook is encrypted: a key file is there and
    no switch is under way (a switch cut short is for finish_switch to decide)."""
    paths = KeyPaths(data_dir)
    try:
        return paths.key.exists() and not paths.switch.exists()
    except OSError:  # a folder that cannot be looked into: opening it says so
        return False


def plain_where_sealed_expected(path: Path) -> EncryptionMismatch:
    """The error for a plain workbook file in a data folder whose encryption is on."""
    return EncryptionMismatch(
        f"The workbook {path} is not encrypted, though encryption is on ({KEY_NAME} is "
        "beside it): it was replaced by a plain file. Nothing was changed. To go back to "
        "the encrypted workbook: secondop-tui restore newest (it asks for the "
        "passphrase). To keep this plain file and turn encryption off: secondop-tui "
        "decrypt.")
