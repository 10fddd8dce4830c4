"""A real PostgreSQL server for tests and benchmarks: Debian's binaries, a throw-away cluster on a free port.

The binaries live in /usr/lib/postgresql/<version>/bin (not on PATH). initdb refuses to run as root, so
as root the cluster belongs to the `postgres` system user (runuser); its folder is made under /tmp where
that user can reach it.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support import free_port


def pg_bin() -> Path:
    """Return the newest installed PostgreSQL server's bin folder (scripts/setup-system.sh installs it)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed: run `make test` (scripts/setup-system.sh test) "
                           "or apt-get install postgresql")
    return Path(found[-1]).parent


class PostgresServer:
    """initdb + pg_ctl on loopback; url(name) gives a psycopg 3 SQLAlchemy URL of a fresh database."""

    def __init__(self):
        self.bin, self.port = pg_bin(), free_port()
        self.root = Path(tempfile.mkdtemp(prefix="gazecast-pg-"))
        self.data = self.root / "data"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", self.data, "-U", "gazecast", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        self._databases = 0

    def _run(self, tool: str, *args) -> None:
        cmd = [str(self.bin / tool), *map(str, args)]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"{tool} failed: {out.stdout}\n{out.stderr}")

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "server.log", "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: disconnect clients; immediate: like a crash)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def url(self, name: str = "postgres") -> str:
        """Return the SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://gazecast@127.0.0.1:{self.port}/{name}"

    def create_database(self) -> str:
        """Create an empty database; return its URL."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}_{os.getpid()}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=gazecast dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        """Stop the server and remove its cluster."""
        try:
            self.stop("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for_port_closed(port: int, timeout: float = 10.0) -> None:
    """Wait until nothing listens on a port."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.1)
