"""Printing the user's text to a terminal or pipe whose character set cannot hold all of it.

In a locale that is not UTF-8 (``LANG=en_US.ISO-8859-1``, or ``LC_ALL=C``) Python's
standard output cannot encode "—" or "🙂", and printing a note holding one would end in
a traceback. :func:`show_what_fits` makes standard output print each such character as
``?`` instead, and counts them, so the command can say once how to get the full text.
"""

from __future__ import annotations

import codecs
from typing import TextIO

VISIBLE_ERRORS = "secondop-visible"
REPLACEMENT = "?"

_replaced = 0


def _visible(error: UnicodeError) -> tuple[bytes, int]:
    global _replaced
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = bytearray()
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that was not in the locale
            out.append(code - 0xDC00)  # as "surrogateescape" does: the name's own byte
        else:
            out += REPLACEMENT.encode("ascii")
            _replaced += 1
    return bytes(out), error.end


codecs.register_error(VISIBLE_ERRORS, _visible)


def show_what_fits(stream: TextIO | None) -> None:
    """Make ``stream`` print a character its encoding lacks as ``?`` (counted) rather
    than fail."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        reconfigure(errors=VISIBLE_ERRORS)
    except (ValueError, OSError):  # closed, or not a text stream after all
        pass


def reset() -> None:
    """Start counting afresh (each run of a command)."""
    global _replaced
    _replaced = 0


def replaced() -> int:
    """How many characters have been printed as ``?`` in this process."""
    return _replaced


def encoding_of(stream: TextIO | None) -> str:
    return getattr(stream, "encoding", None) or "unknown"
