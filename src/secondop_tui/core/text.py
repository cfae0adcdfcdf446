"""Making the user's text safe to show in a terminal or write to an exported file."""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab and newline, DEL, the C1 controls (which some terminals obey),
# and lone surrogates (from a broken paste or a hand edit): they cannot be written as
# UTF-8, so printing or saving an export holding one would fail.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_ASCII_CONTROLS = bytes([*range(0x09), *range(0x0b, 0x20), 0x7f])
_NAMES = {"\x1b": "\\e", "\r": "\\r", "\x00": "\\0", "\x7f": "\\x7f"}


def as_text(value: Any) -> str:
    """A stored (maybe hand-edited) value as text: None is "", any other non-text its
    ``str()``. Control characters are kept: escaping them is for whoever shows the text
    (:func:`escape_controls`, :func:`one_line`)."""
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_controls(text: str) -> str:
    """Show control characters and escape sequences as visible escapes (ESC as ``\\e``).

    Tabs and newlines are kept. The result can be printed to any terminal safely: no
    escape sequence in the user's text can move the cursor, change colours or set the
    window title.
    """
    # Two quick looks in C before the regular expression, which is slow on long notes:
    # most short texts are printable, and most notes are ASCII with no control byte.
    if text.isprintable():
        return text
    if text.isascii():
        raw = text.encode("ascii")
        if len(raw.translate(None, _ASCII_CONTROLS)) == len(raw):
            return text
    return _CONTROL.sub(_visible, text)


def one_line(text: str) -> str:
    """A single, safe line: newlines and tabs become spaces, controls are escaped."""
    return escape_controls(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))

WIDTH = 80
_BREAKERS: dict[int, re.Pattern[str]] = {}


def _breaker(room: int) -> re.Pattern[str]:
    """A pattern whose ``findall`` over a whole text gives its wrapped lines.

    In order: as much as fits from a non-space to a non-space just before a space, or
    before the white space that ends the line (a tab, a no-break space: the spaces at a
    break are skipped; this is also a whole line that fits, so a long line is scanned
    once); else a line that fits once its trailing white space is dropped (blank ones,
    and leading spaces, kept); else, for a word longer than a line, a line's worth of
    it, back to its last non-space (a no-break space there is where the line breaks).
    No line ends in white space, and no word is ever dropped.
    (``.`` is any character but a newline: the same as ``[^\n]``, a little faster.)
    """
    pattern = _BREAKERS.get(room)
    if pattern is None:
        pattern = _BREAKERS[room] = re.compile(
            rf"\S.{{0,{room - 1}}}(?<=\S)(?= |[^\S\n]*$)"
            rf"|^(?:.{{0,{room - 1}}}\S)?(?=[^\S\n]*$)"
            rf"|\S.{{0,{room - 1}}}(?<=\S)",
            re.MULTILINE)
    return pattern


def _first_line(paragraph: str, room: int) -> tuple[str, int]:
    """The first line of a paragraph that needs more than one, and where the rest starts."""
    cut = paragraph.rfind(" ", 1, room + 1)
    if cut == -1:
        return paragraph[:room], room
    rest = cut + 1
    while rest < len(paragraph) and paragraph[rest] == " ":
        rest += 1
    return paragraph[:cut].rstrip(), rest


def wrap(text: str, first: str = "", indent: str = "", width: int = WIDTH) -> list[str]:
    """Wrap ``text`` at ``width`` columns, keeping its own line breaks and blank lines.

    ``first`` starts the first line and ``indent`` every other one. Spaces inside a line
    are kept as typed; only the spaces where a line breaks are dropped. Words longer
    than a line are broken. The whole text is broken by one regular-expression search,
    done in C, which keeps exporting megabytes of notes fast (``textwrap`` is some 50
    times slower).
    """
    if len(first) + len(text) <= width and "\n" not in text:
        return [(first + text).rstrip()]  # the common case: a short line
    room = max(width - len(indent), 10)
    head: list[str] = []
    if len(first) != len(indent):
        # The first line has its own room; the rest of the text is wrapped as usual.
        paragraph, newline, remainder = text.partition("\n")
        paragraph = paragraph.rstrip()
        first_room = max(width - len(first), 10)
        if len(paragraph) <= first_room:
            head, text = [(first + paragraph).rstrip()], remainder
            if not newline:
                return head
        else:
            line, rest = _first_line(paragraph, first_room)
            head, text = [(first + line).rstrip()], paragraph[rest:] + newline + remainder
        first = indent
    lines = _breaker(room).findall(text)
    return head + [(first + lines[0]).rstrip()] + [(indent + line).rstrip()
                                                    for line in lines[1:]]


def wrap_block(text: str, indent: str = "", width: int = WIDTH) -> str:
    """:func:`wrap` with the same ``indent`` on every line, as one string.

    The fast way for long texts such as notes: the lines are joined in C, and none is
    stripped (no line the pattern finds ends in white space).
    """
    lines = _breaker(max(width - len(indent), 10)).findall(text)
    if not indent:
        return "\n".join(lines)
    return "\n".join([indent + line if line else "" for line in lines])
