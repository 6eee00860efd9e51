"""Time to check the whole demo warehouse with Great Expectations (check_quality), at scale 1 and 5.

Each scale runs in a child process on a throwaway PostgreSQL cluster of its own (`make run` data is untouched):
build the demo at that scale, crawl, classify and catalogue it (not timed), then check every department as the
DAG's tasks do (`quality.run.check_department`: suites generated, every expectation run in PostgreSQL, results
and feedback workbooks written). Prints the rows checked, the expectations, the seconds and the growth of time
against the growth of rows; goals: under 60 s at scale 5, time growing no faster than the row count.

    .venv/bin/python bench/bench_quality.py --scales 1,5 --check
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

GOAL_SECONDS_AT_5 = 60.0


def prepare(scale: float) -> int:
    """Demo at ``scale`` crawled, classified and catalogued; returns the rows of the catalogued resources."""
    import contextlib
    import io

    from govdata import config, warehouse
    from govdata.classify.column import get_classifier
    from govdata.classify.run import classify_department
    from govdata.cli import main as cli
    from govdata.crawl.run import crawl_department
    from govdata.demo import build_demo

    build_demo(config.server_url(), config.demo_dir(), scale=scale)
    departments = config.load_departments().departments
    for dept in departments:
        crawl_department(dept, run_id=f"bench-quality-{scale}")
    classifier = get_classifier()
    for dept in departments:
        classify_department(dept, classifier=classifier, full_refresh=True)
    with contextlib.redirect_stdout(io.StringIO()):
        if cli(["catalog", "build"]) != 0:
            raise RuntimeError("catalog build failed")
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute("select coalesce(sum(row_count), 0) from catalog.resource where status = '有效'")
        return int(warehouse.scalar(rows))


def child(scale: float) -> dict:
    """One scale on its own cluster: prepare (untimed), then check every department (timed)."""
    from govdata import config
    from govdata.config import default_cluster, default_server

    work = Path(tempfile.mkdtemp(prefix="govdata-bench-quality-"))
    isolated_environment(work, GOVDATA_EXPECTATIONS_DIR=str(work / "expectations"))
    (work / "expectations").mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "expectations" / "great_expectations.yml", work / "expectations")
    cluster, mariadb = default_cluster(), default_server()
    try:
        cluster.start()
        mariadb.start()
        cluster.ensure_database(config.load_platform().warehouse_db)
        started = time.perf_counter()
        rows = prepare(scale)
        prepared = time.perf_counter() - started
        from govdata.quality.run import check_department

        departments = [d.code for d in config.load_departments().departments]
        import great_expectations  # noqa: F401 - GX's import (seconds) is start-up, not checking

        from govdata.quality import expectations  # noqa: F401

        started = time.perf_counter()
        outcomes = [check_department(code, run_id=f"bench-{scale}") for code in departments]
        seconds = time.perf_counter() - started
        return {
            "scale": scale, "rows": rows, "prepare_seconds": prepared, "seconds": seconds,
            "resources": sum(o.resources for o in outcomes), "expectations": sum(o.expectations for o in outcomes),
            "failed": sum(sum(o.failed.values()) for o in outcomes), "errors": sum(len(o.errors) for o in outcomes),
        }  # fmt: skip
    finally:
        mariadb.stop()
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)


def report(results: list[dict], check: bool) -> int:
    """Print each scale and the goals; with ``check``, exit 1 when one is missed."""
    print(f"{'scale':>5} {'rows':>10} {'resources':>9} {'checks':>7} {'failed':>6} {'seconds':>8} {'rows/s':>10}"
          f" {'peak MB':>8}")  # fmt: skip
    for r in results:
        print(f"{r['scale']:>5g} {r['rows']:>10,} {r['resources']:>9} {r['expectations']:>7} {r['failed']:>6}"
              f" {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>10,.0f} {r['peak_rss_mb']:>8.0f}")  # fmt: skip
    ok = all(r["errors"] == 0 for r in results)
    at_5 = next((r for r in results if r["scale"] == 5), None)
    if at_5:
        met = at_5["seconds"] < GOAL_SECONDS_AT_5
        ok &= met
        verdict = "OK" if met else "MISSED"
        print(f"check at scale 5: {at_5['seconds']:.1f}s   goal < {GOAL_SECONDS_AT_5:.0f}s   {verdict}")
    if len(results) >= 2:
        small, large = results[0], results[-1]
        rows_growth, time_growth = large["rows"] / small["rows"], large["seconds"] / small["seconds"]
        met = time_growth <= rows_growth
        ok &= met
        print(f"growth scale {small['scale']:g} → {large['scale']:g}: rows ×{rows_growth:.2f}, time ×{time_growth:.2f}"
              f"   goal: time no faster than rows   {'OK' if met else 'MISSED'}")  # fmt: skip
    return 0 if ok or not check else 1


def main() -> int:
    """Each scale in its own child process; the table and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,5", help="comma-separated demo scales (default 1,5)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(child(float(args.stage))))
        return 0
    results = []
    for scale in (float(s) for s in args.scales.split(",")):
        print(f"scale {scale:g}: building, crawling, classifying, cataloguing, then checking …", flush=True)
        results.append(timed_child(Path(__file__), str(scale)))
        print(f"  prepared in {results[-1]['prepare_seconds']:.0f}s, checked in {results[-1]['seconds']:.1f}s",
              flush=True)  # fmt: skip
    return report(results, args.check)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
