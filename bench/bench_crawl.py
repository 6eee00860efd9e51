"""Crawl throughput (rows/s) on scaled demo data, next to a plain COPY TO/FROM round trip of the same tables.

Runs on a throwaway PostgreSQL cluster of its own (so `make run` data is untouched), prints figures:

    .venv/bin/python bench/bench_crawl.py --scale 5
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _setup_environment(work: Path) -> None:
    from govdata.embedded_pg import cluster_root, free_port, server_user

    os.environ.update(
        GOVDATA_LOCAL_DIR=str(work / "local"),
        # the rule `make run` follows: in the (private) work folder, or outside it if postgres cannot reach it
        GOVDATA_PG_DIR=str(cluster_root(work / "pg", work.name, server_user())),
        GOVDATA_DEMO_DIR=str(work / "demo"),
        GOVDATA_PG_PORT=str(free_port()),
    )
    os.environ.pop("GOVDATA_DATABASE_URL", None)


def plain_copy_round_trip(manifest: dict, work: Path) -> tuple[int, float]:
    """COPY every demo database table to a file and back into a fresh warehouse table: the floor to beat."""
    from psycopg import sql

    from govdata import config, warehouse

    rows = 0
    elapsed = 0.0
    with warehouse.connect(autocommit=True) as wh:
        wh.execute("drop schema if exists bench_plain cascade; create schema bench_plain")
        for code, dept in manifest["departments"].items():
            if not dept.get("database"):
                continue
            with warehouse.connect(config.database_url(dept["database"]), autocommit=True) as src:
                for i, table in enumerate(t for t in dept["tables"] if t["source"] == "database"):
                    target = sql.Identifier("bench_plain", f"{code}_{i}")
                    source = sql.Identifier("public", table["name"])
                    ddl = ", ".join(f"{sql.Identifier(c['name']).as_string(wh)} {c['type']}" for c in table["columns"])
                    dump = work / "dump.bin"
                    started = time.perf_counter()
                    with dump.open("wb") as fh, src.cursor() as cur:
                        with cur.copy(sql.SQL("copy {} to stdout (format binary)").format(source)) as copy:
                            for block in copy:
                                fh.write(block)
                    with wh.transaction():
                        wh.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(ddl)))
                        with dump.open("rb") as fh, wh.cursor() as cur:
                            with cur.copy(sql.SQL("copy {} from stdin (format binary)").format(target)) as copy:
                                while block := fh.read(1 << 20):
                                    copy.write(block)
                            rows += cur.rowcount
                    elapsed += time.perf_counter() - started
        wh.execute("drop schema bench_plain cascade")
    return rows, elapsed


def crawl_all(run_id: str) -> tuple[int, int, float]:
    """Crawl every department; returns (rows in snapshots, rows copied, seconds)."""
    from govdata.config import load_departments
    from govdata.crawl.run import crawl_department

    started = time.perf_counter()
    total = copied = 0
    for dept in load_departments().departments:
        summary = crawl_department(dept, run_id=run_id)
        total += summary.row_count
        copied += summary.rows_copied
    return total, copied, time.perf_counter() - started


def main() -> int:
    """Build scaled demo data, time the plain round trip and the crawl, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--keep", action="store_true", help="keep the bench cluster folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="govdata-bench-"))
    _setup_environment(work)
    from govdata import config
    from govdata.demo import build_demo
    from govdata.embedded_pg import default_cluster

    cluster = default_cluster()
    try:
        cluster.start()
        cluster.ensure_database(config.load_platform().warehouse_db)
        started = time.perf_counter()
        manifest = build_demo(config.server_url(), config.demo_dir(), scale=args.scale)
        print(f"demo data at scale {args.scale}: built in {time.perf_counter() - started:.1f}s")

        # the baseline first, on a cold warehouse, then the crawl: neither benefits from the other
        plain_rows, plain_s = plain_copy_round_trip(manifest, work)
        crawl_rows, crawl_copied, crawl_s = crawl_all("bench-full")
        again_rows, again_copied, again_s = crawl_all("bench-again")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        plain_rate, crawl_rate = plain_rows / plain_s, crawl_copied / crawl_s
        print(f"plain COPY round trip : {plain_rows:>10,} rows in {plain_s:7.2f}s = {plain_rate:>10,.0f} rows/s")
        print(
            f"crawl (first, full)   : {crawl_copied:>10,} rows in {crawl_s:7.2f}s = {crawl_rate:>10,.0f} rows/s"
            "  (metadata harvest, row counts, schema diff and files included)"
        )
        print(
            f"crawl (again)         : {again_rows:>10,} rows in {again_s:7.2f}s, {again_copied:,} copied"
            " (incremental tables copy only changed rows)"
        )
        ratio = crawl_s / plain_s * (plain_rows / max(crawl_copied, 1))
        print(f"ratio crawl / plain (time per row): {ratio:.2f}x   goal ≤ 1.5x   {'OK' if ratio <= 1.5 else 'MISSED'}")
        print(f"peak memory of this process: {peak_mb:.0f} MB")
        return 0
    finally:
        cluster.stop()
        if not args.keep:
            cluster.destroy()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
