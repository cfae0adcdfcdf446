"""The ``secondop-tui`` command. Subcommands that need no screen never import Textual."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from secondop_tui import __version__
from secondop_tui.cli_encryption import CommandFailed, Secrets

ENV_DATA_DIR = "SECONDOP_TUI_DATA_DIR"
ENV_SCREEN_READER = "SECONDOP_TUI_SCREEN_READER"
APP_NAME = "secondop-tui"


def default_data_dir() -> Path:
    """The data folder: --data-dir, then $SECONDOP_TUI_DATA_DIR, then platformdirs'."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    # deferred: start-up speed (loaded only on the path that uses it)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return port


def descriptor(text: str) -> int:
    try:
        fd = int(text)
    except ValueError:
        fd = -1
    if fd < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file descriptor number")
    return fd


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, metavar="DIR",
        help=f"folder that holds the workbook (default: ${ENV_DATA_DIR}, "
             "else your user data folder)",
    )
    # Never from the command line or an environment variable: others can read both.
    secret = argparse.ArgumentParser(add_help=False)
    secret.add_argument(
        "--passphrase-fd", type=descriptor, default=argparse.SUPPRESS, metavar="N",
        help="with an encrypted workbook, read the passphrase (or the recovery key) from "
             "file descriptor N, one a line, instead of asking on the terminal")
    parser = argparse.ArgumentParser(
        prog=APP_NAME, parents=[common, secret],
        description="A private, keyboard-driven workbook for getting a second opinion "
                    "after a cancer diagnosis. Information and organisation only: "
                    "not medical advice.",
        epilog="With no command, the full-screen app starts.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="open the workbook without writing anything")
    parser.add_argument("--screen-reader", action="store_true", default=argparse.SUPPRESS,
                        help="for a screen reader or a braille display: the cursor follows "
                             "the focus, notices are written on the last line, nothing "
                             f"moves by itself (also ${ENV_SCREEN_READER}=1; remembered "
                             "in the workbook)")
    # Set by 'serve' for each browser tab: a workbook open elsewhere opens read-only
    # without asking, and the app leaves (saving) when the server goes away.
    parser.add_argument("--served", action="store_true", default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("check", parents=[common, secret],
                        help="report the workbook's health, records and backups")
    restore = commands.add_parser(
        "restore", parents=[common, secret],
        help="replace the workbook with a backup (the current file is kept aside)")
    restore.add_argument("backup", metavar="BACKUP",
                         help="a backup file, a name listed by 'check', 'newest', or a "
                              "synced version listed by 'history'")
    sync = commands.add_parser(
        "sync", parents=[common, secret],
        help="share the workbook through a git remote: fetch, merge, save and push",
        description="Fetch the shared workbook from its git remote, merge it with this one "
                    "record by record, save the result here and push it back. Prints what "
                    "came in and what went out. The network is used only by this command "
                    "(and the app's \"Sync now\").",
        epilog="First: 'secondop-tui sync setup REMOTE' (REMOTE: a folder such as a USB "
               "stick, or user@host:path/to/repo.git over SSH).")
    sync.add_argument("--rejoin", action="store_true",
                      help="after the remote's history was rewritten, or its newest version "
                           "damaged: merge this workbook into the remote's newest usable "
                           "version and share the result (nothing is lost)")
    sync_commands = sync.add_subparsers(dest="sync_command", metavar="setup")
    setup = sync_commands.add_parser(
        "setup", parents=[common, secret], help="connect this workbook to a git remote",
        description="Connect this workbook to a git remote (a folder, made a repository if "
                    "it is empty, or a repository over SSH) and sync it for the first time.")
    setup.add_argument("remote", metavar="REMOTE",
                       help="a folder (a USB stick, a shared folder) or an SSH address such "
                            "as user@host:workbook.git")
    how = setup.add_mutually_exclusive_group()
    how.add_argument("--clone", action="store_true",
                     help="start this machine's workbook from the one already shared there "
                          "(a workbook here is kept aside first)")
    how.add_argument("--join", action="store_true",
                     help="merge this machine's workbook into the one already shared there")
    setup.add_argument("--machine", metavar="NAME",
                       help="this machine's name in the history and in conflicts (default: "
                            "its host name)")
    commands.add_parser("history", parents=[common, secret],
                        help="list the synced versions (date, machine, what changed)")
    export = commands.add_parser(
        "export", parents=[common, secret],
        help="print the workbook (or one part) as text, or write a web page to print, a "
             "calendar or contacts",
        description="Print the workbook (or one part) as plain text or Markdown, or write "
                    "it as a web page to print (--format html); write the appointments and "
                    "start-by dates as a calendar (--only calendar, iCalendar .ics) or the "
                    "doctors as contacts (--only contacts, vCard .vcf). Where the "
                    "terminal's character set is not UTF-8, a character it cannot show is "
                    "printed as '?', and a line on standard error says so; -o FILE always "
                    "writes UTF-8.")
    export.add_argument("--only", metavar="PART",
                        help="one part only: checklist, doctors, notes, comparison, "
                             "timeline, guidance (the packaged guidance with its sources and "
                             "the glossary; not part of the full export), visit-pack (a "
                             "one-page summary for the doctor named by --doctor; not part of "
                             "the full export), calendar (every appointment and start-by "
                             "date, with reminders, as iCalendar) or contacts (every doctor "
                             "as a vCard 4.0)")
    export.add_argument("--doctor", metavar="NAME",
                        help="with --only visit-pack: the doctor it is for (part of the "
                             "name is enough)")
    export.add_argument("--format", choices=("text", "markdown", "html"), default=None,
                        help="text (the default), markdown, or html: one self-contained "
                             "web page to print, or to save as PDF from a browser")
    export.add_argument("--paper", choices=("auto", "a4", "letter"), default=None,
                        help="with --format html: the paper size the page is laid out for "
                             "(default: auto, the printer's)")
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE (UTF-8, mode 0600) instead of standard output; "
                             "FILE is written whole beside itself and then swapped in, so a "
                             "failed export leaves an existing FILE as it was. '-', "
                             "/dev/stdout, a pipe (FIFO), a terminal or /dev/null is "
                             "written to as a stream (no --force needed); a folder or any "
                             "other device is refused")
    export.add_argument("--force", action="store_true",
                        help="replace FILE if it exists (only ever a regular file)")
    importing = commands.add_parser(
        "import", parents=[common, secret], help="add doctors from an address book export (vCard)",
        description="Add to the workbook what another program exported.")
    kinds = importing.add_subparsers(dest="what", metavar="WHAT", required=True)
    contacts = kinds.add_parser(
        "contacts", parents=[common, secret],
        help="add doctors from a contacts file (.vcf: vCard 3.0 or 4.0)",
        description="Add doctors from a contacts file exported by an address book (Google "
                    "Contacts, Apple Contacts, Thunderbird, khard...): one card or many, "
                    "vCard 3.0 or 4.0. It shows who will be added and who is left out (a "
                    "doctor already in the workbook, by name and phone), then asks. A file "
                    "that cannot be read adds nothing.")
    contacts.add_argument("file", type=Path, metavar="FILE", help="the .vcf file")
    contacts.add_argument("-y", "--yes", action="store_true",
                          help="add them without asking (for scripts)")
    contacts.add_argument("-n", "--dry-run", action="store_true",
                          help="only show who would be added")
    commands.add_parser(
        "encrypt", parents=[common, secret],
        help="encrypt the workbook and every copy of it with a passphrase",
        description="Encrypt the workbook, its previous save, its backups and every copy "
                    "kept aside, with a passphrase (asked twice; or one line from "
                    "--passphrase-fd). A recovery key is shown once: it opens the "
                    "workbook without the passphrase. Forget both and the workbook is "
                    "lost.")
    commands.add_parser(
        "decrypt", parents=[common, secret],
        help="turn encryption off: store the workbook and its copies plain again",
        description="Decrypt the workbook and every copy of it, and remove its key. Asks "
                    "for the passphrase (or the recovery key).")
    commands.add_parser(
        "passphrase", parents=[common, secret],
        help="change the passphrase of an encrypted workbook",
        description="Change the passphrase: asks for the current one (or the recovery "
                    "key, which also repairs a damaged or lost key file), then the new one "
                    "twice. With --passphrase-fd: the current one on the first line, the "
                    "new one on the second. The recovery key stays the same.")
    serve = commands.add_parser(
        "serve", parents=[common],
        help="open the app in a web browser (needs: pip install 'secondop-tui[web]')",
        description="Serve the app to a web browser on this machine. Each tab runs its own "
                    "copy; while one has the workbook open, the others open it read-only. "
                    "There is no login: keep the default loopback address.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other machines can reach (anyone who can reach "
                            "the port can read the workbook)")
    return parser


def run() -> None:
    """The ``secondop-tui`` command itself (``main`` is also called by the tests)."""
    try:
        code = main(leave_at_once=True)
    except BrokenPipeError:
        # The reader stopped early ("secondop-tui history | head"): nothing to report.
        # What is left to print goes nowhere, so the exit does not complain of it either.
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.files import BROKEN_PIPE

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = BROKEN_PIPE
    sys.exit(code)


def leave_now(code: int) -> None:
    """End the process at once, without freeing its objects one by one.

    After an export has been written, the interpreter's own exit would spend longer
    taking the workbook's records apart than the export took to print some of them.
    Everything written is flushed first; nothing else is left to save.
    """
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.files import BROKEN_PIPE

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader has gone, or the stream is closed
            code = code or BROKEN_PIPE
    os._exit(code)


def main(argv: list[str] | None = None, *, leave_at_once: bool = False) -> int:
    """Run the command line; ``leave_at_once`` ends the process after an export."""
    args = build_parser().parse_args(argv)
    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    # Over the file size limit, write() must fail with EFBIG rather than kill us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.umask(0o077)
    secrets = Secrets(getattr(args, "passphrase_fd", None))
    if args.command in ("encrypt", "decrypt", "passphrase"):
        warn_about_data_dir(data_dir)
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui import cli_encryption

        return getattr(cli_encryption, f"cmd_{args.command}")(data_dir, secrets)
    try:
        return _main(args, data_dir, secrets, leave_at_once)
    except CommandFailed as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return error.code


def _main(args: argparse.Namespace, data_dir: Path, secrets: Secrets,
          leave_at_once: bool) -> int:
    if args.command in ("check", "restore", "export", "import", "sync", "history"):
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core import console

        # In a locale that cannot show every character (ISO-8859-1, C), print "?" for
        # what does not fit rather than fail; say once, at the end, how to see it all.
        console.reset()
        console.show_what_fits(sys.stdout)
        if args.command != "check":  # check reports it among its problems
            warn_about_data_dir(data_dir)
    if args.command == "check":
        # Without the passphrase (none given, or enter pressed) check looks from outside.
        if secrets.needed(data_dir) and secrets.reader.interactive and secrets.reader.can_ask:
            print("The workbook is encrypted. Type the passphrase to look inside it too, "
                  "or press enter to check it from outside.", file=sys.stderr)
        key = secrets.key(data_dir, may_skip=secrets.reader.interactive)
        return told_what_was_replaced(cmd_check(data_dir, key), "check")
    if args.command == "restore":
        return told_what_was_replaced(cmd_restore(data_dir, args.backup, secrets), "restore")
    if args.command == "import":
        return told_what_was_replaced(
            cmd_import_contacts(data_dir, args.file, yes=args.yes, dry_run=args.dry_run,
                                secrets=secrets), "import")
    if args.command == "sync":
        setup = getattr(args, "sync_command", None) == "setup"
        return told_what_was_replaced(cmd_sync(
            data_dir, secrets, remote=args.remote if setup else None,
            clone=setup and args.clone, join=setup and args.join,
            machine=args.machine if setup else None, rejoin=args.rejoin), "sync")
    if args.command == "history":
        return told_what_was_replaced(cmd_history(data_dir, secrets), "history")
    if args.command == "export":
        code = cmd_export(data_dir, args.only, args.format, args.output, args.force,
                          doctor=args.doctor, paper=args.paper, key=secrets.key(data_dir))
        told_what_was_replaced(code, "export")
        if leave_at_once:
            leave_now(code)
        return code
    if args.command == "serve":
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.web import serve

        return serve(data_dir, args.host, args.port, args.allow_remote)
    # The app asks for the passphrase itself, on its own screen (over SSH and in a
    # browser tab too), unless a script gives it with --passphrase-fd.
    key = secrets.key(data_dir) if secrets.fd is not None else None
    return cmd_run(data_dir, read_only=getattr(args, "read_only", False),
                   served=getattr(args, "served", False),
                   screen_reader=screen_reader_asked(getattr(args, "screen_reader", False)),
                   key=key)


def screen_reader_asked(flag: bool) -> bool | None:
    """The screen reader setting asked for: on with --screen-reader; else on or off as
    $SECONDOP_TUI_SCREEN_READER says (1, yes, on, true; 0, no, off, false); else None,
    and the workbook's own setting holds."""
    if flag:
        return True
    value = os.environ.get(ENV_SCREEN_READER, "").strip().lower()
    if value in ("1", "yes", "on", "true"):
        return True
    if value in ("0", "no", "off", "false"):
        return False
    return None


def warn_about_data_dir(data_dir: Path) -> None:
    """Say once, on standard error, if others can look into the data folder. The app
    makes private only a folder it creates; one that already existed keeps its mode."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.files import folder_exposure

    warning = folder_exposure(Path(data_dir).expanduser())
    if warning:
        print(f"{APP_NAME}: warning: {warning}.", file=sys.stderr)


def told_what_was_replaced(code: int, command: str) -> int:
    """After a command, say (once) if some characters were printed as "?"."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import console

    try:
        sys.stdout.flush()  # text is encoded (and counted) as it is flushed
    except (OSError, ValueError):
        pass
    count = console.replaced()
    if count:
        what = "character" if count == 1 else "characters"
        how = ("For the full text, write it to a file: secondop-tui export -o FILE "
               "(always UTF-8)" if command == "export" else
               "A UTF-8 locale (LANG=C.UTF-8, say) shows them")
        try:
            print(f"{APP_NAME}: {count} {what} could not be shown in this terminal's "
                  f"character set ({console.encoding_of(sys.stdout)}) and "
                  f"{'was' if count == 1 else 'were'} printed as "
                  f"\"{console.REPLACEMENT}\". {how}.", file=sys.stderr)
        except (OSError, ValueError):
            pass
    return code


def cmd_check(data_dir: Path, key=None) -> int:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.check import run_check

    report, code = run_check(data_dir, key)
    sys.stdout.write(report)
    return code


def cmd_restore(data_dir: Path, name: str, secrets: Secrets) -> int:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import backups
    from secondop_tui.core.sealing import is_sealed
    from secondop_tui.core.store import WORKBOOK_NAME, restore_backup

    data_dir = Path(data_dir).expanduser()
    key = secrets.key(data_dir)
    backup = backups.find(data_dir, name, key)
    if backup is None and name != "newest":
        return restore_version(data_dir, name, key)
    if key is None and backup is not None and backup.is_file():
        try:
            with open(backup, "rb") as file:
                sealed = is_sealed(file.read(64))
        except OSError:
            sealed = False
        if sealed:  # an encrypted backup restored into a plain workbook's folder
            key = secrets.unlock(data_dir)
    if backup is None:
        print(f"{APP_NAME}: there is no valid backup yet. 'secondop-tui check' lists them.",
              file=sys.stderr)
        return 2
    if backup.absolute() == (data_dir / WORKBOOK_NAME).absolute():
        print(f"{APP_NAME}: {backup} is the workbook itself; name a backup. Nothing was "
              "changed.", file=sys.stderr)
        return 2
    done = restored_or_said(lambda: restore_backup(data_dir, backup, key), str(backup))
    if done is None:
        return 1
    restored, aside = done
    print(f"Restored {restored} from {backup}.")
    if aside:
        print(f"The replaced workbook was kept as {aside}.")
    return 0


def restored_or_said(restore, source: str):
    """What ``restore()`` returns (the restored workbook, the file kept aside), or None
    after saying on stderr why nothing was changed; ``source`` names what was restored."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.codec import ParseProblem
    from secondop_tui.core.errors import StoreError, WorkbookLocked

    try:
        return restore()
    except ParseProblem as problem:
        print(f"{APP_NAME}: {source} is not a valid workbook: {problem}. Nothing was changed.",
              file=sys.stderr)
    except WorkbookLocked as error:
        print(f"{APP_NAME}: {error} Close it first; nothing was changed.", file=sys.stderr)
    except StoreError as error:
        print(f"{APP_NAME}: {error} Nothing was changed.", file=sys.stderr)
    except OSError as error:
        print(f"{APP_NAME}: could not restore: {error}. Nothing was changed.", file=sys.stderr)
    return None


def restore_version(data_dir: Path, name: str, key=None) -> int:
    """``restore`` of a synced version named as 'history' lists it."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import sync
    from secondop_tui.core.store import restore_content

    try:
        found = sync.version_content(data_dir, name, key)
    except sync.SyncError as error:
        print(f"{APP_NAME}: {error} Nothing was changed.", file=sys.stderr)
        return 1
    if found is None:
        print(f"{APP_NAME}: there is no backup or synced version called {name!r}. "
              "'secondop-tui check' lists the backups, 'secondop-tui history' the synced "
              "versions.", file=sys.stderr)
        return 2
    version, content = found
    done = restored_or_said(lambda: restore_content(data_dir, content, key),
                            f"the synced version {version.short}")
    if done is None:
        return 1
    restored, aside = done
    when = version.when.replace("T", " ")[:16]
    print(f"Restored {restored} from the synced version {version.short} "
          f"({when}, {sync.safe(version.machine)}).")
    if aside:
        print(f"The replaced workbook was kept as {aside}.")
    print("The next 'secondop-tui sync' shares it as this machine's version.")
    return 0


def open_for_command(data_dir: Path, *, read_only: bool = False, if_locked: str,
                     if_not: str, key=None):
    """The workbook opened for a command, or None after saying on stderr why it could not
    be: ``if_locked`` follows the message when another copy holds it, ``if_not``
    any other failure's."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.errors import StoreError, WorkbookLocked
    from secondop_tui.core.store import WorkbookStore

    try:
        return WorkbookStore.open(data_dir, read_only=read_only, key=key)
    except WorkbookLocked as error:
        print(f"{APP_NAME}: {error} {if_locked}", file=sys.stderr)
    except StoreError as error:
        print(f"{APP_NAME}: {error} {if_not}", file=sys.stderr)
    return None


def cmd_sync(data_dir: Path, secrets: Secrets, *, remote: str | None, clone: bool,
             join: bool, machine: str | None, rejoin: bool) -> int:
    """``sync`` and ``sync setup``: under the workbook's lock, like the app."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.cli_encryption import say as say_to_terminal
    from secondop_tui.core import sync
    from secondop_tui.core.errors import StoreError

    store = open_for_command(
        data_dir, key=secrets.key(data_dir), if_locked="Sync from there (\"Sync now\" in the palette, ctrl+p), or "
        "close it and run this again. Nothing was changed.", if_not="Nothing was synced.")
    if store is None:
        return 1
    interactive = sys.stdin is not None and sys.stdin.isatty()
    try:
        for attempt in (1, 2):
            try:
                if remote is not None:
                    report = sync.setup(store, remote, machine=machine, clone=clone,
                                        join=join, interactive=interactive)
                else:
                    report = sync.Session(store, interactive=interactive).run(rejoin=rejoin)
                break
            except sync.SyncError as error:
                if error.kind != "key-needed" or error.key_file is None or attempt == 2:
                    raise
                # The shared workbook is encrypted with a key this one lacks: its
                # passphrase opens the key, and this workbook is sealed to it too.
                say_to_terminal("The shared workbook is encrypted. Give its passphrase to "
                                "encrypt this workbook with the same key.")
                key = secrets.unlock_key_file(error.key_file, error.sealed)
                store.use_shared_key(key, error.key_file)
                say_to_terminal("This workbook is now encrypted with the shared workbook's "
                                "key: open it with that passphrase from now on.")
    except sync.SyncError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except (CommandFailed, StoreError) as error:
        print(f"{APP_NAME}: {error} Nothing was synced.", file=sys.stderr)
        return 1
    finally:
        closed = store.close()
        if not closed.ok:
            print(f"{APP_NAME}: {closed.message}", file=sys.stderr)
    print("\n".join(report.lines()))
    return 0


def cmd_history(data_dir: Path, secrets: Secrets) -> int:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import sync

    data_dir = Path(data_dir).expanduser()
    if not sync.is_set_up(data_dir):
        print("This workbook is not synced, so it has no synced versions. "
              "'secondop-tui sync setup REMOTE' shares it.")
        return 0
    versions = sync.history(data_dir)
    if not versions:
        print("No synced version yet: run 'secondop-tui sync'.")
        return 0
    print("Synced versions, newest first:")
    print(f"  {'VERSION':<10}  {'WHEN':<16}  {'MACHINE':<20}  WHAT CHANGED")
    for version in versions:
        when = version.when.replace("T", " ")[:16]
        print(f"  {version.short:<10}  {when:<16}  {sync.safe(version.machine)[:20]:<20}  "
              f"{sync.safe(version.summary)}")
    print("To go back to one: secondop-tui restore VERSION (the workbook now is kept "
          "aside).")
    return 0


def cmd_export(data_dir: Path, only: str | None, fmt: str | None, output: Path | None,
               force: bool, doctor: str | None = None, paper: str | None = None,
               key=None) -> int:
    # deferred: start-up speed (loaded only on the path that uses it)
    import gc

    # A short-lived process that builds many small objects over one large tree of
    # records: the cyclic garbage collector would walk that tree again and again.
    gc.disable()
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.errors import StoreError
    from secondop_tui.core.export import (CALENDAR, HTML, PART_NAMES, VISIT_PACK,
                                          check_format, default_format, export,
                                          export_file, export_workbook)
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.files import BROKEN_PIPE, NotAFile, is_stream

    # Only the parts exported are loaded (the names are known without loading any).
    if only is not None and only not in PART_NAMES:
        print(f"{APP_NAME}: there is no part called {only!r}; choose one of: "
              f"{', '.join(PART_NAMES)}.", file=sys.stderr)
        return 2
    if only == VISIT_PACK and doctor is None:
        print(f"{APP_NAME}: the visit pack is for one doctor: add --doctor NAME (part of "
              "the name is enough).", file=sys.stderr)
        return 2
    if doctor is not None and only != VISIT_PACK:
        print(f"{APP_NAME}: --doctor goes with --only {VISIT_PACK}.", file=sys.stderr)
        return 2
    fmt = fmt or default_format(only)
    try:
        check_format(only, fmt)
    except ValueError as error:
        print(f"{APP_NAME}: {error} Nothing was written.", file=sys.stderr)
        return 2
    if paper is not None and fmt != HTML:
        print(f"{APP_NAME}: --paper goes with --format html.", file=sys.stderr)
        return 2
    paper = paper or "auto"
    if only == CALENDAR:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.ics import local_zone

        note = local_zone().note
        if note:
            print(f"{APP_NAME}: note: {note}.", file=sys.stderr)
    pack = None
    if only == VISIT_PACK:
        # deferred: start-up speed (loaded only on the path that uses it)
        from secondop_tui.core.store import WorkbookStore

        try:
            # Read-only: exporting never writes to the workbook and works while the app runs.
            # Rendered before the output is opened: a doctor not found writes nothing.
            pack = export(WorkbookStore.open(data_dir, read_only=True, key=key), VISIT_PACK,
                          fmt, doctor=doctor or "", paper_size=paper)
        except StoreError as error:
            print(f"{APP_NAME}: {error}", file=sys.stderr)
            return 1
        except LookupError as error:
            print(f"{APP_NAME}: {error} Nothing was written.", file=sys.stderr)
            return 2

    def write(out: TextIO) -> None:
        if pack is not None:
            out.write(pack)
        else:
            export_workbook(data_dir, out, only, fmt, paper_size=paper, key=key)

    stream = output is not None and is_stream(output)
    existed = output is not None and not stream and os.path.lexists(output)
    try:
        if output is None:
            write(sys.stdout)
            sys.stdout.flush()
        else:
            with export_file(output, force=force, streams=True) as out:
                write(out)
    except FileExistsError:
        print(f"{APP_NAME}: {output} already exists. Nothing was written; use --force to "
              "overwrite it or choose another name.", file=sys.stderr)
        return 1
    except NotAFile as error:
        print(f"{APP_NAME}: will not write to {output}: {error.strerror}. Nothing was "
              "written and it was left as it was; name a file (or '-' for standard "
              "output).", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early ("| head"): nothing to report
        # Python would try to flush the rest at exit and complain; send it nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except OSError as error:
        where = "the export was cut short" if output is None else f"could not write {output}"
        kept = f" {output} was left as it was." if existed else ""
        print(f"{APP_NAME}: {where}: {error.strerror or error}.{kept}", file=sys.stderr)
        return 1
    if output is not None and not stream:
        print(f"Wrote {output}.", file=sys.stderr)
    return 0


def ask(question: str) -> bool:
    """Ask a yes-or-no question on the terminal; only "y" or "yes" is yes."""
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().casefold() in ("y", "yes")


def cmd_import_contacts(data_dir: Path, file: Path, *, yes: bool = False,
                        dry_run: bool = False, secrets: Secrets | None = None) -> int:
    """Add doctors from a contacts file: show the plan, ask (unless ``yes``), add them
    all in one save, or nothing."""
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.text import escape_controls
    from secondop_tui.core.contacts import (ContactsError, add_planned, plan_import,
                                            read_contacts_file)

    try:
        found = read_contacts_file(file)
    except ContactsError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    store = open_for_command(
        data_dir, read_only=dry_run, key=secrets.key(data_dir) if secrets else None,
        if_locked="Close it first, or import from the app "
        "(ctrl+p, \"Import doctors from contacts\"). Nothing was added.",
        if_not="Nothing was added.")
    if store is None:
        return 1
    added = False
    try:
        plan = plan_import(store, found)
        print(f"From {escape_controls(str(file))}:")
        print("\n".join(plan.describe()))
        if not plan.add:
            return 0
        if dry_run:
            print("Nothing was added (--dry-run).")
            return 0
        count = len(plan.add)
        them = "this doctor" if count == 1 else f"these {count} doctors"
        if not yes:
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                print(f"{APP_NAME}: nothing was added: run it in a terminal to be asked, "
                      "or add --yes to add them without asking.", file=sys.stderr)
                return 2
            if not ask(f"Add {them} to the workbook? [y/N] "):
                print("Nothing was added.")
                return 0
        add_planned(store, plan)
        added = True
    finally:
        result = store.close(flush=added)
    if not result.ok:
        print(f"{APP_NAME}: the doctors could not be saved: {result.message}. Nothing was "
              "added.", file=sys.stderr)
        return 1
    print(f"Added {them}.")
    return 0


def served_read_only_notice(error) -> str:
    who = error.holder.describe() if error.holder else "another copy of secondop-tui"
    return (f"READ-ONLY in this tab: the workbook is already open in {who} (another tab "
            "or terminal), so nothing you do here is saved. Close the other one and reload "
            "this page to make changes here.")


def cmd_run(data_dir: Path, *, read_only: bool = False, served: bool = False,
            screen_reader: bool | None = None, key=None) -> int:
    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core import errors
    from secondop_tui.core.errors import StoreError, WorkbookDamaged, WorkbookLocked
    from secondop_tui.core.store import WorkbookStore

    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.core.encryption import encryption_on

    store = None
    problem: StoreError | None = None
    try:
        if key is None and encryption_on(Path(data_dir).expanduser()):
            # Asked first, whatever else is wrong: a damaged workbook's best backup, and
            # a plain file where an encrypted one belongs, are told with the key in hand.
            raise errors.PassphraseNeeded(Path(data_dir).expanduser() / "workbook.json")
        store = WorkbookStore.open(data_dir, read_only=read_only, key=key)
    except errors.PassphraseNeeded as error:
        problem = error  # the app asks for it before it shows anything of the workbook
    except errors.EncryptionMismatch as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except WorkbookLocked as error:
        if served:
            # A browser tab cannot be asked the terminal's question before it has a
            # screen; another tab (or a terminal) has the workbook, so this one only looks.
            try:
                store = WorkbookStore.open(data_dir, read_only=True, key=key)
            except StoreError as again:
                problem = again
            else:
                store.notices.append(served_read_only_notice(error))
        else:
            problem = error
    except WorkbookDamaged as error:
        problem = error
    except StoreError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1

    # deferred: start-up speed (loaded only on the path that uses it)
    from secondop_tui.ui.app import SecondOpinionApp

    app = SecondOpinionApp(store=store, problem=problem, data_dir=data_dir, freeze_gc=True,
                           leave_if_stuck=True, screen_reader=screen_reader,
                           read_only=read_only)
    app.workbook_key = key  # given with --passphrase-fd; else the app asks for it
    if served:
        watch_server(app)
    try:
        app.run()
    finally:
        if app.store is not None:
            result = app.store.close()
            if result.kept_as is not None:
                print(f"{APP_NAME}: {result.message}", file=sys.stderr)
            elif not result.ok:
                print(f"{APP_NAME}: the last changes could not be saved: {result.message}",
                      file=sys.stderr)
    return app.return_code or 0


def watch_server(app) -> None:
    """Leave as after a hangup (saving first) if the server that started us goes away.

    A browser tab's app talks to the server through pipes; if the server is killed, no
    hangup arrives, so its disappearance is noticed here instead.
    """
    # deferred: start-up speed (loaded only on the path that uses it)
    import threading
    import time

    server = os.getppid()

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1.0)
        try:
            app.call_from_thread(app.on_terminate_signal, signal.SIGHUP)
        except RuntimeError:
            pass  # the app has already finished

    threading.Thread(target=watch, name="server-watch", daemon=True).start()
