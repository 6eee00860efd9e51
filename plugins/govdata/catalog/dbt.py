"""The dbt project's location and its manifest, built ahead so parsing a DAG never shells out to dbt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from govdata import config


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
    files = [root / "dbt_project.yml", *root.glob("models/**/*"), *root.glob("macros/**/*")]
    return any(f.is_file() and f.stat().st_mtime > built for f in files)


def ensure_manifest(force: bool = False) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the models; returns its path."""
    target = manifest_path()
    if force or _sources_newer_than(target):
        proc = subprocess.run(
            [dbt_executable(), "parse", "--profiles-dir", ".", "--no-partial-parse", "--quiet"],
            cwd=dbt_project_dir(), capture_output=True, text=True,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return target
