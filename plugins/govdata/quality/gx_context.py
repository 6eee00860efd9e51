"""The Great Expectations File Data Context in expectations/: suites written (merged), data source, checkpoints.

One suite, table asset and validation definition per catalogued resource, named ``<department>.<resource>``;
one checkpoint per department, ``quality_<department>``, with no actions: its validation definitions are run one
by one (a table GX cannot read fails alone), results go to governance.quality_result masked, and Data Docs are
built from masked copies of the results (docs.py), never by UpdateDataDocsAction from the raw ones.
The PostgreSQL data source reads the warehouse URL from ``${GOVDATA_GX_WAREHOUSE_URL}``, set here from
govdata.config, so no password is written to git.
GX is imported inside the functions: it takes seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govdata import config
from govdata.errors import GovdataError
from govdata.quality import suites

if TYPE_CHECKING:
    from great_expectations.checkpoint import Checkpoint
    from great_expectations.data_context import FileDataContext

DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole_table"
URL_VARIABLE = "GOVDATA_GX_WAREHOUSE_URL"
_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def expectations_dir() -> Path:
    """The GX context folder (config.expectations_dir: the checkout's expectations/, or .local's for the demo)."""
    return config.expectations_dir()


def template_dir() -> Path:
    """expectations/ in the checkout: the context in git, whose great_expectations.yml seeds any other."""
    return config.project_root() / "expectations"


def open_context(root: Path | None = None) -> FileDataContext:
    """The File Data Context at ``root`` (its great_expectations.yml must exist), usage statistics off."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault(URL_VARIABLE, config.warehouse_url())
    import great_expectations as gx

    import govdata.quality.expectations  # noqa: F401 - registers the custom expectations before any suite loads

    folder = root or expectations_dir()
    if not (folder / "great_expectations.yml").exists():
        if folder.resolve() == template_dir().resolve():
            raise FileNotFoundError(f"{folder}/great_expectations.yml is missing: not a GX context (see expectations/)")
        folder.mkdir(parents=True, exist_ok=True)  # a new context starts from the checkout's configuration
        shutil.copy(template_dir() / "great_expectations.yml", folder / "great_expectations.yml")
    context = gx.get_context(mode="file", context_root_dir=str(folder))
    return context  # type: ignore[return-value]


@contextlib.contextmanager
def context_lock(root: Path) -> Iterator[None]:
    """Hold the GX context for writing: one department at a time, across processes.

    GX rewrites great_expectations.yml whole from the config it loaded: two departments' mapped tasks
    adding their table assets at once would each drop the other's. Open the context inside this lock,
    and write suites, assets, definitions and the checkpoint before leaving it; validating needs no lock.
    """
    import fcntl

    path = root / "uncommitted" / "govdata.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def suite_path(root: Path, name: str) -> Path:
    """Where GX's expectations store keeps a suite (a dot in the name is a folder)."""
    return root / "expectations" / (name.replace(".", "/") + ".json")


def read_stored_suite(root: Path, name: str) -> dict[str, Any] | None:
    """The suite as stored (raw JSON, before GX drops what it does not know), or None."""
    path = suite_path(root, name)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class WrittenSuite:
    """What writing one resource's suite did."""

    name: str
    resource: suites.ResourceState
    expectations: int
    kept: int  # staff-added or edited expectations carried over
    stored: dict[str, Any]  # the suite as GX stored it (expectations with their ids)


def write_suite(context: FileDataContext, root: Path, suite: dict[str, Any]) -> dict[str, Any]:
    """Store a suite dict through GX after checking every type it names is registered; returns it as stored."""
    import great_expectations as gx

    from govdata.quality.expectations import require_registered

    require_registered(suites.expectation_types(suite), f"suite {suite['name']}")
    body = {k: suite[k] for k in ("name", "expectations", "meta", "notes", "id", "suite_parameters") if k in suite}
    # GX raises for some expectations it cannot build (bad kwargs, e.g. mostly: 2) and, for others, logs and
    # leaves them out of the suite: either way the suite is refused, naming what is wrong
    try:
        loaded = gx.ExpectationSuite(**body)
    except Exception:  # noqa: BLE001 - pydantic or GX errors; _unbuildable names the expectation and the reason
        loaded = None
    if loaded is None or len(loaded.expectations) != len(body["expectations"]):
        raise InvalidExpectationError(f"suite {suite['name']}: " + "; ".join(_unbuildable(body["expectations"])))
    context.suites.add_or_update(loaded)
    stored = read_stored_suite(root, suite["name"])
    if stored is None:
        raise RuntimeError(f"GX did not write suite {suite['name']} to {suite_path(root, suite['name'])}")
    return stored


class InvalidExpectationError(GovdataError):
    """A suite holds an expectation GX cannot build: GX would drop it from the suite and never run it."""


def _unbuildable(expectations: list[dict[str, Any]]) -> list[str]:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    problems = []
    for e in expectations:
        try:
            ExpectationConfiguration(**{k: v for k, v in e.items() if k != "rendered_content"}).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - GX raises several kinds; each one is reported by name
            problems.append(f"{e.get('type')} {e.get('kwargs')}: {exc}"[:300])
    return problems or ["GX left out an expectation it could not build"]


def write_suites(
    context: FileDataContext, root: Path, resources: Iterable[suites.ResourceState], quality: config.QualityConfig
) -> list[WrittenSuite]:
    """Generate each resource's suite, merge it with the stored one (staff edits kept) and store it."""
    written = []
    for resource in resources:
        generated = suites.generate_suite(resource, quality)
        stored = read_stored_suite(root, generated["name"])
        if stored is not None:
            # a stored suite naming an unknown type is an error even when the merge would drop that expectation
            from govdata.quality.expectations import require_registered

            require_registered(
                suites.expectation_types(stored), f"suite {generated['name']} ({suite_path(root, generated['name'])})"
            )
        merged = suites.merge_suite(stored, generated)
        result = write_suite(context, root, merged)
        kept = sum(1 for e in result["expectations"] if not suites.is_generated_unchanged(e))
        written.append(WrittenSuite(generated["name"], resource, len(result["expectations"]), kept, result))
    return written


def gx_table_name(name: str) -> str:
    """A table name as GX's TableAsset must be given it: in double quotes unless a plain lower-case identifier.

    GX renders an unquoted name with quoting switched off (``quoted_name(name, quote=False)``), so
    ``学生资助名单`` only works by luck and ``a"; drop table x; --`` becomes broken SQL; a name in double
    quotes is unwrapped and rendered quoted, inner quotes escaped by SQLAlchemy.
    """
    return name if _PLAIN_IDENTIFIER.fullmatch(name) else f'"{name}"'


def ensure_checkpoint(context: FileDataContext, department: str, written: list[WrittenSuite]) -> Checkpoint:
    """The department's checkpoint over one validation definition per resource (assets made as needed)."""
    import great_expectations as gx

    datasource = context.data_sources.add_or_update_postgres(
        name=DATASOURCE, connection_string="${" + URL_VARIABLE + "}"
    )
    definitions = []
    for item in written:
        resource = item.resource
        try:
            asset = datasource.get_asset(item.name)
            if (asset.schema_name, asset.table_name) != (resource.raw_schema, resource.raw_table):  # type: ignore[attr-defined]
                datasource.delete_asset(item.name)
                raise LookupError(item.name)
        except LookupError:
            asset = datasource.add_table_asset(
                name=item.name, table_name=gx_table_name(resource.raw_table), schema_name=resource.raw_schema
            )
        try:
            batch = asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            batch = asset.add_batch_definition_whole_table(BATCH_DEFINITION)  # type: ignore[attr-defined]
        suite = context.suites.get(item.name)
        definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=item.name, data=batch, suite=suite)
            )
        )
    return context.checkpoints.add_or_update(
        gx.Checkpoint(name=f"quality_{department}", validation_definitions=definitions, actions=[])
    )
