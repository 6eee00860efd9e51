"""The failure alert's text and the delivery's retry decisions: pure functions, no server."""

from __future__ import annotations

import smtplib

from govdata.mail.alert import SUBJECT_ERROR_CHARS, Incident, compose_alert, first_line
from govdata.mail.send import Delivery, describe, transient


def _incident(**changes) -> Incident:
    values = dict(
        dag_id="crawl_departments", task_id="crawl_department", run_id="scheduled__2026-11-01", map_index=3,
        map_label="公安局", department="公安局 (gaj)", table="raw_gaj.hj_rkxx", try_number=3,
        error="CommandError: 公安局 (gaj): cannot reach its database", log_url="http://ui/dags/x?try_number=3",
        params="department=gaj, period=2026-11",
    )  # fmt: skip
    return Incident(**(values | changes))


def test_the_subject_names_department_dag_task_and_error():
    subject, _ = compose_alert(_incident())
    assert subject.startswith("[govdata 告警 alert] 公安局 (gaj) crawl_departments.crawl_department 失败 failed: ")
    assert "CommandError" in subject


def test_the_body_says_where_what_why_and_links_the_log():
    _, body = compose_alert(_incident())
    for text in ("公安局 (gaj)", "raw_gaj.hj_rkxx", "crawl_departments › crawl_department [公安局] (map index 3)",
                 "cannot reach its database", 'href="http://ui/dags/x?try_number=3"', "dags/README.md",
                 "department=gaj, period=2026-11"):  # fmt: skip
        assert text in body, text


def test_a_long_error_is_cut_in_the_subject_and_whole_in_the_body():
    error = "ValueError: " + "列" * 200
    subject, body = compose_alert(_incident(error=error))
    assert subject.endswith("…") and len(subject.split(" failed: ", 1)[1]) == SUBJECT_ERROR_CHARS
    assert error in body


def test_markup_in_an_error_is_shown_not_run():
    _, body = compose_alert(_incident(error="ValueError: <script>alert(1)</script>", table=None, department=None))
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "未知 unknown" in body


def test_only_the_first_line_of_an_error_is_kept():
    assert first_line(RuntimeError("\n  first line \nsecond line")) == "RuntimeError: first line"
    assert first_line(KeyError()) == "KeyError"
    assert first_line(None).startswith("no exception recorded")


def test_busy_or_unreachable_servers_are_retried_refusals_are_not():
    assert transient(ConnectionRefusedError(111, "Connection refused"))
    assert transient(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    assert transient(smtplib.SMTPDataError(451, b"try again later"))
    assert not transient(smtplib.SMTPDataError(550, b"relaying denied"))
    assert transient(smtplib.SMTPRecipientsRefused({"a@b.cn": (450, b"mailbox busy")}))
    assert not transient(smtplib.SMTPRecipientsRefused({"a@b.cn": (550, b"no such user")}))
    assert not transient(RuntimeError("SMTP connection is not found."))


def test_errors_are_described_in_one_line():
    assert (
        describe(smtplib.SMTPDataError(550, b"5.7.1 relaying\n denied")) == "SMTPDataError: 550 5.7.1 relaying denied"
    )
    assert describe(smtplib.SMTPRecipientsRefused({"a@b.cn": (550, b"no such user")})) == (
        "recipients refused (a@b.cn: 550 no such user)"
    )
    line = Delivery(to=("a@b.cn",), subject="报告", sent=False, attempts=4, error="ConnectionRefusedError: x").line()
    assert line == "NOT mailed to a@b.cn: 报告 — ConnectionRefusedError: x after 4 attempt(s)"
