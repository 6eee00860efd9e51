"""`govdata catalog …`: export the catalog and print its summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from govdata.errors import CommandError


def cmd_export(args: argparse.Namespace) -> int:
    """Write the catalog in the national template's column order."""
    import psycopg

    from govdata.catalog.export import export_catalog

    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not output.is_dir():
        raise CommandError(f"--output {output} is a file; give the folder to write the catalog files into")
    try:
        paths = export_catalog(args.format, output)
    except psycopg.errors.UndefinedTable as exc:
        raise CommandError("the catalog has not been built yet: run `make run` first") from exc
    for path in paths:
        print(path)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    """Print resources per department, responsibility status, conflicts and the latest changes."""
    import psycopg

    from govdata.catalog.report import catalog_summary, format_catalog_summary

    try:
        lines = format_catalog_summary(catalog_summary())
    except psycopg.errors.UndefinedTable as exc:
        raise CommandError("the catalog has not been built yet: run `make run` first") from exc
    print("\n".join(lines))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Rebuild the catalog now (the build_catalog DAG's steps, without Airflow)."""
    from govdata.catalog.build import build_catalog_now
    from govdata.catalog.export import export_catalog
    from govdata.catalog.report import catalog_summary, format_catalog_summary

    try:
        build_catalog_now()
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    export_catalog(["xlsx", "csv", "json"])
    print("\n".join(format_catalog_summary(catalog_summary())))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `govdata catalog export|build|summary|sync`."""
    parser = subparsers.add_parser("catalog", help="公共数据资源目录: export, build, summary, sync")
    sub = parser.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    p = sub.add_parser("export", help="write the catalog as XLSX (a sheet per department), CSV or JSON")
    p.add_argument("--format", action="append", choices=["xlsx", "csv", "json"], required=True,
                   help="repeat for several formats")  # fmt: skip
    p.add_argument("--output", help="folder to write into (default .local/exports/catalog)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("build", help="rebuild the catalog now, outside Airflow (dbt build + conflicts + exports)")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("summary", help="resources per department, 责任清单, conflicts, latest changes")
    p.set_defaults(func=cmd_summary)
    from govdata.catalog_sync.cli import add_parser as add_sync  # light: the SDK is imported when it runs

    add_sync(sub)
