"""Build the demo departmental systems: generate each department, load its database, write its files."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from govdata.demo.context import Context
from govdata.demo.departments import BUILDERS
from govdata.demo.dropfiles import write_drop_folder
from govdata.demo.manifest import ManifestBuilder
from govdata.demo.model import DepartmentData
from govdata.demo.pools import build_companies, build_people

log = logging.getLogger(__name__)

DEFAULT_SEED = 20261122


def database_name(code: str) -> str:
    """Name of a demo department's database."""
    return f"govdata_dept_{code}"


def database_ref(data: DepartmentData) -> str | None:
    """How the manifest names a department's database: its name, or a SQLite file under the demo folder."""
    if not data.tables:
        return None
    return f"db/{data.code}.sqlite" if data.engine == "sqlite" else database_name(data.code)


def _loader(data: DepartmentData, server_url: str, demo_dir: Path, mariadb_url: str | None) -> tuple:
    """The load call for a department's database, by engine."""
    from govdata.demo import loader

    ref = database_ref(data)
    if data.engine == "mariadb":
        return loader.load_mysql_database, mariadb_url or _embedded_mariadb_admin_url(), ref, data.tables
    if data.engine == "sqlite":
        return loader.load_sqlite_database, demo_dir / str(ref), data.tables
    return loader.load_database, server_url, ref, data.tables


def _embedded_mariadb_admin_url() -> str:
    from govdata.config import default_server

    return default_server().server_url(user="govdata")


def generate(seed: int = DEFAULT_SEED, scale: float = 1.0, as_of: dt.date | None = None) -> Iterator[DepartmentData]:
    """Every department's tables and files in memory, one department at a time (no I/O)."""
    as_of = as_of or dt.date.today()
    people = build_people(seed, n_local=max(300, round(30000 * scale)), n_migrant=max(200, round(20000 * scale)))
    companies = build_companies(seed, max(100, round(10000 * scale)), people)
    for code, build in BUILDERS.items():
        yield build(Context(code, seed, scale, as_of, people, companies))


def build_demo(
    server_url: str,
    demo_dir: Path,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    mariadb_url: str | None = None,
) -> dict[str, Any]:
    """Rebuild the demo departments' databases on ``server_url`` and their drop folders under ``demo_dir``.

    Departments on MariaDB load into ``mariadb_url`` (a server URL of a user that may create
    databases; default the embedded server), departments on SQLite into ``demo_dir/db/<code>.sqlite``.

    Re-running with the same seed and scale gives the same content; only timestamps follow ``as_of``
    (default today). Writes ``demo_dir/manifest.json`` and returns the same manifest.
    """
    as_of = as_of or dt.date.today()
    demo_dir = Path(demo_dir)
    demo_dir.mkdir(parents=True, exist_ok=True)
    manifest = ManifestBuilder(seed, scale, as_of)
    stamp = dt.datetime.combine(as_of, dt.time())
    started = time.perf_counter()
    # one department loads in a worker thread while the next is generated: the load mostly waits on
    # PostgreSQL (COPY, index builds, ANALYZE), generation is pure Python; at most two departments in memory
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-load") as worker:
        loading: Future | None = None
        for data in generate(seed, scale, as_of):
            database = database_ref(data)
            drop_folder = f"drop/{data.code}" if data.files else None
            if loading is not None:
                loading.result()
                loading = None
            if database:
                loading = worker.submit(*_loader(data, server_url, demo_dir, mariadb_url))
            folder = demo_dir / "drop" / data.code
            if drop_folder:
                write_drop_folder(folder, data.files, stamp)
            else:
                shutil.rmtree(folder, ignore_errors=True)
            manifest.add(data, database, drop_folder)
            log.info(
                "demo %s: %d tables, %d rows",
                data.code,
                len(data.all_tables()),
                sum(len(t.rows) for t in data.all_tables()),
            )
        if loading is not None:
            loading.result()
    result = manifest.result()
    (demo_dir / "manifest.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("demo built at scale %s in %.1fs", scale, time.perf_counter() - started)
    return result
