"""Reading and writing the workbook's JSON, with precise messages for damaged files."""

from __future__ import annotations

import json
import time
from operator import is_
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
    except RecursionError:
        raise ParseProblem("the data is nested too deeply to be a workbook") from None
    except json.JSONDecodeError as error:
        reason = "the file is cut short (it ends in the middle of the data)"
        if error.pos < len(text.rstrip()):
            reason = (
                "there is unexpected text after the end of the data"
                if error.msg == "Extra data"
                # json says "unterminated string starting at"; the position is added anyway
                else f"the file is not valid JSON: {error.msg.lower().removesuffix(' starting at')}"
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


# Records between two hand-overs of the interpreter lock (see ``encode``): this many
# encoded, or sixteen times as many taken from the cache.
YIELD_EVERY = 16


class EncodeCache:
    """Each record's encoded line at the last ``encode``, and the record it came from.

    Kept as plain dicts updated in place: tuples or fresh dicts per record at every save
    would be thousands of new objects for the garbage collector, whose passes stall the
    typing thread.
    """

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {}  # table -> id -> record
        self.lines: dict[str, dict[str, bytes]] = {}  # table -> id -> line


def same_fields(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Whether two records hold the very same field objects, in the same order.

    Identity, not equality: records are changed only by giving a field a new value
    (never by changing a nested value in place), and equality would take True for 1.
    """
    return before is now or (
        tuple(before) == tuple(now) and all(map(is_, before.values(), now.values())))


def encode(raw: dict[str, Any], cache: EncodeCache | None = None) -> bytes:
    """Serialise raw tables as UTF-8 JSON, one record a line.

    One record a line keeps the file readable and diffable by hand, while each record
    still goes through the fast C encoder (``indent`` would force the slow one).

    ``cache`` (kept by the caller between calls, used by one thread at a time) lets a
    record whose fields are the very same objects as at the last call reuse its line:
    saving after one change then encodes one record, not the whole workbook.
    """
    parts = [b"{"]
    work = 0  # an encoded record counts 16, one from the cache 1
    tables = list(raw.items())
    for t_index, (name, table) in enumerate(tables):
        parts.append(f"\n{_dump(name)}: {{".encode("utf-8"))
        records = cache.records.setdefault(name, {}) if cache is not None else {}
        lines = cache.lines.setdefault(name, {}) if cache is not None else {}
        last = len(table) - 1
        for d_index, (doc_id, doc) in enumerate(table.items()):
            doc_id = str(doc_id)
            known = records.get(doc_id)
            if known is not None and same_fields(known, doc):
                line = lines[doc_id]
                work += 1
            else:
                name_part = f'"{doc_id}"' if doc_id.isdigit() else _dump(doc_id)
                line = f"\n  {name_part}: {_dump(doc)}".encode("utf-8")
                if cache is not None:
                    records[doc_id] = doc
                    lines[doc_id] = line
                work += 16
            if work >= 16 * YIELD_EVERY:
                # Encoding on the saving thread holds the interpreter lock; hand it over
                # often, or a key typed meanwhile waits for the lock, again and again.
                work = 0
                time.sleep(0)
            parts.append(line)
            if d_index < last:
                parts.append(b",")
        parts.append(b"\n}" + (b"," if t_index < len(tables) - 1 else b""))
        if cache is not None and len(records) > len(table):  # records removed since
            for gone in [doc_id for doc_id in records if doc_id not in table]:
                del records[gone], lines[gone]
    parts.append(b"\n}\n")
    if cache is not None:
        for gone in [name for name in cache.records if name not in raw]:
            del cache.records[gone], cache.lines[gone]
    return b"".join(parts)


def count_records(raw: dict[str, Any]) -> dict[str, int]:
    """Records per table, leaving out the internal meta table."""
    return {name: len(table) for name, table in raw.items() if name != META_TABLE}
