"""The sync repository: the system's ``git``, run as a subprocess in a fixed, minimal
environment. Never imports Textual.

Nothing of the user's git set-up takes part: no system or global configuration, no
credential helpers, no hooks (``core.hooksPath=/dev/null``; the git that receives a push
into a repository on a USB stick or a shared folder runs on this machine with that
folder's own configuration, so it is told the same explicitly), no protocol but
``file``, ``ssh`` and ``https``. ``HOME`` is a private empty folder, so nothing in the
user's home configures git; SSH still uses the user's keys: OpenSSH finds ``~/.ssh``
through the password database, not through ``HOME``, and the agent's ``SSH_AUTH_SOCK``
is passed on. A ``GIT_SSH_COMMAND`` the user set (a key of its own, a jump host) is
passed on too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BRANCH = "workbook"
REF = f"refs/heads/{BRANCH}"
REMOTE_REF = f"refs/remotes/origin/{BRANCH}"
# Network commands give up after this long (a link that went silent); each SSH
# connection also gives up on its own when the other end stops answering.
NETWORK_TIMEOUT = 300.0
LOCAL_TIMEOUT = 120.0
SSH_OPTIONS = ["-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=15",
               "-o", "ServerAliveCountMax=3"]
PASSED_ON = ("SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_SSH_VARIANT", "TMPDIR")

CONFIG = [
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.sharedRepository=0600",
    "credential.helper=",
    "protocol.allow=never",
    "protocol.file.allow=always",
    "protocol.ssh.allow=always",
    "protocol.https.allow=always",
    "transfer.fsckObjects=true",
    "gc.autoDetach=false",
    "gc.auto=30",
    "gc.autoPackLimit=8",
    "maintenance.auto=false",
    "advice.detachedHead=false",
    "init.defaultBranch=" + BRANCH,
    "user.useConfigOnly=false",
]


class GitError(Exception):
    """A git command failed. ``kind`` says what went wrong, in the terms of sync:
    "unreachable", "auth", "rejected", "missing" (no workbook on the remote), "no-git",
    "timeout" or "failed"; the message is git's own last words."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def classify(stderr: str) -> str:
    """What kind of failure git's message (in the C locale) describes."""
    text = stderr.lower()
    if "couldn't find remote ref" in text:
        return "missing"
    if any(s in text for s in ("permission denied (", "host key verification failed",
                               "authentication failed", "could not read username",
                               "too many authentication failures", "publickey")):
        return "auth"
    if any(s in text for s in ("[rejected]", "non-fast-forward", "fetch first",
                               "updates were rejected")):
        return "rejected"
    if any(s in text for s in ("could not resolve", "connection refused", "timed out",
                               "no route to host", "network is unreachable",
                               "connection closed", "connection reset", "broken pipe",
                               "does not appear to be a git repository",
                               "could not read from remote", "unable to access",
                               "no such file or directory", "not a git repository",
                               "the remote end hung up", "early eof", "unexpected disconnect",
                               "remote unpack failed", "failed to push")):
        return "unreachable"
    return "failed"


def short_reason(stderr: str) -> str:
    """The last meaningful line of git's message, shown to the user (one line, no
    control characters: it may quote the remote)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("hint:", "To ", "error: failed"))] \
        or lines
    picked = next((line for line in lines if line.startswith(("fatal:", "ssh:", "error:"))),
                  lines[-1] if lines else "git failed without a message")
    text = "".join(ch if ch.isprintable() else "?" for ch in picked)
    return text[:300]


@dataclass
class Version:
    """A synced version: its commit, when, on which machine, what it changed."""

    commit: str
    when: str  # ISO date and time with offset
    machine: str
    summary: str

    @property
    def short(self) -> str:
        return self.commit[:10]


class GitRepo:
    """A bare repository in the data folder, its one remote ``origin``."""

    def __init__(self, path: Path, home: Path, *, interactive: bool = False) -> None:
        self.path = path
        self.home = home
        # A command line may let ssh ask for a passphrase or a new host key on the
        # terminal; the app (full screen) may not: ssh then fails and says why.
        self.interactive = interactive
        self.stopped = False
        self._running: subprocess.Popen[bytes] | None = None

    # Running git --------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH") or os.defpath,
            "HOME": str(self.home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "true" if not self.interactive else "",
            "LC_ALL": "C",
            "LANG": "C",
        }
        for name in PASSED_ON:
            if os.environ.get(name):
                env[name] = os.environ[name]
        if not env["GIT_ASKPASS"]:
            del env["GIT_ASKPASS"]
        if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
            batch = [] if self.interactive else ["-o", "BatchMode=yes"]
            env["GIT_SSH_COMMAND"] = " ".join(["ssh", *SSH_OPTIONS, *batch])
        return env

    def git(self, *args: str, input: bytes | None = None, network: bool = False,
            ok: tuple[int, ...] = (0,), cwd: Path | None = None,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run one git command in the repository; raise :class:`GitError` on a
        status not in ``ok``."""
        program = shutil.which("git", path=os.environ.get("PATH") or os.defpath)
        if program is None:
            raise GitError("no-git", "git is not installed on this machine (Debian: "
                                     "apt-get install git); sync needs it")
        if self.stopped:
            raise GitError("stopped", "the sync was stopped")
        command = [program]
        for setting in CONFIG:
            command += ["-c", setting]
        if cwd is None:
            command += ["--git-dir", str(self.path)]
        command += list(args)
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={**self.environment(), **(extra_env or {})},
                cwd=str(cwd or self.path), start_new_session=not self.interactive)
        except OSError as error:
            raise GitError("no-git", f"git could not be started: {error}") from None
        self._running = process
        try:
            out, err = process.communicate(
                input, timeout=NETWORK_TIMEOUT if network else LOCAL_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise GitError("timeout", "the remote did not answer in "
                                      f"{NETWORK_TIMEOUT:.0f} seconds") from None
        finally:
            self._running = None
        if self.stopped:
            raise GitError("stopped", "the sync was stopped")
        result = subprocess.CompletedProcess(command, process.returncode, out, err)
        if result.returncode not in ok:
            message = err.decode("utf-8", "replace")
            raise GitError(classify(message), short_reason(message))
        return result

    def stop(self) -> None:
        """Stop the command running now (from another thread): the user cancelled."""
        self.stopped = True
        running = self._running
        if running is not None:
            try:
                running.kill()
            except OSError:
                pass

    def text(self, *args: str, **kwargs) -> str:
        return self.git(*args, **kwargs).stdout.decode("utf-8", "replace").strip()

    # Setting up ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.path / "HEAD").is_file()

    def init(self, remote_url: str) -> None:
        """Make the bare repository (private) and name its remote."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.git("init", "--quiet", "--bare", "--template=", str(self.path),
                 cwd=self.path.parent)
        self.set_remote(remote_url)

    def set_remote(self, url: str) -> None:
        self.git("config", "remote.origin.url", url)

    def remote_url(self) -> str:
        return self.text("config", "--get", "remote.origin.url", ok=(0, 1))

    def clear_stale_locks(self) -> list[Path]:
        """Remove lock files a git killed mid-command left behind. Only ever called
        while this machine's workbook lock is held, so no git of ours is running."""
        found = []
        for pattern in ("*.lock", "refs/**/*.lock"):
            for lock in self.path.glob(pattern):
                try:
                    lock.unlink()
                    found.append(lock)
                except OSError:
                    pass
        return found

    # Reading --------------------------------------------------------------------------------
    def commit_of(self, ref: str) -> str | None:
        found = self.text("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok=(0, 1))
        return found or None

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.git("merge-base", "--is-ancestor", older, newer, ok=(0, 1)).returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        return self.text("merge-base", a, b, ok=(0, 1)) or None

    def file_size(self, commit: str, name: str) -> int | None:
        """The size of a file in a commit, or None when the commit has no such file."""
        found = self.git("cat-file", "-s", f"{commit}:{name}", ok=(0, 128))
        if found.returncode != 0:
            return None
        try:
            return int(found.stdout.strip())
        except ValueError:
            return None

    def read_file(self, commit: str, name: str) -> bytes:
        return self.git("cat-file", "blob", f"{commit}:{name}").stdout

    def history(self, ref: str = REF, limit: int | None = None) -> list[Version]:
        """The versions reachable from ``ref``, newest first."""
        if self.commit_of(ref) is None:
            return []
        args = ["log", "--format=%H%x1f%aI%x1f%an%x1f%s%x1e"]
        if limit:
            args.append(f"--max-count={limit}")
        out = self.git(*args, ref).stdout.decode("utf-8", "replace")
        versions = []
        for entry in out.split("\x1e"):
            parts = entry.strip("\n").split("\x1f")
            if len(parts) == 4:
                versions.append(Version(*parts))
        return versions

    def find_version(self, name: str) -> str | None:
        """The full commit of a version named by the start of its commit id, if it is
        one of the synced versions (in this machine's history or the remote's)."""
        if not name or len(name) < 4 or any(c not in "0123456789abcdefABCDEF" for c in name):
            return None
        commit = self.commit_of(name)
        if commit is None:
            return None
        for ref in (REF, REMOTE_REF):
            tip = self.commit_of(ref)
            if tip is not None and self.is_ancestor(commit, tip):
                return commit
        return None

    # Writing --------------------------------------------------------------------------------
    def commit(self, files: dict[str, bytes], parent: str | None, message: str,
               machine: str, when: str) -> str:
        """A new commit holding ``files`` (name: content), on ``parent``; the branch is
        not moved."""
        entries = []
        for name, data in sorted(files.items()):
            blob = self.text("hash-object", "-w", "--stdin", input=data)
            entries.append(f"100644 blob {blob}\t{name}\n")
        tree = self.text("mktree", input="".join(entries).encode())
        person = machine or "unknown machine"
        args = ["-c", f"user.name={person}", "-c", "user.email=secondop-tui@localhost",
                "commit-tree", tree, "-m", message]
        if parent:
            args += ["-p", parent]
        # The date is the machine's own: a version made on it, when it was made.
        return self.text(*args, extra_env={"GIT_AUTHOR_DATE": when,
                                           "GIT_COMMITTER_DATE": when})

    def set_ref(self, ref: str, commit: str | None, old: str | None = None) -> None:
        """Move ``ref`` to ``commit`` (or delete it), only if it is still at ``old``
        when ``old`` is given."""
        if commit is None:
            self.git("update-ref", "-d", ref, ok=(0, 1))
            return
        args = ["update-ref", ref, commit]
        if old is not None:
            args.append(old)
        self.git(*args)

    # The remote -----------------------------------------------------------------------------
    def fetch(self) -> str | None:
        """Fetch the remote's workbook branch; its commit, or None when the remote has
        none yet."""
        try:
            self.git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "origin",
                     f"+{REF}:{REMOTE_REF}", network=True)
        except GitError as error:
            if error.kind != "missing":
                raise
            self.set_ref(REMOTE_REF, None)
            return None
        return self.commit_of(REMOTE_REF)

    def push(self, commit: str, *, local: bool = False) -> None:
        """Push ``commit`` as the remote's workbook branch, only as a fast-forward;
        GitError "rejected" when the remote moved on meanwhile. ``local``: the remote
        is a folder on this machine, whose own hooks must not run here."""
        args = ["push", "--porcelain", "--quiet"]
        if local:
            # The git that receives a push into a folder runs on this machine, with the
            # folder's configuration and hooks (the options given here do not reach
            # it): it is told to run none.
            args.append(f"--receive-pack=git -c core.hooksPath={os.devnull} receive-pack")
        result = self.git(*args, "origin", f"{commit}:{REF}", network=True,
                          ok=(0, 1, 128))
        out = result.stdout.decode("utf-8", "replace")
        err = result.stderr.decode("utf-8", "replace")
        if result.returncode == 0:
            return
        status = next((line for line in out.splitlines() if line.startswith("!")), "")
        if "[rejected]" in status or "fetch first" in status or "non-fast-forward" in status:
            raise GitError("rejected", "the remote has a newer version")
        if "[remote rejected]" in status:
            reason = status.split("[remote rejected]", 1)[1].strip()
            raise GitError("failed", short_reason("the remote refused the version: "
                                                  + reason))
        kind = classify(err + "\n" + out)
        raise GitError(kind if kind != "failed" else "unreachable", short_reason(err or out))

    def tidy(self) -> None:
        """Pack the versions written since the last time, now and then (git decides)."""
        self.git("gc", "--auto", "--quiet", ok=(0, 1, 128))


def init_bare(path: Path, home: Path) -> None:
    """Make an empty bare repository at ``path`` (a remote on a USB stick or a shared
    folder), private to the user."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    GitRepo(path, home).git("init", "--quiet", "--bare", "--template=", str(path), cwd=path)
