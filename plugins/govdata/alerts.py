"""Alerts for the bureau's operators about data, not code: a dataset held back, a department's data blocked.

A task failure is alerted by ``dag_support.alert_on_failure``; a finding that is not a pipeline failure (the task
stays green because the department, not the pipeline, must act) is raised here. Each alert is one
``[govdata alert]`` line in the task log (what ``govdata run`` shows); callers raise it once per incident.
"""

from __future__ import annotations

import logging

log = logging.getLogger("govdata.alerts")


def raise_alert(subject: str, message: str) -> None:
    """Alert the operators: ``subject`` names what (department, dataset), ``message`` the table, column and check."""
    log.error("[govdata alert] %s: %s", subject, message)
