"""Reading and writing the workbook's JSON, with precise messages for damaged files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

META_TABLE = "_meta"
META_ID = "1"


@dataclass
class ParseProblem(Exception):
    """Why a file is not a readable workbook, with its place when the parser knows it."""

    reason: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return f"{self.reason}{where}"


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def decode(data: bytes) -> dict[str, Any]:
    """Parse workbook bytes into raw tables, or raise :class:`ParseProblem`."""
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise ParseProblem("the file is empty" if not data else "the file holds only white space")
    if data.startswith(b"\xef\xbb\xbf"):  # a byte-order mark from some editors
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        raise ParseProblem("the file is not valid UTF-8 text", line, column) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        reason = "the file is cut short (it ends in the middle of the data)"
        if error.pos < len(text.rstrip()):
            reason = (
                "there is unexpected text after the end of the data"
                if error.msg == "Extra data"
                else f"the file is not valid JSON: {error.msg.lower()}"
            )
        raise ParseProblem(reason, error.lineno, error.colno) from None
    validate(raw)
    return raw


def validate(raw: Any) -> None:
    """Check the shape TinyDB and the app rely on; raise :class:`ParseProblem` if wrong."""
    if not isinstance(raw, dict):
        raise ParseProblem(f"the data is a JSON {type(raw).__name__}, not an object of tables")
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ParseProblem(f"table {name!r} is not an object of records")
        for doc_id, doc in table.items():
            if not doc_id.isdigit():
                raise ParseProblem(f"table {name!r} has a record with a bad id {doc_id!r}")
            if not isinstance(doc, dict):
                raise ParseProblem(f"record {doc_id} of table {name!r} is not an object")
    meta = raw.get(META_TABLE, {}).get(META_ID)
    if meta is None:
        raise ParseProblem("it has no schema record, so it is not a secondop-tui workbook")
    schema = meta.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise ParseProblem(f"its schema version {schema!r} is not a positive whole number")


def schema_of(raw: dict[str, Any]) -> int:
    """The schema version of validated raw data."""
    return int(raw[META_TABLE][META_ID]["schema"])


def _dump(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # A lone surrogate (from a broken paste) cannot be UTF-8; escape it instead.
        return json.dumps(value, ensure_ascii=True)


def encode(raw: dict[str, Any]) -> bytes:
    """Serialise raw tables as UTF-8 JSON, one record a line.

    One record a line keeps the file readable and diffable by hand, while each record
    still goes through the fast C encoder (``indent`` would force the slow one).
    """
    parts = ["{"]
    tables = list(raw.items())
    for t_index, (name, table) in enumerate(tables):
        parts.append(f"\n{_dump(name)}: {{")
        docs = list(table.items())
        for d_index, (doc_id, doc) in enumerate(docs):
            comma = "," if d_index < len(docs) - 1 else ""
            parts.append(f"\n  {_dump(str(doc_id))}: {_dump(doc)}{comma}")
        parts.append("\n}" + ("," if t_index < len(tables) - 1 else ""))
    parts.append("\n}\n")
    return "".join(parts).encode("utf-8")


def count_records(raw: dict[str, Any]) -> dict[str, int]:
    """Records per table, leaving out the internal meta table."""
    return {name: len(table) for name, table in raw.items() if name != META_TABLE}
