"""`govdata maturity score` and `govdata report`: score a period and (re)write maturity reports outside Airflow."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``maturity`` and ``report`` subcommands."""
    parser = subparsers.add_parser(
        "maturity",
        help="成熟度评估: score a period (PDMM, config/pdmm.yaml) into maturity.score / evidence / fix_list",
        description="Reload config/pdmm.yaml and build the dbt maturity models for a period (its rows replaced).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    score = actions.add_parser("score", help="score a period now and write its reports")
    score.add_argument("--period", help="YYYY-MM (default: the month of yesterday, Asia/Shanghai)")
    score.add_argument("--no-reports", action="store_true", help="scores only, no HTML/PDF")
    score.set_defaults(func=cmd_score)

    report = subparsers.add_parser(
        "report",
        help="成熟度评估报告: (re)write one department's report of a scored period (HTML + PDF)",
        description="Write the department's maturity report of a period already scored, under .local/reports/.",
    )
    report.add_argument("--department", required=True, help="department code (config/departments.yaml)")
    report.add_argument("--period", required=True, help="YYYY-MM")
    report.set_defaults(func=cmd_report)


def _default_period() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from govdata.maturity.run import period_of_run

    return period_of_run(datetime.now(ZoneInfo("Asia/Shanghai")).date())


def cmd_score(args: argparse.Namespace) -> int:
    """Score the period, print the ranking and the top fixes, write the reports."""
    from govdata.maturity.run import check_period, score_period, summary_lines

    period = check_period(args.period or _default_period())
    score_period(period)
    if not args.no_reports:
        from govdata.maturity.report import write_reports

        write_reports(period)
    for line in summary_lines(period):
        print(line)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Regenerate one department's report; print where its HTML and PDF are."""
    from govdata import config
    from govdata.maturity.report import write_reports
    from govdata.maturity.run import check_period

    config.load_departments().get(args.department)  # an unknown code fails naming the known ones
    [written] = write_reports(check_period(args.period), [args.department], bureau=False)
    print(f"{written.department}: {written.html_path}")
    print(f"{written.department}: {written.pdf_path}")
    return 0
