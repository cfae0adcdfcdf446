"""The questions asked when the workbook cannot simply be opened."""

from __future__ import annotations

from secondop_tui.core.errors import WorkbookDamaged, WorkbookLocked
from secondop_tui.ui.dialogs.choice_dialog import Choice, ChoiceDialog


def locked_dialog(error: WorkbookLocked) -> ChoiceDialog:
    who = error.holder.describe() if error.holder else "another copy of secondop-tui"
    body = (
        f"This workbook is already open in {who}.\n\n"
        "That may be another login over SSH, or a window you forgot in tmux or screen. "
        "Only one copy may write to the workbook, so nothing you wrote there can be "
        "overwritten from here.\n\n"
        "You can open it read-only here (you can look, but not change anything), or quit "
        "and close the other copy first."
    )
    return ChoiceDialog("The workbook is already open", body, [
        Choice("r", "Open read-only", "read-only", "primary"),
        Choice("q", "Quit", "quit"),
    ], cancel="quit")


def damaged_dialog(error: WorkbookDamaged, *, read_only: bool = False) -> ChoiceDialog:
    """``read_only``: started with --read-only, so restoring (a write) is not offered."""
    where = f" at line {error.line}, column {error.column}" if error.line is not None else ""
    lines = [
        f"The workbook file cannot be read: {error.reason}{where}.",
        f"File: {error.path}",
    ]
    if error.aside:
        lines.append(f"An exact copy of it was kept as {error.aside.name}; the app will "
                     "never overwrite or empty it.")
    choices = []
    if error.backup:
        b = error.backup
        total = sum(b.counts.values())
        lines.append(f"\nThe newest good backup is from {b.modified:%Y-%m-%d %H:%M} "
                     f"({total} record{'' if total == 1 else 's'}): {b.path.name}.")
        if read_only:
            lines.append("You can open it read-only to look. Restoring it writes the "
                         "workbook, so it needs a normal start (without --read-only), or "
                         "'secondop-tui restore newest'.")
        else:
            choices.append(Choice("b", "Restore backup", "restore", "primary"))
            lines.append("Restore it to carry on, or open it read-only to look first.")
    else:
        lines.append("\nThere is no good backup to restore. You can open an empty workbook "
                     "read-only, or quit and repair the file by hand (a text editor will do).")
    choices.append(Choice("r", "Open read-only", "read-only"))
    choices.append(Choice("q", "Quit", "quit"))
    return ChoiceDialog("The workbook file is damaged", "\n".join(lines), choices, cancel="quit")


def conflict_dialog(path_name: str) -> ChoiceDialog:
    body = (
        f"{path_name} was changed outside secondop-tui (by hand, or by another program) "
        "since the app last saved it. Nothing has been overwritten.\n\n"
        "Reload: use the file on disk; what the app holds now is kept aside in a copy.\n"
        "Keep mine: save the app's version; the file on disk is kept aside in a copy."
    )
    return ChoiceDialog("The workbook changed on disk", body, [
        Choice("l", "Reload from disk", "reload", "primary"),
        Choice("k", "Keep mine", "keep"),
    ])


def unsaved_quit_dialog(reason: str) -> ChoiceDialog:
    body = (
        f"Your latest changes could not be saved: {reason}.\n\n"
        "If you quit now they will be lost. Stay, free some space or fix the problem, "
        "and the app will save again on the next change (or with ctrl+s)."
    )
    return ChoiceDialog("Not saved", body, [
        Choice("s", "Stay", "stay", "primary"),
        Choice("x", "Quit and lose changes", "quit", "error"),
    ], cancel="stay")
