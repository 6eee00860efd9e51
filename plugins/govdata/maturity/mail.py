"""成熟度评估报告 by mail: each department's PDF to its contact, the bureau summary to the operators.

Called by the ``mail_reports`` task of score_maturity after the reports are written. A mail that cannot be
delivered is retried and logged by govdata.mail and reported in the returned lines; it never fails scoring.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from govdata import config, warehouse
from govdata.maturity.report import BUREAU
from govdata.maturity.run import department_scores

if TYPE_CHECKING:
    from govdata.mail import Delivery
    from govdata.maturity.report import ReportFiles


def _cover(name: str, period: str, score: object) -> str:
    total = getattr(score, "total", None)
    lines = [f"{html.escape(name)}：", f"附件为贵单位 {period} 公共数据资源治理能力成熟度评估报告（PDF）。"]
    if total is not None:
        lines.append(
            f"总分 {total:.1f}，{getattr(score, 'level_name', '') or ''}（{getattr(score, 'level', '')} 级），"
            f"排名第 {getattr(score, 'rank', '—')} 位。报告中的整改清单列出每项问题可提升的分数。"
        )
    lines.append("本邮件由政务服务数据管理局数据治理平台自动发送。")
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return f'<html><body style="font-family:sans-serif">{paragraphs}</body></html>'


def mail_reports(period: str, written: list[ReportFiles]) -> list[Delivery]:
    """Mail each department its report (PDF attached) and the operators the bureau summary; one Delivery each."""
    from govdata.mail import send_mail, send_report

    with warehouse.connect(autocommit=True) as conn:
        scores = {s.department: s for s in department_scores(conn, period, top_fixes=0)}
    names = {d.code: d.short_name for d in config.load_departments().departments}
    out = []
    for files in written:
        if files.department == BUREAU:
            operators = config.load_platform().mail.operators
            subject = f"[govdata] 成熟度评估汇总 {period}"
            body = f"<html><body><p>附件为 {period} 各部门成熟度评估汇总（排名、维度热力图、变化）。</p></body></html>"
            out.append(send_mail(operators, subject, body, [files.pdf_path]))
            continue
        name = names.get(files.department, files.department)
        subject = f"[govdata] {name} 公共数据资源治理能力成熟度评估报告 {period}"
        body = _cover(name, period, scores.get(files.department))
        out.append(send_report(files.department, subject=subject, html_body=body, attachments=[files.pdf_path]))
    return out
