"""Sealed files: the age format (age-encryption.org), through ``pyrage``.

An encrypted workbook is sealed to one X25519 key, the workbook's key. The key itself
is kept beside the workbook sealed with the passphrase (age's scrypt recipient); its
plain form, ``AGE-SECRET-KEY-1…``, is the recovery key. Every file here is a standard
age file: ``age -d -i KEY FILE`` opens it without this app.

Sealing and opening run on the caller's thread, which for a save is the saving thread;
the data is fed to age a chunk at a time, handing the interpreter to the other threads
between chunks, so a key typed meanwhile never waits for a whole workbook's encryption.
"""

from __future__ import annotations

import re
import time

import pyrage
from pyrage import passphrase as age_passphrase
from pyrage import x25519

MAGIC = b"age-encryption.org/v1\n"
ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
# age reads and writes its payload in chunks of 64 KiB, asking its reader for 8 KiB at a
# time; every so many reads (1 MiB, about a millisecond of encryption) the interpreter
# is handed to the other threads. More often costs the save more than it saves a key:
# between two hand-overs, a waiting thread also gets its turn at Python's own switch.
YIELD_EVERY_READS = 128


class SealProblem(Exception):
    """A sealed file cannot be opened with the key given; ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotThisKey(SealProblem):
    """The file is sealed, but not to this key (or its header is damaged where the key
    is named)."""


class WrongPassphrase(Exception):
    """The passphrase does not open the key file (which is intact)."""


class TooMuchWork(Exception):
    """age would not make the passphrase into the key: by its quick measure of this
    machine, the key file's work factor asks for more than some 16 seconds here. age
    measures again at every try, and a busy moment makes a machine look slow; a key
    file made on a much faster machine is refused every time."""

    def __init__(self, seconds: int | None) -> None:
        super().__init__(seconds)
        self.seconds = seconds  # age's estimate of the work here, when it gave one


# A passphrase refused for the work it would take is tried this many times, a little
# later each time (about three seconds in all), before the refusal is reported: each try
# costs no key derivation, only age's measure of the machine, which one moment when
# other programs held the processor can make look sixteen times too slow.
TOO_MUCH_WORK_TRIES = 10
_WORK_ESTIMATE = re.compile(r"around\D*(\d+)\D*seconds")


def _open_with_passphrase(sealed: bytes, passphrase: str) -> bytes:
    """age's passphrase decryption, tried again while age refuses it for the work."""
    seconds = None
    for attempt in range(1, TOO_MUCH_WORK_TRIES + 1):
        try:
            return age_passphrase.decrypt(sealed, passphrase)
        except pyrage.DecryptError as error:
            message = str(error)
            if "Excessive work" not in message:
                raise WrongPassphrase() from None
            found = _WORK_ESTIMATE.search(message)
            seconds = int(found.group(1)) if found else None
        if attempt < TOO_MUCH_WORK_TRIES:
            time.sleep(0.05 * attempt)
    raise TooMuchWork(seconds)


def is_sealed(data: bytes) -> bool:
    """Whether ``data`` is an age file (binary or armored)."""
    return data.startswith(MAGIC) or data[:64].lstrip().startswith(ARMOR)


class _Chunks:
    """Bytes read a chunk at a time, handing the interpreter over every few chunks."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._at = 0
        self._reads = 0

    def read(self, size: int = -1) -> bytes:
        self._reads += 1
        if self._reads % YIELD_EVERY_READS == 0:
            time.sleep(0)  # let a waiting thread (the typing one) run
        at = self._at
        if size is None or size < 0:
            size = len(self._view) - at
        self._at = min(at + size, len(self._view))
        return self._view[at:self._at].tobytes()


class _Counted:
    """Collects what age writes, counting it (to say where a damaged file went wrong)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def seal_to(recipient: str, data: bytes) -> bytes:
    """``data`` sealed to the public key ``recipient`` (``age1…``): no passphrase and no
    key derivation are needed to seal."""
    out = _Counted()
    pyrage.encrypt_io(_Chunks(data), out, [x25519.Recipient.from_str(recipient)])
    return b"".join(out.parts)


def _payload_problem(data: bytes, opened: int) -> str:
    header_end = data.find(b"\n--- ")
    if header_end < 0 or data.find(b"\n", header_end + 1) < 0:
        return "it is cut short: it ends inside its header"
    # How much of the payload was opened before it went wrong: at the end, the file was
    # cut short (or damaged in its last part); before, it was damaged there.
    payload = len(data) - data.find(b"\n", header_end + 1) - 1
    if payload - opened <= 64 * 1024 + 16 + 16:
        return "it is cut short, or damaged near its end"
    return f"it is damaged about {opened:,} bytes into its content"


class WorkbookKey:
    """The workbook's X25519 key, unlocked: lives only in this process, never on disk
    in plain form (but for the recovery key the user is shown once)."""

    def __init__(self, identity: x25519.Identity) -> None:
        self._identity = identity
        self.recipient = str(identity.to_public())

    @classmethod
    def generate(cls) -> "WorkbookKey":
        """A new key."""
        return cls(x25519.Identity.generate())

    @classmethod
    def from_recovery_key(cls, text: str) -> "WorkbookKey":
        """The key from its recovery form: the ``AGE-SECRET-KEY-1…`` line (an age
        identity file, with its comment lines, is accepted too). ValueError if none."""
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                try:
                    return cls(x25519.Identity.from_str(line.upper()))
                except pyrage.IdentityError as error:
                    raise ValueError(f"that is not a recovery key ({error})") from None
        raise ValueError("there is no recovery key in it")

    def recovery_key(self) -> str:
        """The key in plain form (``AGE-SECRET-KEY-1…``): whoever has it can read the
        workbook, and ``age -d -i`` takes it."""
        return str(self._identity)

    def identity_file(self, created: str) -> bytes:
        """The key as an age identity file, as ``age-keygen`` writes one."""
        return (f"# created: {created}\n# public key: {self.recipient}\n"
                f"{self._identity}\n").encode("ascii")

    def seal(self, data: bytes) -> bytes:
        """``data`` sealed to this key."""
        return seal_to(self.recipient, data)

    def open(self, data: bytes) -> bytes:
        """The plain content of a file sealed to this key; :class:`SealProblem` (or
        :class:`NotThisKey`) with the reason when it cannot be opened."""
        out = _Counted()
        try:
            pyrage.decrypt_io(_Chunks(data), out, [self._identity])
        except (pyrage.DecryptError, OSError) as error:  # OSError: a damaged payload
            message = str(error)
            if "No matching keys" in message:
                raise NotThisKey("it is sealed to another key than this workbook's (or its "
                                 "header is damaged)") from None
            if "Header MAC" in message:
                raise SealProblem("its header is damaged") from None
            if "fill whole buffer" in message or len(data) <= len(MAGIC):
                raise SealProblem("it is cut short: it ends inside its header") from None
            raise SealProblem(_payload_problem(data, out.size)) from None
        return b"".join(out.parts)

    def lock(self, passphrase: str, created: str) -> bytes:
        """The key file's content: the identity file sealed with ``passphrase`` (age's
        scrypt recipient, with the work factor rage chooses from a quick measure of this
        machine, aiming at a second; in practice a few seconds, and up to 1 GiB of
        memory, to open). ``age -d`` opens it with the passphrase; ``age -d -i`` takes
        it as an identity file and asks for the passphrase."""
        return age_passphrase.encrypt(self.identity_file(created), passphrase)

    @classmethod
    def unlock(cls, key_file: bytes, passphrase: str) -> "WorkbookKey":
        """The key from the key file's content. Raises :class:`WrongPassphrase` when the
        passphrase does not open it, :class:`TooMuchWork` when age would not try (see
        there), ValueError when what it holds is not a key."""
        plain = _open_with_passphrase(key_file, passphrase)
        return cls.from_recovery_key(plain.decode("ascii", "replace"))
