"""Keys are handled one at a time, in the order they arrive, as if typed slowly.

Textual puts a key in the focused widget's queue and runs the key's ordinary (not
priority) binding only when the key has bubbled back up to the app. When keys arrive
together (a fast typist, tmux send-keys, a slow SSH link that delivers them in one
packet), that goes wrong in two ways:

- a key that moves the focus (``/`` opens a filter, ``enter`` starts writing a note) does
  so only after the keys behind it have been handed to the widget it leaves, so they act
  there: "/ana" on the Doctors table opened the Add form;
- a key that moves the focus at once (the priority ``tab``) moves it before the key
  ahead of it has come back up, so that key's binding runs for the next field: ``right``
  on a choice followed by ``tab`` changed nothing, ``backspace`` deleted in the next field.

So the app hands on a key only when the one before it is done: the key has stopped in a
widget or its binding has run, the messages it set off have bubbled up from its widget
(an Input's Submitted, a list's OptionSelected), the callbacks it queued on the app (a
``focus()``) have run, and a screen it opened has mounted and focused its first field.
Typing at any speed then ends the same as typing slowly. Keys that follow each other at
human speed never wait: the one before is long done.

A paste takes its place in the same line: text pasted after typing lands after what was
typed. It arrives as text, cleaned of escape sequences and control characters, and never
as keys (see ``terminal.py``).

A character people type that Python does not call printable (a no-break space, typed
with option+space on a Mac; a narrow or ideographic space) is typed like any other,
in every text field, instead of being dropped by Textual's Input and TextArea.

Names on the app beginning ``key_`` or ``_key_`` are taken by Textual as key handlers
(``_key_left`` runs when ← is pressed): none are used here.
"""

from __future__ import annotations

import time
import unicodedata
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

from secondop_tui.ui.terminal import clean_paste
from secondop_tui.ui.textual_internals import parent_of, propagation_stopped, sender_of

# While a key is held, whether its handling can still end (the widget it waits on is
# still there) is looked at this often, in seconds. A key whose widget went away holds
# the keys behind it no longer; one that is merely slow (a busy machine) holds them as
# long as it takes, up to KEY_GIVE_UP, which only a fault would reach.
KEY_WAIT_LIMIT = 0.5
KEY_GIVE_UP = 30.0


class TypedKey(events.Key):
    """A key whose character is text people type though Python does not call it
    printable: a no-break space, a narrow or ideographic space, a zero-width joiner."""

    @property
    def is_printable(self) -> bool:
        return True


# Handled as the Key it is: Textual names a message's handler after its class, when the
# class is made, so this is set after.
TypedKey.handler_name = events.Key.handler_name


def is_typed_text(character: str | None) -> bool:
    """A character that is typed text though Python does not call it printable."""
    if character is None or len(character) != 1 or character.isprintable():
        return False
    return (unicodedata.category(character) == "Zs"
            or character in "\u200c\u200d")  # zero-width (non-)joiner, in emoji and scripts


def is_character(event: events.Event | None) -> bool:
    """A key that types one character (no enter, tab, arrow or key with ctrl or alt)."""
    return isinstance(event, events.Key) and event.is_printable


def takes_typing(widget: object) -> bool:
    """Whether the widget is a text field that the characters typed go into."""
    # Imported here for start-up speed: the first frame needs neither widget.
    from textual.widgets import Input, TextArea

    return isinstance(widget, Input) or (isinstance(widget, TextArea)
                                         and not widget.read_only)


def as_typed(event: events.Key) -> events.Key:
    """The key, made printable where it is typed text (see ``is_typed_text``)."""
    if not is_typed_text(event.character):
        return event
    return TypedKey(event.key, event.character)


class KeysInOrder(App[None]):
    """An app whose keys (and pastes) each reach the widgets and bindings after the one
    before it is done."""

    def __init__(self) -> None:
        super().__init__()
        self._held_key: events.Key | events.Paste | None = None
        self._held_since = 0.0
        self._held_at: MessagePump | None = None  # whose queue the held key waits in
        self._keys_waiting: deque[events.Key | events.Paste] = deque()
        self.keys_handled = 0  # how many keys and pastes have been handed on
        self._hold_timer = None
        # The text field the held key types a character into, when it does: a character
        # typed after it into the same field follows it at once (see ``_types_on``).
        self._typing_into: MessagePump | None = None

    def keys_not_handled(self) -> str:
        """The text of the keys and pastes received but not yet handled to their end
        (keys without a character, such as arrows, by their names in brackets)."""
        parts = []
        for event in [self._held_key, *list(self._keys_waiting)]:
            if isinstance(event, events.Paste):
                parts.append(event.text)
            elif isinstance(event, events.Key):
                parts.append(event.character if event.is_printable and event.character
                             else f"[{event.key}]")
        return "".join(parts)

    def keys_pending(self) -> bool:
        """Whether keys have been received that are not yet handled to their end."""
        return bool(self._keys_waiting) or self._held_key is not None

    def let_go_of_a_stuck_key(self) -> None:
        """Let go of a held key whose handling can no longer end (its widget gone, or
        KEY_GIVE_UP passed), and hand on the keys behind it. While the app runs, the next
        key or the wait timer does this; when leaving after a hangup no key comes, and
        the app asks here so that it does not wait for that key for ever."""
        if self._held_key is not None and not self._held_key_can_end():
            self._held_key = None
            self.call_later(self._hand_on_waiting_keys)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if isinstance(event, events.Key):
                event = as_typed(event)
            self._keys_waiting.append(event)
            if self._held_key is not None and not self._types_on(self._keys_waiting[0]):
                if self._held_key_can_end():
                    self._watch_waiting_keys()
                    return
                self._held_key = None  # lost on the way: do not hold the rest
            await self._hand_on_waiting_keys()
            return
        await super().on_event(event)

    async def _hand_on_waiting_keys(self) -> None:
        while self._keys_waiting and (self._held_key is None
                                      or self._types_on(self._keys_waiting[0])):
            event = self._keys_waiting.popleft()
            if isinstance(event, events.Paste):
                event = self._paste_for_focus(event)
            self._held_key = event
            self.keys_handled += 1
            self._held_since = time.monotonic()
            # Priority bindings, or on to the focused widget (Textual's own routing).
            await super().on_event(event)
            self._typing_into = self._text_field_typed_in(event)
            if event.is_forwarded:
                target = self.focused or self.screen
                self._follow_key(event, target, target, sweeping=False)
            elif self.focused is not None:
                # A priority binding ran it here (ctrl+s in a form). What it queued on
                # the focused field runs first, and the screen it closed is gone, before
                # the next key.
                focused = self.focused
                self._follow_key(event, focused, focused, sweeping=True)
            else:
                self._finish_key(event)

    def _text_field_typed_in(self, event: events.Key | events.Paste) -> MessagePump | None:
        """The focused text field, when the key just handed on types a character in it."""
        focused = self.focused
        if is_character(event) and event.is_forwarded and takes_typing(focused):
            return focused
        return None

    def _types_on(self, event: events.Key | events.Paste) -> bool:
        """Whether ``event`` may be handed on before the held key is done: both type a
        character into the same text field, which still has the focus.

        A field takes the characters typed into it one after another from its own queue,
        in order, and a character typed into a text field moves no focus and opens no
        screen (none of the app's bindings with priority over the field is a
        character). Handing on each character only when the one before has bubbled up
        would cost a run of typing a round trip through every widget above the field
        per key: a fast typist on a busy machine would fall behind."""
        field = self._typing_into
        return (field is not None and is_character(event) and is_character(self._held_key)
                and self.focused is field
                and field.is_attached and not getattr(field, "_closing", False))

    def _paste_for_focus(self, event: events.Paste) -> events.Paste:
        """The paste cleaned for the field it goes to (one line for an Input)."""
        # Imported here for start-up speed: the first frame needs neither widget.
        from textual.widgets import Input, TextArea

        focused = self.focused
        if not isinstance(focused, (Input, TextArea)):
            if event.text.strip():
                self.notify("Pasted text goes into a text field: open one first "
                            "(for a note, enter on the consultation).", timeout=5)
            return events.Paste("")
        return events.Paste(clean_paste(event.text, one_line=isinstance(focused, Input)))

    def _follow_key(self, event: events.Key, target: MessagePump, node: MessagePump,
                    *, sweeping: bool) -> None:
        """Look again once ``node`` has dealt with what it holds (its queue is first in,
        first out)."""
        self._held_at = node
        if not node.call_later(self._after_node, event, target, node, sweeping):
            self._finish_key(event)  # the node is closing: nothing more comes from it

    def _after_node(self, event: events.Key, target: MessagePump, node: MessagePump,
                  sweeping: bool) -> None:
        if event is not self._held_key:
            return  # a character typed after it was handed on: that one's sweep goes on
        parent = parent_of(node)
        going_on = parent is not None and node.is_parent_active and node.is_attached
        if sweeping:
            # The messages the key set off (an Input's Submitted, a list's
            # OptionSelected) bubble up from its widget: the sweep follows them up.
            if going_on and parent is not None:
                self._follow_key(event, target, parent, sweeping=True)
            else:
                self._finish_key(event)
            return
        # A key the node did not stop went on to its parent (Textual stops a key there
        # after its parent when the parent sent it, but it still reaches the parent).
        if (going_on and parent is not None and event.bubble
                and (not propagation_stopped(event) or sender_of(event) is parent)):
            self._follow_key(event, target, parent, sweeping=False)
        else:
            self._follow_key(event, target, target, sweeping=True)

    def _finish_key(self, event: events.Key) -> None:
        # Through the app's queue, behind what the key queued there (a focus() call).
        self._held_at = self
        self.call_later(self._settle_key, event)

    async def _settle_key(self, event: events.Key) -> None:
        if event is not self._held_key:
            return  # already given up on
        screen = self.screen
        if not screen.is_mounted:
            # The key opened a screen: the next keys are for it, once it has focused its
            # first field.
            self._held_at = screen
            if screen.call_later(self._finish_key, event):
                return
        self._held_key = None
        await self._hand_on_waiting_keys()

    def _watch_waiting_keys(self) -> None:
        if self._hold_timer is None:
            # The timer runs in a task of its own: the keys are handed on from the app's.
            self._hold_timer = self.set_timer(
                KEY_WAIT_LIMIT, lambda: self.call_later(self._end_key_wait))

    async def _end_key_wait(self) -> None:
        self._hold_timer = None
        if self._held_key is None or not self._keys_waiting:
            return
        if self._held_key_can_end():
            self._watch_waiting_keys()
            return
        self._held_key = None
        await self._hand_on_waiting_keys()

    def _held_key_can_end(self) -> bool:
        """Whether the held key's handling can still come to its end: the node whose
        queue holds the next step is still running. Its queue is worked through in
        order, however slowly, so the keys behind wait for it."""
        node = self._held_at
        if node is None or time.monotonic() - self._held_since > KEY_GIVE_UP:
            return False
        if node is self:
            return True
        # Textual's own state: a node closing or closed drops what its queue holds.
        if getattr(node, "_closing", False) or getattr(node, "_closed", False):
            return False
        return bool(getattr(node, "is_attached", True))
