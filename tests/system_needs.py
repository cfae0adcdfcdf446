"""Tests that need programs from the system (an SSH server, a browser): skip or fail.

On a developer's machine a missing program skips the test with the reason. CI installs
the programs and sets ``SECONDOP_TUI_REQUIRE_SYSTEM_TESTS=1``; then a missing program is
a failure, so those tests can never pass by being skipped.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def stop(process: subprocess.Popen, *, timeout: float) -> None:
    """End a server the tests started: SIGTERM, then SIGKILL if it is still there after
    ``timeout`` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(data_dir: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """``secondop-tui serve`` on a free loopback port, until the block ends (then stopped
    as ctrl+c would, by SIGTERM, and killed only if it outstays 20 seconds)."""
    from tests.pty_terminal import installed_command

    port = free_port()
    server = subprocess.Popen([installed_command(), "--data-dir", str(data_dir), "serve",
                               "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {server.stdout.read()!r}")
            time.sleep(0.05)
        yield server, port
    finally:
        if server.poll() is None:
            stop(server, timeout=20)


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@contextmanager
def chromium(profile: Path, *, size: str = "1000,700"):
    """The system's headless Chromium driven by Selenium (nothing is downloaded), with
    its profile in ``profile``; skipped (or failed, where required) when it is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed (it is in the test extras)")
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(program):
            missing(f"{program} is missing (Debian: apt-get install chromium "
                    "chromium-driver)")
    # Both paths are given, so Selenium Manager has nothing to find; offline, it could
    # not download anything even if it ran.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     f"--window-size={size}", "--no-first-run", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


SSHD = "/usr/sbin/sshd"


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test",
                    "-f", str(path)], check=True, timeout=30)


@contextmanager
def ssh_server_in(tmp_path: Path) -> Iterator[dict]:
    """An sshd on 127.0.0.1 that lets the current user in with a throw-away key, until
    the block ends (the ``ssh_server`` fixture)."""
    for program in (SSHD, shutil.which("ssh"), shutil.which("ssh-keygen")):
        if not program or not os.path.exists(program):
            missing("OpenSSH is not installed (Debian: apt-get install openssh-server)")
    user = getpass.getuser()
    privsep = Path("/run/sshd")  # sshd refuses to start without it
    if not privsep.is_dir():
        if os.geteuid() != 0:
            missing("sshd needs /run/sshd, which only root can create")
        privsep.mkdir(mode=0o755, parents=True, exist_ok=True)
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    keygen(keys / "host_key")
    keygen(keys / "user_key")
    authorized = keys / "authorized_keys"
    authorized.write_text((keys / "user_key.pub").read_text())
    port = free_port()
    config = keys / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1",
        f"Port {port}",
        f"HostKey {keys / 'host_key'}",
        f"AuthorizedKeysFile {authorized}",
        "StrictModes no",
        "PidFile none",
        "UsePAM no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        f"PermitRootLogin {'yes' if os.geteuid() == 0 else 'no'}",
        f"AllowUsers {user}",
        "PrintMotd no",
        "PrintLastLog no",
        "",
    ]))
    log = open(keys / "sshd.log", "wb")
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                missing(f"sshd did not start: {(keys / 'sshd.log').read_text()[-2000:]}")
            time.sleep(0.05)
        yield {"port": port, "user": user, "key": keys / "user_key",
               "log": keys / "sshd.log"}
    finally:
        stop(server, timeout=10)
        log.close()
