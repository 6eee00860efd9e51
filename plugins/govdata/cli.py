"""The `govdata` command: embedded PostgreSQL, demo data, crawl, classification, masking and the main job."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from govdata.errors import GovdataError, redact

#: Modules that add subcommands: each has ``register(subparsers)`` setting ``func`` on its parser.
COMMAND_MODULES = (
    "govdata.commands.platform",
    "govdata.crawl.cli",
    "govdata.catalog.cli",
    "govdata.classify.cli",
    "govdata.mask.cli",
    "govdata.publish.cli",
    "govdata.quality.cli",
    "govdata.mail.cli",
    "govdata.maturity.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="govdata",
        description="政务数据治理: crawl, catalog, classify and publish public data.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # a stage not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: one line per error, the traceback only in the debug log."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int | None] = args.func
    # `kill` (SIGTERM) stops a command like Ctrl-C does: cleanup runs, child DAG runs are closed
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return func(args) or 0
    except GovdataError as exc:
        print(f"govdata {args.command}: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, or a failure nobody anticipated: still one line for the user
        log_file = _debug_log(exc)
        print(
            f"govdata {args.command}: {type(exc).__name__}: {redact(str(exc)).splitlines()[0] if str(exc) else ''}"
            f" (traceback in {log_file})",
            file=sys.stderr,
        )
        return 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _debug_log(exc: BaseException) -> Path:
    """Append the traceback of an unexpected error to .local/logs/govdata-debug.log, redacted."""
    import traceback
    from datetime import datetime

    from govdata import config

    path = config.local_dir() / "logs" / "govdata-debug.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(traceback.format_exception(exc))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"--- {datetime.now().astimezone():%Y-%m-%d %H:%M:%S} govdata {' '.join(sys.argv[1:])}\n")
        fh.write(redact(text))
    return path


if __name__ == "__main__":
    sys.exit(main())
