"""``secondop-tui check``: a health report of the workbook that needs no screen."""

from __future__ import annotations

from pathlib import Path

from secondop_tui.core import backups, codec, kept_notes, schema
from secondop_tui.core.files import PRIVATE_FILE, folder_exposure, stale_temp_files
from secondop_tui.core.lock import WorkbookLock, read_holder
from secondop_tui.core.store import (
    WorkbookPaths,
    keys_left_files,
    restore_command,
    unsaved_copies,
)


def run_check(data_dir: Path) -> tuple[str, int]:
    """Inspect the workbook without changing anything. Returns (report, exit code).

    The exit code is 1 when the workbook file is damaged, 0 otherwise; other
    problems (loose permissions, leftover temp files) are reported but do not fail it.
    """
    paths = WorkbookPaths(Path(data_dir).expanduser().absolute())
    try:
        return _check(paths)
    except OSError as error:
        # The folder itself cannot be looked into (permissions, a broken disk...).
        where = f" ({error.filename})" if error.filename else ""
        return (f"Workbook:  {paths.workbook}\n"
                f"Status:    UNREADABLE: {error.strerror or error}{where}\n"
                "Problems:  the data folder cannot be read by this user; check who owns it "
                "and its permissions\n"), 1


def _check(paths: WorkbookPaths) -> tuple[str, int]:
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
        try:
            raw = codec.decode(paths.workbook.read_bytes())
        except codec.ParseProblem as problem:
            damaged = True
            lines.append(f"Status:    DAMAGED: {problem}")
        except OSError as error:
            damaged = True
            lines.append(f"Status:    UNREADABLE: {error.strerror or error}")
        else:
            version = codec.schema_of(raw)
            newer = " (newer than this app: read-only)" if version > schema.SCHEMA_VERSION else ""
            lines.append("Status:    healthy")
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

    found = backups.list_backups(paths.data_dir)
    lines.append(f"Backups:   {len(found)} in {backups.backup_dir(paths.data_dir)}")
    lines.extend(f"  {b.describe()}" for b in found)
    if paths.previous.exists():
        lines.append(f"Previous save: {backups.inspect(paths.previous).describe()}")
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
