"""The private PostgreSQL cluster the project starts itself from the machine's PostgreSQL binaries."""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from govdata.secret_files import read_or_create


def process_alive(pid: int) -> bool:
    """Whether a process runs; a zombie (killed, never reaped, as in containers) does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def read_pid(pid_file: Path) -> int | None:
    """The process id a pid file holds (its first word), or None when there is no readable one."""
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def terminate(pid: int, timeout: float) -> bool:
    """SIGTERM a process and wait until it has ended; False when it is still alive after ``timeout`` seconds."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def read_or_create_password(path: Path) -> str:
    """The cluster superuser's password, generated once and kept beside the cluster (mode 600)."""
    import secrets

    return read_or_create(path, lambda: secrets.token_urlsafe(24))


class EmbeddedPgError(RuntimeError):
    """The embedded cluster cannot be set up or started; the message says what to do."""


def find_pg_bin() -> Path:
    """Folder of PostgreSQL server binaries (``GOVDATA_PG_BIN`` overrides; newest Debian version wins)."""
    env = os.environ.get("GOVDATA_PG_BIN")
    if env:
        return Path(env)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True
    )
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise EmbeddedPgError(
        "PostgreSQL server binaries not found; install them (apt-get install postgresql) or set GOVDATA_PG_BIN"
    )


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_user() -> str | None:
    """The system user the server runs as: ``postgres`` when we are root (PostgreSQL refuses root), else us."""
    return "postgres" if os.geteuid() == 0 else None


def traversable_by(path: Path, user: str) -> bool:
    """Whether ``user`` may pass through every existing folder from / down to ``path`` (mode bits; ACLs ignored)."""
    entry = pwd.getpwnam(user)
    if entry.pw_uid == 0:
        return True
    groups = set(os.getgrouplist(user, entry.pw_gid))
    for folder in [*reversed(Path(path).parents), Path(path)]:
        try:
            info = folder.stat()
        except FileNotFoundError:
            break  # the rest is created by us with mode 0755 (see EmbeddedPostgres._prepare_dirs)
        if info.st_uid == entry.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


#: Where a cluster goes when the server user cannot reach the checkout (a checkout in /root, a 0700
#: temporary folder): the first whose parent we may write. Root-owned 0755; each cluster in it is 0700.
RELOCATION_BASES = (Path("/var/lib/govdata"), Path("/var/tmp/govdata"))


def relocated_root(preferred: Path, label: str) -> Path:
    """The cluster folder for ``preferred`` outside the checkout: readable label + hash of the resolved path.

    The hash keeps two clones (or two test sessions) apart; the label says whose cluster it is.
    """
    digest = hashlib.sha256(str(Path(preferred).resolve()).encode("utf-8")).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._") or "govdata"
    base = next((b for b in RELOCATION_BASES if os.access(b.parent, os.W_OK)), RELOCATION_BASES[-1])
    return base / f"{name[:40]}-{digest}"


def _initialized(root: Path) -> bool:
    return (root / "data" / "PG_VERSION").exists()


def cluster_root(preferred: Path, label: str, run_as: str | None) -> Path:
    """Where a cluster that would like to live in ``preferred`` lives.

    ``preferred`` unless the server user (``run_as``) cannot reach it, then ``relocated_root``. A cluster
    already initialised in either place stays there, so the answer never flips between runs.
    """
    preferred = Path(preferred).resolve()
    if run_as is None or _initialized(preferred):
        return preferred
    relocated = relocated_root(preferred, label)
    if _initialized(relocated):
        return relocated
    return preferred if traversable_by(preferred.parent, run_as) else relocated


#: Settings for a small, local, throughput-oriented cluster. wal_level=minimal lets a COPY into a
#: table created in the same transaction skip WAL, which is how the crawl swaps snapshots in.
#: jit=off: the governance queries are short; JIT compiling them cost more than it saved (a 1.4 s
#: 一数一源 comparison spent 0.66 s compiling), and the catalog's conflict check took 27 s instead of ~5 s.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "shared_buffers": "256MB",
    "work_mem": "16MB",
    "maintenance_work_mem": "128MB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "jit": "off",
    "max_wal_size": "2GB",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
    "timezone": "'Asia/Shanghai'",
}


@dataclass
class EmbeddedPostgres:
    """A cluster under ``root`` (data/, run/, log) listening on 127.0.0.1:``port``.

    PostgreSQL refuses to run as root, so when we are root the cluster belongs to the ``postgres``
    system user and every server command runs as that user.
    """

    root: Path
    port: int
    superuser: str = "govdata"
    run_as: str | None = None

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if self.run_as is None:
            self.run_as = server_user()

    @cached_property
    def bin(self) -> Path:
        """The server binaries, looked up on first use (building a URL needs none)."""
        return find_pg_bin()

    @property
    def data_dir(self) -> Path:
        """PGDATA."""
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        """Unix socket folder (kept inside root so two clusters never collide)."""
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        """Server log."""
        return self.root / "postgresql.log"

    @property
    def password_file(self) -> Path:
        """Where the superuser's password is kept."""
        return self.root / "password"

    @property
    def password(self) -> str:
        """The superuser's password (TCP connections need it; the socket folder is private)."""
        if not self.password_file.exists():
            self._prepare_dirs()  # a private root before the password goes into it
        return read_or_create_password(self.password_file)

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy/libpq URL of a database in this cluster."""
        from urllib.parse import quote

        return f"postgresql://{self.superuser}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if check and proc.returncode != 0:
            raise EmbeddedPgError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def _prepare_dirs(self) -> None:
        for parent in reversed(self.root.parents):
            if not parent.exists():
                parent.mkdir()
                parent.chmod(0o755)  # whatever the umask: the server user passes through folders we create
        self.root.mkdir(mode=0o700, exist_ok=True)
        self.root.chmod(0o700)  # data, log and password: the server user's (and root's) only
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        if not self.run_as:
            return
        user = pwd.getpwnam(self.run_as)
        for path in (self.root, self.socket_dir):
            os.chown(path, user.pw_uid, user.pw_gid)
        if self.log_file.exists():
            os.chown(self.log_file, user.pw_uid, user.pw_gid)
        # the server user must be able to reach root through every parent folder
        probe = subprocess.run(["runuser", "-u", self.run_as, "--", "test", "-w", str(self.root)], check=False)
        if probe.returncode != 0:
            raise EmbeddedPgError(
                f"user {self.run_as!r} cannot write {self.root}: a parent folder is not traversable. "
                "Set GOVDATA_PG_DIR to a folder it can reach, or unset GOVDATA_PG_DIR and GOVDATA_LOCAL_DIR "
                "to let govdata keep the cluster under /var/lib/govdata."
            )

    @property
    def initialized(self) -> bool:
        """Whether initdb has run."""
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        """Run initdb once: listening on loopback only, password required."""
        self._prepare_dirs()
        if self.initialized:
            return
        self.password  # noqa: B018 - create it before initdb reads it
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(self.password_file, user.pw_uid, user.pw_gid)
        # password (SCRAM) over TCP; the Unix socket lives in a folder only the server user can reach
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", self.superuser, "--auth-host=scram-sha-256",
            "--auth-local=trust", f"--pwfile={self.password_file}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        conf = self.data_dir / "postgresql.conf"
        lines = [f"{key} = {value}" for key, value in SERVER_SETTINGS.items()]
        with conf.open("a", encoding="utf-8") as fh:
            fh.write("\n# govdata embedded cluster\n" + "\n".join(lines) + "\n")

    def is_running(self) -> bool:
        """Whether this cluster's postmaster is alive (a stale pid file counts as not running)."""
        pid = self._postmaster_pid()
        if pid is None or not process_alive(pid):
            return False
        # the pid may have been reused by another program after a crash
        return "postgres" in Path(f"/proc/{pid}/stat").read_text(errors="replace").split(")")[0]

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def running_port(self) -> int | None:
        """The port the running postmaster listens on, from postmaster.pid."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def start(self, timeout: int = 60) -> None:
        """Start the cluster; a no-op when it already runs, recovering from a stale pid file."""
        self.init()
        if self.is_running():
            running = self.running_port()
            if running != self.port:
                raise EmbeddedPgError(
                    f"the cluster in {self.data_dir} already runs on port {running}, not {self.port}; "
                    "stop it first (make stop)"
                )
            return
        if port_in_use(self.port):
            raise EmbeddedPgError(
                f"port {self.port} is taken by another program, not govdata's PostgreSQL; "
                "set GOVDATA_PG_PORT to a free port or stop that program"
            )
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            stale.unlink()  # no live postmaster owns it: left from a crash
        opts = f"-p {self.port} -k {self.socket_dir}"
        try:
            self._run(
                "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-w", "-t", str(timeout), "-o", opts,
            )  # fmt: skip
        except EmbeddedPgError as exc:
            tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-5:])
            raise EmbeddedPgError(f"{exc}\nlast lines of {self.log_file}:\n{tail}") from exc
        deadline = time.monotonic() + timeout
        while not port_in_use(self.port):
            if time.monotonic() > deadline:
                raise EmbeddedPgError(f"PostgreSQL did not open port {self.port}; see {self.log_file}")
            time.sleep(0.1)

    def stop(self) -> bool:
        """Stop the cluster if it runs; returns whether it was running."""
        if not self.is_running():
            return False
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")
        return True

    def ensure_database(self, name: str) -> None:
        """Create a database if it does not exist."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))

    def destroy(self) -> None:
        """Stop and delete the cluster (tests use throwaway clusters; `govdata clean`)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        if self.root.parent in RELOCATION_BASES:
            try:
                self.root.parent.rmdir()  # the last relocated cluster leaves no trace
            except OSError:
                pass
