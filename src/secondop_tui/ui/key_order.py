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
"""

from __future__ import annotations

import time
from collections import deque

from textual import events
from textual.message_pump import MessagePump

# A key whose handling cannot be followed to its end (its widget went away, say) holds
# the keys behind it no longer than this, in seconds.
KEY_WAIT_LIMIT = 0.5


class KeysInOrder:
    """App mixin: each key reaches the widgets and bindings after the one before it is done."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._key_in_hand: events.Key | None = None
        self._key_handed_at = 0.0
        self._keys_waiting: deque[events.Key] = deque()
        self._key_timer = None

    def keys_pending(self) -> bool:
        """Whether keys have been received that are not yet handled to their end."""
        return bool(self._keys_waiting) or self._key_in_hand is not None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._keys_waiting.append(event)
            if self._key_in_hand is not None:
                if time.monotonic() - self._key_handed_at < KEY_WAIT_LIMIT:
                    self._watch_waiting_keys()
                    return
                self._key_in_hand = None  # lost on the way: do not hold the rest
            await self._hand_on_waiting_keys()
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _hand_on_waiting_keys(self) -> None:
        while self._keys_waiting and self._key_in_hand is None:
            event = self._keys_waiting.popleft()
            self._key_in_hand = event
            self._key_handed_at = time.monotonic()
            # Priority bindings, or on to the focused widget (Textual's own routing).
            await super().on_event(event)  # type: ignore[misc]
            if event.is_forwarded:
                target = self.focused or self.screen  # type: ignore[attr-defined]
                self._follow_key(event, target, target, sweeping=False)
            elif self.focused is not None:  # type: ignore[attr-defined]
                # A priority binding ran it here (ctrl+s in a form). What it queued on
                # the focused field runs first, and the screen it closed is gone, before
                # the next key.
                focused = self.focused  # type: ignore[attr-defined]
                self._follow_key(event, focused, focused, sweeping=True)
            else:
                self._key_done(event)

    def _follow_key(self, event: events.Key, target: MessagePump, node: MessagePump,
                    *, sweeping: bool) -> None:
        """Look again once ``node`` has dealt with what it holds (its queue is first in,
        first out)."""
        if not node.call_later(self._key_left, event, target, node, sweeping):
            self._key_done(event)  # the node is closing: nothing more comes from it

    def _key_left(self, event: events.Key, target: MessagePump, node: MessagePump,
                  sweeping: bool) -> None:
        parent = node._parent
        going_on = parent is not None and node.is_parent_active and node.is_attached
        if sweeping:
            # The messages the key set off (an Input's Submitted, a list's
            # OptionSelected) bubble up from its widget: the sweep follows them up.
            if going_on and parent is not None:
                self._follow_key(event, target, parent, sweeping=True)
            else:
                self._key_done(event)
            return
        # A key the node did not stop went on to its parent (Textual stops a key there
        # after its parent when the parent sent it, but it still reaches the parent).
        if (going_on and parent is not None and event.bubble
                and (not event._stop_propagation or event._sender is parent)):
            self._follow_key(event, target, parent, sweeping=False)
        else:
            self._follow_key(event, target, target, sweeping=True)

    def _key_done(self, event: events.Key) -> None:
        # Through the app's queue, behind what the key queued there (a focus() call).
        self.call_later(self._key_settled, event)  # type: ignore[attr-defined]

    async def _key_settled(self, event: events.Key) -> None:
        if event is not self._key_in_hand:
            return  # already given up on
        screen = self.screen  # type: ignore[attr-defined]
        if not screen.is_mounted:
            # The key opened a screen: the next keys are for it, once it has focused its
            # first field.
            if screen.call_later(self._key_done, event):
                return
        self._key_in_hand = None
        await self._hand_on_waiting_keys()

    def _watch_waiting_keys(self) -> None:
        if self._key_timer is None:
            # The timer runs in a task of its own: the keys are handed on from the app's.
            self._key_timer = self.set_timer(  # type: ignore[attr-defined]
                KEY_WAIT_LIMIT, lambda: self.call_later(self._key_wait_over))  # type: ignore[attr-defined]

    async def _key_wait_over(self) -> None:
        self._key_timer = None
        if self._key_in_hand is None or not self._keys_waiting:
            return
        if time.monotonic() - self._key_handed_at < KEY_WAIT_LIMIT:
            self._watch_waiting_keys()
            return
        self._key_in_hand = None
        await self._hand_on_waiting_keys()
