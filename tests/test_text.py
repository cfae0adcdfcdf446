"""Wrapping at 80 columns: every word is kept, in order, whatever white space surrounds it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondop_tui.core.text import as_text, wrap, wrap_block

# Words and every kind of white space a paste or an editor can leave: tabs, no-break
# and ideographic spaces, runs of spaces, blank lines, and words longer than a line.
PIECES = ["a", "word", "été", "漢字", "x" * 30, "y" * 90, " ", " ", "  ", "   ", "\n",
          "\n\n", "\t", "\u00a0", "\u3000", "\u2003", "-", "[09:30]"]
texts = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


def words(text: str) -> str:
    return "".join(text.split())


def assert_wrapped(text: str, lines: list[str], width: int) -> None:
    assert words("".join(lines)) == words(text), "a word was lost or changed"
    assert all(len(line) <= width for line in lines)
    assert all(line == line.rstrip() for line in lines), "a line ends in white space"


@given(text=texts, indent=st.sampled_from(["", "  ", "    "]))
def test_wrap_block_keeps_every_word_within_the_width(text, indent):
    block = wrap_block(text, indent)
    assert_wrapped(text, block.split("\n"), 80)
    assert all(line.startswith(indent) or not line for line in block.split("\n"))


@given(text=texts, indent=st.sampled_from(["", "  ", "    "]))
def test_wrap_block_is_wrap_joined(text, indent):
    # The notes' fast way and the general one break every text alike.
    assert wrap_block(text, indent) == "\n".join(wrap(text, indent, indent))


@given(text=texts, first=st.sampled_from(["", "- ", "    Answer: "]))
def test_wrap_keeps_every_word_within_the_width(text, first):
    lines = wrap(text, first, "  ")
    assert lines[0].startswith(first.rstrip())
    lines[0] = lines[0].removeprefix(first.rstrip())
    assert_wrapped(text, lines, 80)


@pytest.mark.parametrize("end", ["\u00a0", "\t", "\t\t", "\u3000", " \t", "\u00a0 "])
def test_a_line_ending_in_other_white_space_keeps_its_last_word(end):
    # Such a line (a no-break space typed with option+space, a tab from a paste) once
    # lost its last word in the export.
    assert wrap_block(f"Call the office on Monday{end}\nthen fax") == \
        "Call the office on Monday\nthen fax"
    long = "word " * 20 + f"Monday{end}"
    assert words(wrap_block(long, "  ")) == words(long)
    assert words("".join(wrap(long, "> ", "  "))) == ">" + words(long)


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2003"])
def test_a_long_word_broken_at_other_white_space_leaves_none_at_a_line_end(space):
    # A "word" longer than a line is cut where the line is full; a no-break space there
    # ended the line in the notes' export (wrap_block), though not in wrap().
    text = f"x{space}" * 50
    assert_wrapped(text, wrap_block(text, "  ").split("\n"), 80)
    assert_wrapped(text, wrap(text), 80)


def test_blank_and_indented_lines_are_kept_without_trailing_spaces():
    assert wrap_block("first  \n   \n  - an item   \nlast", "  ") == \
        "  first\n\n    - an item\n  last"


@pytest.mark.parametrize(("value", "text"), [
    ("kept as it is", "kept as it is"), ("", ""), (None, ""), (0, "0"), (12, "12"),
    (False, "False"), (1.5, "1.5"), (["a"], "['a']"), ("\x1b[31m", "\x1b[31m"),
])
def test_as_text_reads_any_stored_value_as_text(value, text):
    # Control characters are left for whoever shows the text to escape.
    assert as_text(value) == text
