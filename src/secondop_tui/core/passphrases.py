"""Passphrases: how strong one is (a hint, never a rule), and reading one from a file
descriptor or the terminal. Never from an environment variable or the command line,
which other users and the shell's history can see."""

from __future__ import annotations

import os
from typing import BinaryIO, NamedTuple

# zxcvbn looks at this many characters at most; a longer passphrase is only stronger.
STRENGTH_LOOKS_AT = 72
LEVELS = ("very weak", "weak", "fair", "good", "strong")
# At or above this score no question is asked before the passphrase is taken.
GOOD_ENOUGH = 3

FORGOTTEN_WARNING = (
    "If you forget the passphrase and lose the recovery key, nobody can open the "
    "workbook again: not you, not the makers of this app. There is no reset.")
ADVICE = (
    "A few plain words that you will remember and others would not guess (four or five "
    "words picked at random, or a line only you would write) are strong and easy to type.")


class Strength(NamedTuple):
    """How hard a passphrase is to guess: ``score`` 0 (very weak) to 4 (strong)."""

    score: int
    level: str
    guess_time: str  # for someone trying ten thousand guesses a second
    advice: str  # what zxcvbn says about it, if anything

    def describe(self) -> str:
        """One line, e.g. "Strength: weak (about 3 hours to guess). Add a word or two."."""
        line = f"Strength: {self.level} (about {self.guess_time} to guess, for a fast computer)"
        if self.guess_time in ("centuries",):
            line = f"Strength: {self.level} (centuries to guess, even for a fast computer)"
        return f"{line}. {self.advice}".strip() if self.advice else line + "."

    @property
    def good_enough(self) -> bool:
        return self.score >= GOOD_ENOUGH


def strength(passphrase: str) -> Strength:
    """How strong ``passphrase`` is, by zxcvbn (Dropbox's estimate, which knows common
    passwords, names, words, dates and keyboard patterns, and rewards length)."""
    # deferred: start-up speed (only the encryption commands and dialogs need it)
    from zxcvbn import zxcvbn

    found = zxcvbn(passphrase[:STRENGTH_LOOKS_AT])
    feedback = found.get("feedback") or {}
    advice = " ".join(part for part in [feedback.get("warning") or "",
                                        *(feedback.get("suggestions") or [])] if part)
    score = int(found["score"])
    guess = str(found["crack_times_display"]["offline_slow_hashing_1e4_per_second"])
    return Strength(score, LEVELS[score], guess, advice)


class NoPassphrase(Exception):
    """No passphrase could be read (the descriptor ended, or there is no terminal)."""


class PassphraseReader:
    """Passphrases from a file descriptor, one a line (as gpg's --passphrase-fd), or
    asked on the terminal (not echoed) when there is no descriptor."""

    def __init__(self, fd: int | None = None) -> None:
        self.fd = fd
        self._file: BinaryIO | None = None

    @property
    def interactive(self) -> bool:
        """Whether passphrases are asked on the terminal (there may be none)."""
        return self.fd is None

    @property
    def can_ask(self) -> bool:
        """Whether there is a terminal to ask on."""
        try:
            with open("/dev/tty", "rb"):
                return True
        except OSError:
            return False

    def read(self, prompt: str) -> str:
        """The next passphrase. Raises :class:`NoPassphrase`."""
        if self.fd is not None:
            return self._from_fd()
        return self._from_terminal(prompt)

    def _from_fd(self) -> str:
        if self._file is None:
            try:
                self._file = os.fdopen(self.fd, "rb", closefd=False)  # type: ignore[arg-type]
            except OSError as error:
                raise NoPassphrase(f"file descriptor {self.fd} cannot be read: "
                                   f"{error.strerror or error}") from None
        try:
            line = self._file.readline()
        except OSError as error:
            raise NoPassphrase(f"file descriptor {self.fd} cannot be read: "
                               f"{error.strerror or error}") from None
        if not line:
            raise NoPassphrase(f"file descriptor {self.fd} holds no (more) passphrases")
        text = line.decode("utf-8", "replace").removesuffix("\n").removesuffix("\r")
        if not text:
            raise NoPassphrase(f"file descriptor {self.fd} gave an empty line")
        return text

    @staticmethod
    def _from_terminal(prompt: str) -> str:
        # deferred: start-up speed (only the commands that read the workbook need it)
        import getpass

        try:
            with open("/dev/tty", "rb"):
                pass
        except OSError:
            raise NoPassphrase("there is no terminal to ask on: give it with "
                               "--passphrase-fd N") from None
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise NoPassphrase("the terminal's input ended") from None
        except KeyboardInterrupt:
            raise NoPassphrase("interrupted") from None
