"""``secondop-tui serve``: the app in a browser tab, through textual-serve.

Each browser tab is a separate app process, started by the server with ``--served``: the
first one holds the workbook, any other opens it read-only by itself. There is no login,
so the server listens on the loopback address unless told otherwise, and refuses pages
and connections that come from another site (a web page in the same browser must not be
able to open the workbook through a WebSocket).

Textual is never imported here: the app processes import it, the server does not.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import logging
import shlex
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_COMMAND = "pip install 'secondop-tui[web]'"
SHUTDOWN_SECONDS = 15  # for the tabs' apps to save and quit when the server stops
# The names a browser on this machine uses for the loopback address.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class ServeRefused(Exception):
    """The server must not start; the message says why and what to do instead."""


def is_loopback(host: str) -> bool:
    """True when every address ``host`` stands for is on this machine only."""
    name = host.strip().strip("[]")
    if not name:
        return False  # an empty host means every interface
    if name.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(name, None)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(info[4][0]).is_loopback
                               for info in found)


def remote_warning(host: str, port: int) -> str:
    return (
        f"WARNING: serving on {host}, which other machines may reach. There is no login: "
        f"anyone who can reach port {port} can read and change the whole workbook, and "
        "the connection is not encrypted. Use this only on a network you trust; safer is "
        f"the default address with an SSH tunnel (ssh -L {port}:127.0.0.1:{port} HOST).")


def check_host(host: str, port: int, allow_remote: bool) -> str | None:
    """Raise :class:`ServeRefused` for a non-loopback host without ``allow_remote``;
    return the warning to print when it is allowed (None on loopback)."""
    if is_loopback(host):
        return None
    if not allow_remote:
        raise ServeRefused(
            f"{host} is not a loopback address, so other machines could open the workbook "
            "and there is no login. Nothing was started. Keep the default "
            f"(--host {DEFAULT_HOST}) and reach it through an SSH tunnel, or add "
            "--allow-remote if you really mean it.")
    return remote_warning(host, port)


def app_command(data_dir: Path) -> str:
    """The shell command the server runs for each browser tab."""
    argv = [sys.executable, "-m", "secondop_tui", "--data-dir",
            str(Path(data_dir).expanduser().absolute()), "--served"]
    # exec: the app replaces the shell, so it is the server's child and notices when the
    # server goes away.
    return "exec " + shlex.join(argv)


def _bracketed(host: str) -> str:
    """An address as it appears in a URL (IPv6 in brackets)."""
    host = host.strip("[]")
    return f"[{host}]" if ":" in host else host


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host headers accepted (None: any). On loopback only the loopback names are,
    so a web page cannot reach the server through a rebound domain name."""
    if not is_loopback(host):
        return None
    names = {*LOOPBACK_NAMES, _bracketed(host)}
    accepted = {f"{name}:{port}" for name in names}
    if port == 80:  # browsers leave the default port out
        accepted |= names
    return {name.casefold() for name in accepted}


def same_origin(origin: str | None, request_host: str) -> bool:
    """A browser names the page that opens a WebSocket in Origin; only our own page may."""
    if origin is None:
        return True  # not a browser (a script on this machine could read the file anyway)
    return urlsplit(origin).netloc.casefold() == request_host.casefold()


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>secondop-tui</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}css/xterm.css">
<style>
@font-face {{ font-family: "Roboto Mono"; font-style: normal;
  src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf"); }}
@font-face {{ font-family: "Roboto Mono"; font-style: italic;
  src: url("{static}fonts/RobotoMono-Italic-VariableFont_wght.ttf"); }}
html, body {{ margin: 0; padding: 0; height: 100%; background: #000; }}
.textual-terminal {{ width: 100vw; height: 100vh; }}
#closed {{ display: none; position: absolute; inset: 0; align-items: center;
  justify-content: center; background: #000; color: #fff; font: 18px monospace; }}
body.-closed #closed {{ display: flex; }}
</style>
<script src="{static}js/textual.js"></script>
</head>
<body>
<div id="closed"><p>The workbook was closed in this tab. Reload the page to open it
again.</p></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket}"
  data-font-size="{font_size}"></div>
</body>
</html>
"""


def page(request_host: str, font_size: int) -> str:
    """The page for one tab: everything it loads comes from this server (no web fonts
    from elsewhere: the workbook's pages make no request to any other site)."""
    host = html.escape(request_host, quote=True)
    return PAGE.format(static=f"http://{host}/static/", websocket=f"ws://{host}/ws",
                       font_size=font_size)


def serve(data_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          allow_remote: bool = False) -> int:
    """Run the server until Ctrl+C. Returns the exit code."""
    try:
        warning = check_host(host, port, allow_remote)
    except ServeRefused as refusal:
        print(f"secondop-tui serve: {refusal}", file=sys.stderr)
        return 2
    try:
        # deferred: start-up speed (loaded only on the path that uses it)
        from textual_serve.server import Server
    except ImportError:
        print("secondop-tui serve needs the optional web support, which is not installed. "
              f"Install it with:\n\n    {INSTALL_COMMAND}\n", file=sys.stderr)
        return 1
    if warning:
        print(warning, file=sys.stderr)
    server = _workbook_server(Server)(app_command(data_dir), host=host, port=port,
                                      allowed=allowed_hosts(host, port))
    try:
        server.serve()
    except OSError as error:
        print(f"secondop-tui serve: cannot listen on {host} port {port}: "
              f"{error.strerror or error}. Is something else using it? Choose another with "
              "--port.", file=sys.stderr)
        return 1
    return 0


def _workbook_server(server_class):
    """textual-serve's Server with our page, our start message and the origin checks
    (made here, so textual-serve is imported only when serving)."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from aiohttp import web

    class WorkbookServer(server_class):
        def __init__(self, command: str, *, host: str, port: int,
                     allowed: set[str] | None) -> None:
            super().__init__(command, host=host, port=port, title="secondop-tui",
                             public_url=f"http://{_bracketed(host)}:{port}")
            self.allowed = allowed
            self.sessions: set[asyncio.Task] = set()  # one per open tab

        def initialize_logging(self) -> None:
            super().initialize_logging()
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(self.guard)
            return app

        @web.middleware
        async def guard(self, request: web.Request, handler):
            if self.allowed is not None and request.host.casefold() not in self.allowed:
                raise web.HTTPForbidden(text="Open this page as http://127.0.0.1 or "
                                             "http://localhost on this machine.")
            if not same_origin(request.headers.get("Origin"), request.host):
                raise web.HTTPForbidden(text="Another site may not open the workbook.")
            if request.path != "/ws":
                return await handler(request)
            session = asyncio.current_task()
            assert session is not None
            self.sessions.add(session)
            try:
                return await handler(request)
            finally:
                self.sessions.discard(session)

        async def on_shutdown(self, app: web.Application) -> None:
            # Each open tab's session would wait for its browser until the shutdown
            # timeout; ended now, each tells its app to quit (which saves) and waits.
            sessions = list(self.sessions)
            for session in sessions:
                session.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=SHUTDOWN_SECONDS)

        async def handle_index(self, request: web.Request) -> web.Response:
            try:
                font_size = max(8, min(40, int(request.query.get("fontsize", "16"))))
            except ValueError:
                font_size = 16
            return web.Response(text=page(request.host, font_size), content_type="text/html",
                                headers={"Cache-Control": "no-store"})

        async def on_startup(self, app: web.Application) -> None:
            where = "only this machine can open it" if self.allowed is not None else \
                "other machines may open it"
            self.console.print(
                f"secondop-tui is served at {self.public_url} ({where}).\n"
                "Each browser tab runs its own copy of the app; while one tab has the "
                "workbook open, others open it read-only.\nCtrl+C stops the server.",
                highlight=False, markup=False)

    return WorkbookServer
