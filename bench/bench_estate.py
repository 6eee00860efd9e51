"""Estate bench: crawl, re-crawl, classify and catalog thousands of small tables; per-table cost at two sizes.

Each size runs on a throwaway PostgreSQL cluster of its own, with a generated config/ whose
departments.yaml lists the estate's departments (one database each). Every stage runs in a
subprocess calling what the CLI / DAGs call, so its elapsed time and peak RSS are its own:

    .venv/bin/python bench/bench_estate.py --sizes 5x500,20x500 --check
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from workspace import isolated_environment, timed_child

ROOT = Path(__file__).resolve().parents[1]

#: Goals: a re-crawl costs at most this share of the first crawl.
GOALS = {"unchanged": 0.25, "changed_1pct": 0.30}

CRAWL_STAGES = ("first", "unchanged", "changed_1pct")


def table_sql(index: int) -> str:
    """DDL and rows of estate table ``index``: ten columns, 20–50 rows; even tables have an update column."""
    name = f"t{index:04d}"
    stamp, value = ("gxsj timestamp not null", "timestamp '2026-10-01' + g * interval '1 minute'")
    if index % 2:
        stamp, value = "bz text", "'备注'"
    return (
        f"create table {name} (id integer primary key, {stamp}, xm text, lxdh varchar(11), dz text,"
        " je numeric(12,2), rq date, zt smallint, bm text, sl integer);"
        f" insert into {name} select g, {value}, '姓名' || g, '138' || lpad(g::text, 8, '0'),"
        " '深圳市福田区' || g || '号', g * 1.5, date '2026-01-01' + g, g % 3, 'B' || (g % 7), g * 10"
        f" from generate_series(1, {20 + (index * 7) % 31}) g;"
    )


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``5x500,20x500`` → [(5, 500), (20, 500)]: departments × tables per department."""
    return [(int(d), int(t)) for d, t in (part.lower().split("x") for part in text.split(",") if part)]


def department_entry(index: int) -> dict:
    """One estate department for departments.yaml, reading database govdata_estate_<nn>."""
    code = f"e{index:02d}"
    return {
        "code": code,
        "name": f"测试区第{index}局",
        "short_name": f"第{index}局",
        "org_code": f"11440300MB2E{index:05d}X",
        "contact": {"name": "值班员", "email": f"{code}@example.gov.cn"},
        "database": {"url": f"${{GOVDATA_SERVER_URL}}/govdata_estate_{code}"},
    }


def write_config(target: Path, departments: int) -> Path:
    """A copy of config/ whose departments.yaml lists only the estate's departments."""
    import yaml

    shutil.copytree(ROOT / "config", target)
    entries = [department_entry(i) for i in range(departments)]
    text = yaml.safe_dump({"departments": entries}, allow_unicode=True, sort_keys=False)
    (target / "departments.yaml").write_text(text, encoding="utf-8")
    return target


def build_estate(departments: int, tables: int) -> None:
    """One database per department with ``tables`` tables of 10 columns and 20–50 rows, built server-side."""
    from sqlalchemy.engine import make_url

    from govdata import config, warehouse
    from govdata.config import default_cluster

    cluster = default_cluster()
    for dept in config.load_departments().departments:
        assert dept.database is not None
        cluster.ensure_database(make_url(dept.database.expanded_url()).database)
        with warehouse.connect(dept.database.expanded_url(), autocommit=True) as src:
            for chunk in range(0, tables, 100):  # one round trip per 100 tables, few locks held at once
                src.execute("".join(table_sql(i) for i in range(chunk, min(chunk + 100, tables))))


#: One change per chosen table, in turn: an update (incremental), an insert, a delete (full copy).
CHANGES = (
    "update {t} set xm = '已更新'{stamp} where id = 3",
    "insert into {t} select (jsonb_populate_record(null::{t}, to_jsonb(r) || '{{\"id\": 9999}}')).* from {t} r"
    " where id = 1",
    "delete from {t} where id = 5",
)


def change_estate(share: float = 0.01) -> int:
    """Change ``share`` of each department's tables at the source; returns how many were changed."""
    from psycopg import sql

    from govdata import config, warehouse

    changed = 0
    step = max(1, round(1 / share))
    for dept in config.load_departments().departments:
        assert dept.database is not None
        with warehouse.connect(dept.database.expanded_url(), autocommit=True) as src:
            names = [r[0] for r in src.execute("select relname from pg_stat_user_tables order by relname")]
            for n, name in enumerate(names[::step]):
                table = sql.Identifier(name).as_string(src)
                stamp = ", gxsj = gxsj + interval '1 day'" if int(name[1:]) % 2 == 0 else ""
                src.execute(CHANGES[n % len(CHANGES)].format(t=table, stamp=stamp))
                changed += 1
            # publish the statistics now rather than up to ~1 s later, so the next crawl is measured on them
            src.execute("select pg_stat_force_next_flush()")
    return changed


# ------------------------------------------------------------------------------------------------ stages
def stage_crawl(run_id: str) -> dict:
    """`govdata crawl`: every department, one after another."""
    from govdata import config, warehouse
    from govdata.crawl.run import CrawlIncomplete, DepartmentUnavailable, crawl_department

    failed = 0
    for dept in config.load_departments().departments:
        try:
            crawl_department(dept, run_id=run_id)
        except (DepartmentUnavailable, CrawlIncomplete):
            failed += 1
    with warehouse.connect(autocommit=True) as wh:
        modes = dict(
            wh.execute(
                "select t.snapshot_mode, count(*) from meta.harvested_table t join meta.crawl_run r"
                " using (crawl_run_id) where r.run_id = %s group by 1",
                (run_id,),
            ).fetchall()
        )
        copied = wh.execute("select coalesce(sum(rows_copied), 0) from meta.crawl_run where run_id = %s", (run_id,))
        rows_copied = int(warehouse.scalar(copied))
    return {"failed_departments": failed, "modes": modes, "rows_copied": rows_copied}


def stage_classify() -> dict:
    """The classify_fields DAG's task: classify_department for every department."""
    from govdata import config
    from govdata.classify.column import get_classifier
    from govdata.classify.run import classify_department

    classifier = get_classifier()
    columns = classified = 0
    for dept in config.load_departments().departments:
        summary = classify_department(dept, classifier=classifier)
        columns += summary.columns
        classified += summary.classified
    return {"columns": columns, "classified": classified}


def stage_catalog() -> dict:
    """`govdata catalog build`: config tables, dbt build, conflicts, exports and the summary."""
    import contextlib
    import io

    from govdata.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["catalog", "build"])
    return {"exit_code": code}


#: Imported before a stage's clock starts: start-up is in the wall time, not in the stage's seconds.
STAGE_IMPORTS = {
    "crawl": ("govdata.crawl.run", "govdata.crawl.fingerprint", "sqlalchemy.dialects.postgresql.psycopg"),
    "classify": ("govdata.classify.run", "govdata.classify.column"),
    "catalog": ("govdata.cli", "govdata.catalog.cli", "govdata.catalog.build", "govdata.catalog.export"),
}


def run_stage(stage: str, run_id: str | None) -> dict:
    """Run one stage in this process (the child side of `timed_stage`); adds the work's own seconds."""
    import importlib

    for module in STAGE_IMPORTS.get(stage, ()):
        importlib.import_module(module)
    started = time.perf_counter()
    if stage == "crawl":
        assert run_id is not None
        result = stage_crawl(run_id)
    elif stage == "classify":
        result = stage_classify()
    elif stage == "catalog":
        result = stage_catalog()
    else:
        raise ValueError(f"unknown stage {stage!r}")
    return {**result, "seconds": time.perf_counter() - started}


def timed_stage(stage: str, run_id: str | None = None) -> dict:
    """Run a stage in a subprocess; returns its result with wall seconds (start-up included) and peak RSS."""
    return timed_child(Path(__file__), stage, *(["--run-id", run_id] if run_id else []))


# ------------------------------------------------------------------------------------------------ one size
def _progress(name: str, result: dict) -> dict:
    print(f"  {name}: {result['seconds']:.1f}s", flush=True)
    return result


def bench_size(departments: int, tables: int, keep: bool, stages_wanted: set[str]) -> dict:
    """Build an estate of departments × tables on a fresh cluster and time every stage on it."""
    work = Path(tempfile.mkdtemp(prefix="govdata-estate-"))
    isolated_environment(work, GOVDATA_CONFIG_DIR=str(write_config(work / "config", departments)))
    from govdata import config
    from govdata.config import default_cluster

    config.load_platform.cache_clear()
    cluster = default_cluster()
    stages: dict[str, dict] = {}
    try:
        cluster.start()
        cluster.ensure_database(config.load_platform().warehouse_db)
        started = time.perf_counter()
        build_estate(departments, tables)
        print(f"estate {departments} × {tables} tables: built in {time.perf_counter() - started:.1f}s", flush=True)
        stages["first"] = _progress("first", timed_stage("crawl", "estate-1"))
        stages["unchanged"] = _progress("unchanged", timed_stage("crawl", "estate-2"))
        changed = change_estate()
        stages["changed_1pct"] = _progress("changed_1pct", timed_stage("crawl", "estate-3"))
        stages["changed_1pct"]["tables_changed"] = changed
        for stage in ("classify", "catalog"):
            if stage in stages_wanted:
                stages[stage] = _progress(stage, timed_stage(stage))
    finally:
        if keep:
            cluster.stop()
        else:
            cluster.destroy()  # the cluster may live outside the work folder (see embedded_pg.cluster_root)
            shutil.rmtree(work, ignore_errors=True)
    return {"departments": departments, "tables": departments * tables, "stages": stages}


def report(results: list[dict]) -> bool:
    """Print every stage at every size, the per-table growth and the goals; returns whether all are met."""
    names = [name for name in (*CRAWL_STAGES, "classify", "catalog") if name in results[0]["stages"]]
    for res in results:
        print(f"\n{res['departments']} departments × {res['tables'] // res['departments']} tables = {res['tables']:,}")
        for name in names:
            st = res["stages"][name]
            extra = ""
            if name in CRAWL_STAGES:
                extra = f"  rows copied {st['rows_copied']:,}  modes {st['modes']}"
            elif name == "classify":
                extra = f"  {st['columns']:,} columns, {st['classified']:,} classified"
            print(
                f"  {name:<13} {st['seconds']:8.2f}s (wall {st['wall_seconds']:6.1f}s)"
                f"  {st['seconds'] / res['tables'] * 1000:7.2f} ms/table  peak RSS {st['peak_rss_mb']:6.0f} MB{extra}"
            )
    if len(results) > 1:
        small, big = results[0], results[-1]
        print(f"\nper-table cost, {big['tables']:,} vs {small['tables']:,} tables (1.00 = linear):")
        for name in names:
            per = [r["stages"][name]["seconds"] / r["tables"] for r in (small, big)]
            print(f"  {name:<13} {per[1] / per[0]:5.2f}x")
    ok = True
    for res in results:
        first = res["stages"]["first"]["seconds"]
        for name, goal in GOALS.items():
            ratio = res["stages"][name]["seconds"] / first
            met = ratio <= goal
            ok &= met
            print(f"{res['tables']:>7,} tables: {name} re-crawl / first crawl = {ratio:5.1%}   goal ≤ {goal:.0%}   "
                  f"{'OK' if met else 'MISSED'}")  # fmt: skip
    return ok


def main() -> int:
    """Run the estate bench at every size; with --check, exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10x500,20x500", help="departments×tables, comma-separated")
    parser.add_argument("--check", action="store_true", help="exit non-zero when a goal is missed")
    parser.add_argument("--keep", action="store_true", help="keep the bench cluster folders")
    parser.add_argument(
        "--stages", default="crawl,classify,catalog", help="crawl (always) plus classify and/or catalog"
    )
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--run-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage, args.run_id)))
        return 0
    wanted = set(args.stages.split(","))
    results = [bench_size(d, t, args.keep, wanted) for d, t in parse_sizes(args.sizes)]
    ok = report(results)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
