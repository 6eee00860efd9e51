"""Failure alerts for the bureau's operators: one mail per failed task, in Chinese and English.

Airflow calls a task's ``on_failure_callback`` once, when the task has failed for good (its retries
spent; a retry calls ``on_retry_callback`` instead), in the task's own process: one incident, one mail.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from govdata import config
from govdata.mail.send import Delivery, send_mail

#: How much of the error's first line goes into the subject (the body has it whole).
SUBJECT_ERROR_CHARS = 60
NO_EXCEPTION = "no exception recorded: see the task log"


@dataclass(frozen=True)
class Incident:
    """What staff need to know of one failed task."""

    dag_id: str
    task_id: str
    run_id: str | None = None
    logical_date: str | None = None
    map_index: int | None = None
    #: the map index as the UI shows it (a department's or a dataset's name)
    map_label: str | None = None
    #: the department as ``公安局 (gaj)``, when the task is about one
    department: str | None = None
    #: the table or dataset, when known
    table: str | None = None
    #: the DAG run's params (an on-demand run's department and period)
    params: str | None = None
    error: str = NO_EXCEPTION
    try_number: int | None = None
    log_url: str | None = None

    @property
    def task(self) -> str:
        """``dag › task``, with the map label."""
        label = f" [{self.map_label}]" if self.map_label else ""
        return f"{self.dag_id} › {self.task_id}{label}"


def first_line(exc: BaseException | str | None) -> str:
    """The error's type and the first non-empty line of its message."""
    if exc is None:
        return NO_EXCEPTION
    if isinstance(exc, str):
        text, kind = exc, ""
    else:
        text, kind = str(exc), type(exc).__name__
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return f"{kind}: {line}" if kind and line else (line or kind)


def _department_label(code: str) -> str:
    try:
        dept = config.load_departments().get(code)
    except Exception:  # an alert about a department config no longer knows still goes out
        return code
    return f"{dept.short_name} ({dept.code})"


def _local_time(moment: datetime | None) -> str | None:
    """A time as staff read it: in the platform's timezone (``[core] default_timezone``, Asia/Shanghai)."""
    if moment is None:
        return None
    from airflow.configuration import conf

    zone = conf.get("core", "default_timezone", fallback="UTC")
    if zone.lower() != "system":
        moment = moment.astimezone(ZoneInfo(zone))
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def incident_from_context(context: dict[str, Any]) -> Incident:
    """The incident a failure callback's context describes (the mapped argument or DAG param names the department)."""
    ti = context.get("task_instance") or context.get("ti")
    task = getattr(ti, "task", None) or context.get("task")
    exc = context.get("exception")
    kwargs = getattr(task, "op_kwargs", None) or {}
    params = context.get("params") or {}
    code = kwargs.get("department") or params.get("department")
    table = getattr(exc, "table", None) or kwargs.get("table") or params.get("table")
    dataset = kwargs.get("dataset_id") or params.get("dataset_id")
    if not table and dataset:
        table = f"dataset {dataset}"
    map_index = getattr(ti, "map_index", None)
    return Incident(
        dag_id=str(getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")),
        task_id=str(getattr(ti, "task_id", None) or getattr(task, "task_id", "?")),
        run_id=context.get("run_id") or getattr(ti, "run_id", None),
        logical_date=_local_time(context.get("logical_date")),
        map_index=map_index if isinstance(map_index, int) and map_index >= 0 else None,
        map_label=getattr(ti, "rendered_map_index", None) or None,
        department=_department_label(str(code)) if code else None,
        params=", ".join(f"{k}={v}" for k, v in dict(params).items()) or None,
        table=str(table) if table else None,
        error=first_line(exc),
        try_number=getattr(ti, "try_number", None),
        log_url=getattr(ti, "log_url", None),
    )


def compose_alert(incident: Incident) -> tuple[str, str]:
    """Subject and HTML body of the alert: where it failed, on what, why, and the log."""
    about = f"{incident.department} " if incident.department else ""
    error = incident.error
    short = error if len(error) <= SUBJECT_ERROR_CHARS else error[: SUBJECT_ERROR_CHARS - 1] + "…"
    subject = f"[govdata 告警 alert] {about}{incident.dag_id}.{incident.task_id} 失败 failed: {short}"
    e = html.escape
    mapped = incident.map_index is not None
    rows = [
        ("部门 Department", e(incident.department or "—")),
        ("数据表 Table", e(incident.table or "未知 unknown")),
        ("DAG / 任务 Task", e(incident.task) + (f" (map index {incident.map_index})" if mapped else "")),
        ("运行 Run", e(" · ".join(x for x in (incident.run_id, incident.logical_date) if x) or "—")),
        ("参数 Params", e(incident.params or "—")),
        ("尝试 Try", e(f"{incident.try_number}（重试已用尽 retries spent）" if incident.try_number else "—")),
        ("错误 Error", f"<code>{e(error)}</code>"),
        ("日志 Log", f'<a href="{e(incident.log_url)}">{e(incident.log_url)}</a>' if incident.log_url else "—"),
    ]  # fmt: skip
    table = "\n".join(
        f'<tr><th style="text-align:left;padding:4px 12px 4px 0">{k}</th><td>{v}</td></tr>' for k, v in rows
    )
    body = f"""<html><body style="font-family:sans-serif">
<p>数据治理流水线的一个任务失败了，重试已用尽。<br>
A task of the data-governance pipelines failed; its retries are spent.</p>
<table>
{table}
</table>
<p>处理：打开日志，最后一行写明部门、表和原因；常见原因见 <code>dags/README.md</code> 的 Triage 一节。修好后在 Airflow
界面清除 (Clear) 该任务即可重跑。<br>
What to do: open the log — its last line names the department, the table and the cause; <code>dags/README.md</code>
(Triage) lists the usual ones. Once fixed, clear the task in the Airflow UI to run it again.</p>
<p style="color:#666">govdata · 每个失败任务一封邮件（重试不另发）/ one mail per failed task, none per retry</p>
</body></html>"""
    return subject, body


def send_failure_alert(context: dict[str, Any]) -> Delivery:
    """Mail the operators of config/govdata.yaml (``mail.operators``) about the failed task of ``context``."""
    subject, body = compose_alert(incident_from_context(context))
    operators = config.load_platform().mail.operators
    if not operators:
        return Delivery(to=(), subject=subject, sent=False, attempts=0,
                        error="no operators in config/govdata.yaml (mail.operators)")  # fmt: skip
    return send_mail(operators, subject, body)
