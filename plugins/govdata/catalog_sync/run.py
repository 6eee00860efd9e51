"""Entry points of the sync: the sync_catalog DAG's task and `govdata catalog sync`."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from govdata.catalog_sync.apply import SyncReport
from govdata.catalog_sync.connection import ServerSettings

log = logging.getLogger(__name__)


def sync_catalog(settings: ServerSettings | None, *, dry_run: bool = False, out: Path | None = None) -> SyncReport:
    """Read the warehouse, diff against the server and apply (or, dry run, record) the requests.

    A dry run without settings plans against an empty server: every entity is a PUT and ids the server would
    assign are placeholders (``placeholder_ids`` in the file says so).
    """
    from govdata import warehouse
    from govdata.catalog_sync.apply import NoServer, SdkServer, Server, sync
    from govdata.catalog_sync.connection import client
    from govdata.catalog_sync.state import read_state

    if settings is None and not dry_run:
        raise ValueError("a sync that sends requests needs the server's settings")
    with warehouse.connect() as conn:
        state = read_state(conn)
    metadata = client(settings) if settings is not None else None
    try:
        server: Server = SdkServer(metadata) if metadata is not None else NoServer()
        report = sync(state, server, dry_run=dry_run)
    finally:
        if metadata is not None:
            metadata.close()
    for note in report.notes:
        log.info("%s", note)
    for m in report.mutations:
        log.info("%s %s %s%s", m.method, m.path, m.target, f" (changed: {', '.join(m.changed)})" if m.changed else "")
    log.info("%s", report.summary())
    if out is not None:
        write_requests(report, out, placeholder_ids=settings is None)
    return report


def write_requests(report: SyncReport, out: Path, *, placeholder_ids: bool) -> Path:
    """``requests.json`` in ``out``: every mutating request in the order it would be sent."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "requests.json"
    document: dict[str, Any] = {
        "dry_run": report.dry_run,
        "placeholder_ids": placeholder_ids,
        "summary": report.summary(),
        "notes": report.notes,
        "requests": [m.as_json() for m in report.mutations],
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def sync_task() -> dict[str, Any]:
    """The DAG's task: skipped (not failed) with how to configure it when the connection is missing."""
    from airflow.sdk.exceptions import AirflowSkipException

    from govdata.catalog_sync.connection import HOW_TO_CONFIGURE, NOT_CONFIGURED, MissingToken, airflow_settings

    try:
        settings = airflow_settings()
    except MissingToken as exc:
        raise AirflowSkipException(f"{exc}: the catalog is not synced to OpenMetadata. {HOW_TO_CONFIGURE}") from exc
    if settings is None:
        raise AirflowSkipException(NOT_CONFIGURED)
    report = sync_catalog(settings)
    return {"unchanged": report.unchanged, "put": report.count("PUT"), "soft_deleted": report.count("DELETE"),
            "test_case_results": report.count("POST")}  # fmt: skip


def summary_line() -> str:
    """One line for `govdata run`: where the catalog is synced to, or that it is not and how to configure it."""
    from govdata.catalog_sync.connection import HOW_TO_CONFIGURE, MissingToken, platform_airflow_settings

    try:
        settings = platform_airflow_settings()
    except MissingToken as exc:
        return f"not synced: {exc}. {HOW_TO_CONFIGURE}"
    if settings is None:
        return f"not synced (sync_catalog skipped): no server configured. {HOW_TO_CONFIGURE}"
    return f"synced to {settings.host_port} by sync_catalog (its log lists every request sent)"
