"""Masking + publication bench: one wide table with personal data, published as the DAG does, vs a plain copy.

A department ``bm`` (基准测试局) with one table ``ywbl`` (业务办理) of 12 columns — 5 personal (姓名, 身份证号,
手机号, 家庭住址, 银行卡号), one free-text 备注 where 2 % of cells hold a phone number, an ID number or a
name, 6 others — is built in its own database on a throwaway cluster, crawled, classified and catalogued
(untimed set-up), then timed, each in a subprocess of its own (seconds and peak RSS are its own):

- ``floor``: ``CREATE TABLE AS SELECT *`` of the raw snapshot — the least any copy costs;
- ``mask``: the candidate alone (govdata.publish.build.build_candidate: whole-column SQL masks, the full
  scan of every text cell, k-anonymity);
- ``publish``: the publish_open_data task for the dataset (publish_one: candidate, re-classification, leak
  guard, checksum, version table, CSV/Parquet/JSON exports, atomic swap);
- ``percell``: per-cell Presidio (our recognizers in Presidio's AnalyzerEngine + AnonymizerEngine on every
  text cell) on a slice of the table, extrapolated to the whole table.

Two sizes (``--rows`` and a quarter of it) show whether time and memory grow with the rows:

    .venv/bin/python bench/bench_mask.py --rows 1000000 --check
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from workspace import ROOT, isolated_environment, timed_child

#: Goals of issue 10: publication within 3× of the plain copy, ≥ 100× faster than per-cell Presidio,
#: peak memory under 2 GiB at every size.
GOALS = {"vs_floor": 3.0, "vs_percell": 100.0, "peak_rss_mb": 2048.0}

DEPARTMENT = "bm"
DATABASE = "govdata_bench_mask"
TABLE = "ywbl"
COLUMNS = (
    ("slbh", "text", "受理编号"),
    ("xm", "text", "申请人姓名"),
    ("sfzh", "varchar(18)", "公民身份号码"),
    ("sjhm", "varchar(11)", "手机号码"),
    ("jtzz", "text", "家庭住址"),
    ("yhkh", "varchar(19)", "银行卡号"),
    ("sxmc", "text", "事项名称"),
    ("blzt", "smallint", "办理状态"),
    ("slrq", "date", "受理日期"),
    ("je", "numeric(12,2)", "补贴金额"),
    ("qxdm", "char(6)", "区县代码"),
    ("bz", "text", "备注"),
)
_ITEMS = ("城乡居民养老保险参保登记", "失业保险金申领", "高龄津贴申请", "临时救助申请", "就业困难人员认定",
          "社会保障卡申领", "灵活就业人员参保登记", "职业技能提升补贴申领")  # fmt: skip
_REMARKS = ("已办结", "材料齐全，已受理", "待补正材料", "", "窗口办理", "网上办理", "已电话告知办理结果")
_DISTRICTS = ("440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311")


def department_entry() -> dict:
    """The bench department for departments.yaml, reading its own database on the bench cluster."""
    return {
        "code": DEPARTMENT,
        "name": "基准测试局",
        "short_name": "基准局",
        "org_code": "11440300MB2E00001X",
        "contact": {"name": "值班员", "email": "bm@example.gov.cn"},
        "database": {"url": f"${{GOVDATA_SERVER_URL}}/{DATABASE}"},
    }


def write_config(target: Path) -> Path:
    """A copy of config/ whose departments.yaml lists only the bench department."""
    shutil.copytree(ROOT / "config", target)
    text = yaml.safe_dump({"departments": [department_entry()]}, allow_unicode=True, sort_keys=False)
    (target / "departments.yaml").write_text(text, encoding="utf-8")
    return target


def remark(rng: random.Random, row: int, name: str, phone: str, rid: str) -> str:
    """备注: mostly stock phrases, a quarter unique (a case number), 2 % with a phone, an ID or a name."""
    draw = rng.random()
    if draw < 0.02:
        return rng.choice((f"申请人联系电话{phone}，请回访", f"代办人身份证号{rid}", f"代办人{name}，已核验"))
    if draw < 0.27:
        return f"第{row % 97 + 1}批次，案卷号AJ{row:08d}"
    return rng.choice(_REMARKS)


def generate_rows(rows: int, seed: int = 20261207):
    """The table's rows as tuples, generated on the fly (valid ID checksums and Luhn digits)."""
    import datetime as dt

    from govdata.demo import identifiers, pools

    rng = random.Random(seed)
    for i in range(rows):
        female = rng.random() < 0.5
        name = pools.person_name(rng, female)
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65))
        rid = identifiers.resident_id(rng, rng.choice(_DISTRICTS), birth, female)
        phone = identifiers.mobile(rng)
        yield (
            f"SL{2026_000_000 + i}", name, rid, phone, pools.home_address(rng), identifiers.bank_card(rng),
            rng.choice(_ITEMS), rng.randrange(4), dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(330)),
            round(rng.random() * 5000, 2), rng.choice(_DISTRICTS), remark(rng, i, name, phone, rid),
        )  # fmt: skip


def build_source(rows: int) -> float:
    """(Re)create the source table with ``rows`` rows through COPY; returns seconds."""
    from psycopg import sql
    from sqlalchemy.engine import make_url

    from govdata import config, warehouse
    from govdata.config import default_cluster

    started = time.perf_counter()
    dept = config.load_departments().departments[0]
    assert dept.database is not None
    url = dept.database.expanded_url()
    default_cluster().ensure_database(make_url(url).database)
    with warehouse.connect(url, autocommit=True) as src:
        src.execute(f"drop table if exists {TABLE}")
        ddl = ", ".join(f"{name} {kind}" for name, kind, _ in COLUMNS)
        src.execute(f"create table {TABLE} ({ddl}, primary key (slbh))")
        src.execute(f"comment on table {TABLE} is '业务办理记录'")
        for name, _, comment in COLUMNS:
            src.execute(sql.SQL("comment on column {} is {}").format(sql.Identifier(TABLE, name), comment))
        with src.cursor().copy(f"copy {TABLE} from stdin") as copy:
            for row in generate_rows(rows):
                copy.write_row(row)
        src.execute(f"analyze {TABLE}")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------------ stages
def _dataset_id() -> str:
    from govdata.publish.run import prepare

    ids = [d for d in prepare() if d.startswith(f"{DEPARTMENT}_")]
    if len(ids) != 1:
        raise RuntimeError(f"expected one derived dataset of {DEPARTMENT}, found {ids}")
    return ids[0]


def stage_floor() -> dict:
    """A plain CREATE TABLE AS SELECT copy of the raw snapshot."""
    from govdata import warehouse

    with warehouse.connect(autocommit=True) as conn:
        conn.execute("create schema if not exists bench_floor")
        conn.execute("drop table if exists bench_floor.copy")
        started = time.perf_counter()
        conn.execute(f"create table bench_floor.copy as select * from raw_{DEPARTMENT}.{TABLE}")
        seconds = time.perf_counter() - started
        conn.execute("drop table bench_floor.copy")
    return {"seconds": seconds}


def stage_mask() -> dict:
    """The candidate only: masked columns, the full text scan and k-anonymity (what build_candidate does)."""
    from govdata import config, warehouse
    from govdata.classify.column import get_classifier
    from govdata.mask.pseudonyms import pseudonym_key
    from govdata.publish.build import build_candidate
    from govdata.publish.datasets import load_specs

    dataset_id = _dataset_id()
    get_classifier()  # built before the clock, as in the DAG's warm worker
    cfg = config.load_open_data_config()
    policy = config.load_masking_config().policy(cfg.policy)
    with warehouse.connect(autocommit=True) as conn:
        spec = next(s for s in load_specs(conn, cfg) if s.dataset_id == dataset_id)
        started = time.perf_counter()
        candidate = build_candidate(conn, spec, policy, cfg.k_anonymity, pseudonym_key())
        seconds = time.perf_counter() - started
        conn.execute(f"drop table {warehouse.qualified(*candidate.relation).as_string(conn)}")
    return {
        "seconds": seconds,
        "rows": candidate.row_count,
        "treatments": {t.column.name: t.describe() for t in candidate.treatments},
        "spans_masked": candidate.spans_masked,
        "suppressed_rows": candidate.suppressed_rows,
    }


def stage_publish(run_id: str) -> dict:
    """The publish_open_data task of the dataset: publish_one, as the DAG's mapped task runs it."""
    from govdata.classify.column import get_classifier
    from govdata.publish.run import publish_one

    dataset_id = _dataset_id()
    get_classifier()
    started = time.perf_counter()
    outcome = publish_one(dataset_id, run_id)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "outcome": outcome["outcome"], "rows": outcome["rows"],
            "attribute": outcome["open_attribute"], "leak_guard": outcome["leak_guard"],
            "version": outcome["version"], "grade": outcome["grade"], "message": outcome["message"]}  # fmt: skip


def stage_percell(rows: int) -> dict:
    """Per-cell Presidio on the first ``rows`` rows: analyze + anonymize every text cell."""
    from presidio_anonymizer import AnonymizerEngine

    from govdata import warehouse
    from govdata.classify.presidio_engine import LANGUAGE, get_analyzer

    analyzer, anonymizer = get_analyzer(), AnonymizerEngine()
    text_columns = [name for name, kind, _ in COLUMNS if kind in ("text",) or kind.startswith(("varchar", "char"))]
    with warehouse.connect(autocommit=True) as conn:
        cells = conn.execute(
            f"select {', '.join(text_columns)} from raw_{DEPARTMENT}.{TABLE} order by slbh limit %s", (rows,)
        ).fetchall()
    started = time.perf_counter()
    found = 0
    for row in cells:
        for text in row:
            if text:
                results = analyzer.analyze(text, language=LANGUAGE)
                found += bool(results)
                anonymizer.anonymize(text=text, analyzer_results=results)
    return {"seconds": time.perf_counter() - started, "rows": len(cells), "cells_with_findings": found}


def run_stage(stage: str, args: argparse.Namespace) -> dict:
    """One stage in this process (the child side of timed_child)."""
    from bench_estate import stage_catalog, stage_classify, stage_crawl

    if stage == "setup":
        started = time.perf_counter()
        crawl = stage_crawl(args.run_id)
        classify = stage_classify()
        catalog = stage_catalog()
        return {"seconds": time.perf_counter() - started, "crawl": crawl, "classify": classify, "catalog": catalog}
    if stage == "floor":
        return stage_floor()
    if stage == "mask":
        return stage_mask()
    if stage == "publish":
        return stage_publish(args.run_id)
    if stage == "percell":
        return stage_percell(args.slice)
    raise ValueError(f"unknown stage {stage!r}")


# ------------------------------------------------------------------------------------------------ sizes
def bench_size(rows: int, slice_rows: int, n: int) -> dict:
    """Build the table at ``rows``, set up the catalog (untimed), then time every stage on it."""
    print(f"\n{rows:,} rows × {len(COLUMNS)} columns", flush=True)
    print(f"  source table built in {build_source(rows):.1f}s", flush=True)
    setup = timed_child(Path(__file__), "setup", "--run-id", f"bench-mask-{n}")
    if setup["catalog"]["exit_code"] != 0:
        raise RuntimeError("catalog build failed in the set-up")
    print(f"  crawl + classify + catalog (set-up, untimed): {setup['seconds']:.1f}s", flush=True)
    stages = {}
    for stage, extra in (("floor", ()), ("mask", ()), ("publish", ("--run-id", f"bench-mask-{n}")),
                         ("percell", ("--slice", str(slice_rows)))):  # fmt: skip
        stages[stage] = timed_child(Path(__file__), stage, *extra)
        print(f"  {stage:<8} {stages[stage]['seconds']:7.1f}s  (peak RSS {stages[stage]['peak_rss_mb']:.0f} MB)",
              flush=True)  # fmt: skip
    return {"rows": rows, "stages": stages}


def report(results: list[dict]) -> bool:
    """Print rows/s of every stage at every size, the ratios and the goals; returns whether all are met."""
    ok = True
    for res in results:
        rows, st = res["rows"], res["stages"]
        percell = st["percell"]["seconds"] / st["percell"]["rows"] * rows  # extrapolated to the whole table
        mask, publish = st["mask"], st["publish"]
        print(f"\n{rows:,} rows:")
        print(f"  treatments: {', '.join(f'{c} {t}' for c, t in mask['treatments'].items())}")
        print(f"  full scan: cells masked per column {mask['spans_masked']}; {mask['suppressed_rows']} rows "
              f"suppressed for k-anonymity")  # fmt: skip
        print(f"  published: {publish['outcome']} v{publish['version']} ({publish['attribute']}, grade "
              f"{publish['grade']}), {publish['rows'] or 0:,} rows, leak guard {publish['leak_guard']}")  # fmt: skip
        lines = (
            ("plain CTAS copy (floor)", st["floor"]["seconds"], st["floor"]["peak_rss_mb"]),
            ("masking (candidate)", mask["seconds"], mask["peak_rss_mb"]),
            ("masking + publication", publish["seconds"], publish["peak_rss_mb"]),
            (f"per-cell Presidio (from {st['percell']['rows']:,} rows)", percell, st["percell"]["peak_rss_mb"]),
        )
        for label, seconds, rss in lines:
            print(f"  {label:<40} {seconds:8.1f}s  {rows / seconds:>12,.0f} rows/s  peak RSS {rss:6.0f} MB")
        checks = (
            ("publication / plain copy", publish["seconds"] / st["floor"]["seconds"], "≤", GOALS["vs_floor"], "x"),
            ("per-cell / publication", percell / publish["seconds"], "≥", GOALS["vs_percell"], "x"),
            ("peak RSS of publication", publish["peak_rss_mb"], "≤", GOALS["peak_rss_mb"], " MB"),
        )
        for label, value, op, goal, unit in checks:
            met = value <= goal if op == "≤" else value >= goal
            ok &= met
            print(f"  {label:<40} {value:8.1f}{unit}   goal {op} {goal:g}{unit}   {'OK' if met else 'MISSED'}")
    if len(results) > 1:
        small, big = results[0], results[-1]
        grow = big["rows"] / small["rows"]
        print(f"\ngrowth {small['rows']:,} → {big['rows']:,} rows ({grow:.0f}× the rows):")
        for name in ("floor", "mask", "publish"):
            a, b = small["stages"][name], big["stages"][name]
            print(f"  {name:<8} time {b['seconds'] / a['seconds']:5.2f}×   peak RSS "
                  f"{a['peak_rss_mb']:.0f} → {b['peak_rss_mb']:.0f} MB")  # fmt: skip
    return ok


def main() -> int:
    """Run the bench at a quarter of ``--rows`` and at ``--rows``; with --check, exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big size (the small is 1/4)")
    parser.add_argument("--slice", type=int, default=10_000, help="rows given to per-cell Presidio")
    parser.add_argument("--check", action="store_true", help="exit non-zero when a goal is missed")
    parser.add_argument("--keep", action="store_true", help="keep the bench cluster and its folder")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--run-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage, args), ensure_ascii=False))
        return 0

    work = Path(tempfile.mkdtemp(prefix="govdata-bench-mask-"))
    isolated_environment(work, GOVDATA_CONFIG_DIR=str(write_config(work / "config")))
    from govdata import config
    from govdata.config import default_cluster

    config.load_platform.cache_clear()
    cluster = default_cluster()
    try:
        cluster.start()
        cluster.ensure_database(config.load_platform().warehouse_db)
        sizes = sorted({max(1, args.rows // 4), args.rows})
        results = [bench_size(rows, min(args.slice, rows), n) for n, rows in enumerate(sizes, 1)]
    finally:
        if args.keep:
            cluster.stop()
            print(f"kept: {work}")
        else:
            cluster.destroy()
            shutil.rmtree(work, ignore_errors=True)
    ok = report(results)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
