"""What a synced version of the workbook is, as committed to the sync repository: the
one place where the workbook's data becomes the bytes that leave this machine, and
where bytes that came from the remote become data again.

Everything sync sends or reads goes through :class:`RepositoryFormat`: its ``dump``
turns the workbook's data into the bytes committed, its ``load`` turns committed bytes
back into data, refusing what is not a workbook this version can use. An encrypted
workbook plugs in here: its format seals what it commits to the workbook's key (and
commits the key's file beside it, itself sealed with the passphrase, so that the other
machine can open it with the same passphrase); the repository then only ever holds the
encrypted file. Never imports Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secondop_tui.core import codec, schema
from secondop_tui.core.sealing import NotThisKey, SealProblem, is_sealed

if TYPE_CHECKING:
    from secondop_tui.core.sealing import WorkbookKey

Raw = dict[str, Any]

# Limits on what a remote may hand us: a workbook bigger than this, or any text in it
# longer than this, is not one a person wrote (the benchmark workbook of 2,000
# consultations is 11 MB, its notes 4 KB each).
MAX_BYTES = 256 * 1024 * 1024
MAX_TEXT = 16 * 1024 * 1024
MAX_DEPTH = 12


class NotAWorkbook(Exception):
    """Committed bytes that are not a workbook this version can use; says why."""


class NewerSchema(NotAWorkbook):
    """A workbook saved by a newer version of the app (a newer schema)."""

    def __init__(self, version: int) -> None:
        self.version = version
        super().__init__(
            f"it was saved by a newer version of secondop-tui (schema {version}; this "
            f"version knows {schema.SCHEMA_VERSION}): update secondop-tui on this machine")


class KeyNeeded(Exception):
    """Committed bytes sealed to a key this machine does not hold (the shared workbook
    is encrypted, and this one is not, or is encrypted with a key of its own)."""


class RepositoryFormat:
    """The workbook file's own bytes (see :func:`codec.encode`), sealed to ``key`` when
    the workbook is encrypted. ``key_files`` are the key's files committed beside it
    (name: content): the key sealed with the passphrase, and its public facts."""

    file_name = "workbook.json"
    key_file_name = "workbook.key.age"
    facts_file_name = "workbook.key.json"

    def __init__(self, key: "WorkbookKey | None" = None,
                 key_files: dict[str, bytes] | None = None) -> None:
        self.key = key
        self.key_files = dict(key_files or {}) if key is not None else {}

    @property
    def recipient(self) -> str | None:
        return self.key.recipient if self.key is not None else None

    def seal(self, plain: bytes) -> bytes:
        """What is committed for the workbook's plain bytes."""
        return plain if self.key is None else self.key.seal(plain)

    def unseal(self, sealed: bytes) -> bytes:
        """The plain bytes of committed ones: as they are when they were committed
        plain; opened with the key when sealed. :class:`KeyNeeded` without the key (or
        with another one), :class:`NotAWorkbook` when they are damaged."""
        if not is_sealed(sealed):
            return sealed
        if self.key is None:
            raise KeyNeeded("it is encrypted")
        try:
            return self.key.open(sealed)
        except NotThisKey:
            raise KeyNeeded("it is encrypted with another key") from None
        except SealProblem as problem:
            raise NotAWorkbook(f"it is encrypted, and {problem.reason}") from None

    def committed(self, plain: bytes) -> dict[str, bytes]:
        """Every file committed for the workbook's plain bytes (name: content)."""
        return {self.file_name: self.seal(plain), **self.key_files}

    def plain(self, raw: Raw) -> bytes:
        """The workbook's data as the workbook file's bytes (never sent as they are)."""
        return codec.encode(raw)

    def dump(self, raw: Raw) -> bytes:
        """The bytes committed for the workbook's data."""
        return self.seal(self.plain(raw))

    def load_plain(self, sealed: bytes) -> bytes:
        """The plain bytes of committed bytes, refusing a file too big to be one."""
        if len(sealed) > MAX_BYTES:
            raise NotAWorkbook(f"it is {len(sealed) // (1024 * 1024)} MB, more than a "
                               f"workbook can be ({MAX_BYTES // (1024 * 1024)} MB)")
        return self.unseal(sealed)

    def load(self, sealed: bytes) -> Raw:
        """Committed bytes as workbook data at this version's schema (migrated in memory
        if older). Raises :class:`NotAWorkbook` (or :class:`NewerSchema`) with the
        reason for anything else: damaged, the wrong shape, absurdly large, nested too
        deep."""
        return self.data_of(self.load_plain(sealed))

    def data_of(self, plain: bytes) -> Raw:
        """Plain bytes (see :meth:`load_plain`) as checked workbook data."""
        try:
            raw = codec.decode(plain)
        except codec.ParseProblem as problem:
            raise NotAWorkbook(str(problem)) from None
        check_values(raw)
        version = codec.schema_of(raw)
        if version > schema.SCHEMA_VERSION:
            raise NewerSchema(version)
        if version < schema.SCHEMA_VERSION:
            raw = schema.migrate(raw)
        return raw


def check_values(raw: Raw) -> None:
    """Refuse data no person wrote: text longer than :data:`MAX_TEXT` or values
    nested deeper than :data:`MAX_DEPTH`. (Control characters and escape sequences
    are kept as they are: the app shows them escaped, as it shows a hand-edited file.)"""
    stack: list[tuple[Any, int]] = [(raw, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise NotAWorkbook(f"its values are nested more than {MAX_DEPTH} deep")
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise NotAWorkbook(f"it holds a text of {len(value):,} characters, more "
                                   "than any field of a workbook can be")
        elif isinstance(value, dict):
            for key, item in value.items():
                if len(key) > MAX_TEXT:
                    raise NotAWorkbook("it holds a field name too long to be one")
                if not isinstance(item, (str, int, float, bool)) and item is not None:
                    stack.append((item, depth + 1))
                elif isinstance(item, str) and len(item) > MAX_TEXT:
                    stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value
                         if isinstance(item, (dict, list, str)))


PLAIN = RepositoryFormat()
