"""DAG integrity: every DAG parses fast, imports nothing heavy, and carries owner, tags, docs and retries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govdata.dag_support import Tag, alert_on_failure

#: build_catalog is rendered from the dbt manifest: parsing dags/ needs it.
pytestmark = pytest.mark.usefixtures("dbt_manifest")

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = sorted(p for p in (ROOT / "dags").glob("*.py") if not p.name.startswith("_"))

#: Libraries that must only be imported inside tasks, never when a DAG file is parsed.
HEAVY_MODULES = (
    "pandas", "great_expectations", "presidio_analyzer", "presidio_anonymizer", "spacy", "dbt",
    "metadata", "jieba", "openpyxl", "psycopg", "faker", "numpy", "aiosmtpd", "aiosmtplib",
)  # fmt: skip


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dag_files_exist():
    assert DAG_FILES, "dags/ holds no DAG files"


def test_every_dag_imports_without_error(dagbag):
    assert dagbag.import_errors == {}
    assert len(dagbag.dag_ids) >= len(DAG_FILES)


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_no_heavy_library(dag_file):
    # a fresh interpreter: what the DAG file adds on top of Airflow's own SDK imports
    probe = f"""
import importlib.util, json, sys
import airflow.sdk
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("dag_under_test", {str(dag_file)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
added = sorted({{m.split('.')[0] for m in set(sys.modules) - before}})
print(json.dumps(added))
"""
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    added = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    heavy = sorted(added & set(HEAVY_MODULES))
    assert not heavy, f"{dag_file.name} imports {heavy} at parse time; import them inside tasks"


def _cosmos_watcher_task(task) -> bool:
    """The producer of a Cosmos watcher task group, or one of its model sensors."""
    from cosmos.operators.watcher import DbtProducerWatcherOperator

    return isinstance(task, DbtProducerWatcherOperator) or hasattr(task, "producer_task_id")


def test_dags_have_owner_tags_docs_and_retries(dagbag):
    allowed = {t.value for t in Tag}
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id}: doc_md with triage notes is required"
        assert set(dag.tags) <= allowed, f"{dag_id}: tags {set(dag.tags) - allowed} not in the allow-list"
        assert Tag.GOVDATA.value in dag.tags
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id}: owner missing"
            if _cosmos_watcher_task(task):
                # Cosmos skips a retried watcher producer, and a skipped build would end the run green
                # (build_catalog._models_after_the_build): these fail once, for good
                assert task.retries == 0, f"{dag_id}.{task.task_id}: a watcher task must not be retried"
            else:
                assert task.retries >= 1, f"{dag_id}.{task.task_id}: retries missing"
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert alert_on_failure in callbacks, f"{dag_id}.{task.task_id}: no failure alert mail to the operators"


def test_dags_never_import_each_other():
    for path in DAG_FILES:
        text = path.read_text(encoding="utf-8")
        for other in DAG_FILES:
            assert f"import {other.stem}" not in text and f"from {other.stem}" not in text, (path.name, other.stem)
