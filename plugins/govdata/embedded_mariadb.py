"""The private MariaDB server the project starts for the demo departments that run MySQL/MariaDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from govdata.embedded_pg import port_in_use, process_alive, read_or_create_password, read_pid, terminate

#: The user the demo loader writes with, and the read-only user the crawl reads with.
ADMIN_USER = "govdata"
READER_USER = "govdata_reader"


class EmbeddedMariaDBError(RuntimeError):
    """The embedded MariaDB cannot be set up or started; the message says what to do."""


def find_mariadbd() -> Path:
    """The server binary (``GOVDATA_MARIADBD`` overrides; Debian puts it in /usr/sbin)."""
    env = os.environ.get("GOVDATA_MARIADBD")
    found = env or shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise EmbeddedMariaDBError(
            "MariaDB server not found; install it (apt-get install mariadb-server) or set GOVDATA_MARIADBD"
        )
    return Path(found)


@dataclass
class EmbeddedMariaDB:
    """A server under ``root`` (data/, run/, mariadb.log) listening on 127.0.0.1:``port`` only.

    Run as the invoking user; as root with ``--user=root`` rather than handing the folder to the
    ``mysql`` user, so it works wherever ``root`` is (no parent folder needs to be traversable by
    another user). Administration goes through the private Unix socket (root's unix_socket login);
    TCP clients need the generated passwords kept beside the data (mode 600).
    """

    root: Path
    port: int

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()

    @property
    def data_dir(self) -> Path:
        """The datadir."""
        return self.root / "data"

    @property
    def socket(self) -> Path:
        """Unix socket, inside root so two servers never collide."""
        return self.root / "run" / "mariadb.sock"

    @property
    def pid_file(self) -> Path:
        """The server's pid file."""
        return self.root / "run" / "mariadb.pid"

    @property
    def log_file(self) -> Path:
        """Server error log."""
        return self.root / "mariadb.log"

    def password(self, user: str) -> str:
        """A user's password, generated once (mode 600)."""
        return read_or_create_password(self.root / f"{user}.password")

    def server_url(self, user: str = READER_USER) -> str:
        """SQLAlchemy URL (PyMySQL) of the server without a database; the reader by default."""
        return f"mysql+pymysql://{user}:{quote(self.password(user), safe='')}@127.0.0.1:{self.port}"

    def url(self, database: str = "", user: str = READER_USER) -> str:
        """SQLAlchemy URL (PyMySQL, utf8mb4) of a database on this server; the reader by default."""
        return f"{self.server_url(user)}/{database}?charset=utf8mb4"

    def admin_url(self, database: str = "") -> str:
        """URL of the user that may create databases (the demo loader)."""
        return self.url(database, ADMIN_USER)

    @property
    def initialized(self) -> bool:
        """Whether mariadb-install-db has run."""
        return (self.data_dir / "mysql").is_dir()

    def _server_args(self) -> list[str]:
        args = [
            "--no-defaults", f"--datadir={self.data_dir}", f"--socket={self.socket}", f"--pid-file={self.pid_file}",
            f"--log-error={self.log_file}", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
        ]  # fmt: skip
        return args + (["--user=root"] if os.geteuid() == 0 else [])

    def init(self) -> None:
        """Create the datadir once (root logs in by Unix socket only; no anonymous or remote users)."""
        self.socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.initialized:
            return
        cmd = [shutil.which("mariadb-install-db") or "mariadb-install-db", *self._server_args()[:2]]
        cmd += ["--auth-root-authentication-method=socket", "--skip-test-db"]
        cmd += ["--user=root"] if os.geteuid() == 0 else []
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if proc.returncode != 0:
            raise EmbeddedMariaDBError(f"mariadb-install-db failed: {proc.stderr.strip() or proc.stdout.strip()}")

    def is_running(self) -> bool:
        """Whether this server's process is alive (a stale pid file counts as not running)."""
        pid = read_pid(self.pid_file)
        if pid is None or not process_alive(pid):
            return False
        return "mariadbd" in Path(f"/proc/{pid}/stat").read_text(errors="replace").split(")")[0]

    def start(self, timeout: int = 60) -> None:
        """Start the server and create its users; a no-op when it already runs."""
        self.init()
        if self.is_running():
            return
        if port_in_use(self.port):
            raise EmbeddedMariaDBError(
                f"port {self.port} is taken by another program, not govdata's MariaDB; "
                "set GOVDATA_MARIADB_PORT to a free port or stop that program"
            )
        cmd = [str(find_mariadbd()), *self._server_args(), f"--port={self.port}", "--bind-address=127.0.0.1"]
        cmd += ["--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=128M", "--max-connections=200"]
        subprocess.Popen(cmd, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while not (self.socket.exists() and port_in_use(self.port)):
            if time.monotonic() > deadline:
                raise EmbeddedMariaDBError(f"MariaDB did not start on port {self.port}; see {self.log_file}")
            time.sleep(0.1)
        self._ensure_users()

    def sql(self, statement: str) -> str:
        """Run SQL as root through the private socket (the ``mariadb`` client); returns its output."""
        proc = subprocess.run(
            ["mariadb", f"--socket={self.socket}", "-u", "root", "--batch", "--skip-column-names", "-e", statement],
            capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            raise EmbeddedMariaDBError(f"mariadb: {proc.stderr.strip()}")
        return proc.stdout

    def _ensure_users(self) -> None:
        admin, reader = self.password(ADMIN_USER), self.password(READER_USER)
        self.sql(
            f"create or replace user '{ADMIN_USER}'@'127.0.0.1' identified by '{admin}';"
            f"grant all privileges on *.* to '{ADMIN_USER}'@'127.0.0.1';"
            f"create or replace user '{READER_USER}'@'127.0.0.1' identified by '{reader}';"
            f"grant select, show view on *.* to '{READER_USER}'@'127.0.0.1';"
        )

    def stop(self, timeout: int = 60) -> bool:
        """Stop the server if it runs (SIGTERM: a clean InnoDB shutdown); returns whether it was running."""
        pid = read_pid(self.pid_file)
        if pid is None or not self.is_running():
            return False
        if not terminate(pid, timeout):
            raise EmbeddedMariaDBError(f"MariaDB (pid {pid}) did not stop; see {self.log_file}")
        return True

    def destroy(self) -> None:
        """Stop and delete the server (tests and the bench use throwaway servers)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
