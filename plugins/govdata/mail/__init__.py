"""邮件 — reports to departments and failure alerts to operators, through Airflow's SMTP connection smtp_default."""

from govdata.mail.send import Delivery, send_mail, send_report

__all__ = ["Delivery", "send_mail", "send_report"]
