"""Making the user's text safe to show in a terminal or write to an exported file."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 controls (which some terminals obey).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAMES = {"\x1b": "\\e", "\r": "\\r", "\x00": "\\0", "\x7f": "\\x7f"}


def escape_controls(text: str) -> str:
    """Show control characters and escape sequences as visible escapes (ESC as ``\\e``).

    Tabs and newlines are kept. The result can be printed to any terminal safely: no
    escape sequence in the user's text can move the cursor, change colours or set the
    window title.
    """
    return _CONTROL.sub(lambda m: _NAMES.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def one_line(text: str) -> str:
    """A single, safe line: newlines and tabs become spaces, controls are escaped."""
    return escape_controls(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
