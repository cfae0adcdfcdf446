"""A note handed to the user's own editor, and what happens to the editor's file after.

The note goes to a private file in the data folder (never /tmp), the editor is run on
it, and what the editor saved is taken into the note. Whatever the editor saved there
is the user's text: when it cannot be taken into the note (the app was killed while
the editor was open, or the text is not UTF-8), the file is kept under a visible name,
``kept-note-<consultation>-<time>.txt``, that the next start and ``check`` name, and is
never removed by the app.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from secondop_tui.core import clock
from secondop_tui.core.files import PRIVATE_FILE, atomic_write, fsync_dir

EDIT_PREFIX = ".note-edit-"
EDIT_SUFFIX = ".txt"
KEPT_PREFIX = "kept-note-"
_EDIT_NAME = re.compile(rf"^{re.escape(EDIT_PREFIX)}(\d+)-.*{re.escape(EDIT_SUFFIX)}$")


def edit_file(data_dir: Path, consultation_id: int, text: str) -> Path:
    """A new private file (0600) in ``data_dir`` holding ``text`` for the editor (the
    data folder, or a private temp folder while encryption is on).

    Its name carries the consultation, so a file left behind can be told apart."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import tempfile

    fd, name = tempfile.mkstemp(prefix=f"{EDIT_PREFIX}{consultation_id}-",
                                suffix=EDIT_SUFFIX, dir=data_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def holds_changes(path: Path, handed: bytes) -> bool:
    """True unless the file holds exactly what was handed to the editor (or is gone).

    A file that cannot be read counts as changed: it is kept, never removed unseen."""
    try:
        return path.read_bytes() != handed
    except FileNotFoundError:
        return False
    except OSError:
        return True


def consultation_of(path: Path) -> int | None:
    """The consultation an editor's file (or a kept note) was made for."""
    match = _EDIT_NAME.match(path.name) or re.match(rf"^{KEPT_PREFIX}(\d+)-", path.name)
    return int(match.group(1)) if match else None


def keep(path: Path, consultation_id: int | None) -> Path:
    """Give an editor's file a visible name of its own in the same folder, mode 0600."""
    stamp = clock.file_stamp()
    who = "x" if consultation_id is None else str(consultation_id)
    target = path.with_name(f"{KEPT_PREFIX}{who}-{stamp}{EDIT_SUFFIX}")
    n = 2
    while target.exists():
        target = path.with_name(f"{KEPT_PREFIX}{who}-{stamp}-{n}{EDIT_SUFFIX}")
        n += 1
    os.chmod(path, PRIVATE_FILE)  # an editor may have written it anew, with other modes
    try:
        os.link(path, target)  # never over another file: a link fails if the name is taken
    except FileExistsError:
        raise
    except OSError:  # a file system without links
        os.rename(path, target)
    else:
        path.unlink()
    try:
        fsync_dir(path.parent)
    except OSError:
        pass
    return target


def kept_notes(data_dir: Path) -> list[Path]:
    """The kept notes in the data folder, oldest first (an encrypted one ends in .age)."""
    return sorted([*data_dir.glob(f"{KEPT_PREFIX}*{EDIT_SUFFIX}"),
                   *data_dir.glob(f"{KEPT_PREFIX}*{EDIT_SUFFIX}.age")])


def editor_leftovers(data_dir: Path) -> list[Path]:
    """Editor's files left by an app that ended while the note was open in the editor
    (or in use right now, if an app is running)."""
    return sorted(p for p in data_dir.glob(f"{EDIT_PREFIX}*{EDIT_SUFFIX}")
                  if _EDIT_NAME.match(p.name))


def rescue_leftovers(data_dir: Path, notes: dict[int, str], *,
                     folders: list[Path] | tuple[Path, ...] = (),
                     seal: Callable[[Path], Path] | None = None) -> list[Path]:
    """Deal with editor's files left behind; call only under the workbook's lock.

    ``notes`` maps each consultation to its note. A file holding that note exactly
    (nothing was saved in the editor) is removed; any other is kept (see :func:`keep`)
    in the data folder, sealed with ``seal`` when encryption is on. ``folders`` are more
    places the editor's files may have been left in (the private temp folders used while
    encryption is on), each removed once empty. Returns the files kept now."""
    kept = []
    for folder in [data_dir, *folders]:
        for path in editor_leftovers(folder):
            consultation_id = consultation_of(path)
            note = notes.get(consultation_id) if consultation_id is not None else None
            try:
                if note is not None and not holds_changes(path, note.encode("utf-8")):
                    path.unlink(missing_ok=True)
                    continue
                kept.append(keep_in(data_dir, path, consultation_id, seal))
            except OSError:
                continue  # left where it is; check names it
        if folder != data_dir:
            try:
                folder.rmdir()
            except OSError:
                pass
    return kept


def keep_in(data_dir: Path, path: Path, consultation_id: int | None,
            seal: Callable[[Path], Path] | None = None) -> Path:
    """Keep an editor's file as a kept note in the data folder (see :func:`keep`),
    sealed with ``seal`` when encryption is on, wherever the editor's file was."""
    target = keep(path, consultation_id)
    if seal is not None:
        target = seal(target)  # sealed where it is: never plain in the data folder
    if target.parent != data_dir:  # maybe another file system: copied, then removed
        moved = data_dir / target.name
        atomic_write(moved, target.read_bytes())
        target.unlink()
        try:
            path.parent.rmdir()
        except OSError:
            pass
        target = moved
    return target


# While encryption is on, the note goes to the editor in a private temp folder of its
# own (in memory where the system has one), never into the data folder in plain form.
# The folder's name carries a digest of the data folder's path, so the next start finds
# what an app killed while the editor was open left there.
EDIT_FOLDER_PREFIX = "secondop-tui-edit-"


def private_temp_root() -> Path:
    """Where the private temp folders go: $XDG_RUNTIME_DIR (memory only, this user's,
    emptied at logout) when it is usable, else the system's temp folder."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import tempfile

    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        try:
            st = os.stat(runtime)
            if st.st_uid == os.geteuid() and (st.st_mode & 0o077) == 0:
                return Path(runtime)
        except OSError:
            pass
    return Path(tempfile.gettempdir())


def _folder_tag(data_dir: Path) -> str:
    # deferred: start-up speed (loaded only on the path that uses it)
    import hashlib

    return hashlib.sha256(str(data_dir.absolute()).encode("utf-8", "replace")).hexdigest()[:12]


def private_edit_folder(data_dir: Path) -> Path:
    """A new private folder (0700) for one round trip to the editor."""
    # deferred: start-up speed (loaded only on the path that uses it)
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"{EDIT_FOLDER_PREFIX}{_folder_tag(data_dir)}-",
                                 dir=private_temp_root()))


def private_edit_folders_left(data_dir: Path) -> list[Path]:
    """The private editing folders of this data folder left by an app that ended while
    the editor was open (or in use now, if an app runs)."""
    try:
        found = private_temp_root().glob(f"{EDIT_FOLDER_PREFIX}{_folder_tag(data_dir)}-*")
        return sorted(path for path in found
                      if path.is_dir() and path.stat().st_uid == os.geteuid())
    except OSError:
        return []


def kept_notice(kept: list[Path]) -> str:
    """What to tell the user at start (short: it is shown as a notification)."""
    names = ", ".join(p.name for p in kept[-3:])
    more = f" (and {len(kept) - 3} more)" if len(kept) > 3 else ""
    which = "it" if len(kept) == 1 else "them"
    sealed = any(p.name.endswith(".age") for p in kept)
    how = (" (encrypted, as the workbook: age -d -i workbook.key.age FILE shows it, with "
           "the passphrase)") if sealed else ""
    return (f"Text saved in your editor that did not reach a note is kept as {names}{more} "
            f"in {kept[-1].parent}{how}. Open {which}, copy what you need into the note, "
            f"then delete {which}; 'secondop-tui check' names {which} too.")
