"""Alerts for the bureau's operators about data, not code: a dataset held back, a department's data blocked.

A task failure is alerted by ``dag_support.alert_on_failure`` (mail.alert); a finding that is not a pipeline
failure (the task stays green because the department, not the pipeline, must act) is raised here: one
``[govdata alert]`` line in the task log (what ``govdata run`` shows) and one mail to ``mail.operators`` of
config/govdata.yaml. Callers raise it once per incident; a mail that cannot be delivered is logged, never raised.
"""

from __future__ import annotations

import html
import logging

log = logging.getLogger("govdata.alerts")


def raise_alert(subject: str, message: str) -> None:
    """Alert the operators: ``subject`` names what (department, dataset), ``message`` the table, column and check."""
    from govdata import config
    from govdata.mail import send_mail

    log.error("[govdata alert] %s: %s", subject, message)
    operators = config.load_platform().mail.operators
    if not operators:
        return
    body = (
        '<html><body style="font-family:sans-serif"><p>数据治理流水线发现需要处理的数据问题（任务未失败）。<br>'
        "The data-governance pipelines found a data problem to act on (no task failed).</p>"
        f"<p><b>{html.escape(subject)}</b></p><p><code>{html.escape(message)}</code></p></body></html>"
    )
    send_mail(operators, f"[govdata 告警 alert] {subject}", body)
