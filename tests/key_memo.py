"""Age's key derivation from a passphrase, paid once per key and passphrase in a test run.

Age's scrypt takes a few seconds and up to 1 GiB on purpose; a test run asks for the
same few keys and passphrases hundreds of times, in the test processes and in the
command lines they start. With :func:`install`, a process takes its new keys in turn from
eight made once for the whole run, makes a key file for a key and a passphrase once and
remembers it, and remembers what a key file and a passphrase open to (or that they do
not). A key file it made is known to open with its own passphrase only, so a wrong one
is told without a derivation too. The key files are age's own, and everything else of
encryption runs as in the app. (An answer is remembered for the rest of the run: a test
that makes age refuse a key file it did not change would be remembered as a wrong
passphrase; the tests of such refusals change the key file, see tests/helpers.py.)

What is remembered is shared through a private folder named by ``MEMO_ENV``, which the
test run makes (see ``conftest.py``) and its child processes inherit: a command line the
tests start remembers into the same folder (:data:`LAUNCH` starts one so). The app
started as the installed command (the pseudo-terminal tests) pays every derivation.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

MEMO_ENV = "SECONDOP_TUI_TEST_KEY_MEMO"
MADE_KEYS = 8
ROOT = Path(__file__).resolve().parent.parent

# The start of a ``python -c`` program that remembers with the run (the tests' own
# launchers begin with it), and ``python -c LAUNCH ARGS…``: the command line, as
# ``python -m secondop_tui ARGS…`` runs it, with the remembered keys.
PRELUDE = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests import key_memo; "
           "key_memo.install()\n")
LAUNCH = PRELUDE + "from secondop_tui.cli import run; run()"


def make_folder() -> Path:
    """A new private folder for a run's memory (the caller removes it)."""
    return Path(tempfile.mkdtemp(prefix="secondop-key-memo-"))


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


class Memo:
    """The remembered keys, key files and answers, in ``folder``: one file each, written
    whole (a temp file renamed), so processes that share it never read half a file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _read(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None

    def _write(self, name: str, data: bytes) -> None:
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, self.folder / name)

    def next_made_key(self, make) -> str:
        """The recovery key of the next of the run's made keys (``make()`` makes one).

        Each test worker takes them in its own turn, shared with the command lines it
        starts (which inherit its name): a test and what it starts run one at a time, so
        two keys asked for one after the other in a test differ, as with real keys, up to
        eight in a row. The other workers' keys do not move its turn."""
        with open(self.folder / "keys.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed, or the process ends
            made = self._read("made-keys")
            if made is None:
                made = "\n".join(make().recovery_key()
                                 for _ in range(MADE_KEYS)).encode("ascii")
                self._write("made-keys", made)
            counter = f"turn-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
            turn = int(self._read(counter) or b"0")
            self._write(counter, str(turn + 1).encode("ascii"))
        return made.decode("ascii").splitlines()[turn % MADE_KEYS]

    def key_file(self, recipient: str, passphrase: str) -> bytes | None:
        return self._read(f"key-file-{_digest(recipient, passphrase)}")

    def remember_key_file(self, recipient: str, passphrase: str, key_file: bytes,
                          recovery_key: str) -> None:
        # What the key file opens with, first: a process that finds the key file also
        # finds how it opens.
        self._write(f"made-{_digest(key_file)}",
                    f"{_digest(passphrase)}\n{recovery_key}".encode("ascii"))
        self._write(f"key-file-{_digest(recipient, passphrase)}", key_file)

    def opened(self, key_file: bytes, passphrase: str) -> tuple[bool, str | None]:
        """(known, the recovery key it opens to or None for a wrong passphrase)."""
        made = self._read(f"made-{_digest(key_file)}")
        if made is not None:
            made_with, recovery = made.decode("ascii").split("\n", 1)
            return True, recovery if made_with == _digest(passphrase) else None
        answer = self._read(f"opened-{_digest(key_file, passphrase)}")
        if answer is None:
            return False, None
        return True, answer.decode("ascii") or None

    def remember_opened(self, key_file: bytes, passphrase: str, recovery: str | None) -> None:
        self._write(f"opened-{_digest(key_file, passphrase)}", (recovery or "").encode("ascii"))


def install(set_attr=setattr) -> bool:
    """Make this process's WorkbookKey remember through the folder named by ``MEMO_ENV``;
    ``set_attr`` is how (a MonkeyPatch's, to be undone). False, and nothing changed,
    when there is no such folder."""
    named = os.environ.get(MEMO_ENV)
    if not named:
        return False
    memo = Memo(Path(named))
    from secondop_tui.core.sealing import WorkbookKey, WrongPassphrase

    real_generate = WorkbookKey.generate
    real_lock, real_unlock = WorkbookKey.lock, WorkbookKey.unlock.__func__

    def generate(cls) -> WorkbookKey:
        return cls.from_recovery_key(memo.next_made_key(real_generate))

    def lock(self, passphrase: str, created: str) -> bytes:
        found = memo.key_file(self.recipient, passphrase)
        if found is None:
            found = real_lock(self, passphrase, created)
            memo.remember_key_file(self.recipient, passphrase, found, self.recovery_key())
        return found

    def unlock(cls, key_file: bytes, passphrase: str) -> WorkbookKey:
        known, recovery = memo.opened(key_file, passphrase)
        if not known:
            try:
                recovery = real_unlock(cls, key_file, passphrase).recovery_key()
            except WrongPassphrase:
                recovery = None
            memo.remember_opened(key_file, passphrase, recovery)
        if recovery is None:
            raise WrongPassphrase()
        return cls.from_recovery_key(recovery)

    set_attr(WorkbookKey, "generate", classmethod(generate))
    set_attr(WorkbookKey, "lock", lock)
    set_attr(WorkbookKey, "unlock", classmethod(unlock))
    return True
