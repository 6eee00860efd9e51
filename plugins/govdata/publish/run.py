"""The publish_open_data DAG's task bodies, and the same steps for the CLI: each opens its own connection.

prepare → publish_one (per dataset) → update_access → write_open_catalog → report.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from govdata import config, warehouse
from govdata.errors import GovdataError
from govdata.publish import audit

log = logging.getLogger(__name__)

STAGE_ACTOR = "publish_open_data"


class PublicationFailed(GovdataError):
    """Some datasets were blocked or failed in this run (the others were published)."""


def prepare() -> list[str]:
    """Install the stage's tables and mask functions, audit config changes, and list the dataset ids."""
    from govdata.publish.datasets import load_specs
    from govdata.publish.pipeline import ensure_publish_schema

    cfg = config.load_open_data_config()
    with warehouse.connect(autocommit=True) as conn:
        ensure_publish_schema(conn)
        changed = audit.audit_config_changes(conn, cfg, STAGE_ACTOR)
        if changed:
            log.info("audited config changes: %s", ", ".join(changed))
        specs = load_specs(conn, cfg)
    log.info("%d open datasets: %d derived, %d curated", len(specs),
             sum(s.kind == "derived" for s in specs), sum(s.kind == "curated" for s in specs))  # fmt: skip
    return [s.dataset_id for s in specs]


#: A publication reads whole tables row by row (masks, the leak guard's normalised join, checksums): PostgreSQL's
#: default costs (setup 1000, 0.1 a row) keep such statements on one core; with these the leak guard's join of a
#: 250k-row candidate takes 1.9 s instead of 2.8 on two cores. Small tables stay serial
#: (min_parallel_table_scan_size).
PARALLEL_SETTINGS = {"parallel_setup_cost": "100", "parallel_tuple_cost": "0.01"}


def publish_one(dataset_id: str, run_id: str) -> dict[str, Any]:
    """Publish one dataset (pipeline.publish_dataset); a failure is logged as ``failed`` and raised."""
    from govdata.publish.datasets import load_specs
    from govdata.publish.pipeline import DatasetBlocked, Outcome, publish_dataset

    cfg = config.load_open_data_config()
    with warehouse.connect(autocommit=True) as conn:
        for setting, value in PARALLEL_SETTINGS.items():  # this session only
            conn.execute("select set_config(%s, %s, false)", (setting, value))
        spec = next((s for s in load_specs(conn, cfg) if s.dataset_id == dataset_id), None)
        if spec is None:
            raise GovdataError(f"open dataset {dataset_id} is no longer defined (catalog or config/open_data.yaml)")
        try:
            outcome = publish_dataset(conn, spec, cfg, run_id, STAGE_ACTOR)
        except DatasetBlocked:
            raise
        except Exception as exc:
            failed = Outcome(spec.dataset_id, spec.title, "failed", "不予开放",
                             message=f"{type(exc).__name__}: {exc}")  # fmt: skip
            conn.execute(
                "insert into publish.publication_log (run_id, dataset_id, outcome, message) values (%s, %s, %s, %s)",
                (run_id, dataset_id, "failed", failed.message[:2000]),
            )
            raise GovdataError(f"{spec.label}: publication failed, nothing new served ({failed.message})") from exc
    log.info("%s: %s", dataset_id, _line(outcome.as_dict()))
    return outcome.as_dict()


def served() -> dict[str, str]:
    """Dataset id → schema it is served in now."""
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(
            "select dataset_id, served_schema from publish.dataset where served_schema is not null"
        ).fetchall()
    return dict(rows)


def update_access() -> dict[str, Any]:
    """Roles by what is served now; every change audited."""
    from govdata.publish.roles import ensure_roles

    cfg = config.load_open_data_config()
    now_served = served()
    with warehouse.connect(autocommit=True) as conn:
        report = ensure_roles(conn, cfg, now_served)
        with conn.transaction():
            for action, role, dataset, detail in report.changes:
                audit.record(conn, STAGE_ACTOR, f"access_{action}", dataset, {"role": role, "detail": detail},
                             "config/open_data.yaml access list")  # fmt: skip
    return {"changes": len(report.changes), "served": len(now_served)}


def write_open_catalog() -> dict[str, Any]:
    """MQA score of every served dataset stored in publish.dataset; the DCAT-AP catalog file written."""
    from govdata.publish.dcat import dcat_catalog, write_dcat
    from govdata.publish.mqa import mqa_score

    cfg = config.load_open_data_config()
    with warehouse.connect(autocommit=True) as conn:
        metas = catalog_metas(conn, cfg)
        with conn.transaction():
            for meta in metas:
                score = mqa_score(meta, cfg)
                conn.execute(
                    "update publish.dataset set mqa = %s, mqa_points = %s where dataset_id = %s",
                    (json.dumps(score.as_dict(), ensure_ascii=False), score.points, meta.dataset_id),
                )
    path = config.published_dir() / "catalog.jsonld"
    write_dcat(path, dcat_catalog(metas, cfg, datetime.now(UTC)))
    return {"datasets": len(metas), "catalog": str(path)}


def catalog_metas(conn: Any, cfg: config.OpenDataConfig) -> list[Any]:
    """The catalogue entries of the served datasets, with their current version's distributions."""
    from govdata.publish.model import ColumnMeta, DatasetMeta, Distribution

    rows = conn.execute(
        """
        select d.dataset_id, d.kind, d.title, d.description, d.theme, d.keywords, d.update_cycle, d.open_attribute,
               d.department_code, d.source_resource_codes, d.columns, d.current_version, v.row_count,
               d.first_published_at, v.published_at, v.files
        from publish.dataset as d
        join publish.version as v on v.dataset_id = d.dataset_id and v.version = d.current_version
        where d.served_schema is not null
        order by d.dataset_id
        """
    ).fetchall()
    metas = []
    for (dataset_id, kind, title, description, theme, keywords, cycle, attribute, dept, codes, columns, version,
         rows_, issued, modified, files) in rows:  # fmt: skip
        metas.append(
            DatasetMeta(
                dataset_id=dataset_id,
                kind=kind,
                title=title,
                description=description,
                theme=theme,
                keywords=list(keywords),
                update_cycle=cycle,
                open_attribute=attribute,
                department_code=dept,
                publisher_name=cfg.publisher.name,
                source_resource_codes=list(codes),
                columns=[ColumnMeta(**c) for c in columns],
                version=version,
                rows=rows_,
                issued=issued,
                modified=modified,
                distributions=[Distribution(**f) for f in files],
            )  # fmt: skip
        )
    return metas


def _line(o: dict[str, Any]) -> str:
    version = f"v{o['version']}" if o.get("version") else "-"
    rows = f"{o['rows']:,} rows" if o.get("rows") is not None else "-"
    suppressed = f" ({o['suppressed_rows']} suppressed, k-anonymity)" if o.get("suppressed_rows") else ""
    message = f" — {o['message']}" if o.get("message") else ""
    return (
        f"{o['outcome']}, {o['open_attribute']}, {version}, {rows}{suppressed}, leak guard {o['leak_guard']}{message}"
    )


def run_summary(run_id: str) -> list[dict[str, Any]]:
    """This run's outcome per dataset (the publication log), with the dataset's MQA points."""
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(
            """
            select l.dataset_id, d.title, l.outcome, d.open_attribute, l.version, l.row_count, l.suppressed_rows,
                   l.leak_guard, l.message, d.mqa_points, d.served_schema
            from publish.publication_log as l
            left join publish.dataset as d on d.dataset_id = l.dataset_id
            where l.run_id = %s
            order by d.open_attribute, l.dataset_id
            """,
            (run_id,),
        ).fetchall()
    keys = ("dataset_id", "title", "outcome", "open_attribute", "version", "rows", "suppressed_rows", "leak_guard",
            "message", "mqa_points", "served_schema")  # fmt: skip
    out = []
    for row in rows:
        o = dict(zip(keys, row, strict=True))
        leak = o["leak_guard"]
        o["leak_guard"] = "not run" if leak is None else ("passed" if leak.get("ok") else "blocked")
        out.append(o)
    return out


def report(run_id: str) -> None:
    """Log the run's outcome per dataset; raise when a dataset was blocked or failed (the run turns red)."""
    summary = run_summary(run_id)
    for o in summary:
        mqa = f", MQA {o['mqa_points']}/405" if o.get("mqa_points") is not None else ""
        log.info("%s %s: %s%s", o["dataset_id"], o["title"], _line(o), mqa)
    bad = [o["dataset_id"] for o in summary if o["outcome"] in ("blocked", "failed")]
    if bad:
        raise PublicationFailed(f"{len(bad)} open dataset(s) not published: {', '.join(bad)} (see their map index)")
