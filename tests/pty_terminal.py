"""Drive a command in a real pseudo-terminal and read its screen like a person would.

The bytes the program writes are fed to pyte, a terminal emulator, so tests read the
screen as text (``display``) instead of picking through escape sequences.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import struct
import sys
import termios
import threading
import time
from fcntl import ioctl
from pathlib import Path

import pyte

from tests.helpers import DEADLINE

KEYS = {
    "ctrl+q": b"\x11", "ctrl+s": b"\x13", "ctrl+p": b"\x10", "enter": b"\r", "tab": b"\t",
    "escape": b"\x1b", "f1": b"\x1bOP", "up": b"\x1b[A", "down": b"\x1b[B",
    "backspace": b"\x7f", "space": b" ", "ctrl+home": b"\x1b[1;5H", "f5": b"\x1b[15~",
}


def installed_command() -> str:
    """The ``secondop-tui`` installed beside this Python (the venv under test)."""
    beside = Path(sys.executable).parent / "secondop-tui"
    found = str(beside) if beside.exists() else shutil.which("secondop-tui")
    assert found, "secondop-tui is not installed in this environment"
    return found


class Terminal:
    """A program running in a pty of a fixed size."""

    def __init__(self, argv: list[str], *, cols: int = 80, rows: int = 24,
                 env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], argv, {**os.environ, "TERM": "xterm-256color",
                                       "COLUMNS": str(cols), "LINES": str(rows), **(env or {})})
        ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.alive = True
        self.exit_status: int | None = None
        self.written: list[tuple[float, bytes]] = []  # when each read arrived, and what
        self._stop = threading.Event()  # set by close(): the reader ends
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.1)
                if not ready:
                    if not self.alive:
                        return
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.written.append((time.monotonic(), data))
                self.stream.feed(data)

    @property
    def display(self) -> str:
        with self._lock:
            return "\n".join(self.screen.display)

    def wait_for(self, *texts: str, timeout: float = DEADLINE, poll: float = 0.05) -> str:
        """Wait until every text is on screen; return the screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.display
            if all(t in screen for t in texts):
                return screen
            time.sleep(poll)
        raise AssertionError(f"timed out waiting for {texts!r}; screen was:\n{self.display}")

    @property
    def notifications(self) -> str:
        """The text of the notifications on screen, as one line.

        Textual draws them at the bottom right, each line after a half block (▌), so a
        message wraps between other text; this joins its pieces back together.
        """
        with self._lock:
            lines = list(self.screen.display)
        pieces = [line.split("▌", 1)[1].strip() for line in lines if "▌" in line]
        return " ".join(piece for piece in pieces if piece)

    def wait_for_notification(self, text: str, timeout: float = DEADLINE) -> str:
        """Wait until a notification holding ``text`` shows; return all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.notifications
            if text in shown:
                return shown
            time.sleep(0.05)
        raise AssertionError(f"no notification with {text!r}; screen was:\n{self.display}")

    def wait_gone(self, text: str, timeout: float = DEADLINE) -> None:
        """Wait until ``text`` is no longer on screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text not in self.display:
                return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} stayed on screen:\n{self.display}")

    def bytes_since(self, moment: float) -> list[tuple[float, bytes]]:
        """What the program wrote to the terminal after ``moment`` (time.monotonic)."""
        with self._lock:
            return [(when, data) for when, data in self.written if when > moment]

    def send(self, *keys: str, delay: float = 0.05) -> None:
        """Press keys with the gap a person leaves between them (``delay`` seconds); to
        wait for what a key does, wait for it on screen (``wait_for``)."""
        for key in keys:
            os.write(self.fd, KEYS.get(key, key.encode("utf-8")))
            time.sleep(delay)

    def type(self, text: str, delay: float = 0.0) -> None:
        """Type ``text``, ``delay`` seconds a character: a typist's speed."""
        for char in text:
            os.write(self.fd, char.encode("utf-8"))
            if delay:
                time.sleep(delay)

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def wait_exit(self, timeout: float = DEADLINE) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.alive = False
                self.exit_status = status
                return status
            time.sleep(0.05)
        raise AssertionError("the program did not exit")

    def close(self) -> None:
        if self.alive:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.alive = False
        # The reader ends before the descriptor is closed. Closed under it, the number
        # goes to the next file this process opens, and the reader took that file's
        # bytes for the program's output: a test then read the workbook it opened next
        # as empty (the reader had read it first).
        self._stop.set()
        self._reader.join(timeout=10)
        if self._reader.is_alive():
            return  # left open rather than handed to the next file while read
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1
