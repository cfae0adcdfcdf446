"""Every use of Textual's private internals, each behind a named function.

Textual is pinned exactly (pyproject.toml) because of these: an upgrade reads this module
first. Each function says why the app needs the internal and what public API would
replace it. No other ui module touches a private Textual name or module
(tests/test_textual_internals.py checks).

Besides these, ``NoteEditor`` (widgets/note_editor.py) overrides ``TextArea._on_key``,
the only hook where a key can be routed before TextArea types it; it hands the key back
through :func:`text_area_on_key`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual._time import get_time
from textual._xterm_parser import XTermParser

if TYPE_CHECKING:  # the terminal support imports this module before any widget
    from textual import events
    from textual.app import App
    from textual.driver import Driver
    from textual.message import Message
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.widgets import Footer, OptionList, TextArea

__all__ = [
    "XTermParser",
    "app_driver",
    "driver_app",
    "driver_debug",
    "end_escape_wait",
    "mark_footer_bindings_ready",
    "option_lines",
    "parent_of",
    "propagation_stopped",
    "sender_of",
    "take_result_callback",
    "text_area_on_key",
    "torn_down",
    "web_byte_stream",
    "web_driver_exit_input",
    "web_driver_input_reader",
    "web_driver_on_meta",
]

# XTermParser (textual._xterm_parser) is re-exported above: the paste-safe parser of
# terminal.py subclasses Textual's terminal input parser, which has no public home. A
# public parser class, or a driver option to leave bracketed pastes whole, would replace
# it.


# The message pump -------------------------------------------------------------------------
def torn_down(node: MessagePump) -> bool:
    """Whether ``node`` is being removed (the app quitting, say) or is closed.

    A pane mounted behind its tab just after the first frame may still get its Mount
    after the app began to quit: Textual then skips mounting its children (``mount``
    returns at once for a node closing or pruning), and the pane's ``on_mount`` found
    none of them (NoMatches, a traceback on a quit in the first moment of a busy
    machine). Textual's ``display`` already answers False for such a node, but also for
    a hidden one; a public ``is_closing`` covering pruning would replace this.
    """
    return bool(node._closing or node._closed or getattr(node, "_pruning", False))


def parent_of(node: MessagePump) -> MessagePump | None:
    """The node a key goes on to after ``node`` (key_order.py follows a key up the DOM).

    The nodes a key passes are typed as message pumps there; ``DOMNode.parent`` is the
    public equivalent for a DOM node, and would replace this once the key's path is typed
    as DOM nodes."""
    return node._parent


def propagation_stopped(message: Message) -> bool:
    """Whether ``message.stop()`` was called: key_order.py must know whether a key went on
    to the parent. Textual has ``stop()`` but no public getter; a ``Message.is_stopped``
    property would replace this."""
    return message._stop_propagation


def sender_of(message: Message) -> MessagePump | None:
    """Who sent ``message`` (Textual lets a key reach the parent that sent it even when it
    was stopped). Only ``set_sender`` is public; a ``Message.sender`` property would
    replace this."""
    return message._sender


# Screens and widgets -----------------------------------------------------------------------
def take_result_callback(screen: Screen[Any]) -> Callable[[Any], Any] | None:
    """The callback of whoever pushed ``screen`` and waits for its result, taken out so
    that it is never applied twice (None when nobody waits).

    A form open when the connection drops hands its result over at once, not through
    the message queue (the app saves and leaves next), so ``dismiss()`` cannot be used.
    A public way to run a screen's result callback synchronously would replace this."""
    if not screen._result_callbacks:
        return None
    waiting = screen._result_callbacks[-1]
    callback, waiting.callback = waiting.callback, None
    return callback


def mark_footer_bindings_ready(footer: Footer) -> None:
    """Have ``footer`` draw its keys in its first frame instead of after focus settles.

    Footer stays empty until a private flag is set, a refresh later; the app's own keys
    are known from the start. A Footer option to show the bindings at once would
    replace this."""
    footer._bindings_ready = True


def option_lines(options: OptionList, index: int) -> tuple[int, int] | None:
    """Where option ``index`` of an OptionList is drawn: (its first line in the list's
    content, counting from the top of the whole list, not of the view; how many lines it
    takes), or None while it is not laid out.

    A screen reader's cursor goes to the start of the highlighted option (see
    widgets/reading.py); an option's prompt may wrap onto several lines, and only the
    list knows how many. OptionList keeps this in its line cache; ``scroll_to_highlight``
    uses it, but no public method returns it. A public ``OptionList.get_option_region``
    would replace this."""
    lines = options._index_to_line
    if index not in lines:
        return None
    return lines[index], options._heights.get(index, 1)


async def text_area_on_key(editor: TextArea, event: events.Key) -> None:
    """TextArea's own handling of ``event`` (typing it), for a TextArea subclass that
    overrides ``_on_key`` to route some keys first. A public TextArea hook for keys it
    would type (or a public ``on_key``) would replace this."""
    # Deferred for start-up speed: the terminal support imports this module before any
    # widget, and only the note editor calls this.
    from textual.widgets import TextArea

    await TextArea._on_key(editor, event)


# Drivers -----------------------------------------------------------------------------------
def app_driver(app: App[Any]) -> Driver | None:
    """The driver ``app`` runs with (None before it runs): on a hangup the app mutes its
    terminal driver and asks it whether all input has been read. App has no public
    ``driver``; one would replace this."""
    return app._driver


def driver_app(driver: Driver) -> App[Any]:
    """The app a driver feeds: the input thread posts ``InputClosed`` to it. A public
    ``Driver.app`` would replace this."""
    return driver._app


def driver_debug(driver: Driver) -> bool:
    """Whether the driver runs in debug mode, which its input parser is built with (a
    driver that replaces ``run_input_thread`` builds its own parser). A public
    ``Driver.debug`` would replace this."""
    return driver._debug


def end_escape_wait(parser: XTermParser) -> None:
    """End the parser's wait for the rest of an escape sequence now: what looked like
    the start of a paste mark was a lone escape, already waited for. A public parser
    method to flush a pending escape would replace this."""
    parser._timeout_time = get_time()


def web_driver_input_reader(driver: Any) -> Any:
    """The web driver's reader of what the browser sends (a driver replacing
    ``run_input_thread`` must read it). A public reader on WebDriver, or a parser hook
    in it, would replace this."""
    return driver._input_reader


def web_driver_on_meta(driver: Any, packet_type: str, payload: bytes) -> None:
    """Hand the web driver a packet that is not keyboard input (a resize, focus): it
    handles them as it does. Public with the same hook as above."""
    driver._on_meta(packet_type, payload)


def web_driver_exit_input() -> type[Exception]:
    """The exception by which the web driver's input reader says the input ended. A
    public exception (or a reader that simply stops) would replace this."""
    # Deferred for start-up speed: only the browser's terminal (serve) needs the web driver.
    from textual.drivers.web_driver import _ExitInput

    return _ExitInput


def web_byte_stream() -> Any:
    """A parser of the web driver's packet stream (keyboard data and the browser's
    news), which lives in a private module. A public home for ByteStream would replace
    this."""
    # Deferred for start-up speed: only the browser's terminal (serve) reads one.
    from textual.drivers._byte_stream import ByteStream

    return ByteStream()
