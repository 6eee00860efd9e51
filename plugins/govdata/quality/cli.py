"""`govdata quality check`: generate/merge suites and validate departments now, outside Airflow."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``quality`` subcommand."""
    parser = subparsers.add_parser(
        "quality",
        help="数据质量: check catalogued resources against their Great Expectations suites",
        description=(
            "Regenerate each resource's suite in expectations/ (staff edits kept), validate it inside PostgreSQL "
            "and store the results in governance.quality_result (masked examples). Settings: config/quality.yaml."
        ),
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="check departments now (all by default)")
    check.add_argument("--department", action="append", help="department code (repeatable; default: all)")
    check.add_argument("--run-id", help="results key (default: the current time); the same id replaces its rows")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Check each department; one line per department; exit 1 when a resource could not be validated."""
    from govdata import config
    from govdata.quality.run import check_department

    codes = args.department or [d.code for d in config.load_departments().departments]
    for code in codes:
        config.load_departments().get(code)  # an unknown code fails before any work, naming the known ones
    failed_runs = 0
    for code in codes:
        outcome = check_department(code, run_id=args.run_id)
        failed = ", ".join(f"{n} {s}" for s, n in sorted(outcome.failed.items())) or "none failed"
        print(
            f"{code}: {outcome.resources} resources, {outcome.expectations} expectations, {failed}"
            f"{f', {len(outcome.errors)} not validated' if outcome.errors else ''} ({outcome.seconds:.1f}s)"
        )
        if outcome.workbook:
            print(f"  质量反馈 workbook: {outcome.workbook}")
        for error in outcome.errors:
            print(f"  {error}")
        failed_runs += bool(outcome.errors)
    return 1 if failed_runs else 0
