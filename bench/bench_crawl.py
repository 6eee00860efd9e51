"""Crawl throughput (rows/s) on scaled demo data, next to a plain COPY TO/FROM round trip of the same tables.

Also MariaDB → warehouse: the crawl against ``mariadb --batch`` piped into ``COPY FROM STDIN``
(the floor) at N and 4N rows, and the crawl's peak memory at both (one subprocess per crawl; its
Python imports are timed apart: without bytecode caches — PYTHONDONTWRITEBYTECODE — they compile
on every start, a second or more that has nothing to do with rows). Floor and crawl are each run
``--repeat`` times and the best taken, the same for both: the machine is shared. Runs on a
throwaway PostgreSQL cluster and MariaDB of its own (`make run` data is untouched):

    .venv/bin/python bench/bench_crawl.py --scale 5
    .venv/bin/python bench/bench_crawl.py --mariadb-only --mariadb-rows 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workspace import isolated_environment


def plain_copy_round_trip(manifest: dict, work: Path) -> tuple[int, float]:
    """COPY every demo database table to a file and back into a fresh warehouse table: the floor to beat."""
    from psycopg import sql

    from govdata import config, warehouse

    rows = 0
    elapsed = 0.0
    with warehouse.connect(autocommit=True) as wh:
        wh.execute("drop schema if exists bench_plain cascade; create schema bench_plain")
        for code, dept in manifest["departments"].items():
            if dept.get("engine") != "postgresql":
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


#: A MariaDB table shaped like the demo's (keys, names, amounts, times, flags, free text).
MARIADB_TABLE = """
create table t (id bigint primary key, sfzh varchar(18), xm varchar(50) comment '姓名', je decimal(12,2),
                rq date, gxsj datetime, sfyx tinyint(1), bz text)
"""
MARIADB_FILL = """
insert into t select seq, lpad(seq, 18, '0'), concat('张', seq), seq / 100, '2026-01-01' + interval seq % 900 day,
       '2026-01-01' + interval seq second, seq % 2, if(seq % 10 = 0, null, concat('备注', repeat('x', seq % 40)))
from seq_1_to_{n}
"""


def mariadb_tables(server, rows: int) -> dict[str, int]:
    """Two databases with the bench table at ``rows`` and ``4 × rows`` rows: name → row count."""
    out = {}
    for name, n in (("bench_1x", rows), ("bench_4x", 4 * rows)):
        server.sql(f"drop database if exists {name}; create database {name}; use {name}; {MARIADB_TABLE};"
                   f"{MARIADB_FILL.format(n=n)}")  # fmt: skip
        out[name] = n
    return out


def mariadb_floor(server, database: str) -> tuple[int, float]:
    """``mariadb --batch`` (C client, tab-separated) piped into COPY FROM STDIN: the floor to beat."""
    from govdata import warehouse

    with warehouse.connect(autocommit=True) as wh:
        wh.execute("drop table if exists bench_floor")
        wh.execute("create table bench_floor (id bigint, sfzh varchar(18), xm varchar(50), je numeric(12,2),"
                   " rq date, gxsj timestamp, sfyx boolean, bz text)")  # fmt: skip
        started = time.perf_counter()
        cmd = ["mariadb", f"--socket={server.socket}", "-u", "root", "--batch", "--skip-column-names", "--quick",
               database, "-e", "select * from t"]  # fmt: skip
        with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc, wh.cursor() as cur:
            assert proc.stdout is not None
            with cur.copy("copy bench_floor from stdin (null 'NULL')") as copy:
                while block := proc.stdout.read(1 << 20):
                    copy.write(block)
            rows = cur.rowcount
        elapsed = time.perf_counter() - started
        wh.execute("drop table bench_floor")
    return rows, elapsed


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over from the parent through fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mariadb_crawl_child(database: str) -> int:
    """Crawl one MariaDB bench database (in a subprocess, so its peak RSS is its own) and print the figures."""
    started = time.perf_counter()
    import pymysql  # noqa: F401
    import sqlalchemy.dialects.mysql.pymysql  # noqa: F401
    import sqlalchemy.dialects.postgresql  # noqa: F401
    from psycopg import sql

    from govdata import warehouse
    from govdata.config import Department, default_server
    from govdata.crawl import mysql_lines  # noqa: F401
    from govdata.crawl.run import crawl_department, ensure_meta_schema

    imports = time.perf_counter() - started

    dept = Department.model_validate(
        {"code": database, "name": "基准测试局", "short_name": "基准局", "org_code": "11440300MB2C00003X",
         "contact": {"name": "bench", "email": "b@example.gov.cn"},
         "database": {"url": default_server().url(database)}}
    )  # fmt: skip
    with warehouse.connect(autocommit=True) as wh:  # a full copy every time, not an increment
        ensure_meta_schema(wh)
        wh.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(dept.raw_schema)))
        wh.execute("delete from meta.snapshot_state where department_code = %s", (dept.code,))
    started = time.perf_counter()
    summary = crawl_department(dept, run_id=f"bench-{database}-{os.getpid()}")
    elapsed = time.perf_counter() - started
    print(summary.rows_copied, elapsed, _peak_rss_mb(), imports)
    return 0


def mariadb_crawl(database: str) -> tuple[int, float, float, float]:
    """(rows, seconds, peak RSS MB, import seconds) of the crawl of one bench database, run in a subprocess."""
    out = subprocess.run(
        [sys.executable, __file__, "--mariadb-child", database], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[-4]), float(out[-3]), float(out[-2]), float(out[-1])


def mariadb_bench(server, rows: int, repeat: int) -> None:
    """Floor and crawl at ``rows`` and 4 × ``rows``: rates, ratio, peak RSS, and whether the 1.5× goal is met."""
    tables = mariadb_tables(server, rows)
    ratio = 0.0
    for name, n in tables.items():
        floor_rows, floor_s = min((mariadb_floor(server, name) for _ in range(repeat)), key=lambda r: r[1])
        crawls = [mariadb_crawl(name) for _ in range(repeat)]
        crawl_rows, crawl_s, _, imports = min(crawls, key=lambda r: r[1])
        rss = max(c[2] for c in crawls)
        assert floor_rows == crawl_rows == n, (floor_rows, crawl_rows, n)
        floor_rate, crawl_rate = n / floor_s, n / crawl_s
        ratio = floor_rate / crawl_rate
        print(f"MariaDB at {n:>10,} rows (best of {repeat}):")
        print(f"  plain (mariadb --batch | COPY): {floor_s:7.2f}s = {floor_rate:>10,.0f} rows/s")
        print(f"  crawl (server-built lines)    : {crawl_s:7.2f}s = {crawl_rate:>10,.0f} rows/s"
              f"  (harvest and metadata included; {imports:.1f}s of imports before it not)")  # fmt: skip
        print(f"  ratio crawl / plain (time per row): {ratio:.2f}x   peak RSS of the crawl: {rss:.0f} MB")
    verdict = "OK" if ratio <= 1.5 else "MISSED"
    print(f"MariaDB goal: crawl within 1.5x of plain at {n:,} rows: {verdict} ({ratio:.2f}x)")


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


def postgres_bench(scale: float, work: Path) -> None:
    """Scaled demo data: the crawl of every department against a plain COPY round trip of its tables."""
    from govdata import config
    from govdata.demo import build_demo

    started = time.perf_counter()
    manifest = build_demo(config.server_url(), config.demo_dir(), scale=scale)
    print(f"demo data at scale {scale}: built in {time.perf_counter() - started:.1f}s")

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


def main() -> int:
    """Build scaled demo data, time the plain round trip and the crawl, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--keep", action="store_true", help="keep the bench cluster folder")
    parser.add_argument("--mariadb-rows", type=int, default=0, help="MariaDB bench rows (default 100,000 × scale/5)")
    parser.add_argument("--mariadb-only", action="store_true", help="only the MariaDB part (no demo build)")
    parser.add_argument("--repeat", type=int, default=3, help="MariaDB floor and crawl runs, best taken (default 3)")
    parser.add_argument("--mariadb-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mariadb_child:
        return mariadb_crawl_child(args.mariadb_child)

    work = Path(tempfile.mkdtemp(prefix="govdata-bench-"))
    isolated_environment(work)
    from govdata import config
    from govdata.config import default_cluster, default_server

    cluster = default_cluster()
    mariadb = default_server()
    try:
        cluster.start()
        mariadb.start()
        cluster.ensure_database(config.load_platform().warehouse_db)
        if not args.mariadb_only:
            postgres_bench(args.scale, work)
        mariadb_bench(mariadb, args.mariadb_rows or round(100_000 * args.scale / 5), args.repeat)
        return 0
    finally:
        mariadb.stop()
        cluster.stop()
        if not args.keep:
            cluster.destroy()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
