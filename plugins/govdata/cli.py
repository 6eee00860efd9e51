"""The `govdata` command: embedded PostgreSQL, demo data, crawl, classification and the main job."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

#: Modules that add subcommands: each has ``register(subparsers)`` setting ``func`` on its parser.
COMMAND_MODULES = (
    "govdata.commands.platform",
    "govdata.catalog.cli",
    "govdata.classify.cli",
)


class CommandError(Exception):
    """An error to print to the user without a traceback (exit code 1 unless given)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int | None] = args.func
    try:
        return func(args) or 0
    except CommandError as exc:
        print(f"govdata {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
