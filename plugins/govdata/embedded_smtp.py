"""The local SMTP server the project starts for its mail when no relay is configured: aiosmtpd into a Maildir."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from govdata.embedded_pg import port_in_use, process_alive, read_pid, terminate

#: The Airflow connection every mail goes through (Airflow's SMTP provider; ``AIRFLOW_CONN_SMTP_DEFAULT``).
SMTP_CONN_ID = "smtp_default"
SMTP_CONN_ENV = f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}"


class EmbeddedSmtpError(RuntimeError):
    """The embedded SMTP server cannot be started; the message says what to do."""


@dataclass
class EmbeddedSmtp:
    """aiosmtpd on 127.0.0.1:``port`` storing every message it accepts in the Maildir ``maildir``.

    Its pid file and log sit in the Maildir's root beside cur/, new/ and tmp/ (mail readers ignore
    them), so `make clean` removing .local removes it all. No TLS and no login: it listens on the
    loopback address only and relays nothing.
    """

    maildir: Path
    port: int

    def __post_init__(self) -> None:
        self.maildir = Path(self.maildir).resolve()

    @property
    def pid_file(self) -> Path:
        """The server's pid, written when it is started."""
        return self.maildir / "smtpd.pid"

    @property
    def log_file(self) -> Path:
        """What the server prints (errors only)."""
        return self.maildir / "smtpd.log"

    def connection(self) -> str:
        """The ``smtp_default`` connection (Airflow's JSON form) that reaches this server.

        ``retry_limit`` 0: the SMTP hook's own immediate retries would multiply govdata's, which back off.
        """
        extra = {"disable_ssl": True, "disable_tls": True, "retry_limit": 0, "timeout": 10}
        return json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": self.port, "extra": extra})

    def is_running(self) -> bool:
        """Whether this server's process is alive (a stale pid file counts as not running)."""
        pid = read_pid(self.pid_file)
        if pid is None or not process_alive(pid):
            return False
        return "aiosmtpd" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")

    def start(self, timeout: int = 30) -> None:
        """Start the server in the background; a no-op when it already runs."""
        if self.is_running():
            return
        if port_in_use(self.port):
            raise EmbeddedSmtpError(
                f"port {self.port} is taken by another program, not govdata's SMTP server; "
                "set GOVDATA_SMTP_PORT to a free port or stop that program"
            )
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        # -n: never setuid to `nobody` (it could not write the Maildir); Mailbox: aiosmtpd's Maildir handler
        cmd = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
               "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)]  # fmt: skip
        with self.log_file.open("a", encoding="utf-8") as log:
            proc = subprocess.Popen(cmd, cwd="/", stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # fmt: skip
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while not port_in_use(self.port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise EmbeddedSmtpError(f"the SMTP server did not start on port {self.port}; see {self.log_file}")
            time.sleep(0.1)

    def stop(self, timeout: int = 30) -> bool:
        """Stop the server if it runs; returns whether it was running."""
        pid = read_pid(self.pid_file)
        if pid is None or not self.is_running():
            return False
        if not terminate(pid, timeout):
            raise EmbeddedSmtpError(f"the SMTP server (pid {pid}) did not stop")
        self.pid_file.unlink(missing_ok=True)
        return True
