"""Every action has a key that survives SSH, tmux and common terminals.

Walks the key bindings of every class in the UI package (the app, its screens, panes,
dialogs and widgets) and checks that each action can be reached with at least one key
that is not swallowed, translated or reserved on the way from the keyboard to the app.
"""

from __future__ import annotations

import re

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from tests.helpers import ui_classes

# Keys that never reach a program in a terminal, or arrive as another key:
# ctrl+h is backspace, ctrl+i is tab, ctrl+m and ctrl+j are enter, ctrl+[ is escape;
# ctrl+enter, shift+enter, ctrl+tab, ctrl+backspace and ctrl+digits send nothing
# distinct in most terminals; F1, F10 and F11 are taken by some terminals (help, menu,
# full screen); super is the desktop's; Textual reads escape and a digit (what a terminal
# sends for alt+digit) as the characters the Option key types on a Mac (¡ ™ £ ¢...), so
# alt+digit bindings only work where the terminal reports such keys in full. (ctrl+s and
# ctrl+q are flow control only while the terminal is in cooked mode; the app runs it raw,
# so over SSH and in tmux they arrive.)
SWALLOWED = {
    "ctrl+h", "ctrl+i", "ctrl+m", "ctrl+j", "ctrl+left_square_bracket",
    "ctrl+enter", "shift+enter", "ctrl+tab", "ctrl+backspace",
    "f1", "f10", "f11",
}
SWALLOWED_PATTERNS = [re.compile(p) for p in (r"^ctrl\+\d$", r"^alt\+\d$",
                                              r"^(super|hyper|meta)\+", r"^ctrl\+shift\+")]


def survives(key: str) -> bool:
    """Whether ``key`` reaches the app over SSH, in tmux and in common terminals."""
    key = key.strip().lower()
    return key not in SWALLOWED and not any(p.search(key) for p in SWALLOWED_PATTERNS)


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    bindings = cls.__dict__.get("BINDINGS", [])
    assert all(isinstance(b, Binding) for b in bindings), cls
    return list(bindings)


CLASSES = [cls for cls in ui_classes() if own_bindings(cls)]


def test_the_walk_finds_the_app_screens_panes_and_dialogs():
    names = {cls.__name__ for cls in CLASSES}
    for expected in ("SecondOpinionApp", "WorkbookScreen", "ConsultationScreen",
                     "HelpScreen", "GuidancePane", "ChecklistPane", "DoctorsPane",
                     "NotesPane", "ChecklistItemDialog", "ChecklistCallDialog",
                     "DoctorFormDialog", "DoctorDetailDialog", "NotesNewDialog",
                     "NotesQuestionsDialog", "ExportTextDialog", "ChoiceDialog"):
        assert expected in names, expected


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_action_has_a_key_that_survives(cls: type[DOMNode]):
    keys_by_action: dict[str, list[str]] = {}
    for binding in own_bindings(cls):
        for key in binding.key.split(","):
            keys_by_action.setdefault(binding.action, []).append(key.strip())
    stranded = {action: keys for action, keys in keys_by_action.items()
                if not any(survives(key) for key in keys)}
    assert not stranded, f"{cls.__name__}: only swallowed keys for {stranded}"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_binding_has_a_description_and_an_id(cls: type[DOMNode]):
    for binding in own_bindings(cls):
        assert binding.description, (cls.__name__, binding.key)
        assert binding.id, (cls.__name__, binding.key)


def test_binding_ids_are_unique_within_a_class():
    for cls in CLASSES:
        ids = [b.id for b in own_bindings(cls)]
        assert len(ids) == len(set(ids)), cls.__name__


@pytest.mark.parametrize("key, expected", [
    ("ctrl+h", False), ("ctrl+i", False), ("ctrl+m", False), ("ctrl+enter", False),
    ("f11", False), ("ctrl+5", False), ("alt+1", False), ("super+c", False),
    ("ctrl+shift+s", False),
    ("ctrl+q", True), ("alt+s", True), ("f2", True), ("question_mark", True),
    ("escape", True), ("alt+down", True),
])
def test_survives(key: str, expected: bool):
    assert survives(key) is expected


def test_no_binding_with_priority_is_a_character():
    """A character typed into a text field follows the one before it at once (the app's
    order of keys, ``KeysInOrder._types_on``), on the promise that no priority binding,
    which would run before the characters ahead of it reached the field, is a character."""
    from textual.keys import key_to_character

    found = []
    for cls in ui_classes():
        for binding in getattr(cls, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.priority:
                continue
            for key in binding.key.split(","):
                character = key_to_character(key.strip())
                if character is not None and character.isprintable():
                    found.append(f"{cls.__qualname__}: {key.strip()}")
    assert not found, found
