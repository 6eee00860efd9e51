"""A benchmark's own throwaway platform: cluster, folders and ports of its own, whatever the caller set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def isolated_environment(work: Path, **extra: str) -> None:
    """Point every govdata location and port at ``work`` (and free ports), so `make run` data is untouched.

    Variables inherited from the caller (a test session's cluster folder, an external warehouse)
    are replaced or removed: a benchmark never reuses someone else's cluster.
    """
    from govdata.embedded_pg import cluster_root, free_port, server_user

    os.environ.update(
        GOVDATA_LOCAL_DIR=str(work / "local"),
        # the rule `make run` follows: in the (private) work folder, or outside it if postgres cannot reach it
        GOVDATA_PG_DIR=str(cluster_root(work / "pg", work.name, server_user())),
        GOVDATA_DEMO_DIR=str(work / "demo"),
        GOVDATA_PG_PORT=str(free_port()),
        GOVDATA_MARIADB_PORT=str(free_port()),
        **extra,
    )
    for inherited in ("GOVDATA_DATABASE_URL", "GOVDATA_SERVER_URL", "GOVDATA_MARIADB_URL"):
        os.environ.pop(inherited, None)


def timed_child(script: Path, stage: str, *args: str) -> dict:
    """Run ``script --stage STAGE ARGS`` in a subprocess; its JSON result with wall seconds and peak RSS.

    The child prints its result as JSON on its last line. wait4 gives this child's own rusage
    (RUSAGE_CHILDREN would be the maximum over all children), so each stage's peak memory is its own.
    """
    cmd = [sys.executable, str(script), "--stage", stage, *args]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"stage {stage} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "wall_seconds": wall, "peak_rss_mb": usage.ru_maxrss / 1024}
