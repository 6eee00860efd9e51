"""`govdata crawl`: crawl departments now, outside Airflow (for staff checking one department)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from govdata import config
from govdata.errors import GovdataError, redact


def cmd_crawl(args: argparse.Namespace) -> int:
    """`govdata crawl [--department CODE]`: crawl outside Airflow (for staff checking one department)."""
    from govdata.crawl.report import format_summary, run_summary
    from govdata.crawl.run import crawl_department

    config.load_platform()  # a broken govdata.yaml is everyone's problem: say so once, before any crawl
    departments = config.load_departments()
    chosen = [departments.get(args.department)] if args.department else departments.departments
    # unique even for two crawls started in the same second; a retry never reuses a CLI run id
    run_id = f"cli__{datetime.now(tz=ZoneInfo('Asia/Shanghai')).isoformat(timespec='seconds')}__{os.getpid()}"
    failed = 0
    for dept in chosen:
        try:
            crawl_department(dept, run_id=run_id, accept_drop=args.accept_drop or ())
        except GovdataError as exc:
            failed += 1  # one department's trouble never stops the others
            print(f"error: {redact(str(exc))}", file=sys.stderr)
        except Exception as exc:  # e.g. the warehouse connection lost: recorded on the run, the others go on
            failed += 1
            print(f"error: {dept.label}: {type(exc).__name__}: {redact(str(exc)).splitlines()[0]}", file=sys.stderr)
    for line in format_summary(run_summary(run_id)):
        print(line, flush=True)
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the crawl subcommand."""
    p = subparsers.add_parser("crawl", help="crawl departments now, outside Airflow")
    p.add_argument("--department", help="department code (default: all)")
    p.add_argument(
        "--accept-drop", action="append", metavar="TABLE",
        help="take this table's new copy even with far fewer rows than the last (repeat; '*' = all)",
    )  # fmt: skip
    p.set_defaults(func=cmd_crawl)
