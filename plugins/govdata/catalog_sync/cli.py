"""`govdata catalog sync`: sync the catalog to OpenMetadata now, or write the requests a sync would send."""

from __future__ import annotations

import argparse
from pathlib import Path

from govdata.errors import CommandError


def cmd_sync(args: argparse.Namespace) -> int:
    """Sync with the server of the Airflow connection; ``--dry-run`` sends nothing (and needs no server)."""
    import psycopg

    from govdata.catalog_sync.connection import (
        HOW_TO_CONFIGURE,
        NOT_CONFIGURED,
        MissingToken,
        platform_airflow_settings,
    )
    from govdata.catalog_sync.run import sync_catalog

    try:
        settings = platform_airflow_settings()
    except MissingToken as exc:
        if not args.dry_run:
            raise CommandError(f"{exc}; {HOW_TO_CONFIGURE}") from exc
        settings = None
    if settings is None and not args.dry_run:
        raise CommandError(NOT_CONFIGURED + "; or run with --dry-run --out DIR to see the requests")
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file; give the folder to write requests.json into")
    try:
        report = sync_catalog(settings, dry_run=args.dry_run, out=out)
    except psycopg.errors.UndefinedTable as exc:
        raise CommandError("the catalog has not been built yet: run `make run` first") from exc
    for note in report.notes:
        print(f"note: {note}")
    print(report.summary() + (f" (server: {settings.host_port})" if settings else " (no server: all would be created)"))
    if out is not None:
        print(out / "requests.json")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """`sync [--dry-run] [--out DIR]` under `govdata catalog`."""
    p = sub.add_parser("sync", help="sync the catalog to OpenMetadata (connection openmetadata_default)")
    p.add_argument("--dry-run", action="store_true", help="send nothing; with --out, write the requests as JSON")
    p.add_argument("--out", help="folder for requests.json (every mutating request, in order)")
    p.set_defaults(func=cmd_sync)
