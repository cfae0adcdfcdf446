"""Helpers the test modules share (fixtures stay in conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable


async def wait_until(pilot, predicate: Callable[[], object], what: str,
                     timeout: float = 30.0) -> None:
    """Let the app run until ``predicate()`` holds; fail naming ``what`` after
    ``timeout`` seconds (only a failing test waits that long)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
