"""Encryption at rest: the core (sealing, the key, the switches) and the commands.

The age command-line tool opens what the app writes (test_age_tool_*); the crash tests
are in test_encryption_crashes.py; the app's passphrase screen and dialogs in
test_encryption_ui.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest
from hypothesis import given, strategies as st

from secondop_tui.core import backups, codec, encryption, notes, sealing
from secondop_tui.core.errors import (
    EncryptionMismatch,
    KeyFileDamaged,
    MachineTooBusy,
    PassphraseNeeded,
    WorkbookDamaged,
    WrongPassphrase,
)
from secondop_tui.core.passphrases import strength
from secondop_tui.core.sealing import NotThisKey, SealProblem, WorkbookKey, is_sealed
from secondop_tui.core.store import WorkbookStore
from tests import key_memo
from tests.helpers import (
    NEW_PASSPHRASE,
    PASSPHRASE,
    SECRET_DOCTOR,
    SECRET_NOTE,
    encrypted,
    files_holding,
    damaged_key_file,
    key_file_asking_too_much,
    private_workbook,
)
from tests.system_needs import missing

def run_cli(data_dir: Path, *args: str, secrets: str | None = None,
            stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """The command, in a process of its own (with the run's remembered key derivations,
    see tests/key_memo.py); ``secrets`` go to it through a pipe (--passphrase-fd N)."""
    pass_fds: tuple[int, ...] = ()
    extra: list[str] = []
    read_end = None
    if secrets is not None:
        read_end, write_end = os.pipe()
        os.write(write_end, secrets.encode())
        os.close(write_end)
        pass_fds = (read_end,)
        extra = ["--passphrase-fd", str(read_end)]
    try:
        return subprocess.run([sys.executable, "-c", key_memo.LAUNCH, "--data-dir",
                               str(data_dir), *args, *extra], capture_output=True,
                              text=True, timeout=120, stdin=stdin, pass_fds=pass_fds)
    finally:
        if read_end is not None:
            os.close(read_end)


# Sealing ------------------------------------------------------------------------------
@given(st.binary(max_size=200_000))
def test_sealing_round_trips_any_bytes(data: bytes):
    key = WorkbookKey.generate()
    sealed = key.seal(data)
    assert is_sealed(sealed) and key.open(sealed) == data


def test_a_damaged_or_cut_sealed_file_says_how():
    key = WorkbookKey.generate()
    sealed = key.seal(b"x" * 300_000)
    header_end = sealed.index(b"\n--- ")
    with pytest.raises(SealProblem, match="cut short, or damaged near its end"):
        key.open(sealed[:-5])
    with pytest.raises(SealProblem, match="ends inside its header"):
        key.open(sealed[:header_end])
    flipped = bytearray(sealed)
    flipped[header_end + 200] ^= 1
    with pytest.raises(SealProblem, match="damaged about 0 bytes into"):
        key.open(bytes(flipped))
    with pytest.raises(NotThisKey):
        WorkbookKey.generate().open(sealed)


def test_the_recovery_key_is_an_age_identity():
    key = WorkbookKey.generate()
    text = key.recovery_key()
    assert text.startswith("AGE-SECRET-KEY-1")
    again = WorkbookKey.from_recovery_key(f"# a comment\n{text.lower()}\n")
    assert again.recipient == key.recipient
    with pytest.raises(ValueError):
        WorkbookKey.from_recovery_key("AGE-SECRET-KEY-1NOTAKEY")


# Strength -------------------------------------------------------------------------------
def test_strength_is_a_hint_that_likes_plain_words():
    assert strength("correct horse battery staple").good_enough
    assert strength("my cat likes warm bread in the morning").good_enough
    assert not strength("password1").good_enough
    assert "common" in strength("password1").describe()
    assert strength("x" * 500).score >= 0  # long passphrases are looked at, not refused


# Turning it on ----------------------------------------------------------------------------
def test_encrypt_leaves_nothing_plain_and_opens_with_the_passphrase(data_dir: Path):
    doc_id = private_workbook(data_dir)
    assert files_holding(data_dir)  # the words are there to be found, before
    key = encrypted(data_dir)
    assert files_holding(data_dir) == []
    assert (data_dir / "workbook.prev.json").exists() and backups.list_backups(data_dir)
    for path in [data_dir / "workbook.json", data_dir / "workbook.prev.json",
                 *backups.backup_dir(data_dir).iterdir()]:
        assert is_sealed(path.read_bytes()), path
        assert os.stat(path).st_mode & 0o777 == 0o600
    assert not (data_dir / encryption.SWITCH_NAME).exists()

    with pytest.raises(PassphraseNeeded):
        WorkbookStore.open(data_dir)
    with pytest.raises(WrongPassphrase):
        encryption.unlock(data_dir, "not the passphrase")
    unlocked = encryption.unlock(data_dir, PASSPHRASE)
    assert unlocked.recipient == key.recipient
    store = WorkbookStore.open(data_dir, key=unlocked, autoflush=True)
    assert store.encrypted
    assert SECRET_NOTE in notes.get_consultation(store, doc_id).note
    notes.save_note(store, doc_id, f"{SECRET_NOTE} and more")
    store.close()
    assert files_holding(data_dir) == []
    # The recovery key opens it too, with no key file at all.
    (data_dir / encryption.KEY_NAME).unlink()
    with pytest.raises(KeyFileDamaged, match="missing"):
        encryption.unlock(data_dir, PASSPHRASE)
    by_recovery = encryption.unlock(data_dir, key.recovery_key())
    store = WorkbookStore.open(data_dir, key=by_recovery, read_only=True)
    assert notes.get_consultation(store, doc_id).note == f"{SECRET_NOTE} and more"
    store.close()


def test_every_kind_of_copy_is_sealed(data_dir: Path):
    doc_id = private_workbook(data_dir)
    store = WorkbookStore.open(data_dir)
    store.keep_keys_not_handled(f"typed {SECRET_NOTE}")
    store.close()
    (data_dir / f"kept-note-{doc_id}-20261120-093000.txt").write_text(SECRET_NOTE)
    (data_dir / "workbook.unsaved-20261120-093000.json").write_bytes(
        (data_dir / "workbook.json").read_bytes())
    key = encrypted(data_dir)
    assert files_holding(data_dir) == []
    names = sorted(p.name for p in data_dir.iterdir())
    assert f"kept-note-{doc_id}-20261120-093000.txt.age" in names
    assert any(n.startswith("keys-not-handled-") and n.endswith(".txt.age") for n in names)
    kept = data_dir / f"kept-note-{doc_id}-20261120-093000.txt.age"
    assert key.open(kept.read_bytes()) == SECRET_NOTE.encode()
    # While it is on, what a store writes beside the workbook is sealed too.
    store = WorkbookStore.open(data_dir, key=key)
    left = store.keep_keys_not_handled(f"more {SECRET_NOTE}")
    assert left.name.endswith(".txt.age") and key.open(left.read_bytes()).startswith(b"more")
    store.close()
    assert files_holding(data_dir) == []


def test_a_damaged_encrypted_workbook_is_told_apart_and_never_overwritten(data_dir: Path):
    private_workbook(data_dir)
    encrypted(data_dir)
    key = encryption.unlock(data_dir, PASSPHRASE)
    whole = (data_dir / "workbook.json").read_bytes()
    for damaged, says in [(whole[:-3], "cut short"), (whole[:40], "ends inside its header")]:
        (data_dir / "workbook.json").write_bytes(damaged)
        with pytest.raises(WorkbookDamaged, match=says) as caught:
            WorkbookStore.open(data_dir, key=key)
        assert (data_dir / "workbook.json").read_bytes() == damaged
        assert caught.value.aside is not None and caught.value.aside.read_bytes() == damaged
        assert caught.value.backup is not None  # a good encrypted backup is offered
    # Sealed to another key: damaged in words of its own.
    (data_dir / "workbook.json").write_bytes(WorkbookKey.generate().seal(b"{}"))
    with pytest.raises(WorkbookDamaged, match="another key"):
        WorkbookStore.open(data_dir, key=key)
    assert files_holding(data_dir) == []


def test_plain_where_encrypted_is_expected_and_the_other_way_round(data_dir: Path,
                                                                      tmp_path: Path):
    private_workbook(data_dir)
    plain = (data_dir / "workbook.json").read_bytes()
    key = encrypted(data_dir)
    sealed = (data_dir / "workbook.json").read_bytes()
    (data_dir / "workbook.json").write_bytes(plain)  # a plain file put back by hand
    with pytest.raises(EncryptionMismatch, match="not encrypted, though encryption is on"):
        WorkbookStore.open(data_dir, key=key)
    assert (data_dir / "workbook.json").read_bytes() == plain
    # The other way round: an encrypted workbook in a folder with no key file.
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    (other / "workbook.json").write_bytes(sealed)
    assert encryption.encryption_on(other)
    with pytest.raises(PassphraseNeeded):
        WorkbookStore.open(other)
    with pytest.raises(KeyFileDamaged, match="missing"):
        encryption.unlock(other, PASSPHRASE)
    assert (other / "workbook.json").read_bytes() == sealed
    store = WorkbookStore.open(other, key=encryption.unlock(other, key.recovery_key()))
    assert store.encrypted
    store.close()


def test_a_damaged_key_file_is_not_taken_for_a_wrong_passphrase(data_dir: Path):
    private_workbook(data_dir, starts=1)
    encrypted(data_dir)
    damaged_key_file(data_dir)
    with pytest.raises(KeyFileDamaged, match="damaged"):
        encryption.unlock(data_dir, PASSPHRASE)
    assert encryption.key_file_state(data_dir) == "damaged"


def test_a_passphrase_age_will_not_try_is_tried_again_then_told_apart(
        data_dir: Path, monkeypatch):
    private_workbook(data_dir, starts=1)
    key = encrypted(data_dir)
    key_file_asking_too_much(data_dir)
    tries = []
    real_decrypt = sealing.age_passphrase.decrypt
    monkeypatch.setattr(sealing.age_passphrase, "decrypt",
                        lambda data, secret: tries.append(1) or real_decrypt(data, secret))
    monkeypatch.setattr(sealing.time, "sleep", lambda seconds: None)
    with pytest.raises(MachineTooBusy) as refused:
        encryption.unlock(data_dir, PASSPHRASE)
    assert len(tries) == sealing.TOO_MUCH_WORK_TRIES
    message = str(refused.value)
    assert "not tried" in message and "recovery key" in message and "wrong" not in message
    assert encryption.unlock(data_dir, key.recovery_key()).recipient == key.recipient


def test_a_damaged_key_file_age_will_not_try_is_called_damaged(data_dir: Path, monkeypatch):
    # The damage can fall on the work factor: the key file's checksum tells it apart.
    private_workbook(data_dir, starts=1)
    encrypted(data_dir)
    key_file_asking_too_much(data_dir, intact=False)
    monkeypatch.setattr(sealing.time, "sleep", lambda seconds: None)
    with pytest.raises(KeyFileDamaged, match="damaged"):
        encryption.unlock(data_dir, PASSPHRASE)


def test_a_refusal_for_the_work_of_a_busy_moment_passes_when_tried_again(monkeypatch):
    # age measures the machine at each try: a moment when other programs held the
    # processor made it refuse a key file it opens a moment later.
    answers = [pyrage.DecryptError("Excessive work parameter for passphrase.\n"
                                   "Decryption would take around \u206816\u2069 seconds.")] * 3
    answers.append(b"the key")

    def decrypt(data: bytes, secret: str) -> bytes:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(sealing.age_passphrase, "decrypt", decrypt)
    monkeypatch.setattr(sealing.time, "sleep", lambda seconds: None)
    assert sealing._open_with_passphrase(b"key file", PASSPHRASE) == b"the key"
    assert answers == []
    answers[:] = [pyrage.DecryptError("Decryption failed")]
    with pytest.raises(sealing.WrongPassphrase):
        sealing._open_with_passphrase(b"key file", "wrong words")


def test_change_passphrase_keeps_the_recovery_key(data_dir: Path):
    doc_id = private_workbook(data_dir, starts=1)
    key = encrypted(data_dir)
    store = WorkbookStore.open(data_dir, key=encryption.unlock(data_dir, PASSPHRASE))
    store.change_passphrase(NEW_PASSPHRASE)
    store.close()
    with pytest.raises(WrongPassphrase):
        encryption.unlock(data_dir, PASSPHRASE)
    assert encryption.unlock(data_dir, NEW_PASSPHRASE).recipient == key.recipient
    assert encryption.unlock(data_dir, key.recovery_key()).recipient == key.recipient
    assert encryption.key_file_state(data_dir) == "intact"
    store = WorkbookStore.open(data_dir, key=key, read_only=True)
    assert SECRET_NOTE in notes.get_consultation(store, doc_id).note
    store.close()


def test_decrypt_writes_everything_plain_and_removes_the_key(data_dir: Path):
    doc_id = private_workbook(data_dir)
    encrypted(data_dir)
    store = WorkbookStore.open(data_dir, key=encryption.unlock(data_dir, PASSPHRASE))
    store.decrypt()
    notes.save_note(store, doc_id, f"{SECRET_NOTE} after")
    assert store.flush().ok
    store.close()
    for name in (encryption.KEY_NAME, encryption.FACTS_NAME, encryption.SWITCH_NAME):
        assert not (data_dir / name).exists()
    assert encryption.sealed_copies(data_dir) == []
    assert not encryption.encryption_on(data_dir)
    store = WorkbookStore.open(data_dir)
    assert notes.get_consultation(store, doc_id).note == f"{SECRET_NOTE} after"
    store.close()


def test_restore_keeps_the_workbook_encrypted(data_dir: Path):
    private_workbook(data_dir)
    plain_copy = data_dir.parent / "old-plain.json"
    plain_copy.write_bytes((data_dir / "workbook.json").read_bytes())
    key = encrypted(data_dir)
    from secondop_tui.core.store import restore_backup

    restored, aside = restore_backup(data_dir, plain_copy, key)
    assert is_sealed(restored.read_bytes()) and aside is not None
    assert is_sealed(aside.read_bytes())
    assert files_holding(data_dir) == []
    with pytest.raises(PassphraseNeeded):
        restore_backup(data_dir, backups.list_backups(data_dir)[0].path)


# The commands -------------------------------------------------------------------------
def test_encrypt_check_export_passphrase_and_decrypt_from_the_command_line(data_dir: Path):
    private_workbook(data_dir)
    plain_export = run_cli(data_dir, "export")
    assert plain_export.returncode == 0 and SECRET_DOCTOR in plain_export.stdout

    on = run_cli(data_dir, "encrypt", secrets=f"{PASSPHRASE}\n")
    assert on.returncode == 0, on.stderr
    recovery = on.stdout.strip()
    assert recovery.startswith("AGE-SECRET-KEY-1") and "\n" not in recovery
    assert "recovery key" in on.stderr
    assert files_holding(data_dir) == []

    outside = run_cli(data_dir, "check")
    assert outside.returncode == 0, outside.stdout + outside.stderr
    assert "Status:    encrypted (" in outside.stdout and "Backups:   1" in outside.stdout
    assert "encrypted, " in outside.stdout and "Key file:  workbook.key.age, intact" \
        in outside.stdout
    inside = run_cli(data_dir, "check", secrets=f"{PASSPHRASE}\n")
    assert "Status:    healthy" in inside.stdout and "Encrypted: yes" in inside.stdout

    no_secret = run_cli(data_dir, "export")
    assert no_secret.returncode == 1 and "no passphrase was given" in no_secret.stderr
    wrong = run_cli(data_dir, "export", secrets="wrong words\n")
    assert wrong.returncode == 1 and "does not open this workbook" in wrong.stderr
    right = run_cli(data_dir, "export", secrets=f"{PASSPHRASE}\n")
    assert right.returncode == 0 and right.stdout == plain_export.stdout
    by_recovery = run_cli(data_dir, "export", secrets=f"{recovery}\n")
    assert by_recovery.stdout == plain_export.stdout

    changed = run_cli(data_dir, "passphrase", secrets=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n")
    assert changed.returncode == 0, changed.stderr
    assert run_cli(data_dir, "export", secrets=f"{PASSPHRASE}\n").returncode == 1
    assert run_cli(data_dir, "export", secrets=f"{NEW_PASSPHRASE}\n").returncode == 0
    again = run_cli(data_dir, "encrypt", secrets=f"{PASSPHRASE}\n")
    assert again.returncode == 1 and "already encrypted" in again.stderr

    off = run_cli(data_dir, "decrypt", secrets=f"{NEW_PASSPHRASE}\n")
    assert off.returncode == 0, off.stderr
    assert run_cli(data_dir, "export").stdout == plain_export.stdout
    assert not (data_dir / encryption.KEY_NAME).exists()


def test_a_weak_passphrase_gets_a_hint_and_is_still_taken(data_dir: Path):
    private_workbook(data_dir, starts=1)
    on = run_cli(data_dir, "encrypt", secrets="password1\n")
    assert on.returncode == 0 and "Strength: very weak" in on.stderr
    assert run_cli(data_dir, "check", secrets="password1\n").returncode == 0


def test_restore_names_and_asks(data_dir: Path):
    private_workbook(data_dir, starts=3)
    run_cli(data_dir, "encrypt", secrets=f"{PASSPHRASE}\n")
    before = (data_dir / "workbook.json").read_bytes()
    refused = run_cli(data_dir, "restore", "newest")
    assert refused.returncode == 1 and "no passphrase" in refused.stderr
    assert (data_dir / "workbook.json").read_bytes() == before
    done = run_cli(data_dir, "restore", "newest", secrets=f"{PASSPHRASE}\n")
    assert done.returncode == 0, done.stderr
    assert is_sealed((data_dir / "workbook.json").read_bytes())
    assert files_holding(data_dir) == []


def test_age_tool_opens_the_workbook_with_the_recovery_key(data_dir: Path, tmp_path: Path):
    """The standard ``age`` command opens the workbook and every backup without this
    app, and gives the very JSON the app writes for a plain workbook."""
    age = shutil.which("age")
    if age is None:
        missing("the age command-line tool is not installed (Debian package age)")
    private_workbook(data_dir)
    on = run_cli(data_dir, "encrypt", secrets=f"{PASSPHRASE}\n")
    recovery_file = tmp_path / "recovery.txt"
    recovery_file.write_text(on.stdout)
    opened = subprocess.run([age, "-d", "-i", str(recovery_file),
                             str(data_dir / "workbook.json")], capture_output=True,
                            timeout=60)
    assert opened.returncode == 0, opened.stderr
    key = encryption.unlock(data_dir, PASSPHRASE)
    store = WorkbookStore.open(data_dir, key=key, read_only=True)
    assert opened.stdout == codec.encode(store.storage.read())
    store.close()
    assert SECRET_DOCTOR.encode() in opened.stdout
    for backup in backups.list_backups(data_dir):
        out = subprocess.run([age, "-d", "-i", str(recovery_file), str(backup.path)],
                             capture_output=True, timeout=60)
        assert out.returncode == 0 and codec.decode(out.stdout)


def test_garbage_where_an_encrypted_workbook_is_expected_is_damaged(data_dir: Path):
    private_workbook(data_dir)
    key = encrypted(data_dir)
    garbage = f"{SECRET_NOTE} half a plain file {{".encode()
    (data_dir / "workbook.json").write_bytes(garbage)
    with pytest.raises(WorkbookDamaged, match="not an encrypted file") as caught:
        WorkbookStore.open(data_dir, key=key)
    assert (data_dir / "workbook.json").read_bytes() == garbage  # never overwritten
    aside = caught.value.aside
    assert aside is not None and key.open(aside.read_bytes()) == garbage  # kept, sealed
    assert caught.value.backup is not None and caught.value.backup.sealed


def test_an_editor_file_left_in_the_private_folder_comes_back_sealed(
        data_dir: Path, tmp_path: Path, monkeypatch):
    from secondop_tui.core import kept_notes

    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    doc_id = private_workbook(data_dir, starts=1)
    key = encrypted(data_dir)
    # An app killed while the editor was open: the editor had saved new text.
    folder = kept_notes.private_edit_folder(data_dir)
    assert folder.parent == runtime and oct(folder.stat().st_mode & 0o777) == "0o700"
    kept_notes.edit_file(folder, doc_id, f"edited {SECRET_NOTE}")
    store = WorkbookStore.open(data_dir, key=key)
    store.close()
    assert list(runtime.iterdir()) == []  # the private folder is gone
    [kept] = kept_notes.kept_notes(data_dir)
    assert kept.name.endswith(".txt.age")
    assert key.open(kept.read_bytes()) == f"edited {SECRET_NOTE}".encode()
    assert "age -d -i" in kept_notes.kept_notice([kept])
    assert files_holding(data_dir) == []


# (After the run's remembered key derivations, which load no Textual either.)
NO_TEXTUAL = key_memo.PRELUDE + """
from secondop_tui.cli import main
code = main(sys.argv[1:])
loaded = [m for m in sys.modules if m == "textual" or m.startswith("textual.")]
print("TEXTUAL-LOADED" if loaded else f"NO-TEXTUAL {code}", file=sys.stderr)
"""


def test_the_encryption_commands_import_no_textual(data_dir: Path):
    private_workbook(data_dir, starts=1)
    for args, secrets in [(["encrypt"], f"{PASSPHRASE}\n"),
                          (["check"], f"{PASSPHRASE}\n"),
                          (["export"], f"{PASSPHRASE}\n"),
                          (["passphrase"], f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n"),
                          (["decrypt"], f"{NEW_PASSPHRASE}\n")]:
        read_end, write_end = os.pipe()
        os.write(write_end, secrets.encode())
        os.close(write_end)
        try:
            out = subprocess.run(
                [sys.executable, "-c", NO_TEXTUAL, "--data-dir", str(data_dir), *args,
                 "--passphrase-fd", str(read_end)], capture_output=True, text=True,
                timeout=120, pass_fds=(read_end,), stdin=subprocess.DEVNULL)
        finally:
            os.close(read_end)
        assert "NO-TEXTUAL 0" in out.stderr, (args, out.stderr)


@given(st.lists(st.text(st.characters(blacklist_characters="\n\r",
                                      blacklist_categories=("Cs",)), min_size=1),
                min_size=1, max_size=3))
def test_passphrases_from_a_descriptor_come_back_whole(lines: list[str]):
    from secondop_tui.core.passphrases import NoPassphrase, PassphraseReader

    read_end, write_end = os.pipe()
    os.write(write_end, "".join(f"{line}\n" for line in lines).encode())
    os.close(write_end)
    reader = PassphraseReader(read_end)
    try:
        assert [reader.read("") for _ in lines] == lines
        with pytest.raises(NoPassphrase, match="no \\(more\\) passphrases"):
            reader.read("")
    finally:
        os.close(read_end)
