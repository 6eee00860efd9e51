"""`govdata mail test`: send one mail through the connection smtp_default, to check the SMTP set-up."""

from __future__ import annotations

import argparse

from govdata.errors import CommandError


def cmd_test(args: argparse.Namespace) -> int:
    """Mail the operators (or ``--to``) a test message; exit 1 with the reason when it is not delivered."""
    from govdata.airflow_env import adopt_airflow_environment

    adopt_airflow_environment()  # the connection as the DAGs see it: the relay, or the embedded server
    from govdata import config
    from govdata.mail.send import send_mail

    to = args.to or config.load_platform().mail.operators
    if not to:
        raise CommandError("no recipient: give --to ADDRESS or list mail.operators in config/govdata.yaml")
    body = (
        "<p>这是一封测试邮件：公共数据治理平台的邮件设置可用。<br>"
        "A test mail: govdata's SMTP set-up (Airflow connection smtp_default) works.</p>"
    )
    delivery = send_mail(to, "[govdata 测试 test] 邮件设置检查 SMTP set-up check", body)
    if not delivery.sent:
        hint = ""
        if not config.mail_relay_configured():
            hint = f"; the local SMTP server (port {config.smtp_port()}) runs while `make up` or `govdata run` does"
        raise CommandError(delivery.line() + hint)
    print(delivery.line())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """`govdata mail test [--to ADDRESS …]`."""
    p = subparsers.add_parser("mail", help="mail through the Airflow connection smtp_default")
    sub = p.add_subparsers(dest="mail_command", required=True, metavar="ACTION")
    t = sub.add_parser("test", help="send a test mail to the operators (config/govdata.yaml mail.operators)")
    t.add_argument("--to", action="append", help="recipient instead of the operators (repeatable)")
    t.set_defaults(func=cmd_test)
