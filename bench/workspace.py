"""A benchmark's own throwaway platform: cluster, folders and ports of its own, whatever the caller set."""

from __future__ import annotations

import os
from pathlib import Path


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
