"""Tests that need programs from the system (an SSH server, a browser): skip or fail.

On a developer's machine a missing program skips the test with the reason. CI installs
the programs and sets ``SECONDOP_TUI_REQUIRE_SYSTEM_TESTS=1``; then a missing program is
a failure, so those tests can never pass by being skipped.
"""

from __future__ import annotations

import os
import socket

import pytest

REQUIRE_ENV = "SECONDOP_TUI_REQUIRE_SYSTEM_TESTS"


def required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def missing(reason: str) -> None:
    """Skip the test for ``reason``, or fail it when system tests are required."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so this test may not be skipped)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on the loopback address that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
