"""What `govdata run` prints about publication: per dataset its attribute, rows, version, leak guard and MQA."""

from __future__ import annotations

from govdata import config, warehouse

_LATEST = """
select d.dataset_id, d.title, d.open_attribute, d.status, d.served_schema, d.current_version, v.row_count,
       v.suppressed_rows, d.mqa_points, d.mqa ->> 'band', l.outcome, l.leak_guard ->> 'ok', d.status_reason
from publish.dataset as d
left join publish.version as v on v.dataset_id = d.dataset_id and v.version = d.current_version
left join lateral (
    select outcome, leak_guard from publish.publication_log as p
    where p.dataset_id = d.dataset_id order by log_id desc limit 1
) as l on true
order by array_position(array['无条件开放', '有条件开放', '不予开放'], d.open_attribute), d.dataset_id
"""


def publication_summary_lines() -> list[str]:
    """One line per served or blocked dataset, one line for those not opened; where the files are."""
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(_LATEST).fetchall()
    lines: list[str] = []
    withheld: list[str] = []
    for (dataset, title, attribute, status, schema, version, count, suppressed, mqa, band, outcome, leak_ok,
         reason) in rows:  # fmt: skip
        if schema is None and status != "已阻止":
            withheld.append(dataset)
            continue
        guard = {"true": "passed", "false": "BLOCKED"}.get(leak_ok or "", "not run")
        where = f"{schema}.{dataset} v{version}" if schema else "not served"
        extra = f", {suppressed} rows suppressed (k-anonymity)" if suppressed else ""
        score = f", MQA {mqa}/405 {band}" if mqa is not None else ""
        note = f" — {status}: {reason}" if status != "已发布" and reason else ""
        if outcome == "held" and schema is None:  # held by the quality gate before any version was served
            lines.append(f"已阻止 not served {title} ({dataset}): {reason}")
            continue
        lines.append(f"{attribute} {where} {title}: {count or 0:,} rows{extra}, leak guard {guard}{score}"
                     f" ({outcome}){note}")  # fmt: skip
    if withheld:
        lines.append(f"不予开放 (grade L4 after masking, or a staff decision): {len(withheld)} — {', '.join(withheld)}")
    lines.append(f"exports: {config.published_dir()}/<dataset>/<version>/ (CSV with BOM, Parquet, JSON,"
                 " datapackage.json); DCAT-AP catalog: catalog.jsonld")  # fmt: skip
    lines.append("portal connection: `govdata pg url --role portal_reader` (reads open_data only)")
    return lines
