"""The passphrase: asked at start before anything of an encrypted workbook is shown,
and the forms that turn encryption on, change the passphrase and turn it off.

The passphrase is asked for here, in the app itself, so it works wherever the app does:
a local terminal, over SSH, and in a browser tab (``serve``). Unlocking the key takes
a few seconds (age's scrypt, made slow on purpose); it runs on a worker thread, so the
screen stays live.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from secondop_tui.core import encryption
from secondop_tui.core.errors import KeyFileDamaged, MachineTooBusy, WrongPassphrase
from secondop_tui.core.passphrases import ADVICE, FORGOTTEN_WARNING, strength
from secondop_tui.core.sealing import WorkbookKey
from secondop_tui.ui.dialogs.base import DialogScreen

# Wrong tries allowed at once; after them, each try waits longer than the one before:
# 2, 4, 8... seconds, at most WAIT_LONGEST (age's key derivation already costs a second
# a try).
FREE_TRIES = 3
WAIT_LONGEST = 60.0


def wait_after(wrong: int) -> float:
    """Seconds to wait before the next try, after ``wrong`` wrong tries in a row."""
    if wrong < FREE_TRIES:
        return 0.0
    return min(WAIT_LONGEST, 2.0 ** (wrong - FREE_TRIES + 1))


class PassphraseDialogStyles:
    CSS = """
    {name} .hint {{
        color: $text-muted;
    }}
    {name} .problem {{
        color: $text-error;
    }}
    {name} .warning {{
        color: $text-warning;
        text-style: bold;
    }}
    {name} Input {{
        margin: 0 0 1 0;
    }}
    """

    @classmethod
    def for_(cls, name: str) -> str:
        return cls.CSS.format(name=name)


class UnlockDialog(DialogScreen[WorkbookKey | None]):
    """Asks for the passphrase (or the recovery key) of the encrypted workbook in
    ``data_dir``; dismisses with its key, or None when the user quits.

    With ``opener`` (the passphrase to the key, raising WrongPassphrase), it asks for
    another key than the one in ``data_dir`` (a synced workbook's), with ``title`` and
    ``lead``, and escape cancels rather than quits."""

    DEFAULT_CSS = PassphraseDialogStyles.for_("UnlockDialog")

    BINDINGS = [
        Binding("enter", "unlock", "Open", id="unlock.open"),
        Binding("f2", "unlock", "Open", show=False, id="unlock.open.alt"),
        Binding("escape", "quit", "Quit", id="unlock.quit"),
    ]

    def __init__(self, data_dir: Path | None = None, *,
                 opener: Callable[[str], WorkbookKey] | None = None,
                 title: str = "This workbook is encrypted",
                 lead: str = "Type its passphrase, or the recovery key, then press enter. "
                             "Nothing of the workbook is shown before.") -> None:
        super().__init__()
        self.data_dir = data_dir
        self.opener = opener
        self.title_text = title
        self.lead_text = lead
        self.escape_word = "quit" if opener is None else "cancel"
        self.wrong = 0
        self.busy = False
        self.wait_until = 0.0
        self._timer = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.lead_text, classes="hint", markup=False)
            yield Input(password=True, placeholder="passphrase", id="unlock-passphrase")
            yield Static("", id="unlock-status", classes="problem")
            yield Static(f"enter: open · escape: {self.escape_word}", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#unlock-passphrase", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_unlock()

    def say(self, text: str, *, problem: bool = True) -> None:
        status = self.query_one("#unlock-status", Static)
        status.update(text)
        status.set_class(problem, "problem")
        status.set_class(not problem, "hint")

    def action_unlock(self) -> None:
        field = self.query_one("#unlock-passphrase", Input)
        secret = field.value
        if self.busy or time.monotonic() < self.wait_until:
            return
        if not secret:
            self.say(f"Type the passphrase first (escape {self.escape_word}s).")
            return
        self.busy = True
        field.disabled = True
        self.say("Opening… (making the passphrase into a key takes a few seconds)",
                 problem=False)
        self.unlock(secret)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def unlock(self, secret: str) -> None:
        try:
            if self.opener is not None:
                key = self.opener(secret)
            else:
                assert self.data_dir is not None
                key = encryption.unlock(self.data_dir, secret)
        except WrongPassphrase as error:
            self.app.call_from_thread(self.refused, str(error), wrong=True)
        except (KeyFileDamaged, MachineTooBusy) as error:
            self.app.call_from_thread(self.refused, str(error), wrong=False)
        except OSError as error:
            self.app.call_from_thread(self.refused, f"The key cannot be read: "
                                      f"{error.strerror or error}.", wrong=False)
        else:
            self.app.call_from_thread(self.dismiss, key)

    def refused(self, why: str, *, wrong: bool) -> None:
        self.busy = False
        field = self.query_one("#unlock-passphrase", Input)
        field.value = ""
        if wrong:
            self.wrong += 1
            tries = "1 wrong try" if self.wrong == 1 else f"{self.wrong} wrong tries"
            why = f"{why} ({tries}.)"
        wait = wait_after(self.wrong) if wrong else 0.0
        if wait:
            self.wait_until = time.monotonic() + wait
            self._count_down(why)
            return
        field.disabled = False
        field.focus()
        self.say(why)

    def _count_down(self, why: str) -> None:
        left = self.wait_until - time.monotonic()
        field = self.query_one("#unlock-passphrase", Input)
        if left <= 0:
            field.disabled = False
            field.focus()
            self.say(f"{why} Try again.")
            return
        self.say(f"{why} The next try is possible in {left:.0f} s.")
        self.set_timer(min(1.0, left), lambda: self._count_down(why))

    def action_quit(self) -> None:
        self.dismiss(None)


class SharedPassphraseDialog(UnlockDialog):
    """Asks for the passphrase of a workbook shared by sync whose key this workbook
    lacks: ``key_file`` is the shared key sealed with that passphrase, ``sealed`` the
    shared workbook it must open. Dismisses with the key, or None (escape)."""

    DEFAULT_CSS = PassphraseDialogStyles.for_("SharedPassphraseDialog")

    BINDINGS = [
        Binding("enter", "unlock", "Open", id="shared-passphrase.open"),
        Binding("f2", "unlock", "Open", show=False, id="shared-passphrase.open.alt"),
        Binding("escape", "quit", "Cancel", id="shared-passphrase.cancel"),
    ]

    def __init__(self, key_file: bytes, sealed: bytes) -> None:
        super().__init__(
            opener=partial(encryption.unlock_shared, key_file, sealed),
            title="The shared workbook's passphrase",
            lead="The shared workbook is encrypted. Type its passphrase (or its recovery "
                 "key), then press enter: this workbook is then encrypted with the same "
                 "key, so that both machines open it with that passphrase.")


class _NewPassphraseForm(DialogScreen[tuple[str, str] | None]):
    """A form with a new passphrase typed twice and its strength, shown as it is typed.
    Dismisses with (the current passphrase or "", the new one), or None."""

    ask_current = False
    title_text = ""
    lead_text = ""

    BINDINGS = [
        Binding("ctrl+s", "done", "Done", priority=True, id="passphrase.done"),
        Binding("f2", "done", "Done", show=False, id="passphrase.done.alt"),
        Binding("escape", "cancel", "Cancel", id="passphrase.cancel"),
        Binding("down", "app.focus_next", "Next field", show=False, id="passphrase.next"),
        Binding("up", "app.focus_previous", "Previous field", show=False,
                id="passphrase.previous"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.lead_text, classes="hint")
            if self.ask_current:
                yield Static("Current passphrase (or the recovery key):")
                yield Input(password=True, id="passphrase-current")
            yield Static("New passphrase:")
            yield Input(password=True, id="passphrase-new")
            yield Static("", id="passphrase-strength", classes="hint")
            yield Static("The same passphrase again:")
            yield Input(password=True, id="passphrase-again")
            yield Static(f"⚠ {FORGOTTEN_WARNING}", classes="warning")
            yield Static("", id="passphrase-problem", classes="problem")
            yield Static("enter: next field, then done · ctrl+s or F2: done · escape: "
                         "cancel", classes="hint")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(Input.Changed, "#passphrase-new")
    def show_strength(self, event: Input.Changed) -> None:
        text = strength(event.value).describe() if event.value else ADVICE
        self.query_one("#passphrase-strength", Static).update(text)

    @on(Input.Submitted)
    def next_or_done(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "passphrase-again":
            self.action_done()
        else:
            self.focus_next()

    def problem(self, text: str) -> None:
        self.query_one("#passphrase-problem", Static).update(text)

    def action_done(self) -> None:
        current = self.query_one("#passphrase-current", Input).value \
            if self.ask_current else ""
        new = self.query_one("#passphrase-new", Input).value
        again = self.query_one("#passphrase-again", Input).value
        if self.ask_current and not current:
            self.problem("Type the current passphrase first.")
            return
        if not new:
            self.problem("Type a new passphrase.")
            return
        if new != again:
            self.problem("The two new passphrases differ: type the same one twice.")
            return
        self.dismiss((current, new))

    def action_cancel(self) -> None:
        self.dismiss(None)


class EncryptDialog(_NewPassphraseForm):
    """Turning encryption on: the passphrase, twice."""

    DEFAULT_CSS = PassphraseDialogStyles.for_("EncryptDialog")
    title_text = "Encrypt the workbook"
    lead_text = ("The workbook, its backups and every copy of it will be encrypted: "
                 "whoever else can read this disk (an administrator, a backup, a lost "
                 "laptop) sees nothing of it. The app will ask for the passphrase at each "
                 f"start. {ADVICE}")


class ChangePassphraseDialog(_NewPassphraseForm):
    """Changing the passphrase: the current one, then the new one twice."""

    DEFAULT_CSS = PassphraseDialogStyles.for_("ChangePassphraseDialog")
    ask_current = True
    title_text = "Change the passphrase"
    lead_text = "The recovery key stays the same."


class DecryptDialog(DialogScreen[str | None]):
    """Turning encryption off: the passphrase once more. Dismisses with it, or None."""

    DEFAULT_CSS = PassphraseDialogStyles.for_("DecryptDialog")

    BINDINGS = [
        Binding("ctrl+s", "done", "Decrypt", priority=True, id="decrypt.done"),
        Binding("f2", "done", "Decrypt", show=False, id="decrypt.done.alt"),
        Binding("escape", "cancel", "Cancel", id="decrypt.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Stop encrypting the workbook", classes="dialog-title")
            yield Static("The workbook, its backups and every copy of it will be stored "
                         "plain again: anyone who can read this disk as you (or as an "
                         "administrator) can read them. The key files are removed.",
                         classes="hint")
            yield Static("Passphrase (or the recovery key):")
            yield Input(password=True, id="decrypt-passphrase")
            yield Static("", id="decrypt-problem", classes="problem")
            yield Static("enter, ctrl+s or F2: decrypt · escape: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_done()

    def action_done(self) -> None:
        secret = self.query_one(Input).value
        if not secret:
            self.query_one("#decrypt-problem", Static).update("Type the passphrase first.")
            return
        self.dismiss(secret)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RecoveryKeyDialog(DialogScreen[None]):
    """The recovery key, shown once, right after encryption was turned on."""

    # Wide enough for the key's 74 characters on one line in an 80-column terminal.
    DEFAULT_CSS = PassphraseDialogStyles.for_("RecoveryKeyDialog") + """
    RecoveryKeyDialog > Vertical {
        width: 80;
    }
    RecoveryKeyDialog #recovery-key {
        text-style: bold;
        padding: 1 0;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "close", "Written down", priority=True, id="recovery.close"),
        Binding("f2", "close", "Written down", show=False, id="recovery.close.alt"),
    ]

    def __init__(self, recovery_key: str) -> None:
        super().__init__()
        self.recovery_key = recovery_key

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("The workbook is encrypted: your recovery key", classes="dialog-title")
            yield Static("Write it down or print it now: it is shown this once only. It "
                         "opens the workbook if the passphrase is forgotten (type it where "
                         "the passphrase is asked for), and without this app too (age -d -i "
                         "FILE workbook.json). Keep it away from this computer.",
                         classes="hint")
            yield Static(self.recovery_key, id="recovery-key", markup=False)
            yield Static(f"⚠ {FORGOTTEN_WARNING}", classes="warning")
            yield Static("ctrl+s or F2: I have written it down", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
