"""A private PostgreSQL server for the test run, started from the installed binaries.

Why private: a machine's own cluster may be stopped, ask for a password on 127.0.0.1, or belong to
someone else. ``initdb --auth=trust`` in a throw-away folder, on a free port, needs none of that and
leaves nothing behind. ``initdb`` refuses to run as root, so as root the server runs as the
``postgres`` OS user (Debian's package creates it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port

PG_GLOBS = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql*/bin")


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``$PG_BINDIR``, ``pg_config --bindir``, Debian's layout."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    for pattern in PG_GLOBS:
        candidates += sorted(glob.glob(pattern), reverse=True)  # the newest major version first
    candidates.append(str(Path(shutil.which("initdb") or "/nonexistent").parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


@dataclass
class PrivateServer:
    bindir: Path
    datadir: Path
    port: int
    user: str | None  # the OS user the server runs as (None: the current one)

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: int = 60) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr or done.stdout}")

    def start(self) -> PrivateServer:
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.datadir.parent, self.datadir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.datadir / "server.log"), "-w", "start"
        )
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=30)
        finally:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_private_server() -> PrivateServer:
    """Start a trust-auth server in a new temp folder (outside the tests' scratch folder, which only
    root may enter); raises ``FileNotFoundError`` without the binaries."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl): install Debian's postgresql")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise FileNotFoundError("running as root but there is no 'postgres' OS user to run initdb as") from exc
        user = "postgres"
    home = Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))
    return PrivateServer(bindir, home / "data", free_port(), user).start()
