"""The dbt project's location and its manifest, built ahead so parsing a DAG never shells out to dbt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from govdata import config

#: The profile (profiles.yml) and the target the build_catalog DAG's Cosmos profile is named by.
DBT_PROFILE = "govdata"
DBT_AIRFLOW_TARGET = "airflow"


def dbt_project_dir() -> Path:
    """dbt_project/ in the project root."""
    return config.project_root() / "dbt_project"


def manifest_path() -> Path:
    """target/manifest.json of the dbt project (what Cosmos renders the DAG from)."""
    return dbt_project_dir() / "target" / "manifest.json"


def dbt_executable() -> str:
    """The dbt command of this environment."""
    return str(Path(sys.executable).with_name("dbt"))


def _sources_newer_than(target: Path) -> bool:
    if not target.exists():
        return True
    built = target.stat().st_mtime
    root = dbt_project_dir()
    files = [root / "dbt_project.yml", root / "profiles.yml", *root.glob("models/**/*"), *root.glob("macros/**/*")]
    return any(f.is_file() and f.stat().st_mtime > built for f in files)


def ensure_manifest(force: bool = False) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the models; returns its path.

    Parsed for the profile and target the build_catalog DAG runs dbt with (profiles.yml's `airflow`
    target mirrors Cosmos' profile), so the partial-parse state left beside the manifest matches
    and the DAG's `dbt build` does not parse the whole project again (~5 s).
    """
    target = manifest_path()
    if force or _sources_newer_than(target):
        proc = subprocess.run(
            [dbt_executable(), "parse", "--profiles-dir", ".", "--profile", DBT_PROFILE, "--target", DBT_AIRFLOW_TARGET,
             "--no-partial-parse", "--quiet"],
            cwd=dbt_project_dir(), capture_output=True, text=True, env=dbt_environment(),
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return target


def dbt_environment() -> dict[str, str]:
    """Environment for the dbt CLI: profiles.yml reads the warehouse from these variables."""
    from sqlalchemy.engine import make_url

    url = make_url(config.warehouse_url())
    return {
        **os.environ,
        "GOVDATA_DBT_HOST": url.host or "127.0.0.1",
        "GOVDATA_DBT_PORT": str(url.port or 5432),
        "GOVDATA_DBT_USER": url.username or "",
        "GOVDATA_DBT_PASSWORD": url.password or "",
        "GOVDATA_DBT_DBNAME": url.database or "",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


#: The maturity models (tag maturity, marts/maturity): the score_maturity DAG builds them for a period; the
#: catalog's build leaves them out.
MATURITY_SELECTOR = "tag:maturity"
#: What scoring builds: the maturity models, and the one catalog_config view they read, which a new version of
#: catalog_config's DDL drops with its tables (the catalog's own build re-creates the others).
MATURITY_BUILD = f"{MATURITY_SELECTOR} stg_catalog_config__departments"


def dbt_build(select: str | None = None, variables: dict[str, str] | None = None) -> str:
    """`dbt build` outside Airflow (models and data tests); returns dbt's output.

    ``select`` None builds the catalog (everything but the maturity models). Without the dbt unit tests, as dbt
    advises for production builds: a unit test of an incremental model reads the built model (``this``), which
    a first build has not made yet. The test suite runs them (tests/integration/test_catalog.py,
    test_maturity.py), and the catalog DAG runs them after its build.
    """
    import json

    # a selection's tests only when all they read is selected (a relationships test to a catalog view is not ours)
    selection = ["--select", select, "--indirect-selection", "cautious"] if select else ["--exclude", MATURITY_SELECTOR]
    if variables:
        selection += ["--vars", json.dumps(variables)]
    # its own target path: the project's target/ holds the manifest the DAG is rendered from and the partial-parse
    # state of the DAG's profile; a build here (another target, --vars) would make the DAG's build parse it all again
    target_path = config.local_dir() / "dbt" / "target"
    proc = subprocess.run(
        [dbt_executable(), "build", "--profiles-dir", ".", "--target-path", str(target_path),
         "--exclude-resource-type", "unit_test", *selection],
        cwd=dbt_project_dir(), capture_output=True, text=True, env=dbt_environment(),
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout
