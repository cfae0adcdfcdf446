"""Backups of the workbook: one at each start before the first write, the last five kept."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from secondop_tui.core import clock, codec
from secondop_tui.core.files import copy_private, ensure_private_dir
from secondop_tui.core.sealing import SealProblem, is_sealed

if TYPE_CHECKING:
    from secondop_tui.core.sealing import WorkbookKey

KEEP = 5
BACKUP_DIR = "backups"
PREFIX = "workbook-"
PREVIOUS_NAME = "workbook.prev.json"  # the workbook as it was before the last save


@dataclass
class BackupInfo:
    """A backup file and what it holds."""

    path: Path
    modified: datetime
    size: int
    valid: bool
    counts: dict[str, int] = field(default_factory=dict)
    problem: str = ""
    # Encrypted: its content is sealed (and, without the key, could not be looked into).
    sealed: bool = False

    def describe(self) -> str:
        when = self.modified.strftime("%Y-%m-%d %H:%M:%S")
        if self.sealed and not self.valid and not self.problem:
            return f"{self.path.name}  {when}  encrypted, {size_in_words(self.size)}"
        if not self.valid:
            return f"{self.path.name}  {when}  damaged: {self.problem}"
        records = sum(self.counts.values())
        detail = ", ".join(f"{n} {t}" for t, n in sorted(self.counts.items()) if n) or "empty"
        noun = "record" if records == 1 else "records"
        lock = "encrypted, " if self.sealed else ""
        return f"{self.path.name}  {when}  {lock}{records} {noun} ({detail})"


def size_in_words(size: int) -> str:
    """A file's size as people say it: 812 bytes, 14.2 KB, 11.0 MB."""
    if size < 1000:
        return f"{size} byte{'s' if size != 1 else ''}"
    for unit, scale in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < scale * 1000 or unit == "GB":
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def backup_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def inspect(path: Path, key: "WorkbookKey | None" = None) -> BackupInfo:
    """Read a workbook-shaped file and tell whether it is a valid workbook. An encrypted
    one is looked into with ``key``; without it, it is only said to be encrypted."""
    stat = path.stat()
    info = BackupInfo(path, datetime.fromtimestamp(stat.st_mtime), stat.st_size, valid=False)
    try:
        content = path.read_bytes()
        if is_sealed(content):
            info.sealed = True
            if key is None:
                return info
            try:
                content = key.open(content)
            except SealProblem as problem:
                raise codec.ParseProblem(f"it is encrypted, and {problem.reason}") from None
        raw = codec.decode(content)
    except codec.ParseProblem as problem:
        info.problem = str(problem)
    except OSError as error:
        info.problem = error.strerror or str(error)
    else:
        info.valid = True
        info.counts = codec.count_records(raw)
    return info


def _newest_first(data_dir: Path) -> list[Path]:
    folder = backup_dir(data_dir)
    if not folder.is_dir():
        return []
    paths = [(p.stat().st_mtime_ns, p.name, p) for p in folder.glob(f"{PREFIX}*.json")]
    return [p for _, _, p in sorted(paths, reverse=True)]


def list_backups(data_dir: Path, key: "WorkbookKey | None" = None) -> list[BackupInfo]:
    """Startup backups, newest first."""
    return [inspect(p, key) for p in _newest_first(data_dir)]


def restore_candidates(data_dir: Path, key: "WorkbookKey | None" = None) -> list[BackupInfo]:
    """Every copy a workbook can be restored from: the startup backups and the
    previous save (``workbook.prev.json``)."""
    previous = data_dir / PREVIOUS_NAME
    # The previous save first: on a tie (a coarse clock) it is the later of the two, as
    # a session's backup is taken before its first save.
    return (([inspect(previous, key)] if previous.exists() else [])
            + list_backups(data_dir, key))


def newest_valid(data_dir: Path, key: "WorkbookKey | None" = None) -> BackupInfo | None:
    """The newest of :func:`restore_candidates` that holds a valid workbook.

    The one choice of "the newest good backup": the damaged-file dialog offers it and
    ``secondop-tui restore newest`` restores it.
    """
    valid = [c for c in restore_candidates(data_dir, key) if c.valid]
    return max(valid, key=lambda c: c.modified) if valid else None


def find(data_dir: Path, name: str, key: "WorkbookKey | None" = None) -> Path | None:
    """The copy ``secondop-tui restore`` means by ``name``: ``newest``, a file's name in
    the backups folder or the data folder (the previous save, a copy kept aside), or a
    file's path. None when there is no such file."""
    if name == "newest":
        best = newest_valid(data_dir, key)
        return best.path if best else None
    given = Path(name).expanduser()
    # A bare name is first one that 'check' lists; a path is only that file.
    folders = [backup_dir(data_dir), data_dir] if given.name == name else []
    for candidate in [folder / name for folder in folders] + [given]:
        if candidate.is_file():
            return candidate
    return None


def take_backup(workbook: Path, data_dir: Path, *, label: str = "") -> Path:
    """Copy the workbook into the backups folder and keep only the newest ``KEEP``."""
    folder = ensure_private_dir(backup_dir(data_dir))
    stamp = clock.file_stamp()
    suffix = f"-{label}" if label else ""
    target = folder / f"{PREFIX}{stamp}{suffix}.json"
    n = 2
    while target.exists():
        target = folder / f"{PREFIX}{stamp}{suffix}-{n}.json"
        n += 1
    copy_private(workbook, target)
    prune(data_dir)
    return target


def prune(data_dir: Path, keep: int = KEEP) -> None:
    for old in _newest_first(data_dir)[keep:]:
        try:
            os.unlink(old)
        except OSError:
            pass
