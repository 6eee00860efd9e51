"""Diff the planned entities against the server and send only what differs, through the SDK client.

Order: teams → classifications and tags → glossary and terms → custom properties of tables → service, database,
schemas, tables → soft-delete of tables the catalog no longer has → quality: our test definitions, each checked
table's basic test suite, test cases, the latest check's results → lineage. Every mutating request is recorded
(method, path, body as the SDK serialises it); a dry run records them without sending.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from govdata.catalog_sync import compare, plan
from govdata.catalog_sync.state import WarehouseState

if TYPE_CHECKING:
    from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
    from metadata.generated.schema.tests.basic import TestCaseResult
    from metadata.ingestion.models.custom_properties import OMetaCustomProperties
    from metadata.ingestion.ometa.ometa_api import OpenMetadata
    from pydantic import BaseModel

log = logging.getLogger(__name__)

API = "/api/v1"
#: ``ensure`` without a current entity given: fetch it
_FETCH = object()


class Server(Protocol):
    """What the sync reads from and sends to OpenMetadata."""

    def fetch(self, desired: plan.Desired) -> dict[str, Any] | None:
        """The entity with the desired FQN (with the fields compared), or None."""

    def put(self, desired: plan.Desired) -> dict[str, Any]:
        """Create or update (PUT on the collection); returns the entity."""

    def string_type_id(self) -> str:
        """Id of the ``string`` property type."""

    def table_type(self) -> tuple[str, list[dict[str, Any]]]:
        """Id of the ``table`` entity type and its custom properties."""

    def put_custom_property(self, prop: OMetaCustomProperties) -> None:
        """Add or update a custom property of the table type."""

    def schemas_in(self, database_fqn: str) -> list[dict[str, Any]]:
        """The schemas (not deleted) of a database on the server."""

    def tables_in(self, schema_fqn: str) -> list[dict[str, Any]]:
        """The tables (not deleted) of a schema on the server."""

    def soft_delete(self, collection: str, entity_id: str, recursive: bool) -> None:
        """DELETE a table (``tables``) or schema (``databaseSchemas``) with hardDelete=false (restorable)."""

    def lineage_of(self, table_fqn: str) -> dict[str, Any] | None:
        """The table's upstream lineage (EntityLineage JSON), or None."""

    def add_lineage(self, request: AddLineageRequest) -> None:
        """PUT the lineage edge."""

    def put_test_suite(self, desired: plan.Desired) -> dict[str, Any]:
        """Create or update a table's basic (executable) test suite; returns it."""

    def add_test_case_result(self, test_case_fqn: str, result: TestCaseResult) -> None:
        """POST a result to the test case."""


def _json(model: BaseModel) -> dict[str, Any]:
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


class SdkServer:
    """The server through the SDK's OpenMetadata client (each call as the SDK makes it)."""

    def __init__(self, metadata: OpenMetadata) -> None:
        self.metadata = metadata

    def fetch(self, desired: plan.Desired) -> dict[str, Any] | None:
        """``get_by_name`` with the compared fields."""
        found = self.metadata.get_by_name(desired.entity, desired.fqn, fields=list(desired.fields) or None)
        return _json(found) if found is not None else None

    def put(self, desired: plan.Desired) -> dict[str, Any]:
        """``create_or_update``."""
        return _json(self.metadata.create_or_update(desired.request))

    def string_type_id(self) -> str:
        """``get_property_type_ref(STRING)``."""
        from metadata.ingestion.models.custom_properties import CustomPropertyDataTypes

        return str(self.metadata.get_property_type_ref(CustomPropertyDataTypes.STRING).root.id.root)

    def table_type(self) -> tuple[str, list[dict[str, Any]]]:
        """The table type's id (as the SDK looks it up before a PUT) and its custom properties."""
        from metadata.generated.schema.entity.data.table import Table

        type_id = self.metadata.client.get("/metadata/types/name/table?category=field")["id"]
        return str(type_id), list(self.metadata.get_entity_custom_properties(Table) or [])

    def put_custom_property(self, prop: OMetaCustomProperties) -> None:
        """``create_or_update_custom_property``."""
        self.metadata.create_or_update_custom_property(prop)

    def schemas_in(self, database_fqn: str) -> list[dict[str, Any]]:
        """``list_all_entities(DatabaseSchema, params={"database": …})``."""
        from metadata.generated.schema.entity.data.databaseSchema import DatabaseSchema

        found = self.metadata.list_all_entities(DatabaseSchema, params={"database": database_fqn})
        return [_json(s) for s in found]

    def tables_in(self, schema_fqn: str) -> list[dict[str, Any]]:
        """``list_all_entities(Table, params={"databaseSchema": …})``."""
        from metadata.generated.schema.entity.data.table import Table

        return [_json(t) for t in self.metadata.list_all_entities(Table, params={"databaseSchema": schema_fqn})]

    def soft_delete(self, collection: str, entity_id: str, recursive: bool) -> None:
        """``delete(…, hard_delete=False)``."""
        from metadata.generated.schema.entity.data.databaseSchema import DatabaseSchema
        from metadata.generated.schema.entity.data.table import Table

        entity = {"tables": Table, "databaseSchemas": DatabaseSchema}[collection]
        self.metadata.delete(entity, entity_id, recursive=recursive, hard_delete=False)

    def lineage_of(self, table_fqn: str) -> dict[str, Any] | None:
        """``get_lineage_by_name`` one level up, none down."""
        from metadata.generated.schema.entity.data.table import Table

        return self.metadata.get_lineage_by_name(Table, table_fqn, up_depth=1, down_depth=0)

    def add_lineage(self, request: AddLineageRequest) -> None:
        """``add_lineage`` without the full-graph GET after it; an error the SDK swallows is raised here."""
        result = self.metadata.add_lineage(request, return_lineage=False)
        if isinstance(result, dict) and result.get("error"):
            raise RuntimeError(result["error"])

    def put_test_suite(self, desired: plan.Desired) -> dict[str, Any]:
        """``create_or_update_executable_test_suite`` (PUT …/testSuites/executable)."""
        from metadata.generated.schema.api.tests.createTestSuite import CreateTestSuiteRequest

        assert isinstance(desired.request, CreateTestSuiteRequest)
        return _json(self.metadata.create_or_update_executable_test_suite(desired.request))

    def add_test_case_result(self, test_case_fqn: str, result: TestCaseResult) -> None:
        """``add_test_case_results``."""
        self.metadata.add_test_case_results(result, test_case_fqn)


class NoServer:
    """An empty server for a dry run without a connection: everything would be created."""

    def fetch(self, desired: plan.Desired) -> dict[str, Any] | None:
        """Nothing exists."""
        return None

    def put(self, desired: plan.Desired) -> dict[str, Any]:  # pragma: no cover - a dry run never sends
        """Never called: a dry run records instead."""
        raise NotImplementedError

    def string_type_id(self) -> str:
        """A placeholder id (the server assigns the real one)."""
        return placeholder_id("type", "string")

    def table_type(self) -> tuple[str, list[dict[str, Any]]]:
        """A placeholder id and no custom properties."""
        return placeholder_id("type", "table"), []

    def put_custom_property(self, prop: OMetaCustomProperties) -> None:  # pragma: no cover
        """Never called: a dry run records instead."""
        raise NotImplementedError

    def schemas_in(self, database_fqn: str) -> list[dict[str, Any]]:
        """No schemas."""
        return []

    def tables_in(self, schema_fqn: str) -> list[dict[str, Any]]:
        """No tables."""
        return []

    def soft_delete(self, collection: str, entity_id: str, recursive: bool) -> None:  # pragma: no cover
        """Never called: a dry run records instead."""
        raise NotImplementedError

    def lineage_of(self, table_fqn: str) -> dict[str, Any] | None:
        """No lineage."""
        return None

    def add_lineage(self, request: AddLineageRequest) -> None:  # pragma: no cover
        """Never called: a dry run records instead."""
        raise NotImplementedError

    def put_test_suite(self, desired: plan.Desired) -> dict[str, Any]:  # pragma: no cover
        """Never called: a dry run records instead."""
        raise NotImplementedError

    def add_test_case_result(self, test_case_fqn: str, result: TestCaseResult) -> None:  # pragma: no cover
        """Never called: a dry run records instead."""
        raise NotImplementedError


def placeholder_id(kind: str, fqn: str) -> str:
    """A stable stand-in for the id the server would assign (dry runs only; named so in the output)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"govdata-dry-run:{kind}:{fqn}"))


@dataclass
class Mutation:
    """One mutating request: what the sync sent (or, in a dry run, would send)."""

    method: str
    path: str
    target: str  # FQN or what the request is about
    body: Any = None
    changed: list[str] = field(default_factory=list)  # fields that differed (empty: created)

    def as_json(self) -> dict[str, Any]:
        """For the dry run's file and the task log."""
        return {"method": self.method, "path": self.path, "target": self.target, "changed": self.changed,
                "body": self.body}  # fmt: skip


@dataclass
class SyncReport:
    """What a sync did: unchanged entities, mutations in order, notes."""

    dry_run: bool
    unchanged: int = 0
    mutations: list[Mutation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, method: str) -> int:
        """Mutations of one HTTP method."""
        return sum(1 for m in self.mutations if m.method == method)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        verb = "would send" if self.dry_run else "sent"
        return (
            f"OpenMetadata sync: {self.unchanged} unchanged, {verb} {self.count('PUT')} PUT,"
            f" {self.count('DELETE')} soft DELETE, {self.count('POST')} test case result(s)"
        )


def _body(model: BaseModel, **kwargs: Any) -> Any:
    return json.loads(model.model_dump_json(**kwargs))


def _suffix(request: BaseModel) -> str:
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

    return OpenMetadata.get_suffix(type(request))  # type: ignore[type-var]  # the SDK's T is bound to its entities


def sync(state: WarehouseState, server: Server, *, dry_run: bool = False) -> SyncReport:
    """Bring the server in line with the warehouse state; send nothing that already matches."""
    state, left_out = plan.representable(state)
    report = SyncReport(dry_run=dry_run, notes=[*state.notes, *left_out])

    def ensure(
        desired: plan.Desired,
        path: str = "",
        put: Callable[[plan.Desired], dict[str, Any]] = server.put,
        current: dict[str, Any] | None | object = _FETCH,
    ) -> str:
        """PUT the desired entity unless the server (``current``, else fetched now) already matches it."""
        if current is _FETCH:
            current = server.fetch(desired)
        assert current is None or isinstance(current, dict)
        changed = compare.differences(desired.request, current)
        if current is not None and not changed:
            report.unchanged += 1
            return str(current["id"])
        body = _body(desired.request, context={"mask_secrets": False}, by_alias=True)
        report.mutations.append(
            Mutation("PUT", path or API + _suffix(desired.request), desired.fqn, body, changed if current else [])
        )
        if dry_run:
            return str(current["id"]) if current else placeholder_id(desired.entity.__name__, desired.fqn)
        return str(put(desired)["id"])

    team_ids = {d.fqn: ensure(d) for d in plan.plan_teams(state)}
    for desired in plan.plan_classifications(state):
        ensure(desired)
    for desired in plan.plan_glossary(state, team_ids):
        ensure(desired)
    _ensure_custom_properties(server, report, dry_run)
    table_ids: dict[str, str] = {}
    for desired in plan.plan_warehouse(state, team_ids):
        table_ids[desired.fqn] = ensure(desired)
    _soft_delete_stale(state, server, report, dry_run, set(table_ids))
    quality = plan.plan_quality(state)
    for desired in quality.definitions:
        ensure(desired)
    for desired in quality.suites:
        ensure(desired, f"{API}/dataQuality/testSuites/executable", server.put_test_suite)
    for case in quality.cases:
        _ensure_test_case(case, server, report, dry_run, ensure)
    _ensure_lineage(state, server, report, dry_run, table_ids)
    return report


def _ensure_test_case(
    case: plan.DesiredTestCase, server: Server, report: SyncReport, dry_run: bool, ensure: Callable[..., str]
) -> None:
    """The test case (PUT when it differs), then its result unless the server has it or a later one.

    The server keeps every result by timestamp; the latest one it returns with the test case (``testCaseResult``)
    says whether this check's result was sent already, so a re-run of the sync adds nothing.
    """
    from metadata.ingestion.ometa.utils import quote

    current = server.fetch(case.desired)
    timestamp = case.result.timestamp.root
    ensure(case.desired, current=current)
    if compare.result_sent(current, timestamp):
        report.unchanged += 1
        return
    path = f"{API}/dataQuality/testCases/testCaseResults/{quote(case.desired.fqn)}"
    report.mutations.append(Mutation("POST", path, case.desired.fqn, _body(case.result)))
    if not dry_run:
        server.add_test_case_result(case.desired.fqn, case.result)


def _ensure_custom_properties(server: Server, report: SyncReport, dry_run: bool) -> None:
    """The table type's custom properties must exist before any table carries values for them."""
    type_id, current = server.table_type()
    for prop in plan.plan_custom_properties(server.string_type_id()):
        request = prop.createCustomPropertyRequest
        if not compare.custom_property_missing(request, current):
            report.unchanged += 1
            continue
        report.mutations.append(
            Mutation("PUT", f"{API}/metadata/types/{type_id}", f"table.{request.name.root}", _body(request))
        )
        if not dry_run:
            server.put_custom_property(prop)


def _soft_delete_stale(
    state: WarehouseState, server: Server, report: SyncReport, dry_run: bool, wanted: set[str]
) -> None:
    """What the warehouse no longer has, soft-deleted (``DELETE …?hardDelete=false``: restorable on the server).

    A ``raw_<dept>`` schema of a department no longer in config goes with its tables (recursive); in the schemas
    the sync owns, each table the catalog withdrew (or a dataset no longer served) goes with what it contains,
    its basic test suite and test cases (recursive: the server refuses to delete a table that has them without).
    """

    def delete(collection: str, entity: dict[str, Any], recursive: bool) -> None:
        flag = str(recursive).lower()
        path = f"{API}/{collection}/{entity['id']}?recursive={flag}&hardDelete=false"
        report.mutations.append(Mutation("DELETE", path, entity["fullyQualifiedName"]))
        if not dry_run:
            server.soft_delete(collection, str(entity["id"]), recursive)

    managed = plan.managed_schemas(state)
    for schema in server.schemas_in(plan.fqn(plan.SERVICE, state.database)):
        if schema["name"].startswith("raw_") and schema["name"] not in managed and not schema.get("deleted"):
            delete("databaseSchemas", schema, recursive=True)
    for name in managed:
        for table in server.tables_in(plan.fqn(plan.SERVICE, state.database, name)):
            if table["fullyQualifiedName"] not in wanted and not table.get("deleted"):
                delete("tables", table, recursive=True)


def _ensure_lineage(
    state: WarehouseState, server: Server, report: SyncReport, dry_run: bool, table_ids: dict[str, str]
) -> None:
    """An edge raw → served per derived dataset, with its column pairs; sent only when the server's differs."""
    for edge in plan.plan_lineage(state):
        from_id, to_id = table_ids[edge.from_fqn], table_ids[edge.to_fqn]
        if compare.lineage_matches(server.lineage_of(edge.to_fqn), from_id, edge.column_pairs):
            report.unchanged += 1
            continue
        request = edge.request(from_id, to_id)
        report.mutations.append(Mutation("PUT", f"{API}/lineage", f"{edge.from_fqn} → {edge.to_fqn}", _body(request)))
        if not dry_run:
            server.add_lineage(request)
