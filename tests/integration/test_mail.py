"""Mail through a real SMTP server (aiosmtpd into a Maildir): a report with its PDF, a failure alert, retries."""

from __future__ import annotations

import json
import mailbox
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from urllib.parse import quote

import pendulum
import pytest

from govdata import config
from govdata.embedded_pg import free_port
from govdata.embedded_smtp import SMTP_CONN_ENV, EmbeddedSmtp
from govdata.mail import send_report

pytestmark = pytest.mark.integration

#: A one-page PDF, small and valid (what the maturity reports attach).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _text(value: str | None) -> str:
    return str(make_header(decode_header(value))) if value else ""


def _mails(maildir: Path, subject_part: str) -> list[Message]:
    """The mails in the Maildir whose decoded subject holds ``subject_part`` (read with the stdlib only)."""
    box = mailbox.Maildir(maildir, create=False)
    return [m for m in box if subject_part in _text(m["Subject"])]


def _html(message: Message) -> str:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/html"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def test_a_report_reaches_the_department_contact_with_its_pdf(mail_server, tmp_path):
    from govdata.mail.received import summary_lines

    pdf = tmp_path / "gaj_2026-11.pdf"
    pdf.write_bytes(PDF)
    subject = "深圳市公安局 2026年11月 公共数据治理能力成熟度评估报告"
    started = pendulum.now().timestamp() - 1

    delivery = send_report("gaj", subject=subject, html_body="<h1>总分 72.5 · 三级</h1>", attachments=[pdf])

    assert delivery.sent and delivery.attempts == 1, delivery.line()
    (mail,) = _mails(mail_server.maildir, subject)
    assert _text(mail["Subject"]) == subject
    assert mail["X-RcptTo"] == "rkgl@gaj.sz.example" == config.load_departments().get("gaj").contact.email
    assert "govdata@example.gov.cn" in mail["From"]
    assert "总分 72.5" in _html(mail)
    (attached,) = [p for p in mail.walk() if p.get_filename()]
    assert attached.get_filename() == "gaj_2026-11.pdf"
    assert attached.get_payload(decode=True) == PDF
    summary = "\n".join(summary_lines(started))
    assert f"rkgl@gaj.sz.example: {subject} [gaj_2026-11.pdf]" in summary


def test_a_failed_task_mails_the_operators_once_after_its_retries(mail_server, airflow_db):
    """A real task failing in dag.test: retried once (session config), then one alert, not one per try."""
    from airflow.sdk import dag, get_current_context, task

    from govdata.commands.run_dag import run_for_day
    from govdata.dag_support import Tag, default_args

    @dag(dag_id="mail_alert_probe", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
         catchup=False, default_args=default_args(), tags=[Tag.GOVDATA])  # fmt: skip
    def mail_alert_probe():
        @task(map_index_template="{{ department_label }}")
        def check_department(department: str) -> None:
            get_current_context()["department_label"] = "公安局"  # type: ignore[typeddict-unknown-key]
            raise RuntimeError("raw_gaj.hj_rkxx: column sfzh cannot be read\nTraceback line that stays in the log")

        check_department.expand(department=["gaj"])

    probe = mail_alert_probe()
    _register(probe)
    run = run_for_day(probe, datetime.fromisoformat("2026-11-02T00:00:00+08:00"))

    (ti,) = run.get_task_instances()
    assert str(ti.state) == "failed" and ti.try_number == 2  # it was retried before failing for good
    (mail,) = _mails(mail_server.maildir, "mail_alert_probe")
    subject = _text(mail["Subject"])
    assert subject.startswith("[govdata 告警 alert] 公安局 (gaj) mail_alert_probe.check_department 失败 failed")
    assert mail["X-RcptTo"] == ", ".join(config.load_platform().mail.operators)
    body = _html(mail)
    assert "RuntimeError: raw_gaj.hj_rkxx: column sfzh cannot be read" in body
    assert "Traceback line" not in body and "Traceback line" not in subject
    assert "mail_alert_probe › check_department [公安局]" in body and "2026-11-02 00:00 CST" in body
    assert f"/dags/mail_alert_probe/runs/{quote(ti.run_id)}/tasks/check_department/mapped/0" in body


def _register(dag) -> None:
    """Write a DAG defined here to the metadata DB, as the DAG processor does for dags/ (dag.test needs it)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
        session.commit()
        update_dag_parsing_results_in_db(
            "dags-folder", None, [LazyDeserializedDAG.from_dag(dag)], {}, None, set(), session=session
        )


class _RefuseFirst:
    """aiosmtpd handler: answers DATA with ``answer`` the first ``refusals`` times, then stores the mail."""

    def __init__(self, maildir: Path, refusals: int, answer: str) -> None:
        from aiosmtpd.handlers import Mailbox

        self.store, self.left, self.answer, self.tries = Mailbox(maildir), refusals, answer, 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.tries += 1
        if self.left:
            self.left -= 1
            return self.answer
        return await self.store.handle_DATA(server, session, envelope)


@contextmanager
def _smtp_server(maildir: Path, monkeypatch, refusals: int, answer: str = "451 4.3.0 try again later") -> Iterator:
    from aiosmtpd.controller import Controller

    port = free_port()
    handler = _RefuseFirst(maildir, refusals, answer)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv(SMTP_CONN_ENV, EmbeddedSmtp(maildir, port).connection())
    try:
        yield handler
    finally:
        controller.stop()


def test_a_server_that_refuses_then_accepts_gets_the_mail_on_a_later_try(tmp_path, monkeypatch, caplog):
    with _smtp_server(tmp_path / "mail", monkeypatch, refusals=2) as server:
        delivery = send_report("gaj", subject="报告 retried", html_body="<p>x</p>")
    assert delivery.sent and delivery.attempts == 3 == server.tries
    assert len(_mails(tmp_path / "mail", "报告 retried")) == 1
    assert sum("trying again" in r.getMessage() for r in caplog.records) == 2


def test_the_connection_s_from_email_is_the_sender_when_it_names_one(mail_server, monkeypatch):
    connection = json.loads(mail_server.connection())
    connection["extra"]["from_email"] = "relay-account@example.gov.cn"
    monkeypatch.setenv(SMTP_CONN_ENV, json.dumps(connection))
    assert send_report("gaj", subject="报告 from the relay account", html_body="<p>x</p>").sent
    (mail,) = _mails(mail_server.maildir, "报告 from the relay account")
    assert mail["From"] == "relay-account@example.gov.cn" == mail["X-MailFrom"]


def test_a_refusal_for_good_is_not_retried_and_does_not_raise(tmp_path, monkeypatch):
    with _smtp_server(tmp_path / "mail", monkeypatch, refusals=5, answer="550 5.7.1 relaying denied") as server:
        delivery = send_report("gaj", subject="报告 refused", html_body="<p>x</p>")
    assert not delivery.sent and delivery.attempts == 1 == server.tries
    assert "550" in (delivery.error or "") and "NOT mailed to rkgl@gaj.sz.example" in delivery.line()


def test_an_unreachable_server_is_retried_then_given_up_without_raising(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(SMTP_CONN_ENV, EmbeddedSmtp(tmp_path / "nowhere", free_port()).connection())
    delivery = send_report("gaj", subject="报告 unreachable", html_body="<p>x</p>", attachments=[])
    assert not delivery.sent
    assert delivery.attempts == config.load_platform().mail.retries + 1
    assert "ConnectionRefusedError" in (delivery.error or "")
    assert any("given up" in r.getMessage() for r in caplog.records)


def test_an_unknown_department_or_a_missing_attachment_is_reported_not_raised(mail_server, tmp_path):
    unknown = send_report("nosuch", subject="报告", html_body="<p>x</p>")
    assert not unknown.sent and "unknown department 'nosuch'" in (unknown.error or "")
    missing = send_report("gaj", subject="报告", html_body="<p>x</p>", attachments=[tmp_path / "absent.pdf"])
    assert not missing.sent and "absent.pdf" in (missing.error or "")


def test_the_test_command_checks_the_set_up(mail_server, tmp_path, monkeypatch, capsys):
    from govdata.cli import main

    assert main(["mail", "test", "--to", "staff@example.gov.cn"]) == 0
    assert "mailed to staff@example.gov.cn" in capsys.readouterr().out
    (mail,) = _mails(mail_server.maildir, "SMTP set-up check")
    assert mail["X-RcptTo"] == "staff@example.gov.cn"

    monkeypatch.setenv(SMTP_CONN_ENV, EmbeddedSmtp(tmp_path / "nowhere", free_port()).connection())
    assert main(["mail", "test"]) == 1
    error = capsys.readouterr().err
    assert "NOT mailed to yunwei@example.gov.cn" in error and "ConnectionRefusedError" in error
