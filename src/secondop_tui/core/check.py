"""``secondop-tui check``: a health report of the workbook that needs no screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from secondop_tui.core import backups, codec, encryption, kept_notes, schema
from secondop_tui.core.sealing import SealProblem, is_sealed
from secondop_tui.core.files import PRIVATE_FILE, folder_exposure, stale_temp_files
from secondop_tui.core.lock import WorkbookLock, read_holder
from secondop_tui.core.store import (
    WorkbookPaths,
    keys_left_files,
    restore_command,
    unsaved_copies,
)

if TYPE_CHECKING:
    from secondop_tui.core.sealing import WorkbookKey


def run_check(data_dir: Path, key: "WorkbookKey | None" = None) -> tuple[str, int]:
    """Inspect the workbook without changing anything. Returns (report, exit code).

    The exit code is 1 when the workbook file is damaged, 0 otherwise; other
    problems (loose permissions, leftover temp files) are reported but do not fail it.
    An encrypted workbook is looked into with ``key``; without it, what can be seen
    from outside is reported (that it is encrypted, its size, its backups, its key file).
    """
    paths = WorkbookPaths(Path(data_dir).expanduser().absolute())
    try:
        return _check(paths, key)
    except OSError as error:
        # The folder itself cannot be looked into (permissions, a broken disk...).
        where = f" ({error.filename})" if error.filename else ""
        return (f"Workbook:  {paths.workbook}\n"
                f"Status:    UNREADABLE: {error.strerror or error}{where}\n"
                "Problems:  the data folder cannot be read by this user; check who owns it "
                "and its permissions\n"), 1


def _check(paths: WorkbookPaths, key: "WorkbookKey | None") -> tuple[str, int]:
    lines = [f"Workbook:  {paths.workbook}"]
    problems: list[str] = []
    damaged = False

    if not paths.data_dir.exists():
        lines.append("Status:    no workbook yet (the folder is created on first start)")
        return "\n".join(lines) + "\n", 0

    paths.data_dir.stat()  # a folder that cannot be looked at is reported as such
    exposure = folder_exposure(paths.data_dir)
    if exposure:  # the app makes private only a folder it creates
        problems.append(exposure)

    if not paths.workbook.exists():
        lines.append("Status:    no workbook yet (it is created on first start)")
    else:
        if paths.workbook.is_symlink():
            problems.append("the workbook is a symbolic link; the app opens it read-only")
        raw = None
        try:
            content = paths.workbook.read_bytes()
            sealed = is_sealed(content)
            size = backups.size_in_words(len(content))
            if sealed and key is None:
                if not _header_whole(content):
                    raise codec.ParseProblem("it is encrypted, and it is cut short: it ends "
                                             "inside its header")
                lines.append(f"Status:    encrypted ({size}); give the passphrase to look "
                             "inside")
            elif sealed:
                try:
                    content = key.open(content)
                except SealProblem as problem:
                    raise codec.ParseProblem(f"it is encrypted, and {problem.reason}") from None
            if not sealed and encryption.expects_sealed(paths.data_dir):
                damaged = True  # the app will not open it as it is
                problems.append(str(encryption.plain_where_sealed_expected(paths.workbook)))
            if not sealed or key is not None:
                raw = codec.decode(content)
        except codec.ParseProblem as problem:
            damaged = True
            lines.append(f"Status:    DAMAGED: {problem}")
        except OSError as error:
            damaged = True
            lines.append(f"Status:    UNREADABLE: {error.strerror or error}")
        if raw is not None:
            version = codec.schema_of(raw)
            newer = " (newer than this app: read-only)" if version > schema.SCHEMA_VERSION else ""
            lines.append("Status:    healthy")
            if sealed:
                lines.append(f"Encrypted: yes ({size})")
            lines.append(f"Schema:    {version}{newer}")
            counts = codec.count_records(raw)
            lines.append("Records:   " + (", ".join(f"{name} {n}" for name, n in
                                                    sorted(counts.items())) or "none"))
        fmode = paths.workbook.stat().st_mode & 0o777
        if fmode != PRIVATE_FILE:
            problems.append(f"the workbook has mode {fmode:o}, not {PRIVATE_FILE:o}")

    try:
        held = paths.lock.exists() and not WorkbookLock(paths.lock).is_free()
    except OSError as error:
        held = False
        problems.append(f"the lock file cannot be opened ({error.strerror or error}); the "
                        "app cannot open the workbook for writing until it can")
    if held:
        holder = read_holder(paths.lock)
        lines.append("Open in:   " + (holder.describe() if holder else "another process"))

    _check_encryption(paths, lines, problems)
    found = backups.list_backups(paths.data_dir, key)
    lines.append(f"Backups:   {len(found)} in {backups.backup_dir(paths.data_dir)}")
    lines.extend(f"  {b.describe()}" for b in found)
    if paths.previous.exists():
        lines.append(f"Previous save: {backups.inspect(paths.previous, key).describe()}")
    aside = sorted(p.name for p in paths.data_dir.glob("workbook.*-*.json"))
    if aside:
        lines.append("Kept aside: " + ", ".join(aside))
    notes_kept = kept_notes.kept_notes(paths.data_dir)
    if notes_kept:
        lines.append("Kept notes: " + ", ".join(p.name for p in notes_kept))
        problems.append(f"{len(notes_kept)} kept note(s): text saved in your editor that "
                        "did not reach a note; open them in the data folder, copy what you "
                        "need into the note, then delete them")
    editing = kept_notes.editor_leftovers(paths.data_dir)
    if editing and not held:
        problems.append(f"{', '.join(p.name for p in editing)}: a note left open in your "
                        "editor when the app ended; the next start keeps what the editor "
                        "saved there as a kept note (or removes it if nothing was saved)")

    for copy in unsaved_copies(paths):
        problems.append(f"{copy.name} holds the app's version from a close while the "
                        "workbook had been changed outside the app (the workbook was left "
                        f"as changed); to use it instead: {restore_command(copy)}")
    for left in keys_left_files(paths):
        problems.append(f"{left.name} holds typing from a session the app could not "
                        "finish when the connection dropped: copy what you need into the "
                        "workbook, then delete the file")
    leftovers = stale_temp_files(paths.data_dir)
    if leftovers:
        problems.append(f"{len(leftovers)} temp file(s) from an interrupted save "
                        "(removed on the next start)")
    lines.append("Problems:  " + ("none" if not problems else ""))
    lines.extend(f"  - {p}" for p in problems)
    return "\n".join(lines) + "\n", 1 if damaged else 0


def _header_whole(content: bytes) -> bool:
    """Whether an age file's header is all there (what can be checked without the key)."""
    end = content.find(b"\n--- ")
    return end >= 0 and content.find(b"\n", end + 1) >= 0


def _check_encryption(paths: WorkbookPaths, lines: list[str], problems: list[str]) -> None:
    """The key file, a switch cut short, and copies left plain while encryption is on."""
    data_dir = paths.data_dir
    going = encryption.switch_in_progress(data_dir)
    if going:
        problems.append(f"{'encrypting' if going == 'encrypted' else 'decrypting'} the "
                        "workbook was interrupted; the next start finishes or undoes it "
                        "(the workbook opens as it is now)")
    state = encryption.key_file_state(data_dir)
    sealed = encryption.workbook_sealed(data_dir)
    if state != "missing":
        words = {"intact": "intact", "damaged": "DAMAGED (the recovery key still opens "
                 "the workbook; secondop-tui passphrase makes a new key file with it)",
                 "unknown": "present (its checksum file is missing)"}[state]
        lines.append(f"Key file:  {encryption.KEY_NAME}, {words}")
        if state == "damaged":
            problems.append(f"the key file {encryption.KEY_NAME} is damaged")
    elif sealed and not going:
        problems.append(f"the workbook is encrypted but its key file {encryption.KEY_NAME} "
                        "is missing: only the recovery key opens it now (give it where the "
                        "passphrase is asked for; secondop-tui passphrase makes a new key "
                        "file with it)")
    if sealed and not going:
        plain = encryption.plain_copies(data_dir)
        if plain:
            problems.append(f"{len(plain)} copies are not encrypted though the workbook "
                            f"is ({', '.join(p.name for p in plain[:3])}); the next start "
                            "encrypts them")
    elif not sealed and not going:
        locked = encryption.sealed_copies(data_dir)
        if locked:
            problems.append(f"{len(locked)} copies are encrypted though the workbook is "
                            f"not ({', '.join(p.name for p in locked[:3])})")
